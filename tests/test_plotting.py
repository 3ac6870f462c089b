"""House style and CJK font: Chinese labels draw without missing glyphs."""

from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager, ft2font  # noqa: E402

from analysis.plotting import find_cjk_font_file, plot_bar, use_house_style  # noqa: E402

CHINESE = "重要价值客户 流失预警 客户终身价值 复购率"


@pytest.fixture(autouse=True)
def _isolated_rc():
    with matplotlib.rc_context():
        yield
    plt.close("all")


def _missing_glyph_warnings(text: str) -> list[str]:
    fig, ax = plt.subplots()
    ax.set_title(text)
    ax.set_xlabel(text)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    plt.close(fig)
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_packaged_font_has_the_glyphs():
    path = find_cjk_font_file()
    assert path is not None and path.is_file()
    charmap = ft2font.FT2Font(str(path)).get_charmap()
    missing = [c for c in CHINESE.replace(" ", "") if ord(c) not in charmap]
    assert missing == []


def test_default_font_misses_chinese_glyphs():
    # Shows the next test can fail: without the house style DejaVu Sans draws boxes.
    matplotlib.rcdefaults()
    assert _missing_glyph_warnings(CHINESE)


def test_house_style_draws_chinese_without_missing_glyphs():
    assert use_house_style() is None  # nothing echoed in a notebook's setup cell
    assert matplotlib.rcParams["font.sans-serif"][0] == "Noto Sans SC"
    assert matplotlib.rcParams["axes.unicode_minus"] is False
    assert _missing_glyph_warnings(CHINESE) == []
    # the font matplotlib resolves for a title is the packaged file
    resolved = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    assert resolved == str(find_cjk_font_file())


def test_use_house_style_is_idempotent():
    use_house_style()
    fonts_before = len(font_manager.fontManager.ttflist)
    rc_before = dict(matplotlib.rcParams)
    use_house_style()
    assert len(font_manager.fontManager.ttflist) == fonts_before
    assert dict(matplotlib.rcParams) == rc_before


def test_png_output_is_deterministic():
    use_house_style()

    def render() -> bytes:
        ax = plot_bar(pd.Series([3, -1], index=["重要价值客户", "一般挽留客户"]), title="分层")
        buf = io.BytesIO()
        ax.figure.savefig(buf, format="png")
        plt.close(ax.figure)
        return buf.getvalue()

    assert render() == render()


@pytest.mark.parametrize("horizontal", [False, True])
def test_plot_bar_draws_on_given_axes(horizontal):
    use_house_style()
    fig, ax = plt.subplots()
    series = pd.Series([120, 45, 7], index=["重要价值客户", "重要挽留客户", "一般挽留客户"])
    out = plot_bar(series, ax=ax, title="客户分层", horizontal=horizontal)
    assert out is ax
    assert len(ax.patches) == 3
    assert ax.get_title(loc="left") == "客户分层"
    assert plt.get_fignums() == [fig.number]


def test_plot_bar_rejects_non_numeric():
    with pytest.raises(ValueError):
        plot_bar(pd.Series(["a", "b"], index=["x", "y"]))


def test_km_and_calibration_take_the_callers_words():
    import matplotlib.pyplot as plt
    import pandas as pd

    from analysis.plotting.survival import plot_calibration, plot_km
    from analysis.survival import fit_km

    d = pd.DataFrame({"duration_days": [1, 2, 3, 4, 5, 6], "event": [1, 0, 1, 1, 0, 1]})
    ax = plot_km(fit_km(d), xlabel="天数", ylabel="留存比例", at_risk_label="在册客户")
    ticks = [x.get_text() for a in ax.figure.axes for x in a.get_xticklabels()]
    assert any(x.startswith("在册客户") for x in ticks)
    assert not any("At risk" in x for x in ticks)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("天数", "留存比例")
    cal = pd.DataFrame({"predicted": [0.1, 0.5], "observed": [0.2, 0.4]})
    ax2 = plot_calibration(cal, xlabel="预测", ylabel="实际")
    assert (ax2.get_xlabel(), ax2.get_ylabel()) == ("预测", "实际")
    plt.close("all")

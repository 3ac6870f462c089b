"""Segmentation figures: Axes in, Axes out, Chinese labels drawn, notebook stays thin."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from analysis.plotting import segmentation as ps  # noqa: E402
from analysis.plotting import use_house_style  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "segmentation.ipynb"


@pytest.fixture(autouse=True)
def _close():
    use_house_style()
    yield
    plt.close("all")


def test_plots_draw_on_the_given_axes():
    m = pd.DataFrame(
        [[5, 2, 0], [1, 7, 3], [0, 1, 9]],
        index=["冠军客户", "忠实客户", "已流失客户"],
        columns=["冠军客户", "忠实客户", "已流失客户"],
    )
    curve = pd.DataFrame(
        {"customer_share": np.linspace(0, 1, 11), "revenue_share": np.sqrt(np.linspace(0, 1, 11))}
    )
    prof = pd.DataFrame(
        {"客户占比": [0.2, 0.8], "销售额占比": [0.7, 0.3]}, index=["重要价值客户", "一般挽留客户"]
    )
    calls = [
        lambda ax: ps.plot_pareto_curve(curve, ax=ax),
        lambda ax: ps.plot_rfm_heatmap(m, ax=ax),
        lambda ax: ps.plot_segment_sizes(
            prof, ax=ax, customers_col="客户占比", revenue_col="销售额占比"
        ),
        lambda ax: ps.plot_cluster_profiles(m, ax=ax),
        lambda ax: ps.plot_k_selection(
            pd.Series([0.5, 0.6], index=[3, 4]),
            pd.Series([10.0, 8.0], index=[3, 4]),
            ax=ax,
            chosen=4,
        ),
        lambda ax: ps.plot_lifecycle_funnel(pd.Series([5, 3], index=["潜在客户", "新客户"]), ax=ax),
        lambda ax: ps.plot_migration_matrix(m, ax=ax),
        lambda ax: ps.plot_migration_flows(m, ax=ax, highlight=[("冠军客户", "已流失客户")]),
    ]
    for call in calls:
        fig, ax = plt.subplots()
        assert call(ax) is ax
        fig.canvas.draw()


def test_chinese_labels_have_glyphs():
    from matplotlib.font_manager import FontProperties, findfont
    from matplotlib.ft2font import FT2Font

    fig, ax = plt.subplots()
    ps.plot_lifecycle_funnel(pd.Series([5, 3], index=["沉默客户", "流失客户"]), ax=ax)
    font = FT2Font(findfont(FontProperties(family=matplotlib.rcParams["font.sans-serif"][0])))
    assert all(font.get_char_index(ord(ch)) for ch in "沉默流失客户重要价值挽留")


def test_report_notebook_is_thin_and_has_parameters():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", [])
    params = "".join(code[0]["source"])
    for name in ("period", "data_path", "mapping_path", "lang", "warehouse", "report_dir", "seed"):
        assert f"{name}:" in params
    assert "".join(code[1]["source"]).startswith("%matplotlib inline")
    for c in code:
        src = "".join(c["source"])
        assert "\ndef " not in "\n" + src and "\nclass " not in "\n" + src
        assert not c.get("outputs") and c.get("execution_count") is None

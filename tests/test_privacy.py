"""Privacy on pages: the pseudonym key, pseudonyms, small groups folded, and no personal
value from the data on any rendered page."""

from __future__ import annotations

import html
import multiprocessing
import re
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.exceptions import ConfigError
from analysis.privacy import (
    CONFIG_DIR_ENV,
    KEY_ENV,
    MIN_GROUP_SIZE,
    OTHER,
    fold_small_groups,
    key_location,
    key_path,
    pseudonym_key,
    pseudonymise,
)

TOKEN = re.compile(r"^K-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
KEY = b"a test key, long enough to be one"


@pytest.fixture
def config(tmp_path, monkeypatch) -> Path:
    """A fresh key folder and no key in the environment."""
    folder = tmp_path / "config"
    monkeypatch.setenv(CONFIG_DIR_ENV, str(folder))
    monkeypatch.delenv(KEY_ENV, raising=False)
    return folder


# --- the key ---------------------------------------------------------------------------


def test_the_environment_wins_over_the_key_file(config, monkeypatch):
    config.mkdir()
    (config / "pseudonym.key").write_text("the key in the file, not this one\n")
    monkeypatch.setenv(KEY_ENV, "the key from the environment")
    assert pseudonym_key() == b"the key from the environment"
    assert key_location() == f"the environment variable {KEY_ENV}"


@pytest.mark.parametrize("value", ["", "   ", "too short"])
def test_an_unusable_key_in_the_environment_is_an_error(config, monkeypatch, value):
    monkeypatch.setenv(KEY_ENV, value)
    with pytest.raises(ConfigError, match=KEY_ENV):
        pseudonym_key()
    assert not (config / "pseudonym.key").exists()  # no quiet fallback to a new key


def test_a_key_is_generated_once_private_and_reused(config):
    told: list[str] = []
    key = pseudonym_key(log=told.append)
    path = config / "pseudonym.key"
    assert key_path() == path and path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "reports" not in path.parts
    assert len(key) >= 32 and path.read_text().strip().encode() == key
    assert len(told) == 1 and str(path) in told[0]
    assert str(path) in key_location() and key.decode() not in key_location()
    again: list[str] = []
    assert pseudonym_key(log=again.append) == key
    assert not again  # nothing new to tell
    assert [p.name for p in config.iterdir()] == ["pseudonym.key"]  # no temporary file left


def test_the_default_key_file_is_in_the_home_config_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(CONFIG_DIR_ENV, raising=False)
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert key_path() == tmp_path / ".config" / "analysis" / "pseudonym.key"
    pseudonym_key()
    assert key_path().is_file()


def _key_in_child(folder: str, out) -> None:
    import os

    os.environ[CONFIG_DIR_ENV] = folder
    os.environ.pop(KEY_ENV, None)
    out.put(pseudonym_key())


def test_processes_starting_together_share_one_key(config):
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=_key_in_child, args=(str(config), out)) for _ in range(6)]
    for p in procs:
        p.start()
    keys = {out.get(timeout=30) for _ in procs}
    for p in procs:
        p.join(timeout=30)
    assert len(keys) == 1 and keys == {pseudonym_key()}


@pytest.mark.parametrize(
    ("content", "problem"),
    [("", "is empty"), ("\n\n", "is empty"), ("abc\n", "has 3 characters"),
     ("first line of a key\nsecond line of it\n", "several lines")],
)  # fmt: skip
def test_a_broken_key_file_names_the_file(config, content, problem):
    config.mkdir()
    path = config / "pseudonym.key"
    path.write_text(content)
    with pytest.raises(ConfigError, match=problem) as err:
        pseudonym_key()
    assert str(path) in str(err.value)
    assert path.read_text() == content  # never overwritten: that would change every pseudonym


def test_an_unreadable_key_file_names_the_file(config):
    config.mkdir()
    path = config / "pseudonym.key"
    path.write_bytes(b"\xff\xfe not text at all \xff")
    with pytest.raises(ConfigError, match=re.escape(str(path))):
        pseudonym_key()


# --- pseudonyms ----------------------------------------------------------------------


def test_pseudonyms_are_stable_readable_tokens():
    ids = ["C000001", "C000002", "C000001"]
    first = pseudonymise(ids, key=KEY)
    assert first == pseudonymise(ids, key=KEY)
    assert first[0] == first[2] != first[1]
    assert all(TOKEN.match(p) for p in first)
    assert first[0] == "K-PV5F-N9P5-6M91"  # fixed: the same key gives the same token forever


def test_a_pseudonym_is_the_first_60_bits_of_the_hmac_in_crockford_base32():
    import hashlib
    import hmac

    digest = hmac.new(KEY, b"C000001", hashlib.sha256).hexdigest()
    bits = bin(int(digest[:15], 16))[2:].zfill(60)  # 15 hex digits = 60 bits
    chars = "".join("0123456789ABCDEFGHJKMNPQRSTVWXYZ"[int(bits[i : i + 5], 2)]
                    for i in range(0, 60, 5))  # fmt: skip
    assert pseudonymise(["C000001"], key=KEY) == [f"K-{chars[:4]}-{chars[4:8]}-{chars[8:]}"]


def test_pseudonyms_depend_on_the_key_and_the_id_text():
    assert pseudonymise(["C1"], key=KEY) != pseudonymise(["C1"], key=KEY + b"!")
    assert pseudonymise([7], key=KEY) == pseudonymise(["7"], key=KEY)
    assert pseudonymise(["007"], key=KEY) != pseudonymise(["7"], key=KEY)


def test_the_default_key_is_the_run_key(config):
    assert pseudonymise(["C1"]) == pseudonymise(["C1"], key=pseudonym_key())


def test_missing_ids_stay_missing_and_a_series_keeps_its_index():
    s = pd.Series(["C1", None, np.nan, "C2"], index=[10, 11, 12, 13], name="customer_id")
    out = pseudonymise(s, key=KEY)
    assert isinstance(out, pd.Series)
    assert out.index.tolist() == [10, 11, 12, 13] and out.name == "customer_id"
    assert out.isna().tolist() == [False, True, True, False]
    assert pseudonymise([None, float("nan"), pd.NA], key=KEY) == [None, None, None]


def test_no_collision_among_many_ids():
    ids = [f"C{i:07d}" for i in range(100_000)]
    assert len(set(pseudonymise(ids, key=KEY))) == len(ids)


# --- small groups ---------------------------------------------------------------------


def test_counts_fold_and_still_add_up():
    counts = pd.Series({"high": 120, "mid": 3, "low": 2, "new": 40}, name="customers")
    out = fold_small_groups(counts)
    assert out.to_dict() == {"high": 120, "new": 40, OTHER: 5}
    assert out.sum() == counts.sum()
    assert (out.drop(OTHER) >= MIN_GROUP_SIZE).all()
    assert out.index[-1] == OTHER and out.name == "customers"


def test_nothing_to_fold_leaves_the_input_unchanged():
    counts = pd.Series({"a": 5, "b": 9})
    out = fold_small_groups(counts)
    assert out.equals(counts) and out is not counts
    table = pd.DataFrame({"g": ["a", "b"], "customers": [5, 6]})
    assert fold_small_groups(table, group="g", size="customers").equals(table)
    rows = pd.DataFrame({"g": ["a"] * 5})
    assert fold_small_groups(rows, group="g").equals(rows)


def test_all_small_groups_become_one_other():
    out = fold_small_groups(pd.Series({"a": 1, "b": 2, "c": 1}))
    assert out.to_dict() == {OTHER: 4}


def test_a_missing_group_and_an_existing_other_are_folded_together():
    counts = pd.Series([50, 2, 7], index=["a", np.nan, OTHER])
    out = fold_small_groups(counts)
    assert out.to_dict() == {"a": 50, OTHER: 9} and not out.index.isna().any()


def test_kept_groups_are_never_folded():
    out = fold_small_groups(pd.Series({"a": 50, "b": 2, "all": 52}), keep=["all"], min_size=60)
    assert out.to_dict() == {"all": 52, OTHER: 52}


def test_a_table_sums_counts_and_weights_means():
    table = pd.DataFrame(
        {
            "customers": [100, 3, 1],
            "revenue": [900.0, 30.0, 70.0],
            "share": [0.9, 0.03, 0.07],
            "mean_spend": [9.0, 10.0, 70.0],
            "mean_recency": [5.0, np.nan, 40.0],
        },
        index=pd.Index(["a", "b", "c"], name="segment"),
    )
    out = fold_small_groups(table, size="customers", means=["mean_spend", "mean_recency"])
    assert out.index.tolist() == ["a", OTHER] and out.index.name == "segment"
    other = out.loc[OTHER]
    assert other["customers"] == 4 and other["revenue"] == 100.0
    assert other["share"] == pytest.approx(0.1)
    assert other["mean_spend"] == pytest.approx((3 * 10 + 70) / 4)
    assert other["mean_recency"] == pytest.approx(40.0)  # the missing mean is skipped
    assert out["customers"].sum() == table["customers"].sum()
    assert out["customers"].dtype == table["customers"].dtype


def test_a_table_with_a_column_that_cannot_be_combined_is_an_error():
    table = pd.DataFrame({"g": ["a", "b"], "customers": [10, 1], "note": ["x", "y"]})
    with pytest.raises(ValueError, match="note"):
        fold_small_groups(table, group="g", size="customers")


def test_rows_fold_by_distinct_customers():
    rows = pd.DataFrame(
        {
            "tier": ["a"] * 6 + ["b"] * 6 + [None],
            "customer_id": ["1", "2", "3", "4", "5", "6"] + ["7"] * 6 + ["8"],
        }
    )
    out = fold_small_groups(rows, group="tier", unit="customer_id")
    # b has six answers but one customer; the missing tier is not a group here
    assert out["tier"].tolist()[:12] == ["a"] * 6 + [OTHER] * 6
    assert out["tier"].isna().tolist()[-1]
    assert rows["tier"].tolist()[6] == "b"  # the input is not modified


def test_min_size_is_checked():
    with pytest.raises(ValueError, match="min_size"):
        fold_small_groups(pd.Series({"a": 1}), min_size=0)


# --- end to end ------------------------------------------------------------------------

_IMAGE = re.compile(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+")


def _page_text(path: Path) -> str:
    """A page's HTML without embedded images (their base64 is not text anyone reads)."""
    return html.unescape(_IMAGE.sub("", path.read_text("utf-8")))


@pytest.mark.slow
def test_no_personal_value_from_the_data_appears_on_any_page(sample_reports, small_sample):
    customers = pd.read_csv(small_sample / "customers.csv", dtype=str)
    surveys = pd.read_csv(small_sample / "surveys.csv", dtype=str)
    ids = set(customers["customer_id"].dropna()) | set(surveys["response_id"].dropna())
    names = {n for n in customers["name"].dropna() if len(n) >= 3}
    phones = set(customers["phone"].dropna())
    emails = {e.lower() for e in customers["email"].dropna()}
    pages = []
    for folder in sample_reports.values():
        pages += sorted(folder.glob("*.html")) + sorted(folder.parent.glob("*.html"))
    assert len(pages) >= 10
    for page in pages:
        text = _page_text(page)
        tokens = set(re.findall(r"[A-Za-z0-9_]+", text))
        assert not tokens & ids, (page.name, sorted(tokens & ids)[:5])
        assert not set(re.findall(r"\d+", text)) & phones, page.name
        low = text.lower()
        assert not [e for e in emails if e in low], page.name
        assert not [n for n in names if n in text], (page.name, [n for n in names if n in text])


@pytest.mark.slow
def test_pages_show_pseudonyms_the_exports_can_match(sample_reports, small_sample):
    customers = pd.read_csv(small_sample / "customers.csv", dtype=str)
    folder = sample_reports["en"]
    at_risk = pd.read_csv(folder / "exports" / "at_risk.csv", dtype=str, encoding="utf-8-sig")
    assert at_risk["customer_id"].isin(customers["customer_id"]).all()  # real ids, for CRM
    assert at_risk["pseudonym"].tolist() == pseudonymise(at_risk["customer_id"]).tolist()
    shown = set(re.findall(r"K-\w{4}-\w{4}-\w{4}", _page_text(folder / "churn_survival.html")))
    assert shown and shown <= set(at_risk["pseudonym"])
    follow = pd.read_csv(folder / "exports" / "survey_followups.csv", dtype=str,
                         encoding="utf-8-sig")  # fmt: skip
    shown = set(re.findall(r"K-\w{4}-\w{4}-\w{4}", _page_text(folder / "survey_text.html")))
    assert shown <= set(follow["pseudonym"])
    key = pseudonym_key().decode()
    for path in folder.parent.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".ipynb", ".json", ".csv"}:
            assert key not in path.read_text("utf-8", errors="replace"), path


# --- small groups on the pages ----------------------------------------------------------


@pytest.fixture(scope="module")
def strict(small_warehouse, tmp_path_factory):
    """The small sample with a minimum group size that folds several groups of each page."""
    from analysis.pages.context import RunSettings, build_context

    report = tmp_path_factory.mktemp("strict_report")
    settings = RunSettings(min_group_size=150)
    return build_context(small_warehouse, lang="zh", settings=settings, report_dir=report)


def _rendered(result) -> str:
    import matplotlib.pyplot as plt

    from analysis.pages import render_blocks

    parts = []
    for lang in ("zh", "en"):
        for item in render_blocks(result, lang):
            if hasattr(item, "savefig"):
                plt.close(item)
            else:
                parts.append(item.data)
    return "\n".join(parts)


def test_segmentation_shows_small_groups_as_other_and_still_adds_up(strict):
    from analysis.pages import segmentation as seg

    n, everyone = 150, len(strict.classes)
    tiers = seg.value_tiers(strict)
    assert tiers.profile.index[-1] == OTHER
    assert (tiers.profile["customers"].drop(OTHER) >= n).all()
    assert tiers.profile["customers"].sum() == everyone
    assert tiers.profile["revenue_share"].sum() == pytest.approx(1.0)
    other = strict.classes["value_tier"].map(tiers.profile["customers"]).isna()
    spend = strict.features.loc[other, "monetary_total"].fillna(0).mean()
    assert tiers.profile.loc[OTHER, "mean_monetary"] == pytest.approx(spend)  # exact, not mixed
    stages = seg.lifecycle(strict).stages
    assert stages.sum() == everyone and (stages.drop(OTHER) >= n).all()
    types = seg.customer_types(strict)
    assert types.revenue_by_tier.sum().to_numpy() == pytest.approx(1.0)
    life = types.lifecycle_by_type
    assert (life.drop(index="all").sum() == life.loc["all"]).all()
    cells = life.drop(index=["all", OTHER], columns="all").to_numpy()
    assert ((cells == 0) | (cells >= n)).all()
    playbook = seg.playbook(strict)
    assert sum(playbook.counts.values()) == everyone
    for result in (tiers, seg.lifecycle(strict), types, playbook, seg.rfm_eight(strict)):
        page = _rendered(result)
        assert "其他" in page and "Other" in page and "NaN" not in page
        assert "少于" in page and "fewer than" in page  # the note says why


def test_survey_groups_fold_by_distinct_respondents(strict):
    from analysis.pages import survey as sv

    result = sv.by_group(strict)
    for col, table in result.tables.items():
        assert table["responses"].sum() == result.responses, col
    segment = result.tables["segment"].set_index("segment")
    assert segment.index[-1] == OTHER
    page = _rendered(result)
    assert "其他" in page and "Other" in page and "NaN" not in page


def test_the_default_minimum_leaves_large_groups_alone(small_warehouse):
    from analysis.pages import segmentation as seg
    from analysis.pages.context import build_context

    ctx = build_context(small_warehouse, lang="zh")
    assert OTHER not in seg.value_tiers(ctx).profile.index  # 125, 276 and 1,594 customers

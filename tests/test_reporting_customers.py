"""The customers export is joined from the parts each notebook writes."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.reporting.customers import assemble_customer_export, write_customer_columns


def test_parts_join_on_customer_id(tmp_path):
    a = pd.DataFrame({"customer_id": ["1", "2"], "segment": ["Champions", "=HYPERLINK()"]})
    b = pd.DataFrame({"churn_prob": [0.2, 0.9]}, index=pd.Index(["2", "3"], name="customer_id"))
    write_customer_columns(tmp_path, "segmentation", a)
    write_customer_columns(tmp_path, "churn", b)
    files = assemble_customer_export(tmp_path)
    assert {p.suffix for p in files} == {".csv", ".xlsx"}
    out = pd.read_csv(tmp_path / "exports" / "customers.csv", dtype={"customer_id": str})
    assert out["customer_id"].tolist() == ["1", "2", "3"]
    assert out.loc[1, "segment"].startswith("'=")  # neutralised for Excel
    assert out.loc[2, "churn_prob"] == 0.9
    assert not (tmp_path / "exports" / "_parts").exists()


def test_no_report_dir_writes_nothing():
    assert write_customer_columns("", "x", pd.DataFrame({"customer_id": ["1"]})) is None


def test_duplicate_customers_and_columns_are_errors(tmp_path):
    with pytest.raises(ValueError, match="unique"):
        write_customer_columns(tmp_path, "x", pd.DataFrame({"customer_id": ["1", "1"]}))
    write_customer_columns(tmp_path, "a", pd.DataFrame({"customer_id": ["1"], "v": [1]}))
    write_customer_columns(tmp_path, "b", pd.DataFrame({"customer_id": ["1"], "v": [2]}))
    with pytest.raises(ValueError, match="come twice"):
        assemble_customer_export(tmp_path)


def test_base_attributes_lead_and_contacts_stay_out(tmp_path):
    base = pd.DataFrame(
        {
            "customer_type": ["business", "individual"],
            "region": ["华东", "华北"],
            "phone": ["13812345678", "13912345678"],
        },
        index=pd.Index(["1", "2"], name="customer_id"),
    )
    write_customer_columns(
        tmp_path, "segmentation", pd.DataFrame({"customer_id": ["1"], "seg": ["x"]})
    )
    assemble_customer_export(tmp_path, base=base)
    out = pd.read_csv(tmp_path / "exports" / "customers.csv", dtype=str)
    assert list(out.columns) == ["customer_id", "customer_type", "region", "seg"]
    assert out["customer_id"].tolist() == ["1", "2"]

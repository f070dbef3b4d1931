"""Parity with NHSRplotthedots, the reference implementation (tests/data/ptd/README.md)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sendreport.spc import xmr

PTD = Path(__file__).parents[1] / "data" / "ptd"

CASES = {
    "ae_all_attendances": {},
    "ae_all_attendances_rebase": {"rebase": ["2017-04-01"]},
    "ae_all_performance_fix12": {"fix_after_n_points": 12},
    "ae_rl4_by_type_attendances": {"by": "series"},
}


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(
        PTD / f"{name}.csv", comment="#", parse_dates=["month"], dtype={"series": "str"}
    )


@pytest.mark.parametrize("name", CASES)
def test_matches_reference_snapshot(name):
    expected = _read(name)
    data = expected[["series", "month", "value"]]
    if "by" not in CASES[name]:
        data = data.drop(columns="series")
    result = xmr(data, **CASES[name])

    assert len(result) == len(expected)
    for column in ("mean", "lpl", "upl"):
        np.testing.assert_allclose(result[column], expected[column], rtol=1e-6, err_msg=column)
    assert result["rebase_group"].tolist() == expected["rebase_group"].tolist()
    assert result["point_type"].tolist() == expected["point_type"].tolist()


def test_reference_cases_include_special_causes():
    # the parity cases above must exercise improvement and concern, not only common cause
    kinds = set(_read("ae_rl4_by_type_attendances")["point_type"])
    kinds |= set(_read("ae_all_performance_fix12")["point_type"])
    assert kinds == {"common_cause", "special_cause_improvement", "special_cause_concern"}


def _sig_figs(text: str) -> int:
    return len(Decimal(text.lstrip("-")).as_tuple().digits)


def _round_sig(x: float, digits: int) -> float:
    return float(f"{x:.{digits - 1}e}")


LIMITS = pd.read_csv(PTD / "rnorm20_limits.csv", comment="#", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("row", LIMITS.to_dict("records"), ids=lambda r: r["source"])
def test_matches_printed_limits(row):
    data = pd.read_csv(PTD / "rnorm20.csv", comment="#", parse_dates=["x"])
    if row["case"] == "outlier":
        data.loc[14, "y"] = 10.0
    by = "facet" if row["facet"] else ()
    result = xmr(data, value="y", date="x", by=by, screen_outliers=row["screen_outliers"] == "True")
    if row["facet"]:
        result = result[result["facet"] == int(row["facet"])]
    for column in ("mean", "lpl", "upl"):
        digits = _sig_figs(row[column])
        assert _round_sig(result[column].iloc[0], digits) == float(row[column]), column
    if row["common_cause"]:
        assert (result["point_type"] == "common_cause").sum() == int(row["common_cause"])

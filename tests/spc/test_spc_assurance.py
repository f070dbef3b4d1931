"""assurance() and variation()."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sendreport.errors import ParameterError
from sendreport.spc import assurance, variation, xmr

CASES = pd.read_csv(Path(__file__).parents[1] / "data" / "ptd" / "assurance_cases.csv", comment="#")


@pytest.mark.parametrize(
    "case", CASES.to_dict("records"), ids=lambda c: f"{c['case']}-{c['improvement']}"
)
def test_assurance_cases(case):
    result = pd.DataFrame({"lpl": [case["lpl"]], "mean": [case["mean"]], "upl": [case["upl"]]})
    target = None if np.isnan(case["target"]) else float(case["target"])
    expected = None if case["expected"] == "none" else case["expected"]
    assert assurance(result, target, case["improvement"]) == expected


def test_assurance_uses_the_last_rebase_group():
    # package case "it returns correct values for assurance when rebase": the last row decides
    rows = pd.DataFrame({"lpl": [1, 5, 1], "mean": [2, 6, 4], "upl": [3, 7, 5]})
    assert assurance(rows.iloc[[0, 1, 2]], 4, "decrease") == "inconsistent"
    assert assurance(rows.iloc[[1, 2, 0]], 4, "decrease") == "consistent_pass"
    assert assurance(rows.iloc[[2, 0, 1]], 4, "decrease") == "consistent_fail"


def test_assurance_on_an_xmr_result_after_a_rebase():
    df = pd.DataFrame(
        {
            "month": pd.date_range("2022-01-01", periods=24, freq="MS"),
            "value": [20.0, 22.0] * 6 + [60.0, 62.0] * 6,
        }
    )
    result = xmr(df, rebase=["2023-01-01"])
    assert assurance(result, 40.0, "increase") == "consistent_pass"
    assert assurance(result.iloc[:12], 40.0, "increase") == "consistent_fail"


def test_assurance_with_unknown_limits_is_none():
    assert assurance(pd.DataFrame({"lpl": [np.nan], "upl": [np.nan]}), 4, "increase") is None


def test_assurance_errors():
    message = "improvement must be 'increase', 'decrease' or 'neutral', not 'up'"
    with pytest.raises(ParameterError, match=message):
        assurance(pd.DataFrame({"lpl": [1.0], "upl": [2.0]}), 4, "up")
    with pytest.raises(ParameterError, match="assurance requires missing columns: upl. Found: lpl"):
        assurance(pd.DataFrame({"lpl": [1.0]}), 4, "increase")


def test_variation_is_the_last_observed_point_type():
    result = pd.DataFrame({"point_type": ["common_cause", "special_cause_concern", None]})
    assert variation(result) == "special_cause_concern"


def test_variation_errors():
    with pytest.raises(ParameterError, match="variation requires missing columns: point_type"):
        variation(pd.DataFrame({"value": [1.0]}))
    with pytest.raises(ParameterError, match="at least one observed point; found none"):
        variation(pd.DataFrame({"point_type": pd.array([None], dtype="str")}))

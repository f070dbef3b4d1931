"""The four special cause rules, one unit vector at a time (tests/data/ptd/rule_vectors.csv)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sendreport.spc import RULES, _special_causes, xmr

VECTORS = pd.read_csv(Path(__file__).parents[1] / "data" / "ptd" / "rule_vectors.csv", comment="#")
LETTER = {"outside_limits": "O", "trend": "T", "two_of_three": "C", "shift": "S"}


def _tokens(values: np.ndarray, run_length: int) -> list[str]:
    n = len(values)
    seg = np.zeros(n, dtype=np.int64)

    def const(x):
        return np.full(n, float(x))

    rule, direction = _special_causes(
        values, seg, const(0), const(-3), const(3), const(-2), const(2), run_length
    )
    return [
        "." if r < 0 else LETTER[RULES[r]] + ("+" if d > 0 else "-")
        for r, d in zip(rule, direction, strict=True)
    ]


@pytest.mark.parametrize("case", VECTORS.to_dict("records"), ids=lambda c: c["case"])
def test_rule_vector(case):
    values = np.array([float(x) for x in case["values"].split()])
    assert _tokens(values, int(case["run_length"])) == case["expected"].split()


def _monthly(values, **cols):
    return pd.DataFrame(
        {"month": pd.date_range("2023-01-01", periods=len(values), freq="MS"), "value": values}
        | cols
    )


def test_run_length_six_and_seven_on_a_series():
    # mean 11.15: exactly six points (11.5) above it between points below
    values = [12.0, 10.0] * 6 + [11.5] * 6 + [10.0, 12.0]
    six = xmr(_monthly(values), run_length=6)
    seven = xmr(_monthly(values), run_length=7)
    assert six["special_cause_rule"].iloc[12:18].tolist() == ["shift"] * 6
    assert seven["special_cause_rule"].isna().all()


def test_point_exactly_on_the_mean_breaks_a_shift():
    # mean is exactly 50: three above, one on the mean, four above, seven below, one on the mean
    values = [51, 55, 51, 50, 55, 51, 55, 51, 49, 45, 49, 45, 49, 45, 49, 50]
    result = xmr(_monthly([float(v) for v in values]))
    assert result["mean"].iloc[0] == 50.0
    assert result["special_cause_rule"].iloc[:8].isna().all()
    assert result["point_type"].iloc[8:15].tolist() == ["special_cause_concern"] * 7
    assert result["point_type"].iloc[15] == "common_cause"


def test_two_of_three_on_opposite_sides_is_common_cause():
    # NHSRplotthedots test-ptd_spc_standard.R: "it only reports special cause for 2of3 points
    # close to limits when they are on the same side of the mean"
    values = [1.0, -1.0] * 8
    values[14], values[15] = 5.5, -5.5
    result = xmr(_monthly(values))
    assert result["point_type"].iloc[-2:].tolist() == ["common_cause", "common_cause"]


@pytest.mark.parametrize(
    ("improvement", "high", "low"),
    [
        ("increase", "special_cause_improvement", "special_cause_concern"),
        ("decrease", "special_cause_concern", "special_cause_improvement"),
        ("neutral", "special_cause_neutral_high", "special_cause_neutral_low"),
    ],
)
def test_direction_names_the_point_type(improvement, high, low):
    values = [10.0, 11.0] * 6 + [30.0, 10.0, -10.0]
    result = xmr(_monthly(values), improvement=improvement)
    assert result["special_cause_rule"].iloc[12] == "outside_limits"
    assert result["point_type"].iloc[12] == high
    assert result["point_type"].iloc[14] == low

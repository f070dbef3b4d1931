"""xmr(): limits, screening, rebasing, trial limits, facets, missing values and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sendreport.errors import DataValidationError, ParameterError
from sendreport.spc import CREATES, xmr


def _monthly(values, start="2023-01-01", **cols):
    return pd.DataFrame(
        {"month": pd.date_range(start, periods=len(values), freq="MS"), "value": values} | cols
    )


def test_limits_by_hand():
    # mean 2.5; moving ranges 2, 1, 2 -> mean 5/3; limits 2.5 +/- 2.66 * 5/3
    result = xmr(_monthly([1.0, 3.0, 2.0, 4.0]))
    amr = 5 / 3
    expected = pd.DataFrame(
        {
            "month": pd.date_range("2023-01-01", periods=4, freq="MS"),
            "value": [1.0, 3.0, 2.0, 4.0],
            "mean": 2.5,
            "lpl": 2.5 - 2.66 * amr,
            "upl": 2.5 + 2.66 * amr,
            "near_lpl": 2.5 - 2 * 2.66 / 3 * amr,
            "near_upl": 2.5 + 2 * 2.66 / 3 * amr,
            "rebase_group": np.zeros(4, dtype=np.int64),
            "trial_limits": True,
            "special_cause_rule": pd.array([None] * 4, dtype="str"),
            "point_type": pd.array(["common_cause"] * 4, dtype="str"),
        }
    )
    pd.testing.assert_frame_equal(result, expected)


def test_output_is_sorted_with_fresh_index_and_input_untouched():
    df = _monthly([1.0, 3.0, 2.0, 4.0]).iloc[::-1].set_axis([7, 8, 9, 10])
    before = df.copy()
    result = xmr(df)
    pd.testing.assert_frame_equal(df, before)
    assert result.index.equals(pd.RangeIndex(4))
    assert result["month"].is_monotonic_increasing
    assert list(result.columns) == ["month", "value", *CREATES]


def test_outlier_screening_on_and_off():
    # moving ranges: seven of 1 and one of 30, mean 4.625; 30 >= 3.267 * 4.625 is screened out
    values = [10.0, 11.0, 10.0, 11.0, 10.0, 11.0, 10.0, 11.0, 41.0]
    screened = xmr(_monthly(values))
    raw = xmr(_monthly(values), screen_outliers=False)
    mean = sum(values) / 9
    assert screened["upl"].iloc[0] == pytest.approx(mean + 2.66 * 1.0)
    assert raw["upl"].iloc[0] == pytest.approx(mean + 2.66 * (7 + 30) / 8)
    assert screened["point_type"].iloc[-1] == "special_cause_improvement"


def test_constant_series_keeps_zero_limits_width():
    result = xmr(_monthly([100.0] * 12))
    assert result[["lpl", "mean", "upl"]].iloc[0].tolist() == [100.0, 100.0, 100.0]
    assert (result["point_type"] == "common_cause").all()


def test_rebase_restarts_mean_limits_and_rules():
    values = [10.0, 12.0] * 6 + [20.0, 22.0] * 6
    result = xmr(_monthly(values), rebase=["2024-01-01"])
    assert result["rebase_group"].tolist() == [0] * 12 + [1] * 12
    assert result["mean"].tolist() == [11.0] * 12 + [21.0] * 12
    assert (result["point_type"] == "common_cause").all()
    # without the rebase the second half is a shift above the mean
    assert (xmr(_monthly(values))["point_type"].iloc[12:] == "special_cause_improvement").all()


def test_rebase_date_between_points_starts_at_the_next_point():
    result = xmr(_monthly([1.0, 2.0, 3.0, 4.0]), rebase=["2023-02-15", "2023-02-20"])
    assert result["rebase_group"].tolist() == [0, 0, 1, 1]


def test_rebase_per_series():
    df = pd.concat([_monthly([1.0, 2.0, 3.0], svc="a"), _monthly([1.0, 2.0, 3.0], svc="b")])
    result = xmr(df, by="svc", rebase={"b": ["2023-02-01"]})
    assert result["rebase_group"].tolist() == [0, 0, 0, 0, 1, 1]


def test_trial_limits_under_twelve_points_per_rebase_group():
    result = xmr(_monthly([float(i % 3) for i in range(20)]), rebase=["2024-01-01"])
    assert result["trial_limits"].tolist() == [False] * 12 + [True] * 8
    assert not xmr(_monthly([float(i % 3) for i in range(12)]))["trial_limits"].any()
    assert xmr(_monthly([float(i % 3) for i in range(11)]))["trial_limits"].all()


def test_fix_after_n_points_uses_only_the_first_points():
    values = [10.0, 12.0] * 6 + [30.0, 32.0] * 3
    result = xmr(_monthly(values), fix_after_n_points=12)
    assert result["mean"].iloc[-1] == 11.0
    assert result["upl"].iloc[0] == pytest.approx(11.0 + 2.66 * 2.0)
    assert (result["point_type"].iloc[12:] == "special_cause_improvement").all()
    assert not result["trial_limits"].any()
    # fixed after 6 points: limits are final once 6 points are in, so not trial
    assert not xmr(_monthly(values[:10]), fix_after_n_points=6)["trial_limits"].any()


def test_facets_match_separate_series():
    a = _monthly([10.0, 12.0, 11.0, 15.0, 9.0, 10.0, 30.0, 11.0])
    b = _monthly([5.0, 5.5, 5.2, 5.1, 5.3, 5.4, 5.6, 5.7])
    both = xmr(pd.concat([b.assign(svc="b"), a.assign(svc="a")]), by="svc")
    assert both["svc"].tolist() == ["a"] * 8 + ["b"] * 8
    for svc, part in (("a", a), ("b", b)):
        alone = xmr(part)
        got = both[both["svc"] == svc].drop(columns="svc").reset_index(drop=True)
        pd.testing.assert_frame_equal(got[alone.columns], alone)


def test_missing_values_are_skipped():
    values = [10.0, 12.0, np.nan, 11.0, 13.0] + [10.0, 12.0] * 4
    result = xmr(_monthly(values))
    observed = [v for v in values if not np.isnan(v)]
    assert result["mean"].iloc[0] == pytest.approx(np.mean(observed))
    # moving ranges only between consecutive observed months: 2, 2, then 3, 1, 2, 2, ...
    ranges = [2.0, 2.0, 3.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]
    assert result["upl"].iloc[0] == pytest.approx(np.mean(observed) + 2.66 * np.mean(ranges))
    assert pd.isna(result["point_type"].iloc[2])
    assert pd.isna(result["special_cause_rule"].iloc[2])
    assert result["point_type"].iloc[3] == "common_cause"


def test_missing_value_breaks_a_shift():
    # 12 then 11, 11, 11 above the mean, a gap, 11, 11, 11: two runs of four and three
    values = [8.0, 12.0] * 5 + [11.0] * 3 + [np.nan] + [11.0] * 3 + [8.0, 12.0]
    assert xmr(_monthly(values))["special_cause_rule"].isna().all()
    values[13] = 11.0
    assert xmr(_monthly(values))["special_cause_rule"].iloc[9:17].tolist() == ["shift"] * 8


def test_single_point_has_no_limits():
    result = xmr(_monthly([5.0]))
    assert result["mean"].iloc[0] == 5.0
    assert np.isnan(result["upl"].iloc[0])
    assert result["point_type"].iloc[0] == "common_cause"


def test_empty_input():
    empty = _monthly([]).astype({"value": float})
    result = xmr(empty)
    assert len(result) == 0
    assert list(result.columns) == ["month", "value", *CREATES]


def test_target_adds_assurance_per_series():
    df = pd.concat([_monthly([50.0, 52.0] * 6, svc="a"), _monthly([50.0, 52.0] * 6, svc="b")])
    result = xmr(df, by="svc", target={"a": 60.0, "b": 51.0})
    assert result.groupby("svc")["assurance"].first().to_dict() == {
        "a": "consistent_fail",
        "b": "inconsistent",
    }
    assert result["target"].tolist() == [60.0] * 12 + [51.0] * 12


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"improvement": "up"},
            ParameterError,
            "improvement must be 'increase', 'decrease' or 'neutral', not 'up'",
        ),
        ({"run_length": 8}, ParameterError, "run_length must be 6 or 7, not 8"),
        ({"fix_after_n_points": 1}, ParameterError, "fix_after_n_points must be a whole number"),
        (
            {"value": "rate"},
            ParameterError,
            "xmr requires missing columns: rate. Found: month, value",
        ),
        ({"by": ["service"]}, ParameterError, "xmr requires missing columns: service"),
        ({"rebase": {"a": ["2023-01-01"]}}, ParameterError, "rebase can only be a mapping"),
        ({"target": {"a": 1.0}}, ParameterError, "target can only be a mapping"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        xmr(_monthly([1.0, 2.0, 3.0]), **kwargs)


def test_rebase_for_unknown_series():
    df = _monthly([1.0, 2.0], svc="a")
    with pytest.raises(ParameterError, match="rebase names a series that is not in the data: 'z'"):
        xmr(df, by="svc", rebase={"z": ["2023-02-01"]})


def test_duplicate_months():
    df = pd.concat([_monthly([1.0, 2.0]), _monthly([3.0])])
    with pytest.raises(DataValidationError, match="one row per series and 'month'"):
        xmr(df)


def test_non_numeric_values():
    with pytest.raises(DataValidationError, match="numeric values in column 'value'; found dtype"):
        xmr(_monthly(["a", "b"]))


@pytest.mark.parametrize(
    ("improvement", "expected"),
    [
        ("increase", ["consistent_fail", "consistent_pass", "inconsistent"]),
        ("decrease", ["consistent_pass", "consistent_fail", "inconsistent"]),
        ("neutral", [None, None, None]),
    ],
)
def test_target_assurance_matches_assurance(improvement, expected):
    # limits 51 +/- 2.66 * 2 = 45.68 to 56.32; targets above, below and inside
    df = pd.concat([_monthly([50.0, 52.0] * 6, svc=s) for s in "abc"])
    result = xmr(df, by="svc", improvement=improvement, target={"a": 60.0, "b": 40.0, "c": 50.0})
    got = result.groupby("svc")["assurance"].last()
    assert [None if pd.isna(g) else g for g in got] == expected


def test_run_at_zero_before_a_rise_is_flagged_as_the_reference_flags_it():
    # 21 months at 0% then a rise (as ADHD waits over 52 weeks in the demo data). By
    # NHSRplotthedots' steps the mean is lifted by the rise, the screened mean moving range
    # is small, and the zeros fall below the lower limit: special cause, an improvement
    # for a measure where lower is better. SPEC 6 follows the reference; a known change
    # of process is handled by a rebase (see the module notes), not by a special rule.
    values = [0.0] * 21 + [0.4, 0.2, 1.2, 2.7, 4.2, 5.4, 6.9, 8.2, 10.3, 13.0, 15.0]
    result = xmr(_monthly(values), improvement="decrease")
    v = np.array(values)
    mr = np.abs(np.diff(v))
    amr = mr[mr < 3.267 * mr.mean()].mean()
    assert result["lpl"].iloc[0] == pytest.approx(v.mean() - 2.66 * amr)
    assert 0 < result["lpl"].iloc[0]
    assert (result["point_type"].iloc[:21] == "special_cause_improvement").all()
    assert (result["special_cause_rule"].iloc[:21] == "outside_limits").all()
    assert result["point_type"].iloc[-1] == "special_cause_concern"
    # rebased where the rise starts, the zeros are a constant process: common cause
    rebased = xmr(_monthly(values), improvement="decrease", rebase=[_monthly(values)["month"][21]])
    assert (rebased["point_type"].iloc[:21] == "common_cause").all()
    assert rebased[["lpl", "mean", "upl"]].iloc[0].tolist() == [0.0, 0.0, 0.0]

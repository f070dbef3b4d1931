from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sendreport.disclosure import KPI_COLUMNS, suppress_kpis, suppress_series
from sendreport.errors import ParameterError

NA = np.nan


def kpis() -> pd.DataFrame:
    rows = [
        # kpi_id, unit, value, numerator, denominator, lower, upper, baseline, previous
        ("ehcp_open_over_20wk", "count", 3.0, NA, NA, NA, NA, 12.0, 2.0),
        ("ar_overdue", "count", 0.0, NA, NA, NA, NA, 4.0, 6.0),
        ("ehcp_issued", "count", 5.0, NA, NA, NA, NA, NA, NA),
        ("ehcp_20wk_excl", "%", 50.0, 2.0, 4.0, 15.0, 85.0, 30.0, 40.0),
        ("ehcp_20wk_incl", "%", 40.0, 2.0, 5.0, 11.8, 76.9, NA, NA),
        ("ar_decision_4wk", "%", NA, 0.0, 0.0, NA, NA, NA, NA),
        ("ehcp_mean_weeks_excl", "weeks", 21.5, NA, 2.0, NA, NA, NA, NA),
        ("survey_plan_reflects_needs", "%", 55.0, NA, NA, NA, NA, 33.0, NA),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "kpi_id",
            "unit",
            "value",
            "numerator",
            "denominator",
            "lower_ci",
            "upper_ci",
            "baseline",
            "previous",
        ],
    )
    frame = frame.assign(
        service="",
        period_start=pd.Timestamp("2024-04-01"),
        period_end=pd.Timestamp("2024-09-30"),
        target=NA,
    )
    return frame[list(KPI_COLUMNS)]


EXPECTED_FLAGS = [True, False, False, True, True, False, True, False]
# 2 of 5 (ehcp_20wk_incl) names 2 children on time and 3 late: withheld (SPEC 7)


@pytest.mark.parametrize("audience", ["shared", "families"])
def test_shared_packs_blank_suppressed_rows(audience):
    out = suppress_kpis(kpis(), audience=audience)
    assert out["suppressed"].tolist() == EXPECTED_FLAGS
    expected = kpis().assign(suppressed=EXPECTED_FLAGS)
    for col in ("value", "numerator", "denominator", "lower_ci", "upper_ci"):
        expected.loc[expected["suppressed"], col] = NA
    # count KPIs: baseline and previous from 1 to 4 are children counted in another period
    expected.loc[0, "previous"] = NA
    expected.loc[1, "baseline"] = NA
    pd.testing.assert_frame_equal(out, expected)


def test_internal_keeps_values_and_flags():
    out = suppress_kpis(kpis(), audience="internal")
    pd.testing.assert_frame_equal(out, kpis().assign(suppressed=EXPECTED_FLAGS))


def test_threshold_four_shows_a_count_of_four_and_denominator_of_four():
    frame = kpis()
    frame.loc[0, "value"] = 4.0
    frame.loc[3, ["numerator", "denominator"]] = [2.0, 4.0]
    frame.loc[4, ["numerator", "denominator"]] = [4.0, 8.0]
    out = suppress_kpis(frame, threshold=4)
    # 2 of 4 names 2 children either way; 4 of 8 does not
    assert out["suppressed"].tolist() == [False, False, False, True, False, False, True, False]
    assert out.loc[0, "value"] == 4.0
    assert out.loc[4, "value"] == 40.0


def test_zero_denominator_is_not_suppressed():
    out = suppress_kpis(kpis())
    row = out[out["kpi_id"] == "ar_decision_4wk"].iloc[0]
    assert not row["suppressed"]
    assert row["denominator"] == 0
    assert np.isnan(row["value"])


def test_is_pure():
    frame = kpis()
    suppress_kpis(frame)
    pd.testing.assert_frame_equal(frame, kpis())


def test_integer_columns_stay_integer():
    frame = kpis().assign(numerator=pd.array([0, 0, 0, 2, 2, 0, 0, 0], dtype="int64"))
    out = suppress_kpis(frame)
    assert str(out["numerator"].dtype) == "Int64"
    assert out["numerator"].isna().tolist() == EXPECTED_FLAGS


def test_audience_is_checked():
    with pytest.raises(
        ParameterError, match="audience must be 'shared', 'internal' or 'families', not 'public'"
    ):
        suppress_kpis(kpis(), audience="public")


def test_missing_kpi_columns():
    with pytest.raises(
        ParameterError, match=r"suppress_kpis requires missing columns: lower_ci, upper_ci\."
    ):
        suppress_kpis(kpis().drop(columns=["lower_ci", "upper_ci"]))


def series() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kpi_id": ["ehcp_20wk_excl"] * 4,
            "service": [""] * 4,
            "month": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"]),
            "value": [50.0, 25.0, NA, 60.0],
            "numerator": [5, 1, 0, 3],
            "denominator": [10, 4, 0, 5],
            "mean": [45.0] * 4,
        }
    )


def test_series_months_with_small_denominators_become_gaps():
    out = suppress_series(series())
    # April is 3 of 5: 3 children, and 2 more, named either way
    expected = series().assign(suppressed=[False, True, False, True])
    expected["numerator"] = pd.array([5, None, 0, None], dtype="Int64")
    expected["denominator"] = pd.array([10, None, 0, None], dtype="Int64")
    expected.loc[[1, 3], "value"] = NA
    pd.testing.assert_frame_equal(out, expected)


def test_series_internal_keeps_values():
    out = suppress_series(series(), audience="internal", threshold=6)
    pd.testing.assert_frame_equal(out, series().assign(suppressed=[True, True, False, True]))


def test_series_count_unit_uses_the_value():
    frame = series().assign(unit="count", value=[7.0, 2.0, 0.0, NA], denominator=NA)
    out = suppress_series(frame)
    assert out["suppressed"].tolist() == [False, True, False, False]
    assert out["value"].isna().tolist() == [False, True, False, True]


def test_series_errors():
    with pytest.raises(ParameterError, match="suppress_series requires missing columns: month"):
        suppress_series(series().drop(columns="month"))
    with pytest.raises(ParameterError, match="audience must be"):
        suppress_series(series(), audience="Shared")
    with pytest.raises(ParameterError, match="threshold must be"):
        suppress_series(series(), threshold=-1)


def test_plan_action_kpis_count_actions_not_children():
    frame = pd.concat([kpis().head(1)] * 3, ignore_index=True).assign(
        kpi_id=["actions_overdue", "actions_complete", "ehcp_open_over_20wk"],
        unit=["count", "%", "count"],
        value=[2.0, 50.0, 2.0],
        denominator=[NA, 4.0, NA],
    )
    out = suppress_kpis(frame)
    assert out["suppressed"].tolist() == [False, False, True]
    assert out["value"].tolist()[:2] == [2.0, 50.0]
    assert out["previous"].tolist()[:2] == [2.0, 2.0]
    out = suppress_kpis(frame, exempt=())
    assert out["suppressed"].tolist() == [True, True, True]


def test_empty_kpis_and_series():
    out = suppress_kpis(kpis().head(0))
    assert out.empty
    assert list(out.columns) == [*KPI_COLUMNS, "suppressed"]
    assert suppress_series(series().head(0)).empty


@pytest.mark.parametrize(
    ("numerator", "denominator", "withheld"),
    [(1, 34, True), (30, 34, True), (17, 34, False), (0, 34, False), (34, 34, False),
     (None, 3, True), (None, 34, False)],
)
def test_the_public_functions_apply_the_whole_rule(numerator, denominator, withheld):
    """The numerator and the complement too, not the denominator only (SPEC 7, issue 21)."""
    from sendreport.disclosure.rule import percentage_is_small

    frame = kpis().iloc[[3]].assign(numerator=numerator, denominator=denominator)
    assert bool(suppress_kpis(frame)["suppressed"].iloc[0]) is withheld
    months = series().iloc[[0]].assign(numerator=numerator, denominator=denominator)
    assert bool(suppress_series(months)["suppressed"].iloc[0]) is withheld
    num = np.nan if numerator is None else numerator
    assert bool(percentage_is_small(num, denominator, 5)) is withheld

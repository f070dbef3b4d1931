from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from kpi_frames import REFERRAL_DATES, REQUEST_DATES, REVIEW_DATES, day, frame

from sendreport.errors import ParameterError
from sendreport.metrics import KPI_COLUMNS, KPI_DEFINITIONS, compute_kpis
from sendreport.metrics.compute import REASON_COLUMNS, previous_start
from sendreport.plan import Plan

PS, PE = "2024-04-01", "2024-06-30"
PREV_END = "2024-03-31"  # the previous period is then 2024-01-01 .. 2024-03-31 (91 days)

REQUESTS = frame(
    [
        # in the period: one plan on time, one late; an exception on time
        {
            "received_date": day("2024-05-01", -140),
            "request_outcome": "assess",
            "request_outcome_date": day("2024-05-01", -100),
            "assessment_outcome": "issue_plan",
            "assessment_outcome_date": day("2024-05-01"),
            "plan_issued_date": day("2024-05-01"),
            "exception_20wk": False,
        },
        {
            "received_date": day("2024-05-01", -141),
            "request_outcome": "assess",
            "request_outcome_date": day("2024-05-01", -100),
            "assessment_outcome": "issue_plan",
            "assessment_outcome_date": day("2024-05-01"),
            "plan_issued_date": day("2024-05-01"),
            "exception_20wk": False,
        },
        {
            "received_date": day("2024-06-01", -20),
            "request_outcome": "assess",
            "request_outcome_date": day("2024-06-01", -10),
            "assessment_outcome": "issue_plan",
            "assessment_outcome_date": day("2024-06-01"),
            "plan_issued_date": day("2024-06-01"),
            "exception_20wk": True,
        },
        # in the previous period: one plan, late
        {
            "received_date": day("2024-02-01", -200),
            "request_outcome": "assess",
            "request_outcome_date": day("2024-02-01", -150),
            "assessment_outcome": "issue_plan",
            "assessment_outcome_date": day("2024-02-01"),
            "plan_issued_date": day("2024-02-01"),
            "exception_20wk": False,
        },
    ],
    REQUEST_DATES,
)

REVIEWS = frame(
    [
        {
            "review_due_date": day("2024-05-01"),
            "review_meeting_date": day("2024-04-20"),
            "review_decision_date": day("2024-05-10"),
        }
    ],
    REVIEW_DATES,
)

REFERRALS = frame(
    [
        {
            "person_id": "P1",
            "service": "speech_and_language_therapy",
            "referral_date": day(PE, -200),
            "first_contact_date": None,
            "removed_date": None,
        },
        {
            "person_id": "P2",
            "service": "autism_assessment",
            "referral_date": day("2024-05-01", -91),
            "first_contact_date": day("2024-05-01"),
            "removed_date": None,
        },
    ],
    REFERRAL_DATES,
)

PLAN = Plan.model_validate(
    {
        "title": "Plan",
        "type": "priority_action_plan",
        "priority_areas": [
            {
                "id": "P1",
                "title": "t",
                "what_we_will_do": "w",
                "what_will_be_different": "d",
                "actions": [
                    {
                        "id": "A1",
                        "title": "t",
                        "owner": "o",
                        "due_date": "2024-03-31",
                        "status": "complete",
                    }
                ],
                "kpis": [
                    {
                        "id": "ehcp_20wk_excl",
                        "baseline": {"value": 31.0, "period": "2022-23"},
                        "target": 60,
                        "target_date": "2025-03-31",
                    },
                    {"id": "wait_list", "service": "audiology", "target": 10},
                    {
                        "id": "wait_over_18wk",
                        "service": "speech_and_language_therapy",
                        "baseline": {"value": 40, "period": "2023"},
                    },
                ],
            }
        ],
    }
)


COVERED = {"requests": "2020-01-01", "reviews": "2020-01-01", "referrals": "2020-01-01"}
"""The small tables stand for exports that go back far enough for every figure."""


def kpis(**kwargs) -> pd.DataFrame:
    args = {"period_start": PS, "period_end": PE, "data_from": COVERED}
    args.update(kwargs)
    tables = args.pop("tables", {"requests": REQUESTS, "reviews": REVIEWS, "referrals": REFERRALS})
    return compute_kpis(tables, **args)


def row(out: pd.DataFrame, kpi_id: str, service: str = "") -> pd.Series:
    rows = out[(out["kpi_id"] == kpi_id) & (out["service"] == service)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_columns_and_dtypes():
    out = kpis()
    assert tuple(out.columns) == (*KPI_COLUMNS, *REASON_COLUMNS)
    assert str(out["numerator"].dtype) == "Int64"
    assert str(out["denominator"].dtype) == "Int64"
    assert out["period_start"].dtype == "datetime64[ns]"
    assert (out["period_start"] == pd.Timestamp(PS)).all()
    assert (out["period_end"] == pd.Timestamp(PE)).all()
    for col in ("value", "lower_ci", "upper_ci", "baseline", "target", "previous"):
        assert out[col].dtype == "float64", col


def test_every_kpi_the_tables_allow_in_definition_order_then_service():
    out = kpis()
    table_kpis = [k for k, d in KPI_DEFINITIONS.items() if d.source != "the plan"]
    assert list(dict.fromkeys(out["kpi_id"])) == table_kpis
    waits = out[out["kpi_id"] == "wait_list"]
    assert waits["service"].tolist() == ["autism_assessment", "speech_and_language_therapy"]
    assert (out.loc[~out["kpi_id"].str.startswith("wait_"), "service"] == "").all()


def test_values_units_and_intervals():
    out = kpis()
    excl = row(out, "ehcp_20wk_excl")
    assert (excl["value"], excl["numerator"], excl["denominator"], excl["unit"]) == (
        50.0,
        1,
        2,
        "%",
    )
    assert excl["lower_ci"] == pytest.approx(9.4531205)
    incl = row(out, "ehcp_20wk_incl")
    assert (incl["numerator"], incl["denominator"]) == (2, 3)
    assert row(out, "ehcp_issued")["value"] == 3
    assert row(out, "ehcp_issued")["unit"] == "count"
    assert np.isnan(row(out, "ehcp_issued")["lower_ci"])
    assert row(out, "ehcp_mean_weeks_excl")["unit"] == "weeks"
    assert row(out, "ar_decision_4wk")["value"] == 100.0
    assert row(out, "wait_over_52wk", "speech_and_language_therapy")["value"] == 0.0
    assert row(out, "wait_over_18wk", "speech_and_language_therapy")["value"] == 100.0
    assert row(out, "autism_13wk")["value"] == 100.0
    pct = out["unit"] == "%"
    has_den = out["denominator"].fillna(0) > 0
    assert out.loc[pct & has_den, "lower_ci"].notna().all()
    assert out.loc[~pct, ["lower_ci", "upper_ci"]].isna().all().all()


def test_absent_tables_leave_their_kpis_out():
    out = kpis(tables={"reviews": REVIEWS})
    assert out["kpi_id"].tolist() == ["ar_decision_4wk", "ar_meeting_on_time", "ar_overdue"]
    assert compute_kpis({}, period_start=PS, period_end=PE).empty
    assert tuple(compute_kpis({}, period_start=PS, period_end=PE).columns) == (
        *KPI_COLUMNS,
        *REASON_COLUMNS,
    )


def test_missing_optional_columns_leave_only_their_kpis_out():
    out = kpis(
        tables={
            "reviews": REVIEWS.drop(columns="review_decision_date"),
            "requests": REQUESTS[["received_date"]],
            "referrals": REFERRALS.drop(columns="removed_date"),
        }
    )
    ids = set(out["kpi_id"])
    assert "ar_decision_4wk" not in ids and "ar_meeting_on_time" in ids
    assert ids & {k for k in KPI_DEFINITIONS if k.startswith("ehcp")} == {"ehcp_requests"}
    assert "wait_list" in ids


def test_plan_adds_actions_baseline_target_and_named_services():
    out = kpis(plan=PLAN)
    excl = row(out, "ehcp_20wk_excl")
    assert (excl["baseline"], excl["target"]) == (31.0, 60.0)
    assert np.isnan(row(out, "ehcp_20wk_incl")["baseline"])
    # a service the plan names but with no referral at all: not available, not zero
    audiology = row(out, "wait_list", "audiology")
    assert np.isnan(audiology["value"]) and audiology["target"] == 10.0
    assert audiology["reason"] == "no audiology referral in the data"
    assert np.isnan(row(out, "wait_over_18wk", "audiology")["value"])
    slt = row(out, "wait_over_18wk", "speech_and_language_therapy")
    assert slt["baseline"] == 40.0
    assert np.isnan(row(out, "wait_over_18wk", "autism_assessment")["baseline"])
    assert row(out, "actions_complete")["value"] == 100.0
    assert out["kpi_id"].tolist()[-4:] == [
        "actions_complete",
        "actions_overdue",
        "actions_slipped",
        "actions_not_started",
    ]


def test_previous_is_the_period_of_the_same_length_ending_then():
    out = kpis(previous_period_end=PREV_END)
    assert row(out, "ehcp_20wk_excl")["previous"] == 0.0  # one late plan in Jan-Mar
    assert row(out, "ehcp_issued")["previous"] == 1.0
    # no decision in the previous period: NaN, not an error
    assert np.isnan(row(out, "ar_decision_4wk")["previous"])
    assert np.isnan(kpis()["previous"]).all()


def test_previous_of_the_same_number_of_days_when_not_whole_months():
    # 2024-04-29 is not a month end: the previous period is the same 90-day span,
    # 2024-01-30 .. 2024-04-29, which holds the February plan but not the May ones
    out = kpis(previous_period_end="2024-04-29")
    assert row(out, "ehcp_issued")["previous"] == 1.0
    out = kpis(previous_period_end="2024-05-01")  # 2024-02-01 .. 2024-05-01
    assert row(out, "ehcp_issued")["previous"] == 3.0


@pytest.mark.parametrize(
    ("start", "end", "previous_end", "expected"),
    [
        ("2024-07-01", "2024-12-31", "2024-06-30", "2024-01-01"),  # six months
        ("2024-01-01", "2024-06-30", "2023-12-31", "2023-07-01"),
        ("2024-03-01", "2024-03-31", "2024-02-29", "2024-02-01"),  # one month, leap year
        ("2024-07-01", "2024-12-31", "2024-06-15", "2023-12-15"),  # 183 days
        ("2024-07-05", "2024-12-31", "2024-06-30", "2024-01-03"),  # 179 days
    ],
)
def test_previous_start(start, end, previous_end, expected):
    t = pd.Timestamp
    assert previous_start(t(start), t(end), t(previous_end)) == t(expected)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (PS, PE),
        (dt.date(2024, 4, 1), dt.date(2024, 6, 30)),
        (pd.Timestamp(PS), pd.Timestamp(PE)),
        (dt.datetime(2024, 4, 1, 9, 30), "2024-06-30"),
    ],
)
def test_dates_as_str_date_or_timestamp(start, end):
    pd.testing.assert_frame_equal(kpis(period_start=start, period_end=end), kpis())


def test_empty_period_gives_nan_not_an_error():
    out = kpis(period_start="2030-01-01", period_end="2030-03-31")
    excl = row(out, "ehcp_20wk_excl")
    assert np.isnan(excl["value"]) and excl["denominator"] == 0


def test_measures_rows_follow_the_definitions():
    measures = pd.DataFrame(
        {
            "measure_id": ["survey", "survey"],
            "title": ["S", "S"],
            "date": pd.to_datetime(["2024-01-15", "2024-05-15"]),
            "numerator": pd.array([10, 30], dtype="Int64"),
            "denominator": pd.array([40, 40], dtype="Int64"),
            "value": [np.nan, np.nan],
            "unit": ["%", "%"],
        }
    )
    out = kpis(tables={"requests": REQUESTS, "measures": measures}, previous_period_end=PREV_END)
    survey = row(out, "survey")
    assert out["kpi_id"].iloc[-1] == "survey"
    assert (survey["value"], survey["previous"], survey["unit"]) == (75.0, 25.0, "%")


def test_bad_arguments_are_named():
    with pytest.raises(ParameterError, match="period_end must be on or after period_start"):
        kpis(period_start=PE, period_end=PS)
    with pytest.raises(ParameterError, match="previous_period_end must be a date"):
        kpis(previous_period_end="last time")


def test_same_inputs_give_identical_output():
    pd.testing.assert_frame_equal(kpis(plan=PLAN), kpis(plan=PLAN))


def test_empty_tables_give_nan_values():
    out = kpis(
        tables={
            "requests": REQUESTS.iloc[:0],
            "reviews": REVIEWS.iloc[:0],
            "referrals": REFERRALS.iloc[:0],
        },
        plan=PLAN,
    )
    assert np.isnan(row(out, "ehcp_20wk_excl")["value"])
    assert row(out, "ehcp_issued")["value"] == 0
    assert row(out, "ar_overdue")["value"] == 0
    assert np.isnan(row(out, "wait_list", "audiology")["value"])  # named by the plan, no referral
    assert np.isnan(row(out, "autism_13wk")["value"])


@pytest.mark.parametrize(
    "periods",
    [
        # apart: one pass over the data for all three
        [("2023-01-01", "2023-06-30"), ("2024-01-01", "2024-06-30"), ("2023-07-01", "2023-12-31")],
        # overlapping: a pass per period
        [("2024-01-01", "2024-06-30"), ("2024-04-01", "2024-09-30"), ("2024-06-30", "2024-06-30")],
    ],
)
def test_kpis_of_several_periods_are_each_period_computed_alone(periods):
    from sendreport.metrics.compute import compute_kpis_for_periods
    from sendreport.synth import generate

    tables = generate(seed=11)
    plan = PLAN  # actions (from their history), baselines, targets, named services
    frames = compute_kpis_for_periods(
        tables, periods, plan=plan, data_from={t: "2020-01-01" for t in tables}
    )
    assert len(frames) == len(periods)
    for (start, end), together in zip(periods, frames, strict=True):
        alone = compute_kpis(
            tables, period_start=start, period_end=end, plan=plan,
            data_from={t: "2020-01-01" for t in tables},
        )
        pd.testing.assert_frame_equal(together, alone)
    assert compute_kpis_for_periods(tables, []) == []
    with pytest.raises(ParameterError, match="period_end"):
        compute_kpis_for_periods(tables, [("2024-02-01", "2024-01-01")])

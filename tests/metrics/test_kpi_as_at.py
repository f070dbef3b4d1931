"""Snapshots as at a date, previous and baseline, not available is not zero, coverage (SPEC 3, 5).

Every expected figure is worked by hand from the small frames below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from kpi_frames import REFERRAL_DATES, REQUEST_DATES, REVIEW_DATES, day, frame

from sendreport.metrics import KPI_DEFINITIONS, compute_kpis, ehcp_timeliness, headline, kpi_series
from sendreport.metrics._helpers import Columns, Periods
from sendreport.metrics.coverage import default_data_from, resolve_data_from
from sendreport.metrics.ehcp import open_by_period
from sendreport.plan import Plan
from sendreport.vocabulary import format_value

PS, PE = "2024-07-01", "2024-12-31"
PREV_END = "2024-06-30"
COVERED = {"requests": "2020-01-01", "reviews": "2020-01-01", "referrals": "2020-01-01"}


def decided_before_issued_after(t: str) -> dict:
    """A request 200 days old at ``t``: decision to assess and to issue before ``t``, plan after."""
    return {
        "received_date": day(t, -200),
        "request_outcome": "assess",
        "request_outcome_date": day(t, -160),
        "assessment_outcome": "issue_plan",
        "assessment_outcome_date": day(t, -10),
        "plan_issued_date": day(t, 5),
        "exception_20wk": False,
    }


def value(out: pd.DataFrame, kpi_id: str, column: str = "value", service: str = ""):
    rows = out[(out["kpi_id"] == kpi_id) & (out["service"] == service)]
    assert len(rows) == 1, f"{kpi_id}/{service}: {len(rows)} rows"
    return rows[column].iloc[0]


# ----------------------------------------------------------------------------- as at a date


def test_decided_before_but_issued_after_the_snapshot_is_open_at_period_end():
    requests = frame([decided_before_issued_after(PE)], REQUEST_DATES)
    out = compute_kpis(requests_only(requests), period_start=PS, period_end=PE, data_from=COVERED)
    assert value(out, "ehcp_open_over_20wk") == 1


def test_decided_before_but_issued_after_is_open_at_previous_period_end():
    # open at the last stocktake (issued 5 days after it), closed by the period end
    requests = frame([decided_before_issued_after(PREV_END)], REQUEST_DATES)
    out = compute_kpis(
        requests_only(requests),
        period_start=PS,
        period_end=PE,
        previous_period_end=PREV_END,
        data_from=COVERED,
    )
    assert value(out, "ehcp_open_over_20wk") == 0
    assert value(out, "ehcp_open_over_20wk", "previous") == 1


def test_decided_before_but_issued_after_is_open_at_a_month_end_of_a_series():
    # the same family function computes every month end at once, as kpi_series does
    requests = frame([decided_before_issued_after("2024-03-31")], REQUEST_DATES)
    periods = Periods.months(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-05-31"))
    (rows,) = open_by_period(Columns(requests), periods)
    # received 2023-09-13: over 140 days from 2024-01-31; issued 2024-04-05
    assert rows["value"].tolist() == [0.0, 1.0, 1.0, 0.0, 0.0]


def test_status_in_the_export_does_not_close_a_request_before_its_dated_event():
    # withdrawn after the snapshot, in an export taken later: open at the snapshot
    row = {
        "received_date": day(PE, -150),
        "request_outcome": "withdrawn",
        "request_outcome_date": day(PE, 1),
    }
    out = compute_kpis(
        requests_only(frame([row], REQUEST_DATES)),
        period_start=PS,
        period_end=PE,
        data_from=COVERED,
    )
    assert value(out, "ehcp_open_over_20wk") == 1


def test_seen_after_a_month_end_is_on_that_month_ends_list():
    referrals = frame(
        [
            {
                "service": "audiology",
                "referral_date": day("2024-03-31", -130),
                "first_contact_date": day("2024-04-02"),
            },
            {
                "service": "audiology",
                "referral_date": day("2024-03-31", -10),
                "first_contact_date": None,
            },
        ],
        REFERRAL_DATES,
    )
    out = kpi_series(
        {"referrals": referrals},
        start="2024-03-01",
        end="2024-04-30",
        data_from={"referrals": "2020-01-01"},
    )
    over = out[(out["kpi_id"] == "wait_over_18wk") & (out["service"] == "audiology")]
    # 31 March: both on the list, one over 126 days; 30 April: only the second (40 days)
    assert over["numerator"].tolist() == [1, 0]
    assert over["denominator"].tolist() == [2, 1]


def test_overdue_review_met_after_the_snapshot_is_overdue_then():
    reviews = frame(
        [
            {"review_due_date": day(PREV_END, -5), "review_meeting_date": day(PREV_END, 3)},
            {"review_due_date": day(PE, -5), "review_meeting_date": None},
        ],
        REVIEW_DATES,
    )
    out = compute_kpis(
        {"reviews": reviews},
        period_start=PS,
        period_end=PE,
        previous_period_end=PREV_END,
        data_from=COVERED,
    )
    assert value(out, "ar_overdue") == 1
    assert value(out, "ar_overdue", "previous") == 1


def requests_only(requests: pd.DataFrame) -> dict:
    return {"requests": requests}


# ----------------------------------------------------------------------------- previous, baseline

BASE_START, BASE_END = "2023-01-01", "2023-12-31"


def plan_with(kpis: list[dict]) -> Plan:
    return Plan.model_validate(
        {
            "title": "Plan",
            "type": "priority_action_plan",
            "priority_areas": [
                {
                    "id": "P1",
                    "title": "t",
                    "what_we_will_do": "w",
                    "what_will_be_different": "d",
                    "kpis": kpis,
                }
            ],
        }
    )


def plans_issued(on: str, waits: list[int]) -> list[dict]:
    return [
        {"received_date": day(on, -w), "plan_issued_date": day(on), "exception_20wk": False}
        for w in waits
    ]


def test_computed_baseline_when_the_plan_gives_none_and_the_plans_when_it_does():
    # baseline year 2023: 4 plans, 1 on time; period: 2 plans, both on time
    rows = plans_issued("2023-06-15", [100, 200, 300, 400]) + plans_issued("2024-08-01", [50, 60])
    requests = frame(rows, REQUEST_DATES)
    plan = plan_with(
        [
            {"id": "ehcp_20wk_incl"},
            {"id": "ehcp_20wk_excl", "baseline": {"value": 31.0, "period": "2023"}},
        ]
    )
    out = compute_kpis(
        {"requests": requests},
        period_start=PS,
        period_end=PE,
        plan=plan,
        baseline_period_start=BASE_START,
        baseline_period_end=BASE_END,
        data_from=COVERED,
    )
    assert value(out, "ehcp_20wk_incl", "baseline") == 25.0  # computed: 1 of 4
    assert value(out, "ehcp_20wk_excl", "baseline") == 31.0  # the plan's
    # not in the plan: computed too, and as a count over a year scaled to the six-month
    # period (SPEC 5: 4 plans x 6 / 12)
    assert value(out, "ehcp_issued", "baseline") == 2.0
    assert value(out, "ehcp_20wk_incl", "value") == 100.0
    assert value(out, "ehcp_20wk_incl", "baseline_reason") == ""


def test_snapshot_baseline_is_as_at_the_baseline_end():
    referrals = frame(
        [
            # on the list at 2023-12-31 (seen 2024-01-10), not at the period end
            {
                "service": "audiology",
                "referral_date": day(BASE_END, -30),
                "first_contact_date": day(BASE_END, 10),
            },
            {"service": "audiology", "referral_date": day(PE, -3), "first_contact_date": None},
            {"service": "audiology", "referral_date": day(PE, -4), "first_contact_date": None},
        ],
        REFERRAL_DATES,
    )
    out = compute_kpis(
        {"referrals": referrals},
        period_start=PS,
        period_end=PE,
        baseline_period_start=BASE_START,
        baseline_period_end=BASE_END,
        data_from=COVERED,
    )
    assert value(out, "wait_list", "baseline", "audiology") == 1.0
    assert value(out, "wait_list", "value", "audiology") == 2.0


def test_referrals_that_start_after_the_baseline_period_give_no_baseline():
    referrals = frame(
        [
            {
                "service": "audiology",
                "referral_date": day("2024-03-10"),
                "first_contact_date": None,
            },
            {
                "service": "audiology",
                "referral_date": day("2024-05-02"),
                "first_contact_date": day("2024-08-01"),
            },
        ],
        REFERRAL_DATES,
    )
    out = compute_kpis(
        {"referrals": referrals},
        period_start=PS,
        period_end=PE,
        previous_period_end=PREV_END,
        baseline_period_start=BASE_START,
        baseline_period_end=BASE_END,
    )
    assert np.isnan(value(out, "wait_list", "baseline", "audiology"))
    assert value(out, "wait_list", "baseline_reason", "audiology") == (
        "needs referrals from December 2023; the data cover from March 2024"
    )
    # the list itself is there at the period end: 1 child, referred 2024-03-10
    assert value(out, "wait_list", "value", "audiology") == 1.0
    # but no one could have waited over 52 weeks: 2024-03-01 + 364 days is after 2024-12-31
    assert np.isnan(value(out, "wait_over_52wk", "value", "audiology"))
    assert value(out, "wait_over_52wk", "reason", "audiology") == (
        "needs referrals from January 2024; the data cover from March 2024"
    )
    # over 18 weeks is covered at the period end (305 days of history), not at the previous end
    assert value(out, "wait_over_18wk", "value", "audiology") == 100.0
    assert np.isnan(value(out, "wait_over_18wk", "previous", "audiology"))
    assert value(out, "wait_over_18wk", "previous_reason", "audiology") == (
        "needs referrals from February 2024; the data cover from March 2024"
    )
    # the child first seen in August is an event in the covered period
    assert value(out, "wait_median_seen_weeks", "value", "audiology") == 91 / 7


def test_default_data_from_is_the_first_of_the_month_of_the_earliest_event():
    requests = frame(
        [
            {
                "received_date": day("2023-03-14"),
                "request_outcome": "assess",
                "request_outcome_date": day("2023-04-20"),
            },
            {"received_date": day("2023-02-27"), "request_outcome": "ongoing"},
        ],
        REQUEST_DATES,
    )
    assert default_data_from("requests", requests) == pd.Timestamp("2023-02-01")
    # the suite's own route, from day numbers it has already computed, agrees
    tables = {"requests": requests}
    prepared = {"requests": Columns(requests)}
    assert resolve_data_from(tables, prepared=prepared) == resolve_data_from(tables)
    assert resolve_data_from(tables) == {"requests": pd.Timestamp("2023-02-01")}


def test_wait_bands_longer_than_the_history_are_not_available_at_month_ends():
    # history from 2024-01-01: over 18 weeks needs 127 days, first at 2024-05-31 (151 days)
    referrals = frame(
        [
            {
                "service": "audiology",
                "referral_date": day("2024-01-01", i),
                "first_contact_date": None,
            }
            for i in range(0, 150, 10)
        ],
        REFERRAL_DATES,
    )
    out = kpi_series({"referrals": referrals}, start="2024-01-01", end="2024-06-30")
    over18 = out[(out["kpi_id"] == "wait_over_18wk") & (out["service"] == "audiology")]
    available = over18["value"].notna().tolist()
    assert available == [False, False, False, False, True, True]
    assert over18["reason"].iloc[0] == (
        "needs referrals from September 2023; the data cover from January 2024"
    )
    assert over18["numerator"].isna().iloc[:4].all()
    over52 = out[(out["kpi_id"] == "wait_over_52wk") & (out["service"] == "audiology")]
    assert over52["value"].isna().all()


def test_data_from_given_overrides_the_default():
    referrals = frame(
        [{"service": "audiology", "referral_date": day("2024-01-01"), "first_contact_date": None}],
        REFERRAL_DATES,
    )
    out = compute_kpis(
        {"referrals": referrals},
        period_start=PS,
        period_end=PE,
        data_from={"referrals": "2023-01-01"},
    )
    # 365 days on the list at 2024-12-31: over 52 weeks, and the history covers it
    assert value(out, "wait_over_52wk", "value", "audiology") == 100.0


# ----------------------------------------------------------------------------- not available


def test_service_absent_from_the_data_is_not_available_not_zero():
    referrals = frame(
        [
            {
                "service": "speech_and_language_therapy",
                "referral_date": day("2024-01-01"),
                "first_contact_date": None,
            }
        ],
        REFERRAL_DATES,
    )
    plan = plan_with(
        [
            {
                "id": "wait_list",
                "service": "equipment",
                "baseline": {"value": 54, "period": "2023"},
            }
        ]
    )
    out = compute_kpis(
        {"referrals": referrals},
        period_start=PS,
        period_end=PE,
        plan=plan,
        previous_period_end=PREV_END,
        data_from=COVERED,
    )
    row = out[(out["kpi_id"] == "wait_list") & (out["service"] == "equipment")].iloc[0]
    assert np.isnan(row["value"]) and pd.isna(row["numerator"])
    assert row["reason"] == "no equipment referral in the data"
    assert np.isnan(row["previous"])
    sentence = headline(row, definition=KPI_DEFINITIONS["wait_list"], plan_kpi=plan.kpis[0][1])
    assert "0" not in sentence.split(";")[0]
    assert "not available (no equipment referral in the data)" in sentence
    assert "better" not in sentence


def test_plan_kpi_whose_table_is_not_given_has_a_row_saying_so():
    plan = plan_with([{"id": "ar_overdue"}, {"id": "wait_list", "service": "audiology"}])
    requests = frame(plans_issued("2024-08-01", [50]), REQUEST_DATES)
    out = compute_kpis(
        {"requests": requests}, period_start=PS, period_end=PE, plan=plan, data_from=COVERED
    )
    assert value(out, "ar_overdue", "reason") == "no reviews table given"
    assert np.isnan(value(out, "ar_overdue"))
    assert value(out, "wait_list", "reason", "audiology") == "no referrals table given"


def test_empty_denominator_says_nothing_to_measure():
    requests = frame(plans_issued("2024-08-01", [50]), REQUEST_DATES)
    out = compute_kpis(
        {"requests": requests}, period_start="2024-09-01", period_end=PE, data_from=COVERED
    )
    assert value(out, "ehcp_20wk_excl", "reason") == "nothing to measure"
    assert value(out, "ehcp_requests", "reason") == ""  # a count of 0 is a figure


# ----------------------------------------------------------------------------- means


def test_mean_weeks_from_whole_days_divided_once_rounds_35_95_up():
    # 19 plans of 251 days and one of 264: 5033 days / 140 = 35.95 weeks exactly
    requests = frame(plans_issued("2024-08-01", [251] * 19 + [264]), REQUEST_DATES)
    out = ehcp_timeliness(requests, period_start=PS, period_end=PE)
    mean = value(out, "ehcp_mean_weeks_excl")
    assert mean == 5033 / 140
    assert format_value(mean, "weeks") == "36.0 weeks"


def test_mean_of_one_plan_of_251_days():
    requests = frame(plans_issued("2024-08-01", [251]), REQUEST_DATES)
    out = ehcp_timeliness(requests, period_start=PS, period_end=PE)
    assert value(out, "ehcp_mean_weeks_excl") == 251 / 7


@pytest.mark.parametrize("waits", [[10, 11], [3, 4, 8, 9], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]])
def test_open_median_is_the_median_day_divided_once(waits):
    referrals = frame(
        [
            {"service": "audiology", "referral_date": day(PE, -w), "first_contact_date": None}
            for w in waits
        ],
        REFERRAL_DATES,
    )
    out = compute_kpis({"referrals": referrals}, period_start=PS, period_end=PE, data_from=COVERED)
    assert value(out, "wait_median_open_weeks", service="audiology") == np.median(waits) / 7


def test_breakdown_groups_share_the_whole_tables_coverage():
    from sendreport.metrics.breakdown import kpi_breakdown

    # ASD requests all begin in 2024, SEMH in 2023: the export covers from August 2023 for both
    requests = frame(
        [
            {"received_date": day("2024-01-02"), "plan_issued_date": day("2024-03-01")},
            {"received_date": day("2023-08-01"), "plan_issued_date": day("2024-02-01")},
        ],
        REQUEST_DATES,
    ).assign(primary_need=["ASD", "SEMH"])
    out = kpi_breakdown(
        {"requests": requests},
        "primary_need",
        kpis=["ehcp_20wk_excl"],
        period_start="2024-01-01",
        period_end="2024-06-30",
    )
    assert out["value"].tolist() == [100.0, 0.0]

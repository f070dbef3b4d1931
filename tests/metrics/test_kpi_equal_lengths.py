"""SPEC 5: a count over a period is compared with counts over the same number of months."""

from __future__ import annotations

import pandas as pd
import pytest

from sendreport.metrics import compute_kpis


def _requests(dates: list[str]) -> pd.DataFrame:
    received = pd.to_datetime(dates)
    return pd.DataFrame({
        "request_id": [f"R{i}" for i in range(len(dates))],
        "person_id": [f"P{i}" for i in range(len(dates))],
        "received_date": received,
        "request_outcome": "ongoing",
        "request_outcome_date": pd.NaT,
        "plan_issued_date": pd.NaT,
    })


@pytest.fixture(scope="module")
def kpis() -> pd.DataFrame:
    # period: 6 months (July to December 2024), 3 requests;
    # previous: 6 months (January to June 2024), 2 requests;
    # baseline: 12 months (April 2022 to March 2023), 10 requests: 5 over six months.
    dates = (["2024-07-05", "2024-09-10", "2024-12-31"]
             + ["2024-01-02", "2024-06-30"]
             + [f"2022-{m:02d}-15" for m in range(4, 13)] + ["2023-03-31"])
    return compute_kpis(
        {"requests": _requests(dates)},
        period_start="2024-07-01", period_end="2024-12-31",
        previous_period_end="2024-06-30",
        baseline_period_start="2022-04-01", baseline_period_end="2023-03-31",
        data_from={"requests": "2022-01-01"},
    ).set_index("kpi_id")


def test_a_count_over_a_year_is_scaled_to_the_six_month_period(kpis):
    row = kpis.loc["ehcp_requests"]
    assert row["value"] == 3
    assert row["previous"] == 2  # six months against six: as counted
    assert row["baseline"] == 5  # 10 requests over 12 months, x 6 / 12


def test_a_snapshot_count_is_not_scaled(kpis):
    # open over 20 weeks at 31 March 2023: the nine 2022 requests received before
    # 2022-11-11 (more than 140 days): April to October, 7; as at a date, never scaled
    assert kpis.loc["ehcp_open_over_20wk", "baseline"] == 7


def test_a_baseline_period_of_days_is_scaled_by_its_days():
    dates = ["2024-07-05", "2024-09-10"] + ["2023-01-10", "2023-01-20", "2023-02-01", "2023-03-01"]
    k = compute_kpis(
        {"requests": _requests(dates)},
        period_start="2024-07-01", period_end="2024-12-31",
        baseline_period_start="2023-01-10", baseline_period_end="2023-04-09",  # 90 days
        data_from={"requests": "2022-01-01"},
    ).set_index("kpi_id")
    # 4 requests in 90 days, against the 184 days of July to December: 4 x 184 / 90
    assert k.loc["ehcp_requests", "baseline"] == pytest.approx(4 * 184 / 90)

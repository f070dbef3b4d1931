from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from kpi_frames import REFERRAL_DATES, REQUEST_DATES, day, frame

from sendreport.errors import ParameterError
from sendreport.metrics import KPI_DEFINITIONS, SERIES_COLUMNS, compute_kpis, kpi_series

REQUESTS = frame(
    [
        {
            "received_date": day("2024-01-31", -140),
            "plan_issued_date": day("2024-01-31"),
            "exception_20wk": False,
        },  # last day of January, on time
        {
            "received_date": day("2024-02-01", -141),
            "plan_issued_date": day("2024-02-01"),
            "exception_20wk": False,
        },  # first day of February, late
        {
            "received_date": day("2024-02-29", -10),
            "plan_issued_date": day("2024-02-29"),
            "exception_20wk": False,
        },  # 29 February, on time
    ],
    REQUEST_DATES,
)

REFERRALS = frame(
    [
        {
            "service": "audiology",
            "referral_date": day("2024-01-31", -127),
            "first_contact_date": day("2024-03-01"),
        },
        {
            "service": "audiology",
            "referral_date": day("2024-01-31", -126),
            "first_contact_date": None,
        },
    ],
    REFERRAL_DATES,
)


def test_series_columns_months_and_exact_values():
    out = kpi_series(
        {"requests": REQUESTS},
        start="2024-01-15",
        end="2024-03-10",
        data_from={"requests": "2023-01-01"},
    )
    assert tuple(out.columns) == SERIES_COLUMNS
    excl = out[out["kpi_id"] == "ehcp_20wk_excl"].reset_index(drop=True)
    expected = pd.DataFrame(
        {
            "kpi_id": ["ehcp_20wk_excl"] * 3,
            "service": [""] * 3,
            "month": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
            "value": [100.0, 50.0, np.nan],
            "numerator": pd.array([1, 1, 0], dtype="Int64"),
            "denominator": pd.array([1, 2, 0], dtype="Int64"),
        }
    ).astype({"kpi_id": "str", "service": "str", "month": "datetime64[ns]"})
    pd.testing.assert_frame_equal(excl.iloc[:, :6], expected)
    assert np.isnan(excl.loc[2, "lower_ci"])


def test_series_covers_only_monthly_kpis_in_definition_order():
    out = kpi_series(
        {"requests": REQUESTS, "referrals": REFERRALS}, start="2024-01-01", end="2024-03-31"
    )
    ids = list(dict.fromkeys(out["kpi_id"]))
    monthly = [k for k, d in KPI_DEFINITIONS.items() if d.monthly]
    assert ids == [k for k in monthly if k in ids]
    assert {"ehcp_issued", "wait_list", "ehcp_mean_weeks_excl"}.isdisjoint(ids)
    # the percentages, and the waiting lists' counts a plan may set count targets for
    counts = {"wait_over_18wk_count", "wait_over_52wk_count", "wait_children"}
    assert all(KPI_DEFINITIONS[k].unit == "%" or k in counts for k in ids)


def test_snapshot_percentages_at_each_month_end():
    out = kpi_series({"referrals": REFERRALS}, start="2024-01-01", end="2024-03-31")
    over = out[(out["kpi_id"] == "wait_over_18wk") & (out["service"] == "audiology")]
    # 31 Jan: waits 127 and 126 days; 29 Feb: both over 126; 31 Mar: the first was seen
    assert over["numerator"].tolist() == [1, 2, 1]
    assert over["denominator"].tolist() == [2, 2, 1]


def test_each_month_equals_compute_kpis_for_that_month():
    rng = np.random.default_rng(7)
    n = 400
    received = pd.Timestamp("2022-06-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    waits = rng.integers(20, 400, n)
    requests = pd.DataFrame(
        {
            "received_date": received,
            "plan_issued_date": received + pd.to_timedelta(waits, unit="D"),
            "exception_20wk": rng.random(n) < 0.1,
            "request_outcome": rng.choice(["assess", "not_assess", "withdrawn"], n),
            "request_outcome_date": received + pd.to_timedelta(rng.integers(10, 80, n), unit="D"),
        }
    )
    referred = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    seen = referred + pd.to_timedelta(rng.integers(5, 500, n), unit="D")
    referrals = pd.DataFrame(
        {
            "service": rng.choice(["autism_assessment", "audiology"], n),
            "referral_date": referred,
            "first_contact_date": seen.where(rng.random(n) < 0.8),
            "removed_date": (referred + pd.Timedelta(days=60)).where(rng.random(n) < 0.05),
        }
    )
    tables = {"requests": requests, "referrals": referrals}
    series = kpi_series(tables, start="2023-01-01", end="2024-06-30")
    assert series["month"].nunique() == 18
    for month in ("2023-01-01", "2023-07-01", "2024-02-01", "2024-06-01"):
        first = pd.Timestamp(month)
        single = compute_kpis(tables, period_start=first, period_end=first + pd.offsets.MonthEnd(0))
        got = series[series["month"] == first].merge(single, on=["kpi_id", "service"])
        assert len(got) == (series["month"] == first).sum() > 0
        np.testing.assert_allclose(got["value_x"], got["value_y"], equal_nan=True)
        assert (got["denominator_x"] == got["denominator_y"]).all()


def test_measures_with_twelve_dates_follow_at_their_own_dates():
    measures = pd.DataFrame(
        {
            "measure_id": ["survey"] * 12,
            "date": pd.date_range("2023-01-10", periods=12, freq="30D"),
            "numerator": pd.array(range(12), dtype="Int64"),
            "denominator": pd.array([12] * 12, dtype="Int64"),
            "unit": ["%"] * 12,
        }
    )
    out = kpi_series(
        {"requests": REQUESTS, "measures": measures}, start="2023-01-01", end="2024-03-31"
    )
    survey = out[out["kpi_id"] == "survey"]
    assert out["kpi_id"].iloc[-1] == "survey"
    assert survey["month"].tolist() == list(measures["date"])
    assert survey["value"].iloc[6] == pytest.approx(50.0)


def test_no_tables_gives_an_empty_frame_with_the_columns():
    out = kpi_series({}, start="2024-01-01", end="2024-03-31")
    assert out.empty and tuple(out.columns) == SERIES_COLUMNS


def test_end_before_start_is_refused():
    with pytest.raises(
        ParameterError,
        match=r"end must be on or after start \(2024-03-01\), "
        r"not 2024-02-01",
    ):
        kpi_series({}, start="2024-03-01", end="2024-02-01")
    with pytest.raises(ParameterError, match="start must be a date"):
        kpi_series({}, start="spring", end="2024-02-01")


def test_empty_tables_give_empty_months_not_an_error():
    out = kpi_series(
        {"requests": REQUESTS.iloc[:0], "referrals": REFERRALS.iloc[:0]},
        start="2024-01-01",
        end="2024-02-29",
    )
    excl = out[out["kpi_id"] == "ehcp_20wk_excl"]
    assert excl["denominator"].tolist() == [0, 0]
    assert excl["value"].isna().all()
    assert "wait_over_18wk" not in set(out["kpi_id"])  # no services to report

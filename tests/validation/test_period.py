"""A period that starts after the month of the data's last records is named (validate warns)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sendreport.synth import generate
from sendreport.validation.period import last_record_month, period_problems


def dated(column: str, *dates: str) -> pd.DataFrame:
    return pd.DataFrame({column: pd.to_datetime(list(dates))})


def test_the_last_record_month_is_that_of_the_latest_event_of_any_table():
    tables = {
        "requests": dated("plan_issued_date", "2024-03-01", None),
        "referrals": dated("first_contact_date", "2024-11-30"),
        "reviews": dated("review_meeting_date", "2024-11-02"),
        "measures": dated("date", "2024-06-30"),
    }
    month, names = last_record_month(tables)
    assert (str(month), names) == ("2024-11", ["referrals", "reviews"])


def test_a_date_of_birth_is_not_a_record_of_the_period():
    tables = {"requests": pd.DataFrame({
        "received_date": pd.to_datetime(["2024-01-05"]),
        "date_of_birth": pd.to_datetime(["2025-03-01"]),
    })}
    assert str(last_record_month(tables)[0]) == "2024-01"


def test_tables_without_a_dated_record_say_nothing():
    assert last_record_month({}) is None
    assert last_record_month({"requests": dated("received_date")}) is None
    assert period_problems(dt.date(2030, 1, 1), {"requests": dated("received_date")}) == []


def test_a_period_after_the_data_is_named_by_the_month_not_the_date():
    tables = {"requests": dated("received_date", "2024-01-02", "2024-05-01")}
    assert period_problems(dt.date(2024, 6, 1), tables) == [
        "period_start (2024-06-01) is after the data's last records: the latest dated record "
        "(in requests) is from May 2024, so the tables may not cover the period; check that the "
        "extract is the latest, and give its date as reference_date"
    ]
    assert period_problems(dt.date(2024, 5, 31), tables) == []  # May is covered


def test_the_synthetic_data_reach_the_demo_period():
    tables = generate()
    month, _ = last_record_month(tables)
    assert str(month) == "2025-01"  # the extract date of the demo params, 2025-01-31
    assert period_problems(dt.date(2024, 7, 1), tables) == []


@settings(max_examples=100, deadline=None)
@given(
    last=st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)),
    start=st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)),
)
def test_refused_exactly_when_the_period_starts_after_the_last_records_month(last, start):
    tables = {"referrals": dated("referral_date", "2000-01-01", last.isoformat())}
    after = (start.year, start.month) > (last.year, last.month)
    assert bool(period_problems(start, tables)) == after

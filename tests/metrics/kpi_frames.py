"""Builders for small hand-made input tables (dates as offsets from a base day)."""

from __future__ import annotations

import pandas as pd


def day(iso: str, plus: int = 0) -> pd.Timestamp:
    """``iso`` plus ``plus`` calendar days."""
    return pd.Timestamp(iso) + pd.Timedelta(days=plus)


def frame(rows: list[dict], dates: tuple[str, ...]) -> pd.DataFrame:
    """A DataFrame of ``rows`` with the ``dates`` columns as datetime64 (None -> NaT)."""
    df = pd.DataFrame(rows)
    for col in dates:
        if col in df.columns:
            df[col] = pd.to_datetime(df[col])
    return df


REQUEST_DATES = (
    "received_date",
    "request_outcome_date",
    "assessment_outcome_date",
    "plan_issued_date",
)
REVIEW_DATES = ("review_due_date", "review_meeting_date", "review_decision_date")
REFERRAL_DATES = ("referral_date", "first_contact_date", "removed_date")

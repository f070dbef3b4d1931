from __future__ import annotations

import pandas as pd
import pytest
from kpi_frames import REVIEW_DATES, day, frame

from sendreport.errors import DataValidationError
from sendreport.metrics import review_timeliness, reviews_overdue

PS, PE = "2024-04-01", "2024-06-30"


def decided(rows: list[tuple[int | None, str]]) -> pd.DataFrame:
    """(days from meeting to decision or None for no meeting, decision date) -> reviews."""
    return frame(
        [
            {
                "review_due_date": day(on, 60),
                "review_meeting_date": None if d is None else day(on, -d),
                "review_decision_date": day(on),
            }
            for d, on in rows
        ],
        REVIEW_DATES,
    )


def test_decision_28_on_time_29_late(values):
    out = review_timeliness(
        decided([(28, "2024-05-01"), (29, "2024-05-01")]), period_start=PS, period_end=PE
    )
    assert values(out, "ar_decision_4wk") == 50.0
    assert values(out, "ar_decision_4wk", "numerator") == 1
    assert values(out, "ar_decision_4wk", "denominator") == 2


def test_decisions_without_a_meeting_are_left_out(values):
    out = review_timeliness(
        decided([(10, "2024-05-01"), (None, "2024-05-01")]), period_start=PS, period_end=PE
    )
    assert values(out, "ar_decision_4wk", "denominator") == 1


def test_decisions_on_period_boundaries(values):
    rows = decided([(1, "2024-03-31"), (1, "2024-04-01"), (1, "2024-06-30"), (1, "2024-07-01")])
    out = review_timeliness(rows, period_start=PS, period_end=PE)
    assert values(out, "ar_decision_4wk", "denominator") == 2


def due(rows: list[tuple[str, int | None]]) -> pd.DataFrame:
    """(due date, days from due date to meeting or None) -> reviews."""
    return frame(
        [
            {"review_due_date": day(d), "review_meeting_date": None if m is None else day(d, m)}
            for d, m in rows
        ],
        REVIEW_DATES,
    )


def test_meeting_on_the_due_date_is_on_time(values):
    rows = due([("2024-05-01", 0), ("2024-05-01", 1), ("2024-05-01", -30), ("2024-05-01", None)])
    out = review_timeliness(rows, period_start=PS, period_end=PE)
    assert values(out, "ar_meeting_on_time", "numerator") == 2
    assert values(out, "ar_meeting_on_time", "denominator") == 4
    assert values(out, "ar_meeting_on_time") == 50.0


def test_meetings_counted_by_due_date_in_period(values):
    rows = due([("2024-03-31", 0), ("2024-04-01", 0), ("2024-06-30", None), ("2024-07-01", 0)])
    out = review_timeliness(rows, period_start=PS, period_end=PE)
    assert values(out, "ar_meeting_on_time", "denominator") == 2
    assert values(out, "ar_meeting_on_time", "numerator") == 1


def test_without_decision_dates_only_the_meeting_kpi_is_computed():
    out = review_timeliness(due([("2024-05-01", 0)]), period_start=PS, period_end=PE)
    assert out["kpi_id"].tolist() == ["ar_meeting_on_time"]


def test_empty_period_gives_nan(values):
    out = review_timeliness(decided([(1, "2023-01-01")]), period_start=PS, period_end=PE)
    assert values(out, "ar_decision_4wk") is None
    assert values(out, "ar_meeting_on_time") is None
    assert values(out, "ar_meeting_on_time", "denominator") == 0


@pytest.mark.parametrize(
    ("due_offset", "meeting_offset", "overdue"),
    [
        (0, None, True),  # due on the day, no meeting
        (-100, None, True),
        (0, 0, False),  # met on the day
        (-10, 1, True),  # met the day after the snapshot
        (1, None, False),  # due the day after
        (-10, -20, False),  # met early
    ],
)
def test_overdue_at_period_end(values, due_offset, meeting_offset, overdue):
    at = "2024-06-30"
    rows = frame(
        [
            {
                "review_due_date": day(at, due_offset),
                "review_meeting_date": None if meeting_offset is None else day(at, meeting_offset),
            }
        ],
        REVIEW_DATES,
    )
    out = reviews_overdue(rows, at=at)
    assert values(out, "ar_overdue") == (1 if overdue else 0)


def test_reviews_require_due_and_meeting_columns():
    with pytest.raises(
        DataValidationError, match="review_timeliness requires missing columns: review_meeting_date"
    ):
        review_timeliness(
            frame([{"review_due_date": "2024-05-01"}], REVIEW_DATES), period_start=PS, period_end=PE
        )
    with pytest.raises(
        DataValidationError,
        match="reviews_overdue requires missing columns: review_due_date, review_meeting_date",
    ):
        reviews_overdue(pd.DataFrame({"review_id": ["A"]}), at=PE)

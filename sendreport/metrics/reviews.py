"""EHC plan annual review KPIs from the ``reviews`` table (SPEC 4.2, 5)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sendreport.metrics._helpers import (
    Columns,
    DateLike,
    Periods,
    as_columns,
    as_timestamp,
    check_columns,
    count_open,
    count_rows,
    count_split,
    finish,
    percentage_rows,
    single_period,
)

__all__ = ["review_timeliness", "reviews_overdue"]

DECISION_REQUIRED = ("review_meeting_date", "review_decision_date")
MEETING_REQUIRED = ("review_due_date", "review_meeting_date")
OVERDUE_REQUIRED = ("review_due_date", "review_meeting_date")

WEEKS_4 = 28


def decision_by_period(reviews: Columns, periods: Periods) -> list[pd.DataFrame]:
    meeting = reviews.days("review_meeting_date")
    decided = reviews.days("review_decision_date")
    period = np.where(np.isnan(meeting), -1, periods.locate(decided))
    on_time = (decided - meeting) <= WEEKS_4
    late, timely = count_split(period, on_time, 2, len(periods))
    return [percentage_rows("ar_decision_4wk", timely[None], (late + timely)[None])]


def meeting_by_period(reviews: Columns, periods: Periods) -> list[pd.DataFrame]:
    due = reviews.days("review_due_date")
    meeting = reviews.days("review_meeting_date")
    period = periods.locate(due)
    late, timely = count_split(period, meeting <= due, 2, len(periods))
    return [percentage_rows("ar_meeting_on_time", timely[None], (late + timely)[None])]


def overdue_by_period(reviews: Columns, periods: Periods) -> list[pd.DataFrame]:
    span = periods.open_at_ends(
        reviews.days("review_due_date"), reviews.days("review_meeting_date")
    )
    zero = np.zeros(len(reviews), dtype="int64")
    return [count_rows("ar_overdue", count_open(zero, span, 1, len(periods)))]


def review_timeliness(
    reviews: pd.DataFrame, *, period_start: DateLike, period_end: DateLike
) -> pd.DataFrame:
    """Annual review timeliness in a period: ``ar_decision_4wk`` and ``ar_meeting_on_time``.

    ``ar_decision_4wk``: reviews with ``review_decision_date`` in the period and
    a meeting date; % with ``d(review_meeting_date, review_decision_date) <= 28``.
    ``ar_meeting_on_time``: reviews with ``review_due_date`` in the period; %
    with a meeting on or before the due date. A KPI whose columns are absent
    (``review_decision_date`` for the first) is left out.

    Parameters
    ----------
    reviews
        Needs ``review_due_date`` and ``review_meeting_date``;
        ``review_decision_date`` is optional.
    period_start, period_end
        The period, both days included.

    Returns
    -------
    pandas.DataFrame
        ``kpi_id, service, value, numerator, denominator, lower_ci, upper_ci``.

    Raises
    ------
    DataValidationError
        If a required column is missing.

    Examples
    --------
    Decisions 28 and 29 days after the meeting, both sent in June:

    >>> r = pd.DataFrame({
    ...     "review_due_date": pd.to_datetime(["2024-06-01", "2024-07-01"]),
    ...     "review_meeting_date": pd.to_datetime(["2024-05-10", "2024-05-10"]),
    ...     "review_decision_date": pd.to_datetime(["2024-06-07", "2024-06-08"]),
    ... })
    >>> review_timeliness(r, period_start="2024-06-01", period_end="2024-06-30")[
    ...     ["kpi_id", "value", "numerator", "denominator"]]
                   kpi_id  value  numerator  denominator
    0     ar_decision_4wk   50.0          1            2
    1  ar_meeting_on_time  100.0          1            1
    """
    check_columns(reviews, MEETING_REQUIRED, "review_timeliness")
    periods = single_period(period_start, period_end)
    table = as_columns(reviews)
    rows = decision_by_period(table, periods) if "review_decision_date" in reviews else []
    return finish([*rows, *meeting_by_period(table, periods)])


def reviews_overdue(reviews: pd.DataFrame, *, at: DateLike) -> pd.DataFrame:
    """Count reviews due on or before ``at`` with no meeting on or before it (``ar_overdue``).

    Parameters
    ----------
    reviews
        Needs ``review_due_date`` and ``review_meeting_date``.
    at
        The date of the snapshot (the period end).

    Returns
    -------
    pandas.DataFrame
        One row, the count as ``value`` and ``numerator``.

    Examples
    --------
    >>> r = pd.DataFrame({
    ...     "review_due_date": pd.to_datetime(["2024-03-31", "2024-03-01", "2024-04-01"]),
    ...     "review_meeting_date": pd.to_datetime([None, "2024-03-31", None]),
    ... })
    >>> reviews_overdue(r, at="2024-03-31")["value"].tolist()
    [1.0]
    """
    check_columns(reviews, OVERDUE_REQUIRED, "reviews_overdue")
    when = as_timestamp(at, "at")
    return finish(overdue_by_period(as_columns(reviews), Periods.single(when, when)))

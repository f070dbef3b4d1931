"""The stocktake period against the data: a period that starts after the data's last records.

The data's last date is the extract date, ``reference_date``: the params file
alone refuses a period ending after it or after today
(:func:`sendreport.params.date_problems`). Without ``reference_date`` the
extract date is taken to be ``period_end``, and the tables are the only sign
of where the data stop. They are a sign, not a proof (a table can be quiet for
months, a plan-only pack may run on old tables), so ``sendreport validate``
prints a warning, and refuses nothing, when the period starts after the month
of the latest dated record of every table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from sendreport.metrics.coverage import EVENT_DATES

__all__ = ["DATED_COLUMNS", "last_record_month", "period_problems"]

DATED_COLUMNS = {**EVENT_DATES, "measures": ("date",)}
"""The date columns of each table that say when something happened (never ``date_of_birth``)."""


def last_record_month(tables: Mapping[str, pd.DataFrame]) -> tuple[pd.Period, list[str]] | None:
    """The month of the latest dated record of the tables, and the tables that hold it.

    Only the month is given: the exact date of one child's record is not for a
    message.

    Parameters
    ----------
    tables
        Validated tables by name.

    Returns
    -------
    tuple or None
        ``(month, table names)``, or ``None`` when no table has a dated record.

    Examples
    --------
    >>> requests = pd.DataFrame({"received_date": pd.to_datetime(["2024-01-02", "2024-05-01"])})
    >>> reviews = pd.DataFrame({"review_due_date": pd.to_datetime(["2024-05-20"])})
    >>> month, names = last_record_month({"requests": requests, "reviews": reviews})
    >>> str(month), names
    ('2024-05', ['requests', 'reviews'])
    """
    latest: dict[str, pd.Timestamp] = {}
    for name, frame in tables.items():
        dates = [frame[c].max() for c in DATED_COLUMNS.get(name, ()) if c in frame]
        dates = [d for d in dates if pd.notna(d)]
        if dates:
            latest[name] = max(dates)
    if not latest:
        return None
    month = max(latest.values()).to_period("M")
    return month, sorted(n for n, d in latest.items() if d.to_period("M") == month)


def period_problems(period_start: dt.date, tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """Whether the period starts after the data's last records (empty when it does not).

    Parameters
    ----------
    period_start
        The first day of the stocktake period.
    tables
        Validated tables by name.

    Returns
    -------
    list of str
        One line naming ``period_start``, the month of the data's last record
        and its tables, when the period starts after that month.

    Examples
    --------
    >>> requests = pd.DataFrame({"received_date": pd.to_datetime(["2024-05-01"])})
    >>> period_problems(dt.date(2024, 1, 1), {"requests": requests})
    []
    >>> print(period_problems(dt.date(2026, 1, 1), {"requests": requests})[0])
    ... # doctest: +NORMALIZE_WHITESPACE
    period_start (2026-01-01) is after the data's last records: the latest dated record (in
    requests) is from May 2024, so the tables may not cover the period; check that the extract
    is the latest, and give its date as reference_date
    """
    last = last_record_month(tables)
    if last is None:
        return []
    month, names = last
    if pd.Timestamp(period_start) <= month.end_time:
        return []
    return [
        f"period_start ({period_start}) is after the data's last records: the latest dated "
        f"record (in {', '.join(names)}) is from {month.strftime('%B %Y')}, so the tables may "
        "not cover the period; check that the extract is the latest, and give its date as "
        "reference_date"
    ]


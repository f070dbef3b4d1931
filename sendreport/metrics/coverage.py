"""What each KPI needs from the data, and why a figure is not available (SPEC 3 ``data_from``, 5).

A figure is not available (an empty value with a reason, never a number from
partial history) when its table is not given, when its service has no referral
at all, or when its definition needs records from before the table's
``data_from``: the first date the export covers. When the params do not give
it, it comes from continuity (:func:`continuous_from`), not from the earliest
date: a few stray records years before the export's real start must not make
a baseline look covered.

The continuity rule, per table: count the table's records by calendar month
of the date that places them (:data:`PLACED_BY`: a request's received date, a
review's due date, a referral's date), from the first month with a record to
the last. The table's usual rate is the count of the month a typical record
falls in: the median of the months that have a record, each weighted by its
records (:func:`usual_rate`), so that months of stray records do not pull it
down; a month is *thin* when it has fewer than a quarter
(:data:`USUAL_SHARE`) of it. The coverage starts on the first day of the
month after the last thin month, or of the first month when no month is thin.
The last month with a record is not judged (an extract usually stops part-way
through it). A small table (a usual rate under :data:`STEADY` records) has
months left thin or empty by chance alone: there, only a run of
:data:`GAP_MONTHS` months or more with no record breaks the continuity, and
the coverage starts with the first month after the last such run.

Records dated before the start with a month of no record between them and it
(isolated: a stray cluster, not the thinning tail of a waiting list,
:func:`isolated_until`) are listed by ``validate`` to query
(``query_before_coverage``); ``validate`` prints each table's start and the
``data_from`` line to paste (:func:`coverage_report`).

What a KPI for the period ``start..end`` needs, as the earliest date its table
must cover:

* an event in the period (a plan issued, a request received, a child seen):
  ``start``;
* a wait band among events in the period (``ehcp_20wk_excl``: more than 140
  days): the band's length before ``start``, plus a day, so that every event in
  the period could have fallen in the band;
* a snapshot at ``end`` (``wait_list``, ``ar_overdue``): ``end``;
* a wait band of a snapshot (``wait_over_52wk``: more than 364 days): the
  band's length before ``end``, plus a day.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import Enum

import numpy as np
import pandas as pd

from sendreport.metrics._helpers import Columns, DateLike, as_timestamp

__all__ = [
    "EVENT_DATES",
    "KPI_TABLES",
    "PLACED_BY",
    "SNAPSHOTS",
    "USUAL_SHARE",
    "NotAvailable",
    "continuous_from",
    "coverage_report",
    "coverage_start",
    "isolated_before",
    "isolated_until",
    "usual_rate",
    "default_data_from",
    "history_needed",
    "history_reason",
    "resolve_data_from",
    "unavailable_reason",
]

class NotAvailable(Enum):
    """Why a figure is not available: the words ``kpis.csv`` gives in ``reason``.

    A figure *not available* has no value because the data cannot give one;
    a figure *withheld* has one the disclosure rule keeps back
    (:class:`sendreport.disclosure.rule.WithheldReason`). Code tests the
    member (``kpi_series``' ``not_available`` column), never the words.

    Examples
    --------
    >>> NotAvailable.TABLE_NOT_GIVEN.describe(table="referrals")
    'no referrals table given'
    >>> NotAvailable.NO_REFERRAL.describe(service="audiology")
    'no audiology referral in the data'
    >>> t = pd.Timestamp
    >>> NotAvailable.HISTORY_NEEDED.describe(table="referrals", needed=t("2023-04-01"),
    ...                                      first=t("2023-06-01"))
    'needs referrals from April 2023; the data cover from June 2023'
    >>> NotAvailable.NOTHING_TO_MEASURE.describe()
    'nothing to measure'
    """

    TABLE_NOT_GIVEN = "no {table} table given"
    """The KPI's table is not among the inputs."""
    COLUMNS_MISSING = "the {table} table lacks the columns this KPI needs"
    """The table is given without a column the KPI's definition needs."""
    NO_REFERRAL = "no {service} referral in the data"
    """The plan names a service the referrals table holds no referral for."""
    HISTORY_NEEDED = "needs {table} from {needed:%B %Y}; the data cover from {first:%B %Y}"
    """The definition needs records from before the table's ``data_from`` (SPEC 3)."""
    NOTHING_TO_MEASURE = "nothing to measure"
    """The denominator is empty: no plan issued, nobody on the list."""

    @staticmethod
    def uncovered(kind: NotAvailable | None) -> bool:
        """Whether ``kind`` makes a month no point of a chart: any but nothing to measure.

        Examples
        --------
        >>> NotAvailable.uncovered(NotAvailable.HISTORY_NEEDED), NotAvailable.uncovered(None)
        (True, False)
        >>> NotAvailable.uncovered(NotAvailable.NOTHING_TO_MEASURE)
        False
        """
        return isinstance(kind, NotAvailable) and kind is not NotAvailable.NOTHING_TO_MEASURE

    def describe(
        self,
        *,
        table: str = "",
        service: str = "",
        needed: pd.Timestamp | None = None,
        first: pd.Timestamp | None = None,
    ) -> str:
        """The reason as ``kpis.csv`` and ``kpi_series.csv`` give it.

        Months, not days, for history: a day printed in an output could be
        taken for (or be) a date of birth, and the privacy guard would refuse
        it. When ``needed`` falls in the month the data start, the month is
        named once.
        """
        words = self.value
        if self is NotAvailable.HISTORY_NEEDED and needed is not None and first is not None:
            if (needed.year, needed.month) == (first.year, first.month):
                words = _HISTORY_IN_FIRST_MONTH
        return words.format(table=table, service=service, needed=needed, first=first)

    @classmethod
    def from_words(cls, text: str) -> NotAvailable | None:
        """The member whose words (:meth:`describe`) ``text`` is, else ``None``.

        The inverse of :meth:`describe`, kept beside it, for a reason read from
        a table that holds only the words (``kpis.csv``'s ``reason``).

        Examples
        --------
        >>> NotAvailable.from_words("no reviews table given").name
        'TABLE_NOT_GIVEN'
        >>> NotAvailable.from_words("needs requests from earlier in June 2023 than the data cover")
        <NotAvailable.HISTORY_NEEDED: 'needs {table} from {needed:%B %Y}; the data cover from {first:%B %Y}'>
        >>> NotAvailable.from_words("no baseline period given") is None
        True
        """  # noqa: E501
        return next((member for member, form in _FORMS if form.match(str(text))), None)


_HISTORY_IN_FIRST_MONTH = "needs {table} from earlier in {first:%B %Y} than the data cover"
""":attr:`NotAvailable.HISTORY_NEEDED` when the history needed starts in the data's first month."""


def _form(words: str) -> re.Pattern[str]:
    """A reason's words with each ``{field}`` (and ``{field:format}``) matching any text."""
    parts = re.split(r"(\{[^}]*\})", words)
    return re.compile("".join(".+?" if p.startswith("{") else re.escape(p) for p in parts) + "$")


_FORMS = sorted(
    [(m, _form(m.value)) for m in NotAvailable]
    + [(NotAvailable.HISTORY_NEEDED, _form(_HISTORY_IN_FIRST_MONTH))],
    key=lambda pair: -len(pair[1].pattern),
)
"""Every form of words a member can take, longest first, for :meth:`NotAvailable.from_words`."""

EVENT_DATES = {
    "requests": (
        "received_date",
        "request_outcome_date",
        "assessment_outcome_date",
        "plan_issued_date",
    ),
    "reviews": ("review_due_date", "review_decision_date", "review_meeting_date"),
    "referrals": ("referral_date", "first_contact_date", "removed_date"),
}
"""The event date columns of each table; the earliest sets the default ``data_from``."""

# kpi_id: (table, "event" or "snapshot", days of history the band needs before the date)
_NEEDS: dict[str, tuple[str, str, int]] = {
    "ehcp_20wk_excl": ("requests", "event", 141),
    "ehcp_20wk_incl": ("requests", "event", 141),
    "ehcp_issued": ("requests", "event", 0),
    "ehcp_20_52wk_excl": ("requests", "event", 365),
    "ehcp_over_52wk_excl": ("requests", "event", 365),
    "ehcp_mean_weeks_excl": ("requests", "event", 365),
    "ehcp_requests": ("requests", "event", 0),
    "ehcp_decision_6wk": ("requests", "event", 43),
    "ehcp_assessments_agreed": ("requests", "event", 0),
    "ehcp_open_over_20wk": ("requests", "snapshot", 141),
    "ar_decision_4wk": ("reviews", "event", 29),
    "ar_meeting_on_time": ("reviews", "event", 0),
    "ar_overdue": ("reviews", "snapshot", 0),
    "wait_list": ("referrals", "snapshot", 0),
    "wait_over_18wk": ("referrals", "snapshot", 127),
    "wait_over_52wk": ("referrals", "snapshot", 365),
    "wait_over_18wk_count": ("referrals", "snapshot", 127),
    "wait_over_52wk_count": ("referrals", "snapshot", 365),
    "wait_children": ("referrals", "snapshot", 0),
    "wait_median_open_weeks": ("referrals", "snapshot", 0),
    "wait_median_seen_weeks": ("referrals", "event", 0),
    "wait_p92_seen_weeks": ("referrals", "event", 0),
    "autism_13wk": ("referrals", "event", 92),
}

PLACED_BY: dict[str, tuple[str, ...]] = {
    "requests": ("received_date",),
    "reviews": ("review_due_date", "review_decision_date", "review_meeting_date"),
    "referrals": ("referral_date",),
}
"""The date that places each record in its table's months, first the usual one, then
stand-ins when that column holds no date (a SEN2 return has no review due dates)."""

USUAL_SHARE = 0.25
"""A month with fewer records than this share of the usual rate (:func:`usual_rate`) is thin."""

STEADY = 12
"""The usual rate below which chance alone leaves months thin or empty: then only a
run of :data:`GAP_MONTHS` months with no record breaks the continuity."""

GAP_MONTHS = 6
"""Months with no record in a row that break the continuity of a small table."""

KPI_TABLES = {kpi_id: need[0] for kpi_id, need in _NEEDS.items()}
"""The input table each case-data KPI is computed from."""

SNAPSHOTS = frozenset(kpi_id for kpi_id, need in _NEEDS.items() if need[1] == "snapshot")
"""The case-data KPIs taken as at a date (the others count events over a period)."""


def continuous_from(days: np.ndarray) -> int | None:
    """The month (``year * 12 + month - 1``) the records' continuity starts; ``None`` without one.

    ``days`` holds day numbers (days since 1970-01-01, ``NaN`` where missing).
    The rule is the module's: the first month after the last thin month (fewer
    records than :data:`USUAL_SHARE` of the usual rate, :func:`usual_rate`),
    the last month with a record not judged; under a usual rate of
    :data:`STEADY`, after the last run of :data:`GAP_MONTHS` empty months.

    Examples
    --------
    >>> def days(*dates):
    ...     return (pd.to_datetime(list(dates)).values.astype("datetime64[D]")
    ...             .astype("int64").astype("float64"))
    >>> steady = [f"2023-{m:02d}-{d:02d}" for m in range(4, 13) for d in range(1, 29, 2)]
    >>> start = continuous_from(days("2021-03-01", "2021-03-08", *steady))
    >>> divmod(start, 12)  # April 2023: the two March 2021 records are stray
    (2023, 3)
    >>> divmod(continuous_from(days(*steady, "2024-01-02")), 12)  # a thin last month is not judged
    (2023, 3)
    >>> few = days("2022-01-05", "2022-03-09", "2022-10-10", "2022-11-11")  # a small table
    >>> divmod(continuous_from(few), 12)  # six empty months, April to September, break it
    (2022, 9)
    >>> divmod(continuous_from(days("2022-01-05", "2022-06-09")), 12)  # four empty: no break
    (2022, 0)
    >>> continuous_from(np.array([np.nan])) is None
    True
    """
    counted = _monthly(days)
    if counted is None:
        return None
    first, counts = counted
    usual = usual_rate(counts)
    if usual >= STEADY:
        thin = counts[:-1] < USUAL_SHARE * usual
    else:  # chance alone empties months: only a long run of empty months is a break
        empty = np.concatenate([[0], (counts[:-1] == 0).astype("int64")])
        runs = np.cumsum(empty)
        since = runs - np.maximum.accumulate(np.where(empty == 0, runs, 0))
        thin = since[1:] >= GAP_MONTHS
    after = np.flatnonzero(thin)
    return first + (int(after[-1]) + 1 if len(after) else 0)


def usual_rate(counts: np.ndarray) -> float:
    """A table's usual monthly count: the median month, each month weighted by its records.

    The count of the month a typical record falls in, so that months of a few
    stray records, however many, do not pull it down as a plain median of the
    months would.

    Examples
    --------
    >>> usual_rate(np.array([1, 1, 1, 1, 1, 1, 0, 20, 20, 20, 20, 20, 20]))  # plain median: 10.5
    20.0
    >>> usual_rate(np.array([3, 5, 4]))
    4.0
    """
    held = np.sort(np.asarray(counts, dtype="int64")[np.asarray(counts) > 0])
    if not len(held):
        return 0.0
    return float(held[np.searchsorted(np.cumsum(held), held.sum() / 2)])


def isolated_until(days: np.ndarray) -> int | None:
    """The month before which records are isolated from the coverage; ``None`` when none are.

    Records before the coverage start (:func:`continuous_from`) are *isolated*
    when a month with no record at all lies between them and the start: a
    stray cluster, not the thinning tail of a waiting list. They are the ones
    ``validate`` lists to query (``query_before_coverage``). The month returned
    is the one after the last empty month before the start.

    Examples
    --------
    >>> def days(*dates):
    ...     return (pd.to_datetime(list(dates)).values.astype("datetime64[D]")
    ...             .astype("int64").astype("float64"))
    >>> steady = [f"2023-{m:02d}-{d:02d}" for m in range(4, 13) for d in range(1, 29, 2)]
    >>> divmod(isolated_until(days("2021-03-01", "2021-03-08", *steady)), 12)
    (2023, 3)
    >>> isolated_until(days("2023-03-20", *steady)) is None  # a thin month next to the start
    True
    """
    start = continuous_from(days)
    if start is None:
        return None
    first, counts = _monthly(days)  # type: ignore[misc]
    empty = np.flatnonzero(counts[: start - first] == 0)
    return first + int(empty[-1]) + 1 if len(empty) else None


def _monthly(days: np.ndarray) -> tuple[int, np.ndarray] | None:
    """The first month with a record, and the records of each month from it to the last."""
    known = np.asarray(days, dtype="float64")
    known = known[np.isfinite(known)]
    if not len(known):
        return None
    dates = known.astype("int64").astype("datetime64[D]").astype("datetime64[M]")
    months = dates.astype("int64") + 1970 * 12
    first = int(months.min())
    return first, np.bincount(months - first)


def _month_start(month: int) -> pd.Timestamp:
    return pd.Timestamp(year=month // 12, month=month % 12 + 1, day=1)


def _placing_days(table: str, columns: Columns) -> np.ndarray | None:
    """Day numbers of the first :data:`PLACED_BY` column of ``table`` holding a date."""
    for column in PLACED_BY.get(table, ()):
        if column in columns.columns:
            days = columns.days(column)
            if np.isfinite(days).any():
                return days
    return None


def isolated_before(table: str, frame: pd.DataFrame | Columns) -> pd.Timestamp | None:
    """First day of the month before which the table's records are isolated.

    See :func:`isolated_until`; ``None`` when no record is isolated.

    Examples
    --------
    >>> r = pd.DataFrame({"referral_date": pd.to_datetime(
    ...     ["2021-06-14"] + [f"2023-{m:02d}-10" for m in range(3, 10) for _ in range(3)])})
    >>> isolated_before("referrals", r).date()
    datetime.date(2023, 3, 1)
    """
    columns = frame if isinstance(frame, Columns) else Columns(frame)
    days = _placing_days(table, columns)
    month = None if days is None else isolated_until(days)
    return None if month is None else _month_start(month)


def coverage_start(table: str, frame: pd.DataFrame | Columns) -> pd.Timestamp | None:
    """The first day the table covers by continuity (module docstring); ``None`` without a date.

    A table with no :data:`PLACED_BY` date at all falls back on the first day
    of the month of its earliest event date.

    Examples
    --------
    >>> r = pd.DataFrame({"referral_date": pd.to_datetime(
    ...     ["2021-06-14"] + [f"2023-{m:02d}-10" for m in range(3, 10) for _ in range(3)])})
    >>> coverage_start("referrals", r).date()
    datetime.date(2023, 3, 1)
    """
    columns = frame if isinstance(frame, Columns) else Columns(frame)
    days = _placing_days(table, columns)
    if days is None:
        found = [columns.days(c) for c in EVENT_DATES.get(table, ()) if c in columns.columns]
        found = [d for d in found if np.isfinite(d).any()]
        if not found:
            return None
        days = np.array([min(np.nanmin(d) for d in found)])
    month = continuous_from(days)
    return None if month is None else _month_start(month)


def default_data_from(table: str, frame: pd.DataFrame) -> pd.Timestamp | None:
    """``data_from`` of a table the params give none for: :func:`coverage_start`.

    Examples
    --------
    >>> r = pd.DataFrame({"referral_date": pd.to_datetime(["2023-03-14", "2023-05-02"]),
    ...                   "first_contact_date": pd.to_datetime(["2023-04-01", None])})
    >>> default_data_from("referrals", r).date()
    datetime.date(2023, 3, 1)
    """
    return coverage_start(table, frame)


def resolve_data_from(
    tables: Mapping[str, pd.DataFrame | None],
    data_from: Mapping[str, DateLike] | None = None,
    *,
    prepared: Mapping[str, Columns] | None = None,
) -> dict[str, pd.Timestamp]:
    """``data_from`` of every given table: as given, else by continuity (:func:`coverage_start`).

    ``prepared`` (the tables' :class:`~sendreport.metrics._helpers.Columns`)
    lets the default reuse day numbers already computed.

    Examples
    --------
    >>> r = pd.DataFrame({"received_date": pd.to_datetime(["2023-03-14"])})
    >>> {k: v.date() for k, v in resolve_data_from({"requests": r}).items()}
    {'requests': datetime.date(2023, 3, 1)}
    >>> {k: v.date() for k, v in resolve_data_from({"requests": r},
    ...                                            {"requests": "2023-01-01"}).items()}
    {'requests': datetime.date(2023, 1, 1)}
    """
    given = dict(data_from or {})
    out = {}
    for table, frame in tables.items():
        if frame is None:
            continue
        if given.get(table) is not None:
            out[table] = as_timestamp(given[table], f"data_from.{table}")
        elif table in EVENT_DATES:
            source = prepared[table] if prepared is not None and table in prepared else frame
            first = coverage_start(table, source)
            if first is not None:
                out[table] = first
    return out


def history_needed(kpi_id: str, start: np.ndarray, end: np.ndarray) -> np.ndarray | None:
    """Earliest day number the KPI's table must cover, for periods ``start..end`` (day numbers).

    ``None`` for a KPI with no history rule (actions, measures).

    Examples
    --------
    >>> history_needed("wait_over_52wk", np.array([100.0]), np.array([400.0]))
    array([35.])
    >>> history_needed("ehcp_requests", np.array([100.0]), np.array([400.0]))
    array([100.])
    """
    need = _NEEDS.get(kpi_id)
    if need is None:
        return None
    _, kind, days = need
    base = np.asarray(start if kind == "event" else end, dtype="float64")
    return base - days


def unavailable_reason(
    kpi_id: str,
    start: pd.Timestamp,
    end: pd.Timestamp,
    coverage: Mapping[str, pd.Timestamp],
) -> str:
    """Why the KPI for ``start..end`` is not available from ``coverage`` ("" when it is).

    Examples
    --------
    >>> t = pd.Timestamp
    >>> unavailable_reason("wait_over_52wk", t("2024-01-01"), t("2024-03-31"),
    ...                    {"referrals": t("2023-06-01")})
    'needs referrals from April 2023; the data cover from June 2023'
    >>> unavailable_reason("wait_list", t("2024-01-01"), t("2024-03-31"),
    ...                    {"referrals": t("2023-06-01")})
    ''
    """
    need = _NEEDS.get(kpi_id)
    if need is None:
        return ""
    table, kind, days = need
    first = coverage.get(table)
    if first is None:  # an empty table: no record, so no history is missing
        return ""
    earliest = (start if kind == "event" else end) - pd.Timedelta(days=days)
    if first > earliest:
        return history_reason(table, earliest, first)
    return ""


def history_reason(table: str, needed: pd.Timestamp, first: pd.Timestamp) -> str:
    """The reason of a figure that needs ``table`` from ``needed`` when it covers from ``first``.

    :attr:`NotAvailable.HISTORY_NEEDED` in words: months, not days.

    Examples
    --------
    >>> t = pd.Timestamp
    >>> history_reason("referrals", t("2023-04-01"), t("2023-06-01"))
    'needs referrals from April 2023; the data cover from June 2023'
    >>> history_reason("requests", t("2023-06-05"), t("2023-06-10"))
    'needs requests from earlier in June 2023 than the data cover'
    """
    return NotAvailable.HISTORY_NEEDED.describe(table=table, needed=needed, first=first)


def coverage_report(
    tables: Mapping[str, pd.DataFrame | None],
    data_from: Mapping[str, DateLike] | None,
    periods: Mapping[str, tuple[DateLike, DateLike]],
    *,
    queried: Mapping[str, int] | None = None,
) -> list[str]:
    """``validate``'s lines on coverage: each table's start, the ``data_from`` line, what is lost.

    Parameters
    ----------
    tables
        The validated tables.
    data_from
        The params' ``data_from`` (tables not named get theirs by continuity).
    periods
        Name (``period``, ``previous``, ``baseline``) to ``(start, end)``.
    queried
        Per table, the records isolated before its coverage
        (``query_before_coverage``), to say they are listed to query.

    Returns
    -------
    list of str
        One line per table with its start, the ``data_from:`` line to paste,
        then one line per period and table whose figures need months the
        table does not cover, naming those figures (each is ``x`` with its
        reason in the pack).

    Examples
    --------
    >>> r = pd.DataFrame({"received_date": pd.to_datetime(
    ...     ["2021-03-01"] + [f"2023-{m:02d}-{d:02d}" for m in range(4, 10) for d in range(1, 29)])})
    >>> t = pd.Timestamp
    >>> for line in coverage_report({"requests": r}, {},
    ...         {"baseline": (t("2023-01-01"), t("2023-06-30"))}, queried={"requests": 1}):
    ...     print(line)
    coverage: each table from the first month from which every month has at least a quarter of its usual monthly records (records before it do not count as history)
      requests: from April 2023 (by continuity); 1 isolated earlier record listed to query (query_before_coverage)
      to keep these starts or change one, put in the params file:
      data_from: {requests: 2023-04-01}
    baseline (2023-01-01 to 2023-06-30): 10 requests figures not available (x), needing requests from before April 2023: ehcp_20wk_excl, ehcp_20wk_incl, ehcp_issued, ehcp_20_52wk_excl, ehcp_over_52wk_excl, ehcp_mean_weeks_excl, ehcp_requests, ehcp_decision_6wk, ehcp_assessments_agreed, ehcp_open_over_20wk
    """  # noqa: E501
    given = {k: v for k, v in (data_from or {}).items() if v is not None}
    coverage = resolve_data_from(tables, given)
    if not coverage:
        return []
    lines = ["coverage: each table from the first month from which every month has at least "
             "a quarter of its usual monthly records (records before it do not count as "
             "history)"]
    for table, first in coverage.items():
        how = "data_from in the params" if table in given else "by continuity"
        line = f"  {table}: from {first:%B %Y} ({how})"
        n = (queried or {}).get(table, 0)
        if n and table not in given:
            records = "record" if n == 1 else "records"
            line += (f"; {n:,} isolated earlier {records} listed to query "
                     "(query_before_coverage)")
        lines.append(line)
    lines.append("  to keep these starts or change one, put in the params file:")
    lines.append("  data_from: {" + ", ".join(f"{t}: {d.date().isoformat()}"
                                             for t, d in coverage.items()) + "}")
    for name, (start, end) in periods.items():
        start, end = as_timestamp(start, name), as_timestamp(end, name)
        for table, first in coverage.items():
            lost = [k for k, t in KPI_TABLES.items()
                    if t == table and unavailable_reason(k, start, end, coverage)]
            if lost:
                lines.append(
                    f"{name} ({start.date()} to {end.date()}): {len(lost)} {table} figures not "
                    f"available (x), needing {table} from before {first:%B %Y}: "
                    + ", ".join(lost))
    return lines

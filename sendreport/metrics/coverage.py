"""What each KPI needs from the data, and why a figure is not available (SPEC 3 ``data_from``, 5).

A figure is not available (an empty value with a reason, never a number from
partial history) when its table is not given, when its service has no referral
at all, or when its definition needs records from before the table's
``data_from``: the first date the export covers, by default the first day of
the month of the table's earliest event date.

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
    "SNAPSHOTS",
    "NotAvailable",
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
    "reviews": ("review_due_date", "review_meeting_date", "review_decision_date"),
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
    "wait_median_open_weeks": ("referrals", "snapshot", 0),
    "wait_median_seen_weeks": ("referrals", "event", 0),
    "wait_p92_seen_weeks": ("referrals", "event", 0),
    "autism_13wk": ("referrals", "event", 92),
}

KPI_TABLES = {kpi_id: need[0] for kpi_id, need in _NEEDS.items()}
"""The input table each case-data KPI is computed from."""

SNAPSHOTS = frozenset(kpi_id for kpi_id, need in _NEEDS.items() if need[1] == "snapshot")
"""The case-data KPIs taken as at a date (the others count events over a period)."""


def default_data_from(table: str, frame: pd.DataFrame) -> pd.Timestamp | None:
    """First day of the month of the table's earliest event date (``None`` without one).

    Examples
    --------
    >>> r = pd.DataFrame({"referral_date": pd.to_datetime(["2023-03-14", "2023-05-02"]),
    ...                   "first_contact_date": pd.to_datetime(["2023-04-01", None])})
    >>> default_data_from("referrals", r).date()
    datetime.date(2023, 3, 1)
    """
    earliest = None
    for column in EVENT_DATES.get(table, ()):
        if column not in frame.columns:
            continue
        values = frame[column]
        if not pd.api.types.is_datetime64_any_dtype(values):
            values = pd.to_datetime(values)
        first = values.min()
        if pd.notna(first) and (earliest is None or first < earliest):
            earliest = first
    if earliest is None:
        return None
    return pd.Timestamp(earliest).to_period("M").start_time


def resolve_data_from(
    tables: Mapping[str, pd.DataFrame | None],
    data_from: Mapping[str, DateLike] | None = None,
    *,
    prepared: Mapping[str, Columns] | None = None,
) -> dict[str, pd.Timestamp]:
    """``data_from`` of every given table: as given, else :func:`default_data_from`.

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
        elif prepared is not None and table in prepared and table in EVENT_DATES:
            columns = prepared[table]
            days = [columns.days(c) for c in EVENT_DATES[table] if c in columns.columns]
            earliest = min((np.nanmin(d) for d in days if np.isfinite(d).any()), default=None)
            if earliest is not None:
                day = np.datetime64(int(earliest), "D")
                out[table] = pd.Timestamp(day).to_period("M").start_time
        elif table in EVENT_DATES:
            first = default_data_from(table, frame)
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

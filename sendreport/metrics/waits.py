"""Children's health service waiting time KPIs from the ``referrals`` table (SPEC 4.3, 5).

Bands follow NHS England's community health services waiting list statistics:
over 18 weeks is more than 126 days, over 52 weeks more than 364 days. The
clock starts at ``referral_date`` and stops at the first attended contact;
a referral removed from the list without being seen stops being open too.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sendreport.metrics._helpers import (
    Columns,
    DateLike,
    Periods,
    as_columns,
    as_timestamp,
    check_columns,
    count_by,
    count_open,
    count_rows,
    count_split,
    finish,
    percentage_rows,
    quantiles_by,
    single_period,
    statistic_rows,
)

__all__ = ["autism_13wk", "children_waiting", "open_ends", "waiting_list", "waits_seen"]

LIST_REQUIRED = ("service", "referral_date", "first_contact_date")
CHILDREN_REQUIRED = ("service", "person_id", "referral_date", "first_contact_date")
SEEN_REQUIRED = ("service", "referral_date", "first_contact_date")
AUTISM_REQUIRED = ("service", "referral_date", "first_contact_date")
AUTISM_SERVICE = "autism_assessment"

WEEKS_18 = 126
WEEKS_52 = 364
WEEKS_13 = 91


def _stop(referrals: Columns) -> np.ndarray:
    def compute() -> np.ndarray:
        # fmin ignores a missing date: the earlier of contact and removal, or NaN if neither
        return np.fmin(referrals.days("first_contact_date"), referrals.days("removed_date"))

    return referrals.memo("stop", compute)  # type: ignore[return-value]


def open_ends(referrals: Columns, periods: Periods) -> tuple[np.ndarray, np.ndarray]:
    """The period ends each referral is on the list at: indices ``since`` to ``until - 1``.

    ``since`` is the first period end on or after ``referral_date``,
    ``until`` the first on or after the referral stops being open (its first
    contact or removal; past the last end while it is open). Computed once
    per ``periods`` and shared by the list, its medians and children waiting.

    Parameters
    ----------
    referrals
        The referrals (``referral_date``, ``first_contact_date``, optionally ``removed_date``).
    periods
        The periods whose ends are the snapshots.

    Returns
    -------
    tuple of numpy.ndarray
        ``since`` and ``until``, integer indices into ``periods.ends``.

    Examples
    --------
    Month ends of January to March 2024: a referral seen on 15 February was
    waiting at the end of January only; one made on 1 March still waits:

    >>> r = as_columns(pd.DataFrame({
    ...     "referral_date": pd.to_datetime(["2024-01-10", "2024-03-01"]),
    ...     "first_contact_date": pd.to_datetime(["2024-02-15", None])}))
    >>> months = Periods.months(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-03-31"))
    >>> since, until = open_ends(r, months)
    >>> since.tolist(), until.tolist()
    ([0, 2], [1, 3])
    """

    def compute() -> tuple[Periods, np.ndarray, np.ndarray]:
        # the periods are kept with the result, so their id stays theirs while it is kept
        referred = referrals.days("referral_date")
        return periods, periods.end_index(referred), periods.end_index(_stop(referrals))

    _, since, until = referrals.memo(("open ends", id(periods)), compute)  # type: ignore[misc]
    return since, until


def list_by_period(
    referrals: Columns, periods: Periods, services: Sequence[str] = (), *, medians: bool = True
) -> list[pd.DataFrame]:
    group, names = referrals.groups("service", services)
    g, k = len(names), len(periods)
    referred = referrals.days("referral_date")
    stop = _stop(referrals)
    # on the list from the first period end on or after the referral (or 127 or 365 days on)
    # until it stops (the same stop for the list and its bands): a referral never on it at a
    # period end is in no band either, so only the others are read
    since, until = open_ends(referrals, periods)
    on = np.flatnonzero(since < until)
    until = until[on]
    starts = [since[on], *periods.end_indices(referred[on], (WEEKS_18 + 1, WEEKS_52 + 1))]
    scaled = group[on] * (k + 1)

    def on_list(lo: np.ndarray) -> np.ndarray:
        return count_open(scaled, (lo, np.maximum(until, lo)), g, k, scaled=True)

    open_now, over_18, over_52 = (on_list(lo) for lo in starts)
    rows = [
        count_rows("wait_list", open_now, names),
        percentage_rows("wait_over_18wk", over_18, open_now, names),
        percentage_rows("wait_over_52wk", over_52, open_now, names),
        count_rows("wait_over_18wk_count", over_18, names),
        count_rows("wait_over_52wk_count", over_52, names),
    ]
    if medians:
        median = np.full((g, k), np.nan)
        for j, t in enumerate(periods.ends):
            is_open = (referred <= t) & ~(stop <= t)
            median[:, j] = quantiles_by(group[is_open], t - referred[is_open], g, (0.5,))[0] / 7
        rows.append(statistic_rows("wait_median_open_weeks", median, open_now, names))
    return rows


def _spells(
    group: np.ndarray, person: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each child's spells on a service's list: the union of their referrals' open spans.

    A referral is open at the period ends ``lo`` to ``hi - 1`` (indices, as
    :meth:`Periods.open_at_ends` gives them, ``lo < hi``). The spans of one
    child (``person``) in one service (``group``) that overlap or touch
    become one spell, so a child is in at most one spell at any period end.
    Returns the group and the span ``lo, hi`` of each spell.

    Examples
    --------
    One child open at ends 0 to 1 and 1 to 2 (one spell), and again at 5;
    another at 0:

    >>> g, lo, hi = _spells(np.array([0, 0, 0, 0]), np.array([0, 0, 0, 1]),
    ...                     np.array([0, 1, 5, 0]), np.array([2, 3, 6, 1]))
    >>> g.tolist(), lo.tolist(), hi.tolist()
    ([0, 0, 0], [0, 5, 0], [3, 6, 1])
    """
    if not len(lo):
        return group, lo, hi
    people = int(person.max()) + 1
    child = group.astype(np.int64) * people + person
    width = int(hi.max()) + 1
    if (int(child.max()) + 1) * width * width < 2**63:
        # one sort by child, first end and last: the three packed in one integer
        packed = np.sort((child * width + lo) * width + hi)
        child, lo, hi = packed // (width * width), packed // width % width, packed % width
    else:
        order = np.lexsort((hi, lo, child))
        child, lo, hi = child[order], lo[order], hi[order]
    block = np.ones(len(lo), dtype=bool)
    block[1:] = child[1:] != child[:-1]
    # the furthest end reached so far by the child's spans: a running maximum, each
    # child's values lifted above every earlier child's so that none carries over
    lift = np.cumsum(block) * width
    reach = np.maximum.accumulate(hi + lift) - lift
    new = block.copy()
    new[1:] |= lo[1:] > reach[:-1]  # a gap after everything earlier of this child
    last = np.append(np.flatnonzero(new)[1:] - 1, len(lo) - 1)  # each spell's last span
    return child[new] // people, lo[new], reach[last]


def children_by_period(
    referrals: Columns, periods: Periods, services: Sequence[str] = ()
) -> list[pd.DataFrame]:
    """``wait_children``: distinct ``person_id`` with a referral open at each period end.

    Only referrals open at some period end can be counted, so only their
    ``person_id`` is read (often a small part of the table).
    """
    group, names = referrals.groups("service", services)
    since, until = open_ends(referrals, periods)
    rows = np.flatnonzero(since < until)
    person, _ = pd.factorize(referrals.df["person_id"].take(rows))
    rows, person = rows[person >= 0], person[person >= 0]  # no person_id: no child to count
    spell_group, spell_lo, spell_hi = _spells(group[rows], person, since[rows], until[rows])
    waiting = count_open(spell_group, (spell_lo, spell_hi), len(names), len(periods))
    return [count_rows("wait_children", waiting, names)]


def _first_seen(referrals: Columns, periods: Periods) -> tuple[np.ndarray, np.ndarray]:
    """The period each referral was first seen in (-1 if none) and the days it waited.

    Computed once per ``periods``: the waits of those seen and the autism
    assessments both read them.
    """

    def compute() -> tuple[Periods, np.ndarray, np.ndarray]:
        # the periods are kept with the result, so their id stays theirs while it is kept
        seen = referrals.days("first_contact_date")
        return periods, periods.locate(seen), seen - referrals.days("referral_date")

    _, period, days = referrals.memo(("first seen", id(periods)), compute)  # type: ignore[misc]
    return period, days


def seen_by_period(
    referrals: Columns, periods: Periods, services: Sequence[str] = ()
) -> list[pd.DataFrame]:
    group, names = referrals.groups("service", services)
    g, k = len(names), len(periods)
    period, days = _first_seen(referrals, periods)
    keep = period >= 0
    # quantiles of whole days (linear interpolation), divided once
    stats = quantiles_by(group[keep] * k + period[keep], days[keep], g * k, (0.5, 0.92))
    median, p92 = stats.reshape(2, g, k) / 7
    n = count_by(group, period, g, k)
    return [
        statistic_rows("wait_median_seen_weeks", median, n, names),
        statistic_rows("wait_p92_seen_weeks", p92, n, names),
    ]


def autism_by_period(referrals: Columns, periods: Periods) -> list[pd.DataFrame]:
    autism = referrals.isin("service", (AUTISM_SERVICE,))
    period, days = _first_seen(referrals, periods)
    period = np.where(autism, period, -1)
    on_time = days <= WEEKS_13
    late, timely = count_split(period, on_time, 2, len(periods))
    return [percentage_rows("autism_13wk", timely[None], (late + timely)[None])]


def waiting_list(
    referrals: pd.DataFrame, *, at: DateLike, services: Sequence[str] = ()
) -> pd.DataFrame:
    """Measure each service's waiting list at ``at`` and how long its referrals have waited.

    A referral is on the list at ``t`` when ``referral_date <= t`` and neither
    ``first_contact_date`` nor ``removed_date`` is on or before ``t``. Per
    service: ``wait_list`` (count of referrals: a child referred twice counts
    twice), ``wait_over_18wk`` and ``wait_over_52wk`` (% of the list with
    ``d(referral_date, t)`` over 126 and 364 days), ``wait_over_18wk_count``
    and ``wait_over_52wk_count`` (those referrals, counted) and
    ``wait_median_open_weeks``. :func:`children_waiting` counts children.

    Parameters
    ----------
    referrals
        Needs ``service``, ``referral_date`` and ``first_contact_date``;
        ``removed_date`` is optional.
    at
        The date of the snapshot (the period end).
    services
        Services to report even if they have no referrals (list 0, others NaN).

    Returns
    -------
    pandas.DataFrame
        ``kpi_id, service, value, numerator, denominator, lower_ci, upper_ci``,
        by KPI then service (alphabetical).

    Examples
    --------
    On 2024-03-31, one child waiting 127 days, one 126 days, one seen that day:

    >>> r = pd.DataFrame({
    ...     "service": ["audiology"] * 3,
    ...     "referral_date": pd.to_datetime(["2023-11-25", "2023-11-26", "2023-01-01"]),
    ...     "first_contact_date": pd.to_datetime([None, None, "2024-03-31"]),
    ... })
    >>> waiting_list(r, at="2024-03-31")[
    ...     ["kpi_id", "value", "numerator", "denominator"]].round(2)
                       kpi_id  value  numerator  denominator
    0               wait_list   2.00          2         <NA>
    1          wait_over_18wk  50.00          1            2
    2          wait_over_52wk   0.00          0            2
    3    wait_over_18wk_count   1.00          1         <NA>
    4    wait_over_52wk_count   0.00          0         <NA>
    5  wait_median_open_weeks  18.07       <NA>            2
    """
    check_columns(referrals, LIST_REQUIRED, "waiting_list")
    when = as_timestamp(at, "at")
    return finish(list_by_period(as_columns(referrals), Periods.single(when, when), services))


def children_waiting(
    referrals: pd.DataFrame, *, at: DateLike, services: Sequence[str] = ()
) -> pd.DataFrame:
    """Count each service's children waiting at ``at`` (``wait_children``).

    A child is waiting for a service at ``t`` when at least one of their
    referrals to it is on the list then (:func:`waiting_list`): distinct
    ``person_id``, where ``wait_list`` counts referrals.

    Parameters
    ----------
    referrals
        Needs ``service``, ``person_id``, ``referral_date`` and
        ``first_contact_date``; ``removed_date`` is optional.
    at
        The date of the snapshot (the period end).
    services
        Services to report even if they have no referrals (count 0).

    Returns
    -------
    pandas.DataFrame
        ``kpi_id, service, value, numerator, denominator, lower_ci, upper_ci``,
        one row per service (alphabetical).

    Examples
    --------
    On 2024-03-31 child A has two referrals waiting, child B one, child C was seen:

    >>> r = pd.DataFrame({
    ...     "service": ["audiology"] * 4,
    ...     "person_id": ["A", "A", "B", "C"],
    ...     "referral_date": pd.to_datetime(["2023-11-25", "2024-01-10", "2024-02-01",
    ...                                      "2024-01-01"]),
    ...     "first_contact_date": pd.to_datetime([None, None, None, "2024-03-31"]),
    ... })
    >>> children_waiting(r, at="2024-03-31")[["kpi_id", "service", "value"]]
              kpi_id    service  value
    0  wait_children  audiology    2.0
    >>> int(waiting_list(r, at="2024-03-31")["value"].iloc[0])
    3
    """
    check_columns(referrals, CHILDREN_REQUIRED, "children_waiting")
    when = as_timestamp(at, "at")
    return finish(children_by_period(as_columns(referrals), Periods.single(when, when), services))


def waits_seen(
    referrals: pd.DataFrame,
    *,
    period_start: DateLike,
    period_end: DateLike,
    services: Sequence[str] = (),
) -> pd.DataFrame:
    """Measure the waits of children first seen in a period: median and 92nd percentile.

    Over referrals with ``first_contact_date`` in the period, per service,
    ``d(referral_date, first_contact_date) / 7``: ``wait_median_seen_weeks``
    and ``wait_p92_seen_weeks`` (linear interpolation). ``denominator`` is
    the number seen.

    Parameters
    ----------
    referrals
        Needs ``service``, ``referral_date`` and ``first_contact_date``.
    period_start, period_end
        The period, both days included.
    services
        Services to report even if they have no referrals (values NaN).

    Returns
    -------
    pandas.DataFrame
        ``kpi_id, service, value, numerator, denominator, lower_ci, upper_ci``.

    Examples
    --------
    >>> r = pd.DataFrame({
    ...     "service": ["physiotherapy"] * 2,
    ...     "referral_date": pd.to_datetime(["2024-01-01", "2024-01-01"]),
    ...     "first_contact_date": pd.to_datetime(["2024-01-08", "2024-01-22"]),
    ... })
    >>> waits_seen(r, period_start="2024-01-01", period_end="2024-01-31")[
    ...     ["kpi_id", "value", "denominator"]]
                       kpi_id  value  denominator
    0  wait_median_seen_weeks   2.00            2
    1     wait_p92_seen_weeks   2.84            2
    """
    check_columns(referrals, SEEN_REQUIRED, "waits_seen")
    return finish(
        seen_by_period(as_columns(referrals), single_period(period_start, period_end), services)
    )


def autism_13wk(
    referrals: pd.DataFrame, *, period_start: DateLike, period_end: DateLike
) -> pd.DataFrame:
    """Percentage of autism assessments started within 13 weeks (``autism_13wk``, NICE QS51).

    Over ``autism_assessment`` referrals with ``first_contact_date`` in the
    period: % with ``d(referral_date, first_contact_date) <= 91``.

    Parameters
    ----------
    referrals
        Needs ``service``, ``referral_date`` and ``first_contact_date``.
    period_start, period_end
        The period, both days included.

    Returns
    -------
    pandas.DataFrame
        One row (``service`` empty) with numerator, denominator and Wilson limits.

    Examples
    --------
    >>> r = pd.DataFrame({
    ...     "service": ["autism_assessment", "autism_assessment", "audiology"],
    ...     "referral_date": pd.to_datetime(["2024-01-01"] * 3),
    ...     "first_contact_date": pd.to_datetime(["2024-04-01", "2024-04-02", "2024-04-01"]),
    ... })
    >>> autism_13wk(r, period_start="2024-04-01", period_end="2024-04-30")[
    ...     ["value", "numerator", "denominator"]]
       value  numerator  denominator
    0   50.0          1            2
    """
    check_columns(referrals, AUTISM_REQUIRED, "autism_13wk")
    return finish(autism_by_period(as_columns(referrals), single_period(period_start, period_end)))

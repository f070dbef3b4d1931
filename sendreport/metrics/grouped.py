"""Every KPI of many areas from one national table of each kind, in one pass (``kpis_by_area``).

An analyst holding every authority's records wants each authority's
``kpis.csv`` figures, defined exactly as :func:`compute_kpis` defines them,
without running it once per authority. :func:`kpis_by_area` gives each area
its own stretch of the day-number line: every date of an area's records is
moved by ``area index x span`` days (a span longer than the data and the
periods, with room for the longest wait band), and the periods are repeated
for every area with the same shift. One call of each KPI family then computes
every (area, period) at once, from the same vectorised code (bincounts over
period codes) that computes one area's figures.

A record left open (a referral never seen, a review never held, a request
never closed) would otherwise stay open at every later area's snapshot dates:
it is closed at the end of its own area's stretch, after every period end of
its area and before any of the next.

On large tables (:data:`_THREADS_FROM` rows) the work runs in a pool of one
thread per core (numpy and Arrow release the GIL over large arrays): the
area codes and dates of each table, then each table's shared columns, then
every KPI family as a task of its own, the referrals' (the costliest) first.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import nullcontext
from functools import partial
from typing import NamedTuple, TypeVar

import numpy as np
import pandas as pd

from sendreport.errors import ParameterError
from sendreport.metrics import ehcp, measures, reviews, waits
from sendreport.metrics._helpers import (
    Columns,
    DateLike,
    Periods,
    as_timestamp,
    day_number,
    finish,
    quantiles_by,
    statistic_rows,
)
from sendreport.metrics.compute import (
    KPI_COLUMNS,
    NO_PREVIOUS,
    PERIOD_COUNTS,
    REASON_COLUMNS,
    kpi_types,
    length_ratio,
    previous_start,
)
from sendreport.metrics.coverage import (
    EVENT_DATES,
    NotAvailable,
    coverage_start,
    unavailable_reason,
)
from sendreport.metrics.definitions import KPI_DEFINITIONS

__all__ = ["kpis_by_area"]

_MARGIN = 400
"""Days of room after an area's last date: more than the longest band shift (365 days)."""
_THREADS_FROM = 200_000
"""Rows (all tables) from which the dates are read and the families run in two threads or more."""
_SHARED_CODES = {"requests": ("request_outcome", "assessment_outcome"), "referrals": ("service",)}
"""Per table, the text columns several of its families read (read once before they start)."""
_T = TypeVar("_T")
_R = TypeVar("_R")
_EMPTY_REASON = NotAvailable.NOTHING_TO_MEASURE.describe()
_PER_SERVICE = frozenset(k for k, d in KPI_DEFINITIONS.items() if d.per_service)
_ORDER = {kpi_id: i for i, kpi_id in enumerate(KPI_DEFINITIONS)}
_UNITS = {k: d.unit for k, d in KPI_DEFINITIONS.items()}
_FIGURES = ("value", "numerator", "denominator", "lower_ci", "upper_ci")


class _AreaColumns(Columns):
    """A table's columns with every date moved to its record's area's stretch of days.

    Each record's dates move by ``shift``, its area's index (``area``) times
    ``span`` days. ``close_columns`` (a missing date means "still open") read
    a missing date as ``close``, day ``end`` of the record's area's stretch.
    ``base`` shares the day numbers of the other columns, and the shifts,
    with another wrapper of the same table.
    """

    def __init__(
        self,
        df: pd.DataFrame,
        area: np.ndarray,
        span: float,
        end: float,
        *,
        close_columns: Sequence[str] = (),
        base: _AreaColumns | None = None,
        raw: dict[str, np.ndarray] | None = None,
    ):
        super().__init__(df)
        self._area, self._span, self._end = area, span, end
        self._raw = raw if raw is not None else {}
        self._close_columns = tuple(close_columns)
        self._base = base

    @property
    def shift(self) -> np.ndarray:
        """Days each record's dates move by (computed on first use, in the thread using it)."""
        if self._base is not None:
            return self._base.shift
        return self.memo("shift", lambda: self._area * self._span)  # type: ignore[return-value]

    @property
    def close(self) -> np.ndarray:
        """The day each record's area's stretch ends: a record still open is closed then."""
        if self._base is not None:
            return self._base.close
        return self.memo("close", lambda: self.shift + self._end)  # type: ignore[return-value]

    def codes(self, column: str) -> tuple[np.ndarray, list[str]]:
        """Codes of a text column, read once per table (shared with ``base``)."""
        if self._base is not None:
            return self._base.codes(column)
        return super().codes(column)

    def days(self, column: str) -> np.ndarray:
        """Day numbers of a date column, moved to each record's area's stretch."""
        if self._base is not None and column not in self._close_columns:
            return self._base.days(column)

        def compute() -> np.ndarray:
            # day numbers already read (to find the span) are moved in place
            out = self._raw.pop(column, None)
            if out is None:
                out = Columns(self.df).days(column)
            out += self.shift
            if column in self._close_columns:
                np.fmin(out, self.close, out=out)  # missing: closed at the stretch's end
            return out

        return self.memo(("area days", column), compute)  # type: ignore[return-value]


class _Family(NamedTuple):
    table: str
    required: tuple[str, ...]
    run: Callable[[Mapping[str, _AreaColumns], Periods], list[pd.DataFrame]]
    open_medians: bool = False  # the waiting list: its medians too (:func:`_open_medians`)


def _closed_requests(t: Mapping[str, _AreaColumns], periods: Periods) -> list[pd.DataFrame]:
    closing = t["requests closing"]
    closed = ehcp.closed_date(closing)  # computed once per wrapper and kept: closed in place
    np.fmin(closed, closing.close, out=closed)
    return ehcp.open_by_period(closing, periods)


_FAMILIES = (
    _Family("requests", ehcp.TIMELINESS_REQUIRED, lambda t, p: ehcp.timeliness_by_period(
        t["requests"], p)),
    _Family("requests", ehcp.REQUESTS_REQUIRED, lambda t, p: ehcp.requests_by_period(
        t["requests"], p)),
    _Family("requests", ehcp.DECISIONS_REQUIRED, lambda t, p: ehcp.decisions_by_period(
        t["requests"], p)),
    _Family("requests", ehcp.OPEN_REQUIRED, _closed_requests),
    _Family("reviews", reviews.DECISION_REQUIRED, lambda t, p: reviews.decision_by_period(
        t["reviews"], p)),
    _Family("reviews", reviews.MEETING_REQUIRED, lambda t, p: reviews.meeting_by_period(
        t["reviews"], p)),
    _Family("reviews", reviews.OVERDUE_REQUIRED, lambda t, p: reviews.overdue_by_period(
        t["reviews closing"], p)),
    _Family("referrals", waits.LIST_REQUIRED, lambda t, p: waits.list_by_period(
        t["referrals"], p, (), medians=False), open_medians=True),
    _Family("referrals", waits.CHILDREN_REQUIRED, lambda t, p: waits.children_by_period(
        t["referrals"], p, ())),
    _Family("referrals", waits.SEEN_REQUIRED, lambda t, p: waits.seen_by_period(
        t["referrals"], p, ())),
    _Family("referrals", waits.AUTISM_REQUIRED, lambda t, p: waits.autism_by_period(
        t["referrals"], p)),
)
_CLOSE: dict[str, tuple[tuple[str, ...], tuple[str, ...] | None]] = {
    "requests": ((), ()),
    "reviews": ((), ("review_meeting_date",)),
    "referrals": (("removed_date",), None),
}
"""Per table, the dates whose absence means "still open", read as the end of the area's stretch.

First for every family of the table, then (``None``: no second wrapper) for
its snapshot family alone: a review's missing meeting date means open for
``ar_overdue`` but no meeting for the others; a referral's removal date is
read only by the waiting list. A request's closing date is closed where it
is computed (:func:`_closed_requests`).
"""


def _open_medians(
    referrals: _AreaColumns, periods: Periods, n_windows: int
) -> list[pd.DataFrame]:
    """``wait_median_open_weeks`` of every (service, area, window end).

    The median of the days waited so far by the referrals on the list at each
    period end, over seven (the waiting list's own definition, one pass for
    every end rather than one per end). A referral is on the list at
    ``n_windows`` consecutive ends at most: its own area's.
    """
    group, names = referrals.groups("service")
    since, until = waits.open_ends(referrals, periods)
    on = np.flatnonzero(since < until)
    group, since, until = group[on], since[on], until[on]
    referred = referrals.days("referral_date")[on]
    k = len(periods)
    keys, waited = [], []
    for step in range(n_windows):
        end = since + step
        at = end < until
        keys.append(group[at] * k + end[at])
        waited.append(periods.ends[end[at]] - referred[at])
    key = np.concatenate(keys)
    median = quantiles_by(key, np.concatenate(waited), len(names) * k, (0.5,))[0] / 7
    n = np.bincount(key, minlength=len(names) * k)
    return [statistic_rows("wait_median_open_weeks", median.reshape(-1, k), n.reshape(-1, k),
                           names)]


def _factorize(column: pd.Series) -> tuple[np.ndarray, list[object]]:
    """Code of each row (``-1`` where missing) and the values the codes stand for.

    A categorical column's own codes are used (no hashing); only the
    categories some row holds are kept.

    >>> codes, values = _factorize(pd.Series(["b", "a", None, "b"],
    ...                                      dtype=pd.CategoricalDtype(["a", "b", "c"])))
    >>> codes.tolist(), values
    ([1, 0, -1, 1], ['a', 'b'])
    """
    if not isinstance(column.dtype, pd.CategoricalDtype):
        codes, uniques = pd.factorize(column, sort=False)
        return codes, list(uniques)
    codes = column.cat.codes.to_numpy()
    held = np.bincount(codes[codes >= 0], minlength=len(column.cat.categories)) > 0
    if held.all():
        return codes, list(column.cat.categories)
    renumber = np.append(np.cumsum(held) - 1, -1)  # code -1 (missing) picks the last entry
    return renumber[codes], list(column.cat.categories[held])


def _area_codes(
    tables: Mapping[str, pd.DataFrame], by: str, pool: Executor | None = None
) -> tuple[list[object], dict[str, np.ndarray]]:
    """The areas (sorted) and each splittable table's area index per row."""
    names = [name for name, frame in tables.items() if frame is not None and by in frame.columns]
    factorized = {}
    for name, (codes, uniques) in zip(
        names, _map(pool, lambda name: _factorize(tables[name][by]), names), strict=True
    ):
        missing = int((codes < 0).sum())
        if missing:
            raise ParameterError(
                f"kpis_by_area: the {name} table's column {by} is missing in {missing} "
                f"row(s); every record must name its area"
            )
        factorized[name] = (codes, uniques)
    if not factorized:
        raise ParameterError(f"kpis_by_area: no table has the column {by} to split by")
    areas = sorted({u for _, uniques in factorized.values() for u in uniques})
    position = {a: i for i, a in enumerate(areas)}
    return areas, {
        name: np.array([position[u] for u in uniques], dtype=np.intp)[codes]
        if len(codes) else np.zeros(0, dtype=np.intp)
        for name, (codes, uniques) in factorized.items()
    }


def _map(pool: Executor | None, fn: Callable[[_T], _R], items: Iterable[_T]) -> list[_R]:
    """``[fn(x) for x in items]``, in ``pool``'s threads when there is one (numpy frees the GIL).

    >>> _map(None, abs, [-1, 2])
    [1, 2]
    """
    return list(pool.map(fn, items)) if pool is not None else [fn(x) for x in items]


def _day_range(
    tables: Mapping[str, pd.DataFrame],
    windows: Sequence[tuple[pd.Timestamp, pd.Timestamp]],
    pool: Executor | None = None,
) -> tuple[float, float, dict[str, dict[str, np.ndarray]]]:
    """The first and last day of every event date and period, and the dates' day numbers."""

    def read(name: str) -> dict[str, np.ndarray]:
        columns = Columns(tables[name])
        return {
            c: columns.days(c) for c in EVENT_DATES[name] if c in columns.columns and len(columns)
        }

    names = [name for name in _CLOSE if name in tables]
    raw = dict(zip(names, _map(pool, read, names), strict=True))
    days = [day_number(d) for w in windows for d in w]
    for values in (v for dates in raw.values() for v in dates.values()):
        first, last = np.fmin.reduce(values), np.fmax.reduce(values)  # NaN ignored
        if np.isfinite(first):
            days += [float(first), float(last)]
    return min(days), max(days), raw


def _coverage(
    tables: Mapping[str, pd.DataFrame],
    area: Mapping[str, np.ndarray],
    n_areas: int,
    data_from: Mapping[str, DateLike] | None,
) -> list[dict[str, pd.Timestamp]]:
    """Each area's ``data_from`` per table, as ``resolve_data_from`` gives it for the area.

    A table the caller gives no ``data_from`` for covers, in each area, from
    :func:`coverage_start` of the area's own records (the continuity rule is
    per area: one area's stray early records are no other's).
    """
    given = {k: v for k, v in (data_from or {}).items() if v is not None}
    out: list[dict[str, pd.Timestamp]] = [{} for _ in range(n_areas)]
    for name, frame in tables.items():
        if name in given:
            first = as_timestamp(given[name], f"data_from.{name}")
            for cover in out:
                cover[name] = first
            continue
        if name not in EVENT_DATES:
            continue
        dates = frame[[c for c in EVENT_DATES[name] if c in frame.columns]]
        order = np.argsort(area[name], kind="stable")
        bounds = np.searchsorted(area[name][order], np.arange(n_areas + 1))
        for i in range(n_areas):
            first = coverage_start(name, dates.iloc[order[bounds[i]:bounds[i + 1]]])
            if first is not None:
                out[i][name] = first
    return out


def _family_frames(
    prepared: Mapping[str, _AreaColumns],
    n_areas: int,
    windows: Sequence[tuple[pd.Timestamp, pd.Timestamp]],
    span: float,
    pool: Executor | None = None,
) -> pd.DataFrame:
    """Family rows of every (area, window): ``area`` and ``window`` columns added."""
    order = sorted(range(len(windows)), key=lambda i: windows[i][0])
    apart = all(windows[a][1] < windows[b][0] for a, b in zip(order, order[1:], strict=False))
    passes = [order] if apart else [[i] for i in order]
    frames = []
    shifts = np.arange(n_areas, dtype="float64") * span
    for chosen in passes:
        starts = np.array([day_number(windows[i][0]) for i in chosen])
        ends = np.array([day_number(windows[i][1]) for i in chosen])
        periods = Periods(
            (shifts[:, None] + starts[None, :]).reshape(-1),
            (shifts[:, None] + ends[None, :]).reshape(-1),
        )
        rows = _rows(prepared, periods, len(chosen), pool)
        every = finish(rows, keep_period=True)
        p = every["period"].to_numpy().astype(np.intp)
        every["area"] = p // len(chosen)
        every["window"] = np.asarray(chosen)[p % len(chosen)]
        frames.append(every.drop(columns="period"))
    return pd.concat(frames, ignore_index=True)


def _warm(prepared: Mapping[str, _AreaColumns], periods: Periods, name: str) -> None:
    """Read the dates and codes several families of table ``name`` share, once, before they run.

    The referrals' period ends on the list (:func:`waits.open_ends`) too: the
    list, its medians and children waiting read them.
    """
    for key in (name, f"{name} closing"):
        table = prepared.get(key)
        if table is None:
            continue
        for column in EVENT_DATES[name]:
            if column in table.columns:
                table.days(column)
        for column in _SHARED_CODES.get(name, ()):
            if column in table.columns:
                table.groups(column)  # the codes too
    referrals = prepared.get("referrals")
    if name == "referrals" and all(c in referrals.columns for c in waits.LIST_REQUIRED):
        waits.open_ends(referrals, periods)


def _rows(
    prepared: Mapping[str, _AreaColumns],
    periods: Periods,
    n_windows: int,
    pool: Executor | None = None,
) -> list[pd.DataFrame]:
    """Every family's rows (and the open waiting list's medians), each family a task of ``pool``.

    The tables' shared dates and codes are read first (a table at a time),
    so that no two families read the same column at once; the referrals'
    families, the costliest, start first.
    """
    tasks: list[tuple[int, Callable[[], list[pd.DataFrame]]]] = []
    for i, family in enumerate(_FAMILIES):
        table = prepared.get(family.table)
        if table is not None and all(c in table.columns for c in family.required):
            tasks.append((i, partial(family.run, prepared, periods)))
            if family.open_medians:
                medians = partial(_open_medians, prepared["referrals"], periods, n_windows)
                tasks.append((len(_FAMILIES), medians))
    _map(pool, partial(_warm, prepared, periods), [name for name in _CLOSE if name in prepared])
    first = sorted(tasks, key=lambda t: t[0] >= len(_FAMILIES)
                   or _FAMILIES[t[0]].table != "referrals")
    done = dict(_map(pool, lambda t: (t[0], t[1]()), first))
    return [r for i, _ in tasks for r in done[i]]


def _measure_rows(
    tables: Mapping[str, pd.DataFrame],
    by: str,
    areas: Sequence[object],
    windows: Sequence[tuple[pd.Timestamp, pd.Timestamp]],
) -> pd.DataFrame | None:
    frame = tables.get("measures")
    if frame is None:
        return None
    parts = []
    for j, (start, end) in enumerate(windows):
        if by in frame.columns:
            groups = dict(tuple(frame.groupby(by, sort=False)))
            for i, a in enumerate(areas):
                part = groups.get(a, frame.iloc[:0])
                rows = measures.measure_kpis(part, period_start=start, period_end=end)
                parts.append(rows.assign(area=i, window=j))
        else:
            rows = measures.measure_kpis(frame, period_start=start, period_end=end)
            parts.append(
                pd.concat([rows.assign(area=i, window=j) for i in range(len(areas))],
                          ignore_index=True)
            )
    out = pd.concat(parts, ignore_index=True)
    if "unit" not in out.columns:
        out["unit"] = out["kpi_id"].map(_UNITS)
    return out


def _with_reasons(
    out: pd.DataFrame,
    windows: Sequence[tuple[pd.Timestamp, pd.Timestamp]],
    coverage: Sequence[Mapping[str, pd.Timestamp]],
) -> pd.DataFrame:
    ids: dict[tuple, int] = {}
    cover_id = np.array([ids.setdefault(tuple(sorted(c.items())), len(ids)) for c in coverage])
    # one reason per distinct (KPI, window, coverage), not per row
    kpi, kpi_ids = pd.factorize(out["kpi_id"])
    window, area = out["window"].to_numpy(), out["area"].to_numpy()
    key = (kpi * len(windows) + window) * len(ids) + cover_id[area]
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    reasons = [
        unavailable_reason(kpi_ids[kpi[i]], *windows[window[i]], coverage[area[i]]) for i in first
    ]
    out["reason"] = np.asarray(reasons, dtype=object)[inverse.reshape(-1)]
    blank = (out["reason"] != "").to_numpy()
    for col in _FIGURES:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
        if blank.any():
            out[col] = out[col].mask(blank)
    empty = out["value"].isna().to_numpy() & ~blank
    out.loc[empty, "reason"] = _EMPTY_REASON
    return out


def kpis_by_area(
    tables: Mapping[str, pd.DataFrame],
    by: str = "la_code",
    *,
    period_start: DateLike,
    period_end: DateLike,
    previous_period_end: DateLike | None = None,
    data_from: Mapping[str, DateLike] | None = None,
) -> pd.DataFrame:
    """Every KPI of every area, as :func:`compute_kpis` gives each area's, in one pass.

    Every table holding the column ``by`` is split by it; a ``measures``
    table without it is every area's. Each area's rows are the rows
    :func:`compute_kpis` gives for that area's records alone (with no plan):
    the same figures, reasons (``data_from`` by default from the area's own
    earliest event date) and previous-period values.

    Parameters
    ----------
    tables
        Validated tables by name, as for :func:`compute_kpis`; ``requests``,
        ``reviews`` and ``referrals`` (each optional) must have ``by``.
    by
        The column naming each record's area (a local authority's code).
    period_start, period_end, previous_period_end, data_from
        As for :func:`compute_kpis`.

    Returns
    -------
    pandas.DataFrame
        ``by`` then :data:`KPI_COLUMNS` and :data:`REASON_COLUMNS`: one row per
        area (sorted), KPI and service, each area's rows in
        :func:`compute_kpis` order. Per-service KPIs have a row for each
        service in the area's own referrals.

    Raises
    ------
    ParameterError
        If no table has ``by``, a case-data table lacks it or has a row
        without an area, a date is not a date, or a period ends before it
        starts.

    Examples
    --------
    >>> r = pd.DataFrame({"la_code": ["E1", "E1", "E2"],
    ...                   "received_date": pd.to_datetime(["2024-01-01", "2023-01-01",
    ...                                                    "2024-02-01"]),
    ...                   "plan_issued_date": pd.to_datetime(["2024-03-01", "2024-03-01",
    ...                                                       "2024-03-01"])})
    >>> k = kpis_by_area({"requests": r}, period_start="2024-01-01", period_end="2024-03-31",
    ...                  data_from={"requests": "2022-01-01"})
    >>> k.loc[k["kpi_id"] == "ehcp_20wk_excl", ["la_code", "value", "numerator", "denominator"]]
      la_code  value  numerator  denominator
    0      E1   50.0          1            2
    7      E2  100.0          1            1
    """
    start = as_timestamp(period_start, "period_start")
    end = as_timestamp(period_end, "period_end")
    if end < start:
        raise ParameterError(
            f"period_end must be on or after period_start ({start.date()}), not {end.date()}"
        )
    tables = {name: frame for name, frame in tables.items() if frame is not None}
    for name in _CLOSE:
        if name in tables and by not in tables[name].columns:
            raise ParameterError(
                f"kpis_by_area: the {name} table has no column {by}; "
                f"every case-data table must name each record's area"
            )
    windows = [(start, end)]
    if previous_period_end is not None:
        prev_end = as_timestamp(previous_period_end, "previous_period_end")
        windows.append((previous_start(start, end, prev_end), prev_end))
    workers = os.cpu_count() or 1
    big = workers > 1 and sum(len(tables[n]) for n in _CLOSE if n in tables) >= _THREADS_FROM
    with ThreadPoolExecutor(workers) if big else nullcontext() as pool:
        areas, area = _area_codes(tables, by, pool)
        n_areas = len(areas)
        if not n_areas:
            return pd.DataFrame(columns=[by, *KPI_COLUMNS, *REASON_COLUMNS])
        first, last, raw = _day_range(tables, windows, pool)
        span = float(last - first + 1 + _MARGIN)
        prepared: dict[str, _AreaColumns] = {}
        for name, (main_close, snapshot_close) in _CLOSE.items():
            if name not in tables:
                continue
            main = _AreaColumns(
                tables[name], area[name], span, last + 1, close_columns=main_close, raw=raw[name]
            )
            prepared[name] = main
            if snapshot_close is not None:
                prepared[f"{name} closing"] = _AreaColumns(
                    tables[name], area[name], span, last + 1, close_columns=snapshot_close,
                    base=main,
                )
        family = _family_frames(prepared, n_areas, windows, span, pool)
    family = _present_services(family, prepared, area, n_areas)
    family["unit"] = family["kpi_id"].map(_UNITS)
    measure = _measure_rows(tables, by, areas, windows)
    out = family if measure is None else pd.concat([family, measure], ignore_index=True)
    coverage = _coverage(tables, area, n_areas, data_from)
    out = _with_reasons(out, windows, coverage)
    return _assemble(out, by, areas, windows)


def _present_services(
    family: pd.DataFrame,
    prepared: Mapping[str, _AreaColumns],
    area: Mapping[str, np.ndarray],
    n_areas: int,
) -> pd.DataFrame:
    """Drop per-service rows of a service the area's own referrals do not hold."""
    referrals = prepared.get("referrals")
    if referrals is None or "service" not in referrals.columns:
        return family
    group, names = referrals.groups("service")
    if not names:  # no referral: no per-service row either
        return family
    held = np.bincount(area["referrals"] * len(names) + group,
                       minlength=n_areas * len(names)).reshape(n_areas, len(names)) > 0
    position = {s: i for i, s in enumerate(names)}
    per_service = family["kpi_id"].isin(list(_PER_SERVICE)).to_numpy()
    g = family["service"].map(position).fillna(-1).to_numpy().astype(np.intp)
    keep = ~per_service | ((g >= 0) & held[family["area"].to_numpy(), np.maximum(g, 0)])
    return family.loc[keep].reset_index(drop=True)


def _assemble(
    out: pd.DataFrame,
    by: str,
    areas: Sequence[object],
    windows: Sequence[tuple[pd.Timestamp, pd.Timestamp]],
) -> pd.DataFrame:
    """The ``kpis.csv`` frame of every area from the rows of every (area, window)."""
    now = out[out["window"].to_numpy() == 0].reset_index(drop=True)
    start, end = windows[0]
    counts = now["kpi_id"].isin(list(PERIOD_COUNTS)).to_numpy(dtype=bool)
    if len(windows) > 1:
        prev = out[out["window"].to_numpy() == 1]
        prev = prev.drop_duplicates(["area", "kpi_id", "service"], keep="last")
        prev = prev.loc[:, ["area", "kpi_id", "service", "value", "reason"]].rename(
            columns={"value": "_previous", "reason": "_previous_reason"}
        )
        now = now.merge(prev, on=["area", "kpi_id", "service"], how="left", sort=False)
        scale = length_ratio(start, end, *windows[1])
        values = now["_previous"].to_numpy(dtype="float64")
        now["previous"] = np.where(counts, values * scale, values)
        now["previous_reason"] = now["_previous_reason"].fillna(
            "not computed for the previous period"
        )
        now = now.drop(columns=["_previous", "_previous_reason"])
    else:
        now["previous"] = np.nan
        now["previous_reason"] = NO_PREVIOUS
    now["baseline"] = np.nan
    now["baseline_reason"] = "no baseline period given"
    now["target"] = np.nan
    now["period_start"] = start
    now["period_end"] = end
    now = kpi_types(now)
    rank = now["kpi_id"].map(_ORDER).fillna(len(_ORDER)).astype("int64")
    now = now.assign(_rank=rank).sort_values(
        ["area", "_rank", "kpi_id", "service"], kind="stable"
    )
    now.insert(0, by, np.asarray(areas, dtype=object)[now["area"].to_numpy()])
    return now.loc[:, [by, *KPI_COLUMNS, *REASON_COLUMNS]].reset_index(drop=True)

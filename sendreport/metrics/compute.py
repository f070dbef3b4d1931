"""The whole KPI suite: ``compute_kpis`` (one period, ``kpis.csv``) and ``kpi_series`` (months).

Both run the same family functions, for one period or for every calendar
month at once, so a month's figure is the period figure for that month.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

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
    single_period,
)
from sendreport.metrics.actions import action_kpis
from sendreport.metrics.coverage import (
    KPI_TABLES,
    SNAPSHOTS,
    NotAvailable,
    history_needed,
    history_reason,
    resolve_data_from,
    unavailable_reason,
)
from sendreport.metrics.definitions import KPI_DEFINITIONS
from sendreport.plan import Plan

__all__ = [
    "KPI_COLUMNS",
    "PERIOD_COUNTS",
    "REASON_COLUMNS",
    "SERIES_COLUMNS",
    "compute_kpis",
    "compute_kpis_for_periods",
    "kpi_types",
    "kpi_series",
    "length_ratio",
    "period_months",
    "previous_start",
]

KPI_COLUMNS = (
    "kpi_id",
    "service",
    "period_start",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "unit",
    "lower_ci",
    "upper_ci",
    "baseline",
    "target",
    "previous",
)
"""Columns of :func:`compute_kpis`, in order; :data:`REASON_COLUMNS` follow."""

REASON_COLUMNS = ("reason", "baseline_reason", "previous_reason")
"""Why ``value``, ``baseline`` and ``previous`` are not available (``""`` when they are)."""

SERIES_COLUMNS = (
    "kpi_id",
    "service",
    "month",
    "value",
    "numerator",
    "denominator",
    "lower_ci",
    "upper_ci",
    "reason",
    "not_available",
)
"""Columns of :func:`kpi_series`, in order.

``reason`` is in words; ``not_available`` is its :class:`NotAvailable`
member (``None`` when there is a figure), for code to test.
"""


class _Family(NamedTuple):
    table: str
    required: tuple[str, ...]
    compute: Callable[..., list[pd.DataFrame]]
    per_service: bool = False
    monthly: bool = True  # gives at least one KPI of the monthly series


_FAMILIES = (
    _Family("requests", ehcp.TIMELINESS_REQUIRED, ehcp.timeliness_by_period),
    _Family("requests", ehcp.REQUESTS_REQUIRED, ehcp.requests_by_period, monthly=False),
    _Family("requests", ehcp.DECISIONS_REQUIRED, ehcp.decisions_by_period),
    _Family("requests", ehcp.OPEN_REQUIRED, ehcp.open_by_period, monthly=False),
    _Family("reviews", reviews.DECISION_REQUIRED, reviews.decision_by_period),
    _Family("reviews", reviews.MEETING_REQUIRED, reviews.meeting_by_period),
    _Family("reviews", reviews.OVERDUE_REQUIRED, reviews.overdue_by_period, monthly=False),
    _Family("referrals", waits.LIST_REQUIRED, waits.list_by_period, per_service=True),
    _Family("referrals", waits.CHILDREN_REQUIRED, waits.children_by_period, per_service=True),
    _Family(
        "referrals", waits.SEEN_REQUIRED, waits.seen_by_period, per_service=True, monthly=False
    ),
    _Family("referrals", waits.AUTISM_REQUIRED, waits.autism_by_period),
)
_ORDER = {kpi_id: i for i, kpi_id in enumerate(KPI_DEFINITIONS)}
_THREADS_FROM = 200_000
"""Rows (all tables) from which each table's families run in a thread of their own."""


def _prepare(tables: Mapping[str, pd.DataFrame]) -> dict[str, Columns]:
    return {f.table: Columns(tables[f.table]) for f in _FAMILIES if tables.get(f.table) is not None}


def _family_rows(
    tables: Mapping[str, Columns],
    periods: Periods,
    services: Sequence[str],
    *,
    monthly_only: bool = False,
) -> list[pd.DataFrame]:
    """Rows of every family the tables allow, in family order.

    Each table's families run in a thread of their own (numpy and pandas
    release the GIL over large arrays; a table's ``Columns`` is only ever used
    by its own thread), so the three case-data tables use both cores.
    """
    by_table: dict[str, list[tuple[int, _Family]]] = {}
    for i, family in enumerate(_FAMILIES):
        table = tables.get(family.table)
        if table is None or any(c not in table.columns for c in family.required):
            continue
        if monthly_only and not family.monthly:
            continue
        by_table.setdefault(family.table, []).append((i, family))

    def run(name: str) -> list[tuple[int, list[pd.DataFrame]]]:
        table = tables[name]
        out = []
        for i, family in by_table[name]:
            if family.compute is waits.list_by_period:
                rows = family.compute(table, periods, services, medians=not monthly_only)
            elif family.per_service:
                rows = family.compute(table, periods, services)
            else:
                rows = family.compute(table, periods)
            out.append((i, rows))
        return out

    workers = min(len(by_table), os.cpu_count() or 1)
    if workers > 1 and sum(len(tables[name]) for name in by_table) >= _THREADS_FROM:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            done = [part for parts in pool.map(run, by_table) for part in parts]
    else:
        done = [part for name in by_table for part in run(name)]
    rows = [r for _, family_rows in sorted(done, key=lambda p: p[0]) for r in family_rows]
    if monthly_only:
        rows = [r for r in rows if len(r) and KPI_DEFINITIONS[r["kpi_id"].iloc[0]].monthly]
    return rows


def _services(plan: Plan | None) -> list[str]:
    if plan is None:
        return []
    per_service = {k for k, d in KPI_DEFINITIONS.items() if d.per_service}
    return sorted({k.service for _, k in plan.kpis if k.id in per_service and k.service})


def _sort(out: pd.DataFrame, *extra: str) -> pd.DataFrame:
    rank = out["kpi_id"].map(_ORDER).fillna(len(_ORDER)).astype("int64")
    return (
        out.assign(_rank=rank)
        .sort_values(["_rank", "kpi_id", "service", *extra], kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )


def _family_frames(
    prepared: Mapping[str, Columns],
    windows: Sequence[tuple[pd.Timestamp, pd.Timestamp]],
    services: Sequence[str],
) -> list[pd.DataFrame]:
    """Family rows of each window ``(start, end)``: one pass over the data when none overlap."""
    order = sorted(range(len(windows)), key=lambda i: windows[i][0])
    apart = all(windows[a][1] < windows[b][0] for a, b in zip(order, order[1:], strict=False))
    if not apart:
        return [finish(_family_rows(prepared, single_period(s, e), services)) for s, e in windows]
    periods = Periods(
        np.array([day_number(windows[i][0]) for i in order], dtype="float64"),
        np.array([day_number(windows[i][1]) for i in order], dtype="float64"),
    )
    every = finish(_family_rows(prepared, periods, services), keep_period=True)
    frames: list[pd.DataFrame] = [pd.DataFrame()] * len(windows)
    for position, i in enumerate(order):
        part = every[every["period"].to_numpy() == position]
        frames[i] = part.drop(columns="period").reset_index(drop=True)
    return frames


def _rows_for(
    tables: Mapping[str, pd.DataFrame],
    family: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    plan: Plan | None,
    *,
    previous: bool,
) -> pd.DataFrame:
    out = family.copy()
    out["unit"] = out["kpi_id"].map({k: d.unit for k, d in KPI_DEFINITIONS.items()})
    extra = []
    if plan is not None:
        extra.append(action_kpis(plan, at=end, from_history=previous))
    if tables.get("measures") is not None:
        extra.append(measures.measure_kpis(tables["measures"], period_start=start, period_end=end))
    for frame in extra:
        if "unit" not in frame.columns:
            frame = frame.assign(
                unit=frame["kpi_id"].map({k: d.unit for k, d in KPI_DEFINITIONS.items()})
            )
        out = pd.concat([out, frame], ignore_index=True) if len(out) else frame
    return out


def _is_month_end(day: pd.Timestamp) -> bool:
    return day == day + pd.offsets.MonthEnd(0)


def previous_start(
    start: pd.Timestamp, end: pd.Timestamp, previous_end: pd.Timestamp
) -> pd.Timestamp:
    """Start of the period of the same length as ``start..end`` that ends on ``previous_end``.

    Whole calendar months (a period from the 1st of a month to a month end,
    and a previous end on a month end) give the same number of months; any
    other period gives the same number of days.

    Examples
    --------
    >>> t = pd.Timestamp
    >>> previous_start(t("2024-07-01"), t("2024-12-31"), t("2024-06-30")).date()
    datetime.date(2024, 1, 1)
    >>> previous_start(t("2024-07-01"), t("2024-07-10"), t("2024-06-30")).date()
    datetime.date(2024, 6, 21)
    """
    if start.day == 1 and _is_month_end(end) and _is_month_end(previous_end):
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        return (previous_end.to_period("M") - (months - 1)).start_time
    return previous_end - (end - start)


def period_months(start: pd.Timestamp, end: pd.Timestamp) -> float:
    """The length of ``start..end`` (both days included) in months.

    Whole calendar months (from the 1st of a month to a month end) count as
    they are; any other period as its days over the mean month (365.25 / 12).

    Examples
    --------
    >>> t = pd.Timestamp
    >>> period_months(t("2022-04-01"), t("2023-03-31")), period_months(t("2024-07-01"),
    ...                                                                t("2024-12-31"))
    (12.0, 6.0)
    >>> round(period_months(t("2024-07-01"), t("2024-07-31") - pd.Timedelta(days=15)), 3)
    0.526
    """
    if start.day == 1 and _is_month_end(end):
        return float((end.year - start.year) * 12 + end.month - start.month + 1)
    return ((end - start).days + 1) / (365.25 / 12)


def length_ratio(
    start: pd.Timestamp, end: pd.Timestamp, other_start: pd.Timestamp, other_end: pd.Timestamp
) -> float:
    """The period's months over the other period's: what a count over the other is scaled by.

    SPEC 5: a count over a period is compared only with a count over the
    same number of months, so a baseline or previous period of another length
    is scaled to the period's length (count x period months / its months).

    Two periods of whole calendar months compare their months; any other pair
    their days (a previous period of the same days is not scaled).

    Examples
    --------
    Six months against a baseline year: the baseline's 1,096 requests become 548.

    >>> t = pd.Timestamp
    >>> 1096 * length_ratio(t("2024-07-01"), t("2024-12-31"), t("2022-04-01"), t("2023-03-31"))
    548.0
    >>> length_ratio(t("2024-02-01"), t("2024-04-30"), t("2023-11-02"), t("2024-01-30"))
    1.0
    """
    whole = start.day == 1 and _is_month_end(end)
    if whole and other_start.day == 1 and _is_month_end(other_end):
        return period_months(start, end) / period_months(other_start, other_end)
    return ((end - start).days + 1) / ((other_end - other_start).days + 1)


_FIGURES = ("value", "numerator", "denominator", "lower_ci", "upper_ci")
PERIOD_COUNTS = frozenset(
    k for k in KPI_TABLES
    if k not in SNAPSHOTS and k in KPI_DEFINITIONS and KPI_DEFINITIONS[k].unit == "count"
)
"""Counts over a period (not as at a date): scaled when compared with another length."""
_PER_SERVICE = frozenset(k for k, d in KPI_DEFINITIONS.items() if d.per_service)
EMPTY_REASON = NotAvailable.NOTHING_TO_MEASURE.describe()
"""Reason of a figure whose denominator is empty (no plan issued, nobody on the list)."""


def _services_in_data(prepared: Mapping[str, Columns]) -> set[str] | None:
    referrals = prepared.get("referrals")
    if referrals is None or "service" not in referrals.columns:
        return None
    return set(referrals.groups("service")[1])


def _with_reasons(
    out: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    coverage: Mapping[str, pd.Timestamp],
    in_data: set[str] | None,
) -> pd.DataFrame:
    """Blank every figure that is not available and say why in ``reason``."""
    reasons = []
    for kpi_id, service in zip(out["kpi_id"], out["service"], strict=True):
        reason = unavailable_reason(kpi_id, start, end, coverage)
        if kpi_id in _PER_SERVICE and service and in_data is not None and service not in in_data:
            reason = NotAvailable.NO_REFERRAL.describe(service=service)
        reasons.append(reason)
    out = out.assign(reason=reasons)
    blank = (out["reason"] != "").to_numpy()
    if blank.any():
        for col in _FIGURES:
            out[col] = out[col].astype("float64").mask(blank)
    empty = out["value"].isna().to_numpy() & ~blank
    out.loc[empty, "reason"] = EMPTY_REASON
    return out


def _plan_rows(
    out: pd.DataFrame, plan: Plan | None, tables: Mapping[str, pd.DataFrame]
) -> pd.DataFrame:
    """Rows for the plan's KPIs the data do not give, with the reason.

    A plan KPI that is no case-data KPI is a measure: without a ``measures``
    table it has a row saying so.
    """
    if plan is None:
        return out
    have = set(zip(out["kpi_id"], out["service"], strict=True))
    missing = []
    for _, k in plan.kpis:
        key = (k.id, k.service or "")
        table = KPI_TABLES.get(k.id)
        if table is None and k.id not in KPI_DEFINITIONS and tables.get("measures") is None:
            table = "measures"
        if table is None or key in have:
            continue
        have.add(key)
        missed = (
            NotAvailable.TABLE_NOT_GIVEN
            if tables.get(table) is None
            else NotAvailable.COLUMNS_MISSING
        )
        reason = missed.describe(table=table)
        missing.append({"kpi_id": k.id, "service": key[1], "reason": reason})
    if not missing:
        return out
    extra = pd.DataFrame(missing).assign(  # a measure's unit is in the table not given
        unit=lambda f: f["kpi_id"].map({k: d.unit for k, d in KPI_DEFINITIONS.items()}).fillna("")
    )
    return pd.concat([out, extra], ignore_index=True)


def _figures(
    tables: Mapping[str, pd.DataFrame],
    prepared: Mapping[str, Columns],
    windows: Sequence[tuple[pd.Timestamp, pd.Timestamp, bool]],
    plan: Plan | None,
    coverage: Mapping[str, pd.Timestamp],
) -> list[pd.DataFrame]:
    """Every KPI of each window ``(start, end, from_history)``, with the reasons."""
    families = _family_frames(prepared, [(s, e) for s, e, _ in windows], _services(plan))
    in_data = _services_in_data(prepared)
    out = []
    for family, (start, end, history) in zip(families, windows, strict=True):
        rows = _rows_for(tables, family, start, end, plan, previous=history)
        rows = _with_reasons(rows, start, end, coverage, in_data)
        out.append(_plan_rows(rows, plan, tables))
    return out


def _lookup(out: pd.DataFrame, other: pd.DataFrame, column: str) -> list:
    key = dict(zip(zip(other["kpi_id"], other["service"], strict=True), other[column], strict=True))
    return [key.get(p) for p in zip(out["kpi_id"], out["service"], strict=True)]


def compute_kpis(
    tables: Mapping[str, pd.DataFrame],
    *,
    period_start: DateLike,
    period_end: DateLike,
    plan: Plan | None = None,
    previous_period_end: DateLike | None = None,
    baseline_period_start: DateLike | None = None,
    baseline_period_end: DateLike | None = None,
    data_from: Mapping[str, DateLike] | None = None,
) -> pd.DataFrame:
    """Every KPI the supplied tables (and plan) allow, for one period: the ``kpis.csv`` frame.

    Parameters
    ----------
    tables
        Validated tables by name: ``requests``, ``reviews``, ``referrals``,
        ``measures`` (each optional). A KPI whose table or columns are absent
        is left out, unless the plan names it (then its row says why it is not
        available); per-service KPIs have one row per service in
        ``referrals`` (and per service the plan names).
    period_start, period_end
        The reporting period, both days included (ISO string, date or Timestamp).
    plan
        The improvement plan: adds the action KPIs, and ``baseline`` and
        ``target`` of the KPIs it names (matched on id and service).
    previous_period_end
        End of the period of the same length whose value goes in ``previous``
        (the last stocktake): the same number of calendar months when the
        periods are whole months, else of days (:func:`previous_start`).
        Snapshot KPIs are taken as at that date; action KPIs there come from
        the actions' status history.
    baseline_period_start, baseline_period_end
        The baseline period: ``baseline`` is the KPI over it (snapshot KPIs as
        at its end) when the plan gives no baseline for the KPI.
    data_from
        The first date each table covers (SPEC 3), by table name; a table not
        named here covers from the first day of the month of its earliest
        event date (:func:`sendreport.metrics.coverage.default_data_from`).

    Returns
    -------
    pandas.DataFrame
        :data:`KPI_COLUMNS` then :data:`REASON_COLUMNS`. One row per KPI
        (and service) in definition order then service, measures (``kpi_id``
        the ``measure_id``) last. Percentages are 0-100 at full precision
        with Wilson 95% limits. A figure that is not available (its table
        not given, its service with no referral at all, history needed from
        before ``data_from``, or nothing to measure) is NaN, with the reason
        in ``reason`` (``baseline_reason`` and ``previous_reason`` for those
        columns; ``""`` when there is a figure).
        ``service`` is ``""`` for KPIs that are not per service.

    Raises
    ------
    ParameterError
        If a date is not a date or the period ends before it starts.

    Examples
    --------
    >>> r = pd.DataFrame({"received_date": pd.to_datetime(["2024-01-01", "2023-01-01"]),
    ...                   "plan_issued_date": pd.to_datetime(["2024-03-01", "2024-03-01"])})
    >>> k = compute_kpis({"requests": r}, period_start="2024-01-01", period_end="2024-03-31",
    ...                  data_from={"requests": "2022-01-01"})
    >>> k[["kpi_id", "value", "numerator", "denominator"]].head(3)
               kpi_id  value  numerator  denominator
    0  ehcp_20wk_excl   50.0          1            2
    1  ehcp_20wk_incl   50.0          1            2
    2     ehcp_issued    2.0          2         <NA>

    Data that begin in June 2023 cannot show which plans issued from
    January 2024 took over 52 weeks:

    >>> r = pd.DataFrame({"received_date": pd.to_datetime(["2023-06-10"]),
    ...                   "plan_issued_date": pd.to_datetime(["2024-03-01"])})
    >>> k = compute_kpis({"requests": r}, period_start="2024-01-01", period_end="2024-03-31")
    >>> k.loc[k["kpi_id"] == "ehcp_over_52wk_excl", ["value", "reason"]].to_dict("records")
    [{'value': nan, 'reason': 'needs requests from January 2023; the data cover from June 2023'}]
    """
    start = as_timestamp(period_start, "period_start")
    end = as_timestamp(period_end, "period_end")
    if end < start:
        raise ParameterError(
            f"period_end must be on or after period_start ({start.date()}), not {end.date()}"
        )
    prepared = _prepare(tables)
    coverage = resolve_data_from(tables, data_from, prepared=prepared)
    windows = [(start, end, False)]
    if previous_period_end is not None:
        prev_end = as_timestamp(previous_period_end, "previous_period_end")
        windows.append((previous_start(start, end, prev_end), prev_end, True))
    has_baseline = baseline_period_start is not None and baseline_period_end is not None
    if has_baseline:
        b_start = as_timestamp(baseline_period_start, "baseline_period_start")
        b_end = as_timestamp(baseline_period_end, "baseline_period_end")
        windows.append((b_start, b_end, True))
    figures = _figures(tables, prepared, windows, plan, coverage)
    scale = {"previous": 1.0, "baseline": 1.0}
    if previous_period_end is not None:
        scale["previous"] = length_ratio(start, end, *windows[1][:2])
    if has_baseline:
        scale["baseline"] = length_ratio(start, end, *windows[-1][:2])
    return _assemble(
        figures[0],
        start,
        end,
        plan,
        previous=figures[1] if previous_period_end is not None else None,
        baseline=figures[-1] if has_baseline else None,
        scale=scale,
    )


def compute_kpis_for_periods(
    tables: Mapping[str, pd.DataFrame],
    periods: Sequence[tuple[DateLike, DateLike]],
    *,
    plan: Plan | None = None,
    data_from: Mapping[str, DateLike] | None = None,
) -> list[pd.DataFrame]:
    """:func:`compute_kpis` of each period ``(start, end)``, with no previous period or baseline.

    The same frames as one :func:`compute_kpis` call per period, from one
    preparation of the tables, and from one pass over them when no two periods
    overlap.

    Examples
    --------
    >>> r = pd.DataFrame({"received_date": pd.to_datetime(["2023-01-01", "2023-11-01"]),
    ...                   "plan_issued_date": pd.to_datetime(["2023-03-01", "2024-03-01"])})
    >>> years = compute_kpis_for_periods({"requests": r}, [("2023-01-01", "2023-12-31"),
    ...                                                    ("2024-01-01", "2024-12-31")],
    ...                                  data_from={"requests": "2022-01-01"})
    >>> [int(f.loc[f["kpi_id"] == "ehcp_issued", "value"].iloc[0]) for f in years]
    [1, 1]
    """
    windows = []
    for period_start, period_end in periods:
        start = as_timestamp(period_start, "period_start")
        end = as_timestamp(period_end, "period_end")
        if end < start:
            raise ParameterError(
                f"period_end must be on or after period_start ({start.date()}), not {end.date()}"
            )
        windows.append((start, end, False))
    if not windows:
        return []
    prepared = _prepare(tables)
    coverage = resolve_data_from(tables, data_from, prepared=prepared)
    figures = _figures(tables, prepared, windows, plan, coverage)
    return [
        _assemble(f, start, end, plan, previous=None, baseline=None)
        for f, (start, end, _) in zip(figures, windows, strict=True)
    ]


NO_PREVIOUS = "no previous stocktake given"
"""``previous_reason`` in ``kpis.csv`` when params give no ``previous_period_end``."""


def _assemble(
    out: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    plan: Plan | None,
    *,
    previous: pd.DataFrame | None,
    baseline: pd.DataFrame | None,
    scale: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """The ``kpis.csv`` frame of a period from its figures.

    With those of the previous period and of the baseline period (each ``None``
    when not asked for). ``scale`` gives, for ``previous`` and ``baseline``, the
    period's length over theirs (:func:`length_ratio`): a count over a period
    (:data:`PERIOD_COUNTS`) computed over either is multiplied by it; a
    baseline the plan states is its own figure and kept as it is.
    """
    scale = scale or {}
    counts = out["kpi_id"].isin(list(PERIOD_COUNTS)).to_numpy(dtype=bool)
    out["previous"] = np.nan
    # every figure kpis.csv leaves empty says why (SPEC 7), as "no baseline period given" does
    out["previous_reason"] = NO_PREVIOUS
    if previous is not None:
        prev = previous
        values = pd.to_numeric(pd.Series(_lookup(out, prev, "value"), dtype="object"),
                               errors="coerce").to_numpy(dtype="float64")
        out["previous"] = np.where(counts, values * scale.get("previous", 1.0), values)
        out["previous_reason"] = [
            "not computed for the previous period" if r is None else r
            for r in _lookup(out, prev, "reason")
        ]
    computed: dict[tuple[str, str], tuple[float, str]] = {}
    if baseline is not None:
        base = baseline
        computed = {
            (k, s): (v, r)
            for k, s, v, r in zip(
                base["kpi_id"], base["service"], base["value"], base["reason"], strict=True
            )
        }
    targets = {}
    if plan is not None:
        for _, k in plan.kpis:
            targets.setdefault((k.id, k.service or ""), k)
    pairs = list(zip(out["kpi_id"], out["service"], strict=True))
    baseline, baseline_reason = [], []
    for p, count in zip(pairs, counts, strict=True):
        t = targets.get(p)
        if t is not None and t.baseline is not None:
            baseline.append(t.baseline.value)
            baseline_reason.append("")
        elif p in computed:
            value = computed[p][0]
            baseline.append(value * scale.get("baseline", 1.0) if count else value)
            baseline_reason.append(computed[p][1])
        else:
            baseline.append(np.nan)
            baseline_reason.append(
                "no baseline period given" if not computed else "not computed for the baseline"
            )
    out["baseline"] = baseline
    out["baseline_reason"] = baseline_reason
    out["target"] = [
        t.target if (t := targets.get(p)) is not None and t.target is not None else np.nan
        for p in pairs
    ]
    out["period_start"] = start
    out["period_end"] = end
    return _sort(kpi_types(out).loc[:, [*KPI_COLUMNS, *REASON_COLUMNS]])


def kpi_types(out: pd.DataFrame) -> pd.DataFrame:
    """The KPI table's columns in the types ``kpis.csv`` has (in place; returned too).

    Figures as float, counts as nullable integers, words as text (missing as
    ``""``), period bounds as dates.

    Examples
    --------
    >>> t = kpi_types(pd.DataFrame({"kpi_id": ["ehcp_issued"], "service": [None],
    ...     "unit": ["count"], "reason": [None], "baseline_reason": [None],
    ...     "previous_reason": [None], "value": ["3"], "lower_ci": [None], "upper_ci": [None],
    ...     "baseline": [None], "target": [None], "previous": [None], "numerator": [3],
    ...     "denominator": [None], "period_start": ["2024-07-01"], "period_end": ["2024-12-31"]}))
    >>> float(t["value"].iloc[0]), t["service"].iloc[0], str(t["denominator"].iloc[0])
    (3.0, '', '<NA>')
    """
    for col in ("value", "lower_ci", "upper_ci", "baseline", "target", "previous"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    for col in ("numerator", "denominator"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("Int64")
    for col in ("kpi_id", "service", "unit", "reason", "baseline_reason", "previous_reason"):
        out[col] = out[col].fillna("").astype("str")
    out["period_start"] = pd.to_datetime(out["period_start"]).astype("datetime64[ns]")
    out["period_end"] = pd.to_datetime(out["period_end"]).astype("datetime64[ns]")
    return out


def _series_reasons(
    out: pd.DataFrame, periods: Periods, coverage: Mapping[str, pd.Timestamp]
) -> np.ndarray:
    """Per row of a series, why the month's figure is not available ("" when it is)."""
    reason = np.full(len(out), "", dtype=object)
    period = out["period"].to_numpy()
    for kpi_id in pd.unique(out["kpi_id"]):
        rows = np.flatnonzero((out["kpi_id"] == kpi_id).to_numpy())
        table = KPI_TABLES.get(kpi_id)
        if table is None:
            continue
        first = coverage.get(table)
        if first is None:  # an empty table: no record, so no history is missing
            continue
        p = period[rows]
        needed = history_needed(kpi_id, periods.starts[p], periods.ends[p])
        bad = needed < day_number(first)
        dates = pd.to_datetime(needed[bad].astype("int64").astype("datetime64[D]"))
        reason[rows[bad]] = [history_reason(table, d, first) for d in dates]
    return reason


def kpi_series(
    tables: Mapping[str, pd.DataFrame],
    *,
    start: DateLike,
    end: DateLike,
    data_from: Mapping[str, DateLike] | None = None,
) -> pd.DataFrame:
    """Monthly series of every KPI defined as monthly the tables allow (for SPC charts).

    Each calendar month from the month of ``start`` to that of ``end`` is
    computed as a period (first to last day of the month) with the same
    definitions as :func:`compute_kpis` (the percentages, and the waiting lists'
    counts a plan may set count targets for); months with an empty denominator are
    kept with ``value`` NaN. Measures with 12 or more dates in ``start..end``
    follow, at their own dates.

    Parameters
    ----------
    tables
        Validated tables by name, as for :func:`compute_kpis`.
    start, end
        The first and last dates of the series.
    data_from
        The first date each table covers, as for :func:`compute_kpis`: a
        month whose figure needs earlier history is not available.

    Returns
    -------
    pandas.DataFrame
        :data:`SERIES_COLUMNS`; ``month`` is the first day of the month;
        sorted by KPI (definition order), service, month. A month whose
        figure is not available has NaN figures, the reason in ``reason``
        (``""`` when there is a figure) and its :class:`NotAvailable` member
        in ``not_available``.

    Raises
    ------
    ParameterError
        If ``start`` or ``end`` is not a date, or ``end`` is before ``start``.

    Examples
    --------
    >>> r = pd.DataFrame({"received_date": pd.to_datetime(["2024-01-01", "2023-01-01"]),
    ...                   "plan_issued_date": pd.to_datetime(["2024-01-31", "2024-02-01"])})
    >>> s = kpi_series({"requests": r}, start="2024-01-01", end="2024-02-29",
    ...                data_from={"requests": "2023-01-01"})
    >>> s.loc[s["kpi_id"] == "ehcp_20wk_excl", ["month", "value", "denominator"]]
           month  value  denominator
    0 2024-01-01  100.0            1
    1 2024-02-01    0.0            1
    """
    first = as_timestamp(start, "start")
    last = as_timestamp(end, "end")
    if last < first:
        raise ParameterError(f"end must be on or after start ({first.date()}), not {last.date()}")
    periods = Periods.months(first, last)
    months = pd.date_range(first.to_period("M").start_time, last, freq="MS")
    prepared = _prepare(tables)
    out = finish(_family_rows(prepared, periods, [], monthly_only=True), keep_period=True)
    reason = _series_reasons(out, periods, resolve_data_from(tables, data_from, prepared=prepared))
    blank = reason != ""
    if blank.any():
        for col in _FIGURES:
            out[col] = out[col].astype("float64").mask(blank)
    empty = out["value"].isna().to_numpy() & ~blank
    out["reason"] = np.where(empty, EMPTY_REASON, reason)
    kind = np.full(len(out), None, dtype=object)
    kind[blank] = NotAvailable.HISTORY_NEEDED
    kind[empty] = NotAvailable.NOTHING_TO_MEASURE
    out["not_available"] = kind
    out.insert(
        2,
        "month",
        months[out["period"].to_numpy()] if len(out) else pd.Series(dtype="datetime64[ns]"),
    )
    out = out.drop(columns="period")
    if tables.get("measures") is not None:
        series = measures.measure_series(tables["measures"], start=first, end=last)
        out = pd.concat([out, series], ignore_index=True) if len(out) else series
    out["month"] = out["month"].astype("datetime64[ns]")
    for col in ("numerator", "denominator"):
        out[col] = out[col].astype("Int64")
    for col in ("value", "lower_ci", "upper_ci"):
        out[col] = out[col].astype("float64")
    if "reason" not in out.columns:
        out["reason"] = ""
    out["reason"] = out["reason"].fillna("")
    if "not_available" not in out.columns:
        out["not_available"] = None
    kinds = out["not_available"].astype(object)
    out["not_available"] = kinds.where(kinds.notna(), None)
    for col in ("kpi_id", "service", "reason"):
        out[col] = out[col].astype("str")
    return _sort(out.loc[:, list(SERIES_COLUMNS)], "month")

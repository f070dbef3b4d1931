"""The whole KPI suite: ``compute_kpis`` (one period, ``kpis.csv``) and ``kpi_series`` (months).

Both run the same family functions, for one period or for every calendar
month at once, so a month's figure is the period figure for that month.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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
    finish,
    single_period,
)
from sendreport.metrics.actions import action_kpis
from sendreport.metrics.definitions import KPI_DEFINITIONS
from sendreport.plan import Plan

__all__ = ["KPI_COLUMNS", "SERIES_COLUMNS", "compute_kpis", "kpi_series", "previous_start"]

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
"""Columns of :func:`compute_kpis`, in order."""

SERIES_COLUMNS = (
    "kpi_id",
    "service",
    "month",
    "value",
    "numerator",
    "denominator",
    "lower_ci",
    "upper_ci",
)
"""Columns of :func:`kpi_series`, in order."""


class _Family(NamedTuple):
    table: str
    required: tuple[str, ...]
    compute: Callable[..., list[pd.DataFrame]]
    per_service: bool = False


_FAMILIES = (
    _Family("requests", ehcp.TIMELINESS_REQUIRED, ehcp._timeliness_by_period),
    _Family("requests", ehcp.REQUESTS_REQUIRED, ehcp._requests_by_period),
    _Family("requests", ehcp.DECISIONS_REQUIRED, ehcp._decisions_by_period),
    _Family("requests", ehcp.OPEN_REQUIRED, ehcp._open_by_period),
    _Family("reviews", reviews.DECISION_REQUIRED, reviews._decision_by_period),
    _Family("reviews", reviews.MEETING_REQUIRED, reviews._meeting_by_period),
    _Family("reviews", reviews.OVERDUE_REQUIRED, reviews._overdue_by_period),
    _Family("referrals", waits.LIST_REQUIRED, waits._list_by_period, per_service=True),
    _Family("referrals", waits.SEEN_REQUIRED, waits._seen_by_period, per_service=True),
    _Family("referrals", waits.AUTISM_REQUIRED, waits._autism_by_period),
)
_ORDER = {kpi_id: i for i, kpi_id in enumerate(KPI_DEFINITIONS)}


def _prepare(tables: Mapping[str, pd.DataFrame]) -> dict[str, Columns]:
    return {f.table: Columns(tables[f.table]) for f in _FAMILIES if tables.get(f.table) is not None}


def _family_rows(
    tables: Mapping[str, Columns],
    periods: Periods,
    services: Sequence[str],
    *,
    monthly_only: bool = False,
) -> list[pd.DataFrame]:
    rows = []
    for family in _FAMILIES:
        table = tables.get(family.table)
        if table is None or any(c not in table.columns for c in family.required):
            continue
        if family.compute is waits._list_by_period:
            rows += family.compute(table, periods, services, medians=not monthly_only)
        elif family.per_service:
            rows += family.compute(table, periods, services)
        else:
            rows += family.compute(table, periods)
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


def _rows_for(
    tables: Mapping[str, pd.DataFrame],
    prepared: Mapping[str, Columns],
    start: pd.Timestamp,
    end: pd.Timestamp,
    plan: Plan | None,
    *,
    previous: bool,
) -> pd.DataFrame:
    periods = single_period(start, end)
    rows = _family_rows(prepared, periods, _services(plan))
    out = finish(rows)
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


def compute_kpis(
    tables: Mapping[str, pd.DataFrame],
    *,
    period_start: DateLike,
    period_end: DateLike,
    plan: Plan | None = None,
    previous_period_end: DateLike | None = None,
) -> pd.DataFrame:
    """Every KPI the supplied tables (and plan) allow, for one period: the ``kpis.csv`` frame.

    Parameters
    ----------
    tables
        Validated tables by name: ``requests``, ``reviews``, ``referrals``,
        ``measures`` (each optional). A KPI whose table or columns are absent
        is left out; per-service KPIs have one row per service in
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
        Action KPIs there come from the actions' status history.

    Returns
    -------
    pandas.DataFrame
        :data:`KPI_COLUMNS`. One row per KPI (and service) in definition order
        then service, measures (``kpi_id`` the ``measure_id``) last. Percentages
        are 0-100 at full precision with Wilson 95% limits; ``value`` is NaN
        where the denominator is empty; ``service`` is ``""`` for KPIs that are
        not per service.

    Raises
    ------
    ParameterError
        If a date is not a date or the period ends before it starts.

    Examples
    --------
    >>> r = pd.DataFrame({"received_date": pd.to_datetime(["2024-01-01", "2023-01-01"]),
    ...                   "plan_issued_date": pd.to_datetime(["2024-03-01", "2024-03-01"])})
    >>> k = compute_kpis({"requests": r}, period_start="2024-01-01", period_end="2024-03-31")
    >>> k[["kpi_id", "value", "numerator", "denominator"]].head(3)
               kpi_id  value  numerator  denominator
    0  ehcp_20wk_excl   50.0          1            2
    1  ehcp_20wk_incl   50.0          1            2
    2     ehcp_issued    2.0          2         <NA>
    """
    start = as_timestamp(period_start, "period_start")
    end = as_timestamp(period_end, "period_end")
    prepared = _prepare(tables)
    out = _rows_for(tables, prepared, start, end, plan, previous=False)
    out["previous"] = np.nan
    if previous_period_end is not None:
        prev_end = as_timestamp(previous_period_end, "previous_period_end")
        prev_start = previous_start(start, end, prev_end)
        prev = _rows_for(tables, prepared, prev_start, prev_end, plan, previous=True)
        key = prev.set_index(["kpi_id", "service"])["value"]
        out["previous"] = pd.MultiIndex.from_frame(out[["kpi_id", "service"]]).map(
            key.to_dict().get
        )
        out["previous"] = pd.to_numeric(out["previous"], errors="coerce").astype("float64")
    targets = {}
    if plan is not None:
        for _, k in plan.kpis:
            targets.setdefault((k.id, k.service or ""), k)
    pairs = list(zip(out["kpi_id"], out["service"], strict=True))
    out["baseline"] = [
        t.baseline.value if (t := targets.get(p)) is not None and t.baseline is not None else np.nan
        for p in pairs
    ]
    out["target"] = [
        t.target if (t := targets.get(p)) is not None and t.target is not None else np.nan
        for p in pairs
    ]
    out["period_start"] = start
    out["period_end"] = end
    for col in ("value", "lower_ci", "upper_ci", "baseline", "target", "previous"):
        out[col] = out[col].astype("float64")
    for col in ("numerator", "denominator"):
        out[col] = out[col].astype("Int64")
    for col in ("kpi_id", "service", "unit"):
        out[col] = out[col].astype("str")
    out["period_start"] = out["period_start"].astype("datetime64[ns]")
    out["period_end"] = out["period_end"].astype("datetime64[ns]")
    return _sort(out.loc[:, list(KPI_COLUMNS)])


def kpi_series(
    tables: Mapping[str, pd.DataFrame], *, start: DateLike, end: DateLike
) -> pd.DataFrame:
    """Monthly series of every percentage KPI the tables allow (for SPC charts).

    Each calendar month from the month of ``start`` to that of ``end`` is
    computed as a period (first to last day of the month) with the same
    definitions as :func:`compute_kpis`; months with an empty denominator are
    kept with ``value`` NaN. Measures with 12 or more dates in ``start..end``
    follow, at their own dates.

    Parameters
    ----------
    tables
        Validated tables by name, as for :func:`compute_kpis`.
    start, end
        The first and last dates of the series.

    Returns
    -------
    pandas.DataFrame
        :data:`SERIES_COLUMNS`; ``month`` is the first day of the month;
        sorted by KPI (definition order), service, month.

    Raises
    ------
    ParameterError
        If ``start`` or ``end`` is not a date, or ``end`` is before ``start``.

    Examples
    --------
    >>> r = pd.DataFrame({"received_date": pd.to_datetime(["2024-01-01", "2023-01-01"]),
    ...                   "plan_issued_date": pd.to_datetime(["2024-01-31", "2024-02-01"])})
    >>> s = kpi_series({"requests": r}, start="2024-01-01", end="2024-02-29")
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
    out = finish(_family_rows(_prepare(tables), periods, [], monthly_only=True), keep_period=True)
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
    for col in ("kpi_id", "service"):
        out[col] = out[col].astype("str")
    return _sort(out.loc[:, list(SERIES_COLUMNS)], "month")

"""KPIs from the ``measures`` table: surveys, audits, workforce returns (SPEC 4.5).

A measure's value on a date is ``100 * numerator / denominator`` when both are
given (a percentage, with Wilson 95% limits), otherwise its ``value``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sendreport.metrics._helpers import (
    ROW_COLUMNS,
    DateLike,
    as_timestamp,
    check_columns,
    single_period,
    wilson,
)

__all__ = [
    "KINDS",
    "MIN_SERIES_POINTS",
    "measure_facts",
    "measure_kpis",
    "measure_series",
    "measure_values",
]

KINDS = ("family_voice", "audit", "workforce", "other")
"""What a measure is (SPEC 4.5): only ``family_voice`` counts as what families told us."""

REQUIRED = ("measure_id", "date", "unit")
MIN_SERIES_POINTS = 12
"""A measure with at least this many dates gets a series (and so an SPC chart)."""


def measure_facts(measures: pd.DataFrame | None) -> pd.DataFrame:
    """One row per measure: its title, unit, source, ``kind`` and ``people`` (latest row).

    ``kind`` defaults to ``other`` and ``people`` to true (the measure counts
    children or families, so its small figures are suppressed) where the
    table leaves them out.

    Parameters
    ----------
    measures
        The validated ``measures`` table, or ``None``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``measure_id`` (sorted): ``title, unit, source, kind, people``.

    Examples
    --------
    >>> m = pd.DataFrame({"measure_id": ["vacancies", "survey"], "title": ["EP vacancies", "Q1"],
    ...     "unit": ["count", "%"], "date": pd.to_datetime(["2024-03-01"] * 2),
    ...     "kind": ["workforce", "family_voice"], "people": [False, True]})
    >>> f = measure_facts(m)
    >>> f["kind"].to_dict(), f["people"].to_dict()
    ({'survey': 'family_voice', 'vacancies': 'workforce'}, {'survey': True, 'vacancies': False})
    """
    columns = ["title", "unit", "source", "kind", "people"]
    if measures is None or measures.empty:
        empty = pd.DataFrame({c: pd.Series(dtype="bool" if c == "people" else "str")
                              for c in columns})
        return empty.rename_axis("measure_id")
    m = measures.sort_values(["measure_id", "date"], kind="stable")
    latest = m.groupby("measure_id", sort=True).last()
    out = pd.DataFrame(index=latest.index)
    out["title"] = latest["title"].astype("str")
    out["unit"] = latest["unit"].astype("str")
    source = latest["source"] if "source" in latest else pd.Series("measure", index=latest.index)
    out["source"] = source.fillna("measure").astype("str")
    kind = latest["kind"] if "kind" in latest else pd.Series(np.nan, index=latest.index)
    out["kind"] = kind.fillna("other").astype("str")
    people = latest["people"] if "people" in latest else pd.Series(True, index=latest.index)
    out["people"] = people.fillna(True).astype("bool")
    return out


def measure_values(measures: pd.DataFrame) -> pd.DataFrame:
    """One row per measure and date with the value derived, sorted by measure then date.

    Parameters
    ----------
    measures
        Needs ``measure_id``, ``date`` and ``unit``; ``numerator``,
        ``denominator`` and ``value`` are used when present.

    Returns
    -------
    pandas.DataFrame
        ``kpi_id, service, date, value, numerator, denominator, lower_ci,
        upper_ci, unit``.

    Examples
    --------
    >>> m = pd.DataFrame({"measure_id": ["survey", "staff"], "unit": ["%", "count"],
    ...                   "date": pd.to_datetime(["2024-03-01", "2024-03-01"]),
    ...                   "numerator": [30, None], "denominator": [60, None],
    ...                   "value": [None, 12]})
    >>> measure_values(m)[["kpi_id", "value", "numerator", "denominator"]]
       kpi_id  value  numerator  denominator
    0   staff   12.0       <NA>         <NA>
    1  survey   50.0         30           60
    """
    check_columns(measures, REQUIRED, "measures")
    n = len(measures)

    def number(col: str) -> np.ndarray:
        if col not in measures.columns:
            return np.full(n, np.nan)
        return pd.to_numeric(measures[col], errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan
        )

    num, den, given = number("numerator"), number("denominator"), number("value")
    ratio = ~np.isnan(num) & ~np.isnan(den)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(ratio, np.where(den > 0, 100 * num / den, np.nan), given)
    lo, hi = wilson(np.where(ratio, num, np.nan), np.where(ratio, den, np.nan))
    out = pd.DataFrame(
        {
            "kpi_id": measures["measure_id"].astype("str").to_numpy(),
            "service": "",
            "date": pd.to_datetime(measures["date"]).to_numpy(),
            "value": value,
            "numerator": pd.array(np.where(ratio, num, np.nan), dtype="Float64").round(0),
            "denominator": pd.array(np.where(ratio, den, np.nan), dtype="Float64").round(0),
            "lower_ci": lo,
            "upper_ci": hi,
            "unit": measures["unit"].astype("str").to_numpy(),
        }
    )
    out["numerator"] = out["numerator"].astype("Int64")
    out["denominator"] = out["denominator"].astype("Int64")
    out["service"] = out["service"].astype("str")
    return out.sort_values(["kpi_id", "date"], kind="stable").reset_index(drop=True)


def measure_kpis(
    measures: pd.DataFrame, *, period_start: DateLike, period_end: DateLike
) -> pd.DataFrame:
    """Each measure's value at its latest date in the period (``NaN`` if it has none there).

    Parameters
    ----------
    measures
        As for :func:`measure_values`.
    period_start, period_end
        The period, both days included.

    Returns
    -------
    pandas.DataFrame
        ``kpi_id, service, value, numerator, denominator, lower_ci, upper_ci,
        unit``: one row per ``measure_id`` (sorted), ``kpi_id`` the measure id.

    Examples
    --------
    >>> m = pd.DataFrame({"measure_id": ["survey"] * 3, "unit": ["%"] * 3,
    ...                   "date": pd.to_datetime(["2024-01-01", "2024-03-31", "2024-04-01"]),
    ...                   "numerator": [20, 30, 40], "denominator": [60, 60, 60]})
    >>> measure_kpis(m, period_start="2024-01-01", period_end="2024-03-31")[
    ...     ["kpi_id", "value", "numerator", "denominator"]]
       kpi_id  value  numerator  denominator
    0  survey   50.0         30           60
    """
    periods = single_period(period_start, period_end)
    values = measure_values(measures)
    start = as_timestamp(period_start, "period_start")
    end = start + pd.Timedelta(days=float(periods.ends[0] - periods.starts[0]))
    in_period = values[(values["date"] >= start) & (values["date"] <= end)]
    latest = in_period.drop_duplicates("kpi_id", keep="last").set_index("kpi_id")
    units = values.drop_duplicates("kpi_id", keep="last").set_index("kpi_id")["unit"]
    out = latest.reindex(units.index)
    out["unit"] = units
    out["service"] = ""
    out = out.reset_index()
    out["service"] = out["service"].astype("str")
    return out.loc[:, [*ROW_COLUMNS, "unit"]]


def measure_series(measures: pd.DataFrame, *, start: DateLike, end: DateLike) -> pd.DataFrame:
    """Series of the measures with at least 12 dates from ``start`` to ``end``, at their own dates.

    Parameters
    ----------
    measures
        As for :func:`measure_values`.
    start, end
        The first and last dates to include.

    Returns
    -------
    pandas.DataFrame
        ``kpi_id, service, month, value, numerator, denominator, lower_ci,
        upper_ci``; ``month`` is the measure's own date.

    Examples
    --------
    >>> m = pd.DataFrame({"measure_id": ["audit"] * 12, "unit": ["%"] * 12,
    ...                   "date": pd.date_range("2023-01-01", periods=12, freq="MS"),
    ...                   "value": range(12)})
    >>> len(measure_series(m, start="2023-01-01", end="2023-12-31"))
    12
    """
    first = as_timestamp(start, "start")
    last = as_timestamp(end, "end")
    values = measure_values(measures)
    values = values[(values["date"] >= first) & (values["date"] <= last)]
    counts = values.groupby("kpi_id")["date"].transform("nunique")
    out = values[counts >= MIN_SERIES_POINTS].rename(columns={"date": "month"})
    return out.drop(columns="unit").reset_index(drop=True)

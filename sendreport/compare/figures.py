"""The comparison edition's figures: authorities in scope, funnel positions, change, ranks.

Everything here is computed from DfE's published figures
(:func:`sendreport.benchmarks.load_dfe_timeliness`) and, when given, areas'
own packs' ``kpis.csv`` rows (unpublished, marked as such). Methods, each
stated in the edition's method note:

- funnel limits and overdispersion: :mod:`sendreport.compare.funnel`, around
  England's published rate of the year, the overdispersion estimated over
  every authority in England with a rate that year (whatever the scope);
- each authority's rate has a 95% Wilson score interval (scipy's
  ``binomtest(...).proportion_ci(method="wilson")``);
- change between two years: the difference of the rates with Newcombe's
  hybrid score interval built from the two Wilson intervals (Newcombe 1998,
  method 10);
- rank with its uncertainty: the best rank an authority could hold is one more
  than the number of authorities whose whole interval lies above its own, the
  worst is the number in scope less those whose whole interval lies below its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sendreport.compare import funnel

MEASURES: dict[str, tuple[str, str, str]] = {
    "ehcp_20wk_excl": ("within_20wk_excl", "plans_issued_excl",
                       "EHC plans issued within 20 weeks, excluding exceptions"),
    "ehcp_20wk_incl": ("within_20wk", "plans_issued",
                       "EHC plans issued within 20 weeks, including exceptions"),
}
"""Each measure's numerator and size columns in the DfE figures, and its title."""

__all__ = ["MEASURES", "Year", "authorities", "changes", "known_rates", "rank_interval", "wilson",
           "year_figures"]


def wilson(r: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of ``r / n``.

    Examples
    --------
    By hand: ``(0.38 + 1.96^2/200 -/+ 1.96 sqrt(0.38 x 0.62/100 + 1.96^2/40000))
    / (1 + 1.96^2/100)``:

    >>> [round(x, 4) for x in wilson(38, 100)]
    [0.291, 0.4779]
    """
    ci = stats.binomtest(int(r), int(n)).proportion_ci(confidence_level=level, method="wilson")
    return float(ci.low), float(ci.high)


def authorities(dfe: pd.DataFrame, measure: str, codes: list[str] | None,
                region: str | None, years: list[int]) -> pd.DataFrame:
    """The authorities in scope, one row per authority and year, with ``r``, ``n`` and ``rate``.

    Parameters
    ----------
    dfe
        DfE's figures (:func:`sendreport.benchmarks.load_dfe_timeliness`).
    measure
        A key of :data:`MEASURES`.
    codes
        Local authority codes (9-character or 3-digit), or ``None`` for every authority.
    region
        A region's name, or ``None``.
    years
        Calendar years.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``la_code``, ``old_la_code``, ``la_name``, ``region_name``,
        ``r``, ``n``, ``rate`` (``NaN`` where DfE published ``x``).

    Examples
    --------
    >>> from sendreport.benchmarks import load_dfe_timeliness
    >>> t = authorities(load_dfe_timeliness(), "ehcp_20wk_excl", ["E06000015"], None, [2024])
    >>> t[["la_name", "r", "n"]].to_numpy().tolist()
    [['Derby', 62.0, 377.0]]
    """
    numerator, size, _ = MEASURES[measure]
    rows = dfe[(dfe["geographic_level"] == "Local authority") & dfe["year"].isin(years)]
    if region is not None:
        rows = rows[rows["region_name"] == region]
    if codes is not None:
        rows = rows[rows["la_code"].isin(codes) | rows["old_la_code"].isin(codes)]
    out = rows[["year", "la_code", "old_la_code", "la_name", "region_name"]].copy()
    out["r"] = rows[numerator].astype("float64")
    out["n"] = rows[size].astype("float64")
    out["rate"] = out["r"] / out["n"].where(out["n"] > 0)
    return out.sort_values(["year", "la_name"], kind="stable").reset_index(drop=True)


def area_rate(dfe: pd.DataFrame, measure: str, year: int, level: str,
              region: str | None = None) -> tuple[float, float]:
    """England's (``level="National"``) or a region's published ``(r, n)`` for a year.

    Examples
    --------
    >>> from sendreport.benchmarks import load_dfe_timeliness
    >>> area_rate(load_dfe_timeliness(), "ehcp_20wk_excl", 2024, "National")
    (39407.0, 84866.0)
    """
    numerator, size, _ = MEASURES[measure]
    rows = dfe[(dfe["year"] == year) & (dfe["geographic_level"] == level)]
    if region is not None:
        rows = rows[rows["region_name"] == region]
    row = rows.iloc[0]
    return float(row[numerator]), float(row[size])


@dataclass(frozen=True)
class Year:
    """One year's funnel: the comparator rate, the dispersion and each authority's place."""

    year: int
    p0: float
    spread: funnel.Dispersion
    table: pd.DataFrame


def known_rates(frame: pd.DataFrame) -> pd.Series:
    """Which rows have a rate: a published numerator and at least one plan."""
    return frame["n"].notna() & frame["r"].notna() & (frame["n"] > 0)


def year_figures(frame: pd.DataFrame, p0: float,
                 spread: funnel.Dispersion | None = None) -> Year:
    """Place each authority of one year against the funnel limits around ``p0``.

    Authorities whose figures DfE did not publish (``x``) or that issued no
    plan are kept with no position.

    Parameters
    ----------
    frame
        One year's authorities (:func:`authorities`).
    p0
        The comparator rate.
    spread
        The overdispersion to widen the limits by; by default estimated from
        ``frame``'s own authorities. The edition passes the one estimated over
        every authority in England, so that an authority's place does not
        depend on which others are in scope.

    Returns
    -------
    Year
        ``table`` adds ``ci_low``, ``ci_high``, the four limits at the
        authority's size and ``position`` (:func:`sendreport.compare.funnel.position`).

    Examples
    --------
    Ten authorities of 100 plans close to England's 50%, one at 10% and one at
    62% (the 95% limits at 100 plans are about 40% and 60%, the 99.8% limits
    about 35% and 65%):

    >>> r = [48.0, 52, 50, 49, 51, 47, 53, 50, 50, 49, 10, 62]
    >>> f = pd.DataFrame({"year": 2024, "la_name": list("ABCDEFGHIJKL"), "r": r, "n": 100.0})
    >>> f["rate"] = f["r"] / f["n"]
    >>> y = year_figures(f, 0.5)
    >>> y.table["position"].tolist()[-3:], y.spread.overdispersed
    (['within', 'below 99.8%', 'above 95%'], False)
    """
    table = frame.copy()
    known = known_rates(table)
    if spread is None:
        spread = funnel.dispersion(table.loc[known, "r"], table.loc[known, "n"], p0)
    bounds = funnel.limits(table.loc[known, "n"].to_numpy(), p0, spread)
    for name, values in bounds.items():
        table[name] = np.nan
        table.loc[known, name] = values
    cis = [wilson(r, n) if ok else (np.nan, np.nan)
           for r, n, ok in zip(table["r"], table["n"], known, strict=True)]
    table["ci_low"] = [c[0] for c in cis]
    table["ci_high"] = [c[1] for c in cis]
    table["position"] = [
        funnel.position(rate, {k: row[k] for k in bounds}) if ok else ""
        for (_, row), rate, ok in zip(table.iterrows(), table["rate"], known, strict=True)
    ]
    return Year(year=int(table["year"].iloc[0]) if len(table) else 0, p0=p0,
                spread=spread, table=table)


def rank_interval(low: pd.Series, high: pd.Series, rate: pd.Series) -> pd.DataFrame:
    """Each authority's rank (1 the highest rate) with the best and worst rank its interval allows.

    Examples
    --------
    >>> t = rank_interval(pd.Series([0.1, 0.4, 0.45, 0.8]), pd.Series([0.2, 0.6, 0.7, 0.9]),
    ...                   pd.Series([0.15, 0.5, 0.55, 0.85]))
    >>> t.to_numpy().tolist()
    [[4, 4, 4], [3, 2, 3], [2, 2, 3], [1, 1, 1]]
    """
    rank = rate.rank(ascending=False, method="min").astype(int)
    best = [1 + int((low > h).sum()) for h in high]
    worst = [len(rate) - int((high < lo).sum()) for lo in low]
    return pd.DataFrame({"rank": rank, "rank_best": best, "rank_worst": worst}, index=rate.index)


def changes(frame: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    """Each authority's change in rate from ``first`` to ``last`` with a 95% interval.

    Newcombe's hybrid score interval (method 10) from the two Wilson intervals;
    a change whose interval excludes 0 is called ``"up"`` or ``"down"``, else
    ``"no clear change"``.

    Examples
    --------
    >>> f = pd.DataFrame({"year": [2019, 2024], "la_code": ["E1", "E1"], "la_name": ["A", "A"],
    ...                   "r": [20.0, 60.0], "n": [100.0, 100.0]})
    >>> f["rate"] = f["r"] / f["n"]
    >>> c = changes(f, 2019, 2024)
    >>> round(float(c["change"].iloc[0]), 2), c["verdict"].iloc[0]
    (0.4, 'up')
    """
    a = frame[frame["year"] == first].set_index("la_code")
    b = frame[frame["year"] == last].set_index("la_code")
    both = a.index.intersection(b.index)
    rows = []
    for code in both:
        r1, n1 = a.loc[code, ["r", "n"]]
        r2, n2 = b.loc[code, ["r", "n"]]
        if any(pd.isna(v) for v in (r1, n1, r2, n2)) or n1 == 0 or n2 == 0:
            rows.append({"la_code": code, "change": np.nan, "change_low": np.nan,
                         "change_high": np.nan, "verdict": ""})
            continue
        p1, p2 = r1 / n1, r2 / n2
        l1, u1 = wilson(r1, n1)
        l2, u2 = wilson(r2, n2)
        d = p2 - p1
        low = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
        high = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
        verdict = "up" if low > 0 else "down" if high < 0 else "no clear change"
        rows.append({"la_code": code, "change": d, "change_low": low, "change_high": high,
                     "verdict": verdict})
    return pd.DataFrame(rows, columns=["la_code", "change", "change_low", "change_high",
                                       "verdict"])

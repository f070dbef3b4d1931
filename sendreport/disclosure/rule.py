"""The disclosure rule of SPEC 7, in one place: which figures name too few children.

Every part of sendreport that publishes a number asks this module, and only
this module, whether the number is small: the release pass
(:mod:`~sendreport.disclosure.release`), table suppression
(:mod:`~sendreport.disclosure.cells`), the public API an analyst calls, the
pack's tables and the privacy guard's check of analysts' charts.

- A count of children or families from 1 to ``threshold - 1`` is small
  (:func:`is_small`). A true zero names no child and is not; a missing value
  is not a count and is not.
- A percentage is withheld when its denominator, its numerator or its
  complement (denominator minus numerator) is small
  (:func:`percentage_is_small`): "1 of 34" and "30 of 34" both name a handful
  of children. A mean, median or percentile over children is withheld when its
  denominator is small.
- Where published figures add up (a table's total, a file's rows read), no
  withheld figure may come back by subtraction (:func:`protect_lines`): a
  line never has a single withheld member, and withheld members beside a
  published total never add up to a small count.
- Withholding has a cost (:func:`withholding_cost`): when more figures must be
  withheld so that a small one cannot be worked out from the rest, the pass
  picks the cheapest set. The headline counts and the plan's own KPIs cost
  most; secondary figures (rates including exceptions, time bands, months,
  calendar years) least.
- A withheld figure says why (:class:`WithheldReason`): it is small itself,
  or it protects another figure (or group) that is.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import numpy as np
import pandas as pd

from sendreport.errors import ParameterError

__all__ = [
    "AUDIENCES",
    "HEADLINE_KPIS",
    "ROLE_COST",
    "TIME_COST",
    "WithheldReason",
    "as_numbers",
    "blank",
    "check_audience",
    "check_threshold",
    "figure_is_small",
    "is_small",
    "percentage_is_small",
    "protect_lines",
    "withheld_key",
    "withholding_cost",
]

AUDIENCES = ("shared", "internal", "families")
"""Who a pack is for; only ``internal`` packs keep unsuppressed figures."""


def is_small(values: Any, threshold: int) -> Any:
    """Flag counts from 1 to ``threshold - 1``: the counts SPEC 7 withholds.

    Parameters
    ----------
    values
        A number, or an array of numbers (NaN for missing).
    threshold
        The smallest count that may be shown (params ``suppression_threshold``).

    Returns
    -------
    bool or numpy.ndarray of bool
        True where the value is at least 1 and below ``threshold``; missing
        values and zeros are not small.

    Examples
    --------
    >>> is_small(np.array([0, 1, 4, 5, np.nan]), 5).tolist()
    [False, True, True, False, False]
    >>> bool(is_small(3, 5))
    True
    """
    values = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        return (values >= 1) & (values < threshold)


def percentage_is_small(numerator: Any, denominator: Any, threshold: int) -> Any:
    """Flag percentages whose denominator, numerator or complement is a small count.

    Parameters
    ----------
    numerator, denominator
        Numbers or arrays of numbers (NaN for missing). A missing numerator
        leaves only the denominator to judge (a mean or median over children).
    threshold
        As for :func:`is_small`.

    Returns
    -------
    bool or numpy.ndarray of bool

    Examples
    --------
    30 of 34 were seen on time, so 4 were not: withheld.

    >>> percentage_is_small([30, 17, 1], [34, 34, 3], 5).tolist()
    [True, False, True]
    """
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    return is_small(den, threshold) | is_small(num, threshold) | is_small(den - num, threshold)


def figure_is_small(unit: str, value: Any, numerator: Any, denominator: Any,
                    threshold: int) -> bool:
    """Whether one published figure about people (a KPI, a measure) is withheld.

    A figure with a numerator and a denominator is a percentage
    (:func:`percentage_is_small`); a ``count`` is its value
    (:func:`is_small`); anything else with a denominator (a mean, a median)
    is its denominator. A figure with neither (a rate typed in as a value)
    counts no child that can be seen, as the release pass reads it
    (:func:`sendreport.disclosure.links.link_for`).

    Examples
    --------
    >>> figure_is_small("%", 88.2, 30, 34, 5), figure_is_small("count", 3, None, None, 5)
    (True, True)
    >>> figure_is_small("weeks", 21.0, None, 40, 5), figure_is_small("%", 60.0, None, None, 5)
    (False, False)
    """
    def known(x: Any) -> bool:
        return x is not None and not bool(pd.isna(x))

    if known(numerator) and known(denominator):
        return bool(percentage_is_small(float(numerator), float(denominator), threshold))
    if unit == "count":
        return known(value) and bool(is_small(float(value), threshold))
    if known(denominator):
        return bool(is_small(float(denominator), threshold))
    return False


def protect_lines(values: np.ndarray, flags: np.ndarray, lines: list, threshold: int) -> list:
    """Withhold more figures, in place, until no sum gives a withheld figure back.

    Parameters
    ----------
    values
        The published figures (NaN for missing), indexed by the positions in ``lines``.
    flags
        True where a figure is withheld; updated in place.
    lines
        ``(members, total)`` pairs of positions: the members add up to the total.
    threshold
        As for :func:`is_small`.

    Returns
    -------
    list
        The lines that could not be protected (every other figure of the line
        is missing or withheld already).

    Notes
    -----
    A line whose total is missing is no equation and is skipped; missing
    members count as published (they may be known zeros) and are never
    chosen. A single withheld figure of a line is the total less (or the sum
    of) the others; withheld members beside a published total add up to the
    total less the published members, which must be 0 or not small. While
    either happens, the smallest positive published member is withheld, then a
    zero member, then the total; ties by position.

    Examples
    --------
    3 + 8 + 20 = 31: the 3 alone would come back, and so would 1 + 2 = 3.

    >>> values = np.array([3.0, 8.0, 20.0, 31.0])
    >>> flags = is_small(values, 5)
    >>> protect_lines(values, flags, [([0, 1, 2], 3)], 5)
    []
    >>> flags.tolist()
    [True, True, False, False]
    >>> values = np.array([1.0, 2.0, 20.0, 23.0])
    >>> flags = is_small(values, 5)
    >>> _ = protect_lines(values, flags, [([0, 1, 2], 3)], 5)
    >>> flags.tolist()
    [True, True, True, False]
    """
    unprotected: list = []
    changed = True
    while changed:
        changed = False
        for line in lines:
            cells, total = line
            if np.isnan(values[total]):
                continue
            hidden = [m for m in [*cells, total] if flags[m]]
            if not hidden:
                continue
            if len(hidden) > 1 and (
                flags[total] or not is_small(sum(values[m] for m in hidden), threshold)
            ):
                continue
            open_cells = [m for m in cells if not flags[m] and not np.isnan(values[m])]
            choice = [m for m in open_cells if values[m] > 0] or open_cells
            choice = choice or ([total] if not flags[total] else [])
            if not choice:
                if line not in unprotected:
                    unprotected.append(line)
                continue
            flags[min(choice, key=lambda m: (values[m], m))] = True
            changed = True
    return unprotected
HEADLINE_KPIS = frozenset(
    {"ehcp_issued", "ehcp_requests", "ehcp_20wk_excl", "ehcp_open_over_20wk", "ar_overdue",
     "wait_list"}
)
"""The headline figures of SPEC 5: how many plans, requests and children waiting, and DfE's
20-week rate (excluding exceptions). With the plan's own KPIs they cost most to withhold."""

ROLE_COST = {"headline": 3, "secondary": 1}
"""What withholding a figure costs by its KPI's role: ``headline`` for :data:`HEADLINE_KPIS`
and the KPIs the plan tracks, ``secondary`` for the rest (rates including exceptions, bands)."""

TIME_COST = {"period": 8, "previous": 4, "baseline": 4, "year": 2, "month": 1}
"""What withholding a figure costs by the time it covers: the stocktake's period most, then
the previous period and the baseline, calendar years and milestone periods, a month (or a
quarter of a series) least."""


def withholding_cost(kpi_id: str, time: str, *, plan_kpi: bool = False) -> int:
    """What it costs readers when the figure of ``kpi_id`` for ``time`` is withheld.

    The cost is :data:`ROLE_COST` times :data:`TIME_COST`: a headline figure
    of a month (3) costs less than a secondary figure of the period (8), and
    every headline figure of the period (24) more than anything else.

    Parameters
    ----------
    kpi_id
        The KPI or measure id.
    time
        A key of :data:`TIME_COST`.
    plan_kpi
        The plan tracks this KPI (for this service): it costs as a headline.

    Examples
    --------
    >>> withholding_cost("ehcp_issued", "period"), withholding_cost("ehcp_20wk_incl", "period")
    (24, 8)
    >>> withholding_cost("ehcp_20wk_incl", "month", plan_kpi=True)
    3
    """
    role = "headline" if plan_kpi or kpi_id in HEADLINE_KPIS else "secondary"
    return ROLE_COST[role] * TIME_COST[time]


class WithheldReason(Enum):
    """Why a figure is withheld: the words ``kpis.csv`` and ``kpi_series.csv`` give in ``reason``.

    Examples
    --------
    >>> WithheldReason.SMALL.describe(5)
    'small: from 1 to 4'
    >>> WithheldReason.PROTECTS.describe(5, "ehcp_20wk_incl", "2024-07-01 to 2024-12-31")
    'protects ehcp_20wk_incl for 2024-07-01 to 2024-12-31'
    >>> WithheldReason.PROTECTS_GROUP.describe(5, "ehcp_20wk_incl", "2024-07-01 to 2024-12-31")
    'protects a group of 1 to 4 within ehcp_20wk_incl for 2024-07-01 to 2024-12-31'
    """

    SMALL = "small: from 1 to {top}"
    """A count the figure shows (or a percentage's complement) is small."""
    PROTECTS = "protects {figure} for {when}"
    """Published, it would give back the small figure named (by KPI and time, never value)."""
    PROTECTS_GROUP = "protects a group of 1 to {top} within {figure} for {when}"
    """Published, it would give back by difference a small group no single figure shows:
    the plans with an exception issued within 20 weeks are the rate including exceptions'
    numerator minus the rate excluding them."""

    def describe(self, threshold: int, figure: str = "", when: str = "") -> str:
        """The reason as ``kpis.csv`` gives it."""
        return self.value.format(top=threshold - 1, figure=figure, when=when)


def withheld_key(threshold: int) -> str:
    """What ``c`` means, as the key of every table that prints it says.

    The two kinds of :class:`WithheldReason` in short.

    Examples
    --------
    >>> withheld_key(5)
    'withheld: small (1 to 4 children) or protecting another withheld figure'
    """
    return (f"withheld: small (1 to {threshold - 1} children) "
            "or protecting another withheld figure")


def check_threshold(threshold: object) -> None:
    """Refuse a threshold that is not a whole number of at least 1.

    Examples
    --------
    >>> check_threshold(5)
    >>> check_threshold(0)
    Traceback (most recent call last):
    ...
    sendreport.errors.ParameterError: threshold must be a whole number of at least 1, not 0
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise ParameterError(f"threshold must be a whole number of at least 1, not {threshold!r}")


def check_audience(audience: object) -> None:
    """Refuse an audience other than those of :data:`AUDIENCES`.

    Examples
    --------
    >>> check_audience("families")
    """
    if audience not in AUDIENCES:
        raise ParameterError(
            f"audience must be 'shared', 'internal' or 'families', not {audience!r}"
        )


def as_numbers(column: pd.Series) -> np.ndarray:
    """A column as floats, NaN for anything missing or not a number.

    Examples
    --------
    >>> as_numbers(pd.Series([1, None, "x"])).tolist()
    [1.0, nan, nan]
    """
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def blank(column: pd.Series, flag: np.ndarray) -> pd.Series:
    """Replace flagged values by missing ones, keeping integer columns integer.

    Examples
    --------
    >>> blank(pd.Series([3, 8]), np.array([True, False])).tolist()
    [<NA>, 8]
    """
    if pd.api.types.is_integer_dtype(column.dtype) and not isinstance(
        column.dtype, pd.api.extensions.ExtensionDtype
    ):
        column = column.astype("Int64")
    elif pd.api.types.is_bool_dtype(column.dtype):
        column = column.astype("boolean")
    return column.mask(flag)

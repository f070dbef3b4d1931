"""Small-number suppression for report tables, KPIs and monthly series (SPEC 7).

The rules, as the Department for Education applies them to its own statistics:

- A count from 1 to ``threshold - 1`` is suppressed (primary suppression) and
  printed as ``c``. A zero is *not* suppressed: DfE's open data standards
  (the DfE analysts' guide, "Data symbols", which follows the Government
  Statistical Service guidance on symbols in tables) keep ``c`` for
  confidential data, ``z`` for not applicable and ``x`` for unavailable, and
  say to "only use 0 for true 0's"; a true zero names no child. (Their ``low``
  symbol is for rounding, which these packs do not do.)
- A percentage is suppressed when its denominator, its numerator or its
  complement (denominator minus numerator) is from 1 to ``threshold - 1``; a
  mean or median over children when its denominator is
  (:func:`sendreport.disclosure.rule.percentage_is_small`). A denominator of 0
  leaves the percentage undefined, not confidential: it is left as it is
  (missing) and not flagged.
- Secondary suppression: when a table has a row total or a total row, a
  suppressed cell could be recovered by subtraction. In every line (a row
  with its row total, a column with its total row) that has exactly one
  suppressed member, or suppressed members adding up to 1 to
  ``threshold - 1`` beside a shown total, the next smallest cell is
  suppressed as well, and this repeats until no line has either
  (:func:`~sendreport.disclosure.rule.protect_lines`).

Suppressed values are replaced by missing values *and* flagged in a boolean
column ``<column>_suppressed``, so a table printer shows ``c`` where the flag is
true and ``x`` (or ``z``) where a value is missing for another reason, and a
caller that forgets the flags still prints nothing confidential.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Mapping, Sequence

import numpy as np
import pandas as pd

from sendreport.disclosure.rule import (
    AUDIENCES,
    as_numbers,
    blank,
    check_audience,
    check_threshold,
    is_small,
    percentage_is_small,
    protect_lines,
)
from sendreport.errors import ParameterError, SendReportWarning
from sendreport.metrics.compute import KPI_COLUMNS  # the columns suppress_kpis requires

SUPPRESSED = "c"
"""Symbol printed for a suppressed (confidential) value."""

NOT_APPLICABLE = "z"
"""Symbol printed where no value is possible."""

NOT_AVAILABLE = "x"
"""Symbol printed where a value is missing for a reason other than suppression."""

NOT_ABOUT_CHILDREN = frozenset(
    {"actions_complete", "actions_overdue", "actions_slipped", "actions_not_started"}
)
"""KPIs that count the plan's actions, not children: never suppressed by default."""

SERIES_COLUMNS = ("kpi_id", "service", "month", "value", "numerator", "denominator")
"""Columns ``suppress_series`` requires (the output of ``metrics.kpi_series``)."""

FLAG_SUFFIX = "_suppressed"
"""Suffix of the boolean flag column ``suppress`` adds for each column it checks."""


def suppress(
    df: pd.DataFrame,
    *,
    counts: Sequence[str] = (),
    percentages: Mapping[str, str] | None = None,
    threshold: int = 5,
    row_total: str | None = None,
    column_total_row: Mapping[str, object] | None = None,
    numerators: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Suppress small counts, and percentages of small denominators, in a report table.

    Parameters
    ----------
    df
        A report table: one row per category (a service, a month, a need), key
        columns and count or percentage columns.
    counts
        Columns holding counts of children or cases. Each value from 1 to
        ``threshold - 1`` is suppressed; 0 and missing values are not.
    percentages
        Maps each percentage (or mean, median) column to the column holding its
        denominator. A percentage is suppressed when its denominator is from 1
        to ``threshold - 1``, or when the denominator is one of ``counts`` and
        its cell was suppressed (and, given its numerator, when the numerator
        or the complement is). The denominator column need not be printed.
    threshold
        The smallest count that may be shown (params ``suppression_threshold``).
    row_total
        The count column that is the sum of the other ``counts`` columns of
        its row. Added to ``counts`` if it is not there.
    column_total_row
        Identifies the row that holds the column totals of the other rows, as a
        mapping of key column to value, for example ``{"service": "Total"}``.
    numerators
        Maps percentage columns to their numerator columns (which must be in
        ``counts``): a percentage is also suppressed when its numerator or its
        complement (denominator minus numerator) is from 1 to ``threshold - 1``,
        or its numerator cell is suppressed, since numerator = percentage x
        denominator. A numerator whose complement is small is suppressed too
        (with the secondary suppression that follows), since the denominator
        less the numerator would give the complement back.

    Returns
    -------
    pandas.DataFrame
        ``df`` with a fresh index, suppressed values replaced by missing values
        (integer count columns become the nullable ``Int64``), and a boolean
        ``<column>_suppressed`` column for every count and percentage column,
        after the original columns. The input is not modified.

    Raises
    ------
    ParameterError
        If a named column is missing, ``threshold`` is not a whole number of at
        least 1, or ``column_total_row`` does not match exactly one row.

    Warns
    -----
    SendReportWarning
        If a suppressed cell cannot be protected because every other cell of
        its line is missing.

    Examples
    --------
    The total row would reveal the 3, so the next smallest cell (the 8) is
    suppressed too:

    >>> t = pd.DataFrame({"service": ["A", "B", "C", "Total"], "n": [3, 8, 20, 31]})
    >>> out = suppress(t, counts=["n"], column_total_row={"service": "Total"})
    >>> out["n_suppressed"].tolist()
    [True, True, False, False]
    >>> out["n"].tolist()
    [<NA>, <NA>, 20, 31]
    """
    percentages = dict(percentages or {})
    numerators = dict(numerators or {})
    check_threshold(threshold)
    counts = list(dict.fromkeys(counts))
    if row_total is not None and row_total not in counts:
        counts.append(row_total)
    named = [*counts, *percentages, *percentages.values(), *numerators.values()]
    named += list(column_total_row or {})
    _require(df, named, "suppress")
    unknown = [p for p in numerators if p not in percentages]
    not_counted = [n for n in numerators.values() if n not in counts]
    if unknown or not_counted:
        raise ParameterError(
            [f"numerators names {p!r}, which is not one of percentages" for p in unknown]
            + [f"numerators names {n!r}, which is not one of counts" for n in not_counted]
        )

    values = df[counts].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    flags = is_small(values, threshold)
    for pct, numerator in numerators.items():
        # 30 of 34 shown as counts name the 4 others: the numerator is withheld with its %
        complement = as_numbers(df[percentages[pct]]) - values[:, counts.index(numerator)]
        flags[:, counts.index(numerator)] |= is_small(complement, threshold)
    lines = _lines(df, counts, row_total, column_total_row)
    _secondary(values, flags, lines, threshold)

    out = df.reset_index(drop=True)
    count_flag = dict(zip(counts, flags.T, strict=True))
    pct_flags = {}
    for pct, denominator in percentages.items():
        denom = as_numbers(df[denominator])
        num = as_numbers(df[numerators[pct]]) if pct in numerators else np.nan
        flag = np.broadcast_to(percentage_is_small(num, denom, threshold), denom.shape).copy()
        if denominator in count_flag:
            flag |= count_flag[denominator]
        if pct in numerators:
            flag |= count_flag[numerators[pct]]
        pct_flags[pct] = flag
    all_flags = {**count_flag, **pct_flags}
    out = out.assign(**{col: blank(out[col], flag) for col, flag in all_flags.items()})
    return out.assign(**{f"{col}{FLAG_SUFFIX}": flag for col, flag in all_flags.items()})


def suppress_kpis(
    kpis: pd.DataFrame,
    *,
    threshold: int = 5,
    audience: str = "shared",
    exempt: Collection[str] = NOT_ABOUT_CHILDREN,
) -> pd.DataFrame:
    """Flag and, for shared packs, blank KPI values that could identify a child.

    Parameters
    ----------
    kpis
        One row per KPI (and service) with the columns of ``KPI_COLUMNS``.
    threshold
        The smallest count that may be shown (params ``suppression_threshold``).
    audience
        ``"shared"`` (the default) or ``"families"``: suppressed rows get
        missing ``value``, ``numerator``, ``denominator``, ``lower_ci`` and
        ``upper_ci``. ``"internal"``: values stay, and ``suppressed`` still says
        what a shared pack would hide.
    exempt
        KPI ids that count no children (by default the plan action KPIs,
        ``NOT_ABOUT_CHILDREN``): never suppressed.

    Returns
    -------
    pandas.DataFrame
        ``kpis`` with a fresh index and a boolean ``suppressed`` column. A row
        is suppressed when its unit is ``count`` and its value is from 1 to
        ``threshold - 1`` (:func:`~sendreport.disclosure.rule.is_small`), or
        its unit is anything else (``%``, ``weeks``, ``days``) and its
        denominator, numerator or complement is
        (:func:`~sendreport.disclosure.rule.percentage_is_small`; a mean or
        median has no numerator, so its denominator alone). For count
        KPIs in a shared pack, ``baseline`` and ``previous`` values from 1 to
        ``threshold - 1`` are blanked too (they count children in another
        period); ``suppressed`` describes ``value`` only.

    Raises
    ------
    ParameterError
        If a column is missing, ``audience`` is not one of ``AUDIENCES`` or
        ``threshold`` is not a whole number of at least 1.

    Examples
    --------
    >>> k = pd.DataFrame({c: [None, None] for c in KPI_COLUMNS}).assign(
    ...     kpi_id=["ehcp_issued", "ehcp_20wk_excl"], unit=["count", "%"],
    ...     value=[3.0, 50.0], numerator=[3.0, 2.0], denominator=[None, 4.0])
    >>> suppress_kpis(k)[["kpi_id", "value", "suppressed"]]
               kpi_id  value  suppressed
    0     ehcp_issued    NaN        True
    1  ehcp_20wk_excl    NaN        True
    """
    check_audience(audience)
    check_threshold(threshold)
    _require(kpis, KPI_COLUMNS, "suppress_kpis")
    out = kpis.reset_index(drop=True)
    is_count = (out["unit"] == "count").fillna(False).to_numpy(dtype=bool)
    value = as_numbers(out["value"])
    num = as_numbers(out["numerator"])
    denom = as_numbers(out["denominator"])
    suppressed = np.where(
        is_count, is_small(value, threshold), percentage_is_small(num, denom, threshold)
    )
    is_exempt = out["kpi_id"].isin(list(exempt)).to_numpy(dtype=bool)
    suppressed = suppressed & ~is_exempt
    is_count = is_count & ~is_exempt
    if audience != "internal":
        hidden = ("value", "numerator", "denominator", "lower_ci", "upper_ci")
        out = out.assign(**{col: blank(out[col], suppressed) for col in hidden})
        for col in ("baseline", "previous"):
            out[col] = blank(out[col], is_count & is_small(as_numbers(out[col]), threshold))
    return out.assign(suppressed=suppressed)


def suppress_series(
    series: pd.DataFrame,
    *,
    threshold: int = 5,
    audience: str = "shared",
) -> pd.DataFrame:
    """Flag and, for shared packs, blank the months of a KPI series that could identify a child.

    Parameters
    ----------
    series
        One row per KPI (and service) and month with the columns of
        ``SERIES_COLUMNS``; other columns (SPC limits) pass through.
    threshold
        The smallest count that may be shown (params ``suppression_threshold``).
    audience
        As for ``suppress_kpis``: ``"shared"`` and ``"families"`` blank
        ``value``, ``numerator`` and ``denominator`` of suppressed months (a gap
        in the chart); ``"internal"`` keeps them.

    Returns
    -------
    pandas.DataFrame
        ``series`` with a fresh index and a boolean ``suppressed`` column: true
        where the denominator, the numerator or the complement is from 1 to
        ``threshold - 1`` (:func:`~sendreport.disclosure.rule.percentage_is_small`),
        or, when a ``unit`` column says ``count``, where the value is.

    Raises
    ------
    ParameterError
        If a column is missing, ``audience`` is not one of ``AUDIENCES`` or
        ``threshold`` is not a whole number of at least 1.

    Examples
    --------
    The second month has 4 decisions; the third 30 of 34 on time, so 4 late:

    >>> s = pd.DataFrame({"kpi_id": ["ar_decision_4wk"] * 3, "service": [None] * 3,
    ...     "month": ["2024-01-01", "2024-02-01", "2024-03-01"], "value": [50.0, 25.0, 88.2],
    ...     "numerator": [5, 1, 30], "denominator": [10, 4, 34]})
    >>> suppress_series(s)[["value", "suppressed"]]
       value  suppressed
    0   50.0       False
    1    NaN        True
    2    NaN        True
    """
    check_audience(audience)
    check_threshold(threshold)
    _require(series, SERIES_COLUMNS, "suppress_series")
    out = series.reset_index(drop=True)
    suppressed = percentage_is_small(
        as_numbers(out["numerator"]), as_numbers(out["denominator"]), threshold
    )
    if "unit" in out.columns:
        is_count = (out["unit"] == "count").fillna(False).to_numpy(dtype=bool)
        suppressed = np.where(is_count, is_small(as_numbers(out["value"]), threshold), suppressed)
    if audience != "internal":
        hidden = ("value", "numerator", "denominator")
        out = out.assign(**{col: blank(out[col], suppressed) for col in hidden})
    return out.assign(suppressed=suppressed)








def _lines(
    df: pd.DataFrame,
    counts: list[str],
    row_total: str | None,
    column_total_row: Mapping[str, object] | None,
) -> list[tuple[list[tuple[int, int]], tuple[int, int]]]:
    """Every additive line of the table: (cells, total), as (row, column) positions."""
    lines = []
    n_rows = len(df)
    total_row = None
    if column_total_row is not None:
        match = np.ones(n_rows, dtype=bool)
        for col, value in column_total_row.items():
            match &= (df[col] == value).fillna(False).to_numpy(dtype=bool)
        if match.sum() != 1:
            raise ParameterError(
                f"column_total_row {dict(column_total_row)!r} must match exactly one row, "
                f"not {int(match.sum())}"
            )
        total_row = int(np.flatnonzero(match)[0])
    if row_total is not None:
        t = counts.index(row_total)
        others = [c for c in range(len(counts)) if c != t]
        lines += [([(r, c) for c in others], (r, t)) for r in range(n_rows)]
    if total_row is not None:
        others = [r for r in range(n_rows) if r != total_row]
        lines += [([(r, c) for r in others], (total_row, c)) for c in range(len(counts))]
    return lines


def _secondary(
    values: np.ndarray,
    flags: np.ndarray,
    lines: list[tuple[list[tuple[int, int]], tuple[int, int]]],
    threshold: int,
) -> None:
    """Suppress more cells, in place, as :func:`~sendreport.disclosure.rule.protect_lines` says."""
    for cells, total in protect_lines(values, flags, lines, threshold):
        members = [*cells, total]
        warnings.warn(
            f"the suppressed cell in table row {_flagged_row(members, flags)} cannot be "
            "protected from its total: every other cell of its line is missing",
            SendReportWarning,
            stacklevel=4,
        )


def _flagged_row(members: list[tuple[int, int]], flags: np.ndarray) -> int:
    """Return the (0-based) row of the one flagged member of a line."""
    return next(m[0] for m in members if flags[m])


def _require(df: pd.DataFrame, columns: Sequence[str], func: str) -> None:
    missing = [c for c in dict.fromkeys(columns) if c not in df.columns]
    if missing:
        raise ParameterError(
            f"{func} requires missing columns: {', '.join(map(str, missing))}. "
            f"Found: {', '.join(map(str, df.columns))}"
        )






__all__ = [
    "AUDIENCES",
    "KPI_COLUMNS",
    "NOT_ABOUT_CHILDREN",
    "NOT_APPLICABLE",
    "NOT_AVAILABLE",
    "SERIES_COLUMNS",
    "SUPPRESSED",
    "suppress",
    "suppress_kpis",
    "suppress_series",
]

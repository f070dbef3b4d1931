"""Records under query and what they move: each figure with them and without them.

The ``query_*`` checks (:mod:`sendreport.validation.suspects`) flag records an
analyst should query (a child with 20 open referrals to one service, a stray
cluster before the export's coverage) but never drop them: only the analyst
can confirm they are wrong, and leave them out with ``exclude``. To make that
choice informed, ``validate``, the run's summary, ``data_quality.csv`` and the
pack's data quality appendix say how many records of each table are under
query (rule :data:`UNDER_QUERY`) and the *impact*: each figure of the period
that would change if they were excluded, as ``figure: with -> without``
(``wait_list speech_and_language_therapy: 92 -> 72``).

The impact passes the disclosure rule (:func:`release_quality`): it is shown
only where the figure as published, the figure without the records, and the
difference are all published or zero, so that no withheld figure or count can
be recovered from it; otherwise the line says the impact is withheld.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sendreport.disclosure.rule import is_small
from sendreport.metrics._helpers import DateLike
from sendreport.validation.schemas import TABLES
from sendreport.validation.suspects import query_checks

__all__ = [
    "IMPACT_WITHHELD",
    "UNDER_QUERY",
    "describe_impact",
    "query_impact",
    "queried_rows",
    "release_quality",
    "under_query_summary",
    "with_impact",
]

UNDER_QUERY = "query_total"
"""The ``data_quality.csv`` rule counting a table's records under query (any ``query_*`` rule,
each record once): of the query family, so outside ``rows_excluded``'s sums."""

IMPACT_WITHHELD = "withheld (it could reveal a figure or count the disclosure rule withholds)"
"""The impact of a table's records under query when the disclosure rule keeps it back."""

IMPACT_COLUMNS = ("table", "kpi_id", "service", "unit", "value", "without", "numerator",
                  "numerator_without", "denominator", "denominator_without")


def queried_rows(tables: Mapping[str, pd.DataFrame],
                 data_from: Mapping[str, DateLike] | None = None) -> dict[str, np.ndarray]:
    """Positions of each table's records under query (any ``query_*`` rule), sorted.

    The same checks ``load_data`` counts, on the same validated tables, so the
    same records.

    Examples
    --------
    >>> f = pd.DataFrame({"referral_id": ["F1", "F2"], "person_id": ["P1", "P1"],
    ...                   "service": ["audiology"] * 2,
    ...                   "referral_date": pd.to_datetime(["2024-01-10"] * 2),
    ...                   "first_contact_date": pd.to_datetime([None] * 2),
    ...                   "removed_date": pd.to_datetime([None] * 2)})
    >>> {k: v.tolist() for k, v in queried_rows({"referrals": f}).items()}
    {'referrals': [1]}
    """
    given = dict(data_from or {})
    out = {}
    for name, frame in tables.items():
        if name not in TABLES or frame is None:
            continue
        when = given.get(name)
        when = pd.Timestamp(when).date() if when is not None else None
        found = [p for _, _, p in query_checks(frame, name, TABLES[name].key[0],
                                               data_from=when)]
        if found:
            out[name] = np.unique(np.concatenate(found))
    return out


def query_impact(
    tables: Mapping[str, pd.DataFrame],
    queried: Mapping[str, np.ndarray],
    *,
    period_start: DateLike,
    period_end: DateLike,
    data_from: Mapping[str, DateLike] | None = None,
) -> pd.DataFrame:
    """Each figure of the period that the records under query of a table change.

    For each table with records under query, the period's KPIs are computed
    with every table as given and again without those records, the coverage
    held as it is with them; the rows are the figures that differ.

    Returns
    -------
    pandas.DataFrame
        :data:`IMPACT_COLUMNS`: the table, the figure, its unit, its value,
        numerator and denominator with the records and without them.

    Examples
    --------
    >>> r = pd.DataFrame({"referral_id": [f"F{i}" for i in range(6)],
    ...     "person_id": ["P1", "P2", "P3", "P9", "P9", "P9"], "service": ["audiology"] * 6,
    ...     "referral_date": pd.to_datetime(["2024-01-10"] * 6),
    ...     "first_contact_date": pd.NaT, "removed_date": pd.NaT})
    >>> out = query_impact({"referrals": r}, {"referrals": np.array([4, 5])},
    ...                    period_start="2024-01-01", period_end="2024-03-31")
    >>> out.loc[out["kpi_id"] == "wait_list", ["service", "value", "without"]].values.tolist()
    [['audiology', 6.0, 4.0]]
    """
    from sendreport.metrics.compute import compute_kpis
    from sendreport.metrics.coverage import resolve_data_from

    coverage = resolve_data_from(tables, data_from)
    dates = {"period_start": period_start, "period_end": period_end, "data_from": coverage}
    parts = []
    if any(len(p) for p in queried.values()):
        base = _figures(compute_kpis(tables, **dates))
    for name, positions in queried.items():
        if not len(positions) or name not in tables:
            continue
        keep = np.ones(len(tables[name]), dtype=bool)
        keep[positions] = False
        fewer = {**tables, name: tables[name][keep].reset_index(drop=True)}
        after = _figures(compute_kpis(fewer, **dates))
        both = base.merge(after, left_index=True, right_index=True, suffixes=("", "_without"))
        moved = np.zeros(len(both), dtype=bool)
        for column in ("value", "numerator", "denominator"):
            a = pd.to_numeric(both[column], errors="coerce").to_numpy(dtype="float64")
            b = pd.to_numeric(both[f"{column}_without"], errors="coerce").to_numpy(
                dtype="float64")
            moved |= ~((a == b) | (np.isnan(a) & np.isnan(b)))
        found = both[moved].reset_index()
        found = found.assign(table=name, unit=found["unit"], without=found["value_without"])
        parts.append(found[list(IMPACT_COLUMNS)])
    if not parts:
        return pd.DataFrame(columns=IMPACT_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def _figures(kpis: pd.DataFrame) -> pd.DataFrame:
    return kpis.assign(service=kpis["service"].fillna("").astype(str)).set_index(
        ["kpi_id", "service"])[["unit", "value", "numerator", "denominator"]]


def _number(value: object, unit: str) -> str:
    if value is None or pd.isna(value):
        return "x"
    return f"{float(value):,.0f}" if unit == "count" else f"{float(value):,.1f}"


def describe_impact(impact: pd.DataFrame) -> str:
    """The impact in words, one ``figure: with -> without`` per figure, ``; `` between.

    Examples
    --------
    >>> i = pd.DataFrame({"kpi_id": ["wait_list", "ehcp_20wk_excl"],
    ...     "service": ["speech_and_language_therapy", ""], "unit": ["count", "%"],
    ...     "value": [92.0, 32.2034], "without": [72.0, 33.9]})
    >>> describe_impact(i)
    'wait_list speech_and_language_therapy: 92 -> 72; ehcp_20wk_excl: 32.2 -> 33.9'
    >>> describe_impact(i.iloc[:0])
    'no figure of the period changes'
    """
    if impact.empty:
        return "no figure of the period changes"
    return "; ".join(
        f"{' '.join(p for p in (r.kpi_id, r.service) if p)}: {_number(r.value, r.unit)} -> "
        f"{_number(r.without, r.unit)}" for r in impact.itertuples())


def with_impact(quality: pd.DataFrame, queried: Mapping[str, np.ndarray],
                impact: pd.DataFrame) -> pd.DataFrame:
    """``quality`` with a :data:`UNDER_QUERY` row per table and an ``impact`` column.

    The row counts the table's records under query (a record flagged by two
    rules counts once) and says its impact (:func:`describe_impact`); every
    other row's impact is empty. Unreleased: :func:`release_quality` applies the
    disclosure rule.
    """
    out = quality.assign(impact="")
    rows = []
    for name, positions in queried.items():
        mine = out[out["table"] == name]
        if mine.empty or not len(positions):
            continue
        rows.append({"table": name, "file": mine["file"].iloc[0], "column": "",
                     "rule": UNDER_QUERY, "count": len(positions),
                     "impact": describe_impact(impact[impact["table"] == name])})
    if not rows:
        return out
    return pd.concat([out, pd.DataFrame(rows)], ignore_index=True).astype(
        {"count": out["count"].dtype})


def release_quality(quality: pd.DataFrame, released: pd.DataFrame, impact: pd.DataFrame,
                    kpis: pd.DataFrame, *, threshold: int, audience: str) -> pd.DataFrame:
    """The disclosure rule on the records under query and their impact.

    ``quality`` is :func:`with_impact`'s frame, ``released`` what
    :func:`~sendreport.disclosure.release.suppress_quality` made of it (the
    ``suppressed`` column), ``kpis`` the released ``kpis.csv``. A table's
    :data:`UNDER_QUERY` count is withheld too when one of its ``query_*``
    counts is (the counts overlap, but a difference could still reveal one).
    For the ``shared`` and ``families`` audiences its impact is
    :data:`IMPACT_WITHHELD` when its count is withheld; else each line is shown
    only when its figure is published in ``kpis.csv``, its numerator and
    denominator without the records pass the rule, and each difference is
    zero or at least ``threshold`` (so no count of children below it can be
    worked out); the other lines are counted as withheld.

    Examples
    --------
    >>> q = pd.DataFrame({"table": "referrals", "file": "f.csv", "column": "",
    ...     "rule": ["query_many_records", "query_total"], "count": [20, 20],
    ...     "impact": ["", "wait_list audiology: 92 -> 72"]})
    >>> r = q.assign(suppressed=False)
    >>> i = pd.DataFrame({"table": ["referrals"], "kpi_id": ["wait_list"],
    ...     "service": ["audiology"], "unit": ["count"], "value": [92.0], "without": [72.0],
    ...     "numerator": [92], "numerator_without": [72], "denominator": [None],
    ...     "denominator_without": [None]})
    >>> k = pd.DataFrame({"kpi_id": ["wait_list"], "service": ["audiology"],
    ...                   "suppressed": [False]})
    >>> release_quality(q, r, i, k, threshold=5, audience="shared")["impact"].tolist()
    ['', 'wait_list audiology: 92 -> 72']
    >>> i2 = i.assign(without=[89.0], numerator_without=[89])  # 3 children: withheld
    >>> release_quality(q, r, i2, k, threshold=5, audience="shared")["impact"].iloc[1][:20]
    '1 more figure withhe'
    """
    out = released.copy()
    if "impact" not in out:
        out["impact"] = quality["impact"] if "impact" in quality else ""
    out["impact"] = out["impact"].fillna("").astype(str)
    rule = out["rule"].astype(str)
    for name in out.loc[rule == UNDER_QUERY, "table"].unique():
        here = (out["table"] == name).to_numpy()
        total = here & (rule == UNDER_QUERY).to_numpy()
        parts = here & rule.str.startswith("query_").to_numpy() & ~total
        if out.loc[parts, "suppressed"].any() and not out.loc[total, "suppressed"].all():
            out.loc[total, "suppressed"] = True
            if audience != "internal":
                out.loc[total, "count"] = pd.NA
        if audience == "internal":
            continue
        if out.loc[total, "suppressed"].any():
            out.loc[total, "impact"] = IMPACT_WITHHELD
            continue
        mine = impact[impact["table"] == name]
        safe = _safe(mine, kpis, threshold)
        text = describe_impact(mine[safe]) if safe.any() or mine.empty else ""
        if not safe.all():
            n = int((~safe).sum())
            held = f"{n} more {'figure' if n == 1 else 'figures'} {IMPACT_WITHHELD}"
            text = f"{text}; {held}" if text else held
        out.loc[total, "impact"] = text
    return out


def _safe(impact: pd.DataFrame, kpis: pd.DataFrame, threshold: int) -> np.ndarray:
    """Which impact lines may be published (:func:`release_quality`'s conditions)."""
    withheld = kpis.assign(service=kpis["service"].fillna("").astype(str)).set_index(
        ["kpi_id", "service"])["suppressed"].fillna(False).astype(bool)
    return np.array([_line_safe(r, withheld, threshold) for r in impact.itertuples()],
                    dtype=bool)


def _line_safe(r, withheld: pd.Series, threshold: int) -> bool:
    if withheld.get((r.kpi_id, r.service), True):  # withheld, or not published at all
        return False
    for a, b in ((r.numerator, r.numerator_without), (r.denominator, r.denominator_without)):
        if pd.isna(a) and pd.isna(b):
            continue
        if pd.isna(a) or pd.isna(b) or is_small(float(b), threshold) or is_small(
                abs(float(a) - float(b)), threshold):
            return False
    return not (r.unit == "count" and is_small(float(r.without), threshold))


def under_query_summary(quality: pd.DataFrame) -> str:
    """The run's line on records under query, from ``data_quality.csv`` as published.

    Empty when no table has a record under query.

    Examples
    --------
    >>> q = pd.DataFrame({"table": ["requests", "requests", "referrals"],
    ...     "rule": ["rows_read", "query_total", "query_total"],
    ...     "count": pd.array([500, None, 50], dtype="Int64")})
    >>> print(under_query_summary(q))
    Records under query, counted in every figure: requests c, referrals 50; what excluding them would change is in data_quality.csv (impact) and Appendix B
    """  # noqa: E501
    rows = quality[quality["rule"] == UNDER_QUERY]
    if rows.empty:
        return ""
    counts = ", ".join(f"{r.table} {'c' if pd.isna(r.count) else f'{int(r.count):,}'}"
                       for r in rows.itertuples())
    return (f"Records under query, counted in every figure: {counts}; what excluding them "
            "would change is in data_quality.csv (impact) and Appendix B")

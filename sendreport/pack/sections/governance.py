"""Governance (board meetings, decisions, escalations, risks) and workforce."""

from __future__ import annotations

from typing import Any

from sendreport.disclosure.rule import figure_is_small
from sendreport.pack.facts import PackFacts
from sendreport.pack.templating import render
from sendreport.tables import Cell, Table, build_table
from sendreport.vocabulary import format_value, is_missing, long_date


def workforce_measures(pack: PackFacts) -> list[str]:
    """Ids of the ``measures`` table's workforce measures (SPEC 4.5 ``kind: workforce``).

    Data without a ``kind`` column name their workforce returns in ``source``.
    """
    m = pack.tables.get("measures")
    if m is None or m.empty:
        return []
    if "kind" in m:
        mask = m["kind"].astype(str).str.lower() == "workforce"
    else:
        mask = m["source"].astype(str).str.lower().str.contains("workforce")
    return list(dict.fromkeys(m.loc[mask, "measure_id"].astype(str)))


def workforce_table(pack: PackFacts) -> Table | None:
    """Workforce measures: the latest value in the period beside the value a year before."""
    import pandas as pd

    ids = workforce_measures(pack)
    if not ids:
        return None
    m = pack.tables["measures"]
    p = pack.params
    end = pd.Timestamp(p.period_end)
    threshold = p.suppression_threshold
    rows = []
    for mid in ids:
        rows_m = m[(m["measure_id"].astype(str) == mid) & (pd.to_datetime(m["date"]) <= end)]
        rows_m = rows_m.assign(_d=pd.to_datetime(rows_m["date"])).sort_values("_d")
        if rows_m.empty:
            continue
        latest = rows_m.iloc[-1]
        year_before = rows_m[rows_m["_d"] <= latest["_d"] - pd.DateOffset(years=1)]
        unit = str(latest["unit"])

        def shown(r, unit: str = unit) -> str:
            value = r["value"]
            if is_missing(value) and not is_missing(r.get("denominator")):
                value = 100 * r["numerator"] / r["denominator"] if r["denominator"] else None
            counts_people = "people" not in r.index or bool(r["people"]) is not False
            small = figure_is_small(unit, value, r.get("numerator"), r.get("denominator"),
                                    threshold)
            hidden = counts_people and small and p.audience != "internal"
            return format_value(value, "%" if unit == "%" else unit, suppressed=hidden)

        rows.append(
            [
                Cell(str(latest["title"]), header=True),
                Cell(shown(latest), numeric=True),
                long_date(latest["_d"].date()),
                Cell(shown(year_before.iloc[-1]) if len(year_before) else "x", numeric=True),
            ]
        )
    if not rows:
        return None
    return build_table(
        ["Measure", "Latest", "As at", "A year before"],
        rows,
        caption="Workforce",
        numeric_columns=(1, 3),
        threshold=threshold,
    )


def governance(pack: PackFacts) -> dict[str, Any] | None:
    """Board meetings, decisions, escalations, risks and workforce, as data.

    ``None`` when the plan has no ``governance`` block and the data no
    workforce measure.
    """
    g = getattr(pack.plan, "governance", None)
    threshold = pack.params.suppression_threshold
    meetings = risks = None
    board = ""
    if g is not None:
        board = ", ".join(x for x in (g.name, f"chaired by {g.chair}" if g.chair else "") if x)
        if g.meetings:
            meetings = build_table(
                ["Meeting", "Decisions", "Escalations"],
                [
                    [
                        Cell(long_date(m.date), header=True),
                        "; ".join(m.decisions) or "No decision recorded",
                        "; ".join(m.escalations) or "No escalation",
                    ]
                    for m in sorted(g.meetings, key=lambda m: m.date)
                ],
                caption="Board meetings",
                threshold=threshold,
            )
        if g.risks:
            risks = build_table(
                ["Risk", "Rating", "Mitigation", "Owner"],
                [
                    [
                        Cell(f"{r.id} {r.title}", header=True),
                        Cell("" if r.rating is None else str(r.rating), numeric=True),
                        r.mitigation or "",
                        r.owner or "",
                    ]
                    for r in g.risks
                ],
                caption="Risk register",
                numeric_columns=(1,),
                threshold=threshold,
            )
    workforce = workforce_table(pack)
    if g is None and workforce is None:
        return None
    return {
        "has_governance": g is not None,
        "board": board,
        "meetings": meetings,
        "risks": risks,
        "workforce": workforce,
    }


def governance_html(pack: PackFacts) -> str:
    """The governance and workforce section (empty when the plan and data hold neither)."""
    data = governance(pack)
    return "" if data is None else render("governance.html.j2", **data)

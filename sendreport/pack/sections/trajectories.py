"""Planned against actual for each trajectory milestone of an area's KPIs."""

from __future__ import annotations

from typing import Any

from sendreport.pack.facts import PackFacts
from sendreport.pack.templating import render
from sendreport.plan import PriorityArea
from sendreport.vocabulary import format_value


def planned_against_actual(pack: PackFacts, area: PriorityArea) -> dict[str, Any] | None:
    """Planned against actual for each trajectory milestone of the area's KPIs, as data.

    Also lists the KPIs with a target but no trajectory (a gap in the plan).
    ``None`` when the area has neither. Printed by ``planned_vs_actual.html.j2``.
    """
    from sendreport.disclosure.rule import withheld_key

    kpis, uses_c, uses_x = [], False, False
    for view, checks in pack.planned_against_actual(area):
        rows = []
        for m in checks:
            actual = (
                ""
                if m.status == "not yet due"
                else format_value(m.actual, view.unit, suppressed=m.suppressed)
            )
            uses_c |= actual == "c"
            uses_x |= actual == "x"
            rows.append(
                {
                    "date": f"{m.date.day}\u00a0{m.date:%b}\u00a0{m.date:%Y}",
                    "planned": format_value(m.planned, view.unit),
                    "actual": actual,
                    "status": m.status.capitalize(),
                }
            )
        kpis.append({"name": view.name, "anchor": view.anchor, "milestones": rows})
    gaps = [v.name for v in pack.missing_trajectories(area)]
    if not kpis and not gaps:
        return None
    return {
        "caption": f"Trajectory milestones: {area.title}",
        "kpis": kpis,
        "gaps": gaps,
        "uses_c": uses_c,
        "uses_x": uses_x,
        "withheld": withheld_key(pack.params.suppression_threshold),
    }


def planned_against_actual_html(pack: PackFacts, area: PriorityArea) -> str:
    """Planned against actual for one priority area (empty when it has no targets)."""
    data = planned_against_actual(pack, area)
    return "" if data is None else render("planned_vs_actual.html.j2", **data)

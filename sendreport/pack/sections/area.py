"""One priority area's section: its words, charts, trajectories, health waits and actions."""

from __future__ import annotations

from typing import Any

from sendreport.pack.facts import PackFacts
from sendreport.pack.sections.benchmark import benchmark
from sendreport.pack.sections.chart import kpi_chart
from sendreport.pack.sections.headings import area_anchor, area_heading, paragraphs
from sendreport.pack.sections.health import health_waits, shows_health
from sendreport.pack.sections.trajectories import planned_against_actual
from sendreport.pack.templating import render
from sendreport.plan import PriorityArea
from sendreport.tables import Cell, Table, build_table
from sendreport.vocabulary import long_date

STATUS_WORDS = {
    "complete": ("\u25a0", "Complete"),
    "on_track": ("\u25cf", "On track"),
    "at_risk": ("\u25b2", "At risk"),
    "off_track": ("\u25bc", "Off track"),
    "not_started": ("\u25cb", "Not started"),
}
"""Action status in symbol and words (never colour alone)."""


def actions_table(pack: PackFacts, area: PriorityArea) -> Table | None:
    """The area's actions: owner, due date (and original), status, impact KPI.

    A status in the plan's own words (``status_vocabulary``) is printed as the
    plan says it, with the status the rules count it as: "In progress (counted
    as on track)", never a bare "On track" nobody wrote.
    """
    if not area.actions:
        return None
    rows = []
    for a in area.actions:
        due = long_date(a.due_date)
        if a.original_due_date and a.original_due_date != a.due_date:
            due += f" (originally {long_date(a.original_due_date)})"
        symbol, words = STATUS_WORDS[pack.plan.action_status(a)]
        if a.status not in STATUS_WORDS:  # the plan's own word, and what the rules count it as
            words = f"{a.status} (counted as {words.lower()})"
        impact = []
        for v in pack.action_views(a):
            impact.append(f"{v.name}: {v.fact.latest.shown()}")
        rows.append(
            [
                Cell(f"{a.id} {a.title}", header=True),
                a.owner,
                due,
                Cell(f"{symbol} {words}", css_class="status"),
                "; ".join(impact) if impact else "z",
            ]
        )
    return build_table(
        ["Action", "Owner", "Due", "Status", "Impact KPI (latest)"],
        rows,
        caption=f"Actions: {area.title}",
        threshold=pack.params.suppression_threshold,
    )


def priority_area(pack: PackFacts, area: PriorityArea) -> dict[str, Any]:
    """What one priority area's section says."""
    you_said = None
    if area.you_said_we_did:
        you_said = build_table(
            ["You said", "We did", "Impact"],
            [
                [Cell(y.you_said, header=True), y.we_did, y.impact or "Not yet reported"]
                for y in area.you_said_we_did
            ],
            caption="You said, we did",
            threshold=pack.params.suppression_threshold,
        )
    charts = []
    for v in pack.views_for(area):
        chart = kpi_chart(pack, v)
        chart["benchmark"] = (
            benchmark(pack, v) if v.plan_kpi.id in ("ehcp_20wk_excl", "ehcp_20wk_incl") else None
        )
        charts.append(chart)
    return {
        "anchor": area_anchor(area),
        "heading": area_heading(pack, area),
        "what_we_will_do": paragraphs(area.what_we_will_do),
        "what_will_be_different": paragraphs(area.what_will_be_different),
        # Confidential quotes go only into the annex, never into the pack.
        "quotes": [q for q in area.family_voice if not q.confidential],
        # Only family_voice measures are what families told us (SPEC 4.5).
        "survey": [
            " ".join(filter(None, (v.headline, pack.survey_note(v))))
            for v in pack.views_for(area)
            if v.plan_kpi.id in pack.family_voice
        ],
        "you_said_we_did": you_said,
        "charts": charts,
        "trajectories": planned_against_actual(pack, area),
        "health": health_waits(pack) if shows_health(pack, area) else None,
        "actions": actions_table(pack, area),
        "progress": paragraphs(area.progress),
        # A WSoA's areas after the first share pages (SPEC 7, REPORT: no wall of thin pages).
        "flow": pack.plan.type == "written_statement_of_action"
        and area.id != pack.plan.priority_areas[0].id,
    }


def area_html(pack: PackFacts, area: PriorityArea) -> str:
    """One priority area's section."""
    return render("area.html.j2", **priority_area(pack, area))

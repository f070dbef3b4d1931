"""One priority area's section: its words, charts, trajectories, health waits and actions."""

from __future__ import annotations

from typing import Any

from sendreport.metrics.actions import slip_since, status_word_at
from sendreport.pack.facts import PackFacts
from sendreport.pack.sections.benchmark import benchmark
from sendreport.pack.sections.chart import kpi_chart
from sendreport.pack.sections.headings import (
    area_anchor,
    area_heading,
    evidence_anchor,
    paragraphs,
)
from sendreport.pack.sections.health import health_waits, shows_health
from sendreport.pack.sections.trajectories import planned_against_actual
from sendreport.pack.templating import render
from sendreport.plan import Plan, PriorityArea
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


def status_cell(plan: Plan, word: str | None) -> Cell:
    """A status in symbol and words; ``None`` is a status nobody recorded.

    A word of the plan's own (``status_vocabulary``) is printed as the plan
    says it, with the status the rules count it as: "In progress (counted as
    on track)", never a bare "On track" nobody wrote.
    """
    if word is None:
        return Cell("Not recorded")
    symbol, words = STATUS_WORDS[plan.status_vocabulary.get(word, word)]
    if word not in STATUS_WORDS:
        words = f"{word} (counted as {words.lower()})"
    return Cell(f"{symbol} {words}", css_class="status")


def evidence_cell(pack: PackFacts, ids: tuple[str, ...]) -> Cell | str:
    """An action's evidence ids, each linked to its row of the evidence index (Appendix C).

    The pack shows the plan as at the period end: an item dated after it is
    not in the index and shows as "after this period".
    """
    if not ids:
        return "No evidence given"
    shown = {e.id for e in pack.plan.evidence}
    links = tuple((i, evidence_anchor(i)) if i in shown else (f"{i} (after this period)", None)
                  for i in ids)
    return Cell(", ".join(text for text, _ in links), links=links)


NO_IMPACT_KPI = "No KPI named"
"""The impact cell of an action the plan links to no KPI: words, as a lone ``z`` in the
last column was easy to miss beside a key that explained it."""


def actions_table(pack: PackFacts, area: PriorityArea) -> Table | None:
    """The area's actions table (REPORT page 4).

    Owner, due date (and original), status now and at the last stocktake,
    evidence ids linked to the evidence index, impact KPI. A status in the
    plan's own words (``status_vocabulary``) is printed as the plan says it,
    with the status the rules count it as (:func:`status_cell`).
    """
    if not area.actions:
        return None
    previous = pack.params.previous_period_end
    rows = []
    for a in area.actions:
        due = long_date(a.due_date)
        if a.original_due_date and a.original_due_date != a.due_date:
            due += f" (originally {long_date(a.original_due_date)})"
        impact = []
        for v in pack.action_views(a):
            impact.append(f"{v.name}: {v.fact.latest.shown()}")
        then = [status_cell(pack.plan, status_word_at(a, previous))] if previous else []
        rows.append(
            [
                Cell(f"{a.id} {a.title}", header=True),
                a.owner,
                due,
                status_cell(pack.plan, a.status),
                *then,
                evidence_cell(pack, a.evidence),
                "; ".join(impact) if impact else NO_IMPACT_KPI,
            ]
        )
    then_header = [f"At last stocktake ({long_date(previous)})"] if previous else []
    return build_table(
        ["Action", "Owner", "Due", "Status now", *then_header, "Evidence",
         "Impact KPI (latest)"],
        rows,
        caption=f"Actions: {area.title}",
        threshold=pack.params.suppression_threshold,
    )


def _said(plan: Plan, word: str) -> str:
    """A status in a sentence: the plan's own word with what it counts as."""
    words = STATUS_WORDS[plan.status_vocabulary.get(word, word)][1].lower()
    return words if word in STATUS_WORDS else f"{word} ({words})"


def slipped_since_last_stocktake(pack: PackFacts, area: PriorityArea) -> list[str]:
    """One sentence per action of the area that slipped since the last stocktake.

    Slipped: a status worse than at the last stocktake, or a due date moved
    since (:func:`sendreport.metrics.actions.slip_since`). Empty when the
    params give no ``previous_period_end``.
    """
    previous = pack.params.previous_period_end
    if previous is None:
        return []
    lines = []
    for a in area.actions:
        slip = slip_since(pack.plan, a, previous)
        if slip is None:
            continue
        parts = []
        if slip.worse:
            then = status_word_at(a, previous) or ""  # a worse status had one then
            parts.append(f"{_said(pack.plan, then)} at the last stocktake, "
                         f"{_said(pack.plan, a.status)} now")
        if slip.due_then is not None:
            parts.append(f"due date moved from {long_date(slip.due_then)} to "
                         f"{long_date(a.due_date)}")
        lines.append(f"{a.id} {a.title}: {'; '.join(parts)}.")
    return lines


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
        "slipped": slipped_since_last_stocktake(pack, area),
        "previous": long_date(pack.params.previous_period_end),
        # "No action slipped" only where the plan recorded where the actions stood then
        "recorded_then": pack.params.previous_period_end is not None and any(
            status_word_at(a, pack.params.previous_period_end) is not None
            for a in area.actions),
        "progress": paragraphs(area.progress),
        # A WSoA's areas after the first share pages (SPEC 7, REPORT: no wall of thin pages).
        "flow": pack.plan.type == "written_statement_of_action"
        and area.id != pack.plan.priority_areas[0].id,
    }


def area_html(pack: PackFacts, area: PriorityArea) -> str:
    """One priority area's section."""
    return render("area.html.j2", **priority_area(pack, area))

"""The verdict page and a Written Statement of Action's summary by area of concern."""

from __future__ import annotations

from typing import Any

from sendreport.pack.facts import PackFacts
from sendreport.pack.sections.headings import area_anchor, area_heading, paragraphs
from sendreport.pack.sections.scorecard import ASSURANCE_SHORT
from sendreport.pack.templating import render
from sendreport.tables import Cell, Table, build_table, format_change
from sendreport.vocabulary import format_value, long_date, short_date


def _first_capital(text: str) -> str:
    """``text`` with its first letter a capital and the rest as written (``SPC`` stays).

    Examples
    --------
    >>> _first_capital("up 15.0 percentage points; special cause concern in its SPC chart")
    'Up 15.0 percentage points; special cause concern in its SPC chart'
    """
    return text[:1].upper() + text[1:]


def change_tables(pack: PackFacts) -> dict[str, Table | None]:
    """Material deteriorations and improvements (:mod:`sendreport.pack.change`) as tables.

    One row per measure and service, whether or not the plan names it: its
    figures at the baseline, the last stocktake and now, as ``kpis.csv`` has
    them, and what made the change material. ``None`` for a side with none.
    """
    from sendreport.pack.change import Side, material_changes

    changes = material_changes(pack)
    out: dict[str, Table | None] = {}
    for side, key, caption in (
        (Side.DETERIORATION, "deteriorations", "Material deteriorations"),
        (Side.IMPROVEMENT, "improvements", "Material improvements"),
    ):
        rows = []
        for c in (c for c in changes if c.side is side):
            figures = c.figures()
            why = list(c.reasons)
            if c.special_cause:
                kind = "concern" if side is Side.DETERIORATION else "improvement"
                why.append(f"special cause {kind} in its SPC chart")
            rows.append([
                Cell(c.name, header=True),
                Cell(figures["baseline"], numeric=True),
                Cell(figures["last stocktake"], numeric=True),
                Cell(figures["now"], numeric=True),
                _first_capital("; ".join(why)),
                "Yes" if c.in_plan else "No",
            ])
        out[key] = build_table(
            ["Measure and service", "Baseline", "Last stocktake", "Now", "Why material",
             "In the plan"],
            rows, caption=f"{caption}, by the rule of Appendix A", numeric_columns=(1, 2, 3),
            threshold=pack.params.suppression_threshold, css_class="material-changes",
        ) if rows else None
    return out


DEMAND = (
    ("ehcp_requests", "Requests for an EHC needs assessment"),
    ("ehcp_assessments_agreed", "Assessments agreed"),
    ("ehcp_issued", "New EHC plans issued"),
    ("ehcp_maintained", "EHC plans maintained"),
)
"""The demand panel's rows: ``kpis.csv`` ids and their labels."""

PLANS_MAINTAINED_NOT_AVAILABLE = (
    "EHC plans maintained (x): not available, as the tables give no count of the plans in force "
    "on a date."
)


def demand(pack: PackFacts) -> dict[str, Any]:
    """Demand beside performance: each count over the same length of period.

    Requests, assessments agreed, plans issued and plans maintained, now, at
    the last stocktake and at the baseline, from ``kpis.csv`` as released (a
    withheld figure is ``c``, one not available ``x``); the baseline of a
    count over a period is already scaled to the period's length there
    (:func:`sendreport.metrics.compute.length_ratio`).
    """
    import pandas as pd

    from sendreport.metrics.compute import period_months

    p = pack.params
    months = period_months(pd.Timestamp(p.period_start), pd.Timestamp(p.period_end))
    length = f"{months:g} months" if months != 1 else "1 month"
    header = ["Demand", f"Baseline (scaled to {length})", f"Last stocktake ({length})",
              f"Now ({short_date(p.period_start)} to {short_date(p.period_end)})",
              "Change since the baseline (count)"]
    rows, missing = [], []
    for kpi_id, label in DEMAND:
        if pack.kpi_row(kpi_id) is None:
            missing.append(kpi_id)
            continue
        f = pack.any_fact(kpi_id)
        change = "x"
        if f.latest.published and f.baseline.published:
            change = format_change(f.latest.value - f.baseline.value, "count")
        elif "c" in (f.latest.shown(), f.baseline.shown()):
            change = "c"
        rows.append([Cell(label, header=True), Cell(f.baseline.shown(), numeric=True),
                     Cell(f.previous.shown(), numeric=True), Cell(f.latest.shown(), numeric=True),
                     Cell(change, numeric=True)])
    if not rows:
        return {"demand": None, "demand_notes": []}
    notes = [PLANS_MAINTAINED_NOT_AVAILABLE] if "ehcp_maintained" in missing else []
    table = build_table(header, rows, caption=f"Demand beside performance, each over {length}",
                        numeric_columns=(1, 2, 3, 4), threshold=p.suppression_threshold,
                        css_class="demand")
    return {"demand": table, "demand_notes": notes}


def verdict(pack: PackFacts) -> dict[str, Any]:
    """The verdict page: each verdict beside the plan's own commentary, and the findings."""
    from sendreport.pack.findings import headline_findings
    from sendreport.pack.verdict import verdict as verdict_data

    data = verdict_data(pack)
    return {
        **change_tables(pack),
        **demand(pack),
        "plan": data["plan"],
        "commentary": paragraphs(data["commentary"]),
        "areas": [
            {
                "anchor": area_anchor(a["area"]),
                "heading": area_heading(pack, a["area"]),
                "sentences": a["sentences"],
                "commentary": paragraphs(a["commentary"]),
            }
            for a in data["areas"]
        ],
        "findings": headline_findings(pack),
        "as_at": long_date(pack.params.period_end),
    }


def verdict_html(pack: PackFacts) -> str:
    """The verdict and headline findings, on the page after the cover."""
    return render("verdict.html.j2", **verdict(pack))


def area_summary(pack: PackFacts) -> Table | None:
    """A Written Statement of Action's one-page summary by area of concern.

    One short row per area: actions done and moved, its key measure (the
    area's first KPI, latest value), assurance and progress in a word.
    ``None`` for other plan types.
    """
    from sendreport.pack.verdict import area_word

    if pack.plan.type != "written_statement_of_action":
        return None
    rows = []
    for area in pack.plan.priority_areas:
        statuses = [pack.plan.action_status(a) for a in area.actions]
        moved = sum(
            1 for a in area.actions if a.original_due_date and a.original_due_date != a.due_date
        )
        views = pack.views_for(area)
        key, assurance = "z", "z"
        if views:
            v = views[0]
            key = f"{v.name}: {format_value(v.value('value'), v.unit, suppressed=v.suppressed)}"
            if v.assurance:
                assurance = ASSURANCE_SHORT.get(v.assurance, v.assurance)
            else:
                assurance = pack.on_trajectory(v).capitalize()
        rows.append(
            [
                Cell(f"{area.id} {area.title}", header=True, link=area_anchor(area)),
                Cell(f"{statuses.count('complete')} of {len(statuses)}", numeric=True),
                Cell(format_value(moved, "count"), numeric=True),
                key,
                assurance,
                area_word(pack, area),
            ]
        )
    return build_table(
        [
            "Area of concern",
            "Actions done",
            "Moved",
            "Key measure (latest)",
            "Assurance",
            "Progress",
        ],
        rows,
        caption="Summary by area of concern",
        numeric_columns=(1, 2),
        threshold=pack.params.suppression_threshold,
        css_class="area-summary",
    )


def area_summary_html(pack: PackFacts) -> str:
    """The one-page summary by area of concern (empty unless the plan is a WSoA)."""
    table = area_summary(pack)
    return "" if table is None else render("area_summary.html.j2", summary=table)

"""The verdict page and a Written Statement of Action's summary by area of concern."""

from __future__ import annotations

from typing import Any

from sendreport.pack.facts import KPIFacts, PackFacts
from sendreport.pack.kpifacts import Status
from sendreport.pack.sections.headings import area_anchor, area_heading, area_kind, paragraphs
from sendreport.pack.sections.scorecard import ASSURANCE_SHORT
from sendreport.pack.templating import render
from sendreport.plan import PriorityArea
from sendreport.tables import Cell, Table, build_table, format_change
from sendreport.vocabulary import format_value, long_date, printed_change, short_date


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
            change = format_change(printed_change(f.baseline.value, f.latest.value, "count"),
                                   "count")
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
    """The verdict page: each verdict beside the plan's own commentary, and the findings.

    A Written Statement of Action's page opens with its summary by area of
    concern (:func:`area_summary`), and its areas' verdicts are a short list
    of exceptions (:func:`exceptions`) rather than a paragraph per area.
    """
    from sendreport.pack.findings import headline_findings
    from sendreport.pack.verdict import verdict as verdict_data

    data = verdict_data(pack)
    wsoa = pack.plan.type == "written_statement_of_action"
    return {
        **change_tables(pack),
        **demand(pack),
        "plan": data["plan"],
        "commentary": paragraphs(data["commentary"]),
        "kind": area_kind(pack.plan.type),
        "summary": area_summary(pack),
        "exceptions": exceptions(pack) if wsoa else None,
        "areas": [] if wsoa else [
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


def worst_measure(pack: PackFacts, area: PriorityArea) -> tuple[KPIFacts, str] | None:
    """The area's worst measure and why, by the verdict's rule (``None``: no measure).

    The worst item of :func:`sendreport.pack.verdict.worst_items` (worse than
    its baseline, else forecast furthest short of its target); when none is,
    the measure that has moved least towards its target from its baseline,
    with an empty reason.
    """
    from sendreport.pack.verdict import available, scaled_movement, worst_items

    views = pack.views_for(area)
    items = worst_items(pack, views, n=1)
    if items:
        return items[0]
    shown = [v for v in views if available(v)] or views
    return (min(shown, key=scaled_movement), "") if shown else None


def assurance_words(pack: PackFacts, view: KPIFacts) -> str:
    """What is known of whether a measure will meet its target, in a few words.

    The SPC assurance where the measure has an SPC chart; else on or off its
    trajectory; else what the plan leaves out (a target, its date), or that
    only the forecast's trend speaks to it. Never "No trajectory" alone.
    """
    if view.fact.assurance:
        return ASSURANCE_SHORT.get(view.fact.assurance, view.fact.assurance)
    if getattr(view.fact, "not_assessed", ""):  # an SPC chart whose latest point is hidden
        return "Not assessed"
    trajectory = pack.on_trajectory(view)
    if trajectory != "no trajectory":
        return trajectory.capitalize()
    kpi = view.plan_kpi
    if kpi.target is None:
        return "No target set"
    if kpi.target_date is None:
        return "Target has no date"
    return "No SPC chart or trajectory"


def forecast_words(pack: PackFacts, area: PriorityArea) -> str:
    """The area's targets forecast to be met on the current trend: ``Meets 1 of 2 by Mar 2025``."""
    from sendreport.pack.verdict import forecast, targets_not_forecast

    views = pack.views_for(area)
    forecasts = [f for f in (forecast(pack, v) for v in views) if f is not None]
    if forecasts:
        end = max(f.target_date for f in forecasts)
        met = sum(f.meets for f in forecasts)
        return f"Meets {met} of {len(forecasts)} by {end:%b}\u00a0{end:%Y}"
    if not views:
        return "No measure"
    hidden = targets_not_forecast(views)
    if hidden:
        statuses = {v.fact.latest.status for v in hidden}
        return "Not forecast: latest " + " or ".join(
            words for status, words in ((Status.WITHHELD, "withheld"),
                                        (Status.NOT_AVAILABLE, "not available"))
            if status in statuses)
    if any(v.plan_kpi.target is not None and v.plan_kpi.target_date is None for v in views):
        return "Target has no date"
    return "No target to forecast"


def area_summary(pack: PackFacts) -> Table | None:
    """A Written Statement of Action's summary by area of concern, the verdict page's first table.

    One short row per area: progress in a word, actions done and moved, its
    worst measure (latest value), that measure's assurance and the area's
    forecast against its targets. ``None`` for other plan types.
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
        worst, assurance = "No measure", "z"
        found = worst_measure(pack, area)
        if found is not None:
            v = found[0]
            worst = f"{v.name}: {v.fact.latest.shown()}"
            assurance = assurance_words(pack, v)
        rows.append(
            [
                Cell(f"{area.id} {area.title}", header=True, link=area_anchor(area)),
                area_word(pack, area),
                Cell(f"{statuses.count('complete')} of {len(statuses)}", numeric=True),
                Cell(format_value(moved, "count"), numeric=True),
                worst,
                assurance,
                forecast_words(pack, area),
            ]
        )
    return build_table(
        [
            "Area of concern",
            "Status",
            "Actions done",
            "Moved",
            "Worst measure (latest)",
            "Assurance",
            "Forecast (targets met)",
        ],
        rows,
        caption="Summary by area of concern",
        numeric_columns=(2, 3),
        threshold=pack.params.suppression_threshold,
        css_class="area-summary",
    )


def exceptions(pack: PackFacts) -> dict[str, Any]:
    """The areas' verdict as a short list of exceptions (a Written Statement of Action).

    An area is an exception when it is getting worse or mixed by the
    direction rule, or has a worst item (a measure worse than its baseline or
    forecast to miss its target): one line each, with its worst item. An area
    whose measures' latest figures are withheld or not available says so in a
    sentence of its own. The other areas are named together in one sentence.
    """
    from sendreport.pack.verdict import area_word, available, names, unpublished_words, worst_items

    lines, quiet, unmeasured, hidden = [], [], [], []
    for area in pack.plan.priority_areas:
        views = pack.views_for(area)
        if not views:
            unmeasured.append(area.id)
            continue
        word = area_word(pack, area)
        items = worst_items(pack, views, n=1)
        if not items and word == "Not measurable":
            hidden.append((area.id, [v for v in views if not available(v)]))
            continue
        if not items and word not in ("Worse", "Mixed"):
            quiet.append(area.id)
            continue
        said = "; ".join(f"{v.name}, {why}" for v, why in items)
        status = {"Worse": "Getting worse", "Mixed": "Mixed"}.get(word)
        if status:
            text = f"{status}: {said}" if said else f"{status} against the baselines"
        else:
            text = _first_capital(said)  # a name keeps its own capitals
        lines.append({
            "anchor": area_anchor(area),
            "heading": f"{area.id} {area.title}",
            "text": text.rstrip(".") + ".",
        })
    rest = []
    if quiet:
        rest.append(f"No measure is worse than its baseline or forecast to miss its target in "
                    f"{names(quiet)}.")
    for area_id, views in hidden:
        rest.append(f"{area_id} cannot be measured against its baseline or forecast this "
                    f"period: {unpublished_words(views)}.")
    if unmeasured:
        rest.append(f"The plan names no measure for {names(unmeasured)}.")
    return {"lines": lines, "rest": " ".join(rest)}


def area_summary_html(pack: PackFacts) -> str:
    """Nothing: a Written Statement of Action's summary opens its verdict page.

    Kept for notebooks that still call ``show_area_summary()``.
    """
    return ""

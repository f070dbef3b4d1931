"""Each part of the pack: what it says as plain data, printed by its template.

For each section, a function computes the data (``cover(pack)`` ...) and a
``*_html`` function prints it with the section's template in
``templates/sections/`` (autoescaped: text is never markup). Sections read the
pack through :mod:`sendreport.pack.facts`; they never import ``pack.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sendreport.disclosure.rule import figure_is_small, is_small
from sendreport.pack.facts import KPIFacts, PackFacts
from sendreport.pack.templating import render, slug
from sendreport.params import FILE_KEYS
from sendreport.plan import PriorityArea
from sendreport.tables import Cell, Table, build_table
from sendreport.validation.rules import Rule
from sendreport.vocabulary import format_value, is_missing, long_date, service_name

STATUS_WORDS = {
    "complete": ("\u25a0", "Complete"),
    "on_track": ("\u25cf", "On track"),
    "at_risk": ("\u25b2", "At risk"),
    "off_track": ("\u25bc", "Off track"),
    "not_started": ("\u25cb", "Not started"),
}
"""Action status in symbol and words (never colour alone)."""

VARIATION_SHORT = {
    "special_cause_improvement": "Improving",
    "special_cause_concern": "Concern",
    "special_cause_neutral_high": "Unusually high",
    "special_cause_neutral_low": "Unusually low",
    "common_cause": "No significant change",
}
ASSURANCE_SHORT = {
    "consistent_pass": "Will meet target",
    "consistent_fail": "Will not meet target",
    "inconsistent": "Hit and miss",
}
TRAJECTORY_SHORT = {"on trajectory": "On", "off trajectory": "Off", "no trajectory": "Not set"}
"""Scorecard cells are short: the key says what each word means."""


def period_label(start: dt.date, end: dt.date) -> str:
    """``1 July 2024 to 31 December 2024``."""
    return f"{long_date(start)} to {long_date(end)}"


def paragraphs(text: str | None) -> list[str]:
    r"""Plain text split into paragraphs at blank lines.

    Examples
    --------
    >>> paragraphs("One.\n\n  Two.  \n\n")
    ['One.', 'Two.']
    """
    if not text:
        return []
    return [p.strip() for p in text.strip().split("\n\n") if p.strip()]


def area_anchor(area: PriorityArea) -> str:
    """HTML id of a priority area's section: ``area-`` and the id's letters and digits."""
    return "area-" + slug(area.id)


def area_heading(pack: PackFacts, area: PriorityArea) -> str:
    """``Priority area 1: ...`` or ``Area of concern 3: ...``."""
    kind = {
        "priority_action_plan": "Priority area",
        "written_statement_of_action": "Area of concern",
        "accelerated_progress_plan": "Priority",
    }[pack.plan.type]
    return f"{kind} {area.id}: {area.title}"


# ----- cover and contents --------------------------------------------------------------


def cover(pack: PackFacts) -> dict[str, Any]:
    """What the cover page says."""
    p, plan = pack.params, pack.plan
    rows = [
        ("Reporting period", period_label(p.period_start, p.period_end)),
        ("Data extract", long_date(p.effective_reference_date)),
        ("Plan", plan.title + (f", version {plan.version}" if plan.version else "")),
    ]
    if plan.partners:
        rows.append(("Partners", "; ".join(plan.partners)))
    if plan.inspection_date:
        rows.append(("Inspection", long_date(plan.inspection_date)))
    audience = {
        "shared": "Shared: small numbers suppressed, fit to share beyond the partnership",
        "internal": "Internal: unsuppressed figures for the partnership's own analysts",
        "families": "Families: a short plain-English edition, small numbers suppressed",
    }[p.audience]
    rows.append(("Audience", audience))
    if p.author:
        rows.append(("Prepared by", p.author))
    return {
        "kicker": f"{plan.type_label}: stocktake evidence pack",
        "area_name": p.area_name,
        "plan_title": p.title or plan.title,
        "rows": rows,
        "marking": p.classification,
    }


def cover_html(pack: PackFacts) -> str:
    """The cover page."""
    return render("cover.html.j2", **cover(pack))


def contents_entries(pack: PackFacts) -> list[tuple[str, str]]:
    """``(anchor, label)`` of every top-level section, in order."""
    entries = []
    entries.append(("verdict", "Verdict and headline findings"))
    entries.append(("summary", "KPI scorecard"))
    if pack.plan.type == "written_statement_of_action":
        entries.append(("area-summary", "Summary by area of concern"))
    entries += [(area_anchor(a), area_heading(pack, a)) for a in pack.plan.priority_areas]
    if governance(pack) is not None:
        entries.append(("governance", "Governance and workforce"))
    entries += [
        ("appendix-definitions", "Appendix A: KPI definitions and sources"),
        ("appendix-data-quality", "Appendix B: Data quality and disclosure control"),
        ("appendix-evidence", "Appendix C: Evidence index"),
        ("appendix-provenance", "Appendix D: Provenance"),
    ]
    return entries


def contents_html(pack: PackFacts) -> str:
    """The contents page, with page numbers filled in when printed."""
    return render("contents.html.j2", entries=contents_entries(pack))


# ----- summary and scorecard -------------------------------------------------------------


def scorecard(pack: PackFacts) -> Table | None:
    """The KPI scorecard: one row per plan KPI, grouped by priority area (``None``: no KPIs)."""
    from sendreport.charts.icons import assurance_icon, variation_icon

    p = pack.params
    header = [
        "Measure",
        "Latest",
        "Baseline",
        "Change since last stocktake",
        "Target",
        "Trajectory",
        "England",
        "Variation",
        "Assurance",
    ]
    rows, groups = [], []
    for area in pack.plan.priority_areas:
        views = pack.views_for(area)
        if not views:
            continue
        groups.append((len(rows), area_heading(pack, area)))
        for v in views:
            f = v.fact
            target = f.target.shown()
            if f.target.published and v.plan_kpi.target_date:
                day = v.plan_kpi.target_date
                target += f" by {day:%b}\u00a0{day:%Y}"
            england = f.england.shown()
            if f.england.published:
                england += f" ({f.england.period})"
            var_cell = ass_cell = Cell("z")
            if f.variation:
                var_words = VARIATION_SHORT.get(f.variation, f.variation)
                ass_words = ASSURANCE_SHORT.get(f.assurance or "", "No target")
                var_cell = Cell(var_words, icon=variation_icon(f.variation, f.improvement))
                ass_cell = Cell(ass_words, icon=assurance_icon(f.assurance))
            rows.append(
                [
                    Cell(v.name, header=True, link=v.anchor),
                    Cell(f.latest.shown(), numeric=True),
                    Cell(f.baseline.shown(), numeric=True),
                    Cell(f.since_last, numeric=True),
                    Cell(target),
                    Cell(TRAJECTORY_SHORT[pack.on_trajectory(v)]),
                    Cell(england, numeric=True),
                    var_cell,
                    ass_cell,
                ]
            )
    if not rows:
        return None
    return build_table(
        header,
        rows,
        caption=(
            f"Latest values for {period_label(p.period_start, p.period_end)}, by priority area"
        ),
        numeric_columns=(1, 2, 3, 6),
        groups=groups,
        threshold=p.suppression_threshold,
        css_class="scorecard",
    )


def _scorecard_data(pack: PackFacts) -> dict[str, Any]:
    return {
        "scorecard": scorecard(pack),
        "england_source": _dfe_credit().removeprefix("Source: "),
    }


def scorecard_html(pack: PackFacts) -> str:
    """The KPI scorecard with its key."""
    return render("scorecard.html.j2", **_scorecard_data(pack))


def _dfe_credit() -> str:
    from sendreport.benchmarks import dfe_credit, load_dfe_timeliness

    return dfe_credit(int(load_dfe_timeliness()["year"].max()))


def summary(pack: PackFacts) -> dict[str, Any]:
    """What the summary says: the KPI scorecard (the findings are on the verdict page)."""
    return _scorecard_data(pack)


def summary_html(pack: PackFacts) -> str:
    """The summary: the KPI scorecard."""
    return render("summary.html.j2", **summary(pack))


def families_html(pack: PackFacts) -> str:
    """The families edition (audience ``families``): the whole document, in plain English."""
    from sendreport.pack.families import families_edition

    return render("families.html.j2", **families_edition(pack))


# ----- priority areas ------------------------------------------------------------------


def kpi_chart(pack: PackFacts, view: KPIFacts) -> dict[str, Any]:
    """The view's chart as data: an SPC chart, a baseline-to-latest chart, or none.

    ``figure`` holds the image (a PNG ``data:`` URI), its alt text, caption and
    id; it is ``None`` when the data do not allow the measure.
    """
    from sendreport.charts.progress import plot_progress, progress_alt_text
    from sendreport.charts.render import not_people
    from sendreport.charts.spc import plot_spc, spc_alt_text, spc_title

    plan_kpi = view.plan_kpi
    # SPEC 4.4: only the interventions that name this KPI (none without kpis)
    interventions = [
        (i.date, i.label) for i in pack.interventions_for(plan_kpi.id, plan_kpi.service or "")
    ]
    chart: dict[str, Any] = {"id": view.anchor, "name": view.name, "figure": None}
    if view.series is not None and view.fact.variation is not None:  # the pack's SPC reading
        fig = plot_spc(
            view.series,
            title=spc_title(view.series, name=view.name, improvement=view.improvement,
                            variation=view.fact.variation),
            unit=view.unit,
            improvement=view.improvement,
            target=plan_kpi.target,
            target_date=plan_kpi.target_date,
            trajectory=[(m.date, m.value) for m in plan_kpi.trajectory],
            interventions=interventions,
        )
        alt = spc_alt_text(
            view.series,
            name=view.name,
            unit=view.unit,
            improvement=view.improvement,
            target=plan_kpi.target,
        )
    elif view.row is None:
        return chart
    else:
        figures = pack.progress_values(view)
        fig = plot_progress(
            {k: f.value if f.published else f.shown() for k, f in figures.items()},
            title=view.name,
            unit=view.unit,
            target=plan_kpi.target,
        )
        alt = progress_alt_text(
            {k: f.value if f.published else f.said() for k, f in figures.items()},
            name=view.name,
            unit=view.unit,
            target=plan_kpi.target,
        )
    # drawn from the release pass's figures (percentages, and counts already suppressed): the
    # privacy guard's check of charts' small counts is for analysts' own charts
    chart["figure"] = figure(not_people(fig), alt=alt, caption=view.headline, id=view.anchor,
                             crop=False)
    return chart


def figure(
    fig, *, alt: str, caption: str | None = None, id: str | None = None, crop: bool = True
) -> dict:
    """A chart as data for the ``figure`` macro: PNG ``data:`` URI, alt text, caption, id.

    Parameters
    ----------
    fig
        A matplotlib figure; it is closed afterwards.
    alt
        Alt text that says what the chart shows (tagged as the PDF figure's ``/Alt``).
    caption
        One short sentence shown under the chart.
    id
        Optional HTML id (printed as a slug).
    crop
        Cut the image to what is drawn (:func:`sendreport.charts.render.figure_png`);
        ``False`` for a chart laid out to fit its figure.

    Returns
    -------
    dict
        ``src``, ``alt``, ``caption`` and ``id``.
    """
    import base64

    from sendreport.charts.render import figure_png

    if not alt.strip():
        raise ValueError("a chart needs alt text that says what it shows")
    uri = "data:image/png;base64," + base64.b64encode(figure_png(fig, crop=crop)).decode("ascii")
    return {"src": uri, "alt": alt, "caption": caption, "id": id}


def kpi_chart_html(pack: PackFacts, view: KPIFacts) -> str:
    """The view's SPC chart, or a baseline-to-latest chart when it has no monthly series."""
    return render("chart.html.j2", chart=kpi_chart(pack, view))


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


def benchmark(pack: PackFacts, view: KPIFacts) -> dict[str, Any]:
    """DfE's published 20-week timeliness beside the area's own figure, by calendar year.

    The area's figure is computed from its own data with the same definition,
    for each calendar year the data cover in full; a year covered in part says
    how many months the data cover.
    """
    from sendreport.benchmarks import dfe_benchmark, dfe_credit
    from sendreport.errors import ParameterError

    kpi_id = view.plan_kpi.id
    col = "pct_excl" if kpi_id == "ehcp_20wk_excl" else "pct_incl"
    try:
        table = dfe_benchmark(la_code=pack.params.la_code)
    except ParameterError:
        table = dfe_benchmark()
    wide = table.pivot_table(index="year", columns="area", values=col, aggfunc="first")
    areas = [a for a in dict.fromkeys(table["area"]) if a in wide.columns]
    own = {}
    for year in pack.benchmark_years():  # figures from the pack's one disclosure pass
        months = pack.year_coverage(year)
        if months < 12:  # not comparable with DfE's whole year
            own[year] = f"x ({months} of 12 months in the data)"
            continue
        value, withheld = pack.year_figure(year, kpi_id)
        own[year] = format_value(value, "%", suppressed=withheld)
    years = sorted(set(wide.index[-4:]) | set(own))
    header = ["Year", *areas, f"{pack.params.area_name} (this pack's data)"]
    rows = [
        [Cell(str(y), header=True)]
        + [
            Cell(format_value(wide.at[y, a] if y in wide.index else None, "%"), numeric=True)
            for a in areas
        ]
        + [Cell(own.get(y, "x"), numeric=True)]
        for y in years
    ]
    latest = int(wide.index.max())
    return {
        "table": build_table(
            header,
            rows,
            caption=f"{view.name}: published figures by calendar year",
            numeric_columns=tuple(range(1, len(header))),
            threshold=pack.params.suppression_threshold,
        ),
        "credit": dfe_credit(latest),
    }


def benchmark_html(pack: PackFacts, view: KPIFacts) -> str:
    """DfE's published timeliness table with its source line."""
    return render("benchmark.html.j2", **benchmark(pack, view))


HEALTH_KPIS = ("wait_list", "wait_over_18wk", "wait_over_52wk", "wait_median_open_weeks",
               "wait_median_seen_weeks", "wait_p92_seen_weeks", "autism_13wk")
"""KPIs read from the ``referrals`` table: an area with any of them shows the health waits."""


def health_area(pack: PackFacts) -> PriorityArea | None:
    """The priority area that shows children's health waits: the first with a health KPI."""
    for area in pack.plan.priority_areas:
        if any(v.plan_kpi.id in HEALTH_KPIS for v in pack.views_for(area)):
            return area
    return None


def _shows_health(pack: PackFacts, area: PriorityArea) -> bool:
    first = health_area(pack)
    return first is not None and first.id == area.id


def _kpi_cell(pack: PackFacts, kpi_id: str, service: str, column: str = "value") -> Cell:
    figure = pack.kpi_figure(kpi_id, service, count=column == "numerator")
    shown = figure.shown()
    if figure.published and column == "numerator" and pack.params.audience != "internal":
        # a count of children waiting: the rule of SPEC 7 as for any count
        if is_small(figure.value, pack.params.suppression_threshold):
            shown = "c"
    return Cell(shown, numeric=True)


def health_waits(pack: PackFacts) -> dict[str, Any] | None:
    """Every referral service's waits, and NHS England comparators, as data.

    One row per service in the data (not only those the plan names): children
    waiting, the count over 52 weeks, the share over 18 weeks, the median wait
    so far of children still waiting, and the median and 92nd percentile wait
    of children first seen in the period. With a ``benchmarks`` file, each
    service's share over 18 and over 52 weeks beside every area the file
    gives, naming its level and month; without one, a line saying that no
    comparator was given. ``None`` when the data hold no referrals.
    """
    from sendreport.chs import CHS_SOURCE

    services = pack.wait_services()
    if not services:
        return None
    p = pack.params
    rows = [
        [
            Cell(service_name(s), header=True),
            _kpi_cell(pack, "wait_list", s),
            _kpi_cell(pack, "wait_over_52wk", s, "numerator"),
            _kpi_cell(pack, "wait_over_18wk", s),
            _kpi_cell(pack, "wait_median_open_weeks", s),
            _kpi_cell(pack, "wait_median_seen_weeks", s),
            _kpi_cell(pack, "wait_p92_seen_weeks", s),
        ]
        for s in services
    ]
    waits = build_table(
        [
            "Service",
            "Children waiting",
            "Waiting over 52 weeks",
            "Waiting over 18 weeks",
            "Still waiting: median wait so far",
            "Seen: median wait",
            "Seen: 92nd percentile wait",
        ],
        rows,
        caption=(
            f"Children's health services: waiting lists on {long_date(p.period_end)} and "
            f"waits of children first seen, {period_label(p.period_start, p.period_end)}"
        ),
        numeric_columns=(1, 2, 3, 4, 5, 6),
        threshold=p.suppression_threshold,
        css_class="health",
    )
    comparison, unmatched, months = None, [], set()
    if pack.chs is not None:
        crows, groups = [], []
        for s in services:
            found = pack.health_comparators(s)
            if not found:
                unmatched.append(service_name(s))
                continue
            groups.append((len(crows), service_name(s)))
            crows.append(
                [
                    Cell(f"{p.area_name} (this pack's data), {p.period_end:%B %Y}", header=True),
                    _kpi_cell(pack, "wait_list", s),
                    _kpi_cell(pack, "wait_over_18wk", s),
                    _kpi_cell(pack, "wait_over_52wk", s),
                ]
            )
            for c in found:
                months.add(c.month)
                crows.append(
                    [
                        Cell(c.label, header=True),
                        Cell(format_value(c.waiting, "count"), numeric=True),
                        Cell(format_value(c.pct_over_18, "%"), numeric=True),
                        Cell(format_value(c.pct_over_52, "%"), numeric=True),
                    ]
                )
        if crows:
            comparison = build_table(
                ["Area (level), month", "Children waiting", "Over 18 weeks", "Over 52 weeks"],
                crows,
                caption="Waiting lists against NHS England's published figures",
                numeric_columns=(1, 2, 3),
                groups=groups,
                threshold=p.suppression_threshold,
                css_class="health-comparators",
            )
    return {
        "waits": waits,
        "comparison": comparison,
        "given": pack.chs is not None,
        "unmatched": unmatched,
        "credit": "; ".join(
            CHS_SOURCE.format(month=f"{m:%B %Y}") for m in sorted(months)
        ).removeprefix("Source: "),
    }


def health_waits_html(pack: PackFacts) -> str:
    """Children's health waits for every service, with comparators when given."""
    data = health_waits(pack)
    return "" if data is None else render("health.html.j2", **data)


def actions_table(pack: PackFacts, area: PriorityArea) -> Table | None:
    """The area's actions: owner, due date (and original), status, impact KPI."""
    if not area.actions:
        return None
    rows = []
    for a in area.actions:
        due = long_date(a.due_date)
        if a.original_due_date and a.original_due_date != a.due_date:
            due += f" (originally {long_date(a.original_due_date)})"
        symbol, words = STATUS_WORDS[pack.plan.action_status(a)]
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
        "health": health_waits(pack) if _shows_health(pack, area) else None,
        "actions": actions_table(pack, area),
        "progress": paragraphs(area.progress),
        # A WSoA's areas after the first share pages (SPEC 7, REPORT: no wall of thin pages).
        "flow": pack.plan.type == "written_statement_of_action"
        and area.id != pack.plan.priority_areas[0].id,
    }


def area_html(pack: PackFacts, area: PriorityArea) -> str:
    """One priority area's section."""
    return render("area.html.j2", **priority_area(pack, area))


# ----- appendices --------------------------------------------------------------------


def definitions_html(pack: PackFacts) -> str:
    """Appendix A: the definition and source of every KPI in ``kpis.csv``."""
    from sendreport.metrics import KPI_DEFINITIONS

    rows = []
    for kid in dict.fromkeys(pack.kpis["kpi_id"]):
        if kid in KPI_DEFINITIONS:
            d = KPI_DEFINITIONS[kid]
            rows.append([Cell(d.title, header=True), kid, d.definition, d.source])
        elif kid in pack.measure_titles:
            title, unit, source = pack.measure_titles[kid]
            rows.append(
                [
                    Cell(title, header=True),
                    kid,
                    f"Latest value in the period from the measures table ({unit}).",
                    source,
                ]
            )
    table = build_table(
        ["Measure", "Id", "Definition", "Source"],
        rows,
        caption="KPI definitions",
        threshold=pack.params.suppression_threshold,
    )
    from sendreport.pack.verdict import VERDICT_RULES

    return render("definitions.html.j2", table=table, verdict_rules=VERDICT_RULES)


INFORMATION_RULES = frozenset(
    {Rule.VALUE_NORMALISED, Rule.VALUE_RECODED, Rule.ENCODING_WINDOWS_1252}
)
"""``data_quality.csv`` rules that are information, not problems: Appendix B prints them apart."""


def is_information(rule: str) -> bool:
    """True for a ``data_quality.csv`` rule Appendix B prints as information, not a problem."""
    return rule in INFORMATION_RULES or Rule.NON_CANONICAL.holds(rule)


def _quality_rows(pack: PackFacts, rows: list) -> list[list]:
    return [
        [
            Cell(r.table, header=True),
            r.file,
            r.column or "(whole row)",
            r.rule.replace("_", " ").capitalize(),
            Cell(
                format_value(
                    r.count,
                    "count",
                    suppressed=bool(getattr(r, "suppressed", False))
                    and pack.params.audience != "internal",
                ),
                numeric=True,
            ),
        ]
        for r in rows
    ]


def _recode_rows(pack: PackFacts) -> list[list]:
    """Local value, canonical value and records, withheld as the disclosure rule says."""
    from sendreport.csvsafe import looks_like_formula, looks_like_name

    recodes = getattr(pack, "recodes", None)
    if recodes is None or recodes.empty:
        return []
    hidden = pack.params.audience != "internal"
    rows = []
    for r in recodes.itertuples():
        local = str(r.value)
        if looks_like_name(local) or looks_like_formula(local):
            local = "(not shown: looks like a name or a formula)"
        withheld = bool(getattr(r, "suppressed", False)) and hidden
        rows.append([Cell(r.table, header=True), r.column, local, r.canonical,
                     Cell(format_value(r.rows, "count", suppressed=withheld), numeric=True)])
    return rows


def data_quality_html(pack: PackFacts) -> str:
    """Appendix B: problems (rows read, left out, excluded, to query), then recodes.

    Every row of ``data_quality.csv`` is printed, as that file publishes it
    (after the disclosure rule): the rules that are information (values tidied
    or recoded) in a table of their own, with the records each local value
    recoded (the disclosure rule applied to them too).
    """
    threshold = pack.params.suppression_threshold
    records = list(pack.quality.itertuples())
    problems = [r for r in records if not is_information(str(r.rule))]
    notes = [r for r in records if is_information(str(r.rule))]
    header = ["Table", "File", "Column", "Rule", "Rows"]
    table = (
        build_table(header, _quality_rows(pack, problems),
                    caption="Rows read, left out, excluded and to query",
                    numeric_columns=(4,), threshold=threshold)
        if problems else None
    )
    corrected = (
        build_table(header, _quality_rows(pack, notes),
                    caption="Values tidied or recoded (information, not problems)",
                    numeric_columns=(4,), threshold=threshold)
        if notes else None
    )
    recode_rows = _recode_rows(pack)
    recoded = (
        build_table(["Table", "Column", "Local value", "Canonical value", "Records"],
                    recode_rows, caption="Local values recoded by the params file",
                    numeric_columns=(4,), threshold=threshold)
        if recode_rows else None
    )
    internal = pack.params.audience == "internal"
    return render(
        "data_quality.html.j2",
        table=table,
        corrected=corrected,
        recoded=recoded,
        threshold=threshold,
        shown="are shown unsuppressed (internal pack)" if internal else "are shown as c",
        suppressed=int(pack.kpis["suppressed"].sum()) if "suppressed" in pack.kpis else 0,
        total=len(pack.kpis),
    )


def evidence_html(pack: PackFacts) -> str:
    """Appendix C: the evidence index."""
    table = None
    if pack.plan.evidence:
        table = build_table(
            ["Id", "Document", "Date", "Owner"],
            [
                [Cell(e.id, header=True), e.title, long_date(e.date) or "x", e.owner or "x"]
                for e in pack.plan.evidence
            ],
            caption="Evidence index",
            threshold=pack.params.suppression_threshold,
        )
    return render("evidence.html.j2", table=table)


def provenance_html(pack: PackFacts) -> str:
    """Appendix D: input hashes, params, software versions and how to verify."""
    from sendreport.outputs import package_versions, sha256_file

    p = pack.params
    files = [
        [Cell(label, header=True), path.name, sha256_file(path)]
        for label, path in p.input_files().items()
    ]
    shown = {
        k: v
        for k, v in p.to_notebook().items()
        if k not in (*FILE_KEYS, "data", "exclude", *MAPPING_TABLES) and v not in (None, {}, "")
    }
    params_rows = [[Cell(k, header=True), _parameter_text(v)] for k, v in shown.items()]
    versions = package_versions()
    versions.pop("python", None)
    return render(
        "provenance.html.j2",
        files=build_table(
            ["Input", "File", "SHA-256"], files, caption="Input files", css_class="provenance"
        ),
        parameters=build_table(["Parameter", "Value"], params_rows, caption="Parameters"),
        mappings=[t for t in (mapping_table(p, key) for key in MAPPING_TABLES) if t is not None],
        versions=", ".join(f"{k} {v}" for k, v in versions.items()),
    )


MAPPING_TABLES = ("columns", "values", "split")
"""Params keys Appendix D prints as tables of their own, one row per local name or value."""


def _parameter_text(value: Any) -> str:
    """A parameter as words: a per-table mapping as ``table: value`` pairs, not a dict.

    Examples
    --------
    >>> _parameter_text({"requests": "%d/%m/%Y", "reviews": "%Y-%m-%d"})
    'requests: %d/%m/%Y; reviews: %Y-%m-%d'
    """
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_parameter_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(map(_parameter_text, value))
    return str(value)


def mapping_table(params: Any, key: str) -> Table | None:
    """Appendix D's table of one mapping key (``columns``, ``values`` or ``split``).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> p = SimpleNamespace(suppression_threshold=5, values={"requests": {"request_outcome": {
    ...     "Refused": "not_assess", True: "assess"}}})
    >>> [[c.text for c in row.cells] for row in mapping_table(p, "values").rows]
    [['requests', 'request_outcome', 'Refused', 'not_assess'], \
['requests', 'request_outcome', 'true (YAML read Yes, On or Y as true)', 'assess']]
    """
    mapping = getattr(params, key) or {}
    rows: list[list[Cell | str]] = []
    for table, entries in mapping.items():
        for local, target in entries.items():
            if key == "columns":
                rows.append([Cell(table, header=True), str(local), _parameter_text(target)])
            elif key == "values":
                rows += [[Cell(table, header=True), str(local), _local_text(value), str(code)]
                         for value, code in target.items()]
            else:
                rows += [[Cell(table, header=True), str(local), _local_text(value),
                          "; ".join(f"{f}: {v}" for f, v in fields.items())]
                         for value, fields in target.items()]
    if not rows:
        return None
    headers = {
        "columns": (["Table", "Local column", "Canonical column"], "Columns mapped (columns:)"),
        "values": (["Table", "Column", "Local value", "Canonical value"],
                   "Values mapped (values:)"),
        "split": (["Table", "Local column", "Local value", "Canonical columns it fills"],
                  "One column into several (split:)"),
    }
    header, caption = headers[key]
    return build_table(header, rows, caption=caption, threshold=params.suppression_threshold)


def _local_text(value: Any) -> str:
    if isinstance(value, bool):
        words = "Yes, On or Y" if value else "No, Off or N"
        return f"{str(value).lower()} (YAML read {words} as {str(value).lower()})"
    return str(value)


def appendices_html(pack: PackFacts) -> str:
    """All four appendices."""
    return (
        definitions_html(pack)
        + data_quality_html(pack)
        + evidence_html(pack)
        + provenance_html(pack)
    )


# ----- verdict, area summary, governance and workforce --------------------------------


def verdict(pack: PackFacts) -> dict[str, Any]:
    """The verdict page: each verdict beside the plan's own commentary, and the findings."""
    from sendreport.pack.findings import headline_findings
    from sendreport.pack.verdict import verdict as verdict_data

    data = verdict_data(pack)
    return {
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

"""HTML for each part of the pack: cover, contents, summary, priority areas, appendices."""

from __future__ import annotations

import datetime as dt
import html
from typing import TYPE_CHECKING

from sendreport.params import FILE_KEYS
from sendreport.plan import PriorityArea
from sendreport.tables import Cell, format_change, format_value, is_missing, table_html

if TYPE_CHECKING:
    from sendreport.report.pack import KPIView, Pack

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
    "consistent_pass": "Will reliably meet target",
    "consistent_fail": "Will not meet target without change",
    "inconsistent": "May or may not meet target",
}


def esc(text: object) -> str:
    """HTML-escape any value as text."""
    return html.escape("" if text is None else str(text))


def long_date(day: dt.date | None) -> str:
    """``2024-07-01`` -> ``1 July 2024``."""
    return "" if day is None else f"{day.day} {day:%B %Y}"


def period_label(start: dt.date, end: dt.date) -> str:
    """``1 July 2024 to 31 December 2024``."""
    return f"{long_date(start)} to {long_date(end)}"


def paragraphs(text: str | None) -> str:
    """Plain text with blank-line paragraphs as HTML paragraphs."""
    if not text:
        return ""
    return "".join(f"<p>{esc(p.strip())}</p>" for p in text.strip().split("\n\n") if p.strip())


def area_anchor(area: PriorityArea) -> str:
    """HTML id of a priority area's section."""
    return "area-" + "".join(ch if ch.isalnum() else "-" for ch in area.id.lower())


def area_heading(pack: Pack, area: PriorityArea) -> str:
    """``Priority area 1: ...`` or ``Area of concern 3: ...``."""
    kind = {
        "priority_action_plan": "Priority area",
        "written_statement_of_action": "Area of concern",
        "accelerated_progress_plan": "Priority",
    }[pack.plan.type]
    return f"{kind} {area.id}: {area.title}"


# ----- cover and contents --------------------------------------------------------------


def cover_html(pack: Pack) -> str:
    """The cover page."""
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
        "families": "Families: the shared pack with a plain-English summary first",
    }[p.audience]
    rows.append(("Audience", audience))
    if p.author:
        rows.append(("Prepared by", p.author))
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows)
    return (
        '<section class="cover">'
        f'<p class="cover-kicker">{esc(plan.type_label)}: stocktake evidence pack</p>'
        f"<h1>{esc(p.area_name)}</h1>"
        f'<p class="cover-plan">{esc(p.title or plan.title)}</p>'
        f"<dl>{dl}</dl>"
        f'<p class="marking">{esc(p.classification)}</p>'
        "</section>"
    )


def contents_entries(pack: Pack) -> list[tuple[str, str]]:
    """``(anchor, label)`` of every top-level section, in order."""
    entries = []
    if pack.params.audience == "families":
        entries.append(("families-summary", "Summary for families"))
    entries.append(("summary", "Summary and KPI scorecard"))
    entries += [(area_anchor(a), area_heading(pack, a)) for a in pack.plan.priority_areas]
    entries += [
        ("appendix-definitions", "Appendix A: KPI definitions and sources"),
        ("appendix-data-quality", "Appendix B: Data quality and disclosure control"),
        ("appendix-evidence", "Appendix C: Evidence index"),
        ("appendix-provenance", "Appendix D: Provenance"),
    ]
    return entries


def contents_html(pack: Pack) -> str:
    """The contents page, with page numbers filled in when printed."""
    items = "".join(
        f'<li><a href="#{anchor}">{esc(label)}</a></li>' for anchor, label in contents_entries(pack)
    )
    return (
        f'<section class="section contents" id="contents"><h1>Contents</h1><ol>{items}</ol>'
        "</section>"
    )


# ----- summary and scorecard -------------------------------------------------------------


def icon_html(icon) -> str:
    """An icon image with its text equivalent as alt text and in words beside it."""
    return f'<img class="icon" src="{icon.data_uri}" alt="{esc(icon.text)}">'


def scorecard_html(pack: Pack) -> str:
    """The KPI scorecard: one row per plan KPI, grouped by priority area."""
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
            base = v.plan_kpi.baseline
            change = None
            if not v.suppressed and not is_missing(v.value("previous")):
                value = v.value("value")
                change = None if is_missing(value) else value - v.value("previous")
            target = "z"
            if v.plan_kpi.target is not None:
                target = format_value(v.plan_kpi.target, v.unit)
                if v.plan_kpi.target_date:
                    target += f" by {v.plan_kpi.target_date:%b %Y}"
            england = (
                "z" if v.england is None else f"{format_value(v.england[0], '%')} ({v.england[1]})"
            )
            var_cell = ass_cell = Cell("z")
            if v.variation:
                var_words = VARIATION_SHORT.get(v.variation, v.variation)
                ass_words = ASSURANCE_SHORT.get(v.assurance or "", "No target to assure against")
                var_cell = Cell(
                    icon_html(variation_icon(v.variation, v.improvement)) + esc(var_words),
                    html=True,
                )
                ass_cell = Cell(icon_html(assurance_icon(v.assurance)) + esc(ass_words), html=True)
            rows.append(
                [
                    Cell(f'<a href="#{v.anchor}">{esc(v.name)}</a>', html=True, header=True),
                    Cell(
                        format_value(v.value("value"), v.unit, suppressed=v.suppressed),
                        numeric=True,
                    ),
                    Cell(
                        format_value(base.value, v.unit) + f" ({base.period})" if base else "x",
                    ),
                    Cell(
                        "c" if v.suppressed or v.previous_suppressed
                        else format_change(change, v.unit),
                        numeric=True,
                    ),
                    Cell(target),
                    Cell(pack.on_trajectory(v)),
                    Cell(england, numeric=True),
                    var_cell,
                    ass_cell,
                ]
            )
    if not rows:
        return "<p>The plan names no KPIs.</p>"
    return table_html(
        header,
        rows,
        caption=(
            f"Latest values for {period_label(p.period_start, p.period_end)}, by priority area"
        ),
        numeric_columns=(1, 3, 6),
        groups=groups,
        threshold=p.suppression_threshold,
        css_class="scorecard",
    ) + (
        '<p class="table-key">Variation and assurance follow NHS England\'s Making Data Count: '
        "variation compares the latest month with the process limits of the monthly series; "
        "assurance says whether the target lies inside those limits. England column: "
        f"{esc(_dfe_credit().removeprefix('Source: '))}.</p>"
    )


def _dfe_credit() -> str:
    from sendreport.benchmarks import dfe_credit, load_dfe_timeliness

    return dfe_credit(int(load_dfe_timeliness()["year"].max()))


def summary_html(pack: Pack) -> str:
    """The summary: headline findings and the KPI scorecard."""
    from sendreport.report.findings import headline_findings

    findings = "".join(f"<li>{esc(f)}</li>" for f in headline_findings(pack))
    return (
        '<section class="section" id="summary"><h1>Summary and KPI scorecard</h1>'
        f'<h2>Headline findings</h2><ul class="findings">{findings}</ul>'
        f"<h2>KPI scorecard</h2>{scorecard_html(pack)}</section>"
    )


def families_summary_html(pack: Pack) -> str:
    """A plain-English summary for families (audience ``families``)."""
    from sendreport.report.findings import plain_english_summary

    items = "".join(f"<li>{esc(s)}</li>" for s in plain_english_summary(pack))
    return (
        '<section class="section" id="families-summary"><h1>Summary for families</h1>'
        "<p>This pack shows how the local area is doing against the promises in its "
        "improvement plan. In short:</p>"
        f'<ul class="findings">{items}</ul></section>'
    )


# ----- priority areas ------------------------------------------------------------------


def kpi_chart_html(pack: Pack, view: KPIView) -> str:
    """The view's SPC chart, or a baseline-to-latest chart when it has no monthly series."""
    from sendreport.charts.progress import plot_progress, progress_alt_text
    from sendreport.charts.render import figure_html
    from sendreport.charts.spc import plot_spc, spc_alt_text, spc_title

    plan_kpi = view.plan_kpi
    interventions = [
        (i.date, i.label) for i in pack.plan.interventions if not i.kpis or plan_kpi.id in i.kpis
    ]
    if view.series is not None and view.series["value"].notna().sum() >= 2:
        fig = plot_spc(
            view.series,
            title=spc_title(view.series, name=view.name, improvement=view.improvement),
            unit=view.unit,
            improvement=view.improvement,
            target=plan_kpi.target,
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
        return figure_html(fig, alt=alt, caption=view.headline, id=view.anchor)
    if view.row is None:
        return (
            f'<p id="{view.anchor}">{esc(view.name)}: '
            "the data supplied do not allow this measure.</p>"
        )
    values = {
        "Baseline": plan_kpi.baseline.value if plan_kpi.baseline else None,
        "Last stocktake": None if view.suppressed else view.value("previous"),
        "Latest": None if view.suppressed else view.value("value"),
    }
    fig = plot_progress(
        values,
        title=view.name,
        unit=view.unit,
        target=plan_kpi.target,
        suppressed=view.suppressed,
    )
    alt = progress_alt_text(
        values, name=view.name, unit=view.unit, target=plan_kpi.target, suppressed=view.suppressed
    )
    return figure_html(fig, alt=alt, caption=view.headline, id=view.anchor)


def benchmark_html(pack: Pack, view: KPIView) -> str:
    """DfE's published 20-week timeliness beside the area's own figure, by calendar year.

    The area's figure is computed from its own data with the same definition,
    for each calendar year the data cover in full.
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
    return (
        table_html(
            header,
            rows,
            caption=f"{view.name}: published figures by calendar year",
            numeric_columns=tuple(range(1, len(header))),
            threshold=pack.params.suppression_threshold,
        )
        + f'<p class="table-key">{esc(dfe_credit(latest))}. '
        "The area's own figures use the same definition on its case data.</p>"
    )


def family_voice_html(pack: Pack, area: PriorityArea) -> str:
    """Quotes (never confidential ones), survey measures and "you said, we did"."""
    parts = []
    for q in area.family_voice:
        if q.confidential:
            continue
        who = f"<footer>{esc(q.attribution)}</footer>" if q.attribution else ""
        parts.append(f"<blockquote><p>{esc(q.text)}</p>{who}</blockquote>")
    survey = [v for v in pack.views_for(area) if v.plan_kpi.id in pack.family_voice]
    if survey:
        items = [" ".join(filter(None, (v.headline, pack.survey_note(v)))) for v in survey]
        parts.append("<ul>" + "".join(f"<li>{esc(t)}</li>" for t in items) + "</ul>")
    if area.you_said_we_did:
        rows = [
            [Cell(y.you_said, header=True), y.we_did, y.impact or "x"] for y in area.you_said_we_did
        ]
        parts.append(
            table_html(
                ["You said", "We did", "Impact"],
                rows,
                caption="You said, we did",
                threshold=pack.params.suppression_threshold,
            )
        )
    if not parts:
        return ""
    return "<h2>What families told us</h2>" + "".join(parts)


def actions_html(pack: Pack, area: PriorityArea) -> str:
    """The area's actions: owner, due date (and original), status, impact KPI."""
    if not area.actions:
        return "<p>No actions are listed for this area.</p>"
    rows = []
    for a in area.actions:
        due = long_date(a.due_date)
        if a.original_due_date and a.original_due_date != a.due_date:
            due += f" (originally {long_date(a.original_due_date)})"
        symbol, words = STATUS_WORDS[pack.plan.action_status(a)]
        impact = []
        for kid in a.kpis:
            match = [v for v in pack.views if v.plan_kpi.id == kid]
            if match:
                v = match[0]
                impact.append(
                    f"{v.name}: {format_value(v.value('value'), v.unit, suppressed=v.suppressed)}"
                )
        rows.append(
            [
                Cell(f"{a.id} {a.title}", header=True),
                a.owner,
                due,
                Cell(f'<span class="status">{symbol} {esc(words)}</span>', html=True),
                "; ".join(impact) if impact else "z",
            ]
        )
    return table_html(
        ["Action", "Owner", "Due", "Status", "Impact KPI (latest)"],
        rows,
        caption=f"Actions: {area.title}",
        threshold=pack.params.suppression_threshold,
    )


def area_html(pack: Pack, area: PriorityArea) -> str:
    """One priority area's section."""
    charts = "".join(
        kpi_chart_html(pack, v)
        + (benchmark_html(pack, v) if v.plan_kpi.id in ("ehcp_20wk_excl", "ehcp_20wk_incl") else "")
        for v in pack.views_for(area)
    )
    return (
        f'<section class="section" id="{area_anchor(area)}">'
        f"<h1>{esc(area_heading(pack, area))}</h1>"
        f"<h2>What we will do</h2>{paragraphs(area.what_we_will_do)}"
        f"<h2>What will be different</h2>{paragraphs(area.what_will_be_different)}"
        f"{family_voice_html(pack, area)}"
        f"<h2>Measures of impact</h2>{charts or '<p>The plan names no KPIs for this area.</p>'}"
        f"<h2>Actions</h2>{actions_html(pack, area)}"
        f"<h2>Progress this period</h2>{paragraphs(area.progress) or '<p>x</p>'}"
        "</section>"
    )


# ----- appendices --------------------------------------------------------------------


def definitions_html(pack: Pack) -> str:
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
    table = table_html(
        ["Measure", "Id", "Definition", "Source"],
        rows,
        caption="KPI definitions",
        threshold=pack.params.suppression_threshold,
    )
    return (
        '<section class="section" id="appendix-definitions">'
        "<h1>Appendix A: KPI definitions and sources</h1>"
        "<p>Days are calendar days; periods include both end dates. Percentages are computed at "
        "full precision and shown to one decimal place; confidence intervals are Wilson 95% "
        "intervals (in kpis.csv).</p>"
        f"{table}</section>"
    )


def data_quality_html(pack: Pack) -> str:
    """Appendix B: rows read and excluded by rule, and suppression applied."""
    rows = [
        [
            Cell(r.table, header=True),
            r.file,
            r.column or "(whole row)",
            r.rule.replace("_", " ").capitalize(),
            Cell(format_value(r.count, "count"), numeric=True),
        ]
        for r in pack.quality.itertuples()
    ]
    table = (
        table_html(
            ["Table", "File", "Column", "Rule", "Rows"],
            rows,
            caption="Rows read, excluded and corrected",
            numeric_columns=(4,),
            threshold=pack.params.suppression_threshold,
        )
        if rows
        else "<p>No input tables.</p>"
    )
    n_supp = int(pack.kpis["suppressed"].sum()) if "suppressed" in pack.kpis else 0
    audience = pack.params.audience
    shown = "are shown as c" if audience != "internal" else "are shown unsuppressed (internal pack)"
    return (
        '<section class="section" id="appendix-data-quality">'
        "<h1>Appendix B: Data quality and disclosure control</h1>"
        "<p>Rows that broke a rule of the input specification were excluded before any figure was "
        "computed; each is counted here by table and rule. No row content is shown.</p>"
        f"{table}<h2>Disclosure control</h2>"
        f"<p>Counts of children or families from 1 to {pack.params.suppression_threshold - 1}, "
        f"and percentages whose denominator, numerator or complement is from 1 to "
        f"{pack.params.suppression_threshold - 1}, {shown}. All the figures of this pack and "
        "its CSV files were checked together, so that none of them can be worked out by adding "
        "or subtracting others (months against the period, one measure against another, the "
        "previous period and the baseline against the series); some further figures are "
        "therefore also shown as c, and a monthly series with many small months is shown by "
        "quarter. Figures that count no children (staff, vacancies, plan actions) are never "
        f"suppressed. {n_supp} of {len(pack.kpis)} KPI figures for this period were "
        "suppressed.</p></section>"
    )


def evidence_html(pack: Pack) -> str:
    """Appendix C: the evidence index."""
    if not pack.plan.evidence:
        body = "<p>The plan lists no evidence documents.</p>"
    else:
        rows = [
            [Cell(e.id, header=True), e.title, long_date(e.date) or "x", e.owner or "x"]
            for e in pack.plan.evidence
        ]
        body = table_html(
            ["Id", "Document", "Date", "Owner"],
            rows,
            caption="Evidence index",
            threshold=pack.params.suppression_threshold,
        )
    return (
        '<section class="section" id="appendix-evidence"><h1>Appendix C: Evidence index</h1>'
        f"{body}</section>"
    )


def provenance_html(pack: Pack) -> str:
    """Appendix D: input hashes, params, software versions and how to verify."""
    from sendreport.report.manifest import package_versions, sha256_file

    p = pack.params
    files = [
        [Cell(label, header=True), path.name, sha256_file(path)]
        for label, path in p.input_files().items()
    ]
    shown = {
        k: v
        for k, v in p.to_notebook().items()
        if k not in (*FILE_KEYS, "data") and v not in (None, {}, "")
    }
    params_rows = [[Cell(k, header=True), str(v)] for k, v in shown.items()]
    versions = package_versions()
    versions.pop("python", None)
    version_text = ", ".join(f"{k} {v}" for k, v in versions.items())
    return (
        '<section class="section" id="appendix-provenance"><h1>Appendix D: Provenance</h1>'
        + table_html(
            ["Input", "File", "SHA-256"], files, caption="Input files", css_class="provenance"
        )
        + table_html(["Parameter", "Value"], params_rows, caption="Parameters")
        + f"<h2>Software</h2><p>{esc(version_text)}.</p>"
        "<h2>How to verify</h2><p>The output folder's manifest.json lists the SHA-256 of every "
        "input, of the params file and of every output. Running the same params on the same inputs "
        "with the "
        "same software gives byte-identical kpis.csv, kpi_series.csv and report.pdf: compare them "
        "with sha256sum.</p></section>"
    )


def appendices_html(pack: Pack) -> str:
    """All four appendices."""
    return (
        definitions_html(pack)
        + data_quality_html(pack)
        + evidence_html(pack)
        + provenance_html(pack)
    )

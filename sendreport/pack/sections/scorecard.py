"""The KPI scorecard and the summary page that holds it."""

from __future__ import annotations

from typing import Any

from sendreport.pack.facts import PackFacts
from sendreport.pack.sections.headings import area_heading, area_kind, period_label
from sendreport.pack.templating import render
from sendreport.tables import Cell, Table, build_table
from sendreport.vocabulary import long_date

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


SCORECARD_UNITS = (
    "Figures in %, weeks or a count, as each shows; changes in percentage points (pp), "
    "weeks or a count."
)
"""The scorecard's units, stated once in its caption rather than in every heading."""


def scorecard(pack: PackFacts) -> Table | None:
    """The KPI scorecard: one row per plan KPI, grouped by area (``None``: no KPIs).

    Column headings are a word or two, so none wraps into a column of single
    words; the period and the units are in the caption (:data:`SCORECARD_UNITS`).
    """
    from sendreport.charts.icons import assurance_icon, variation_icon

    p = pack.params
    header = [
        "Measure",
        "Latest",
        "Baseline",
        "Change since last stocktake",
        "Target and date",
        "On or off trajectory",
        "England (year)",
        "Variation (SPC)",
        "Assurance (SPC)",
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
            elif f.not_assessed:  # SPEC 6: never judged on an older point; words, no icon
                var_cell = Cell(f"Not assessed: {f.not_assessed}")
                ass_cell = Cell("Not assessed")
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
            f"Latest values for {period_label(p.period_start, p.period_end)}, "
            f"by {area_kind(pack.plan.type)}. {SCORECARD_UNITS}"
        ),
        numeric_columns=(1, 2, 3, 6),
        groups=groups,
        threshold=p.suppression_threshold,
        css_class="scorecard",
    )


def equal_lengths_note(pack: PackFacts) -> str:
    """The pack's one note on counts over a period compared over equal lengths (SPEC 5).

    ``""`` when no baseline or previous period of another length is given.

    Examples
    --------
    >>> import datetime as dt
    >>> from types import SimpleNamespace as NS
    >>> p = NS(period_start=dt.date(2024, 7, 1), period_end=dt.date(2024, 12, 31),
    ...        baseline_period_start=dt.date(2022, 4, 1), baseline_period_end=dt.date(2023, 3, 31))
    >>> equal_lengths_note(NS(params=p))[:90]
    'Counts over a period (requests, plans issued) are compared over the same length: the basel'
    """
    import pandas as pd

    from sendreport.metrics.compute import period_months

    p = pack.params
    start, end = pd.Timestamp(p.period_start), pd.Timestamp(p.period_end)
    if p.baseline_period_start is None or p.baseline_period_end is None:
        return ""
    b_start, b_end = pd.Timestamp(p.baseline_period_start), pd.Timestamp(p.baseline_period_end)
    if (b_end - b_start) == (end - start):
        return ""
    months, theirs = period_months(start, end), period_months(b_start, b_end)
    return (
        "Counts over a period (requests, plans issued) are compared over the same "
        f"length: the baseline period ({long_date(p.baseline_period_start)} to "
        f"{long_date(p.baseline_period_end)}, {theirs:g} months) is scaled to this period's "
        f"{months:g} months (count x {months:g} / {theirs:g}), in kpis.csv and on every page. "
        "Counts at a date (waiting lists, overdue reviews) are not scaled."
    )


def _scorecard_data(pack: PackFacts) -> dict[str, Any]:
    return {
        "scorecard": scorecard(pack),
        "england_source": _england_note(pack),
        "equal_lengths": equal_lengths_note(pack),
    }


def scorecard_html(pack: PackFacts) -> str:
    """The KPI scorecard with its key."""
    return render("scorecard.html.j2", **_scorecard_data(pack))


def _england_note(pack: PackFacts) -> str:
    """What the England column holds: DfE's calendar year, the rule for it, the source."""
    from sendreport.benchmarks import DFE_PUBLICATION_RULE, dfe_credit, published_years

    years = published_years(pack.params.effective_reference_date)
    if not years:
        return f"no DfE figure had been published by the data extract date ({DFE_PUBLICATION_RULE})"
    return (
        f"DfE's figure for calendar year {years[-1]}, the latest published by the data "
        f"extract date ({DFE_PUBLICATION_RULE}); the area's own figure for the same year is "
        f"beside it in the measure's comparator table. "
        f"{dfe_credit(years[-1]).removeprefix('Source: ')}"
    )


def summary(pack: PackFacts) -> dict[str, Any]:
    """What the summary says: the KPI scorecard (the findings are on the verdict page)."""
    return _scorecard_data(pack)


def summary_html(pack: PackFacts) -> str:
    """The summary: the KPI scorecard."""
    return render("summary.html.j2", **summary(pack))

"""Children's health waits for every referral service, with NHS England comparators."""

from __future__ import annotations

from typing import Any

from sendreport.disclosure.rule import is_small
from sendreport.pack.facts import PackFacts
from sendreport.pack.sections.headings import period_label
from sendreport.pack.templating import render
from sendreport.plan import PriorityArea
from sendreport.tables import Cell, build_table
from sendreport.vocabulary import format_value, long_date, service_name

HEALTH_KPIS = ("wait_list", "wait_over_18wk", "wait_over_52wk", "wait_median_open_weeks",
               "wait_median_seen_weeks", "wait_p92_seen_weeks", "autism_13wk")
"""KPIs read from the ``referrals`` table: an area with any of them shows the health waits."""


def health_area(pack: PackFacts) -> PriorityArea | None:
    """The priority area that shows children's health waits: the first with a health KPI."""
    for area in pack.plan.priority_areas:
        if any(v.plan_kpi.id in HEALTH_KPIS for v in pack.views_for(area)):
            return area
    return None


def shows_health(pack: PackFacts, area: PriorityArea) -> bool:
    """True for the one area that shows the health waits (:func:`health_area`)."""
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

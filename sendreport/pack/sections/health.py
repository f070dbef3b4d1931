"""Children's health waits for every referral service, with NHS England comparators."""

from __future__ import annotations

from typing import Any

from sendreport.metrics.definitions import KPI_DEFINITIONS
from sendreport.pack.facts import PackFacts
from sendreport.pack.kpifacts import SYMBOL, Figure, KPIFact, Status, kpi_fact
from sendreport.pack.sections.headings import period_label
from sendreport.pack.templating import render
from sendreport.plan import PriorityArea
from sendreport.tables import Cell, build_table, format_change
from sendreport.vocabulary import format_value, long_date, service_name

HEALTH_KPIS = ("wait_list", "wait_children", "wait_over_18wk", "wait_over_52wk",
               "wait_over_18wk_count", "wait_over_52wk_count", "wait_median_open_weeks",
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


LIST_COLUMNS = (
    ("wait_list", "Waiting (referrals)"),
    ("wait_children", "Children waiting"),
    ("wait_over_18wk_count", "Over 18 weeks (referrals)"),
    ("wait_over_18wk", "Over 18 weeks (%)"),
    ("wait_over_52wk_count", "Over 52 weeks (referrals)"),
    ("wait_over_52wk", "Over 52 weeks (%)"),
)
"""The waiting lists table: each column one KPI, so one unit, named in its heading."""

WAIT_COLUMNS = (
    ("wait_median_open_weeks", "Median wait so far of referrals waiting (weeks)"),
    ("wait_median_seen_weeks", "Median wait of children seen (weeks)"),
    ("wait_p92_seen_weeks", "92nd percentile wait of children seen (weeks)"),
)
"""The waits table: weeks waited so far by the list, and by the children first seen."""


def _kpi_cell(pack: PackFacts, kpi_id: str, service: str) -> Cell:
    return Cell(pack.kpi_figure(kpi_id, service).shown(), numeric=True)


def _change(now: Figure, then: Figure) -> str:
    """The change from ``then`` to ``now``: ``c`` if either is withheld, ``x`` if not available."""
    if Status.WITHHELD in (now.status, then.status):
        return SYMBOL[Status.WITHHELD]
    if not (now.published and then.published):
        return SYMBOL[Status.NOT_AVAILABLE]
    return format_change(now.value - then.value, now.unit)


def _facts(pack: PackFacts, kpi_id: str, service: str) -> KPIFact:
    """A KPI's latest, last stocktake's and baseline figures for one service, as released."""
    definition = KPI_DEFINITIONS[kpi_id]
    periods = {"latest": "now", "baseline": "baseline"}
    if pack.params.previous_period_end is not None:
        periods["previous"] = "last stocktake"
    return kpi_fact(
        pack.kpi_row(kpi_id, service),
        kpi_id=kpi_id,
        service=service,
        name=definition.title,
        unit=definition.unit,
        improvement=definition.improvement,
        periods=periods,
        target=None,
        internal=pack.params.audience == "internal",
    )


def _rows_by_service(
    pack: PackFacts, services: list[str], columns: tuple[tuple[str, str], ...]
) -> tuple[list[list[Cell]], list[tuple[int, str]]]:
    """Per service (a group heading), one row per time and per change, one column per KPI."""
    previous = pack.params.previous_period_end is not None
    times = [("Now", "latest")]
    if previous:
        times.append(("Last stocktake", "previous"))
    times.append(("Baseline", "baseline"))
    changes = [("Change since baseline", "baseline")]
    if previous:
        changes.insert(0, ("Change since last stocktake", "previous"))
    rows: list[list[Cell]] = []
    groups = []
    for service in services:
        groups.append((len(rows), service_name(service)))
        facts = [_facts(pack, kpi_id, service) for kpi_id, _ in columns]
        for label, name in times:
            rows.append([Cell(label, header=True),
                         *(Cell(f.figures()[name].shown(), numeric=True) for f in facts)])
        for label, name in changes:
            rows.append([Cell(label, header=True),
                         *(Cell(_change(f.latest, f.figures()[name]), numeric=True)
                           for f in facts)])
    return rows, groups


def _baseline_words(pack: PackFacts) -> str:
    p = pack.params
    if p.baseline_period_end is None:
        return "at the plan's baseline where it gives one"
    return (f"at baseline (the plan's own where it gives one, else as at "
            f"{long_date(p.baseline_period_end)})")


def health_waits(pack: PackFacts) -> dict[str, Any] | None:
    """Every referral service's waiting list and waits, and NHS England comparators, as data.

    Two tables, each with one group of rows per service in the data (not only
    those the plan names): the value now, at the last stocktake (when params
    give one) and at baseline, and the change since each. ``lists``: the
    referrals waiting, the children waiting, and the referrals over 18 and
    over 52 weeks as counts and as percentages, each in a column of its own
    whose heading names its unit. ``waits``: the median wait so far of the
    referrals waiting, and the median and 92nd percentile wait of children
    first seen in the period (weeks). With a ``benchmarks`` file, each
    service's share over 18 and over 52 weeks beside every area the file
    gives, naming its level and month; without one, a line saying that no
    comparator was given. ``None`` when the data hold no referrals.
    """
    from sendreport.chs import CHS_SOURCE

    services = pack.wait_services()
    if not services:
        return None
    p = pack.params
    at = f"now ({long_date(p.period_end)})"
    then = ""
    if p.previous_period_end is not None:
        then = f", at the last stocktake ({long_date(p.previous_period_end)})"
    rows, groups = _rows_by_service(pack, services, LIST_COLUMNS)
    lists = build_table(
        ["When", *(heading for _, heading in LIST_COLUMNS)],
        rows,
        caption=(f"Children's health services: waiting lists {at}{then} and "
                 f"{_baseline_words(pack)}, and the change"),
        numeric_columns=tuple(range(1, len(LIST_COLUMNS) + 1)),
        groups=groups,
        threshold=p.suppression_threshold,
        css_class="health",
    )
    then = ""
    if p.previous_period_end is not None:
        then = ", in the period of the same length to the last stocktake"
    rows, groups = _rows_by_service(pack, services, WAIT_COLUMNS)
    waits = build_table(
        ["When", *(heading for _, heading in WAIT_COLUMNS)],
        rows,
        caption=(f"Children's health services: waits so far of referrals waiting {at}, and "
                 f"waits of children first seen, {period_label(p.period_start, p.period_end)}"
                 f"{then} and at baseline, and the change"),
        numeric_columns=tuple(range(1, len(WAIT_COLUMNS) + 1)),
        groups=groups,
        threshold=p.suppression_threshold,
        css_class="health-waits",
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
                ["Area (level), month", "Waiting (number on the list)", "Over 18 weeks (%)",
                 "Over 52 weeks (%)"],
                crows,
                caption="Waiting lists against NHS England's published figures",
                numeric_columns=(1, 2, 3),
                groups=groups,
                threshold=p.suppression_threshold,
                css_class="health-comparators",
            )
    return {
        "lists": lists,
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

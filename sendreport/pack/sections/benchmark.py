"""DfE's published 20-week timeliness beside the area's own figure, like for like (SPEC 5)."""

from __future__ import annotations

from typing import Any

from sendreport.pack.facts import KPIFacts, PackFacts
from sendreport.pack.templating import render
from sendreport.tables import Cell, build_table
from sendreport.vocabulary import format_value, long_date

YEARS_SHOWN = 4
"""Calendar years of DfE's figures the table shows (the latest published ones)."""


def own_source(pack: PackFacts) -> str:
    """What the area's own 20-week figures were computed from, as a source line says it.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> own_source(SimpleNamespace(params=SimpleNamespace(data={"requests": "r.csv"})))
    "Source: the area's own records (requests table), computed as DfE's SEN2 measure"
    """
    if "sen2" in pack.params.data:
        return "Source: the area's own SEN2 returns, computed as DfE's SEN2 measure"
    return "Source: the area's own records (requests table), computed as DfE's SEN2 measure"


def benchmark(pack: PackFacts, view: KPIFacts) -> dict[str, Any]:
    """The area's own figure by calendar year beside DfE's, the same year on every row.

    DfE's figures are England's, the area's region's, the area's own and its
    statistical neighbours' (pooled), as params allow.

    Only DfE figures published on or before ``reference_date`` are used
    (:func:`sendreport.benchmarks.published_years`); a later year shows ``x``.
    A year the area's data cover in part shows ``x`` with the months covered.
    """
    from sendreport.benchmarks import (
        DFE_PUBLICATION_RULE,
        comparators_not_used,
        dfe_comparators,
        dfe_credit,
        published_years,
    )

    p = pack.params
    kpi_id = view.plan_kpi.id
    extract = p.effective_reference_date
    published = published_years(extract)
    own: dict[int, str] = {}
    for year in pack.benchmark_years():  # figures from the pack's one disclosure pass
        months = pack.year_coverage(year)
        if months < 12:  # not comparable with DfE's whole year
            own[year] = f"x ({months} of 12 months in the data)"
            continue
        value, withheld = pack.year_figure(year, kpi_id)
        own[year] = format_value(value, "%", suppressed=withheld)
    shown = published[-YEARS_SHOWN:]
    years = sorted(set(shown) | set(own))
    found = {y: dfe_comparators(kpi_id, y, la_code=p.la_code, synthetic=p.synthetic,
                                neighbours=p.neighbours) for y in years if y in published}
    labels = list(dict.fromkeys(c.label for cs in found.values() for c in cs))
    header = ["Calendar year", *labels, f"{p.area_name} (own records)"]
    rows = []
    for y in years:
        by_label = {c.label: c for c in found.get(y, [])}
        rows.append(
            [Cell(str(y), header=True)]
            + [Cell(format_value(by_label[a].value, "%") if a in by_label else "x", numeric=True)
               for a in labels]
            + [Cell(own.get(y, "x"), numeric=True)]
        )
    latest = shown[-1] if shown else None
    notes = [
        f"{DFE_PUBLICATION_RULE}. The data were extracted on {long_date(extract)}, so "
        + (f"{latest} is the latest year of DfE's figures used" if latest is not None
           else "no year of DfE's figures had been published")
        + "; a later year's comparators show x (not yet published)."
    ]
    pooled = [c for c in found.get(latest, []) if c.kind == "neighbours"]
    if pooled:
        notes.append(f"Statistical neighbours, {latest}: {pooled[0].note}.")
    notes += comparators_not_used(la_code=p.la_code, synthetic=p.synthetic,
                                  neighbours=p.neighbours)
    credit = dfe_credit(f"{shown[0]}-{latest}" if shown else None)
    return {
        "table": build_table(
            header,
            rows,
            caption=(f"{view.name}: the area's own figure and DfE's published figures, "
                     "by calendar year"),
            numeric_columns=tuple(range(1, len(header))),
            threshold=p.suppression_threshold,
        ),
        "notes": notes,
        "credit": credit.removeprefix("Source: "),
        "own_source": own_source(pack).removeprefix("Source: "),
        "latest": latest,
    }


def benchmark_html(pack: PackFacts, view: KPIFacts) -> str:
    """DfE's published timeliness table with its notes and sources."""
    return render("benchmark.html.j2", **benchmark(pack, view))

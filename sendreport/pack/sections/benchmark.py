"""DfE's published 20-week timeliness beside the area's own figure."""

from __future__ import annotations

from typing import Any

from sendreport.pack.facts import KPIFacts, PackFacts
from sendreport.pack.templating import render
from sendreport.tables import Cell, build_table
from sendreport.vocabulary import format_value


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

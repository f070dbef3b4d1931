"""The comparison edition's content: figures for every authority in scope, as tables and charts.

:func:`build_comparison` computes everything once into a frozen
:class:`Comparison`; :func:`comparison_html` prints it through
``templates/comparison.html.j2``. Methods are in :mod:`sendreport.compare.figures`
and :mod:`sendreport.compare.funnel`, and the edition states them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sendreport.benchmarks import dfe_credit, load_dfe_timeliness
from sendreport.compare import figures, funnel
from sendreport.compare.packs import pack_rows
from sendreport.compare.params import CompareParams, resolve_scope

TEMPLATES = Path(__file__).parent / "templates"

__all__ = ["Comparison", "build_comparison", "comparison_html"]


@dataclass(frozen=True)
class Comparison:
    """Every figure of one comparison edition, computed once."""

    params: CompareParams
    scope: str
    region: str | None
    latest: figures.Year
    years: tuple[figures.Year, ...]
    table: pd.DataFrame
    """The latest year: one row per authority, with change, rank and years outside the limits."""
    comparators: pd.DataFrame
    """England's and the regions' published figures of the latest year."""
    sizes: np.ndarray

    @property
    def year(self) -> int:
        """The latest year, the funnel's."""
        return self.latest.year

    @property
    def first(self) -> int:
        """The first year, where change starts."""
        return self.years[0].year


def build_comparison(params: CompareParams) -> Comparison:
    """Compute the comparison edition's figures from DfE's published figures and packs.

    Examples
    --------
    >>> c = build_comparison(CompareParams(scope="East Midlands", years=[2019, 2024]))
    >>> c.year, len(c.table), round(c.latest.p0 * 100, 1)
    (2024, 10, 46.4)
    """
    dfe = load_dfe_timeliness()
    scope, region, codes = resolve_scope(params, dfe)
    frame = figures.authorities(dfe, params.measure, codes, region, params.years)
    years = []
    for year in params.years:
        r, n = figures.area_rate(dfe, params.measure, year, "National")
        years.append(figures.year_figures(frame[frame["year"] == year].reset_index(drop=True),
                                          r / n))
    latest = years[-1]
    table = latest.table.copy()
    table["unpublished"] = False
    known = table["rate"].notna()
    table[["rank", "rank_best", "rank_worst"]] = np.nan
    table.loc[known, ["rank", "rank_best", "rank_worst"]] = figures.rank_interval(
        table.loc[known, "ci_low"], table.loc[known, "ci_high"], table.loc[known, "rate"]
    ).to_numpy()
    change = figures.changes(frame, years[0].year, latest.year)
    table = table.merge(change, on="la_code", how="left")
    outside = _years_outside(years)
    table["years_outside_95"] = table["la_code"].map(outside).fillna("")
    own = pack_rows(params, dfe, latest.p0, latest.spread)
    if len(own):
        table = pd.concat([table, own], ignore_index=True)
    comparators = _comparators(dfe, params.measure, latest.year, region, frame)
    top = max(float(table["n"].max(skipna=True) or 0), 50.0) * 1.05
    return Comparison(params=params, scope=scope, region=region, latest=latest,
                      years=tuple(years), table=table, comparators=comparators,
                      sizes=np.linspace(max(1.0, top / 200), top, 200))


def _years_outside(years: list[figures.Year]) -> dict[str, str]:
    """``la_code`` to the years it was outside the 95% limits, with the side: ``"2019 below"``."""
    out: dict[str, list[str]] = {}
    for y in years:
        for code, pos in zip(y.table["la_code"], y.table["position"], strict=True):
            if pos and pos != "within":
                out.setdefault(code, []).append(f"{y.year} {pos.split()[0]}")
    return {code: ", ".join(items) for code, items in out.items()}


def _comparators(dfe: pd.DataFrame, measure: str, year: int, region: str | None,
                 frame: pd.DataFrame) -> pd.DataFrame:
    regions = [region] if region else sorted(set(frame.loc[frame["year"] == year,
                                                           "region_name"].dropna()))
    rows = [("England", *figures.area_rate(dfe, measure, year, "National"))]
    rows += [(name, *figures.area_rate(dfe, measure, year, "Regional", name)) for name in regions]
    out = pd.DataFrame(rows, columns=["area", "r", "n"])
    out["rate"] = out["r"] / out["n"]
    return out


def _pct(x) -> str:
    return "x" if pd.isna(x) else f"{x * 100:.1f}"


def _count(x) -> str:
    return "x" if pd.isna(x) else f"{int(x):,}"


def comparison_tables(c: Comparison):
    """The edition's tables as :class:`sendreport.tables.Table` (comparators, then authorities)."""
    from sendreport.tables import build_table

    comparators = build_table(
        ["Area", "Plans issued", "Within 20 weeks", "Rate (%)"],
        [[row.area, _count(row.n), _count(row.r), _pct(row.rate)]
         for row in c.comparators.itertuples()],
        caption=f"England and regions, {c.year} (published)", numeric_columns=(1, 2, 3),
    )
    body = []
    for row in c.table.sort_values(["unpublished", "la_name"], kind="stable").itertuples():
        interval = ("x" if pd.isna(row.ci_low)
                    else f"{row.ci_low * 100:.1f} to {row.ci_high * 100:.1f}")
        rank = ("x" if pd.isna(row.rank) else
                f"{int(row.rank)} ({int(row.rank_best)} to {int(row.rank_worst)})")
        change = ("x" if pd.isna(row.change) else
                  f"{row.change * 100:+.1f} ({row.change_low * 100:+.1f} to "
                  f"{row.change_high * 100:+.1f})")
        name = f"{row.la_name} (own pack, unpublished)" if row.unpublished else row.la_name
        body.append([name, _count(row.n), _count(row.r), _pct(row.rate), interval,
                     row.position or "x", rank, change, row.years_outside_95 or "none"])
    authorities = build_table(
        ["Authority", "Plans issued", "Within 20 weeks", "Rate (%)", "95% interval (%)",
         "Against the funnel limits", "Rank (possible range)",
         f"Change since {c.first} (points, 95% interval)", "Years outside 95% limits"],
        body, caption=f"Every authority in scope, {c.year}", numeric_columns=(1, 2, 3),
    )
    return comparators, authorities


def headline(c: Comparison) -> str:
    """The funnel chart's title: the finding, in words.

    Examples
    --------
    >>> c = build_comparison(CompareParams(scope="East Midlands", years=[2024]))
    >>> headline(c).startswith("In 2024, ")
    True
    """
    t = c.table[~c.table["unpublished"] & (c.table["position"] != "")]
    within = int((t["position"] == "within").sum())
    below = int(t["position"].str.startswith("below").sum())
    above = int(t["position"].str.startswith("above").sum())
    return (f"In {c.year}, {within} of {len(t)} authorities were within the 95% limits around "
            f"England's {c.latest.p0 * 100:.1f}%; {below} below and {above} above")


def comparison_html(c: Comparison) -> str:
    """The edition as one HTML document (charts inlined), ready for :func:`html_to_pdf`."""
    from markupsafe import Markup

    from sendreport.charts.funnel import plot_funnel
    from sendreport.charts.render import not_people
    from sendreport.outputs import style_sheet
    from sendreport.pack.sections.chart import figure
    from sendreport.pack.templating import environment

    measure = figures.MEASURES[c.params.measure][2]
    curves = funnel.limits(c.sizes, c.latest.p0, c.latest.spread)
    title = headline(c)
    t = c.table
    named = lambda side: ", ".join(t.loc[t["position"] == f"{side} 99.8%", "la_name"]) or "none"  # noqa: E731
    alt = (f"Funnel plot of {measure.lower()} in {c.year} against plans issued, for "
           f"{len(t)} authorities ({c.scope}), around England's {c.latest.p0 * 100:.1f}% with "
           f"95% and 99.8% limits. Below the 99.8% limits: {named('below')}. Above them: "
           f"{named('above')}.")
    fig = plot_funnel(t, curves, c.sizes, p0=c.latest.p0, title=title,
                      comparator=f"England {c.year}")
    chart = figure(not_people(fig), alt=alt, caption=c.latest.spread.describe(), crop=False)
    repeated = t[t["years_outside_95"].str.count(",") >= 1]
    comparators, authorities = comparison_tables(c)
    title_text = c.params.title or f"EHC plan timeliness across authorities: {c.scope}, {c.year}"
    return environment(str(TEMPLATES)).get_template("comparison.html.j2").render(
        title=title_text,
        css=Markup(style_sheet()),
        marking=c.params.classification,
        scope=c.scope,
        measure=measure,
        years=f"{c.first} to {c.year}" if c.first != c.year else str(c.year),
        chart=chart,
        comparators=comparators,
        authorities=authorities,
        repeated=[(row.la_name, row.years_outside_95) for row in repeated.itertuples()],
        spread=c.latest.spread.describe(),
        p0=f"{c.latest.p0 * 100:.1f}%",
        credit=dfe_credit(c.year),
        has_packs=bool(t["unpublished"].any()),
    ).strip()

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
    no_rate: tuple[tuple[str, str], ...] = ()
    """Authorities in scope with no rate in the latest year, each with the reason, in words."""

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
    england = figures.authorities(dfe, params.measure, None, None, params.years)
    years = []
    for year in params.years:
        r, n = figures.area_rate(dfe, params.measure, year, "National")
        every = england[(england["year"] == year) & figures.known_rates(england)]
        spread = funnel.dispersion(every["r"], every["n"], r / n)
        years.append(figures.year_figures(frame[frame["year"] == year].reset_index(drop=True),
                                          r / n, spread))
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
    table["period"] = f"{latest.year}-01-01 to {latest.year}-12-31"
    own = pack_rows(params, dfe, latest.p0, latest.spread)
    if len(own):
        table = pd.concat([table, own], ignore_index=True)
    comparators = _comparators(dfe, params.measure, latest.year, region, frame, years[0].year)
    top = max(float(table["n"].max(skipna=True) or 0), 50.0) * 1.05
    return Comparison(params=params, scope=scope, region=region, latest=latest,
                      years=tuple(years), table=table, comparators=comparators,
                      sizes=np.linspace(max(1.0, top / 200), top, 200),
                      no_rate=_no_rate(dfe, params.measure, latest))


def _no_rate(dfe: pd.DataFrame, measure: str,
             latest: figures.Year) -> tuple[tuple[str, str], ...]:
    """Each authority of the latest year without a rate, with the reason.

    DfE's ``x``, no plan issued, or (excluding exceptions) every plan recorded
    as an exception.
    """
    t = latest.table
    out = []
    for row in t[t["position"] == ""].itertuples():
        if pd.isna(row.n) or pd.isna(row.r):
            out.append((row.la_name, "DfE published no figure (x)"))
            continue
        every = dfe[(dfe["year"] == latest.year) & (dfe["la_code"] == row.la_code)]
        plans = every["plans_issued"].iloc[0] if len(every) else np.nan
        if measure == "ehcp_20wk_excl" and pd.notna(plans) and plans > 0:
            out.append((row.la_name, f"every one of its {int(plans):,} plans was recorded as "
                                     "an exception, so DfE gives no rate excluding exceptions"))
        else:
            out.append((row.la_name, "issued no plans"))
    return tuple(out)


def _years_outside(years: list[figures.Year]) -> dict[str, str]:
    """``la_code`` to the years it was outside the 95% limits, with the side: ``"2019 below"``."""
    out: dict[str, list[str]] = {}
    for y in years:
        for code, pos in zip(y.table["la_code"], y.table["position"], strict=True):
            if pos and pos != "within":
                out.setdefault(code, []).append(f"{y.year} {pos.split()[0]}")
    return {code: ", ".join(items) for code, items in out.items()}


def _comparators(dfe: pd.DataFrame, measure: str, year: int, region: str | None,
                 frame: pd.DataFrame, first: int) -> pd.DataFrame:
    regions = [region] if region else sorted(set(frame.loc[frame["year"] == year,
                                                           "region_name"].dropna()))
    rows = [("England", *figures.area_rate(dfe, measure, year, "National"))]
    rows += [(name, *figures.area_rate(dfe, measure, year, "Regional", name)) for name in regions]
    out = pd.DataFrame(rows, columns=["area", "r", "n"])
    out["rate"] = out["r"] / out["n"]
    before = [figures.area_rate(dfe, measure, first, "National")]
    before += [figures.area_rate(dfe, measure, first, "Regional", name) for name in regions]
    out["change"] = out["rate"] - [r / n for r, n in before]
    return out


def _years_words(years: list[int]) -> str:
    """The edition's calendar years in words: a run as ``2019 to 2024``, else each one.

    Examples
    --------
    >>> _years_words([2019, 2020, 2021]), _years_words([2019, 2024]), _years_words([2024])
    ('calendar years 2019 to 2021', 'calendar years 2019 and 2024', 'calendar year 2024')
    >>> _years_words([2019, 2022, 2024])
    'calendar years 2019, 2022 and 2024'
    """
    if len(years) == 1:
        return f"calendar year {years[0]}"
    if len(years) > 2 and years == list(range(years[0], years[-1] + 1)):
        return f"calendar years {years[0]} to {years[-1]}"
    return f"calendar years {', '.join(map(str, years[:-1]))} and {years[-1]}"


def _pct(x) -> str:
    return "x" if pd.isna(x) else f"{x * 100:.1f}"


def _count(x) -> str:
    return "x" if pd.isna(x) else f"{int(x):,}"


POSITION_WORDS = {"within": "within", "above 95%": "above the 95% limits",
                  "above 99.8%": "above the 99.8% limits", "below 95%": "below the 95% limits",
                  "below 99.8%": "below the 99.8% limits", "": "no rate"}
"""How the table words an authority's position (:func:`sendreport.compare.funnel.position`):
the bare ``"below 95%"`` reads as a rate below 95%."""


def _period_words(period: str) -> str:
    """A pack's period as the edition prints it, in long dates.

    Examples
    --------
    >>> _period_words("2025-01-01 to 2025-06-30"), _period_words("")
    ('1 January 2025 to 30 June 2025', 'period not stated')
    """
    import datetime as dt

    from sendreport.vocabulary import long_date

    try:
        start, end = (dt.date.fromisoformat(d) for d in period.split(" to "))
    except ValueError:
        return period or "period not stated"
    return f"{long_date(start)} to {long_date(end)}"


def comparison_tables(c: Comparison):
    """The edition's tables as :class:`sendreport.tables.Table` (comparators, then authorities)."""
    from sendreport.tables import build_table

    since = [f"Change since {c.first} (percentage points)"] if c.first != c.year else []
    comparators = build_table(
        ["Area", "Plans issued", "Within 20 weeks", "Rate (%)", *since],
        [[row.area, _count(row.n), _count(row.r), _pct(row.rate),
          *([f"{row.change * 100:+.1f}"] if since else [])]
         for row in c.comparators.itertuples()],
        caption=f"England and regions, calendar year {c.year} (DfE published)",
        numeric_columns=(1, 2, 3, 4) if since else (1, 2, 3),
    )
    table = c.table.assign(region=c.table["region_name"].fillna(""))
    by_region = len(set(table.loc[~table["unpublished"].astype(bool), "region"])) > 1
    order = ["unpublished", "region", "la_name"] if by_region else ["unpublished", "la_name"]
    body, groups = [], []
    for row in table.sort_values(order, kind="stable").itertuples():
        group = ("Areas' own packs (unpublished)" if row.unpublished else row.region)
        if by_region and (not groups or groups[-1][1] != group):
            groups.append((len(body), group))
        interval = ("x" if pd.isna(row.ci_low)
                    else f"{row.ci_low * 100:.1f} to {row.ci_high * 100:.1f}")
        rank = ("x" if pd.isna(row.rank) else
                f"{int(row.rank)} ({int(row.rank_best)} to {int(row.rank_worst)})")
        change = ("x" if pd.isna(row.change) else
                  f"{row.change * 100:+.1f} ({row.change_low * 100:+.1f} to "
                  f"{row.change_high * 100:+.1f})")
        name = (f"{row.la_name} (own pack, unpublished, {_period_words(row.period)})"
                if row.unpublished else row.la_name)
        body.append([name, _count(row.n), _count(row.r), _pct(row.rate), interval,
                     POSITION_WORDS.get(row.position or "", row.position), rank, change,
                     row.years_outside_95 or "none"])
    ranked = int(c.table.loc[~c.table["unpublished"].astype(bool), "rank"].notna().sum())
    authorities = build_table(
        ["Authority", "Plans issued", "Within 20 weeks", "Rate (%)", "95% interval (%)",
         "Against the funnel limits", f"Rank of {ranked} (possible range)",
         f"Change since {c.first} (percentage points, 95% interval)",
         "Years outside 95% limits"],
        body, caption=(f"Every authority in scope, calendar year {c.year} (DfE published)"
                       + (", by region" if by_region else "") + "; rank 1 is the highest rate"),
        numeric_columns=(1, 2, 3), css_class="authorities", groups=groups,
    )
    return comparators, authorities


def outside(c: Comparison) -> list[tuple[str, str]]:
    """The latest year's authorities outside the limits, by side and level, named.

    Published figures only; each side lists those beyond the 99.8% limits, then
    those beyond the 95% limits only.

    Examples
    --------
    >>> c = build_comparison(CompareParams(scope="East Midlands", years=[2024]))
    >>> for label, names in outside(c):
    ...     print(f"{label}: {names}")
    Above the 99.8% limits: none (the limit is 100% at every authority's size here: no rate can be above it)
    Above the 95% limits (not the 99.8%): Lincolnshire
    Below the 95% limits (not the 99.8%): Leicestershire
    Below the 99.8% limits: none (the limit is 0% at every authority's size here: no rate can be below it)
    """  # noqa: E501
    t = c.table[~c.table["unpublished"].astype(bool)]
    named = lambda pos: ", ".join(t.loc[t["position"] == pos, "la_name"]) or "none"  # noqa: E731
    placed = t[t["position"] != ""]
    above, below = named("above 99.8%"), named("below 99.8%")
    if len(placed) and (placed["99.8% upper"] >= 0.9995).all():
        above += " (the limit is 100% at every authority's size here: no rate can be above it)"
    if len(placed) and (placed["99.8% lower"] <= 0.0005).all():
        below += " (the limit is 0% at every authority's size here: no rate can be below it)"
    return [("Above the 99.8% limits", above),
            ("Above the 95% limits (not the 99.8%)", named("above 95%")),
            ("Below the 95% limits (not the 99.8%)", named("below 95%")),
            ("Below the 99.8% limits", below)]


def no_change(c: Comparison) -> str:
    """Why some authorities have no change since the first year, in one sentence (or ``""``).

    Examples
    --------
    >>> c = build_comparison(CompareParams(scope="East Midlands", years=[2019, 2024]))
    >>> no_change(c)
    'No change since 2019 for North Northamptonshire, West Northamptonshire: no published rate for them in 2019 (an authority formed since, or a figure DfE did not publish).'
    """  # noqa: E501
    t = c.table[~c.table["unpublished"].astype(bool)]
    missing = t.loc[t["change"].isna() & t["rate"].notna(), "la_name"].tolist()
    if c.first == c.year or not missing:
        return ""
    return (f"No change since {c.first} for {', '.join(missing)}: no published rate for them "
            f"in {c.first} (an authority formed since, or a figure DfE did not publish).")


def reading(c: Comparison) -> list[str]:
    """How to read the funnel plot, in plain words, for a reader who is not a statistician.

    Says what the limits are, what the overdispersion adjustment does and what
    being inside or outside them does and does not mean.

    Examples
    --------
    >>> c = build_comparison(CompareParams(scope="East Midlands", years=[2024]))
    >>> text = " ".join(reading(c))
    >>> "far more than chance alone" in text, "not evidence" in text
    (True, True)
    """
    p0 = f"{c.latest.p0 * 100:.1f}%"
    spread = c.latest.spread
    counted = (" (leaving out plans where an exception to the 20 weeks applied)"
               if c.params.measure == "ehcp_20wk_excl" else " (exceptions included)")
    out = [
        f"Each point is an authority: across, the number of EHC plans it issued in calendar "
        f"year {c.year}{counted}; up, the share of them issued within 20 weeks. The solid line is "
        f"England's rate, {p0}. The dashed lines (95% limits) and dotted lines (99.8% limits) "
        "show how far from England an authority of that size can be before it is unusual: "
        "a small authority's rate moves more by chance, so the limits are wider on the left.",
    ]
    if spread.overdispersed:
        out.append(
            f"Authorities differ from one another far more than chance alone explains (the "
            f"variation between England's {spread.units} authorities with a rate is about "
            f"{spread.phi:.0f} times what chance would give). The limits are therefore "
            "widened to allow for the usual differences between authorities, which is why "
            "they are wide and almost flat. "
            "An authority outside them is unusual even against that spread. One inside them "
            "is not shown to be unusual, but that is not evidence that it does as well as "
            "England: its rate and interval in the table say how far from England it is.")
    else:
        out.append(
            f"England's {spread.units} authorities with a rate spread no more widely than "
            "chance explains, so "
            "the limits are those of chance alone (exact binomial). An authority inside them "
            "differs from England by no more than chance would give at its number of plans; "
            "that is not evidence that it does as well as England.")
    out.append(
        "About 1 authority in 20 would fall outside the 95% limits even if nothing unusual "
        "were going on, so being outside them is a prompt to look closer; outside the 99.8% "
        "limits (about 1 in 500) is a strong signal.")
    return out


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
    return (f"In {c.year}, {within} of the {len(t)} authorities with a rate were within the "
            f"95% limits around England's {c.latest.p0 * 100:.1f}%; {below} below and "
            f"{above} above")


def funnel_figure(c: Comparison):
    """The latest year's funnel plot, its title the finding and its axes the year and measure."""
    from sendreport.charts.funnel import plot_funnel

    counted = " (excluding exceptions)" if c.params.measure == "ehcp_20wk_excl" else ""
    curves = funnel.limits(c.sizes, c.latest.p0, c.latest.spread)
    return plot_funnel(c.table, curves, c.sizes, p0=c.latest.p0, title=headline(c),
                       comparator=f"England {c.year}",
                       xlabel=f"EHC plans issued in {c.year}{counted}")


def comparison_html(c: Comparison) -> str:
    """The edition as one HTML document (charts inlined), ready for :func:`html_to_pdf`."""
    from markupsafe import Markup

    from sendreport.charts.funnel import LABELLED
    from sendreport.charts.render import not_people
    from sendreport.outputs import style_sheet
    from sendreport.pack.sections.chart import figure
    from sendreport.pack.templating import environment

    measure = figures.MEASURES[c.params.measure][2]
    title = headline(c)
    t = c.table
    groups = outside(c)
    shown = t[t["position"].notna() & (t["position"] != "") & (t["position"] != "within")
              & ~t["unpublished"].astype(bool)]
    beyond = [f"{label}: {names}." for label, names in groups if not names.startswith("none")]
    alt = (f"Funnel plot of {measure} (calendar year {c.year}) against plans issued, for "
           f"the {int(t['rate'].notna().sum())} authorities with a rate ({c.scope}), around "
           f"England's {c.latest.p0 * 100:.1f}% with 95% and 99.8% limits. "
           + (" ".join(beyond) or "None is outside the 95% limits."))
    fig = funnel_figure(c)
    names = ("Authorities outside the 95% limits are named on the chart and below it."
             if len(shown) <= LABELLED else
             f"The {len(shown)} authorities outside the 95% limits are too many to name on "
             "the chart; they are named below it.")
    caption = (f"Calendar year {c.year}: {measure}; each authority against England's "
               f"rate. {names} {dfe_credit(c.year)}.")
    chart = figure(not_people(fig), alt=alt, caption=caption, crop=False)
    repeated = t[t["years_outside_95"].str.count(",") >= 1]
    comparators, authorities = comparison_tables(c)
    title_text = c.params.title or f"EHC plan timeliness across authorities: {c.scope}, {c.year}"
    return environment(str(TEMPLATES)).get_template("comparison.html.j2").render(
        title=title_text,
        css=Markup(style_sheet()),
        marking=c.params.classification,
        scope=c.scope,
        measure=measure,
        years=_years_words([y.year for y in c.years]),
        chart=chart,
        comparators=comparators,
        authorities=authorities,
        repeated=[(row.la_name, row.years_outside_95) for row in repeated.itertuples()],
        checked=", ".join(str(y.year) for y in c.years),
        reading=reading(c),
        outside=groups,
        finding=title,
        year=c.year,
        no_rate=c.no_rate,
        no_change=no_change(c),
        spread=c.latest.spread.describe(),
        p0=f"{c.latest.p0 * 100:.1f}%",
        credit=dfe_credit(c.year),
        has_packs=bool(t["unpublished"].any()),
    ).strip()

"""A KPI's chart (SPC or baseline to latest) and the figure data every chart is printed from."""

from __future__ import annotations

from typing import Any

from sendreport.pack.facts import KPIFacts, PackFacts
from sendreport.pack.templating import render


def has_spc_chart(view: KPIFacts) -> bool:
    """Whether the view is drawn as an SPC chart: a series with a reading, assessed or not."""
    fact = view.fact
    return view.series is not None and (fact.variation is not None or bool(fact.not_assessed))


def kpi_figure(pack: PackFacts, view: KPIFacts) -> tuple[Any, str, str] | None:
    """The view's chart as drawn: ``(figure, alt text, caption)``, or ``None`` for no chart.

    An SPC chart when the view has one (:func:`has_spc_chart`): titled and
    described from the pack's reading (assessed at the latest point, or not
    assessed with the reason), with only the interventions that name this KPI
    and service, the rebased ones named in the title, and the key of its gap
    marks (``c``, ``x``) after the caption. Otherwise a baseline-to-latest
    chart, or ``None`` when the data do not allow the measure.
    """
    from sendreport.charts.progress import plot_progress, progress_alt_text
    from sendreport.charts.spc import gap_key, plot_spc, spc_alt_text, spc_title

    plan_kpi = view.plan_kpi
    # SPEC 4.4: only the interventions that name this KPI and service (none without kpis)
    named = pack.interventions_for(plan_kpi.id, plan_kpi.service or "")
    interventions = [(i.date, i.label) for i in named]
    rebases = [(i.date, i.label) for i in named if i.rebase]
    fact = view.fact
    if has_spc_chart(view):
        fig = plot_spc(
            view.series,
            title=spc_title(view.series, name=view.name, improvement=view.improvement,
                            variation=fact.variation, not_assessed=fact.not_assessed,
                            rebases=rebases),
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
            not_assessed=fact.not_assessed,
            rebases=rebases,
        )
        # SPEC 6: gaps are marked c or x on the chart; the key follows the caption
        caption = " ".join(t for t in (view.headline, gap_key(view.series)) if t)
        return fig, alt, caption
    if view.row is None:
        return None
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
    return fig, alt, view.headline


def kpi_chart(pack: PackFacts, view: KPIFacts) -> dict[str, Any]:
    """The view's chart as data: an SPC chart, a baseline-to-latest chart, or none.

    ``figure`` holds the image (a PNG ``data:`` URI), its alt text, caption and
    id (:func:`kpi_figure`); it is ``None`` when the data do not allow the measure.
    """
    from sendreport.charts.render import not_people

    chart: dict[str, Any] = {"id": view.anchor, "name": view.name, "figure": None}
    drawn = kpi_figure(pack, view)
    if drawn is None:
        return chart
    fig, alt, caption = drawn
    # drawn from the release pass's figures (percentages, and counts already suppressed): the
    # privacy guard's check of charts' small counts is for analysts' own charts
    chart["figure"] = figure(not_people(fig), alt=alt, caption=caption, id=view.anchor,
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

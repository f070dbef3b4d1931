"""A KPI's chart (SPC or baseline to latest) and the figure data every chart is printed from."""

from __future__ import annotations

from typing import Any

from sendreport.pack.facts import KPIFacts, PackFacts
from sendreport.pack.templating import render


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

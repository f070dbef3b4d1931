"""``annex-confidential.pdf``: what the plan marks ``confidential: true``, and nothing else.

The annex is built from the plan by the runner, never by the notebook, so
confidential text cannot reach ``report.pdf``, ``report.html`` or the executed
notebook. It is marked OFFICIAL-SENSITIVE on every page.
"""

from __future__ import annotations

from sendreport.params import Params
from sendreport.plan import Plan
from sendreport.vocabulary import long_date

ANNEX_MARKING = "OFFICIAL-SENSITIVE"


def confidential_items(plan: Plan) -> list[tuple[str, str, str | None]]:
    """``(area title, quote text, attribution)`` for every confidential quote, in plan order."""
    return [
        (area.title, q.text, q.attribution)
        for area in plan.priority_areas
        for q in area.family_voice
        if q.confidential
    ]


def annex_html(params: Params, plan: Plan) -> str | None:
    """The annex as a complete HTML document, or ``None`` when nothing is confidential.

    Parameters
    ----------
    params
        The run's params (area, period).
    plan
        The improvement plan.

    Returns
    -------
    str or None
        HTML for the runner to print as PDF, printed by
        ``templates/sections/annex.html.j2``.
    """
    from markupsafe import Markup

    from sendreport.outputs import style_sheet
    from sendreport.pack.templating import render

    items = confidential_items(plan)
    if not items:
        return None
    areas: list[dict] = []
    for area, text, who in items:
        if not areas or areas[-1]["title"] != area:
            areas.append({"title": area, "quotes": []})
        areas[-1]["quotes"].append({"text": text, "attribution": who})
    css = style_sheet()
    return render(
        "annex.html.j2",
        title=f"{params.area_name}: confidential annex to the stocktake evidence pack",
        css=Markup(css),  # the package's own style sheet
        area_name=params.area_name,
        marking=ANNEX_MARKING,
        period_end=long_date(params.period_end),
        areas=areas,
    )

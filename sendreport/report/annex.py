"""``annex-confidential.pdf``: what the plan marks ``confidential: true``, and nothing else.

The annex is built from the plan by the runner, never by the notebook, so
confidential text cannot reach ``report.pdf``, ``report.html`` or the executed
notebook. It is marked OFFICIAL-SENSITIVE on every page.
"""

from __future__ import annotations

import html

from sendreport.params import Params
from sendreport.plan import Plan

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
        HTML for :func:`sendreport.report.exporter.html_to_pdf`.
    """
    from sendreport.report.exporter import TEMPLATE_DIR, css_string

    items = confidential_items(plan)
    if not items:
        return None
    css = (TEMPLATE_DIR / "sendreport" / "report.css").read_text(encoding="utf-8")
    title = f"{params.area_name}: confidential annex to the stocktake evidence pack"
    body = []
    current = None
    for area, text, who in items:
        if area != current:
            body.append(f"<h2>{html.escape(area)}</h2>")
            current = area
        cite = f"<footer>{html.escape(who)}</footer>" if who else ""
        body.append(f"<blockquote><p>{html.escape(text)}</p>{cite}</blockquote>")
    marking = css_string(ANNEX_MARKING)
    return (
        f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{css}"
        f'@page {{ @top-left {{ content: "{css_string(params.area_name)}"; }} '
        f'@top-right {{ content: "{marking}"; }} @bottom-left {{ content: "{marking}"; }} '
        '@bottom-right { content: "Page " counter(page) " of " counter(pages); } }'
        f"</style></head><body><h1>{html.escape(title)}</h1>"
        f"<p>Family voice the plan marks confidential, for the improvement board only, for the "
        f"period ending {params.period_end:%d %B %Y}. Not for publication.</p>"
        + "".join(body)
        + "</body></html>"
    )

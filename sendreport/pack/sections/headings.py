"""What a section is called and where it points: period, area headings and anchors."""

from __future__ import annotations

import datetime as dt

from sendreport.pack.facts import PackFacts
from sendreport.pack.templating import slug
from sendreport.plan import PriorityArea
from sendreport.vocabulary import long_date


def period_label(start: dt.date, end: dt.date) -> str:
    """``1 July 2024 to 31 December 2024``."""
    return f"{long_date(start)} to {long_date(end)}"


def paragraphs(text: str | None) -> list[str]:
    r"""Plain text split into paragraphs at blank lines.

    Examples
    --------
    >>> paragraphs("One.\n\n  Two.  \n\n")
    ['One.', 'Two.']
    """
    if not text:
        return []
    return [p.strip() for p in text.strip().split("\n\n") if p.strip()]


def area_anchor(area: PriorityArea) -> str:
    """HTML id of a priority area's section: ``area-`` and the id's letters and digits."""
    return "area-" + slug(area.id)


def evidence_anchor(evidence_id: str) -> str:
    """HTML id of an evidence item's row in the evidence index (Appendix C).

    Examples
    --------
    >>> evidence_anchor("E06")
    'evidence-e06'
    """
    return "evidence-" + slug(evidence_id)


AREA_WORDS = {
    "priority_action_plan": "priority area",
    "written_statement_of_action": "area of concern",
    "accelerated_progress_plan": "priority",
}
"""What each plan type calls its areas, as a heading's words use it."""


def area_kind(plan_type: str) -> str:
    """What a plan of this type calls an area: ``priority area``, ``area of concern``.

    Headings use the plan's own words: a Written Statement of Action has
    areas of concern, never priority areas.

    Examples
    --------
    >>> area_kind("written_statement_of_action"), area_kind("priority_action_plan")
    ('area of concern', 'priority area')
    """
    return AREA_WORDS[plan_type]


def area_heading(pack: PackFacts, area: PriorityArea) -> str:
    """``Priority area 1: ...`` or ``Area of concern 3: ...``."""
    return f"{area_kind(pack.plan.type).capitalize()} {area.id}: {area.title}"

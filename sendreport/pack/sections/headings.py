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


def area_heading(pack: PackFacts, area: PriorityArea) -> str:
    """``Priority area 1: ...`` or ``Area of concern 3: ...``."""
    kind = {
        "priority_action_plan": "Priority area",
        "written_statement_of_action": "Area of concern",
        "accelerated_progress_plan": "Priority",
    }[pack.plan.type]
    return f"{kind} {area.id}: {area.title}"

"""The families edition, printed by its template.

Its plain-English words come from :mod:`sendreport.pack.families`.
"""

from __future__ import annotations

from sendreport.pack.facts import PackFacts
from sendreport.pack.templating import render


def families_html(pack: PackFacts) -> str:
    """The families edition (audience ``families``): the whole document, in plain English."""
    from sendreport.pack.families import families_edition

    return render("families.html.j2", **families_edition(pack))

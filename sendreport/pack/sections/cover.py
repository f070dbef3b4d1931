"""The cover page and the contents."""

from __future__ import annotations

from typing import Any

from sendreport.pack.facts import PackFacts
from sendreport.pack.sections.governance import governance
from sendreport.pack.sections.headings import area_anchor, area_heading, period_label
from sendreport.pack.templating import render
from sendreport.vocabulary import long_date


def cover(pack: PackFacts) -> dict[str, Any]:
    """What the cover page says."""
    p, plan = pack.params, pack.plan
    rows = [
        *([("Area", "Synthetic: a made-up area, whose figures describe no real children")]
          if p.synthetic else []),
        ("Reporting period", period_label(p.period_start, p.period_end)),
        ("Data extract", long_date(p.effective_reference_date)),
        ("Plan", plan.title + (f", version {plan.version}" if plan.version else "")),
    ]
    if plan.partners:
        rows.append(("Partners", "; ".join(plan.partners)))
    if plan.inspection_date:
        rows.append(("Inspection", long_date(plan.inspection_date)))
    audience = {
        "shared": "Shared: small numbers suppressed, fit to share beyond the partnership",
        "internal": "Internal: unsuppressed figures for the partnership's own analysts",
        "families": "Families: a short plain-English edition, small numbers suppressed",
    }[p.audience]
    rows.append(("Audience", audience))
    if p.author:
        rows.append(("Prepared by", p.author))
    return {
        "kicker": f"{plan.type_label}: stocktake evidence pack",
        "area_name": p.area_name,
        "plan_title": p.title or plan.title,
        "rows": rows,
        "marking": p.classification,
    }


def cover_html(pack: PackFacts) -> str:
    """The cover page."""
    return render("cover.html.j2", **cover(pack))


def contents_entries(pack: PackFacts) -> list[tuple[str, str]]:
    """``(anchor, label)`` of every top-level section, in order."""
    entries = []
    entries.append(("verdict", "Summary by area of concern, verdict and headline findings"
                    if pack.plan.type == "written_statement_of_action"
                    else "Verdict and headline findings"))
    entries.append(("summary", "KPI scorecard"))
    entries += [(area_anchor(a), area_heading(pack, a)) for a in pack.plan.priority_areas]
    if governance(pack) is not None:
        entries.append(("governance", "Governance and workforce"))
    entries += [
        ("appendix-definitions", "Appendix A: KPI definitions and sources"),
        ("appendix-data-quality", "Appendix B: Data quality and disclosure control"),
        ("appendix-evidence", "Appendix C: Evidence index"),
        ("appendix-provenance", "Appendix D: Provenance"),
    ]
    return entries


def contents_html(pack: PackFacts) -> str:
    """The contents page, with page numbers filled in when printed."""
    return render("contents.html.j2", entries=contents_entries(pack))

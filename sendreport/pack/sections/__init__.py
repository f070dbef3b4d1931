"""Each part of the pack: what it says as plain data, printed by its template.

One module per section or group of sections. For each section, a function
computes the data (``cover(pack)`` ...) and a ``*_html`` function prints it
with the section's template in ``pack/templates/sections/`` (autoescaped:
text is never markup). Sections read the pack through
:mod:`sendreport.pack.facts`; they never import ``pack.py``.
"""

from sendreport.pack.sections.appendices import (
    INFORMATION_RULES,
    MAPPING_TABLES,
    appendices_html,
    data_quality_html,
    definitions_html,
    evidence_html,
    is_information,
    mapping_table,
    provenance_html,
)
from sendreport.pack.sections.area import STATUS_WORDS, actions_table, area_html, priority_area
from sendreport.pack.sections.benchmark import benchmark, benchmark_html
from sendreport.pack.sections.chart import figure, kpi_chart, kpi_chart_html
from sendreport.pack.sections.cover import contents_entries, contents_html, cover, cover_html
from sendreport.pack.sections.families import families_html
from sendreport.pack.sections.governance import (
    governance,
    governance_html,
    workforce_measures,
    workforce_table,
)
from sendreport.pack.sections.headings import area_anchor, area_heading, paragraphs, period_label
from sendreport.pack.sections.health import (
    HEALTH_KPIS,
    health_area,
    health_waits,
    health_waits_html,
    shows_health,
)
from sendreport.pack.sections.scorecard import (
    ASSURANCE_SHORT,
    TRAJECTORY_SHORT,
    VARIATION_SHORT,
    scorecard,
    scorecard_html,
    summary,
    summary_html,
)
from sendreport.pack.sections.trajectories import (
    planned_against_actual,
    planned_against_actual_html,
)
from sendreport.pack.sections.verdict import area_summary, area_summary_html, verdict, verdict_html

__all__ = [
    "ASSURANCE_SHORT",
    "HEALTH_KPIS",
    "INFORMATION_RULES",
    "MAPPING_TABLES",
    "STATUS_WORDS",
    "TRAJECTORY_SHORT",
    "VARIATION_SHORT",
    "actions_table",
    "appendices_html",
    "area_anchor",
    "area_heading",
    "area_html",
    "area_summary",
    "area_summary_html",
    "benchmark",
    "benchmark_html",
    "contents_entries",
    "contents_html",
    "cover",
    "cover_html",
    "data_quality_html",
    "definitions_html",
    "evidence_html",
    "families_html",
    "figure",
    "governance",
    "governance_html",
    "health_area",
    "health_waits",
    "health_waits_html",
    "is_information",
    "kpi_chart",
    "kpi_chart_html",
    "mapping_table",
    "paragraphs",
    "period_label",
    "planned_against_actual",
    "planned_against_actual_html",
    "priority_area",
    "provenance_html",
    "scorecard",
    "scorecard_html",
    "shows_health",
    "summary",
    "summary_html",
    "verdict",
    "verdict_html",
    "workforce_measures",
    "workforce_table",
]

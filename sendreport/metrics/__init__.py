"""KPIs of SPEC section 5: definitions, family functions, the suite and headline sentences.

Start with :func:`compute_kpis` (one row per KPI for a period, the
``kpis.csv`` frame) and :func:`kpi_series` (monthly series for SPC charts);
:data:`KPI_DEFINITIONS` holds each KPI's title, unit, direction and source.
"""

from __future__ import annotations

from sendreport.metrics.actions import action_kpis, action_status_at
from sendreport.metrics.compute import KPI_COLUMNS, SERIES_COLUMNS, compute_kpis, kpi_series
from sendreport.metrics.definitions import KPI_DEFINITIONS, KPIDefinition
from sendreport.metrics.ehcp import (
    ehcp_decisions,
    ehcp_open_over_20wk,
    ehcp_requests,
    ehcp_timeliness,
)
from sendreport.metrics.headline import headline
from sendreport.metrics.measures import measure_kpis, measure_series, measure_values
from sendreport.metrics.reviews import review_timeliness, reviews_overdue
from sendreport.metrics.waits import autism_13wk, children_waiting, waiting_list, waits_seen
from sendreport.vocabulary import format_value

__all__ = [
    "KPI_COLUMNS",
    "KPI_DEFINITIONS",
    "SERIES_COLUMNS",
    "KPIDefinition",
    "action_kpis",
    "action_status_at",
    "autism_13wk",
    "children_waiting",
    "compute_kpis",
    "ehcp_decisions",
    "ehcp_open_over_20wk",
    "ehcp_requests",
    "ehcp_timeliness",
    "format_value",
    "headline",
    "kpi_series",
    "measure_kpis",
    "measure_series",
    "measure_values",
    "review_timeliness",
    "reviews_overdue",
    "waiting_list",
    "waits_seen",
]

"""sendreport: progress evidence packs for local-area SEND improvement plans.

The public API, loaded on first use so that ``import sendreport`` (and the
command line) stays quick::

    import sendreport as sr
    loaded = sr.load_data({"requests": "requests.csv"})
    kpis = sr.compute_kpis(loaded.tables, period_start="2024-07-01", period_end="2024-12-31")
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "SendReportError": "sendreport.errors",
    "ParameterError": "sendreport.errors",
    "DataValidationError": "sendreport.errors",
    "NotebookExecutionError": "sendreport.errors",
    "DisclosureError": "sendreport.errors",
    "SendReportWarning": "sendreport.errors",
    "Params": "sendreport.params",
    "read_params": "sendreport.params",
    "Plan": "sendreport.plan",
    "load_plan": "sendreport.plan",
    "LoadedData": "sendreport.validation",
    "load_data": "sendreport.validation",
    "load_inputs": "sendreport.inputs",
    "format_quality": "sendreport.validation",
    "KPI_DEFINITIONS": "sendreport.metrics",
    "compute_kpis": "sendreport.metrics",
    "kpi_series": "sendreport.metrics",
    "headline": "sendreport.metrics",
    "kpi_breakdown": "sendreport.metrics.breakdown",
    "kpis_by_area": "sendreport.metrics.grouped",
    "pathway_stages": "sendreport.metrics.breakdown",
    "age_band": "sendreport.metrics.breakdown",
    "dfe_benchmark": "sendreport.benchmarks",
    "xmr": "sendreport.spc",
    "assurance": "sendreport.spc",
    "variation": "sendreport.spc",
    "disclose_release": "sendreport.disclosure",
    "suppress": "sendreport.disclosure",
    "suppress_kpis": "sendreport.disclosure",
    "suppress_series": "sendreport.disclosure",
    "is_small": "sendreport.disclosure.rule",
    "percentage_is_small": "sendreport.disclosure.rule",
    "check_outputs": "sendreport.guard",
    "scrub_notebook": "sendreport.guard",
    "generate": "sendreport.synth",
    "params_folder": "sendreport.handoff",
    "write_synthetic": "sendreport.synth",
    "plot_spc": "sendreport.charts.spc",
    "plot_progress": "sendreport.charts.progress",
    "chart_style": "sendreport.charts.theme",
    "format_value": "sendreport.tables",
    "Pack": "sendreport.pack",
    "Analysis": "sendreport.pack.analysis",
    "alt_text": "sendreport.pack.cells",
    "not_people": "sendreport.charts.render",
    "show_table": "sendreport.pack.cells",
    "new_analysis": "sendreport.pack.scaffold",
    "run_report": "sendreport.run",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sendreport' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

"""Running a notebook: load, validate, execute, render, check, publish.

The runner (:func:`run_report`, in :mod:`sendreport.run.pipeline`) executes a
params file's notebook with papermill, prints it with nbconvert and WeasyPrint
(:mod:`sendreport.run.exporter`), runs the privacy guard, writes the manifest
(:mod:`sendreport.run.manifest`) and publishes the folder atomically
(:mod:`sendreport.run.folders`). ``batch`` runs many areas, ``verify`` checks a
published pack, ``forkserver`` starts kernels with their imports done.

The pack a notebook shows is :mod:`sendreport.pack`; the runner uses it only
through :func:`sendreport.pack.build_for_run`, and the pack imports nothing
from here. What both need is in :mod:`sendreport.outputs` and
:mod:`sendreport.handoff`.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "RunResult": "sendreport.run.pipeline",
    "annex_folder": "sendreport.run.pipeline",
    "pack_folder": "sendreport.run.pipeline",
    "run_report": "sendreport.run.pipeline",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    # imported when first used: the fork server's program imports this package's
    # ``forkserver`` without the runner's own imports
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sendreport.run' has no attribute {name!r}")

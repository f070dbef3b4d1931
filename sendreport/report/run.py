"""Run a stocktake: papermill executes the notebook, nbconvert and WeasyPrint print it.

Everything is written to a temporary folder beside the destination; only a run
that succeeded and passed the privacy guard replaces
``<output_dir>/<area-slug>/<period_end>/``, so a failed run leaves the previous
outputs untouched.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import tempfile
import time
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat

from sendreport.errors import (
    DisclosureError,
    NotebookExecutionError,
    ParameterError,
    SendReportWarning,
)
from sendreport.params import Params, read_params
from sendreport.plan import Plan, load_plan, plan_as_at
from sendreport.validation import load_data

EXIT_BY_ERROR_NAME = {
    "ParameterError": 2,
    "DataValidationError": 2,
    "DisclosureError": 3,
}
"""Exceptions raised inside the notebook that keep their command-line meaning."""


@dataclass(frozen=True)
class RunResult:
    """Where a successful run put its outputs."""

    output_folder: Path
    pdf: Path | None
    seconds: float


def run_report(
    params_path: str | Path,
    *,
    output_dir: str | Path = "outputs",
    pdf: bool = True,
    kernel_name: str | None = None,
) -> RunResult:
    """Execute the params file's notebook and write the stocktake outputs.

    Parameters
    ----------
    params_path
        The params YAML file (SPEC section 3).
    output_dir
        Folder under which ``<area-slug>/<period_end>/`` is written.
    pdf
        Write ``report.pdf`` (``False`` for ``--no-pdf``).
    kernel_name
        Jupyter kernel to run the notebook with; by default the environment's
        own ``python3`` kernel.

    Returns
    -------
    RunResult
        The output folder and the PDF path.

    Raises
    ------
    ParameterError, DataValidationError
        Bad params, plan or input data (exit code 2), before any kernel starts.
    NotebookExecutionError
        A cell failed (exit code 1); the message names the notebook, the cell and the params.
    DisclosureError
        The privacy guard refused the outputs (exit code 3).
    """
    started = time.monotonic()
    started_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    params_path = Path(params_path)
    params = read_params(params_path)
    for key in ("population", "benchmarks"):
        if getattr(params, key) is not None:
            warnings.warn(
                f"{key}: the file is checked and recorded in the manifest, but the stocktake "
                "notebook does not use it yet",
                SendReportWarning,
                stacklevel=2,
            )
    plan = plan_as_at(load_plan(params.plan), params.period_end).plan
    loaded = load_data(params.data, **params.load_options())

    destination = Path(output_dir).resolve() / params.slug / params.period_end.isoformat()
    destination.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{destination.name}.tmp-", dir=destination.parent))
    work.chmod(0o777 & ~_umask())  # mkdtemp makes it private; outputs follow the usual umask
    try:
        executed = _execute(params, params_path, work, kernel_name)
        _render(executed, params, plan, loaded, work, pdf=pdf)
        from sendreport.report.manifest import write_manifest

        write_manifest(
            work,
            params=params,
            params_path=params_path,
            started_at=started_at,
            seconds=time.monotonic() - started,
        )
        _replace(work, destination)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return RunResult(
        output_folder=destination,
        pdf=destination / "report.pdf" if pdf else None,
        seconds=time.monotonic() - started,
    )


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _execute(params: Params, params_path: Path, work: Path, kernel_name: str | None):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    logging.getLogger("papermill").setLevel(logging.WARNING)
    executed_path = work / ".executed.ipynb"
    try:
        papermill.execute_notebook(
            str(params.notebook),
            str(executed_path),
            parameters=params.to_notebook(),
            cwd=str(work),
            kernel_name=kernel_name,
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            # The kernel's own start-up notices are not the user's business.
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
    except PapermillExecutionError as err:
        code = EXIT_BY_ERROR_NAME.get(err.ename, 1)
        cell = _source_cell(params.notebook, err.cell_index)
        where = f"notebook {params.notebook.name}, {cell}, params {params_path}"
        message = f"{err.ename}: {err.evalue}".strip()
        if code == 2:
            raise ParameterError([message, f"raised in {where}"]) from None
        if code == 3:
            raise DisclosureError(f"{message}\nraised in {where}") from None
        raise NotebookExecutionError(f"{where}: cell failed with {message}") from None
    except Exception as err:  # kernel could not start, notebook unreadable, ...
        raise NotebookExecutionError(
            f"notebook {params.notebook.name} could not be executed with params {params_path}: "
            f"{err.__class__.__name__}: {err}"
        ) from err
    nb = nbformat.read(executed_path, as_version=4)
    executed_path.unlink()
    return nb


def _source_cell(notebook: Path, executed_index: int | None) -> str:
    """Name a failed cell as the author sees it: its number in the source notebook and first line.

    Papermill inserts an ``injected-parameters`` cell after the ``parameters``
    cell, so cells after it are one further down in the executed notebook.
    """
    if executed_index is None:
        return "an unknown cell"
    source = nbformat.read(notebook, as_version=4)
    tagged = [i for i, c in enumerate(source.cells) if "parameters" in c.metadata.get("tags", [])]
    index = executed_index - 1 if tagged and executed_index > tagged[0] else executed_index
    if not 0 <= index < len(source.cells):
        return f"cell {index + 1}"
    first = next((ln.strip() for ln in source.cells[index].source.splitlines() if ln.strip()), "")
    first = first if len(first) <= 60 else first[:57] + "..."
    return f"cell {index + 1} ({first!r})" if first else f"cell {index + 1}"


def _render(nb, params: Params, plan: Plan, loaded, work: Path, *, pdf: bool) -> None:
    from sendreport.guard import check_outputs, collect_identifiers, dates_in, scrub_notebook
    from sendreport.report.annex import annex_html
    from sendreport.report.exporter import SendReportHTMLExporter, html_to_pdf

    scrubbed = scrub_notebook(nb)
    html, _ = SendReportHTMLExporter().from_notebook_node(scrubbed)
    pdf_bytes = html_to_pdf(html) if pdf else None
    annex = annex_html(params, plan) if pdf else None
    annex_bytes = html_to_pdf(annex) if annex else None
    files = {
        p.name: p.read_text(encoding="utf-8", errors="replace") for p in sorted(work.glob("*.csv"))
    }
    if annex_bytes is not None:
        files["annex-confidential.pdf"] = "\n".join(_pdf_pages_text(annex_bytes))
    check_outputs(
        notebook=nb,
        html=html,
        pdf_text=_pdf_pages_text(pdf_bytes) if pdf_bytes is not None else None,
        identifiers=collect_identifiers(_with_excluded_rows(loaded)),
        allowed=dates_in(params, plan) | _series_months(params) | _aggregate_dates(loaded.tables),
        files=files,
    )
    nbformat.write(scrubbed, work / "report.ipynb")
    (work / "report.html").write_text(html, encoding="utf-8")
    if pdf_bytes is not None:
        (work / "report.pdf").write_bytes(pdf_bytes)
    if annex_bytes is not None:
        (work / "annex-confidential.pdf").write_bytes(annex_bytes)


def _with_excluded_rows(loaded) -> dict:
    """The validated tables and the rows validation excluded: both hold real children's ids."""
    tables = dict(loaded.tables)
    tables.update({f"{name} (excluded rows)": rows for name, rows in loaded.excluded.items()})
    tables.update({f"{name} (left out)": rows for name, rows in loaded.left_out.items()})
    tables.update({f"{name} (personal data)": rows for name, rows in loaded.personal.items()})
    return tables


def _aggregate_dates(tables) -> frozenset:
    """Dates of the ``measures`` table: aggregate survey and audit dates, not about a child."""
    measures = tables.get("measures")
    if measures is None or measures.empty:
        return frozenset()
    return frozenset(d.date() for d in measures["date"].dropna())


def _series_months(params: Params) -> frozenset:
    """Month starts the monthly series print (in ``kpi_series.csv``)."""
    import pandas as pd

    from sendreport.report.pack import series_start

    months = pd.date_range(series_start(params), params.period_end, freq="MS")
    return frozenset(m.date() for m in months)


def _pdf_pages_text(pdf_bytes: bytes) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf_bytes))
    return [page.extract_text() or "" for page in reader.pages]


def _replace(work: Path, destination: Path) -> None:
    """Put ``work`` at ``destination``, keeping the old folder until the new one is in place."""
    old = None
    if destination.exists():
        old = destination.with_name(f".{destination.name}.old-{uuid.uuid4().hex[:8]}")
        destination.rename(old)
    try:
        work.rename(destination)
    except OSError:
        if old is not None:
            old.rename(destination)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


__all__ = ["RunResult", "run_report"]

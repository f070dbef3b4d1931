"""Run a stocktake: papermill executes the notebook, nbconvert and WeasyPrint print it.

:func:`run_report` reads as its stages, each a function of what the last gave:
:func:`load_and_validate` (params, plan, data, the notebook's declaration, the
folders) -> :func:`execute` (the kernel; beside it the pack, the annex and the
guard's lookout) -> :func:`render` (HTML, notebook, PDF) -> ``write_manifest``
-> :func:`check` (the privacy guard) -> :func:`publish` (the atomic swap).

The inputs are loaded and validated once, before any kernel starts; the
kernel receives the validated tables through the run's private workspace
(see ``sendreport.handoff``). Everything is written inside that
workspace, checked by the privacy guard, and only then swapped atomically into
``<output_dir>/<area-slug>/<period_end>/`` (``<period_end>-internal`` or
``<period_end>-families`` for the other audiences; the confidential annex in
``...-confidential`` beside it); see ``sendreport.run.folders``. A failed
or refused run leaves the previous outputs untouched and no new folder. No
run changes the working directory of its process, and nothing is written
outside the output directory.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import subprocess
import time
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from sendreport.errors import (
    DisclosureError,
    NotebookExecutionError,
    OutputError,
    ParameterError,
    SendReportError,
    SendReportWarning,
    error_class,
)
from sendreport.handoff import PARAMS_FOLDER_ENV, TABLES_ENV, declares_prebuilt_pack
from sendreport.params import FILE_KEYS, Params, read_params, unused_mapping_lines
from sendreport.plan import Plan, load_plan, plan_as_at
from sendreport.run.folders import Workspace, refuse_inputs_inside, refuse_non_folder
from sendreport.run.manifest import write_manifest
from sendreport.validation import LoadedData, load_data
from sendreport.validation.quality import unused_lines

OS_ERRORS_IN_CELLS = re.compile(r"^\[Errno (28|30|13|122)\]")
"""Disk full, read-only file system, permission denied, quota: exit 2 even from a cell."""

OUTPUT_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})
"""Disk full, quota exceeded, read-only file system: the outputs cannot be written (exit 2),
whichever stage meets it (the kernel's cells, papermill saving the executed notebook,
rendering, publishing)."""

CELL_MESSAGE_LIMIT = 300
"""A failed cell's message is cut to this many characters on the terminal."""


@dataclass(frozen=True)
class RunResult:
    """Where a successful run put its outputs."""

    output_folder: Path
    pdf: Path | None
    seconds: float
    annex_folder: Path | None = None


def pack_folder(output_dir: str | Path, params: Params) -> Path:
    """The folder of a params file's pack: each audience has its own (SPEC 7).

    Examples
    --------
    >>> from sendreport.params import parse_params
    >>> import datetime as dt
    >>> p = Params.model_construct(area_name="Demoshire", period_end=dt.date(2024, 12, 31),
    ...                            audience="internal")
    >>> pack_folder("/out", p).as_posix()
    '/out/demoshire/2024-12-31-internal'
    """
    name = params.period_end.isoformat()
    if params.audience != "shared":
        name += f"-{params.audience}"
    return Path(output_dir).absolute() / params.slug / name


def annex_folder(pack: Path) -> Path:
    """The confidential annex's own folder, beside the pack's (SPEC 7).

    Examples
    --------
    >>> annex_folder(Path("/out/demoshire/2024-12-31")).as_posix()
    '/out/demoshire/2024-12-31-confidential'
    """
    return pack.with_name(pack.name + "-confidential")


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
        The output folder, the PDF path and the annex's folder (when there is one).

    Raises
    ------
    ParameterError, DataValidationError
        Bad params, plan or input data (exit code 2), before any kernel starts.
    OutputError
        An input inside the output folder, or the outputs cannot be written
        (disk full, read-only or permission; exit code 2).
    NotebookExecutionError
        A cell failed (exit code 1); the message names the notebook, the cell and the params.
    DisclosureError
        The privacy guard refused the outputs (exit code 3).

    Examples
    --------
    Bad params stop the run before any notebook starts:

    >>> run_report("no-such-params.yaml")
    Traceback (most recent call last):
    ...
    sendreport.errors.ParameterError: params file not found: no-such-params.yaml
    """
    from sendreport.run import forkserver

    started = time.monotonic()
    started_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    params_path = Path(params_path)
    params = read_params(params_path)
    # the kernel's imports, done while the inputs are read and checked (a batch worker's
    # server is already warm)
    with forkserver.for_run() as server:
        run = load_and_validate(params_path, params, output_dir)
        try:
            with Workspace(run.destination.parent.parent) as ws:
                executed, annex_bytes, lookout = execute(run, ws, kernel_name, server, pdf=pdf)
                annex = render(executed, ws, annex_bytes, pdf=pdf)
                write_manifest(
                    ws.pack,
                    params=params,
                    params_path=params_path,
                    started_at=started_at,
                    seconds=time.monotonic() - started,
                    destination=run.destination,
                    annex=(ws.annex / "annex-confidential.pdf") if annex else None,
                )
                check(ws, executed, lookout, params)
                publish(ws, run, annex=annex, pdf=pdf)
        except OSError as err:
            raise OutputError(_os_error_line(err)) from None
    return RunResult(
        output_folder=run.destination,
        pdf=run.destination / "report.pdf" if pdf else None,
        seconds=time.monotonic() - started,
        annex_folder=run.annex_destination if annex else None,
    )


@dataclass(frozen=True)
class RunInputs:
    """A run's checked inputs: what every later stage reads."""

    params_path: Path
    params: Params
    plan: Plan
    loaded: LoadedData
    prebuilt_pack: bool
    """The notebook declares it takes the runner's pack (:mod:`sendreport.handoff`)."""
    destination: Path
    annex_destination: Path


def load_and_validate(params_path: Path, params: Params, output_dir: str | Path) -> RunInputs:
    """Load: the plan, the data (validated once), the notebook's declaration, the folders.

    Every problem here stops the run with exit code 2 before any kernel starts.
    """
    if params.population is not None:
        warnings.warn(
            "population: the file is checked and recorded in the manifest, but the stocktake "
            "notebook does not use it yet",
            SendReportWarning,
            stacklevel=3,
        )
    missing = [k for k in ("contacts", "next_update") if params.audience == "families"
               and not getattr(params, k)]
    if missing:
        warnings.warn(
            f"audience families: no {' and no '.join(missing)} in the params: the families "
            "edition cannot say who to contact or when the next update comes (docs/params.md)",
            SendReportWarning,
            stacklevel=3,
        )
    plan = plan_as_at(load_plan(params.plan), params.period_end).plan
    loaded = load_data(params.data, **params.load_options())
    for line in unused_lines(loaded):  # names only: a misspelt mapping is seen
        warnings.warn(line, SendReportWarning, stacklevel=3)
    for line in unused_mapping_lines(params):  # e.g. casework mappings left beside sen2
        warnings.warn(f"{params_path.name}: {line}", SendReportWarning, stacklevel=3)
    if params.benchmarks is not None:
        from sendreport.chs import read_chs

        read_chs(params.benchmarks)  # exit 2 on a bad file, before any kernel starts
    prebuilt = _declares_prebuilt_pack(params, params_path)
    destination = pack_folder(output_dir, params)
    annex_destination = annex_folder(destination)
    inputs = {"params": params_path, "plan": params.plan, **params.input_files()}
    refuse_inputs_inside([destination, annex_destination], inputs)
    refuse_non_folder(destination)
    refuse_non_folder(annex_destination)
    return RunInputs(params_path, params, plan, loaded, prebuilt, destination, annex_destination)


def _declares_prebuilt_pack(params: Params, params_path: Path) -> bool:
    """The notebook's ``prebuilt_pack`` declaration; a file that is no notebook cannot run."""
    try:
        metadata = nbformat.read(params.notebook, as_version=4).metadata
    except (OSError, ValueError) as err:  # unreadable, or not a notebook (nbformat's errors)
        raise NotebookExecutionError(
            f"notebook {params.notebook.name} could not be executed with params {params_path}: "
            f"{err.__class__.__name__}: {err}"
        ) from err
    return declares_prebuilt_pack(metadata, notebook=params.notebook.name)


def execute(run: RunInputs, ws: Workspace, kernel_name: str | None, server, *, pdf: bool):
    """Execute the notebook in a kernel; beside it, the pack, the annex and the guard's lookout.

    Returns
    -------
    tuple
        The executed notebook, the annex as PDF bytes (or ``None``) and the guard's
        lookout (identifiers, allowed dates).
    """
    from sendreport import handoff

    handoff.write_validated(run.loaded, ws.tables)
    # What the side thread and the kernel's driver need, imported here first: an
    # import of a compiled module in one thread while another walks the loaded
    # libraries (the disclosure pass's BLAS limit) can deadlock the two.
    import papermill  # noqa: F401

    import sendreport.disclosure.release  # noqa: F401
    import sendreport.pack  # noqa: F401

    # While the kernel runs (another process), this process builds the pack the notebook
    # declared, prints the annex (which needs only the plan) and gathers what the privacy
    # guard looks for.
    with ThreadPoolExecutor(max_workers=1) as side:
        prebuilt = side.submit(_pack_for_kernel, run, ws.tables)
        annex_pdf = side.submit(_annex_pdf, run.params, run.plan, pdf)
        lookout = side.submit(_lookout, run.params, run.plan, run.loaded)
        try:
            executed = _execute(run.params, run.params_path, ws, kernel_name, run.loaded, server)
        finally:
            annex_bytes = annex_pdf.result()
            identifiers, allowed = lookout.result()
        pack = prebuilt.result()  # a fault building it is the run's fault too, not hidden
    _remove_handoff(ws)
    if pack is not None:  # the periods it prints: a reason names the one a figure protects
        allowed = allowed | pack.printed_dates()
    return executed, annex_bytes, (identifiers, allowed)


def publish(ws: Workspace, run: RunInputs, *, annex: bool, pdf: bool) -> None:
    """Swap the checked folders into place (the annex first), or withdraw an old annex."""
    if annex:
        ws.publish(ws.annex, run.annex_destination)
    elif pdf:
        ws.withdraw(run.annex_destination)  # the plan no longer has confidential items
    ws.publish(ws.pack, run.destination)


def _os_error_line(err: OSError) -> str:
    """One line for an operating-system error: the file and the system's words.

    Examples
    --------
    >>> _os_error_line(OSError(28, "No space left on device", "/out/x/kpis.csv"))
    'cannot write the outputs: /out/x/kpis.csv: No space left on device'
    """
    where = f"{err.filename}: " if err.filename else ""
    return f"cannot write the outputs: {where}{err.strerror or err}"


def _output_write_error(err: BaseException) -> OSError | None:
    """The disk-full, quota or read-only error behind ``err``: itself, its cause or its context.

    Examples
    --------
    >>> try:
    ...     try:
    ...         raise OSError(errno.ENOSPC, "No space left on device")
    ...     except OSError as disk:
    ...         raise RuntimeError("could not save") from disk
    ... except RuntimeError as err:
    ...     _output_write_error(err).strerror
    'No space left on device'
    >>> _output_write_error(OSError(errno.ENOENT, "No such file or directory")) is None
    True
    """
    seen: set[int] = set()
    found: BaseException | None = err
    while found is not None and id(found) not in seen:
        seen.add(id(found))
        if isinstance(found, OSError) and found.errno in OUTPUT_WRITE_ERRNOS:
            return found
        found = found.__cause__ or found.__context__
    return None


def _remove_handoff(ws) -> None:
    """The validated tables leave the workspace as soon as the kernel is done with them."""
    import shutil

    shutil.rmtree(ws.tables, ignore_errors=True)


def _execute(
    params: Params, params_path: Path, ws, kernel_name: str | None, loaded, server=None
):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    logging.getLogger("papermill").setLevel(logging.WARNING)
    executed_path = ws.path / "executed.ipynb"
    folder = params_path.resolve().parent
    try:
        papermill.execute_notebook(
            str(params.notebook),
            str(executed_path),
            # the kernel gets every path whole, so a cell that opens an input itself works;
            # the saved notebook names them relative to the params file's folder (below)
            parameters=params.to_notebook(),
            kernel_name=kernel_name,
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            # The kernel starts in the new pack's folder; papermill's ``cwd=`` would instead
            # change the working directory of this whole process (and of every thread in it).
            resources={"metadata": {"path": str(ws.pack)}},
            # the injected paths are relative to the params file's folder, named here
            kernel_manager_class=_kernel_manager(
                {TABLES_ENV: str(ws.tables), PARAMS_FOLDER_ENV: str(folder)}, server
            ),
            # The kernel's own start-up notices are not the user's business; the extension
            # prints the figures of cells tagged "report" with their alt text.
            extra_arguments=[
                "--IPKernelApp.log_level=ERROR",
                "--IPKernelApp.extensions=sendreport.pack.cells",
            ],
        )
    except PapermillExecutionError as err:
        # a sendreport error raised in a cell keeps its exit code, read from its class
        raised = error_class(err.ename)
        code = raised.exit_code if raised is not None else 1
        cell = _source_cell(params.notebook, err.cell_index)
        if _quotes_data(cell, loaded):  # the cell's first line can hold an id typed into it
            cell = cell.split(" (", 1)[0]
        where = f"notebook {params.notebook.name}, {cell}, params {params_path}"
        message = f"{err.ename}: {_safe_message(err.evalue, loaded)}".strip()
        os_error = OS_ERRORS_IN_CELLS.match(str(err.evalue))
        if os_error and int(os_error.group(1)) in OUTPUT_WRITE_ERRNOS:
            raise OutputError(f"cannot write the outputs: {message} (raised in {where})") from None
        if os_error:
            code = 2
        if code == 2:
            raise ParameterError([message, f"raised in {where}"]) from None
        if code == 3:
            raise DisclosureError(f"{message}\nraised in {where}") from None
        raise NotebookExecutionError(
            f"{where}: cell failed with {message}",
            cell_index=(
                None
                if err.cell_index is None
                else _source_index(nbformat.read(params.notebook, as_version=4), err.cell_index)
            ),
            ename=err.ename,
            evalue=_safe_message(err.evalue, loaded),
        ) from None
    except Exception as err:  # kernel could not start, notebook unreadable, ...
        full = _output_write_error(err)
        if full is not None:  # papermill could not save the executed notebook: disk full
            raise OutputError(
                f"cannot write the outputs in {ws.path.parent}: {full.strerror or full} "
                f"(saving the executed notebook {params.notebook.name}); the earlier outputs "
                "are untouched"
            ) from None
        raise NotebookExecutionError(
            f"notebook {params.notebook.name} could not be executed with params {params_path}: "
            f"{err.__class__.__name__}: {err}"
        ) from err
    nb = nbformat.read(executed_path, as_version=4)
    executed_path.unlink()
    _name_inputs_relatively(nb, params, folder)
    from sendreport.pack import report_cell_problems

    problems = report_cell_problems(nb)
    if problems:
        raise NotebookExecutionError(
            f"notebook {params.notebook.name}, params {params_path}: " + "; ".join(problems)
        )
    return nb


def notebook_parameters(params: Params, folder: Path) -> dict:
    """The parameters the executed notebook names: every path relative to the params file's folder.

    The executed notebook goes into the folder that may be sent as it is, which
    names no absolute path of this machine (SPEC 7). The kernel itself runs with
    the paths whole (``Params.to_notebook()``), so an analyst's cell that opens an
    input works; these are the values written into the saved notebook, which
    plain ``papermill`` run from the params file's folder reads the same way.

    Examples
    --------
    >>> import datetime as dt
    >>> p = Params.model_construct(
    ...     notebook=Path("/p/notebooks/s.ipynb"), plan=Path("/p/params/plans/x.yaml"),
    ...     area_name="A", period_start=dt.date(2024, 7, 1), period_end=dt.date(2024, 12, 31),
    ...     data={"sen2": [Path("/p/data/a.xml")], "referrals": Path("/p/data/r.csv")},
    ...     exclude={"referrals": Path("/p/params/drop.csv")}, population=None)
    >>> got = notebook_parameters(p, Path("/p/params"))
    >>> got["notebook"], got["plan"], got["data"], got["exclude"], got["population"]
    ... # doctest: +NORMALIZE_WHITESPACE
    ('../notebooks/s.ipynb', 'plans/x.yaml',
     {'sen2': ['../data/a.xml'], 'referrals': '../data/r.csv'},
     {'referrals': 'drop.csv'}, None)
    """

    def relative(path: Any) -> Any:
        if path is None:
            return None
        return Path(os.path.relpath(Path(path), folder)).as_posix()

    values = {k: getattr(params, k, None) for k in Params.model_fields}
    out = {}
    for key, value in values.items():
        if key in FILE_KEYS:
            out[key] = relative(value)
        elif key == "data":
            out[key] = {t: [relative(p) for p in v] if isinstance(v, list) else relative(v)
                        for t, v in (value or {}).items()}
        elif key == "exclude":
            out[key] = {t: relative(p) for t, p in (value or {}).items()}
    plain = params.to_notebook()
    return {k: out.get(k, plain.get(k)) for k in plain}


def _name_inputs_relatively(nb, params: Params, folder: Path) -> None:
    """The executed notebook names every input relative to the params file's folder.

    The kernel ran with the paths whole; the notebook that may be sent as it is
    names no absolute path of this machine (SPEC 7): the injected parameters cell
    is printed again, as papermill prints it, with :func:`notebook_parameters`, and
    papermill's record of the parameters and of the notebook run say the same.
    """
    from papermill.translators import translate_parameters

    relative = notebook_parameters(params, folder)
    record = nb.metadata.get("papermill")
    if record is not None:
        if "input_path" in record:
            record["input_path"] = relative["notebook"]
        if "parameters" in record:
            record["parameters"] = relative
    kernel = nb.metadata.get("kernelspec", {})
    language = kernel.get("language") or nb.metadata.get("language_info", {}).get("name")
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = translate_parameters(kernel.get("name"), language or "python",
                                               relative)


def _safe_message(evalue: str, loaded) -> str:
    """A failed cell's message for the terminal: one line, short, and never a child's data.

    The message of an exception can quote the data it failed on (a row, an id);
    it is shown only when the privacy guard finds nothing in it.
    """
    text = " ".join(str(evalue).split())
    if len(text) > CELL_MESSAGE_LIMIT:
        text = text[: CELL_MESSAGE_LIMIT - 3] + "..."
    return "(message not shown: it quotes the input data)" if _quotes_data(text, loaded) else text


def _quotes_data(text: str, loaded) -> bool:
    """Whether the privacy guard finds an identifier or a date of birth in ``text``."""
    from sendreport.guard import collect_identifiers, scan_text

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        identifiers = collect_identifiers(_with_excluded_rows(loaded))
        return bool(scan_text(text, identifiers, where="message"))


def _kernel_manager(env: dict[str, str], server=None):
    """A kernel manager class whose kernels see ``env`` and print nothing on the terminal.

    The kernel's own stdout and stderr (``KeyboardInterrupt caught in kernel``,
    shutdown notices) go nowhere: what the notebook prints is in its outputs.
    With a fork server (:mod:`sendreport.run.forkserver`) the kernel is forked
    from it, its imports done (:class:`~sendreport.run.forkserver.ForkProvisioner`);
    else it starts as a new process. Only jupyter_client's public API is used:
    ``start_kernel``'s keyword arguments (passed to the launch) and the
    manager's ``provisioner``, which it keeps when one is set before the start.
    """
    from jupyter_client.manager import AsyncKernelManager

    from sendreport.run.forkserver import ForkProvisioner

    class RunKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kw):
            kw["env"] = {**(kw.get("env") or os.environ), **env}
            kw["stdin"] = kw["stdout"] = kw["stderr"] = subprocess.DEVNULL
            if server is not None and self.provisioner is None:
                self.kernel_id = self.kernel_id or str(uuid.uuid4())
                self.provisioner = ForkProvisioner(
                    server=server, kernel_id=self.kernel_id, kernel_spec=self.kernel_spec,
                    parent=self,
                )
            await super().start_kernel(**kw)

    return RunKernelManager


def _source_cell(notebook: Path, executed_index: int | None) -> str:
    """Name a failed cell as the author sees it: its number in the source notebook and first line.

    Papermill inserts an ``injected-parameters`` cell after the ``parameters``
    cell, so cells after it are one further down in the executed notebook.
    """
    if executed_index is None:
        return "an unknown cell"
    source = nbformat.read(notebook, as_version=4)
    index = _source_index(source, executed_index)
    if not 0 <= index < len(source.cells):
        return f"cell {index + 1}"
    first = next((ln.strip() for ln in source.cells[index].source.splitlines() if ln.strip()), "")
    first = first if len(first) <= 60 else first[:57] + "..."
    return f"cell {index + 1} ({first!r})" if first else f"cell {index + 1}"


def _source_index(source: nbformat.NotebookNode, executed_index: int) -> int:
    """Index (from 0) in the source notebook of the executed cell ``executed_index``."""
    tagged = [i for i, c in enumerate(source.cells) if "parameters" in c.metadata.get("tags", [])]
    return executed_index - 1 if tagged and executed_index > tagged[0] else executed_index


def _pack_for_kernel(run: RunInputs, folder: Path):
    """Build the pack the notebook declared while the kernel starts, and leave it for the kernel.

    Without the declaration (:func:`sendreport.handoff.declares_prebuilt_pack`) the
    kernel is told at once there is none. A plan or data problem
    (:class:`~sendreport.errors.SendReportError`) leaves no pack: the kernel builds its
    own and reports the problem in its cell, as it would without the runner. Any other
    fault is raised again once the kernel is done (:func:`execute`); the kernel is told
    first, so it never waits for a pack that will not come. Returns the pack (``None``
    without one), whose printed periods the privacy guard lets through.
    """
    from sendreport.handoff import write_pack
    from sendreport.pack import build_for_run

    pack = None
    try:
        if run.prebuilt_pack:
            pack = build_for_run(run.params, run.loaded)
    except (SendReportError, OSError):
        return None  # the kernel meets the same problem and reports it in its cell
    finally:
        write_pack(pack, folder)  # the pack, or word that none will come
    return pack


def _annex_pdf(params: Params, plan: Plan, pdf: bool) -> bytes | None:
    """The confidential annex as PDF bytes (``None`` when nothing is confidential or no PDF).

    A families run writes none: the families edition is a public document, and its
    audience is not the board that reads an OFFICIAL-SENSITIVE annex (SPEC 7).
    """
    from sendreport.pack import annex_html
    from sendreport.run.exporter import SendReportHTMLExporter, html_to_pdf  # noqa: F401

    annex = annex_html(params, plan) if pdf and params.audience != "families" else None
    return html_to_pdf(annex) if annex else None


def render(nb, ws: Workspace, annex_bytes: bytes | None, *, pdf: bool) -> bool:
    """Write report.html, report.ipynb, report.pdf and the annex; return whether there is one."""
    from sendreport.guard import scrub_notebook
    from sendreport.run.exporter import SendReportHTMLExporter, html_to_pdf

    scrubbed = _without_run_details(scrub_notebook(nb))
    html, _ = SendReportHTMLExporter().from_notebook_node(scrubbed)
    nbformat.write(scrubbed, ws.pack / "report.ipynb")
    (ws.pack / "report.html").write_text(html, encoding="utf-8")
    if pdf:
        (ws.pack / "report.pdf").write_bytes(html_to_pdf(html))
    if annex_bytes:
        (ws.annex / "annex-confidential.pdf").write_bytes(annex_bytes)
    return bool(annex_bytes)


def _without_run_details(nb):
    """Drop what differs between two runs of the same inputs: timings and temporary paths."""
    nb.metadata.get("papermill", {}).pop("output_path", None)
    for key in ("start_time", "end_time", "duration"):
        nb.metadata.get("papermill", {}).pop(key, None)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # papermill draws a new random id each run
        cell.metadata.pop("execution", None)
        for key in ("start_time", "end_time", "duration"):
            cell.metadata.get("papermill", {}).pop(key, None)
    return nb


def _lookout(params: Params, plan: Plan, loaded):
    """What the privacy guard looks for, and the dates the report prints on purpose."""
    from sendreport.guard import collect_identifiers, dates_in

    identifiers = collect_identifiers(_with_excluded_rows(loaded))
    allowed = dates_in(params, plan) | _series_months(params) | _aggregate_dates(loaded.tables)
    return identifiers, allowed


def check(ws: Workspace, nb, lookout, params: Params) -> None:
    """Check: the privacy guard on everything the run publishes, manifest and annex included.

    Charts are checked for small counts at the params' threshold and audience.
    """
    from sendreport.guard import check_outputs

    identifiers, allowed = lookout
    special = {"report.html", "report.ipynb", "report.pdf"}
    files = {
        p.name: p.read_text(encoding="utf-8", errors="replace")
        for p in sorted(ws.pack.iterdir())
        if p.is_file() and p.name not in special
    }
    # Whole PDFs: page text, metadata, and no embedded file (guard.check_pdf).
    pdfs = {
        p.name: p.read_bytes()
        for p in (ws.pack / "report.pdf", ws.annex / "annex-confidential.pdf")
        if p.exists()
    }
    check_outputs(
        notebook=nb,
        html=(ws.pack / "report.html").read_text(encoding="utf-8"),
        pdf_text=None,
        identifiers=identifiers,
        allowed=allowed,
        files=files,
        pdfs=pdfs,
        threshold=params.suppression_threshold,
        audience=params.audience,
    )


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
    from sendreport.pack import series_months

    return series_months(params)


__all__ = ["RunResult", "annex_folder", "pack_folder", "run_report"]

"""Run many params files: in worker processes on this machine, or on a dask cluster.

Each run happens in a process of its own (a worker process here, or a dask
worker), never in a thread of the calling process, and a run never changes a
process's working directory, so one area's outputs cannot land in another
area's folder. A run that fails is one result among the others, never the end
of the batch.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from sendreport.errors import ParameterError, SendReportError


@dataclass(frozen=True)
class BatchResult:
    """What became of one params file of a batch.

    Attributes
    ----------
    params
        The params file.
    exit_code
        The exit code ``sendreport run`` would have given (0 for success).
    message
        For a failure, the error's lines; empty on success.
    seconds
        Wall time of the run.
    output
        The pack's folder on success, else ``None``.
    warnings
        The run's warnings, one line each.
    """

    params: Path
    exit_code: int
    message: str
    seconds: float
    output: Path | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def status(self) -> str:
        """``ok`` or ``failed (exit N)``.

        Examples
        --------
        >>> BatchResult(Path("a.yaml"), 2, "bad", 0.1).status
        'failed (exit 2)'
        """
        return "ok" if self.exit_code == 0 else f"failed (exit {self.exit_code})"


def run_one(params: str | Path, output_dir: str | Path, pdf: bool = True) -> BatchResult:
    """Run one params file and report what became of it; never raises for a failed run.

    This is what each worker process (or dask worker) executes.

    Parameters
    ----------
    params
        The params file.
    output_dir
        The batch's output folder.
    pdf
        Write ``report.pdf``.

    Returns
    -------
    BatchResult
        The outcome, with the exit code ``sendreport run`` would give.
    """
    from sendreport.report.run import run_report

    params = Path(params)
    started = time.monotonic()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = run_report(params, output_dir=output_dir, pdf=pdf)
        except SendReportError as err:
            lines = getattr(err, "problems", None) or str(err).splitlines() or [repr(err)]
            code, message = err.exit_code, "\n".join(lines)
        except OSError as err:
            code, message = 2, _os_error_line(err)
        except Exception as err:  # a bug: one line, and the other runs go on
            code, message = 1, f"internal error: {err.__class__.__name__}: {err}"
        else:
            code, message = 0, ""
    seen = tuple(dict.fromkeys(str(w.message) for w in caught))
    return BatchResult(
        params=params,
        exit_code=code,
        message=message,
        seconds=time.monotonic() - started,
        output=result.output_folder if code == 0 else None,
        warnings=seen,
    )


def run_batch(
    params_files: Sequence[str | Path],
    *,
    output_dir: str | Path = "outputs",
    jobs: int = 1,
    scheduler: str | None = None,
    pdf: bool = True,
) -> Iterator[BatchResult]:
    """Run every params file; yield each result as its run ends.

    Parameters
    ----------
    params_files
        The params files.
    output_dir
        Folder under which every pack is written.
    jobs
        Worker processes on this machine (ignored with ``scheduler``).
    scheduler
        Address of a ``dask.distributed`` scheduler (``tcp://host:8786``): the runs
        go to its workers, which must see the same files at the same paths.
        Needs the ``distributed`` extra.
    pdf
        Write ``report.pdf``.

    Yields
    ------
    BatchResult
        One per params file, in the order the runs end.

    Raises
    ------
    ParameterError
        If ``jobs`` is below 1, or ``scheduler`` is given without ``distributed``
        installed or cannot be reached.
    """
    if jobs < 1:
        raise ParameterError("--jobs must be 1 or more")
    paths = [Path(p).absolute() for p in params_files]
    out = Path(output_dir).absolute()
    if scheduler:
        yield from _on_dask(paths, out, scheduler, pdf)
    else:
        yield from _on_processes(paths, out, jobs, pdf)


def _on_processes(paths: list[Path], out: Path, jobs: int, pdf: bool) -> Iterator[BatchResult]:
    attempts = dict.fromkeys(paths, 0)
    todo = list(paths)
    context = multiprocessing.get_context("spawn")
    while todo:
        broken = []
        with ProcessPoolExecutor(
            max_workers=min(jobs, len(todo)), mp_context=context, initializer=_worker_start
        ) as pool:
            futures = {pool.submit(_in_worker, p, out, pdf): p for p in todo}
            try:
                for future in as_completed(futures):
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        broken.append(futures[future])
                        continue
                    yield result
            except BaseException:
                _interrupt_workers(pool)
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        todo = []
        for path in broken:
            # A worker process died (killed, out of memory): its runs are tried once more,
            # then reported as failed; the other runs go on.
            attempts[path] += 1
            if attempts[path] < 2:
                todo.append(path)
            else:
                yield BatchResult(path, 1, "the worker process running it died", 0.0)


_RUNNING = False
"""In a worker process: whether a run is under way (Ctrl-C stops it, else is ignored)."""


def _worker_start() -> None:
    signal.signal(signal.SIGINT, _on_interrupt)
    _fork_kernels()


def _fork_kernels() -> None:
    """Kernels of this worker's runs come from a fork server: each starts with its imports done."""
    from sendreport.report import forkserver

    forkserver.start()


def _run_on_cluster(params: Path, out: Path, pdf: bool) -> BatchResult:
    """:func:`run_one` on a dask worker, whose runs' kernels come from a fork server."""
    _fork_kernels()
    return run_one(params, out, pdf)


def _on_interrupt(signum, frame) -> None:
    if _RUNNING:
        raise KeyboardInterrupt


def _in_worker(params: Path, out: Path, pdf: bool) -> BatchResult:
    global _RUNNING
    _RUNNING = True
    try:
        return run_one(params, out, pdf)
    finally:
        _RUNNING = False


def _interrupt_workers(pool: ProcessPoolExecutor) -> None:
    """Pass Ctrl-C on to the workers, whose runs then clean up after themselves."""
    for process in (getattr(pool, "_processes", None) or {}).values():
        with contextlib.suppress(OSError):
            os.kill(process.pid, signal.SIGINT)


def _on_dask(paths: list[Path], out: Path, scheduler: str, pdf: bool) -> Iterator[BatchResult]:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ParameterError(
            '--scheduler needs dask.distributed: pip install "sendreport[distributed]"'
        ) from None
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError, ValueError) as err:
        raise ParameterError(f"--scheduler {scheduler}: cannot reach it ({err})") from None
    with client:
        futures = [client.submit(_run_on_cluster, p, out, pdf, pure=False) for p in paths]
        by_key = dict(zip((f.key for f in futures), paths, strict=True))
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as err:  # the worker died or could not unpickle the task
                yield BatchResult(by_key[future.key], 1, f"on the cluster: {err}", 0.0)


def _os_error_line(err: OSError) -> str:
    where = f"{err.filename}: " if err.filename else ""
    return f"{where}{err.strerror or err}"


def summary_table(results: Sequence[BatchResult], show=str) -> str:
    """The batch's summary: one row per params file, as plain aligned text.

    Parameters
    ----------
    results
        The batch's results.
    show
        How to print a path (e.g. relative to the working directory).

    Returns
    -------
    str
        A header and one line per result: params, status, seconds, output.

    Examples
    --------
    >>> rows = [BatchResult(Path("a.yaml"), 0, "", 12.34, Path("out/a/2024-12-31"))]
    >>> print(summary_table(rows))
    params  status  seconds  output
    a.yaml  ok         12.3  out/a/2024-12-31
    """
    rows = [("params", "status", "seconds", "output")]
    rows += [
        (show(r.params), r.status, f"{r.seconds:.1f}", show(r.output) if r.output else "")
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for row in rows:
        cells = [
            row[0].ljust(widths[0]),
            row[1].ljust(widths[1]),
            row[2].rjust(widths[2]),
            row[3],
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


__all__ = ["BatchResult", "run_batch", "run_one", "summary_table"]

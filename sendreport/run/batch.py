"""Run many params files: in worker processes on this machine, or on a dask cluster.

Each run happens in a process of its own (a worker process here, or a dask
worker), never in a thread of the calling process, and a run never changes a
process's working directory, so one area's outputs cannot land in another
area's folder. A run that fails is one result among the others, never the end
of the batch.

On a dask cluster the client trusts the cluster as little as dask allows:

- the cluster is reached over ``tls://`` with certificates from the cluster's own
  CA (mutual TLS: the scheduler, the workers and this client each show one); a
  plain ``tcp://`` address is refused unless the caller accepts it (``insecure``),
  since anyone who can reach its port can run code on the workers;
- a run comes back as plain data (strings and numbers, read by msgpack only); a
  result that would need unpickling is refused unread and fails that area;
- a task's error and a result's type, which dask sends pickled, are never
  unpickled: the area fails with the cause in dask's terms (its worker was lost,
  or the run raised on its worker); workers' print and warn events are ignored;
- results come through the scheduler, never straight from a worker;
- no wait is unbounded: when no run ends for ``timeout`` seconds, the runs still
  out fail and the batch ends.

What this does not protect against: dask's wire protocol lets the other end of a
connection (the scheduler) mark any part of any message as pickled, and the dask
client unpickles that whatever it was asked to accept. A scheduler (or a worker
that takes it over, since the scheduler unpickles what workers send) can therefore
still run code in this process. Only TLS with a CA of the cluster's own keeps
strangers from being that other end.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import signal
import ssl
import time
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from sendreport.errors import ParameterError, SendReportError

DASK_TIMEOUT = 1800.0
"""Seconds a batch on a dask cluster waits for the next run to end (or a result to arrive)."""

CONNECT_TIMEOUT = 20.0
"""Seconds allowed to reach a dask scheduler."""

INSECURE_WARNING = (
    "a tcp:// cluster is neither authenticated nor encrypted: anyone who can reach "
    "its port can run code on the workers and read the children's data they load"
)
"""Why a plain ``tcp://`` scheduler address is refused unless the caller accepts it."""


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
    from sendreport.run.pipeline import run_report

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
    tls: ClusterTLS | None = None,
    insecure: bool = False,
    timeout: float = DASK_TIMEOUT,
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
        Address of a ``dask.distributed`` scheduler (``tls://host:8786``): the runs
        go to its workers, which must see the same files at the same paths.
        Needs the ``distributed`` extra.
    tls
        The CA and this client's certificate for a ``tls://`` scheduler.
    insecure
        Accept a plain ``tcp://`` scheduler (see :data:`INSECURE_WARNING`).
    timeout
        With ``scheduler``: the longest wait, in seconds, for the next run to end
        or for a result to arrive; the runs still out then fail. Set it above the
        longest single run.
    pdf
        Write ``report.pdf``.

    Yields
    ------
    BatchResult
        One per params file, in the order the runs end.

    Raises
    ------
    ParameterError
        If ``jobs`` is below 1; if ``scheduler`` is a ``tcp://`` address without
        ``insecure``, a ``tls://`` address without ``tls``, or cannot be reached;
        if ``timeout`` is not a finite number above 0; or if ``distributed`` is not
        installed.
    """
    if jobs < 1:
        raise ParameterError("--jobs must be 1 or more")
    paths = [Path(p).absolute() for p in params_files]
    out = Path(output_dir).absolute()
    if scheduler:
        check_scheduler(scheduler, tls=tls, insecure=insecure)
        if not (timeout > 0 and math.isfinite(timeout)):
            raise ParameterError(f"--timeout {timeout:g}: must be a number of seconds above 0")
        yield from _on_dask(paths, out, scheduler, tls, timeout, pdf)
    else:
        yield from _on_processes(paths, out, jobs, pdf)


@dataclass(frozen=True)
class ClusterTLS:
    """What this client shows a ``tls://`` dask cluster, as dask's ``Security`` takes it.

    Attributes
    ----------
    ca_file
        The cluster's CA certificate (PEM): the scheduler must show a certificate
        it signed.
    cert
        This client's certificate (PEM), signed by that CA.
    key
        The certificate's private key (PEM), unless ``cert`` holds it too.
    """

    ca_file: Path
    cert: Path
    key: Path | None = None

    def problems(self) -> list[str]:
        """One line per file that is not a readable regular file, or not what it should be.

        The CA file must hold a PEM certificate, and the certificate and key must
        load together, unencrypted (dask's ``Security`` asks for no passphrase).

        Examples
        --------
        >>> ClusterTLS(Path("/no/ca.pem"), Path("/no/cert.pem")).problems()
        ['--tls-ca-file /no/ca.pem: no such file', '--tls-cert /no/cert.pem: no such file']
        """
        found = self._unreadable()
        if found:
            return found
        try:
            ssl.create_default_context(cafile=str(self.ca_file))
        except (ssl.SSLError, ValueError):
            found.append(f"--tls-ca-file {self.ca_file}: holds no PEM certificate")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        try:
            context.load_cert_chain(
                str(self.cert), None if self.key is None else str(self.key), password=""
            )
        except (ssl.SSLError, ValueError):
            key = f"--tls-key {self.key}" if self.key is not None else "a key in the same file"
            found.append(
                f"--tls-cert {self.cert}: not a PEM certificate that loads with {key} "
                "(unencrypted, and the certificate's own)"
            )
        return found

    def _unreadable(self) -> list[str]:
        found = []
        for option, path in (
            ("--tls-ca-file", self.ca_file),
            ("--tls-cert", self.cert),
            ("--tls-key", self.key),
        ):
            if path is None:
                continue
            if not Path(path).exists():
                found.append(f"{option} {path}: no such file")
            elif not Path(path).is_file():
                found.append(f"{option} {path}: not a regular file")
            elif not os.access(path, os.R_OK):
                found.append(f"{option} {path}: cannot be read")
        return found


def check_scheduler(address: str, *, tls: ClusterTLS | None, insecure: bool) -> None:
    """Refuse a scheduler address this client should not use as given.

    Parameters
    ----------
    address
        ``tls://HOST:PORT``, or ``tcp://HOST:PORT`` (or ``HOST:PORT``) with ``insecure``.
    tls
        The certificates for a ``tls://`` address.
    insecure
        Accept a plain ``tcp://`` address.

    Raises
    ------
    ParameterError
        For a ``tcp://`` address without ``insecure``, a ``tls://`` address without
        certificates (or with missing files), certificates or ``insecure`` given with
        the other kind of address, or any other scheme.

    Examples
    --------
    >>> check_scheduler("tcp://10.0.0.5:8786", tls=None, insecure=True)
    >>> try:
    ...     check_scheduler("tcp://10.0.0.5:8786", tls=None, insecure=False)
    ... except ParameterError as err:
    ...     print(err.problems[0].split(": a tcp")[0])
    --scheduler tcp://10.0.0.5:8786: refused without --insecure
    """
    scheme = address.split("://", 1)[0].lower() if "://" in address else "tcp"
    if scheme == "tls":
        if insecure:
            raise ParameterError(f"--scheduler {address}: --insecure is for tcp:// addresses only")
        if tls is None:
            raise ParameterError(
                f"--scheduler {address}: a tls:// scheduler needs --tls-ca-file and "
                "--tls-cert (and --tls-key unless the certificate file holds the key)"
            )
        if problems := tls.problems():
            raise ParameterError(problems)
    elif scheme == "tcp":
        if tls is not None:
            raise ParameterError(
                f"--scheduler {address}: the --tls-* options need a tls:// address"
            )
        if not insecure:
            raise ParameterError(
                f"--scheduler {address}: refused without --insecure: {INSECURE_WARNING}; "
                "use tls://HOST:PORT with --tls-ca-file, --tls-cert and --tls-key"
            )
    else:
        raise ParameterError(
            f"--scheduler {address}: unknown scheme {scheme}://; use tls://HOST:PORT"
        )


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
    from sendreport.run import forkserver

    forkserver.start()


def _run_on_cluster(params: Path, out: Path, pdf: bool) -> dict:
    """:func:`run_one` on a dask worker, whose runs' kernels come from a fork server.

    Returns the result as plain data (:func:`_as_plain`), which the client reads
    with msgpack only.
    """
    _fork_kernels()
    return _as_plain(run_one(params, out, pdf))


def _as_plain(result: BatchResult) -> dict:
    """A result as strings, numbers and lists only: what a dask worker sends back.

    Examples
    --------
    >>> plain = _as_plain(BatchResult(Path("/p/a.yaml"), 0, "", 1.5, Path("/o/a/2024"), ("w",)))
    >>> plain == {"params": "/p/a.yaml", "exit_code": 0, "message": "", "seconds": 1.5,
    ...           "output": "/o/a/2024", "warnings": ["w"]}
    True
    """
    return {
        "params": str(result.params),
        "exit_code": result.exit_code,
        "message": result.message,
        "seconds": float(result.seconds),
        "output": None if result.output is None else str(result.output),
        "warnings": list(result.warnings),
    }


def _from_plain(data: object, params: Path, out: Path) -> BatchResult:
    """Read back what a worker sent for ``params``, trusting nothing in it.

    Raises
    ------
    ValueError
        If ``data`` is not what :func:`_as_plain` makes for this params file:
        another shape, another params file, an exit code out of range, or an output
        folder outside ``out``.

    Examples
    --------
    >>> sent = _as_plain(BatchResult(Path("/p/a.yaml"), 0, "", 1.5, Path("/o/a/2024")))
    >>> _from_plain(sent, Path("/p/a.yaml"), Path("/o")).status
    'ok'
    >>> _from_plain(sent, Path("/p/b.yaml"), Path("/o"))
    Traceback (most recent call last):
    ...
    ValueError: it names another params file, /p/a.yaml
    """
    fields = {"params", "exit_code", "message", "seconds", "output", "warnings"}
    if not isinstance(data, dict) or set(data) != fields:
        raise ValueError("it is not a run's result")
    code, message, seconds = data["exit_code"], data["message"], data["seconds"]
    output, lines = data["output"], data["warnings"]
    if data["params"] != str(params):
        raise ValueError(f"it names another params file, {data['params']}")
    if type(code) is not int or not 0 <= code <= 255:
        raise ValueError("its exit code is not a number from 0 to 255")
    if type(seconds) not in (int, float) or not isinstance(message, str):
        raise ValueError("its time or message is not of the right type")
    if not isinstance(lines, (list, tuple)) or not all(isinstance(w, str) for w in lines):
        raise ValueError("its warnings are not lines of text")
    if output is not None:
        if not isinstance(output, str) or not Path(output).is_relative_to(out):
            raise ValueError("its output folder is not inside the batch's output folder")
        if ".." in Path(output).parts:
            raise ValueError("its output folder is not inside the batch's output folder")
    if (code == 0) != (output is not None):
        raise ValueError("its exit code and output folder disagree")
    return BatchResult(
        params=params,
        exit_code=code,
        message=message,
        seconds=float(seconds),
        output=None if output is None else Path(output),
        warnings=tuple(lines),
    )


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


def _on_dask(
    paths: list[Path], out: Path, scheduler: str, tls: ClusterTLS | None, timeout: float, pdf: bool
) -> Iterator[BatchResult]:
    try:
        from distributed import Security, wait
    except ImportError:
        raise ParameterError(
            '--scheduler needs dask.distributed: pip install "sendreport[distributed]"'
        ) from None
    security = (
        Security(
            tls_ca_file=str(tls.ca_file),
            tls_client_cert=str(tls.cert),
            tls_client_key=None if tls.key is None else str(tls.key),
            require_encryption=True,
        )
        if tls is not None
        else None
    )
    try:
        client = _plain_data_client()(
            scheduler,
            security=security,
            timeout=f"{CONNECT_TIMEOUT}s",
            deserializers=["msgpack"],
            direct_to_workers=False,
            set_as_default=False,
        )
    except (OSError, TimeoutError, ValueError) as err:
        raise ParameterError(f"--scheduler {scheduler}: cannot reach it ({err})") from None
    with client, client.as_current():
        futures = {client.submit(_run_on_cluster, p, out, pdf, pure=False): p for p in paths}
        pending = set(futures)
        while pending:
            try:
                done, pending = wait(pending, timeout=timeout, return_when="FIRST_COMPLETED")
            except TimeoutError:  # closing the client below releases these runs
                for future in sorted(pending, key=lambda f: str(futures[f])):
                    yield BatchResult(
                        futures[future],
                        1,
                        f"on the cluster: no run ended within {timeout:g} s "
                        "(a worker lost, stuck or too slow?); this run was given up",
                        timeout,
                    )
                return
            for future in done:
                result = _collect(future, futures[future], out, timeout)
                # else the result stays in its worker's memory, and dask would run the
                # area again if that worker died later in the batch
                future.release()
                yield result


def _collect(future, params: Path, out: Path, timeout: float) -> BatchResult:
    """What became of one run on the cluster; a failure of any kind is that area's alone."""
    if future.status == "error":
        return BatchResult(params, 1, f"on the cluster: {future.exception(timeout=timeout)}", 0.0)
    if future.status != "finished":
        return BatchResult(
            params, 1, f"on the cluster: the run was {future.status} (scheduler restarted?)", 0.0
        )
    try:
        data = future.result(timeout=timeout)
    except TypeError:  # dask's refusal of anything but msgpack
        return BatchResult(
            params,
            1,
            "on the cluster: its worker sent back something other than plain data, "
            "refused unread (a worker without this version of sendreport, or a hostile one?)",
            0.0,
        )
    except TimeoutError:
        return BatchResult(
            params, 1, f"on the cluster: its result did not arrive within {timeout:g} s", 0.0
        )
    except OSError as err:  # the connection to the scheduler failed
        return BatchResult(params, 1, f"on the cluster: its result was lost ({err})", 0.0)
    except Exception as err:  # whatever else the other end of the wire can provoke
        return BatchResult(
            params,
            1,
            f"on the cluster: its result could not be read ({err.__class__.__name__})",
            0.0,
        )
    try:
        return _from_plain(data, params, out)
    except ValueError as err:
        return BatchResult(params, 1, f"on the cluster: its result was refused: {err}", 0.0)


class RunFailedOnCluster(Exception):
    """A run failed on a dask worker; the message says why, in dask's terms only.

    Dask sends a task's exception pickled; this client never unpickles it, so the
    message cannot quote it (the worker's log has it).

    Examples
    --------
    >>> print(RunFailedOnCluster.from_dask(b"...distributed.scheduler...KilledWorker..."))
    the worker running it was lost (died or was killed) on each of dask's tries
    >>> print(RunFailedOnCluster.from_dask(b"...anything else..."))
    the run raised an error on its worker, not read here (see the worker's log)
    """

    LOST = "the worker running it was lost (died or was killed) on each of dask's tries"
    RAISED = "the run raised an error on its worker, not read here (see the worker's log)"

    @classmethod
    def from_dask(cls, exception: object) -> RunFailedOnCluster:
        """The failure dask reported, read without unpickling anything."""
        pickled = isinstance(exception, (bytes, bytearray, memoryview))
        if pickled and b"KilledWorker" in bytes(exception):
            return cls(cls.LOST)
        return cls(cls.RAISED)


def _plain_data_client():
    """A dask ``Client`` class that unpickles neither task errors, result types nor events.

    The dask client unpickles a failed task's exception and traceback as soon as the
    scheduler reports them, the type of each result, and the payload of workers'
    ``warn`` events. This class overrides those three handlers of the client (dask's
    own methods, not a public API: ``tests/report/test_batch_dask.py`` checks them
    against the installed dask with a hostile worker).
    """
    from distributed import Client

    class PlainDataClient(Client):
        def _handle_task_erred(self, key=None, exception=None, traceback=None):
            super()._handle_task_erred(
                key=key, exception=RunFailedOnCluster.from_dask(exception), traceback=None
            )

        def _handle_key_in_memory(self, key=None, type=None, workers=None):
            super()._handle_key_in_memory(key=key, type=None, workers=workers)

        async def _handle_event(self, topic, event):
            return None

    return PlainDataClient


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


__all__ = [
    "BatchResult",
    "ClusterTLS",
    "check_scheduler",
    "run_batch",
    "run_one",
    "summary_table",
]

"""Kernels forked from a warm process: each run's kernel starts with its imports done.

A fresh kernel spends most of its start importing IPython, pandas, matplotlib
and sendreport. A *fork server* is a process of its own that imports those
modules once, holds no data, and forks a new kernel process for each run: one
per batch worker (:func:`start`), or one per single run, started as soon as
its params are read (:func:`for_run`). The kernel is then an ordinary ipykernel
process (its own session, the run's working folder and environment, started
with the same arguments) that exits when the run ends, as a fresh one would;
only the imports are shared. Nothing of one run reaches another: the server
never runs a notebook, and every kernel is a new fork of it.

Used only where it is safe and available: on Linux (``os.fork`` and
``os.pidfd_open``), for the environment's own ``ipykernel`` command. Anywhere
else, or when the server has gone, the kernel starts as a new process as before.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from jupyter_client.provisioning import LocalProvisioner

PRELOAD = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "matplotlib.pyplot",
    "sendreport.pack",
    "sendreport.pack.cells",
    "sendreport.pack.sections",
    "sendreport.charts.spc",
    "sendreport.charts.progress",
    # what the pack's sections import the first time they are shown
    "sendreport.handoff",
    "sendreport.pack.display",
    "sendreport.pack.change",
    "sendreport.pack.findings",
    "sendreport.pack.verdict",
    "sendreport.charts.icons",
    "sendreport.charts.render",
    "sendreport.metrics.reference",
)
"""What a stocktake kernel imports: imported once by the server.

Only modules that do nothing at import that depends on the kernel: the inline
backend (``matplotlib_inline.backend_inline``) hooks itself into the running
IPython shell when first imported, so it must first be imported in the kernel
(:data:`NOT_BEFORE_THE_KERNEL`), or ``plt.show()`` would show nothing.
"""

NOT_BEFORE_THE_KERNEL = ("matplotlib_inline.backend_inline",)
"""Modules the server must not have imported when it forks a kernel."""

INLINE = "module://matplotlib_inline.backend_inline"
"""The backend ipykernel sets for its kernels when the environment names none."""

_LAUNCHER = "ipykernel_launcher"

_SERVE = "import sys; del sys.path[0]; from sendreport.run.forkserver import serve; serve()"
"""The server's program: its working folder left off ``sys.path``, as ipykernel_launcher does."""


def available() -> bool:
    """Whether kernels can be forked here (Linux: ``os.fork`` and ``os.pidfd_open``).

    Examples
    --------
    >>> isinstance(available(), bool)
    True
    """
    if sys.platform != "linux" or not hasattr(os, "fork") or not hasattr(os, "pidfd_open"):
        return False
    try:  # a kernel or sandbox may refuse it
        os.close(os.pidfd_open(os.getpid()))
    except OSError:
        return False
    return True


def kernel_arguments(cmd: Sequence[str]) -> list[str] | None:
    """The ``ipykernel`` arguments of a kernel command this interpreter can fork, else ``None``.

    Examples
    --------
    >>> kernel_arguments([sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher",
    ...                   "-f", "k.json"])
    ['-f', 'k.json']
    >>> kernel_arguments(["/other/python", "-m", "ipykernel_launcher", "-f", "k.json"]) is None
    True
    >>> kernel_arguments([sys.executable, "-m", "other_kernel", "-f", "k.json"]) is None
    True
    >>> kernel_arguments([sys.executable, "-Xutf8", "-m", "ipykernel_launcher"]) is None
    True
    """
    cmd = list(cmd)
    # this very interpreter, not one it links to: another environment's python is often a
    # link to the same binary, with other packages
    if len(cmd) < 3 or Path(cmd[0]).absolute() != Path(sys.executable).absolute():
        return None
    i = 1
    # ipykernel's own option (for its debugger), which the server's process ran without the
    # need of; any other interpreter option would make the kernel differ: not forked
    while i < len(cmd) and cmd[i] == "-Xfrozen_modules=off":
        i += 1
    if cmd[i : i + 2] != ["-m", _LAUNCHER]:
        return None
    return cmd[i + 2 :]


class ForkedKernel:
    """A forked kernel process, with the part of :class:`subprocess.Popen` a kernel manager uses.

    The kernel is the server's child, not ours: it is watched through a
    process file descriptor, which becomes readable when the process ends.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._fd = os.pidfd_open(pid)
        self._poller = select.poll()  # not select(): descriptors above 1023 too
        self._poller.register(self._fd, select.POLLIN)

    def _ending(self, timeout: float | None) -> bool:
        ms = None if timeout is None else max(0, int(timeout * 1000))
        return bool(self._poller.poll(ms))

    def poll(self) -> int | None:
        """``None`` while the kernel runs, then its exit code (0; the server collects it)."""
        if self.returncode is None and self._ending(0):
            self._ended()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the kernel to end."""
        if self.returncode is None:
            if not self._ending(timeout):
                raise subprocess.TimeoutExpired(_LAUNCHER, timeout)
            self._ended()
        return self.returncode

    def send_signal(self, signum: int) -> None:
        """Signal the kernel and its process group (what it runs), unless it has ended.

        The kernel leads its group: while it runs, the group's id is its own and
        names no other group; once it has ended, nothing is sent.
        """
        if self.poll() is not None:
            return
        with contextlib.suppress(OSError):  # not yet leading its session: the kernel alone
            os.killpg(self.pid, signum)
            return
        try:
            signal.pidfd_send_signal(self._fd, signum)
        except ProcessLookupError:  # ended meanwhile
            pass
        except OSError:  # the call refused (a sandbox): the plain way
            os.kill(self.pid, signum)

    def kill(self) -> None:
        """End the kernel at once (``SIGKILL``)."""
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        """Ask the kernel to end (``SIGTERM``)."""
        self.send_signal(signal.SIGTERM)

    def _ended(self) -> None:
        self.returncode = 0
        os.close(self._fd)

    def __del__(self) -> None:
        if self.returncode is None and hasattr(self, "_fd"):
            with contextlib.suppress(OSError):
                os.close(self._fd)


class ForkServer:
    """A running fork server, and the pipe to ask it for kernels.

    Start it with :func:`start`; :meth:`launch` asks it for one kernel. Safe
    to use from several threads (one request at a time).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._used = False
        # It imports in an empty folder of its own, off sys.path, as a kernel imports in its
        # new pack folder: not in the caller's, whose Python files or matplotlibrc every
        # kernel would else read.
        self._folder = tempfile.TemporaryDirectory(prefix="sendreport-forkserver-")
        self._process = subprocess.Popen(
            [sys.executable, "-c", _SERVE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=self._folder.name,
            # not in the terminal's process group: Ctrl-C reaches the runs, which shut their
            # kernels down; the server ends when this process closes the pipe.
            start_new_session=True,
            text=True,
        )

    def launch(self, cmd: Sequence[str], *, env: dict[str, str], cwd: str) -> ForkedKernel | None:
        """Fork a kernel for ``cmd`` in ``cwd`` with ``env``; ``None`` if it cannot be forked."""
        args = kernel_arguments(cmd)
        if args is None:
            return None
        request = json.dumps({"args": args, "env": env, "cwd": str(cwd)})
        with self._lock:
            if self._process.poll() is not None:
                return None
            self._used = True
            try:
                self._process.stdin.write(request + "\n")
                self._process.stdin.flush()
                pid = int(json.loads(self._process.stdout.readline())["pid"])
            except (OSError, ValueError, KeyError, TypeError):  # gone, or not answering right
                self._process.kill()
                return None
            except BaseException:
                # interrupted (Ctrl-C) between question and answer: a later request would
                # read this one's answer, so the server is ended and never asked again
                self._process.kill()
                raise
        try:
            return ForkedKernel(pid)
        except ProcessLookupError:  # ended already: a kernel that failed at once
            return None
        except OSError:  # cannot be watched: not used, and a new process started instead
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            return None

    def close(self) -> None:
        """End the server (and any kernel of it still running)."""
        if not self._used:  # nothing forked: no need to let it finish its imports
            self._process.kill()
        with contextlib.suppress(OSError):
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process.stdout.close()
        self._folder.cleanup()


_SERVER: ForkServer | None = None
_STARTING = threading.Lock()


def start() -> ForkServer | None:
    """Start this process's fork server (once); ``None`` where kernels cannot be forked.

    The server ends when this process exits.
    """
    global _SERVER
    with _STARTING:  # a dask worker runs tasks in several threads
        if _SERVER is None and available():
            try:
                _SERVER = ForkServer()
            except OSError:  # no process to be had (limits, memory): kernels start anew
                return None
            atexit.register(_SERVER.close)
    return _SERVER


def current() -> ForkServer | None:
    """The fork server :func:`start` started in this process, if any."""
    return _SERVER


@contextlib.contextmanager
def for_run() -> Iterator[ForkServer | None]:
    """The fork server a run's kernel comes from: this process's, else one for the run alone.

    A run's own server imports while the run reads and validates its inputs,
    so its kernel starts with its imports done; it ends with the ``with``
    block. ``None`` where kernels cannot be forked.
    """
    if _SERVER is not None or not available():
        yield _SERVER
        return
    try:
        server = ForkServer()
    except OSError:  # no process to be had (limits, memory): the kernel starts anew
        yield None
        return
    try:
        yield server
    finally:
        server.close()


class ForkProvisioner(LocalProvisioner):
    """A jupyter_client kernel provisioner that forks the kernel from a :class:`ForkServer`.

    jupyter_client's public extension point for how a kernel process starts: it
    overrides :meth:`launch_kernel` and sets the attributes a ``LocalProvisioner``
    documents (``process``, ``pid``, ``pgid``, ``cwd``); everything else (signals,
    polling, shutdown) is the local provisioner's own, acting on the
    :class:`ForkedKernel`. When the server cannot fork (gone, or a command it does
    not serve) the kernel starts as a new process, as the local provisioner starts it.
    """

    def __init__(self, *, server: ForkServer, **kwargs) -> None:
        super().__init__(**kwargs)
        self.server = server

    async def launch_kernel(self, cmd, **kwargs):  # noqa: D102 - jupyter_client's hook
        cwd = str(kwargs.get("cwd") or Path.cwd())
        kernel = self.server.launch(cmd, env=kwargs["env"], cwd=cwd)
        if kernel is None:
            return await super().launch_kernel(cmd, **kwargs)
        self.process = kernel
        self.pid = kernel.pid
        # no group id: signals go through the kernel's pidfd, never to a group id a later
        # process may take once the kernel has ended
        self.pgid = None
        self.cwd = cwd
        return self.connection_info


# ----- the server process ---------------------------------------------------------------


def serve() -> None:
    """Run the fork server: import, then fork a kernel for each request line on stdin.

    Each request is one JSON line ``{"args", "env", "cwd"}``; the reply is one
    line ``{"pid"}``. The server ends at the end of its input, and kills the
    kernels it forked that are still running.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # as ipykernel does before the kernel's first import of matplotlib
    os.environ.setdefault("MPLBACKEND", INLINE)
    for module in PRELOAD:
        importlib.import_module(module)
    # what each kernel's first pack would do once: templates compiled, chart fonts loaded
    importlib.import_module("sendreport.pack").warm()
    early = [m for m in NOT_BEFORE_THE_KERNEL if m in sys.modules]
    if early:  # a kernel forked now would differ from a fresh one: serve none
        raise SystemExit(f"imported before a kernel: {', '.join(early)}")
    gc.collect()
    gc.freeze()  # kept out of later collections: the kernels share these pages
    children: set[int] = set()

    def reap(*_) -> None:
        while children:
            try:
                pid, _status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            children.discard(pid)

    signal.signal(signal.SIGCHLD, reap)
    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            _become_kernel(request)  # never returns
        children.add(pid)
        sys.stdout.write(json.dumps({"pid": pid}) + "\n")
        sys.stdout.flush()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for pid in list(children):
        for kill in (os.killpg, os.kill):  # its group, and itself if it had none yet
            with contextlib.suppress(OSError):
                kill(pid, signal.SIGKILL)
    for pid in list(children):
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def _become_kernel(request: dict) -> None:
    """In the forked child: become the kernel a fresh ``ipykernel_launcher`` process would be."""
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ.setdefault("MPLBACKEND", INLINE)
    # numpy's global generator, seeded when the server imported numpy, seeded afresh as a
    # new process's would be (Python's own ``random`` reseeds itself after a fork)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()
    # sys.path holds no working folder (the server's program took its own off, as
    # ipykernel_launcher does); the kernel puts its own back as it starts
    # as jupyter_client tells the kernels it starts: end if the parent goes (here the
    # server, which ends with its run or worker)
    os.environ["JPY_PARENT_PID"] = str(os.getppid())
    sys.argv = [_LAUNCHER, *request["args"], f"--IPKernelApp.parent_handle={os.getppid()}"]
    # folders the server's imports made for themselves (matplotlib's, where its config
    # folder cannot be written) are the server's to remove, not each kernel's
    atexit.unregister(shutil.rmtree)
    from ipykernel.kernelapp import launch_new_instance

    launch_new_instance()
    # End as a process ends: SystemExit (the kernel's own, this one, or any other error)
    # leaves the server's loop, the child having no caller to return to, and Python runs
    # the kernel's exit handlers and sets the exit code (1 for an error) as it stops.
    raise SystemExit(0)


__all__ = [
    "ForkProvisioner",
    "ForkServer",
    "ForkedKernel",
    "available",
    "current",
    "for_run",
    "kernel_arguments",
    "start",
]

"""Kernels forked from a warm server (batches): the same pack as a fresh kernel, and nothing left.

Each test starts a real fork server, runs real notebooks through papermill with
it, and compares with a kernel started as a new process.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import time
from pathlib import Path

import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_notebook
from terminal import sendreport_from_a_terminal

from sendreport.run import forkserver
from sendreport.run.batch import run_one
from sendreport.synth.areas import write_areas

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not forkserver.available(), reason="kernels are forked on Linux only"),
]


@pytest.fixture
def server(monkeypatch):
    """This process's fork server for the test, recording what each launch gave."""
    started = forkserver.ForkServer()
    launches: list = []
    real = started.launch

    def launch(cmd, **kw):
        kernel = real(cmd, **kw)
        launches.append(kernel)
        return kernel

    monkeypatch.setattr(started, "launch", launch)
    monkeypatch.setattr(forkserver, "_SERVER", started)
    yield started, launches
    started.close()


@contextlib.contextmanager
def fresh_kernels():
    """Kernels started as new processes, as where they cannot be forked."""
    server, available = forkserver._SERVER, forkserver.available
    forkserver._SERVER, forkserver.available = None, lambda: False
    try:
        yield
    finally:
        forkserver._SERVER, forkserver.available = server, available


def hashes(folder: Path) -> dict[str, str]:
    """Every output file's SHA-256 but the manifest (which records the run's seconds)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


def server_children(started: forkserver.ForkServer) -> list[int]:
    pid = started._process.pid
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    return children


def test_a_forked_kernel_writes_byte_for_byte_the_pack_a_fresh_kernel_writes(server, tmp_path):
    started, launches = server
    (params,) = write_areas(tmp_path / "synth", 1, seed=5)
    with fresh_kernels():  # the reference: a kernel started as a new process
        fresh = run_one(params, tmp_path / "fresh")
    forked = run_one(params, tmp_path / "forked")

    assert (fresh.exit_code, forked.exit_code) == (0, 0), (fresh.message, forked.message)
    assert launches and all(isinstance(k, forkserver.ForkedKernel) for k in launches)
    assert launches[0].poll() is not None, "the kernel ended with its run"
    assert hashes(fresh.output.parent) == hashes(forked.output.parent)
    assert {"report.pdf", "report.html", "kpis.csv"} <= {
        Path(name).name for name in hashes(forked.output.parent)
    }
    assert server_children(started) == [], "no kernel outlives its run"


def notebook_params(params_dir: Path, source: str) -> Path:
    """Params for the conftest data with a notebook of one cell after the parameters."""
    from sendreport.params import Params

    nb = new_notebook(
        cells=[
            new_code_cell(
                "\n".join(f"{n} = None" for n in Params.model_fields),
                metadata={"tags": ["parameters"]},
            ),
            new_code_cell(source),
        ],
        metadata={
            "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}
        },
    )
    notebook = params_dir / "one-cell.ipynb"
    nbformat.write(nb, notebook)
    base = yaml.safe_load((params_dir / "params.yaml").read_text())
    path = params_dir / "one-cell.yaml"
    path.write_text(yaml.safe_dump({**base, "notebook": str(notebook)}))
    return path


def test_a_failing_cell_and_a_dying_kernel_are_reported_as_with_a_fresh_kernel(
    server, params_dir, tmp_path
):
    started, launches = server
    failing = run_one(notebook_params(params_dir, "1 / 0"), tmp_path / "a")
    assert failing.exit_code == 1 and "ZeroDivisionError" in failing.message
    # the kernel process ends in the middle of a cell: found dead, not waited for
    dying = run_one(notebook_params(params_dir, "import os\nos._exit(3)"), tmp_path / "b")
    assert dying.exit_code == 1 and "one-cell.ipynb" in dying.message
    assert len(launches) == 2 and all(isinstance(k, forkserver.ForkedKernel) for k in launches)
    assert all(k.poll() is not None for k in launches)
    assert server_children(started) == []


def test_the_kernel_has_the_runs_environment_and_folder_not_the_servers(
    monkeypatch, params_dir, tmp_path
):
    monkeypatch.setenv("ONLY_THE_SERVER_HAS_THIS", "1")
    started = forkserver.ForkServer()
    monkeypatch.delenv("ONLY_THE_SERVER_HAS_THIS")
    monkeypatch.setattr(forkserver, "_SERVER", started)
    params = notebook_params(
        params_dir,
        "import os\n"
        "from sendreport.handoff import TABLES_ENV\n"
        "assert os.environ.get(TABLES_ENV), 'the run names its private tables folder'\n"
        "assert 'ONLY_THE_SERVER_HAS_THIS' not in os.environ\n"
        "assert os.getsid(0) == os.getpid(), 'a session of its own'\n"
        "assert os.getppid() == SERVER\n"
        "open('kernel.txt', 'w').write('ran here')\n".replace("SERVER", str(started._process.pid)),
    )
    try:
        result = run_one(params, tmp_path / "out", pdf=False)
    finally:
        started.close()
    assert result.exit_code == 0, result.message
    # the kernel worked in the run's own folder, which became the output
    assert (result.output / "kernel.txt").read_text() == "ran here"


def test_a_forked_kernel_ends_as_a_process_ends_running_its_exit_handlers(
    server, params_dir, tmp_path
):
    """The kernel's atexit handlers run when it ends (it ends by SystemExit, as a process)."""
    started, launches = server
    ended = tmp_path / "ended.txt"
    params = notebook_params(
        params_dir,
        "import atexit\n"
        f"atexit.register(lambda: open({str(ended)!r}, 'w').write('handlers ran'))\n",
    )
    result = run_one(params, tmp_path / "out", pdf=False)
    assert result.exit_code == 0, result.message
    assert launches and launches[0] is not None, "the kernel was forked"
    launches[0].wait(timeout=60)
    assert ended.read_text() == "handlers ran"


def test_without_its_server_a_run_starts_its_kernel_as_a_new_process(server, tmp_path):
    started, launches = server
    started._process.kill()
    started._process.wait()
    (params,) = write_areas(tmp_path / "synth", 1, seed=6)
    result = run_one(params, tmp_path / "out", pdf=False)
    assert result.exit_code == 0, result.message
    assert launches == [None]


def test_ctrl_c_on_a_batch_ends_its_kernels_and_their_server(params_dir, tmp_path):
    pids = tmp_path / "pids.txt"
    params = notebook_params(
        params_dir,
        f"import os, time\nopen({str(pids)!r}, 'w').write(f'{{os.getpid()}} {{os.getppid()}}')\n"
        "time.sleep(120)",
    )
    proc = sendreport_from_a_terminal("batch", str(params), "--output-dir", str(tmp_path / "out"))
    deadline = time.monotonic() + 300
    while not pids.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert pids.exists(), proc.communicate()[1]
    time.sleep(0.5)
    kernel, server = (int(p) for p in pids.read_text().split())
    assert Path(f"/proc/{server}/cmdline").read_bytes().count(b"forkserver") == 1
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal sends on Ctrl-C
    proc.communicate(timeout=120)
    assert proc.returncode == 130

    def gone(pid: int) -> bool:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        return state == "Z"  # ended, its parent yet to collect it

    deadline = time.monotonic() + 30
    while not (gone(kernel) and gone(server)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert gone(kernel), "the kernel outlived the batch"
    assert gone(server), "the fork server outlived the batch"


def test_a_forked_kernel_is_hooked_up_as_a_fresh_one(server, params_dir, tmp_path):
    # What the kernel hooks into IPython when it starts (the inline backend's figure flush,
    # our figure printer) must be there in a forked kernel too, or plt.show() shows nothing.
    started, launches = server
    seen = tmp_path / "seen.json"
    params = notebook_params(
        params_dir,
        "import json, sys\n"
        "import matplotlib, matplotlib.pyplot as plt\n"
        "plt.plot([1, 2])\n"
        "ip = get_ipython()\n"
        "hooks = {e: sorted(getattr(f, '__qualname__', repr(f)) for f in fs)\n"
        "         for e, fs in ip.events.callbacks.items()}\n"
        "printers = sorted(t.__name__ for t in ip.display_formatter.formatters['text/html']"
        ".type_printers)\n"
        f"open({str(seen)!r}, 'w').write(json.dumps({{'hooks': hooks, 'printers': printers,\n"
        "    'backend': matplotlib.get_backend(), 'path': sys.path[:1]}))\n"
        "plt.close('all')\n",
    )
    with fresh_kernels():
        assert run_one(params, tmp_path / "fresh", pdf=False).exit_code == 0
    fresh = seen.read_text()
    assert run_one(params, tmp_path / "forked", pdf=False).exit_code == 0
    assert isinstance(launches[-1], forkserver.ForkedKernel)
    assert seen.read_text() == fresh
    assert "flush_figures" in fresh and "inline" in fresh


def test_forked_kernels_do_not_share_random_draws(server, params_dir, tmp_path):
    started, launches = server
    draws = tmp_path / "draws.txt"
    params = notebook_params(
        params_dir,
        "import random, numpy\n"
        f"open({str(draws)!r}, 'a').write(f'{{random.random()}} {{numpy.random.random()}}\\n')\n",
    )
    for name in ("a", "b"):
        assert run_one(params, tmp_path / name, pdf=False).exit_code == 0
    assert all(isinstance(k, forkserver.ForkedKernel) for k in launches)
    first, second = (line.split() for line in draws.read_text().splitlines())
    assert first[0] != second[0] and first[1] != second[1]


def test_another_environments_kernel_is_not_forked_even_if_its_python_links_here(tmp_path):
    # a virtual environment's python is often a link to the same binary, with other packages
    import sys

    other = tmp_path / "other-env" / "bin" / "python"
    other.parent.mkdir(parents=True)
    other.symlink_to(Path(sys.executable).resolve())
    assert forkserver.kernel_arguments([str(other), "-m", "ipykernel_launcher", "-f", "k"]) is None
    assert forkserver.kernel_arguments([sys.executable, "-m", "ipykernel_launcher", "-f", "k"]) == [
        "-f",
        "k",
    ]


def test_the_callers_folder_does_not_reach_the_kernels(monkeypatch, params_dir, tmp_path):
    # A matplotlibrc where sendreport is started is not read by a kernel started as a new
    # process, which imports in its own new folder; nor by a forked one.
    caller = tmp_path / "caller"
    caller.mkdir()
    (caller / "matplotlibrc").write_text("lines.linewidth: 9\n")
    monkeypatch.chdir(caller)
    started = forkserver.ForkServer()
    monkeypatch.setattr(forkserver, "_SERVER", started)
    seen = tmp_path / "seen.txt"
    params = notebook_params(
        params_dir,
        "import matplotlib\n"
        f"open({str(seen)!r}, 'w').write(str(matplotlib.rcParams['lines.linewidth']))",
    )
    try:
        result = run_one(params, tmp_path / "out", pdf=False)
    finally:
        started.close()
    assert result.exit_code == 0, result.message
    assert started._used and started._process.returncode is not None  # forked, then ended
    assert seen.read_text() == "1.5"


def test_a_kernel_whose_server_is_killed_ends_instead_of_lingering(server, params_dir, tmp_path):
    import threading

    started, launches = server
    pids = tmp_path / "pids.txt"
    params = notebook_params(
        params_dir,
        f"import os, time\nopen({str(pids)!r}, 'w').write(str(os.getpid()))\ntime.sleep(120)",
    )
    results = []
    runner = threading.Thread(target=lambda: results.append(run_one(params, tmp_path / "out")))
    runner.start()
    deadline = time.monotonic() + 120
    while not pids.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert pids.exists()
    kernel = launches[0]
    started._process.kill()  # the server gone (killed for memory, say)
    assert kernel.wait(timeout=30) is not None, "the kernel watches its parent, as a fresh one"
    runner.join(timeout=120)
    assert results and results[0].exit_code == 1

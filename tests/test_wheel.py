"""A wheel built from the repository runs `sendreport demo` with no checkout in sight.

The wheel is built by pip (the build backend of pyproject.toml, in pip's isolated build
environment, so pip fetches it from the package index) from a copy of the files git
tracks or would track: a file left out of the package data, or one only an editable
checkout has (such as ``data/demo``), makes the run fail.

It is installed, without its dependencies, into a new virtual environment created from
the base interpreter. The dependencies come from the test environment through a path
file: its site-packages folder is put on ``sys.path`` as a plain folder, so the path
files inside it, the editable install's finder among them, are not run and the checkout
is not importable. The kernel is the new environment's (``ipykernel install
--sys-prefix``, as the Makefile does). The demo runs from an empty folder outside the
checkout, with no ``PYTHONPATH``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def run(command: list, *, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, timeout=timeout, **kw
    )
    assert done.returncode == 0, f"{command}: {done.stderr}"
    return done


def copy_repository(target: Path) -> None:
    """The files of the checkout that git tracks or would track (none it ignores)."""
    listed = run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT
    ).stdout
    for name in filter(None, listed.split("\0")):
        source, copy = ROOT / name, target / name
        if not os.path.lexists(source):  # deleted in the working tree, not yet in git
            continue
        copy.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            copy.symlink_to(source.readlink())
        else:
            copy.write_bytes(source.read_bytes())


def test_a_wheel_runs_the_demo_in_a_fresh_environment_outside_the_checkout(tmp_path):
    source, dist, venv = tmp_path / "source", tmp_path / "dist", tmp_path / "venv"
    copy_repository(source)
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", source, "-w", dist],
                cwd=tmp_path)
    # set-up prints no warning of the project's own making (pyproject's licence as a table)
    assert "deprecat" not in built.stderr.lower(), built.stderr
    (wheel,) = dist.glob("sendreport-*.whl")

    run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps",
         "--no-index", wheel])
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                    env=env).stdout.strip())
    (site / "sendreport-test-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    run([python, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3"], env=env)

    work, out = tmp_path / "work", tmp_path / "out"
    work.mkdir()
    found = run(
        [python, "-c", "import json, sendreport, sendreport.bundled as b; "
         "from jupyter_client.kernelspec import KernelSpecManager as K; "
         "print(json.dumps([sendreport.__file__, str(b.STOCKTAKE), "
         "K().get_kernel_spec('python3').argv[0]]))"],
        cwd=work, env=env,
    )
    package, notebook, kernel = map(Path, json.loads(found.stdout))
    assert package.is_relative_to(site), package
    assert notebook.is_relative_to(site), notebook
    assert kernel == python, "the notebook runs in the new environment's kernel"

    demo = run([venv / "bin" / "sendreport", "demo", "--output-dir", out], cwd=work, env=env,
               timeout=600)
    assert "Traceback" not in demo.stderr
    pdf = out / "demoshire" / "2024-12-31" / "report.pdf"
    assert Path(demo.stdout.strip().splitlines()[-1]) == pdf
    assert pdf.read_bytes().startswith(b"%PDF")
    assert list(work.iterdir()) == [], "nothing in the folder it ran from"
    copied = out / "demo-inputs" / "notebooks" / "stocktake.ipynb"
    assert copied.read_bytes() == notebook.read_bytes(), "the wheel's notebook, copied"
    checkout = [str(ROOT / part).encode() for part in ("sendreport", "notebooks", "params", "data")]
    for path in (p for p in out.rglob("*") if p.is_file()):
        content = path.read_bytes()
        assert not [c for c in checkout if c in content], f"{path} names a file of the checkout"

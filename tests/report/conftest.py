"""Session fixtures of the report tests: the demo packs, built once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sendreport.run.pipeline import RunResult, run_report

ROOT = Path(__file__).resolve().parents[2]
SENDREPORT = str(Path(sys.executable).parent / "sendreport")
DEMOS = {"demo": ROOT / "params" / "demo.yaml", "demo-wsoa": ROOT / "params" / "demo-wsoa.yaml"}


def source_tree_status() -> set[str]:
    """Every untracked or ignored entry of the checkout, as `git status` lists it."""
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    return set(status.stdout.splitlines())


@pytest.fixture(scope="session")
def demo_command(tmp_path_factory):
    """`sendreport demo --output-dir OUT`, run from an empty folder outside OUT.

    Python writes no bytecode in that run, so any new file in the checkout is the demo's.
    """
    cwd = tmp_path_factory.mktemp("cwd")
    out = tmp_path_factory.mktemp("outputs")
    before = source_tree_status()
    demo = subprocess.run(
        [SENDREPORT, "demo", "--output-dir", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
        cwd=cwd,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    return {
        "process": demo, "cwd": cwd, "out": out,
        "source_tree_before": before, "source_tree_after": source_tree_status(),
    }


@pytest.fixture(scope="session")
def demo_runs(demo_command, tmp_path_factory):
    """`sendreport demo`, then the WSoA params on the demo's synthetic data."""
    demo, out = demo_command["process"], demo_command["out"]
    assert demo.returncode == 0, demo.stderr
    assert "Traceback" not in demo.stderr
    pdf = Path(demo.stdout.strip().splitlines()[-1])
    if not pdf.is_absolute():  # printed relative to the folder the demo ran from
        pdf = demo_command["cwd"] / pdf
    assert pdf.resolve() == (out / "demoshire" / "2024-12-31" / "report.pdf").resolve(), (
        "demo ends by printing the PDF path"
    )
    return {
        "demo": RunResult(output_folder=pdf.parent, pdf=pdf, seconds=0.0),
        "demo-wsoa": run_report(
            wsoa_params(out / "demo-inputs", tmp_path_factory.mktemp("wsoa")),
            output_dir=tmp_path_factory.mktemp("wsoa-outputs"),
        ),
    }


def wsoa_params(inputs: Path, folder: Path) -> Path:
    """params/demo-wsoa.yaml in ``folder``, on the data the demo wrote to ``inputs``."""
    raw = yaml.safe_load(DEMOS["demo-wsoa"].read_text(encoding="utf-8"))
    demo = yaml.safe_load((inputs / "params" / "demo.yaml").read_text(encoding="utf-8"))
    raw.update(
        notebook=str((inputs / "params" / demo["notebook"]).resolve()),
        plan=str(DEMOS["demo-wsoa"].parent / raw["plan"]),
        data={name: str((inputs / "params" / path).resolve())
              for name, path in demo["data"].items()},
    )
    path = folder / "demo-wsoa.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def pdfs(demo_runs):
    return {name: run.pdf.read_bytes() for name, run in demo_runs.items()}

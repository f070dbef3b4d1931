"""Session fixtures of the report tests: the demo packs, built once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sendreport.report.run import RunResult, run_report

ROOT = Path(__file__).resolve().parents[2]
SENDREPORT = str(Path(sys.executable).parent / "sendreport")
DEMOS = {"demo": ROOT / "params" / "demo.yaml", "demo-wsoa": ROOT / "params" / "demo-wsoa.yaml"}


@pytest.fixture(scope="session")
def demo_runs(tmp_path_factory):
    """`sendreport demo` (synthetic data + demo.yaml), then the WSoA params on the same data."""
    out = tmp_path_factory.mktemp("outputs")
    demo = subprocess.run(
        [SENDREPORT, "demo", "--output-dir", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert demo.returncode == 0, demo.stderr
    assert "Traceback" not in demo.stderr
    pdf = Path(demo.stdout.strip().splitlines()[-1])
    assert pdf == out / "demoshire" / "2024-12-31" / "report.pdf", (
        "demo ends by printing the PDF path"
    )
    return {
        "demo": RunResult(output_folder=pdf.parent, pdf=pdf, seconds=0.0),
        "demo-wsoa": run_report(DEMOS["demo-wsoa"], output_dir=out),
    }


@pytest.fixture(scope="session")
def pdfs(demo_runs):
    return {name: run.pdf.read_bytes() for name, run in demo_runs.items()}

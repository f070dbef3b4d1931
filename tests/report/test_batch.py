"""Batches of areas: each area's figures in its own folder, nothing written elsewhere.

Two small synthetic areas with different data are run once each with ``run``
(the reference) and then together with ``batch --jobs 2``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sendreport.synth.areas import write_areas

SENDREPORT = str(Path(sys.executable).parent / "sendreport")

pytestmark = pytest.mark.slow


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SENDREPORT, *args], capture_output=True, text=True, cwd=cwd, timeout=900, check=False
    )


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def two_areas(tmp_path_factory):
    """Two synthetic areas, each run alone with ``run --no-pdf`` (the reference)."""
    root = tmp_path_factory.mktemp("areas")
    params = write_areas(root / "synth", 2, seed=11)
    single = root / "single"
    for path in params:
        result = cli("run", str(path), "--no-pdf", "--output-dir", str(single), cwd=root)
        assert result.returncode == 0, result.stderr
    return root, params, single


def test_batch_jobs_2_writes_each_areas_own_figures_and_nothing_elsewhere(two_areas, tmp_path):
    root, params, single = two_areas
    slugs = ["synthetic-area-1", "synthetic-area-2"]
    references = [(single / s / "2024-12-31" / "kpis.csv").read_bytes() for s in slugs]
    assert references[0] != references[1], "the two areas must differ for the test to mean much"
    params_before = listing(params[0].parent)
    inputs_before = listing(root / "synth")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    out = tmp_path / "out"

    result = cli("batch", *map(str, params), "--jobs", "2", "--output-dir", str(out), cwd=cwd)

    assert result.returncode == 0, result.stderr
    for slug, reference in zip(slugs, references, strict=True):
        assert (out / slug / "2024-12-31" / "kpis.csv").read_bytes() == reference, slug
    assert listing(params[0].parent) == params_before, "nothing written beside the params files"
    assert listing(root / "synth") == inputs_before
    assert list(cwd.iterdir()) == [], "nothing written in the working directory"

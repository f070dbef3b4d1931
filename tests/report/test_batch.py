"""Batches of areas: each area's figures in its own folder, nothing written elsewhere.

Two small synthetic areas with different data are run once each with ``run``
(the reference) and then together with ``batch --jobs 2``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

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
        # the workers' kernels are forked from a warm server: the pack is the one a kernel
        # started as a new process wrote, byte for byte (the manifest records timings)
        alone = single / slug / "2024-12-31"
        compared = [p.name for p in alone.iterdir() if p.name != "manifest.json"]
        assert {"report.html", "report.ipynb", "kpis.csv"} <= set(compared)
        for name in compared:
            assert (out / slug / "2024-12-31" / name).read_bytes() == (alone / name).read_bytes(), (
                slug,
                name,
            )
    assert listing(params[0].parent) == params_before, "nothing written beside the params files"
    assert listing(root / "synth") == inputs_before
    assert list(cwd.iterdir()) == [], "nothing written in the working directory"


def small_areas(params_dir: Path, names: list[str]) -> list[Path]:
    """Params files for tiny areas that share the conftest data and a one-cell notebook."""
    from nbformat.v4 import new_code_cell, new_notebook

    from sendreport.params import Params

    nb = new_notebook(
        cells=[
            new_code_cell(
                "\n".join(f"{n} = None" for n in Params.model_fields),
                metadata={"tags": ["parameters"]},
            ),
            new_code_cell(
                "from sendreport.pack import Pack\n"
                "from sendreport.pack.display import declare_document, show\n"
                "declare_document(title=area_name, classification='OFFICIAL', "
                "running_head=area_name)\n"
                "Pack.from_parameters(globals()).write_tables()\n"
                "show('<section><h1>Small</h1></section>')"
            ),
        ],
        metadata={
            "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}
        },
    )
    notebook = params_dir / "small.ipynb"
    nbformat.write(nb, notebook)
    base = yaml.safe_load((params_dir / "params.yaml").read_text())
    paths = []
    for name in names:
        path = params_dir / f"{name.lower()}.yaml"
        path.write_text(yaml.safe_dump({**base, "notebook": str(notebook), "area_name": name}))
        paths.append(path)
    return paths


def test_an_unexpected_error_fails_one_run_and_the_batch_goes_on(params_dir, tmp_path):
    a, b = small_areas(params_dir, ["Ashire", "Bshire"])
    out = tmp_path / "out"
    (out / "ashire").mkdir(parents=True)
    (out / "ashire" / "2024-06-30").write_text("a file where an output folder should be")
    result = cli("batch", str(a), str(b), "--output-dir", str(out), cwd=tmp_path)
    assert result.returncode == 2
    assert f"{a}: failed (exit 2)" in result.stderr and "a file is where" in result.stderr
    assert f"{b}: ok" in result.stdout
    assert (out / "bshire" / "2024-06-30" / "kpis.csv").exists()
    table = result.stdout[result.stdout.index("params  ") :].splitlines()
    assert table[0].split() == ["params", "status", "seconds", "output"]
    assert table[1].split()[:4] == [a.name, "failed", "(exit", "2)"]
    assert table[2].split()[:2] == [b.name, "ok"]
    assert table[3] == "1 of 2 packs written, 1 failed"


def test_batch_through_a_local_dask_scheduler_writes_every_pack(params_dir, tmp_path):
    distributed = pytest.importorskip("distributed")
    paths = small_areas(params_dir, ["Ashire", "Bshire"])
    out = tmp_path / "out"
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        host="127.0.0.1",
    ) as cluster:
        result = cli(
            "batch",
            *map(str, paths),
            "--scheduler",
            cluster.scheduler_address,
            "--insecure",
            "--output-dir",
            str(out),
            cwd=tmp_path,
        )
    assert result.returncode == 0, result.stderr
    for slug in ("ashire", "bshire"):
        manifest = json.loads((out / slug / "2024-06-30" / "manifest.json").read_text())
        assert manifest["area_name"].lower() == slug
        assert (out / slug / "2024-06-30" / "report.pdf").exists()
    assert "2 of 2 packs written" in result.stdout
    assert result.stderr.splitlines()[0] == (
        "warning: --insecure: a tcp:// cluster is neither authenticated nor encrypted: anyone "
        "who can reach its port can run code on the workers and read the children's data they load"
    )

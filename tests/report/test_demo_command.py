"""`sendreport demo` writes its inputs and its pack under --output-dir, and nothing elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from sendreport.bundled import DEMO_PARAMS, DEMO_PLAN, DEMO_SEN2_PARAMS, STOCKTAKE
from sendreport.params import read_params

pytestmark = pytest.mark.slow


def test_demo_writes_only_under_its_output_dir(demo_command):
    demo, out = demo_command["process"], demo_command["out"]
    assert demo.returncode == 0, demo.stderr
    assert list(demo_command["cwd"].iterdir()) == [], "nothing in the folder it ran from"
    assert demo_command["source_tree_after"] == demo_command["source_tree_before"], (
        "nothing new in the checkout"
    )
    assert sorted(p.name for p in out.iterdir()) == ["demo-inputs", "demoshire"]
    inputs = out / "demo-inputs"
    assert sorted(p.relative_to(inputs).as_posix() for p in inputs.rglob("*") if p.is_file()) == [
        "data/demo/measures.csv",
        "data/demo/referrals.csv",
        "data/demo/requests.csv",
        "data/demo/reviews.csv",
        "data/demo/sen2-2023.xml",
        "data/demo/sen2-2024.xml",
        "data/demo/sen2-2025.xml",
        "notebooks/stocktake.ipynb",
        "params/demo-sen2.yaml",
        "params/demo.yaml",
        "params/plans/demoshire-pap.yaml",
    ]
    assert (out / "demoshire" / "2024-12-31" / "report.pdf").read_bytes().startswith(b"%PDF")


def test_the_demo_params_file_is_the_bundled_one_and_reads_only_files_beside_it(demo_command):
    inputs = (demo_command["out"] / "demo-inputs").resolve()
    for copy, bundled in (
        ("params/demo.yaml", DEMO_PARAMS),
        ("params/demo-sen2.yaml", DEMO_SEN2_PARAMS),
        ("params/plans/demoshire-pap.yaml", DEMO_PLAN),
        ("notebooks/stocktake.ipynb", STOCKTAKE),
    ):
        assert (inputs / copy).read_bytes() == bundled.read_bytes(), copy
    params = read_params(inputs / "params" / "demo.yaml")
    used = [params.notebook, params.plan, *params.data.values()]
    assert [str(path) for path in used if inputs not in Path(path).parents] == []


def test_demo_refuses_an_output_dir_that_is_a_file(tmp_path, capsys):
    from sendreport.cli import main

    target = tmp_path / "out"
    target.write_text("not a folder", encoding="utf-8")
    assert main(["demo", "--output-dir", str(target)]) == 2
    assert capsys.readouterr().err == (
        f"sendreport: error: demo: --output-dir {target} is a file, not a folder\n"
    )
    assert target.read_text(encoding="utf-8") == "not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_the_sen2_demo_runs_on_what_the_demo_wrote_with_no_hand_step(demo_command):
    """params/demo-sen2.yaml beside the demo's: its returns are written by `sendreport demo`."""
    import subprocess
    import sys

    demo = demo_command["process"]
    assert demo.returncode == 0, demo.stderr
    params = demo_command["out"] / "demo-inputs" / "params" / "demo-sen2.yaml"
    assert "sendreport run " in demo.stdout and "params/demo-sen2.yaml" in demo.stdout
    checked = subprocess.run(
        [str(Path(sys.executable).parent / "sendreport"), "validate", str(params)],
        capture_output=True, text=True, check=False, timeout=300, cwd=demo_command["cwd"],
    )
    assert checked.returncode == 0, checked.stderr
    assert "fit to run" in checked.stdout
    assert "not found" not in checked.stdout + checked.stderr

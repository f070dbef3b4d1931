from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

SENDREPORT = str(Path(sys.executable).parent / "sendreport")


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SENDREPORT, *args], capture_output=True, text=True, cwd=cwd, timeout=600, check=False
    )


def edit(params: Path, **changes) -> Path:
    raw = yaml.safe_load(params.read_text())
    raw.update(changes)
    params.write_text(yaml.safe_dump(raw))
    return params


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"colour": "blue"}, ["params.yaml: colour: unknown key"]),
        ({"data": {"requests": "gone.csv"}}, ["params.yaml: data.requests: file not found"]),
        (
            {"period_start": "2024-09-01"},
            ["period_end (2024-06-30) is before period_start (2024-09-01)"],
        ),
        (
            {"colour": "blue", "data": {"requests": "gone.csv"}, "period_start": "2024-09-01"},
            ["colour: unknown key", "data.requests: file not found", "is before period_start"],
        ),
    ],
)
@pytest.mark.parametrize("command", ["run", "validate"])
def test_bad_params_exit_2_with_one_line_per_problem(params_dir, changes, expected, command):
    params = edit(params_dir / "params.yaml", **changes)
    result = (
        run_cli(command, str(params), "--output-dir", str(params_dir / "out"))
        if command == "run"
        else run_cli(command, str(params))
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == len(expected)
    assert all(line.startswith("sendreport: error: ") for line in lines)
    for text in expected:
        assert sum(text in line for line in lines) == 1, text
    assert not (params_dir / "out").exists(), "no output folder for a refused run"


def test_missing_params_file_exits_2(tmp_path):
    result = run_cli("run", str(tmp_path / "absent.yaml"))
    assert result.returncode == 2
    assert "params file not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_errors_are_argparse_errors():
    result = run_cli("frobnicate")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_synth_same_seed_same_bytes_other_seed_differs(tmp_path):
    for folder, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        result = run_cli("synth", "--out", str(tmp_path / folder), "--seed", seed)
        assert result.returncode == 0, result.stderr
        assert len(result.stdout.strip().splitlines()) == 4
    for name in ("requests.csv", "reviews.csv", "referrals.csv", "measures.csv"):
        a, b, c = ((tmp_path / f / name).read_bytes() for f in "abc")
        assert a == b, name
        assert a != c, name


def test_synth_areas_writes_n_areas_with_params_files_that_validate(tmp_path):
    result = run_cli("synth", "--areas", "3", "--out", str(tmp_path / "s"), "--seed", "5")
    assert result.returncode == 0, result.stderr
    params = sorted((tmp_path / "s" / "params").glob("*.yaml"))
    assert [p.name for p in params] == ["area-1.yaml", "area-2.yaml", "area-3.yaml"]
    assert len(result.stdout.strip().splitlines()) == 3
    names = {yaml.safe_load(p.read_text())["area_name"] for p in params}
    assert len(names) == 3
    requests = [
        (tmp_path / "s" / "areas" / f"area-{i}" / "requests.csv").read_bytes() for i in (1, 2, 3)
    ]
    assert len(set(requests)) == 3, "each area has data of its own"
    check = run_cli("validate", str(params[2]))
    assert check.returncode == 0, check.stderr


def test_synth_areas_below_1_is_a_usage_error(tmp_path):
    result = run_cli("synth", "--areas", "0", "--out", str(tmp_path / "s"))
    assert result.returncode == 2
    assert "--areas must be 1 or more" in result.stderr

"""`sendreport new` creates its files exclusively: it never overwrites or follows a symlink."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from sendreport.errors import ParameterError
from sendreport.pack.scaffold import create_exclusively, new_analysis

SENDREPORT = str(Path(sys.executable).parent / "sendreport")
PRECIOUS = "an analyst's own work\n"


def new(root: Path, name: str = "waits") -> subprocess.CompletedProcess:
    return subprocess.run(
        [SENDREPORT, "new", name, "--root", str(root)],
        capture_output=True, text=True, timeout=300, check=False,
    )


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir())


def refused(done: subprocess.CompletedProcess, *names: Path) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sendreport: error: new: "), done.stderr
    assert "nothing written" in lines[0] and "Traceback" not in done.stderr
    for name in names:
        assert str(name) in lines[0], lines[0]


def test_new_never_overwrites_an_existing_plan_file(tmp_path):
    plan = tmp_path / "params" / "plans" / "waits.yaml"
    plan.parent.mkdir(parents=True)
    plan.write_text(PRECIOUS)
    done = new(tmp_path)
    refused(done, plan)
    assert plan.read_text() == PRECIOUS
    assert files_under(tmp_path) == ["params/plans/waits.yaml"], "nothing half written"


def test_new_never_overwrites_an_existing_demo_table(tmp_path):
    reviews = tmp_path / "data" / "demo" / "reviews.csv"
    reviews.parent.mkdir(parents=True)
    reviews.write_text(PRECIOUS)
    done = new(tmp_path)
    refused(done, reviews)
    assert reviews.read_text() == PRECIOUS
    assert files_under(tmp_path) == ["data/demo/reviews.csv"], "nothing half written"


def test_new_never_writes_through_a_dangling_symlink(tmp_path):
    target = tmp_path / "elsewhere" / "made-by-new.yaml"
    target.parent.mkdir()
    params = tmp_path / "project" / "params" / "waits.yaml"
    params.parent.mkdir(parents=True)
    params.symlink_to(target)
    done = new(tmp_path / "project")
    refused(done, params, "(a symlink)")
    assert not target.exists()
    assert files_under(tmp_path / "project") == ["params/waits.yaml"], "only the symlink"


def test_new_never_writes_through_a_dangling_symlink_among_the_demo_tables(tmp_path):
    target = tmp_path / "elsewhere.csv"
    requests = tmp_path / "project" / "data" / "demo" / "requests.csv"
    requests.parent.mkdir(parents=True)
    requests.symlink_to(target)
    done = new(tmp_path / "project")
    refused(done, requests)
    assert not target.exists()


def test_new_never_writes_through_a_symlink_to_an_existing_file(tmp_path):
    precious = tmp_path / "precious.txt"
    precious.write_text(PRECIOUS)
    plan = tmp_path / "project" / "params" / "plans" / "waits.yaml"
    plan.parent.mkdir(parents=True)
    plan.symlink_to(precious)
    done = new(tmp_path / "project")
    refused(done, plan, "(a symlink)")
    assert precious.read_text() == PRECIOUS


def test_new_writes_every_file_in_an_empty_project(tmp_path):
    notebook, params = new_analysis("waits", tmp_path)
    assert files_under(tmp_path) == [
        "data/demo/measures.csv",
        "data/demo/referrals.csv",
        "data/demo/requests.csv",
        "data/demo/reviews.csv",
        "notebooks/waits.ipynb",
        "params/plans/waits.yaml",
        "params/waits.yaml",
    ]
    assert nbformat.validate(nbformat.read(notebook, as_version=4)) is None
    assert "plan: plans/waits.yaml" in params.read_text()


def test_a_file_that_appears_after_the_check_refuses_and_removes_what_was_created(tmp_path):
    """The race the first check leaves open: exclusive creation closes it."""
    first, late = tmp_path / "first.txt", tmp_path / "late.txt"
    late.symlink_to(tmp_path / "dangling")
    with pytest.raises(ParameterError, match="late.txt already exists; nothing written"):
        create_exclusively({first: b"one", late: b"two"})
    assert not first.exists() and not (tmp_path / "dangling").exists()

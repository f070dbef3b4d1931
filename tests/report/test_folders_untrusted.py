"""Recovery after a kill trusts only the run's own workspaces (SPEC 7).

An output folder may be shared: a ``.tmp-*`` folder planted in it, or a record in one
naming folders elsewhere, must never make the next run move anything.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from sendreport.run.folders import WORKSPACE_PREFIX, Workspace, clean_leftovers


def pack(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.pdf").write_text(text)
    return folder


def killed_workspace(out: Path, destination: Path, old: Path | None = None) -> Path:
    """A workspace as a run killed between its two renames leaves it (made as the library does).

    ``old`` is where its record says the old folder went (by default, where the
    library puts it: ``old-<name>`` inside the workspace).
    """
    out.mkdir(parents=True, exist_ok=True)
    workspace = Path(tempfile.mkdtemp(prefix=WORKSPACE_PREFIX, dir=out))
    (workspace / ".lock").write_text("")
    old = old or workspace / f"old-{destination.name}"
    (workspace / "restore-to").write_text(f"{destination}\n{old}\n", encoding="utf-8")
    return workspace


def next_run(out: Path) -> None:
    with Workspace(out):
        pass


def listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def test_a_genuine_killed_run_is_still_put_back(tmp_path):
    """The control: the library's own record, in its own workspace, is followed."""
    out = tmp_path / "out"
    destination = out / "area" / "2024-12-31"
    workspace = killed_workspace(out, destination)
    pack(workspace / "old-2024-12-31", "old pack")
    (out / "area").mkdir()
    next_run(out)
    assert (destination / "report.pdf").read_text() == "old pack"
    assert not workspace.exists()


def test_a_record_never_moves_the_annex_into_another_areas_pack(tmp_path):
    out = tmp_path / "out"
    annex = pack(out / "area" / "2024-12-31-confidential", "family's private words")
    other = pack(out / "other" / "2024-12-31", "other area's sendable pack")
    before = listing(out / "other")
    killed_workspace(out, other / "2024-12-31-confidential", old=annex)
    next_run(out)
    assert (annex / "report.pdf").read_text() == "family's private words"
    assert listing(out / "other") == before


def test_a_record_never_moves_the_annex_to_another_areas_annex_folder(tmp_path):
    """The destination looks like an area folder, but the folder named is not the workspace's."""
    out = tmp_path / "out"
    annex = pack(out / "area" / "2024-12-31-confidential", "family's private words")
    (out / "other").mkdir()
    killed_workspace(out, out / "other" / "2024-12-31-confidential", old=annex)
    next_run(out)
    assert (annex / "report.pdf").read_text() == "family's private words"
    assert listing(out / "other") == []


def test_a_record_never_moves_a_folder_from_outside_the_outputs(tmp_path):
    out = tmp_path / "out"
    elsewhere = pack(tmp_path / "elsewhere", "not the outputs'")
    (out / "area").mkdir(parents=True)
    killed_workspace(out, out / "area" / "2024-12-31", old=elsewhere)
    next_run(out)
    assert (elsewhere / "report.pdf").read_text() == "not the outputs'"
    assert not (out / "area" / "2024-12-31").exists()


def test_a_record_never_puts_back_outside_an_area_folder_of_the_outputs(tmp_path):
    out = tmp_path / "out"
    target = tmp_path / "elsewhere" / "2024-12-31"
    (tmp_path / "elsewhere").mkdir()
    workspace = killed_workspace(out, target)
    pack(workspace / "old-2024-12-31", "old pack")
    next_run(out)
    assert not target.exists()
    assert (workspace / "old-2024-12-31" / "report.pdf").exists(), "left alone, not lost"


def test_a_record_that_is_a_symlink_is_not_followed(tmp_path):
    out = tmp_path / "out"
    elsewhere = pack(tmp_path / "elsewhere", "not the outputs'")
    (out / "area").mkdir(parents=True)
    workspace = killed_workspace(out, out / "area" / "2024-12-31", old=elsewhere)
    (workspace / "restore-to").rename(tmp_path / "record")
    (workspace / "restore-to").symlink_to(tmp_path / "record")
    next_run(out)
    assert (elsewhere / "report.pdf").exists()
    assert not (out / "area" / "2024-12-31").exists()


def test_an_old_folder_that_is_a_symlink_is_not_published(tmp_path):
    out = tmp_path / "out"
    elsewhere = pack(tmp_path / "elsewhere", "not the outputs'")
    (out / "area").mkdir(parents=True)
    destination = out / "area" / "2024-12-31"
    workspace = killed_workspace(out, destination)
    (workspace / "old-2024-12-31").symlink_to(elsewhere)
    next_run(out)
    assert not destination.exists() and not destination.is_symlink()
    assert (elsewhere / "report.pdf").exists()


def test_an_area_folder_that_is_a_symlink_is_not_followed(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "area").symlink_to(elsewhere)
    workspace = killed_workspace(out, out / "area" / "2024-12-31")
    pack(workspace / "old-2024-12-31", "old pack")
    next_run(out)
    assert list(elsewhere.iterdir()) == []


def planted(out: Path, name: str = ".tmp-planted1", mode: int = 0o700) -> tuple[Path, Path]:
    """A folder shaped like a killed run's workspace, with a record to put a folder back."""
    folder = out / name
    folder.mkdir(parents=True, mode=0o700)
    folder.chmod(mode)
    (folder / ".lock").write_text("")
    destination = out / "area" / "2024-12-31"
    (folder / "restore-to").write_text(f"{destination}\n{folder / 'old-2024-12-31'}\n")
    pack(folder / "old-2024-12-31", "planted pack")
    (out / "area").mkdir(exist_ok=True)
    return folder, destination


@pytest.mark.parametrize("mode", [0o755, 0o770, 0o777])
def test_a_workspace_others_could_write_in_is_left_alone(tmp_path, mode):
    out = tmp_path / "out"
    folder, destination = planted(out, mode=mode)
    assert clean_leftovers(out) == []
    next_run(out)
    assert folder.exists() and not destination.exists()


def test_a_folder_not_named_as_the_library_names_workspaces_is_left_alone(tmp_path):
    out = tmp_path / "out"
    folder, destination = planted(out, name=".tmp-not-a-workspace")
    next_run(out)
    assert folder.exists() and not destination.exists()


def test_a_workspace_symlink_is_left_alone(tmp_path):
    out = tmp_path / "out"
    real, destination = planted(tmp_path / "shared", name=".tmp-planted1")
    (out / "area").mkdir(parents=True)
    (out / ".tmp-planted2").symlink_to(real)
    next_run(out)
    assert real.exists() and not (out / "area" / "2024-12-31").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user needs root")
def test_another_users_workspace_is_left_alone(tmp_path):
    out = tmp_path / "out"
    folder, destination = planted(out)
    os.chown(folder, 65534, 65534)  # nobody
    next_run(out)
    assert folder.exists() and not destination.exists()
    assert (folder / "old-2024-12-31" / "report.pdf").read_text() == "planted pack"

"""The output folder swap: never a moment without a pack; killed runs cleaned up."""

from __future__ import annotations

import fcntl
import threading

import pytest

from sendreport.errors import OutputError
from sendreport.run import folders
from sendreport.run.folders import Workspace, clean_leftovers


def pack(folder, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.pdf").write_text(text)


def test_swaps_never_leave_the_destination_without_a_whole_pack(tmp_path):
    out = tmp_path / "out"
    destination = out / "area" / "2024-12-31"
    pack(destination, "run 0")
    seen, stop = [], threading.Event()

    def reader():
        while not stop.is_set():
            try:
                seen.append((destination / "report.pdf").read_text())
            except FileNotFoundError:
                seen.append(None)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for run in range(1, 101):
            with Workspace(out) as ws:
                (ws.pack / "report.pdf").write_text(f"run {run}")
                ws.publish(ws.pack, destination)
    finally:
        stop.set()
        thread.join()
    assert None not in seen
    assert (destination / "report.pdf").read_text() == "run 100"
    assert sorted(p.name for p in out.iterdir()) == ["area"], "workspaces removed"


def test_the_two_rename_fallback_is_repaired_by_the_next_run(tmp_path, monkeypatch):
    out = tmp_path / "out"
    destination = out / "area" / "2024-12-31"
    pack(destination, "old pack")

    def no_exchange(a, b):
        raise OSError(22, "Invalid argument")

    monkeypatch.setattr(folders, "exchange", no_exchange)
    ws = Workspace(out).__enter__()
    (ws.pack / "report.pdf").write_text("new pack")
    real_rename = type(destination).rename

    def killed_after_first_rename(self, target):
        if self == ws.pack:
            raise KeyboardInterrupt  # the run is killed between the two renames
        return real_rename(self, target)

    monkeypatch.setattr(type(destination), "rename", killed_after_first_rename)
    with pytest.raises(KeyboardInterrupt):
        ws.publish(ws.pack, destination)
    monkeypatch.undo()
    ws._lock.close()  # the killed process's lock goes with it
    assert not destination.exists()
    clean_leftovers(out)
    assert (destination / "report.pdf").read_text() == "old pack"
    assert sorted(p.name for p in out.iterdir()) == ["area"]


def test_leftovers_of_dead_runs_are_removed_and_live_runs_kept(tmp_path):
    names = ("dead0001", "live0001", "new00001")  # as tempfile.mkdtemp names workspaces
    dead, live, unlocked_new = (tmp_path / f".tmp-{n}" for n in names)
    for folder in (dead, live, unlocked_new):
        folder.mkdir(mode=0o700)
        (folder / "kpis.csv").write_text("unchecked\n")
    (dead / ".lock").write_text("")
    with (live / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        removed = clean_leftovers(tmp_path)
        assert removed == [dead]
        assert live.exists()
    assert unlocked_new.exists(), "a workspace being made (no lock yet) is kept for a while"


def test_a_file_where_the_output_folder_should_be_is_refused(tmp_path):
    a_file = tmp_path / "out"
    a_file.write_text("")
    with pytest.raises((OutputError, FileExistsError)):
        with Workspace(a_file):
            pass

"""Where a run writes: its private workspace, and the atomic swap into the output folders.

A run builds everything inside ``<output-dir>/.tmp-XXXXXXXX/`` (mode 0700), a
workspace that holds a locked ``.lock`` file for as long as the run is alive::

    .tmp-XXXXXXXX/pack/      becomes  <area-slug>/<period_end>[-<audience>]/
    .tmp-XXXXXXXX/annex/     becomes  <area-slug>/<period_end>[-<audience>]-confidential/
    .tmp-XXXXXXXX/tables/    the validated tables handed to the kernel (private)

Publishing swaps each new folder with the old one in a single ``renameat2``
call (``RENAME_EXCHANGE``, Linux): at every moment the destination holds
either the whole old pack or the whole new one. Where the file system cannot
exchange, the old folder is first moved into the workspace (which records
where it came from) and the new one renamed in; a run killed between the two
renames leaves its workspace behind, and the next run puts the old folder
back. Every run first removes the workspaces of runs that are no longer alive
(their lock is free), so killed runs leave nothing for long.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
import tempfile
import time
from pathlib import Path

from sendreport.errors import OutputError

WORKSPACE_PREFIX = ".tmp-"
_RESTORE = "restore-to"
_STALE_SECONDS = 3600
"""A workspace without a lock file (killed as it was made) is removed after this long."""


class Workspace:
    """A run's private temporary folder under the output directory.

    Use as a context manager: on leaving, the workspace (and whatever of the
    old outputs was swapped into it) is removed, and so are the output
    directory's folders this run created if they are still empty.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with Workspace(Path(tmp) / "out") as ws:
    ...         _ = (ws.pack / "kpis.csv").write_text("kpi_id")
    ...         ws.publish(ws.pack, Path(tmp) / "out" / "area" / "2024-12-31")
    ...     sorted(p.name for p in (Path(tmp) / "out").iterdir())
    ['area']
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self._created = _missing_ancestors(self.root)
        self.path: Path | None = None
        self._lock = None

    def __enter__(self) -> Workspace:
        self.root.mkdir(parents=True, exist_ok=True)
        if not self.root.is_dir():
            raise OutputError(f"{self.root}: a file is where the output folder should be")
        clean_leftovers(self.root)
        self.path = Path(tempfile.mkdtemp(prefix=WORKSPACE_PREFIX, dir=self.root))
        self._lock = (self.path / ".lock").open("w")
        fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        for name in ("pack", "annex"):
            (self.path / name).mkdir()
            (self.path / name).chmod(0o777 & ~umask())  # outputs follow the usual umask
        return self

    def __exit__(self, kind, value, traceback) -> None:
        try:
            if self.path is not None:
                shutil.rmtree(self.path, ignore_errors=True)
        finally:
            if self._lock is not None:
                self._lock.close()
            if kind is not None:
                for folder in reversed(self._created):
                    with contextlib.suppress(OSError):
                        folder.rmdir()  # only when empty: a refused run leaves no folder

    @property
    def pack(self) -> Path:
        """The new pack's folder."""
        return self.path / "pack"

    @property
    def annex(self) -> Path:
        """The new confidential annex's folder."""
        return self.path / "annex"

    @property
    def tables(self) -> Path:
        """The private folder for the tables handed to the kernel (made by the caller)."""
        return self.path / "tables"

    def publish(self, new: Path, destination: Path) -> None:
        """Put ``new`` at ``destination`` atomically; the old folder ends in the workspace.

        Parameters
        ----------
        new
            A folder inside this workspace.
        destination
            The output folder it replaces (created, with its parents, if missing).
        """
        refuse_non_folder(destination)
        destination.parent.mkdir(parents=True, exist_ok=True)
        if not destination.exists() and not destination.is_symlink():
            new.rename(destination)
            return
        try:
            exchange(new, destination)
        except OSError as err:
            if err.errno not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
                raise
            old = self.path / f"old-{destination.name}"
            (self.path / _RESTORE).write_text(f"{destination}\n{old}\n", encoding="utf-8")
            destination.rename(old)
            new.rename(destination)
            (self.path / _RESTORE).unlink()

    def withdraw(self, destination: Path) -> None:
        """Move an output folder that this run no longer makes into the workspace."""
        if destination.is_dir() and not destination.is_symlink():
            destination.rename(self.path / f"withdrawn-{destination.name}")


def exchange(a: Path, b: Path) -> None:
    """Swap two paths in one atomic step (Linux ``renameat2`` with ``RENAME_EXCHANGE``).

    Raises
    ------
    OSError
        ``ENOSYS`` where the C library has no ``renameat2``, ``EINVAL`` where
        the file system cannot exchange, or the system's error.
    """
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available")
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(b))


def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def clean_leftovers(root: Path) -> list[Path]:
    """Remove the workspaces that runs killed part-way left under ``root``.

    A workspace whose lock is held belongs to a live run and is left alone. An
    old folder that a killed run had moved aside and not replaced is put back.

    Returns
    -------
    list of pathlib.Path
        The workspaces removed.
    """
    removed = []
    for folder in sorted(root.glob(f"{WORKSPACE_PREFIX}*")):
        if not folder.is_dir() or folder.is_symlink() or _alive(folder):
            continue
        restore = folder / _RESTORE
        if restore.exists():
            destination, old = (Path(p) for p in restore.read_text("utf-8").splitlines()[:2])
            if old.is_dir() and not destination.exists():
                old.rename(destination)
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _alive(folder: Path) -> bool:
    lock = folder / ".lock"
    try:
        fh = lock.open("rb")  # never creates it
    except FileNotFoundError:
        return time.time() - folder.stat().st_mtime < _STALE_SECONDS
    except OSError:
        return True
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


def refuse_non_folder(destination: Path) -> None:
    """Refuse a destination that exists and is not a folder (exit code 2)."""
    if destination.exists() and not destination.is_dir():
        raise OutputError(f"{destination}: a file is where the output folder should be")


def refuse_inputs_inside(folders: list[Path], inputs: dict[str, Path]) -> None:
    """Refuse a run whose input files lie inside a folder the run replaces (exit code 2).

    Examples
    --------
    >>> refuse_inputs_inside([Path("/o/a/2024")], {"data.requests": Path("/o/a/2024/r.csv")})
    Traceback (most recent call last):
    ...
    sendreport.errors.OutputError: data.requests: /o/a/2024/r.csv is inside the output folder /o/a/2024, which the run replaces; move it out
    """  # noqa: E501
    for label, path in inputs.items():
        resolved = Path(path).resolve()
        for folder in folders:
            if resolved.is_relative_to(folder.resolve()):
                raise OutputError(
                    f"{label}: {path} is inside the output folder {folder}, which the run "
                    "replaces; move it out"
                )


def umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _missing_ancestors(path: Path) -> list[Path]:
    """The folders ``mkdir(parents=True)`` would create, outermost first."""
    missing = []
    for folder in [path, *path.parents]:
        if folder.exists():
            break
        missing.append(folder)
    return list(reversed(missing))


__all__ = ["Workspace", "clean_leftovers", "exchange", "refuse_inputs_inside", "umask"]

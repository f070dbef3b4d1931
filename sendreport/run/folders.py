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

An output folder may be shared, so a ``.tmp-*`` folder in it is not trusted
for being there (SPEC 7): recovery reads and removes only workspaces this
library made for this user (the name ``tempfile.mkdtemp`` gives, a real
folder, not a symlink, owned by the user running, mode 0700), and puts back
only the workspace's own ``old-<name>`` folder, at ``<area-slug>/<name>``
directly under the output folder, where ``<name>`` is a pack or annex
folder's name (``2024-12-31``, ``2024-12-31-internal``,
``2024-12-31-confidential``), with no symlink on the way. Anything else is
left alone: never followed, never moved.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import re
import shutil
import stat
import tempfile
import time
from pathlib import Path

from sendreport.errors import OutputError

WORKSPACE_PREFIX = ".tmp-"
_RESTORE = "restore-to"
_STALE_SECONDS = 3600
"""A workspace without a lock file (killed as it was made) is removed after this long."""
_WORKSPACE_NAME = re.compile(r"\.tmp-[a-z0-9_]{8}")
"""The names ``tempfile.mkdtemp(prefix=WORKSPACE_PREFIX)`` gives."""
_AREA_FOLDER_NAME = re.compile(r"\d{4}-\d{2}-\d{2}(-[a-z]+)?(-confidential)?")
"""A pack's folder (``<period_end>[-<audience>]``) or its annex's (``...-confidential``)."""
_RESTORE_MAX_BYTES = 8192


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
        self.path.chmod(0o700)  # private whatever the umask: recovery trusts nothing else
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
    Only this user's own workspaces are touched (:func:`own_workspace`), and
    only into one of the area folders directly under ``root``; a ``.tmp-*``
    folder that is not one, or a record naming anywhere else, is left alone.

    Returns
    -------
    list of pathlib.Path
        The workspaces removed.
    """
    removed = []
    for folder in sorted(root.glob(f"{WORKSPACE_PREFIX}*")):
        fd = own_workspace(folder)
        if fd is None:
            continue
        try:
            if _alive(folder) or not _restore(root, fd):
                continue
        finally:
            os.close(fd)
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def own_workspace(folder: Path) -> int | None:
    """Open ``folder`` if it is a workspace this library made for this user.

    That is: named as ``tempfile.mkdtemp`` names a workspace, a folder and not
    a symlink, owned by the user running (effective uid) and of mode 0700, so
    nobody else can have put anything in it.

    Returns
    -------
    int or None
        A file descriptor of the folder (the caller closes it), or ``None``
        when the folder is not one to trust.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp(prefix=WORKSPACE_PREFIX))
    >>> fd = own_workspace(folder); fd is not None
    True
    >>> os.close(fd)
    >>> folder.chmod(0o755)
    >>> own_workspace(folder) is None
    True
    """
    if not _WORKSPACE_NAME.fullmatch(folder.name):
        return None
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None
    info = os.fstat(fd)
    if info.st_uid != os.geteuid() or stat.S_IMODE(info.st_mode) != 0o700:
        os.close(fd)
        return None
    return fd


def _restore(root: Path, workspace: int) -> bool:
    """Put back the old folder a killed run had moved into its workspace, if any.

    Returns ``True`` when the workspace may go: nothing to put back, put back,
    or the new folder is already in place. ``False`` leaves the workspace (and
    what it holds) alone: its record names no area folder of ``root``.
    """
    try:
        fd = os.open(_RESTORE, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=workspace)
    except FileNotFoundError:
        return True
    except OSError:
        return False  # a symlink or worse: not a record this library wrote
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
            return False
        try:
            lines = fh.read(_RESTORE_MAX_BYTES).decode("utf-8").splitlines()
        except UnicodeDecodeError:
            return False
    if not lines:
        return False
    destination = Path(lines[0])
    area, name = destination.parent, destination.name
    if (
        not _AREA_FOLDER_NAME.fullmatch(name)
        or area.name in ("", ".", "..")
        or area.name.startswith(".")
        or os.path.realpath(area.parent) != os.path.realpath(root)
    ):
        return False
    old = f"old-{name}"
    try:
        if not stat.S_ISDIR(os.lstat(old, dir_fd=workspace).st_mode):
            return False
    except FileNotFoundError:
        return True  # the old folder was never moved aside
    try:
        root_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
        try:
            area_fd = os.open(area.name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW,
                              dir_fd=root_fd)
        finally:
            os.close(root_fd)
    except OSError:
        return False  # the area folder is gone, or is a symlink
    try:
        if _exists_in(area_fd, name):
            return True  # the new folder is in place: the old one goes with the workspace
        os.rename(old, name, src_dir_fd=workspace, dst_dir_fd=area_fd)
    except OSError:
        return False  # could not put it back: keep the workspace and what it holds
    finally:
        os.close(area_fd)
    return True


def _exists_in(folder_fd: int, name: str) -> bool:
    """Whether ``name`` exists (as anything, a symlink too) in the folder open as ``folder_fd``."""
    try:
        os.lstat(name, dir_fd=folder_fd)
    except FileNotFoundError:
        return False
    return True


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


__all__ = [
    "Workspace",
    "clean_leftovers",
    "exchange",
    "own_workspace",
    "refuse_inputs_inside",
    "umask",
]

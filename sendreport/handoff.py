"""Hand the runner's work to the notebook's kernel, so a run loads and computes once.

The runner writes the tables it validated as Parquet files into a private
folder of the run's own temporary workspace (folder mode 0700, files 0600,
removed with the workspace when the run ends) and names that folder to the
kernel in the environment variable ``SENDREPORT_VALIDATED_TABLES``, which only
that kernel sees. Without the variable (plain ``papermill``), the notebook
loads and validates the inputs itself, as before; the figures are the same.

A notebook that builds a :class:`~sendreport.pack.Pack` declares it in its
metadata, ``{"sendreport": {"prebuilt_pack": true}}`` (:data:`PREBUILT_PACK`,
read by :func:`declares_prebuilt_pack`). For such a notebook the runner builds
the pack (KPIs, series, SPC, disclosure) while the kernel starts, and leaves it
in the same folder (:func:`write_pack`); the notebook's
``Pack.from_parameters`` takes it when it was built from the same parameters
(:func:`handed_over_pack`), and otherwise builds its own. For any other
notebook the runner leaves word that there is none, so a kernel never waits.

This module is the one both sides read: the runner (:mod:`sendreport.run`)
writes, the pack (:mod:`sendreport.pack`) reads, and neither imports the other.
"""

from __future__ import annotations

import json
import os
import pickle
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from sendreport.errors import ParameterError

TABLES_ENV = "SENDREPORT_VALIDATED_TABLES"
"""Environment variable naming the folder of handed-over tables."""

PARAMS_FOLDER_ENV = "SENDREPORT_PARAMS_FOLDER"
"""Environment variable naming the params file's folder, which the runner's kernel resolves
the injected parameters' relative paths against (the folder that may be sent names no
absolute path, SPEC 7)."""

_INDEX = "tables.json"
_PACK = "pack.pickle"
_NO_PACK = "pack.none"
PACK_WAIT = 600.0
"""Seconds the kernel waits for the runner's pack before building its own."""

PREBUILT_PACK = "prebuilt_pack"
"""Key under the notebook metadata's ``sendreport`` entry: ``true`` asks the runner for its pack."""


def declares_prebuilt_pack(metadata: Mapping[str, Any], *, notebook: str = "notebook") -> bool:
    """Whether a notebook's metadata asks the runner to build its pack while the kernel starts.

    The declaration is ``{"sendreport": {"prebuilt_pack": true}}`` in the
    notebook's top-level metadata; without it the answer is ``False``.

    Parameters
    ----------
    metadata
        The notebook's metadata (``nbformat.read(path, 4).metadata``).
    notebook
        The notebook's name, for the error message.

    Raises
    ------
    ParameterError
        The entry is there but is not a mapping, or its value is not ``true`` or ``false``.

    Examples
    --------
    >>> declares_prebuilt_pack({"sendreport": {"prebuilt_pack": True}})
    True
    >>> declares_prebuilt_pack({"kernelspec": {}})
    False
    >>> declares_prebuilt_pack({"sendreport": {"prebuilt_pack": "yes"}}, notebook="a.ipynb")
    Traceback (most recent call last):
    ...
    sendreport.errors.ParameterError: a.ipynb: metadata sendreport.prebuilt_pack must be ...
    """
    entry = metadata.get("sendreport", {})
    if not isinstance(entry, Mapping):
        raise ParameterError(
            f"{notebook}: metadata sendreport must be a mapping, not {type(entry).__name__}"
        )
    value = entry.get(PREBUILT_PACK, False)
    if not isinstance(value, bool):
        raise ParameterError(
            f"{notebook}: metadata sendreport.{PREBUILT_PACK} must be true or false, not {value!r}"
        )
    return value


def write_validated(loaded, folder: str | Path) -> Path:
    """Write a :class:`~sendreport.validation.LoadedData` as private Parquet files.

    Parameters
    ----------
    loaded
        The validated tables and their quality counts.
    folder
        A folder only this run uses; created with mode 0700 if missing.

    Returns
    -------
    pathlib.Path
        The folder, to pass to the kernel in ``SENDREPORT_VALIDATED_TABLES``.

    Examples
    --------
    >>> import tempfile
    >>> from sendreport.validation import LoadedData
    >>> frame = pd.DataFrame({"kpi": ["a"], "count": [1]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = write_validated(LoadedData({"t": frame}, frame, frame), Path(tmp) / "x")
    ...     oct(folder.stat().st_mode & 0o777), sorted(read_validated(folder).tables)
    ('0o700', ['t'])
    """
    folder = Path(folder)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    names = {}
    for number, (name, frame) in enumerate(loaded.tables.items()):
        names[name] = f"table-{number}.parquet"
        _write_private(frame, folder / names[name])
    _write_private(loaded.quality, folder / "quality.parquet")
    _write_private(loaded.recodes, folder / "recodes.parquet")
    index = folder / _INDEX
    with os.fdopen(os.open(index, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as fh:
        json.dump(names, fh)
    return folder


def read_validated(folder: str | Path):
    """Read the tables :func:`write_validated` wrote, as a ``LoadedData``.

    Parameters
    ----------
    folder
        The folder named in ``SENDREPORT_VALIDATED_TABLES``.

    Returns
    -------
    sendreport.validation.LoadedData
        ``tables``, ``quality`` and ``recodes`` as validated by the runner (``examples`` and
        ``excluded`` are empty: the notebook never prints them).
    """
    from sendreport.validation import LoadedData

    folder = Path(folder)
    names = json.loads((folder / _INDEX).read_text(encoding="utf-8"))
    tables = {name: pd.read_parquet(folder / file) for name, file in names.items()}
    quality = pd.read_parquet(folder / "quality.parquet")
    recodes = pd.read_parquet(folder / "recodes.parquet")
    return LoadedData(tables=tables, quality=quality, examples=pd.DataFrame(), recodes=recodes)


def handed_over():
    """The runner's validated tables when this process is a runner's kernel, else ``None``.

    Examples
    --------
    >>> os.environ.pop(TABLES_ENV, None) and None
    >>> handed_over() is None
    True
    """
    folder = os.environ.get(TABLES_ENV)
    return read_validated(folder) if folder else None


def params_folder() -> Path:
    """The folder a notebook's relative paths resolve against.

    In a runner's kernel, the params file's folder (named in
    ``SENDREPORT_PARAMS_FOLDER``): the runner injects every input path relative
    to it, so the executed notebook holds no absolute path of the machine, and
    the kernel itself works in the new pack's folder. Without the variable (plain
    ``papermill NOTEBOOK OUT -f PARAMS.yaml`` run from the params file's folder),
    the working folder.

    Examples
    --------
    >>> os.environ.pop(PARAMS_FOLDER_ENV, None) and None
    >>> params_folder() == Path(".").resolve()
    True
    """
    return Path(os.environ.get(PARAMS_FOLDER_ENV) or ".").resolve()


def write_pack(pack, folder: str | Path) -> None:
    """Leave the runner's pack for the kernel: ``None`` says there will be none.

    Written under a temporary name (mode 0600) and renamed, so the kernel
    never reads half a file.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     write_pack({"figures": 1}, tmp)
    ...     oct((Path(tmp) / "pack.pickle").stat().st_mode & 0o777)
    '0o600'
    """
    folder = Path(folder)
    name = _PACK if pack is not None else _NO_PACK
    part = folder / f".{name}.part"
    with os.fdopen(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as fh:
        if pack is not None:
            pickle.dump(pack, fh, protocol=pickle.HIGHEST_PROTOCOL)
    part.replace(folder / name)


def handed_over_pack(params, *, wait: float = PACK_WAIT):
    """The runner's pack when this is a runner's kernel and it was built from ``params``.

    Waits (at most ``wait`` seconds) for the runner to finish it. ``None``
    without a runner, when the runner made none, or when the notebook's
    parameters differ from the runner's (a notebook that changes them first).

    Examples
    --------
    >>> os.environ.pop(TABLES_ENV, None) and None
    >>> handed_over_pack(None) is None
    True
    """
    folder = os.environ.get(TABLES_ENV)
    if not folder:
        return None
    path, none = Path(folder) / _PACK, Path(folder) / _NO_PACK
    deadline = time.monotonic() + wait
    while not path.exists() and not none.exists():
        if time.monotonic() > deadline:
            return None
        time.sleep(0.01)
    if not path.exists():
        return None
    with path.open("rb") as fh:
        pack = pickle.load(fh)  # the run's own private folder, written by the runner
    return pack if pack.params == params else None


def _write_private(frame: pd.DataFrame, path: Path) -> None:
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as fh:
        frame.to_parquet(fh, index=False)


__all__ = [
    "PACK_WAIT",
    "PARAMS_FOLDER_ENV",
    "PREBUILT_PACK",
    "TABLES_ENV",
    "declares_prebuilt_pack",
    "handed_over",
    "handed_over_pack",
    "params_folder",
    "read_validated",
    "write_pack",
    "write_validated",
]

"""Hand the runner's validated tables to the notebook's kernel, so a run loads its inputs once.

The runner writes the tables it validated as Parquet files into a private
folder of the run's own temporary workspace (folder mode 0700, files 0600,
removed with the workspace when the run ends) and names that folder to the
kernel in the environment variable ``SENDREPORT_VALIDATED_TABLES``, which only
that kernel sees. Without the variable (plain ``papermill``), the notebook
loads and validates the inputs itself, as before; the figures are the same.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

TABLES_ENV = "SENDREPORT_VALIDATED_TABLES"
"""Environment variable naming the folder of handed-over tables."""

_INDEX = "tables.json"


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
        ``tables`` and ``quality`` as validated by the runner (``examples`` and
        ``excluded`` are empty: the notebook never prints them).
    """
    from sendreport.validation import LoadedData

    folder = Path(folder)
    names = json.loads((folder / _INDEX).read_text(encoding="utf-8"))
    tables = {name: pd.read_parquet(folder / file) for name, file in names.items()}
    quality = pd.read_parquet(folder / "quality.parquet")
    return LoadedData(tables=tables, quality=quality, examples=pd.DataFrame())


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


def _write_private(frame: pd.DataFrame, path: Path) -> None:
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as fh:
        frame.to_parquet(fh, index=False)


__all__ = ["TABLES_ENV", "handed_over", "read_validated", "write_validated"]

"""Readers for analysts' input files: CSV, XLSX and Parquet (SPEC section 4).

A reader returns the file as it is: the local column names, every cell as found
(CSV cells are text; Excel and Parquet cells keep their own types), and the row
number of each data row as the analyst sees it in the file. Mapping local names
and codes onto the canonical ones, type conversion and the rules belong to
:mod:`sendreport.validation`.

Row numbers are 1-based and count the header: with the header on row 1 (the
default) the first data row is row 2, as in Excel or a text editor. Blank rows
keep their place, so numbers after a blank row still match the file. (A CSV
cell that spans several lines inside quotes counts as one row, as in Excel.)
Parquet files have no header row: their rows are numbered from 1.
"""

from __future__ import annotations

import codecs
import csv
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sendreport.errors import DataValidationError

READERS = {".csv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".parquet": "parquet"}
"""File extensions we read, and the reader each one uses."""

UTF8 = "utf-8"
WINDOWS_1252 = "windows-1252"
_CHUNK = 1 << 24


@dataclass(frozen=True)
class RawTable:
    """A table as read from its file, before mapping and validation.

    Attributes
    ----------
    frame
        The cells as found, with the file's own column names and a ``RangeIndex``.
    row_numbers
        The 1-based row number in the file of each row of ``frame``.
    path
        The file read.
    encoding
        ``"utf-8"`` or ``"windows-1252"`` for CSV files; ``None`` otherwise.
    """

    frame: pd.DataFrame
    row_numbers: np.ndarray
    path: Path
    encoding: str | None = None
    notes: tuple[str, ...] = field(default=())


def read_table(path: str | Path, *, header_row: int = 1, sheet: str | None = None) -> RawTable:
    r"""Read one input table from a CSV, XLSX or Parquet file.

    Parameters
    ----------
    path
        The file; its extension (``.csv``, ``.xlsx``, ``.parquet``) chooses the reader.
    header_row
        The 1-based row number of the header, as Excel numbers rows: ``3`` skips two
        title rows above the header. Ignored for Parquet.
    sheet
        The worksheet of an Excel workbook; the first sheet when ``None``.

    Returns
    -------
    RawTable
        The cells as found and the file row number of every data row.

    Raises
    ------
    DataValidationError
        When the file is missing, a directory, empty, of an unknown type or cannot
        be read as a table. The message names the file and the rule.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("a,b\n1,x\n\n2,y\n")
    >>> raw = read_table(p)
    >>> raw.row_numbers.tolist()
    [2, 3, 4]
    """
    path = Path(path)
    if not isinstance(header_row, int) or isinstance(header_row, bool) or header_row < 1:
        _fail(path, f"header_row must be a whole number of 1 or more, not {header_row!r}",
              "header_row")
    if not path.exists():
        _fail(path, "file not found", "file_missing")
    if path.is_dir():
        _fail(path, "is a directory, not a file", "not_a_file")
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        known = ", ".join(sorted(READERS))
        _fail(path, f"unknown file type {path.suffix or '(no extension)'!r}; expected one of "
              f"{known}", "unknown_file_type")
    try:
        size = path.stat().st_size
    except OSError as err:
        _fail(path, f"cannot be read ({err.strerror})", "unreadable", err)
    if size == 0:
        _fail(path, "is empty (0 bytes)", "empty_file")
    try:
        if kind == "csv":
            return _read_csv(path, header_row)
        if kind == "xlsx":
            return _read_xlsx(path, header_row, sheet)
        return _read_parquet(path)
    except DataValidationError:
        raise
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, pd.errors.ParserError) as err:
        _fail(path, f"cannot be read as a {kind.upper()} table ({_short(err)})", "unreadable", err)
    raise AssertionError("unreachable")  # pragma: no cover


def detect_encoding(path: Path) -> str:
    """Return ``"utf-8"`` when the whole file is valid UTF-8, else ``"windows-1252"``.

    Excel on Windows saves "CSV" as Windows-1252; every byte sequence that is not
    UTF-8 is read that way. The file is checked in chunks, so memory stays small.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return WINDOWS_1252
    return UTF8


def _read_csv(path: Path, header_row: int) -> RawTable:
    with path.open("rb") as handle:
        head = handle.read(8192)
    if b"\x00" in head:
        _fail(path, "is not a text table (binary content)", "not_a_table")
    encoding = detect_encoding(path)
    text_encoding = "utf-8-sig" if encoding == UTF8 else "cp1252"
    if not head.strip(b"\xef\xbb\xbf \t\r\n,;"):
        _fail(path, "has no header row (the file is blank)", "empty_file")
    skip = _leading_lines(path, text_encoding, header_row)
    options = {"encoding": text_encoding, "skiprows": skip, "header": 0,
               "skip_blank_lines": False}
    try:
        # pandas reads text fastest with its own type inference; any column it did not
        # keep as text (numbers, booleans, empty, mixed) is read again as text, so that
        # identifiers keep their leading zeros and cells stay exactly as written.
        with warnings.catch_warnings():  # mixed chunks come back as object: read again
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            frame = pd.read_csv(path, **options)
        retyped = [i for i, dtype in enumerate(frame.dtypes) if not _is_text(dtype)]
        if retyped:
            again = pd.read_csv(path, usecols=retyped, dtype=str, **options)
            frame = frame.copy()
            for i, name in zip(retyped, again.columns, strict=True):
                frame.isetitem(i, again[name])
    except pd.errors.EmptyDataError:
        _fail(path, f"has no header row on row {header_row}", "empty_file")
    except UnicodeDecodeError as err:
        _fail(path, "is neither UTF-8 nor Windows-1252 text", "unknown_encoding", err)
    except pd.errors.ParserError as err:
        _fail(path, f"is not a regular table: {_short(err)}", "not_a_table", err)
    frame.columns = [str(c) for c in frame.columns]
    rows = np.arange(len(frame), dtype=np.int64) + header_row + 1
    notes = (f"read as {encoding}",)
    return RawTable(frame.reset_index(drop=True), rows, path, encoding, notes)


def _leading_lines(path: Path, encoding: str, header_row: int) -> int:
    """Return how many physical lines precede the header row (title rows)."""
    if header_row == 1:
        return 0
    with path.open(encoding=encoding, errors="replace", newline="") as handle:  # title rows
        reader = csv.reader(handle)
        lines = 0
        for _ in range(header_row - 1):
            if next(reader, None) is None:
                _fail(path, f"has fewer than {header_row} rows, so no header on row "
                      f"{header_row}", "empty_file")
            lines = reader.line_num
    return lines


def _read_xlsx(path: Path, header_row: int, sheet: str | None) -> RawTable:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
        _fail(path, f"is not an Excel workbook ({_short(err)})", "unreadable", err)
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            _fail(path, f"has no sheet {sheet!r}; found {', '.join(book.sheetnames)}",
                  "sheet_missing")
        cells = list(ws.iter_rows(values_only=True))
    finally:
        book.close()
    while cells and all(_blank(v) for v in cells[-1]):
        cells.pop()
    if len(cells) < header_row:
        _fail(path, f"has no header row on row {header_row}", "empty_file")
    header = [("" if v is None else str(v)).strip() for v in cells[header_row - 1]]
    width = max(len(r) for r in cells)
    header += [""] * (width - len(header))
    names = [h if h else f"unnamed_{i + 1}" for i, h in enumerate(header)]
    body = [list(r) + [None] * (width - len(r)) for r in cells[header_row:]]
    frame = pd.DataFrame(body, columns=names, dtype=object)
    if not len(body):
        frame = pd.DataFrame({n: pd.Series(dtype=object) for n in names})
    rows = np.arange(len(frame), dtype=np.int64) + header_row + 1
    return RawTable(frame, rows, path)


def _read_parquet(path: Path) -> RawTable:
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError, ImportError) as err:
        _fail(path, f"is not a Parquet file ({_short(err)})", "unreadable", err)
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    rows = np.arange(len(frame), dtype=np.int64) + 1
    return RawTable(frame, rows, path)


def _is_text(dtype: object) -> bool:
    return isinstance(dtype, pd.StringDtype)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _short(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0][:200] if text else type(err).__name__


def _fail(path: Path, problem: str, rule: str, cause: BaseException | None = None) -> None:
    failures = pd.DataFrame(
        {"table": [""], "file": [str(path)], "column": [""], "rule": [rule], "count": [0],
         "example_rows": [""]}
    )
    raise DataValidationError(f"{path}: {problem} (rule: {rule})", failures) from cause


__all__ = ["READERS", "RawTable", "detect_encoding", "read_table"]

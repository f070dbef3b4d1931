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

A CSV file is UTF-8 or Windows-1252, decided per file; a UTF-8 file with a few
stray Windows-1252 bytes keeps its UTF-8 text and reads only those bytes as
Windows-1252, with a warning naming the lines (:func:`decode_csv`).
"""

from __future__ import annotations

import codecs
import csv
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd

from sendreport.errors import DataValidationError, SendReportWarning
from sendreport.yamlfile import check_regular_file

READERS = {".csv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".parquet": "parquet"}
"""File extensions we read, and the reader each one uses."""

UTF8 = "utf-8"
WINDOWS_1252 = "windows-1252"
MIXED = "utf-8 (some lines windows-1252)"
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
"""A valid UTF-8 sequence of two or more bytes: a file with none is not UTF-8 at all."""
MEMORY_FACTOR = {"csv": 12, "xlsx": 50, "parquet": 50}
"""Memory needed to read and validate a table, as a multiple of its file size.

Measured peaks of reading and validating a referrals table (one million rows
as CSV and Parquet, 100,000 as XLSX): 8.2 times the file size for CSV, 39 for
XLSX and 40 for Parquet (both compressed); the factors add room for the figures.
"""
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
        ``"utf-8"``, ``"windows-1252"`` or ``"utf-8 (some lines windows-1252)"`` for
        CSV files (see :func:`decode_csv`); ``None`` otherwise.
    notes
        What the reader noticed: the encoding, and the line numbers read as
        Windows-1252 in a mixed file.
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
        When the file is missing, a directory, a FIFO or device, empty, of an
        unknown type, too large for the memory available (checked before reading,
        see :func:`check_memory`) or cannot be read as a table. The message names
        the file and the rule.

    Warns
    -----
    SendReportWarning
        When a UTF-8 CSV file holds bytes that are not UTF-8 (read as
        Windows-1252, see :func:`decode_csv`), naming the file and the lines.

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
    if not path.is_file():  # a FIFO would hang the run, a device never ends
        problem = check_regular_file(path, what="file")
        _fail(path, (problem or "not a regular file").split(": ")[1], "not_a_file")
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
    check_memory(path, size, kind)
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


def check_memory(path: Path, size: int, kind: str) -> None:
    """Refuse a file too large to read in the memory available, before reading it.

    Reading a table takes about ``MEMORY_FACTOR[kind]`` times the file's size
    (text cells become Python objects; XLSX and Parquet are compressed). A file
    that would need more than the memory available fails at once with a clear
    message (exit code 2), rather than after minutes of swapping or a crash.

    Parameters
    ----------
    path
        The file, for the message.
    size
        Its size in bytes.
    kind
        ``"csv"``, ``"xlsx"`` or ``"parquet"``.

    Raises
    ------
    DataValidationError
        With rule ``too_large_for_memory``.

    Examples
    --------
    >>> check_memory(Path("small.csv"), 1_000, "csv")  # a kilobyte always fits
    """
    needed = size * MEMORY_FACTOR[kind]
    available = available_memory()
    if available is not None and needed > available:
        _fail(
            path,
            f"is {_bytes(size)}; reading it needs about {_bytes(needed)} of memory but only "
            f"{_bytes(available)} is available. Export a shorter period (or fewer columns), or "
            "run on a machine with more memory",
            "too_large_for_memory",
        )


def available_memory() -> int | None:
    """Return the bytes of memory this process may still use, or ``None`` when unknown.

    The smaller of the memory the system reports available and what is left
    under a container's (cgroup v2) memory limit.
    """
    limits = []
    try:
        import psutil

        limits.append(int(psutil.virtual_memory().available))
    except (ImportError, OSError):  # pragma: no cover - psutil is a dependency
        pass
    cgroup = Path("/sys/fs/cgroup")
    try:
        limit = (cgroup / "memory.max").read_text().strip()
        if limit.isdigit():
            used = int((cgroup / "memory.current").read_text().strip())
            limits.append(max(int(limit) - used, 0))
    except (OSError, ValueError):
        pass
    return min(limits) if limits else None


def _bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000
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


def decode_csv(data: bytes) -> tuple[str, str, list[int]]:
    r"""Decode a CSV file's bytes, line by line where the file mixes encodings.

    A file that is UTF-8 throughout is UTF-8; a file with no UTF-8 sequence of
    two or more bytes is Windows-1252 throughout (as Excel on Windows saves it).
    A UTF-8 file with a few stray Windows-1252 bytes (a cell pasted from
    elsewhere) is read as UTF-8, and only the bytes that are not UTF-8 are read
    as Windows-1252: everything else, such as service names with en dashes,
    stays right, and the lines holding such bytes are named.

    Parameters
    ----------
    data
        The file's bytes.

    Returns
    -------
    text : str
        The decoded text (a UTF-8 byte order mark dropped).
    encoding : str
        ``"utf-8"``, ``"windows-1252"`` or ``"utf-8 (some lines windows-1252)"``.
    fallback_lines : list of int
        The 1-based numbers of the lines holding bytes read as Windows-1252.

    Raises
    ------
    UnicodeDecodeError
        When a line is neither UTF-8 nor Windows-1252.

    Examples
    --------
    >>> data = "a,b\nSaLT \u2013 Team A,1\n".encode() + b"x\x96y,2\n"
    >>> text, encoding, lines = decode_csv(data)
    >>> text.splitlines()[1:], encoding, lines
    (['SaLT \u2013 Team A,1', 'x\u2013y,2'], 'utf-8 (some lines windows-1252)', [3])
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode(UTF8), UTF8, []
    except UnicodeDecodeError:
        pass
    if not _UTF8_SEQUENCE.search(data):
        return data.decode("cp1252"), WINDOWS_1252, []
    decoded: list[str] = []
    fallback: list[int] = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            decoded.append(line.decode(UTF8))
        except UnicodeDecodeError:
            decoded.append(_decode_mixed(line))
            fallback.append(number)
    return "\n".join(decoded), MIXED, fallback


def _decode_mixed(line: bytes) -> str:
    """Decode UTF-8, reading only the bytes that are not UTF-8 as Windows-1252."""
    parts = []
    while True:
        try:
            parts.append(line.decode(UTF8))
            return "".join(parts)
        except UnicodeDecodeError as err:
            parts.append(line[: err.start].decode(UTF8))
            parts.append(line[err.start : err.end].decode("cp1252"))
            line = line[err.end :]


def _read_csv(path: Path, header_row: int) -> RawTable:
    with path.open("rb") as handle:
        head = handle.read(8192)
    if b"\x00" in head:
        _fail(path, "is not a text table (binary content)", "not_a_table")
    encoding = detect_encoding(path)
    if not head.strip(b"\xef\xbb\xbf \t\r\n,;"):
        _fail(path, "has no header row (the file is blank)", "empty_file")
    text: str | None = None
    notes: tuple[str, ...] = ()
    if encoding != UTF8:
        try:
            text, encoding, fallback = decode_csv(path.read_bytes())
        except UnicodeDecodeError as err:
            _fail(path, "is neither UTF-8 nor Windows-1252 text", "unknown_encoding", err)
        if fallback:
            lines = _some(fallback)
            notes = (f"{len(fallback):,} line(s) not UTF-8, read as Windows-1252: {lines}",)
            warnings.warn(
                f"{path}: mostly UTF-8, but {len(fallback):,} line(s) are not; read those as "
                f"Windows-1252 (lines {lines}): check their text",
                SendReportWarning,
                stacklevel=4,
            )
        elif encoding == WINDOWS_1252:
            text = None  # read straight from the file, as pandas does it fastest
    text_encoding = "utf-8-sig" if encoding == UTF8 else "cp1252"

    def source() -> Path | StringIO:
        return path if text is None else StringIO(text)

    skip = _leading_lines(path, source(), text_encoding, header_row)
    options = {"skiprows": skip, "header": 0, "skip_blank_lines": False}
    if text is None:
        options["encoding"] = text_encoding
    try:
        # pandas reads text fastest with its own type inference; any column it did not
        # keep as text (numbers, booleans, empty, mixed) is read again as text, so that
        # identifiers keep their leading zeros and cells stay exactly as written.
        with warnings.catch_warnings():  # mixed chunks come back as object: read again
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            frame = pd.read_csv(source(), **options)
        retyped = [i for i, dtype in enumerate(frame.dtypes) if not _is_text(dtype)]
        if retyped:
            again = pd.read_csv(source(), usecols=retyped, dtype=str, **options)
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
    notes = (f"read as {encoding}", *notes)
    return RawTable(frame.reset_index(drop=True), rows, path, encoding, notes)


def _some(numbers: list[int], limit: int = 10) -> str:
    shown = ", ".join(str(n) for n in numbers[:limit])
    return shown + (f" and {len(numbers) - limit:,} more" if len(numbers) > limit else "")


def _leading_lines(path: Path, source: Path | StringIO, encoding: str, header_row: int) -> int:
    """Return how many physical lines precede the header row (title rows)."""
    if header_row == 1:
        return 0
    if isinstance(source, Path):
        handle = source.open(encoding=encoding, errors="replace", newline="")
    else:
        handle = source
    with handle:
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


__all__ = [
    "READERS",
    "RawTable",
    "available_memory",
    "check_memory",
    "decode_csv",
    "detect_encoding",
    "read_table",
]

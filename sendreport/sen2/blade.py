"""Read the COLLECT "Blade" CSV export of a SEN2 return into the records of a person.

COLLECT exports one CSV per module, ``Blade-Export_<DD-MM-YYYY>_<table>.csv``,
with the XML tags as lower-case column names, a ``<table>tableid`` key and a
``<parent>tableid`` link to the parent module. Dates look like
``2022-Sep-28 00:00:00``; they are turned into ISO dates here, so the rest of
the reader sees what an XML file would give.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from sendreport.errors import DataValidationError
from sendreport.io import MEMORY_FACTOR
from sendreport.sen2.codes import ALIASES, HEADER_FIELDS, TREE
from sendreport.sen2.stream import Notes, Record
from sendreport.yamlfile import check_regular_file

MODULES = ("sen2", "person", "requests", "assessment", "namedplan", "plandetail",
           "activeplans", "placementdetail", "senneed")
"""The Blade tables, header first."""

PARENT = {"person": "sen2", "requests": "person", "assessment": "requests",
          "namedplan": "assessment", "plandetail": "namedplan", "activeplans": "requests",
          "placementdetail": "activeplans", "senneed": "activeplans"}

_BLADE_DATE = re.compile(r"^\d{4}-[A-Za-z]{3}-\d{1,2}(?: \d{2}:\d{2}(?::\d{2})?)?$")
_BOOKKEEPING = ("nativeid", "sourceid")


BLADE_MEMORY_FACTOR = MEMORY_FACTOR["csv"]
"""Memory needed to read a Blade export, as a multiple of its CSV files' total size."""


def blade_files(folder: Path) -> dict[str, Path]:
    r"""Return the Blade CSV of each module found in ``folder`` (by its ``_<table>.csv`` end).

    Every ``.csv`` entry of the folder must be a regular file (a symbolic link
    to one is followed), as for every other input: a FIFO would hang the run
    and a device such as ``/dev/zero`` never ends. It is checked without
    opening it.

    Raises
    ------
    DataValidationError
        Naming the first entry that is not a regular file (rule
        ``not_a_regular_file``, exit code 2).

    Examples
    --------
    >>> import os, tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "Blade-Export_07-03-2025_person.csv").write_text("persontableid\n1\n")
    >>> sorted(blade_files(folder))
    ['person']
    >>> os.mkfifo(folder / "Blade-Export_07-03-2025_requests.csv")
    >>> try:
    ...     blade_files(folder)
    ... except DataValidationError as err:
    ...     print(str(err).replace(str(folder), "FOLDER"))
    SEN2 Blade file: is a FIFO (named pipe), not a regular file: FOLDER/Blade-Export_07-03-2025_requests.csv (rule: not_a_regular_file)
    """  # noqa: E501
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        name = path.name.lower()
        if not name.endswith(".csv"):
            continue
        problem = check_regular_file(path, what="SEN2 Blade file")
        if problem is not None:
            raise DataValidationError(f"{problem} (rule: not_a_regular_file)")
        table = name[: -len(".csv")].rsplit("_", 1)[-1]
        if table in MODULES:
            found[table] = path
    return found


def iso_dates(values: pd.Series) -> pd.Series:
    """Turn Blade dates (``2022-Sep-28 00:00:00``) into ISO dates; leave other text alone.

    Examples
    --------
    >>> iso_dates(pd.Series(["2022-Sep-28 00:00:00", "2024-01-05"])).tolist()
    ['2022-09-28', '2024-01-05']
    """
    text = values.astype(object)
    blade = text.map(lambda v: isinstance(v, str) and bool(_BLADE_DATE.match(v)))
    if blade.any():
        parsed = pd.to_datetime(text[blade].str.slice(0, 11), format="%Y-%b-%d",
                                errors="coerce")
        text = text.copy()
        text[blade] = parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), text[blade])
    return text


def read_blade(folder: Path, on_header: Callable[[dict, int], None],
               on_person: Callable[[Record], None], notes: Notes) -> None:
    """Read a Blade export folder: ``on_header`` once, then ``on_person`` per person.

    Raises
    ------
    DataValidationError
        If the folder has no ``sen2`` or ``person`` table, or a table lacks
        its key columns.
    """
    files = blade_files(folder)
    missing = [m for m in ("sen2", "person") if m not in files]
    if missing:
        raise DataValidationError(
            f"{folder}: not a SEN2 Blade export: no {' or '.join(missing)} table "
            f"(looked for files ending _{missing[0]}.csv) (rule: not_sen2)")
    frames = {module: _read(path, module) for module, path in files.items()}
    header = frames["sen2"]
    fields = {c: header[c].iloc[0] if len(header) else None for c in header.columns
              if c in HEADER_FIELDS}
    fields = {k: (str(v).strip() or None) if v is not None else None for k, v in fields.items()}
    if fields.get("referencedate"):
        fields["referencedate"] = iso_dates(pd.Series([fields["referencedate"]])).iloc[0]
    on_header(fields, 2)
    children: dict[str, dict[str, list[Record]]] = {}
    for module in reversed(MODULES[2:]):
        frame = frames.get(module)
        if frame is None:
            continue
        children[module] = _records(frame, module, files[module], children, notes)
    people = frames["person"]
    key = "persontableid"
    if key not in people.columns:
        raise DataValidationError(
            f"{files['person']}: column persontableid is missing (rule: required_column)")
    kept = [c for c in people.columns if c in TREE["person"][0]]
    _unrecognised(people, "person", notes)
    for i, row in enumerate(people.itertuples(index=False)):
        values = dict(zip(people.columns, row, strict=True))
        record: Record = {"_line": i + 2, "_id": values[key]}
        for c in kept:
            record[c] = values[c]
        requests = children.get("requests", {}).get(values[key])
        if requests:
            record["requests"] = requests
        for c in kept:
            if record[c] is not None:
                notes.tag_lines.setdefault(c, i + 2)
        on_person(record)


def _read(path: Path, module: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise DataValidationError(
            f"{path}: cannot be read as CSV ({err.__class__.__name__}) "
            "(rule: unreadable_file)") from None
    frame.columns = [ALIASES.get(str(c).strip().lower(), str(c).strip().lower())
                     for c in frame.columns]
    frame = frame.apply(lambda s: s.str.strip()).astype(object)
    frame = frame.where(frame.ne(""), None)
    order = f"{module}orderseqcolumn"
    if order in frame.columns:
        rank = pd.to_numeric(frame[order], errors="coerce")
        frame = frame.iloc[rank.argsort(kind="stable")].reset_index(drop=True)
    for column in frame.columns:
        if "date" in column or column in ("lastreview", "reviewmeeting", "reviewdraft"):
            frame[column] = iso_dates(frame[column])
    return frame


def _unrecognised(frame: pd.DataFrame, module: str, notes: Notes) -> None:
    fields, _ = TREE.get(module, (HEADER_FIELDS, frozenset()))
    parent = PARENT.get(module, "")
    own = {f"{module}tableid", f"{parent}tableid", f"{module}orderseqcolumn", *_BOOKKEEPING}
    for column in frame.columns:
        if column not in fields and column not in own:
            notes.unrecognised[(module, column)] += int(frame[column].notna().sum()) or 1


def _records(frame: pd.DataFrame, module: str, path: Path,
             children: dict[str, dict[str, list[Record]]],
             notes: Notes) -> dict[str, list[Record]]:
    """Group a module's rows under their parent's table id, with their own children nested."""
    key, parent_key = f"{module}tableid", f"{PARENT[module]}tableid"
    for column in (key, parent_key):
        if column not in frame.columns:
            raise DataValidationError(
                f"{path}: column {column} is missing (rule: required_column)")
    fields, kids = TREE[module]
    kept = [c for c in frame.columns if c in fields]
    _unrecognised(frame, module, notes)
    grouped: dict[str, list[Record]] = defaultdict(list)
    for i, row in enumerate(frame.itertuples(index=False)):
        values = dict(zip(frame.columns, row, strict=True))
        record: Record = {"_line": i + 2, "_id": values[key]}
        for c in kept:
            record[c] = values[c]
            if values[c] is not None:
                notes.tag_lines.setdefault(c, i + 2)
        for kid in kids:
            nested = children.get(kid, {}).get(values[key])
            if nested:
                record[kid] = nested
        grouped[values[parent_key]].append(record)
    return grouped

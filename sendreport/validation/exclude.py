"""``exclude``: records the analyst has confirmed should not count (SPEC 3).

Per table, a CSV (or XLSX) with a ``reason`` column and either or both of:

- ``id``: the table's records with those ids (``request_id``, ``review_id``,
  ``referral_id``, or ``measure_id``) are left out;
- ``person_id``: every record of that child in that table is left out (one
  line for a child with 80 open referrals, not 80 ids).

Each line names one id or one person. The records are dropped before any rule
or figure and counted by reason as ``left_out: <reason>``. Both kinds of id are
identifiers: they are kept only for the privacy guard and never printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sendreport.errors import DataValidationError
from sendreport.io import read_table
from sendreport.validation.convert import clean, to_text

COLUMNS = ("id", "reason")
PERSON = "person_id"
"""The column naming a child all of whose records in the table are left out."""


@dataclass(frozen=True)
class ExcludeList:
    """The records an exclude file leaves out: by record id and by person, with reasons."""

    ids: dict[str, str] = field(default_factory=dict)
    persons: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.ids or self.persons)


def read_exclude(path: str | Path, table: str) -> tuple[ExcludeList, list[str]]:
    r"""Read an exclude list: the ids and persons with their reasons, and the problems found.

    Parameters
    ----------
    path
        The exclude file.
    table
        The table it applies to (for messages).

    Returns
    -------
    tuple
        An :class:`ExcludeList` (the first reason given for an id or a person),
        and the problems found (no ``reason`` column, neither ``id`` nor
        ``person_id``, a line without a reason). Ids are never named in a
        message: row numbers are.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "exclude.csv"
    >>> _ = p.write_text("id,reason\nR7, test record\nR9,duplicate of another request\n")
    >>> read_exclude(p, "requests")[0].ids
    {'R7': 'test record', 'R9': 'duplicate of another request'}
    >>> _ = p.write_text("person_id,reason\nC4,moved to another area\n")
    >>> read_exclude(p, "referrals")[0].persons
    {'C4': 'moved to another area'}
    """
    where = f"exclude.{table}"
    try:
        raw = read_table(path)
    except DataValidationError as err:
        return ExcludeList(), [f"{where}: {line}" for line in str(err).splitlines()]
    columns = {str(c).strip().casefold(): c for c in raw.frame.columns}
    if "reason" not in columns or not ({"id", PERSON} & set(columns)):
        missing = [c for c in COLUMNS if c not in columns]
        if "id" in missing:
            missing[missing.index("id")] = "id (or person_id)"
        found = ", ".join(map(str, raw.frame.columns)) or "none"
        return ExcludeList(), [
            f"{where}: {raw.path}: needs columns id (or person_id) and reason; missing "
            f"{', '.join(missing)}; found columns: {found} (rule: required_column)"]
    reasons = to_text(clean(raw.frame[columns["reason"]])[0])
    empty = [None] * len(reasons)
    ids = to_text(clean(raw.frame[columns["id"]])[0]) if "id" in columns else empty
    persons = to_text(clean(raw.frame[columns[PERSON]])[0]) if PERSON in columns else empty
    out = ExcludeList()
    unexplained = []
    for row, i, person, reason in zip(raw.row_numbers, ids, persons, reasons, strict=True):
        if not isinstance(i, str) and not isinstance(person, str):
            continue
        if not isinstance(reason, str):
            unexplained.append(int(row))
            continue
        if isinstance(i, str):
            out.ids.setdefault(i, reason)
        if isinstance(person, str):
            out.persons.setdefault(person, reason)
    problems = []
    if unexplained:
        rows = ", ".join(map(str, unexplained[:5]))
        problems.append(f"{where}: {raw.path}: {len(unexplained)} ids have no reason (rows "
                        f"{rows}); say why each record is left out (rule: missing_reason)")
    return out, problems

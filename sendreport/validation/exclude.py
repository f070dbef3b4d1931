"""``exclude``: records the analyst has confirmed should not count (SPEC 3).

Per table, a CSV (or XLSX) with columns ``id`` and ``reason``: the table's
records with those ids (``request_id``, ``review_id``, ``referral_id``, or
``measure_id``) are dropped before any rule or figure, and counted by reason
as ``left_out: <reason>``. The ids are identifiers: they are kept only for the
privacy guard and never printed.
"""

from __future__ import annotations

from pathlib import Path

from sendreport.errors import DataValidationError
from sendreport.io import read_table
from sendreport.validation.convert import clean, to_text

COLUMNS = ("id", "reason")


def read_exclude(path: str | Path, table: str) -> tuple[dict[str, str], list[str]]:
    r"""Read an exclude list: ``{id: reason}`` and one problem line per problem.

    Parameters
    ----------
    path
        The exclude file.
    table
        The table it applies to (for messages).

    Returns
    -------
    tuple
        The ids with their reasons (the first reason given for an id), and
        the problems found (a missing column, an id without a reason). Ids are
        never named in a message: row numbers are.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "exclude.csv"
    >>> _ = p.write_text("id,reason\nR7, test record\nR9,duplicate of another request\n")
    >>> read_exclude(p, "requests")
    ({'R7': 'test record', 'R9': 'duplicate of another request'}, [])
    """
    where = f"exclude.{table}"
    try:
        raw = read_table(path)
    except DataValidationError as err:
        return {}, [f"{where}: {line}" for line in str(err).splitlines()]
    columns = {str(c).strip().casefold(): c for c in raw.frame.columns}
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        found = ", ".join(map(str, raw.frame.columns)) or "none"
        return {}, [f"{where}: {raw.path}: needs columns id and reason; missing "
                    f"{', '.join(missing)}; found columns: {found} (rule: required_column)"]
    ids = to_text(clean(raw.frame[columns["id"]])[0])
    reasons = to_text(clean(raw.frame[columns["reason"]])[0])
    out: dict[str, str] = {}
    unexplained = []
    for row, i, reason in zip(raw.row_numbers, ids, reasons, strict=True):
        if not isinstance(i, str):
            continue
        if not isinstance(reason, str):
            unexplained.append(int(row))
            continue
        out.setdefault(i, reason)
    problems = []
    if unexplained:
        rows = ", ".join(map(str, unexplained[:5]))
        problems.append(f"{where}: {raw.path}: {len(unexplained)} ids have no reason (rows "
                        f"{rows}); say why each record is left out (rule: missing_reason)")
    return out, problems

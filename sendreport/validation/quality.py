"""The analyst's data quality summary printed by ``sendreport validate``."""

from __future__ import annotations

from sendreport.validation.codes import describe_values, unmatched_message
from sendreport.validation.load import LoadedData
from sendreport.validation.rules import Rule
from sendreport.validation.schemas import TABLES

_TOTALS = (Rule.ROWS_READ, Rule.ROWS_EXCLUDED, Rule.ROWS_USED)


def format_quality(loaded: LoadedData) -> str:
    r"""Return the data quality summary as plain text, table by table.

    Each table gets a line with rows read, excluded and used, then one line per
    column and rule with its count and up to five example row numbers as the
    analyst sees them in the file. Cell contents are never shown.

    Parameters
    ----------
    loaded
        The result of :func:`~sendreport.validation.load_data`.

    Returns
    -------
    str
        The summary, ending without a newline; ``"No input tables."`` when empty.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from sendreport.validation import load_data
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "reviews.csv"
    >>> _ = path.write_text("review_id,person_id,review_due_date\nV1,P1,2024-05-01\n"
    ...                     "V2,P2,not a date\n")
    >>> print(format_quality(load_data({"reviews": path}, max_excluded_share=1)))
    reviews (reviews.csv): 2 rows read, 1 excluded (50.0%), 1 used
      column           rule               rows  example rows
      review_due_date  invalid_date          1  3
    """
    quality = loaded.quality
    if quality.empty:
        return "No input tables."
    examples = {
        (r.table, r.column, r.rule): r.example_rows for r in loaded.examples.itertuples()
    }
    lines: list[str] = []
    for table, rows in quality.groupby("table", sort=False):
        totals = dict(zip(rows["rule"], rows["count"], strict=False))
        read, excluded, used = (int(totals.get(k, 0)) for k in _TOTALS)
        left_out = int(rows.loc[rows["rule"].map(Rule.LEFT_OUT.holds), "count"].sum())
        file = rows["file"].iloc[0]
        lines.append(f"{table} ({file}): {_totals(read, excluded, left_out, used)}")
        detail = rows[~rows["rule"].isin(_TOTALS)]
        notes = (_split_lines(loaded, str(table)) + _code_lines(loaded, str(table))
                 + _unused_lines(loaded, str(table)))
        if detail.empty:
            lines.append("  no problems found")
            lines += notes
            continue
        width_col = max(6, *(len(c) for c in detail["column"]))
        width_rule = max(4, *(len(r) for r in detail["rule"]))
        lines.append(f"  {'column':<{width_col}}  {'rule':<{width_rule}}  {'rows':>9}  "
                     "example rows")
        for r in detail.itertuples():
            where = examples.get((table, r.column, r.rule), "")
            lines.append(f"  {r.column or '-':<{width_col}}  {r.rule:<{width_rule}}  "
                         f"{r.count:>9,}  {where}".rstrip())
        lines += notes
    return "\n".join(lines)


def _totals(read: int, excluded: int, left_out: int, used: int) -> str:
    """Rows read, excluded by a rule, left out by the exclude file, and used, honestly.

    Examples
    --------
    >>> _totals(618, 0, 18, 600)
    '618 rows read, 18 excluded (exclude file), 600 used'
    >>> _totals(618, 3, 18, 597)
    '618 rows read, 3 excluded (0.5%), 18 excluded (exclude file), 597 used'
    >>> _totals(10, 0, 0, 10)
    '10 rows read, 0 excluded (0.0%), 10 used'
    """
    share = excluded / read if read else 0.0
    parts = [f"{read:,} rows read"]
    if excluded or not left_out:
        parts.append(f"{excluded:,} excluded ({share:.1%})")
    if left_out:
        parts.append(f"{left_out:,} excluded (exclude file)")
    return ", ".join([*parts, f"{used:,} used"])


def _code_lines(loaded: LoadedData, table: str) -> list[str]:
    """The code values of one table the analyst should see, one line per column and kind."""
    codes = loaded.codes[loaded.codes["table"] == table]
    lines = []
    for (column, status), part in codes.groupby(["column", "status"], sort=False):
        counts = list(zip(part["value"], part["rows"], strict=True))
        if status == "unlisted_split":
            lines.append(
                f"  split.{table}.{column}: values not listed: {describe_values(counts)}; their "
                f"rows are excluded; say what each gives under split: {{{table}: {{{column}: "
                "{LOCAL VALUE: {COLUMN: VALUE, ...}}}}")
            continue
        if status == "unused_split_key":
            keys = ", ".join(repr(v) for v, _ in counts)
            lines.append(f"  split.{table}.{column}: {keys} matched no value in the column")
            continue
        codes_of = TABLES[table].columns[column].codes or ()
        canonical = ", ".join(codes_of)
        if status == "unmatched":
            lines.append(f"  {unmatched_message(table, column, counts, codes_of)}")
        elif status == "not_canonical":
            lines.append(
                f"  {column}: {describe_values(counts)} not canonical: counted under their own "
                f"names; canonical {column} codes: {canonical}; to count one as a canonical "
                f"{column}, map it under values: {{{table}: {{{column}: {{LOCAL: CODE}}}}}}"
            )
        else:
            keys = ", ".join(repr(v) for v, _ in counts)
            lines.append(f"  values.{table}.{column}: {keys} matched no value in the column")
    return lines


def _split_lines(loaded: LoadedData, table: str) -> list[str]:
    """What each ``split:`` column gave: records per value of each column it fills."""
    splits = loaded.splits[loaded.splits["table"] == table]
    lines = []
    for local, part in splits.groupby("column", sort=False):
        lines.append(f"  split {local}:")
        order = {c: i for i, c in enumerate(TABLES[table].columns)}
        fields = sorted(part["field"].unique(), key=lambda f: order.get(f, len(order)))
        for name in fields:
            rows = part[part["field"] == name]
            given = ", ".join(f"{v} {n:,}" for v, n in zip(rows["value"], rows["rows"],
                                                            strict=True))
            lines.append(f"    {name}: {given}")
    return lines


def _unused_lines(loaded: LoadedData, table: str) -> list[str]:
    return [f"  {line}" for line in unused_lines(loaded, table)]


def unused_lines(loaded: LoadedData, table: str | None = None) -> list[str]:
    r"""Name the file columns no canonical column takes, and ``columns:`` keys found nowhere.

    Names only (column names are not personal data), so that a column meant to
    be mapped under a misspelt name is seen.

    Parameters
    ----------
    loaded
        The result of :func:`~sendreport.validation.load_data`.
    table
        One table; every table, each line starting with its name, when ``None``.

    Returns
    -------
    list of str
        At most two lines a table.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from sendreport.validation import load_data
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "reviews.csv"
    >>> _ = path.write_text("review_id,Child,review_due_date,Note\nV1,P1,2024-05-01,x\n")
    >>> mapping = {"reviews": {"child": "person_id", "Due": "review_meeting_date"}}
    >>> loaded = load_data({"reviews": path}, columns=mapping)
    >>> print("\n".join(unused_lines(loaded)))
    reviews: columns not used: Note
    columns.reviews: 'Due' matched no column of the file (check the spelling)
    """
    unused = loaded.unused if table is None else loaded.unused[loaded.unused["table"] == table]
    lines = []
    for name, part in unused.groupby("table", sort=False):
        prefix = "" if table is not None else f"{name}: "
        dropped = part.loc[part["status"] == "not_used", "column"].tolist()
        if dropped:
            lines.append(f"{prefix}columns not used: {', '.join(dropped)}")
        lost = part.loc[part["status"] == "not_found", "column"].tolist()
        if lost:
            lines.append(f"columns.{name}: {', '.join(map(repr, lost))} matched no column of "
                         "the file (check the spelling)")
    return lines


def mapping_misses(loaded: LoadedData) -> list[str]:
    r"""Columns where a ``values:`` key matched nothing while values went unmapped.

    A key that matches nothing is harmless alone (a code that did not occur);
    beside values that are not canonical (a ``service`` then counts under its
    own name) or unmatched, it is most likely the mapping the analyst meant,
    misspelt, and ``validate`` does not call the data fit to run.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from sendreport.validation import load_data
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "referrals.csv"
    >>> _ = path.write_text("referral_id,person_id,service,referral_date\n"
    ...                     "F1,P1,Speech Therapy,2024-01-31\n")
    >>> loaded = load_data({"referrals": path}, values={"referrals": {"service": {
    ...     "Speech Therapi": "speech_and_language_therapy"}}})
    >>> print(mapping_misses(loaded)[0])
    values.referrals.service: 'Speech Therapi' matched no value while 'Speech Therapy' (1 row) is not canonical
    """  # noqa: E501
    codes = loaded.codes
    lines = []
    for (table, column), part in codes.groupby(["table", "column"], sort=False):
        keys = part.loc[part["status"] == "unused_key", "value"].tolist()
        missed = part[part["status"].isin(["not_canonical", "unmatched"])]
        if keys and len(missed):
            how = "not canonical" if (missed["status"] == "not_canonical").all() else "unmapped"
            counts = list(zip(missed["value"], missed["rows"], strict=True))
            verb = "is" if len(counts) == 1 else "are"
            lines.append(f"values.{table}.{column}: {', '.join(map(repr, keys))} matched no "
                         f"value while {describe_values(counts)} {verb} {how}")
    return lines

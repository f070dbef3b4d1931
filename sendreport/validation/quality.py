"""The analyst's data quality summary printed by ``sendreport validate``."""

from __future__ import annotations

from sendreport.validation.codes import describe_values, unmatched_message
from sendreport.validation.load import LoadedData
from sendreport.validation.schemas import TABLES

_TOTALS = ("rows_read", "rows_excluded", "rows_used")


def format_quality(loaded: LoadedData) -> str:
    """Return the data quality summary as plain text, table by table.

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
        share = excluded / read if read else 0.0
        file = rows["file"].iloc[0]
        lines.append(f"{table} ({file}): {read:,} rows read, {excluded:,} excluded "
                     f"({share:.1%}), {used:,} used")
        detail = rows[~rows["rule"].isin(_TOTALS)]
        notes = _code_lines(loaded, str(table))
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


def _code_lines(loaded: LoadedData, table: str) -> list[str]:
    """The code values of one table the analyst should see, one line per column and kind."""
    codes = loaded.codes[loaded.codes["table"] == table]
    lines = []
    for (column, status), part in codes.groupby(["column", "status"], sort=False):
        counts = list(zip(part["value"], part["rows"], strict=True))
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

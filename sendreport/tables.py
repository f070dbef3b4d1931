"""Report tables as accessible HTML, and the pack's number formats.

Percentages show one decimal place, counts thousands separators, weeks one
decimal place; ``c`` marks a suppressed cell, ``z`` not applicable and ``x`` not
available, with a key under every table that uses them.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

SYMBOLS = {
    "c": "c = suppressed to protect confidentiality (fewer than {threshold})",
    "z": "z = not applicable",
    "x": "x = not available",
}


def is_missing(value: object) -> bool:
    """Return True for ``None``, ``NaN``, ``NaT`` and ``pd.NA``.

    Examples
    --------
    >>> [is_missing(v) for v in (None, float("nan"), pd.NA, pd.NaT, 0, "c")]
    [True, True, True, True, False, False]
    """
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def format_value(value: object, unit: str, *, suppressed: bool = False, missing: str = "x") -> str:
    """Format a KPI value for the pack, with DfE's symbols for values not shown.

    Numbers use :func:`sendreport.metrics.format_value` (one decimal place,
    half away from zero as DfE rounds), so tables, charts and headline
    sentences always agree.

    Parameters
    ----------
    value
        The number (percentages as 0-100).
    unit
        ``"%"``, ``"count"``, ``"weeks"``, ``"days"`` or other text.
    suppressed
        Show ``c`` instead of the value.
    missing
        Symbol for a missing value: ``"x"`` not available or ``"z"`` not applicable.

    Returns
    -------
    str
        The value as printed.

    Examples
    --------
    >>> format_value(46.25, "%")
    '46.3%'
    >>> format_value(12345, "count")
    '12,345'
    >>> format_value(3, "count", suppressed=True)
    'c'
    >>> format_value(30.04, "weeks")
    '30.0 weeks'
    >>> format_value(None, "%")
    'x'
    """
    from sendreport.metrics import format_value as number_text

    if suppressed:
        return "c"
    if is_missing(value):
        return missing
    return number_text(float(value), unit)  # type: ignore[arg-type]


def format_change(change: object, unit: str) -> str:
    """Format a change in a KPI (percentage points for percentages).

    Examples
    --------
    >>> format_change(4.25, "%")
    '+4.3 pp'
    >>> format_change(-12, "count")
    '-12'
    >>> format_change(-2.74, "weeks")
    '-2.7 weeks'
    """
    if is_missing(change):
        return "x"
    number = float(change)  # type: ignore[arg-type]
    sign = "-" if number < 0 else "+"
    if unit == "%":
        return f"{sign}{format_value(abs(number), '%')[:-1]} pp"
    return f"{sign}{format_value(abs(number), unit)}"


@dataclass(frozen=True)
class Cell:
    """A table cell: text (or trusted HTML), numeric alignment, header-ness."""

    text: str
    numeric: bool = False
    html: bool = False
    header: bool = False

    def render(self, tag: str = "td") -> str:
        """Return the cell as HTML."""
        body = self.text if self.html else html.escape(self.text)
        cls = ' class="num"' if self.numeric else ""
        if self.header or tag == "th":
            return f'<th scope="row"{cls}>{body}</th>'
        return f"<{tag}{cls}>{body}</{tag}>"


def table_html(
    header: Sequence[str],
    rows: Sequence[Sequence[Cell | str]],
    *,
    caption: str,
    numeric_columns: Sequence[int] = (),
    groups: Sequence[tuple[int, str]] = (),
    threshold: int = 5,
    css_class: str = "",
) -> str:
    """Build an accessible HTML table with header cells, a caption and a symbol key.

    Parameters
    ----------
    header
        Column headings (marked ``<th scope="col">``; repeated on each page).
    rows
        Table rows; strings become plain cells, the first cell of each row a row header.
    caption
        The table's caption.
    numeric_columns
        Indexes of right-aligned numeric columns (headings too).
    groups
        ``(row_index, label)`` pairs: a full-width group heading row before that row.
    threshold
        The suppression threshold named in the key.
    css_class
        Extra class for the table.

    Returns
    -------
    str
        The table followed by a key when any cell shows ``c``, ``z`` or ``x``.
    """
    num = set(numeric_columns)
    num_class = ' class="num"'
    head = "".join(
        f'<th scope="col"{num_class if i in num else ""}>{html.escape(h)}</th>'
        for i, h in enumerate(header)
    )
    group_at = dict(groups)
    body = []
    used: set[str] = set()
    for r, row in enumerate(rows):
        if r in group_at:
            body.append(
                f'<tr class="group"><th scope="colgroup" colspan="{len(header)}">'
                f"{html.escape(group_at[r])}</th></tr>"
            )
        cells = []
        for i, cell in enumerate(row):
            c = cell if isinstance(cell, Cell) else Cell(str(cell), numeric=i in num)
            if i == 0 and not c.html:
                c = Cell(c.text, numeric=c.numeric, header=True)
            if not c.html:
                used.update(s for s in SYMBOLS if c.text == s or c.text.endswith(f" {s}"))
            cells.append(c.render())
        body.append("<tr>" + "".join(cells) + "</tr>")
    cls = f' class="{html.escape(css_class)}"' if css_class else ""
    out = (
        f"<table{cls}><caption>{html.escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
    if used:
        key = "; ".join(SYMBOLS[s].format(threshold=threshold) for s in SYMBOLS if s in used)
        out += f'<p class="table-key">Key: {html.escape(key)}.</p>'
    return out

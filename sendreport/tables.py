"""Report tables as data for accessible HTML, and the pack's number formats.

Percentages show one decimal place, counts thousands separators, weeks one
decimal place; ``c`` marks a withheld cell, ``z`` not applicable, ``x`` not
available and ``not supplied`` a comparator the params did not give (DfE's
symbols), with a key under every table that lists, one line each, the symbols
that table uses and only those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sendreport.vocabulary import format_value, is_missing

SYMBOLS = {
    "c": "c = {withheld}",
    "x": "x = not available",
    "z": "z = not applicable",
    "not supplied": "not supplied = a comparator that exists but was not given in params",
}
"""Each symbol's key line (``{withheld}``: :func:`sendreport.disclosure.rule.withheld_key`)."""


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
    """A table cell: plain text with what the template needs to print it.

    Attributes
    ----------
    text
        The cell's words (always printed as text, never as markup).
    numeric
        Right-aligned number.
    header
        A row header (``<th scope="row">``).
    link
        Id of an element of the pack the text links to (``#link``).
    icon
        An :class:`sendreport.charts.icons.Icon` printed before the text.
    css_class
        A class for the text (``"status"`` keeps it on one line).
    links
        Several pieces, each ``(text, id or None)``, printed comma-separated in
        place of ``text``, each with an id linked (an action's evidence ids).
    anchor
        An id for the cell itself, the target of other cells' links.
    """

    text: str
    numeric: bool = False
    header: bool = False
    link: str | None = None
    icon: Any = None
    css_class: str = ""
    links: tuple[tuple[str, str | None], ...] = field(default=(), repr=False)
    anchor: str | None = field(default=None, repr=False)

    @property
    def plain(self) -> bool:
        """True for a cell of text only (no link, icon or class): it may hold a symbol."""
        return (self.link is None and self.icon is None and not self.css_class
                and not self.links)


@dataclass(frozen=True)
class Row:
    """A table row, with an optional full-width group heading printed before it."""

    cells: tuple[Cell, ...]
    group: str | None = None


@dataclass(frozen=True)
class Table:
    """A report table as data: ``templates/sections/macros.html.j2`` prints it as HTML.

    The header row is marked ``<th scope="col">`` and repeated on each page,
    row headers ``<th scope="row">`` and group headings ``<th scope="colgroup">``;
    ``key`` explains the symbols the table uses, one line per symbol.
    """

    caption: str
    header: tuple[Cell, ...]
    rows: tuple[Row, ...]
    key: tuple[str, ...] = ()
    css_class: str = ""


def build_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Cell | str]],
    *,
    caption: str,
    numeric_columns: Sequence[int] = (),
    groups: Sequence[tuple[int, str]] = (),
    threshold: int = 5,
    css_class: str = "",
) -> Table:
    """Build an accessible table: header cells, row headers, a caption and a symbol key.

    Parameters
    ----------
    header
        Column headings (repeated on each page).
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
    Table
        The table, with a key line for each symbol a plain cell shows (``c``,
        ``x``, ``z``, ``not supplied``, alone or after a value's words).

    Examples
    --------
    >>> t = build_table(["Year", "Value"], [["2023", "c"]], caption="Test", numeric_columns=(1,))
    >>> t.rows[0].cells
    (Cell(text='2023', numeric=False, header=True, link=None, icon=None, css_class=''), \
Cell(text='c', numeric=True, header=False, link=None, icon=None, css_class=''))
    >>> t.key
    ('c = withheld: small (1 to 4 children) or protecting another withheld figure',)
    >>> build_table(["Area", "England"], [["A", "z"], ["B", "not supplied"]], caption="T").key
    ('z = not applicable', 'not supplied = a comparator that exists but was not given in params')
    """
    from sendreport.disclosure.rule import withheld_key

    num = set(numeric_columns)
    head = tuple(Cell(h, numeric=i in num, header=True) for i, h in enumerate(header))
    group_at = dict(groups)
    body = []
    used: set[str] = set()
    for r, row in enumerate(rows):
        cells = []
        for i, cell in enumerate(row):
            c = cell if isinstance(cell, Cell) else Cell(str(cell), numeric=i in num)
            if i == 0 and c.plain:
                c = replace(c, header=True)
            if c.plain:
                used.update(s for s in SYMBOLS if c.text == s or c.text.endswith(f" {s}")
                            or c.text.startswith(f"{s} ("))
            cells.append(c)
        body.append(Row(tuple(cells), group=group_at.get(r)))
    key = tuple(SYMBOLS[s].format(withheld=withheld_key(threshold))
                for s in SYMBOLS if s in used)
    return Table(caption=caption, header=head, rows=tuple(body), key=key, css_class=css_class)

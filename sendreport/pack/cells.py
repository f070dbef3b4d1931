"""Cells tagged ``report``: an analyst's own figures, tables and words in the PDF.

A notebook run by ``sendreport run`` prints only what is meant for readers.
The stocktake pack does that through its own display helpers; an analysis
notebook does it with Jupyter's cell tags: in a code cell tagged ``report``,

- every matplotlib or seaborn figure is printed with alt text, from
  :func:`alt_text` or else from the figure's titles and axis labels (the run
  stops, naming the cell, when a figure has neither). What the drawn figure
  shows goes with it for the privacy guard
  (:func:`sendreport.charts.render.figure_contents`): every text artist is
  scanned like report text, and in a ``shared`` or ``families`` pack a bar,
  point or number label that is a whole number from 1 to
  ``suppression_threshold - 1`` refuses the run, unless the figure says its
  values are not counts of people (``alt_text(fig, "...", people=False)``).
  An image that did not come from this printer (``display(Image(...))``)
  never reaches the pack;
- :func:`show_table` prints a frame through the pack's suppression, number
  formats and accessible table markup;
- ``IPython.display.Markdown`` output is printed as narrative.

Everything else in the notebook (plain DataFrame reprs, printed text, code)
stays out of the PDF, the HTML and the saved notebook, and the privacy guard
checks every output as for the pack. The kernel learns the convention from
the IPython extension in this module, which the runner loads
(``--IPKernelApp.extensions``); ``%load_ext sendreport.pack.cells`` does the
same in Jupyter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

__all__ = [
    "REPORT_TAG",
    "alt_text",
    "figure_alt",
    "load_ipython_extension",
    "build_report_table",
    "declare_run",
    "report_cell_problems",
    "show_table",
]

REPORT_TAG = "report"
"""The Jupyter cell tag that sends a cell's figures, tables and markdown to the pack."""

FIGURE_ROLE = "figure"
_ALT = "sendreport_alt"


def alt_text(fig: Any, text: str, *, people: bool = True) -> Any:
    """Give a figure the alt text the pack prints with it.

    Parameters
    ----------
    fig
        A matplotlib ``Figure`` or ``Axes`` (seaborn's plots return one of them).
    text
        What the chart shows, in a sentence or two, for a reader who cannot see it.
    people
        ``False`` for a chart whose bars and points are not counts of people
        (weeks, percentages, rates): the privacy guard then does not read its
        whole-number values as small counts of children
        (:func:`sendreport.charts.render.not_people`). Its texts are still scanned.

    Returns
    -------
    The same object, so ``alt_text(sns.barplot(...), "...")`` reads naturally.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = alt_text(ax, "Autism assessment waits rose from 20 to 31 weeks in 2024.")
    >>> figure_alt(fig)
    'Autism assessment waits rose from 20 to 31 weeks in 2024.'
    >>> _ = alt_text(fig, "Median weeks by need: ASD 3, SEMH 12.", people=False)
    >>> plt.close(fig)
    """
    from sendreport.charts.render import not_people

    if not str(text).strip():
        raise ValueError("alt text must say what the chart shows")
    figure = getattr(fig, "figure", fig) if not hasattr(fig, "savefig") else fig
    setattr(figure, _ALT, str(text).strip())
    if not people:
        not_people(figure)
    return fig


def figure_alt(fig: Any) -> str | None:
    """The alt text a figure carries: :func:`alt_text`'s, else built from its titles and axes.

    Parameters
    ----------
    fig
        A matplotlib ``Figure``.

    Returns
    -------
    str or None
        None when the figure has no alt text, no title and no axis label.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> figure_alt(fig) is None
    True
    >>> _ = ax.set(title="Weeks to an EHC plan by need", xlabel="Weeks", ylabel="Primary need")
    >>> figure_alt(fig)
    'Chart: Weeks to an EHC plan by need. Horizontal axis: Weeks. Vertical axis: Primary need.'
    >>> plt.close(fig)
    """
    explicit = getattr(fig, _ALT, None)
    if explicit:
        return explicit
    parts = []
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text().strip():
        parts.append(f"Chart: {suptitle.get_text().strip()}.")
    for ax in fig.get_axes():
        bits = []
        # the Analysis Function style places titles on the left: read every position
        titles = (ax.get_title(loc).strip() for loc in ("left", "center", "right"))
        title = " ".join(t for t in titles if t)
        if title:
            bits.append(f"{'Chart' if not parts else 'Panel'}: {title}.")
        if ax.get_xlabel().strip():
            bits.append(f"Horizontal axis: {ax.get_xlabel().strip()}.")
        if ax.get_ylabel().strip():
            bits.append(f"Vertical axis: {ax.get_ylabel().strip()}.")
        parts.extend(bits)
    return " ".join(parts) or None


def _figure_output(fig: Any) -> tuple[str, dict] | None:
    """IPython ``text/html`` formatter for figures: the pack's figure markup, or nothing.

    The metadata carries what the drawn figure shows
    (:func:`sendreport.charts.render.figures_in`), which the privacy guard reads.
    """
    from sendreport.charts.render import figures_in
    from sendreport.pack.sections import figure
    from sendreport.pack.templating import render

    alt = figure_alt(fig)
    if alt is None:
        return None  # report_cell_problems names the cell
    html = render("figure.html.j2", f=figure(fig, alt=alt))
    return html, {"sendreport": {"role": FIGURE_ROLE, "figures": figures_in(html)}}


def load_ipython_extension(ipython: Any) -> None:
    """Teach a kernel the ``report`` cell convention (figures printed with alt text).

    Parameters
    ----------
    ipython
        The running ``InteractiveShell``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    html = ipython.display_formatter.formatters["text/html"]
    # The inline backend drops every Figure printer when it is set up, which happens at the
    # kernel's first figure: set it up now (a figure made and closed), and set the printer
    # again before each cell and before its figures are shown.
    plt.close(plt.figure())

    def register(*_: Any) -> None:
        html.for_type(Figure, _figure_output)

    register()
    ipython.events.register("pre_execute", register)
    ipython.events.register("post_execute", register)


def show_table(
    frame: pd.DataFrame,
    *,
    caption: str,
    counts: Sequence[str] = (),
    not_people: Sequence[str] = (),
    people: bool = True,
    units: Mapping[str, str] | None = None,
    denominators: Mapping[str, str] | None = None,
    total: str | None = None,
    row_total: str | None = None,
    threshold: int | None = None,
    audience: str | None = None,
) -> None:
    """Print a table in the pack, suppressed and formatted as the pack's own tables are.

    Every number is taken for a count of children or families unless the call
    says otherwise (SPEC 7): in a ``shared`` or ``families`` pack a count from
    1 to ``threshold - 1`` is shown as ``c``, with a second cell suppressed
    where a total would give it back (:func:`sendreport.disclosure.suppress`,
    which asks :mod:`sendreport.disclosure.rule`).

    Parameters
    ----------
    frame
        One row per table row; the first column is the row header. Every other
        column of numbers (or of text that reads as numbers) is a count of
        people, unless it is named in ``not_people`` or ``units`` gives it a
        unit other than ``count``.
    caption
        The table's caption.
    counts
        Columns that count children or families (every numeric column does
        already; name here a count column held as another type).
    not_people
        Columns of numbers that count no child or family (staff, money, plan
        actions): printed as they are.
    people
        ``False`` when no number of the table is about children or families:
        nothing is suppressed.
    units
        Column to unit (``%``, ``count``, ``weeks``, ``days``) for number formats.
        A column with a unit other than ``count`` (a percentage, a mean or median
        over children) needs its denominator in ``denominators`` unless it is in
        ``not_people``: without it the call is refused, since whether it names
        a handful of children cannot be told.
    denominators
        Percentage, mean or median column to the count column of its group
        size: suppressed with it (and when any count of its row is).
    total
        The first-column label of a row holding the other rows' totals
        (e.g. ``"Total"``): another cell is suppressed so that no suppressed
        count can be worked out by subtraction.
    row_total
        The count column that is the sum of the row's other counts (e.g.
        ``"EHC plans"`` beside ``"Within 20 weeks"`` and ``"Later"``): likewise
        along each row. A percentage, mean or median is shown only when every
        count of its row is shown.
    threshold, audience
        As the params keys of the same names. In a run (after
        :meth:`~sendreport.pack.analysis.Analysis.from_parameters`) the run's
        own are used: a call cannot lower the run's threshold or show a shared
        or families run's figures as internal ones. Outside a run, 5 and
        ``"shared"`` unless given.

    Raises
    ------
    ParameterError
        A named column is not in the frame, or a percentage, mean or median of
        people has no denominator.

    Examples
    --------
    >>> frame = pd.DataFrame({"Primary need": ["ASD", "SEMH", "MLD", "All"],
    ...                       "EHC plans": [12, 3, 9, 24]})
    >>> show_table(frame, caption="EHC plans issued by need", total="All")
    <IPython.core.display.HTML object>
    """
    from sendreport.pack.display import show
    from sendreport.pack.templating import render

    table = build_report_table(
        frame, caption=caption, counts=counts, not_people=not_people, people=people,
        units=units, denominators=denominators, total=total, row_total=row_total,
        threshold=threshold, audience=audience,
    )
    show(render("table.html.j2", t=table), role="table")


def build_report_table(
    frame: pd.DataFrame,
    *,
    caption: str,
    counts: Sequence[str] = (),
    not_people: Sequence[str] = (),
    people: bool = True,
    units: Mapping[str, str] | None = None,
    denominators: Mapping[str, str] | None = None,
    total: str | None = None,
    row_total: str | None = None,
    threshold: int | None = None,
    audience: str | None = None,
) -> Any:
    """The :class:`sendreport.tables.Table` :func:`show_table` prints (same parameters).

    Examples
    --------
    >>> frame = pd.DataFrame({"Service": ["SALT", "OT"], "Children": [12, 3]})
    >>> [[c.text for c in row.cells] for row in build_report_table(frame, caption="x").rows]
    [['SALT', '12'], ['OT', 'c']]
    >>> build_report_table(frame.assign(Share=[80.0, 20.0]), caption="Waits", units={"Share": "%"})
    Traceback (most recent call last):
    ...
    sendreport.errors.ParameterError: show_table 'Waits': column 'Share' has unit '%' ...
    """
    from sendreport.disclosure import suppress
    from sendreport.errors import ParameterError
    from sendreport.tables import build_table
    from sendreport.vocabulary import format_value

    threshold, audience = _run_rule(threshold, audience)
    shown = frame.reset_index(drop=True)
    units = dict(units or {})
    denominators = dict(denominators or {})
    columns = [str(c) for c in shown.columns]
    named = [*counts, *not_people, *units, *denominators, *denominators.values()]
    named += [row_total] if row_total is not None else []
    unknown = [c for c in dict.fromkeys(named) if c not in shown.columns]
    if unknown:
        raise ParameterError(
            f"show_table {caption!r}: no column {', '.join(map(repr, unknown))}; "
            f"the table has {', '.join(columns)}"
        )
    body = list(shown.columns[1:])
    numeric = [c for c in body if c in counts or c in units or _numbers(shown[c])]
    free = set(not_people) if people else set(numeric)
    for c in numeric:
        units.setdefault(c, "count")
    people_counts = [c for c in numeric if units[c] == "count" and c not in free]
    rates = [c for c in numeric if units[c] != "count" and c not in free]
    missing = [c for c in rates if c not in denominators]
    if missing:
        raise ParameterError(
            f"show_table {caption!r}: column {missing[0]!r} has unit {units[missing[0]]!r} "
            "but no denominator: give the count of children or families it is over "
            f"(denominators={{{missing[0]!r}: '<count column>'}}), or list it in not_people "
            "if it is not about people (SPEC 7)"
        )
    flags = pd.DataFrame(False, index=shown.index, columns=shown.columns)
    if audience != "internal" and (people_counts or rates):
        key = shown.columns[0]
        over = {c: d for c, d in denominators.items() if c in rates}
        counted = list(dict.fromkeys([*people_counts, *(d for d in over.values()
                                                         if d not in free)]))
        suppressed = suppress(
            shown, counts=counted, percentages=over, threshold=threshold,
            column_total_row={key: total} if total is not None else None,
            row_total=row_total,
        )
        for column in [*counted, *over]:
            flags[column] = suppressed[f"{column}_suppressed"].to_numpy(dtype=bool)
        any_count = flags[counted].any(axis=1) if counted else False
        for column in over:
            flags[column] |= any_count
    rows = []
    for i, row in shown.iterrows():
        rows.append([
            format_value(row[c], units[c], suppressed=bool(flags.loc[i, c])) if c in numeric
            else ("" if pd.isna(row[c]) else str(row[c]))
            for c in shown.columns
        ])
    positions = [i for i, c in enumerate(shown.columns) if c in numeric]
    return build_table(columns, rows, caption=caption, numeric_columns=positions,
                       threshold=threshold)


_RUN: dict[str, Any] = {}
"""The disclosure settings of the run this kernel serves (:func:`declare_run`)."""


def declare_run(*, threshold: int | None, audience: str | None) -> None:
    """Record the run's ``suppression_threshold`` and ``audience`` for :func:`show_table`.

    :meth:`~sendreport.pack.analysis.Analysis.from_parameters` calls it with
    the params; ``None`` for both forgets them.

    Examples
    --------
    >>> declare_run(threshold=10, audience="shared")
    >>> frame = pd.DataFrame({"Service": ["SALT"], "Children": [7]})
    >>> table = build_report_table(frame, caption="x", threshold=5, audience="internal")
    >>> table.rows[0].cells[1].text
    'c'
    >>> declare_run(threshold=None, audience=None)
    """
    from sendreport.disclosure.rule import check_audience, check_threshold

    if threshold is None and audience is None:
        _RUN.clear()
        return
    check_threshold(threshold)
    check_audience(audience)
    _RUN.update(threshold=threshold, audience=audience)


def _run_rule(threshold: int | None, audience: str | None) -> tuple[int, str]:
    """The threshold and audience a table is printed with: never weaker than the run's."""
    from sendreport.disclosure.rule import check_audience, check_threshold

    if threshold is not None:
        check_threshold(threshold)
    if audience is not None:
        check_audience(audience)
    if not _RUN:
        return (5 if threshold is None else threshold), (audience or "shared")
    run_threshold, run_audience = _RUN["threshold"], _RUN["audience"]
    threshold = run_threshold if threshold is None else max(threshold, run_threshold)
    if run_audience != "internal" or audience is None:
        audience = run_audience
    return threshold, audience


def _numbers(column: pd.Series) -> bool:
    """True for a column of numbers, or of text that reads as numbers (not of booleans)."""
    if pd.api.types.is_bool_dtype(column.dtype):
        return False
    if pd.api.types.is_numeric_dtype(column.dtype):
        return True
    values = column.dropna()
    if values.empty or not (pd.api.types.is_object_dtype(column.dtype)
                            or pd.api.types.is_string_dtype(column.dtype)):
        return False
    if values.map(lambda v: isinstance(v, bool)).any():
        return False
    return bool(pd.to_numeric(values.astype(str).str.replace(",", ""), errors="coerce")
                .notna().all())


def report_cell_problems(nb: Any) -> list[str]:
    """Figures in ``report`` cells that would reach the pack without alt text, and images.

    An image that is not a figure drawn by the printer (``display(Image(...))``
    of a saved figure, say) is never printed: the privacy guard cannot read
    what it shows, so the run stops, naming the cell.

    Parameters
    ----------
    nb
        An executed notebook.

    Returns
    -------
    list of str
        One line per cell: its number and first line, and what to do.
    """
    problems = []
    # numbered as in the notebook the analyst wrote: papermill's injected cell does not count
    written = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    for number, cell in enumerate(written, start=1):
        if cell.cell_type != "code" or REPORT_TAG not in cell.metadata.get("tags", []):
            continue
        bare = [
            o for o in cell.get("outputs", [])
            if any(m.startswith("image/") for m in o.get("data", {}))
            and not o.get("metadata", {}).get("text/html", {}).get("sendreport")
        ]
        first = (cell.source.strip().splitlines() or [""])[0][:60]
        if any(_is_figure(o) for o in bare):
            problems.append(
                f"cell {number} ({first!r}): a figure has no alt text; give it a title and "
                "axis labels, or call sendreport.alt_text(fig, '...')"
            )
        if not all(_is_figure(o) for o in bare):
            problems.append(
                f"cell {number} ({first!r}): an image the privacy guard cannot read is not "
                "printed; show the matplotlib figure itself (plt.show() or display(fig))"
            )
    return problems


def _is_figure(output: Any) -> bool:
    """Whether an image output is a matplotlib figure's (the inline backend's ``<Figure ...>``)."""
    plain = output.get("data", {}).get("text/plain", "")
    return "".join(plain).startswith("<Figure")

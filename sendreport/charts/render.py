"""Figures to accessible, reproducible HTML for the pack.

Every chart the pack prints is drawn to PNG by :func:`figure_png`, which also
reads what the drawn figure shows (:func:`figure_contents`: its texts, and its
bar, point and number-label values) and keeps that beside the PNG's digest in
the process that drew it. Whatever prints the PNG (the report cells' figure
printer, ``display.show``) carries the contents in the output's metadata
(:func:`figures_in`), and the privacy guard reads them: an image whose contents
it has not read does not reach the pack.
"""

from __future__ import annotations

import base64
import hashlib
import io
import math
import re
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from sendreport.charts.theme import PRINT_DPI, chart_style

DPI = PRINT_DPI

__all__ = ["MAX_VALUES", "NOT_PEOPLE", "figure_contents", "figure_png", "figures_in", "not_people"]


def figure_png(fig: Figure, *, crop: bool = True) -> bytes:
    """Return the figure as PNG bytes with no timestamp or software stamp.

    Parameters
    ----------
    fig
        A matplotlib figure; it is closed afterwards.
    crop
        Cut the image to what is drawn, plus a small margin (``bbox_inches="tight"``),
        for a figure laid out by whoever made it. The pack's own charts are laid
        out to fit their figure (:func:`sendreport.charts.spc.plot_spc`,
        :func:`sendreport.charts.progress.plot_progress`) and are drawn whole,
        without the extra layout pass a crop needs, as an opaque RGB image.

    Returns
    -------
    bytes
        PNG bytes, the same for the same figure.

    Examples
    --------
    >>> fig = Figure(figsize=(2, 1), facecolor="white")
    >>> png = figure_png(fig, crop=False)
    >>> Image.open(io.BytesIO(png)).size, Image.open(io.BytesIO(png)).mode
    ((400, 200), 'RGB')
    >>> figure_png(Figure(figsize=(2, 1))) == figure_png(Figure(figsize=(2, 1)))
    True
    """
    buf = io.BytesIO()
    # drawn in the style it was laid out in: fonts resolve when drawing
    with chart_style():
        if crop:
            # zlib level 1: a third faster than the default for about an eighth more bytes,
            # and WeasyPrint compresses the image again for the PDF.
            fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None},
                        bbox_inches="tight", pil_kwargs={"compress_level": 1})
        else:
            canvas = FigureCanvasAgg(fig)
            dpi = fig.dpi
            fig.set_dpi(DPI)  # the pack's charts are made at DPI: measured as they are drawn
            try:
                canvas.draw()
                rgba = np.asarray(canvas.buffer_rgba())
            finally:
                fig.set_dpi(dpi)
            image = Image.fromarray(rgba)
            if rgba[..., 3].min() < 255:  # a see-through figure is printed on white paper
                image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image)
            # opaque: WeasyPrint then keeps one image, with no separate transparency mask
            image.convert("RGB").save(buf, format="png", compress_level=1)
        contents = figure_contents(fig)  # as drawn: tick labels are set by drawing
    plt.close(fig)
    png = buf.getvalue()
    _DRAWN[hashlib.sha256(png).hexdigest()] = contents
    return png


NOT_PEOPLE = "sendreport_not_people"
"""Figure attribute set by :func:`not_people`."""

MAX_VALUES = 256
"""Most distinct whole-number values a figure's contents keep: those nearest zero, which are
all the privacy guard needs while ``suppression_threshold`` is at most 100."""

_DRAWN: dict[str, dict[str, Any]] = {}
_NUMBER = re.compile(r"\s*(?:n\s*=\s*)?[-\u2212]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.0*)?\s*")
_IMAGE_URI = re.compile(r"data:image/[\w.+-]+;base64,([A-Za-z0-9+/=\s]+)")


def not_people(fig: Any) -> Any:
    """Declare that a figure's bar and point values are not counts of people.

    In a ``shared`` or ``families`` pack the privacy guard refuses a chart in
    a ``report`` cell whose bars, points or number labels show a whole number
    from 1 to ``suppression_threshold - 1``: it reads them as counts of
    children. A chart of weeks, percentages or rates says so with this (or
    ``sendreport.alt_text(fig, "...", people=False)``).

    Parameters
    ----------
    fig
        A matplotlib ``Figure`` or ``Axes`` (or anything with a ``figure``).

    Returns
    -------
    The same object.

    Examples
    --------
    >>> fig = Figure()
    >>> _ = fig.subplots().bar(["ASD", "SEMH"], [3.0, 12.5])  # median weeks
    >>> figure_contents(not_people(fig))["people"]
    False
    """
    figure = fig if isinstance(fig, Figure) else getattr(fig, "figure", fig)
    setattr(figure, NOT_PEOPLE, True)
    return fig


def figure_contents(fig: Figure) -> dict[str, Any]:
    """What a figure shows, for the privacy guard: its texts and its values.

    Read from the figure as it stands (draw it first for its tick labels):

    - ``texts``: every visible text artist, in the figure and its subfigures
      (suptitle, titles, axis labels, tick labels, offset text, legend,
      annotations, ``ax.text``, ``bar_label`` labels, table cells);
    - ``values``: the distinct whole numbers among its bar lengths
      (``ax.containers``, heights or widths by orientation), its points
      (lines and scatter drawn in data coordinates, on the value axis: ``y``,
      or ``x`` when the ``y`` axis has words for ticks) and its text labels that
      are a number alone (``12``, ``n = 3``; not tick or legend labels), at most
      :data:`MAX_VALUES`, nearest zero first;
    - ``people``: False when the figure says its values are not counts of
      people (:func:`not_people`).

    Parameters
    ----------
    fig
        A matplotlib figure.

    Returns
    -------
    dict
        ``texts``, ``values`` and ``people``.

    Examples
    --------
    >>> fig = Figure()
    >>> ax = fig.subplots()
    >>> bars = ax.bar(["Audiology", "Autism"], [1, 12])
    >>> _ = ax.bar_label(bars)
    >>> _ = ax.set_title("Children waiting")
    >>> contents = figure_contents(fig)
    >>> contents["values"], contents["people"]
    ([1, 12], True)
    >>> "Children waiting" in contents["texts"]
    True
    """
    from matplotlib.axes import Axes
    from matplotlib.collections import PathCollection
    from matplotlib.container import BarContainer
    from matplotlib.legend import Legend
    from matplotlib.table import Table
    from matplotlib.text import Text

    texts: list[str] = []
    values: set[int] = set()
    legend_texts = {id(t) for legend in fig.findobj(Legend) for t in legend.get_texts()}
    axes = fig.findobj(Axes)
    ticks = {
        id(t)
        for ax in axes
        for axis in (ax.xaxis, ax.yaxis)
        for t in [*axis.get_ticklabels(), *axis.get_ticklabels(minor=True)]
    }
    cells = [cell.get_text() for table in fig.findobj(Table) for cell in table.get_celld().values()]
    for text in [*fig.findobj(Text), *cells]:
        content = text.get_text()
        if not text.get_visible() or not content or not content.strip():
            continue
        texts.append(content)
        if id(text) not in ticks and id(text) not in legend_texts and _NUMBER.fullmatch(content):
            _add_whole(values, content.replace(",", "").replace("\u2212", "-").split("=")[-1])
    for ax in axes:
        worded_y = _worded(ax.yaxis)
        for container in ax.containers:
            if isinstance(container, BarContainer):
                horizontal = getattr(container, "orientation", None) == "horizontal"
                for patch in container.patches:
                    _add_whole(values, patch.get_width() if horizontal else patch.get_height())
        for line in ax.get_lines():
            if line.get_visible() and line.get_transform() == ax.transData:
                data = line.get_xdata() if worded_y else line.get_ydata()
                for v in _flat(data):
                    _add_whole(values, v)
        for collection in ax.collections:
            if (isinstance(collection, PathCollection) and collection.get_visible()
                    and collection.get_offset_transform() == ax.transData):
                offsets = collection.get_offsets()
                for row in _flat(offsets[:, 0] if worded_y else offsets[:, 1]):
                    _add_whole(values, row)
    nearest = sorted(values, key=lambda v: (abs(v), v))[:MAX_VALUES]
    return {"texts": list(dict.fromkeys(texts)), "values": sorted(nearest),
            "people": not getattr(fig, NOT_PEOPLE, False)}


def figures_in(html: str) -> list[dict[str, Any]]:
    """The contents (:func:`figure_contents`) and PNG digest of each chart drawn into ``html``.

    For every PNG ``data:`` URI in ``html`` that :func:`figure_png` drew in this
    process; the printers put the list in their output's metadata, where the
    privacy guard reads it.

    Examples
    --------
    >>> fig = Figure(figsize=(2, 1))
    >>> _ = fig.suptitle("Waits")
    >>> uri = "data:image/png;base64," + base64.b64encode(figure_png(fig)).decode()
    >>> [f["texts"] for f in figures_in(f'<img src="{uri}" alt="Waits">')]
    [['Waits']]
    """
    found = []
    for m in _IMAGE_URI.finditer(html):
        try:
            digest = hashlib.sha256(base64.b64decode("".join(m.group(1).split()))).hexdigest()
        except ValueError:
            continue
        contents = _DRAWN.get(digest)
        if contents is not None:
            found.append({"png": digest, **contents})
    return found


def _worded(axis) -> bool:
    """Whether an axis's tick labels are words (a categorical axis), not numbers or dates."""
    labels = [t.get_text() for t in axis.get_ticklabels() if t.get_text().strip()]
    return bool(labels) and not any(re.search(r"\d", label) for label in labels)


def _flat(data: Any) -> list[Any]:
    try:
        return list(np.ravel(np.ma.filled(np.ma.asarray(data, dtype=float), np.nan)))
    except (TypeError, ValueError):  # dates or categories: not counts
        return []


def _add_whole(values: set[int], value: Any) -> None:
    """Add ``value`` to ``values`` if it is a finite whole number (a count, perhaps)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return
    if math.isfinite(number) and number == round(number) and abs(number) < 2**53:
        values.add(int(round(number)))

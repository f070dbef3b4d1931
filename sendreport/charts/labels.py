"""Chart text that never overlaps: measured placement, wrapping and an overlap check.

Labels are placed after the figure is laid out, from their rendered bounding
boxes: each label tries its candidate positions in order and takes the first
that stays inside its area and clear of the labels already placed. The same
boxes let tests (and anyone) check a figure with :func:`overlapping_texts`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from sendreport.charts.theme import chart_style

__all__ = [
    "fit_width", "overlapping_texts", "place", "pixels", "renderer_of", "text_boxes"
]


def pixels(fig: Figure, points: float) -> float:
    """A length in points as display pixels of ``fig`` (a gap that keeps its size at any dpi).

    Examples
    --------
    >>> pixels(Figure(dpi=200), 3)
    8.333333333333334
    """
    return points * fig.dpi / 72


def renderer_of(fig: Figure):
    """The figure's Agg renderer (a canvas is attached when the figure has none).

    Examples
    --------
    >>> renderer_of(Figure()) is not None
    True
    """
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()


def _all_tick_labels(fig: Figure) -> set[int]:
    ids = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in (*axis.majorTicks, *axis.minorTicks):
                ids.update((id(tick.label1), id(tick.label2)))
    return ids


def _shown(text: Text, tick_labels: set[int]) -> bool:
    # tick labels are taken from their axis (only the current, visible ones)
    return text.get_visible() and bool(text.get_text().strip()) and id(text) not in tick_labels


def _tick_labels(fig: Figure) -> list[Text]:
    out = []
    for ax in fig.axes:
        for axis, (low, high) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            low, high = min(low, high), max(low, high)
            locs = axis.get_majorticklocs()
            # the axis keeps spare ticks from earlier draws: only the first len(locs) are current
            for tick, loc in zip(axis.get_major_ticks(len(locs)), locs, strict=False):
                label = tick.label1
                if label.get_visible() and label.get_text().strip() and low <= loc <= high:
                    out.append(label)
    return out


def text_boxes(fig: Figure) -> list[tuple[Text, Bbox]]:
    """Every visible text of a drawn figure with its bounding box in display pixels.

    Titles, axis labels, annotations, legend entries and the tick labels of
    ticks inside the axis limits.

    Parameters
    ----------
    fig
        The figure; it is drawn first.

    Returns
    -------
    list of (Text, Bbox)
        In drawing order.
    """
    renderer = renderer_of(fig)
    # Fonts resolve when drawing, and the tick locator counts ticks by font size: draw,
    # and find the current ticks, in the charts' own style.
    with chart_style():
        fig.draw(renderer)
        ticks = _all_tick_labels(fig)
        texts = [t for t in fig.findobj(Text) if _shown(t, ticks)] + _tick_labels(fig)
        return [(t, t.get_window_extent(renderer)) for t in dict.fromkeys(texts)]


def overlapping_texts(fig: Figure, *, tolerance: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of texts whose bounding boxes overlap (by more than ``tolerance`` pixels).

    Examples
    --------
    >>> fig = Figure()
    >>> ax = fig.add_subplot()
    >>> _ = ax.text(0.5, 0.5, "one"), ax.text(0.5, 0.5, "two")
    >>> overlapping_texts(fig)
    [('one', 'two')]
    """
    boxes = text_boxes(fig)
    pairs = []
    for i, (a, box_a) in enumerate(boxes):
        shrunk = box_a.padded(-tolerance)
        for b, box_b in boxes[i + 1 :]:
            if shrunk.overlaps(box_b.padded(-tolerance)):
                pairs.append((a.get_text(), b.get_text()))
    return pairs


def _inside(box: Bbox, area: Bbox) -> bool:
    return (
        box.x0 >= area.x0 - 0.5
        and box.x1 <= area.x1 + 0.5
        and box.y0 >= area.y0 - 0.5
        and box.y1 <= area.y1 + 0.5
    )


def place(
    label: Text,
    candidates: Sequence[Callable[[Text], None]],
    taken: list[Bbox],
    area: Bbox,
) -> bool:
    """Move ``label`` to the first candidate position inside ``area`` and clear of ``taken``.

    Each candidate is a function that sets the label's position and alignment.
    When none fits the label takes the first candidate. Its box is added to
    ``taken`` either way.

    Returns
    -------
    bool
        True when a candidate fitted.
    """
    renderer = renderer_of(label.get_figure())
    for candidate in candidates:
        candidate(label)
        box = label.get_window_extent(renderer)
        if _inside(box, area) and not any(box.overlaps(t) for t in taken):
            taken.append(box)
            return True
    candidates[0](label)
    taken.append(label.get_window_extent(renderer))
    return False


def fit_width(label: Text, width: float, *, max_lines: int = 3) -> bool:
    r"""Wrap ``label`` at spaces until its rendered width is at most ``width`` pixels.

    Text is never cut: after ``max_lines`` lines the last line keeps the rest.
    Returns whether the text changed (so a layout made before needs redoing).

    Examples
    --------
    >>> fig = Figure(figsize=(2, 1))
    >>> t = fig.text(0, 0, "a long title that cannot fit on one line of a small figure")
    >>> fit_width(t, 150)
    True
    >>> t.get_text().count("\n") > 0
    True
    >>> fit_width(fig.text(0, 0, "short"), 150)
    False
    """
    renderer = renderer_of(label.get_figure())
    before = label.get_text()
    text = " ".join(before.split())
    label.set_text(text)
    if label.get_window_extent(renderer).width > width:
        for chars in range(len(text) - 1, 8, -2):
            lines = textwrap.wrap(text, chars, break_long_words=False, break_on_hyphens=False)
            if len(lines) > max_lines:
                lines = lines[: max_lines - 1] + [" ".join(lines[max_lines - 1 :])]
            label.set_text("\n".join(lines))
            if label.get_window_extent(renderer).width <= width:
                break
    return label.get_text() != before

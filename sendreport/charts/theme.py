"""Chart style as data: the Analysis Function style and Making Data Count colours.

The style is applied explicitly with :func:`chart_style` (a context manager),
never as a side effect of importing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import afcharts
import matplotlib as mpl
import matplotlib.pyplot as plt
from afcharts.af_colours import get_af_colours
from matplotlib import font_manager

FONT_FAMILY = ["Liberation Sans", "Arial", "DejaVu Sans"]

PRINT_DPI = 200
"""Pixels per inch of the pack's chart images. The charts are laid out at this
resolution too: text measured at another one (font hinting) is not the width
it is drawn, and a label placed clear of another could touch it when printed."""
"""Liberation Sans is metric-compatible with Arial, the GOV.UK standard."""

MDC_COLOURS = {
    "improvement": "#289de0",
    "concern": "#fab428",
    "neutral": "#490092",
    "common_cause": "#7b7d7d",
    "target": "#de1b1b",
    "limits": "#7b7d7d",
    "mean": "#000000",
}
"""Making Data Count colours: blue improvement, orange concern, grey common cause."""


@cache
def af_palette(name: str = "categorical") -> tuple[str, ...]:
    """Return an Analysis Function palette as hex colours.

    Parameters
    ----------
    name
        ``"categorical"``, ``"duo"``, ``"focus"`` or ``"sequential"``.

    Returns
    -------
    tuple of str
        Hex colours in the palette's order.
    """
    return tuple(get_af_colours(name))


@cache
def installed_fonts() -> tuple[str, ...]:
    """The families of :data:`FONT_FAMILY` that are installed, in order (never empty).

    Examples
    --------
    >>> installed_fonts()[-1] in FONT_FAMILY
    True
    """
    names = {f.name for f in font_manager.fontManager.ttflist}
    return tuple(f for f in FONT_FAMILY if f in names) or ("DejaVu Sans",)


def load_fonts() -> None:
    """Find and load the chart fonts at print resolution, as a pack's first chart would.

    Matplotlib keeps the fonts it found and loaded, so a process forked
    afterwards (a batch worker's kernels, :mod:`sendreport.run.forkserver`)
    draws its first chart without looking for them again. Nothing is shown
    and the style is left as it was.

    Examples
    --------
    >>> before = dict(mpl.rcParams)
    >>> load_fonts()
    >>> dict(mpl.rcParams) == before
    True
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with chart_style():
        fig = Figure(figsize=(2, 1), dpi=PRINT_DPI)
        ax = fig.add_subplot()
        ax.set_title("Chart")  # bold, as every chart's title
        ax.plot([0, 1], [0, 1])
        ax.text(0, 0.5, "Label 0.5%")
        FigureCanvasAgg(fig).draw()


def _style_file() -> Path:
    return Path(afcharts.__file__).parent / "afcharts.mplstyle"


@contextlib.contextmanager
def chart_style() -> Iterator[None]:
    """Apply the Analysis Function matplotlib style for the ``with`` block.

    Also fixes what makes output reproducible: Liberation Sans, a fixed
    ``svg.hashsalt`` and no creation date in saved files. Seaborn plots drawn
    inside the block take the same style.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> with chart_style():
    ...     fig, ax = plt.subplots()
    ...     spines = ax.spines["top"].get_visible()
    >>> spines
    False
    >>> plt.close(fig)
    """
    rc = {
        # the installed families themselves, not "sans-serif": a text keeps its font
        # wherever it is drawn
        "font.family": list(installed_fonts()),
        "font.sans-serif": FONT_FAMILY,
        "font.size": 11,
        "axes.titlesize": 12,
        "axes.titleweight": "bold",
        "svg.hashsalt": "sendreport",
        "svg.fonttype": "none",
        "figure.dpi": 100,
    }
    with plt.style.context(str(_style_file())), mpl.rc_context(rc):
        yield

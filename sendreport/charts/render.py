"""Figures to accessible, reproducible HTML for the pack."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from sendreport.charts.theme import chart_style

DPI = 200


def figure_png(fig: Figure) -> bytes:
    """Return the figure as PNG bytes with no timestamp or software stamp.

    Parameters
    ----------
    fig
        A matplotlib figure; it is closed afterwards.

    Returns
    -------
    bytes
        PNG bytes, the same for the same figure.
    """
    buf = io.BytesIO()
    # drawn in the style it was laid out in: fonts resolve when drawing
    with chart_style():
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


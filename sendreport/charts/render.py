"""Figures to accessible, reproducible HTML for the pack."""

from __future__ import annotations

import base64
import html
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


def figure_html(fig: Figure, *, alt: str, caption: str | None = None, id: str | None = None) -> str:
    """Return a ``<figure>`` holding the chart as an image with alt text and a caption.

    Parameters
    ----------
    fig
        The chart; it is closed afterwards.
    alt
        Alt text that says what the chart shows (tagged as the PDF figure's ``/Alt``).
    caption
        One short sentence shown under the chart.
    id
        Optional HTML id.

    Returns
    -------
    str
        HTML for the pack.
    """
    if not alt.strip():
        raise ValueError("a chart needs alt text that says what it shows")
    uri = "data:image/png;base64," + base64.b64encode(figure_png(fig)).decode("ascii")
    id_attr = f' id="{html.escape(id)}"' if id else ""
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f'<figure{id_attr}><img src="{uri}" alt="{html.escape(alt)}">{cap}</figure>'

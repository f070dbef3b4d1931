"""Figures to accessible, reproducible HTML for the pack."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from sendreport.charts.theme import PRINT_DPI, chart_style

DPI = PRINT_DPI


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
    plt.close(fig)
    return buf.getvalue()

"""The comparison edition's funnel plot: each authority's rate against its number of plans."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sendreport.charts.theme import MDC_COLOURS, PRINT_DPI, af_palette, chart_style

LABELLED = 12
"""Authorities outside the 95% limits named on the chart, at most: when more are outside,
none is named on the chart (the edition lists them under it)."""


def plot_funnel(table: pd.DataFrame, curves: dict[str, np.ndarray], sizes: np.ndarray, *,
                p0: float, title: str, comparator: str,
                xlabel: str = "EHC plans issued in the year") -> Figure:
    """Draw a funnel plot: points, the comparator line and the 95% and 99.8% limits.

    Points outside the 95% limits are drawn as triangles (up above, down below),
    the others as circles, and those outside the 95% limits carry their
    names when they are at most :data:`LABELLED` (more would overprint one
    another): shape and words, not colour alone.
    Unpublished points (an area's own pack, ``unpublished`` true) are hollow
    diamonds.

    Parameters
    ----------
    table
        One row per authority: ``la_name``, ``n``, ``rate``, ``position``, ``unpublished``.
    curves
        The limits at ``sizes`` (:func:`sendreport.compare.funnel.limits`).
    sizes
        The sizes the curves are drawn at.
    p0
        The comparator rate.
    title
        A title that states the finding.
    comparator
        The comparator's name for the legend (``"England 2024"``).
    xlabel
        The size axis's label, with the year and what is counted.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> t = pd.DataFrame({"la_name": ["A", "B"], "n": [100.0, 400.0], "rate": [0.3, 0.5],
    ...                   "position": ["below 95%", "within"], "unpublished": [False, False]})
    >>> from sendreport.compare.funnel import limits
    >>> sizes = np.array([20.0, 200.0, 500.0])
    >>> fig = plot_funnel(t, limits(sizes, 0.46), sizes, p0=0.46, title="Most within limits",
    ...                   comparator="England 2024")
    >>> [tx.get_text() for tx in fig.axes[0].texts]
    ['A']
    """
    blue, grey = af_palette("categorical")[0], MDC_COLOURS["limits"]
    with chart_style():
        fig = Figure(figsize=(7.2, 4.6), dpi=PRINT_DPI, facecolor="white")
        ax = fig.add_subplot()
        ax.plot(sizes, np.full_like(sizes, p0 * 100), color="black", lw=1.2, label=comparator)
        for name, style in (("95%", "--"), ("99.8%", ":")):
            ax.plot(sizes, curves[f"{name} upper"] * 100, color=grey, ls=style, lw=1.2,
                    label=f"{name} limits")
            ax.plot(sizes, curves[f"{name} lower"] * 100, color=grey, ls=style, lw=1.2)
        published = table[~table["unpublished"].astype(bool)]
        for where, marker in (("within", "o"), ("above", "^"), ("below", "v")):
            rows = published[published["position"].str.startswith(where)]
            if len(rows):
                ax.scatter(rows["n"], rows["rate"] * 100, marker=marker, s=26, color=blue,
                           zorder=3, label={"within": "Within 95% limits",
                                            "above": "Above 95% limits",
                                            "below": "Below 95% limits"}[where])
        own = table[table["unpublished"].astype(bool)]
        if len(own):
            ax.scatter(own["n"], own["rate"] * 100, marker="D", s=34, facecolors="white",
                       edgecolors="black", zorder=4, label="Area's own pack (unpublished)")
        own_pack = table["unpublished"].astype(bool)
        named = table[(table["position"].fillna("").str.len() > 0)
                      & (table["position"] != "within") & ~own_pack]
        if len(named) > LABELLED:  # too many to name without names overprinting each other
            named = named.iloc[:0]
        for _, row in pd.concat([named, table[own_pack]]).iterrows():
            ax.annotate(str(row["la_name"]), (row["n"], row["rate"] * 100), fontsize=7,
                        xytext=(4, 3), textcoords="offset points")
        ax.set_xlim(0, float(sizes.max()) * 1.02)
        ax.set_ylim(0, 100)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Issued within 20 weeks (%)")
        ax.set_title("\n".join(textwrap.wrap(title, 80)), loc="left", fontsize=10, pad=10)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, fontsize=7,
                  frameon=False)
        fig.tight_layout()
    return fig

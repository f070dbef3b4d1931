"""A small bar chart of a KPI's baseline, last stocktake and latest value against its target."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from sendreport.charts.theme import MDC_COLOURS, af_palette, chart_style
from sendreport.tables import format_value, is_missing


def plot_progress(
    values: Mapping[str, float | None],
    *,
    title: str,
    unit: str,
    target: float | None = None,
    suppressed: bool = False,
) -> Figure:
    """Bar chart of labelled values (e.g. baseline, last stocktake, latest) with a target line.

    Parameters
    ----------
    values
        Bar label to value; missing values are drawn as no bar, labelled ``x``
        (or ``c`` when ``suppressed`` and the bar is the latest).
    title
        The chart title (left-aligned).
    unit
        The KPI's unit, for value labels.
    target
        Drawn as a red dashed line with a direct label.
    suppressed
        The latest value is suppressed.

    Returns
    -------
    matplotlib.figure.Figure
        The chart (direct labels; no legend).
    """
    labels = list(values)
    nums = [0.0 if is_missing(v) else float(v) for v in values.values()]
    colour = af_palette("categorical")[0]
    with chart_style():
        fig, ax = plt.subplots(figsize=(6.3, 2.4))
        bars = ax.barh(labels[::-1], nums[::-1], color=colour, height=0.55)
        for bar, (label, v) in zip(bars, list(values.items())[::-1], strict=True):
            text = format_value(v, unit, suppressed=suppressed and label == "Latest")
            ax.annotate(
                text,
                (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=9,
            )
        top = max([*nums, target or 0.0, 1.0]) * 1.2
        if target is not None:
            ax.axvline(target, color=MDC_COLOURS["target"], linestyle="--", linewidth=1.5)
            ax.annotate(
                f"Target {format_value(target, unit)}",
                (target, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(3, 2),
                textcoords="offset points",
                color=MDC_COLOURS["target"],
                fontsize=9,
            )
        ax.set_xlim(0, top)
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
        ax.set_title(title, loc="left", fontsize=11)
        fig.tight_layout()
    return fig


def progress_alt_text(
    values: Mapping[str, float | None],
    *,
    name: str,
    unit: str,
    target: float | None = None,
    suppressed: bool = False,
) -> str:
    """Alt text for :func:`plot_progress`.

    Examples
    --------
    >>> progress_alt_text({"Baseline": 31.0, "Latest": 46.2}, name="Plans in 20 weeks", unit="%",
    ...                   target=60)
    'Bar chart of Plans in 20 weeks: baseline 31.0%, latest 46.2%; target 60.0%.'
    """
    parts = [
        f"{label.lower()} "
        + format_value(
            v, unit, suppressed=suppressed and label == "Latest", missing="not available"
        )
        for label, v in values.items()
    ]
    text = f"Bar chart of {name}: " + ", ".join(parts)
    if target is not None:
        text += f"; target {format_value(target, unit)}"
    return text + "."

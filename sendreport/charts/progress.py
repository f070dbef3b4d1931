"""A small bar chart of a KPI's baseline, last stocktake and latest value against its target."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

from matplotlib.figure import Figure

from sendreport.charts.labels import fit_width, pixels, renderer_of
from sendreport.charts.theme import MDC_COLOURS, PRINT_DPI, af_palette, chart_style
from sendreport.vocabulary import format_value, is_missing

LABEL_WRAP = 26
"""Characters per line of a bar's label."""


def plot_progress(
    values: Mapping[str, float | str | None],
    *,
    title: str,
    unit: str,
    target: float | None = None,
    suppressed: bool = False,
) -> Figure:
    """Bar chart of labelled values (e.g. dated baseline, last stocktake, latest) with a target.

    Bars are drawn top to bottom in the order given; the last is the latest.
    Every text is plain text (``$`` never starts mathtext); the target's label
    sits inside the plot in a band above the bars, clear of the title.

    Parameters
    ----------
    values
        Bar label to value; missing values are drawn as no bar, labelled ``x``
        (or ``c`` when ``suppressed``: every missing bar after the baseline). A
        text instead of a number (the symbol of a figure not shown) is drawn as
        no bar, labelled with that text.
    title
        The chart title (left-aligned).
    unit
        The KPI's unit, for value labels.
    target
        Drawn as a red dashed line with a direct label.
    suppressed
        The latest values are suppressed.

    Returns
    -------
    matplotlib.figure.Figure
        The chart (direct labels; no legend).

    Examples
    --------
    >>> fig = plot_progress({"Baseline (2022-23)": 12.5, "Latest (Jul to Dec 2024)": 41.4},
    ...                     title="Plans within 20 weeks more than tripled", unit="%",
    ...                     target=60)
    >>> [t.get_text() for t in fig.axes[0].texts][:2]
    ['12.5%', '41.4%']
    """
    labels = list(values)
    nums = [0.0 if isinstance(v, str) or is_missing(v) else float(v) for v in values.values()]
    colour = af_palette("categorical")[0]
    n = len(labels)
    with chart_style():
        fig = Figure(figsize=(6.3, 2.4), facecolor="white", dpi=PRINT_DPI)
        ax = fig.add_subplot()
        positions = list(range(n - 1, -1, -1))
        bars = ax.barh(positions, nums, color=colour, height=0.55)
        ax.set_yticks(positions, [textwrap.fill(label, LABEL_WRAP) for label in labels])
        value_labels = []
        for i, (bar, v) in enumerate(zip(bars, values.values(), strict=True)):
            text = v if isinstance(v, str) else format_value(
                v, unit, suppressed=suppressed and i > 0 and is_missing(v)
            )
            value_labels.append(
                ax.annotate(
                    text,
                    (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                    xytext=(4, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=9,
                    parse_math=False,
                    gid="value_label",
                )
            )
        top = max([*nums, target or 0.0, 1.0]) * 1.2
        ax.set_ylim(-0.5, n - 0.5 + (0.6 if target is not None else 0.0))
        if target is not None:
            ax.axvline(target, color=MDC_COLOURS["target"], linestyle="--", linewidth=1.5)
            right = target < top * 0.6
            ax.annotate(
                f"Target {format_value(target, unit)}",
                (target, n - 0.5 + 0.3),
                xytext=(3 if right else -3, 0),
                textcoords="offset points",
                ha="left" if right else "right",
                va="center",
                color=MDC_COLOURS["target"],
                fontsize=9,
                parse_math=False,
                gid="target_label",
            )
        ax.set_xlim(0, top)
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
        ax.set_title(title, loc="left", fontsize=11, parse_math=False)
        for tick in ax.get_yticklabels():
            tick.set_parse_math(False)
        # the figure is printed whole: a narrow margin, as the SPC charts have
        fig.tight_layout(pad=0.4)
        if fit_width(ax._left_title,
                     fig.bbox.width - ax.get_window_extent(renderer_of(fig)).x0 - pixels(fig, 3)):
            fig.tight_layout(pad=0.4)
        if target is not None:
            _clear_of_target(ax, value_labels, target)
    return fig


def _clear_of_target(ax, labels, target: float) -> None:
    """Move a value label the target line runs through to just past the line."""
    renderer = renderer_of(ax.get_figure())
    line_x = ax.transData.transform((target, 0))[0]
    gap = pixels(ax.get_figure(), 1.5)
    for label in labels:
        box = label.get_window_extent(renderer)
        if box.x0 - gap <= line_x <= box.x1 + gap:
            label.xy = (max(label.xy[0], target), label.xy[1])
            label.xyann = (5, 0)


def progress_alt_text(
    values: Mapping[str, float | str | None],
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
        f"{label[:1].lower() + label[1:]} "
        + (v if isinstance(v, str) else format_value(
            v, unit, suppressed=suppressed and i > 0 and is_missing(v), missing="not available"
        ))
        for i, (label, v) in enumerate(values.items())
    ]
    text = f"Bar chart of {name}: " + ", ".join(parts)
    if target is not None:
        text += f"; target {format_value(target, unit)}"
    return text + "."

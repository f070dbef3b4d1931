"""The Making Data Count SPC chart, its alt text, caption and a title that states the finding."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import Bbox

from sendreport.charts.labels import fit_width, pixels, place, renderer_of
from sendreport.charts.theme import MDC_COLOURS, PRINT_DPI, chart_style
from sendreport.errors import ParameterError
from sendreport.spc import assurance, reading
from sendreport.vocabulary import IMPROVEMENTS, format_value

__all__ = [
    "GAP_WORDS",
    "MARKERS",
    "gap_key",
    "gap_symbols",
    "plot_spc",
    "possible_range",
    "rebase_steps",
    "spc_alt_text",
    "spc_caption",
    "spc_title",
]

FIGSIZE = (16 / 2.54, 8 / 2.54)
"""About 16 x 8 cm: the width of an A4 page inside its margins."""

MARKERS = {
    "common_cause": ("o", MDC_COLOURS["common_cause"], "Common cause"),
    "special_cause_improvement": ("D", MDC_COLOURS["improvement"], "Improvement"),
    "special_cause_concern": ("s", MDC_COLOURS["concern"], "Concern"),
    "special_cause_neutral_high": ("^", MDC_COLOURS["neutral"], "Special cause (high)"),
    "special_cause_neutral_low": ("v", MDC_COLOURS["neutral"], "Special cause (low)"),
}
"""Marker shape, colour and legend label per point type: shape as well as colour."""

_REQUIRED = ("mean", "lpl", "upl", "point_type")


def _with_groups(result: pd.DataFrame) -> pd.DataFrame:
    """Add ``rebase_group`` and ``trial_limits`` when a reduced result lacks them.

    ``kpi_series.csv`` keeps only ``mean``, ``lpl``, ``upl`` and ``point_type``;
    a change of mean or limits then marks a new rebase group.
    """
    out = result
    if "rebase_group" not in out.columns:
        levels = out[["mean", "lpl", "upl"]].astype(float).fillna(-np.inf)
        changed = levels.ne(levels.shift()).any(axis=1)
        changed.iloc[:1] = False
        out = out.assign(rebase_group=changed.cumsum().astype(np.int64))
    if "trial_limits" not in out.columns:
        out = out.assign(trial_limits=False)
    return out


def _check(result: pd.DataFrame, improvement: str, value: str, date: str) -> None:
    if improvement not in IMPROVEMENTS:
        raise ParameterError(
            f"improvement must be 'increase', 'decrease' or 'neutral', not {improvement!r}"
        )
    missing = [c for c in (value, date, *_REQUIRED) if c not in result.columns]
    if missing:
        raise ParameterError(
            f"plot_spc requires missing columns: {', '.join(missing)} (pass the result of "
            f"sendreport.spc.xmr). Found: {', '.join(map(str, result.columns))}"
        )
    if result[date].duplicated().any():
        raise ParameterError(
            f"plot_spc draws one series; found repeated dates in {date!r} "
            "(filter the xmr result to one series first)"
        )


def _y_label(unit: str) -> str:
    return {"%": "Per cent", "count": "Number", "weeks": "Weeks", "days": "Days"}.get(unit, unit)


def _tick(unit: str):
    suffix = "%" if unit == "%" else ""
    return FuncFormatter(lambda y, _: f"{round(y, 6):,g}{suffix}")


def possible_range(unit: str) -> tuple[float | None, float | None]:
    """The values a measure can take: 0 to 100 for a percentage, not below 0 for counts and waits.

    Examples
    --------
    >>> possible_range("%"), possible_range("weeks"), possible_range("index")
    ((0.0, 100.0), (0.0, None), (None, None))
    """
    if unit == "%":
        return (0.0, 100.0)
    if unit in ("count", "weeks", "days"):
        return (0.0, None)
    return (None, None)


def _clip(values, bounds: tuple[float | None, float | None]) -> np.ndarray:
    low, high = bounds
    out = np.asarray(values, dtype=float)
    return np.clip(out, -np.inf if low is None else low, np.inf if high is None else high)


class _BoundedLocator(MaxNLocator):
    """Nice ticks, none outside the measure's possible range (no "-5%")."""

    def __init__(self, bounds: tuple[float | None, float | None]) -> None:
        super().__init__(nbins=6, steps=[1, 2, 2.5, 5, 10])
        self.bounds = bounds

    def tick_values(self, vmin: float, vmax: float) -> np.ndarray:
        ticks = super().tick_values(vmin, vmax)
        low, high = self.bounds
        span = abs(vmax - vmin) * 1e-9
        keep = np.ones(len(ticks), dtype=bool)
        if low is not None:
            keep &= ticks >= low - span
        if high is not None:
            keep &= ticks <= high + span
        return ticks[keep]


INTERVENTION_WRAP = 28
"""Characters per line of an intervention label."""


def plot_spc(
    result: pd.DataFrame,
    *,
    title: str,
    unit: str = "%",
    improvement: str,
    target: float | None = None,
    target_date: dt.date | None = None,
    trajectory: Sequence[tuple[dt.date, float]] = (),
    interventions: Sequence[tuple[dt.date, str]] = (),
    y_label: str | None = None,
    bounds: tuple[float | None, float | None] | None = None,
    value: str = "value",
    date: str = "month",
) -> Figure:
    """Draw a Making Data Count XmR chart of one series.

    A point with no value inside the chart is a gap in the line, marked at
    the foot of the chart with ``c`` when it is withheld (``suppressed``) and
    ``x`` when it is not available (:func:`gap_symbols`), never dropped
    silently. A rare-event series (``rare_events``, see
    :func:`sendreport.spc.rare_events`) is a run chart: its points are grey,
    with no mean, limits or special-cause colouring.

    The data line is grey with each point coloured and shaped by its type
    (:data:`MARKERS`); the mean is solid and the process limits dashed grey,
    both drawn per rebase group (trial limits are labelled as such) and
    clipped to the measure's possible range (:func:`possible_range`): the
    computed limits stay in the data, only the drawing is clipped, and no axis
    tick lies outside that range. The target is a red dashed line with a direct
    label, trajectory milestones are red open diamonds, and each intervention
    is a dotted vertical line with a short label. The x axis runs from the
    first month to the later of the last month, ``target_date`` and the last
    milestone, so every milestone shows.

    Every text is drawn as plain text (``$`` never starts mathtext), wrapped
    to fit, and placed where it overlaps no other text
    (:func:`sendreport.charts.labels.overlapping_texts` finds none).

    Parameters
    ----------
    result
        The :func:`sendreport.spc.xmr` result of one series (or its ``month``,
        ``value``, ``mean``, ``lpl``, ``upl`` and ``point_type`` columns, as
        in ``kpi_series.csv``).
    title
        Left-aligned title; state the finding (see :func:`spc_title`).
    unit
        ``"%"``, ``"count"``, ``"weeks"``, ``"days"`` or other text.
    improvement
        ``"increase"``, ``"decrease"`` or ``"neutral"`` (named in the legend).
    target
        Target value, or None.
    target_date
        When the target is due; the x axis reaches it.
    trajectory
        ``(date, value)`` milestones.
    interventions
        ``(date, label)`` changes to mark: pass only those that name this
        KPI. Those outside the x axis are not drawn.
    y_label
        Axis label; by default from ``unit``.
    bounds
        ``(low, high)`` possible range (None for open); by default
        :func:`possible_range` of ``unit``.
    value, date
        Names of the value and date columns.

    Returns
    -------
    matplotlib.figure.Figure
        A figure about 16 x 8 cm, not attached to pyplot.

    Examples
    --------
    >>> from sendreport.spc import xmr
    >>> months = pd.date_range("2023-01-01", periods=14, freq="MS")
    >>> result = xmr(pd.DataFrame({"month": months, "value": [20, 22, 19, 25, 24, 21, 23,
    ...                                                        30, 34, 36, 35, 38, 37, 40]}))
    >>> fig = plot_spc(result, title="Plans within 20 weeks doubled in 2023",
    ...                improvement="increase", target=50)
    >>> len(fig.axes)
    1

    Raises
    ------
    ParameterError
        For an unknown ``improvement``, missing columns or more than one series.
    """
    _check(result, improvement, value, date)
    bounds = possible_range(unit) if bounds is None else bounds
    data = _with_groups(result.assign(_x=pd.to_datetime(result[date])))
    data = data.sort_values("_x", kind="stable")
    x = data["_x"].to_numpy()
    y = data[value].to_numpy(dtype=float, na_value=np.nan)
    milestones = [(pd.Timestamp(d), float(v)) for d, v in trajectory]
    with chart_style():
        fig = Figure(figsize=FIGSIZE, facecolor="white", dpi=PRINT_DPI)
        ax = fig.add_subplot()
        ax.plot(x, y, color=MDC_COLOURS["common_cause"], linewidth=1.2, zorder=2)
        handles: list[Line2D] = []
        rare = _is_rare(data)
        kinds = dict(MARKERS)
        types = data["point_type"]
        if rare:  # a run chart: every published point alike, no special-cause colouring
            kinds = {RARE_EVENTS: RARE_MARKER}
            types = pd.Series(np.where(np.isnan(y), None, RARE_EVENTS), index=data.index)
        for kind, (marker, colour, label) in kinds.items():
            mask = (types == kind).to_numpy(dtype=bool, na_value=False)
            if not mask.any():
                continue
            ax.scatter(
                x[mask],
                y[mask],
                marker=marker,
                s=22,
                color=colour,
                zorder=3,
                edgecolors="white",
                linewidths=0.5,
                label=label,
                gid=kind,
                clip_on=False,
            )
            handles.append(
                Line2D([], [], marker=marker, color=colour, linestyle="", markersize=5, label=label)
            )
        half = pd.Timedelta(days=14)
        trial_labels = []
        for _, group in data.groupby("rebase_group", sort=True):
            x0, x1 = group["_x"].iloc[0] - half, group["_x"].iloc[-1] + half
            first = group.iloc[0]
            ax.hlines(
                _clip([first["mean"]], bounds),
                x0,
                x1,
                color=MDC_COLOURS["mean"],
                linewidth=1.0,
                zorder=1,
                gid="mean",
            )
            ax.hlines(
                _clip([first["lpl"], first["upl"]], bounds),
                x0,
                x1,
                color=MDC_COLOURS["limits"],
                linewidth=1.0,
                linestyles="--",
                zorder=1,
                gid="limits",
            )
            if bool(first["trial_limits"]) and not np.isnan(first["upl"]):
                low, high = _clip([first["lpl"], first["upl"]], bounds)
                trial_labels.append((x0, low, high))
        if not rare:
            handles.append(
                Line2D([], [], color=MDC_COLOURS["mean"], linewidth=1.0, label="Mean")
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    color=MDC_COLOURS["limits"],
                    linewidth=1.0,
                    linestyle="--",
                    label="Process limits",
                )
            )
        if target is not None:
            ax.axhline(
                target,
                color=MDC_COLOURS["target"],
                linestyle="--",
                linewidth=1.2,
                zorder=1,
                gid="target",
            )
        if milestones:
            ax.scatter(
                [d for d, _ in milestones],
                [v for _, v in milestones],
                marker="D",
                s=24,
                facecolors="none",
                edgecolors=MDC_COLOURS["target"],
                linewidths=1.0,
                zorder=4,
                gid="trajectory",
                clip_on=False,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="D",
                    color=MDC_COLOURS["target"],
                    markerfacecolor="none",
                    linestyle="",
                    markersize=5,
                    label="Trajectory",
                )
            )
        # x axis: first month to the target date or last milestone, whichever is later
        if len(x):
            right = max([pd.Timestamp(x[-1])] + [d for d, _ in milestones])
            if target_date is not None:
                right = max(right, pd.Timestamp(target_date))
            left = min([pd.Timestamp(x[0])] + [d for d, _ in milestones])
            left = left - pd.Timedelta(days=20)
            ax.set_xlim(left, right + pd.Timedelta(days=20))
        xlim = [mdates.num2date(v).replace(tzinfo=None) for v in ax.get_xlim()]
        shown = [
            (pd.Timestamp(w), str(text))
            for w, text in interventions
            if len(x) and xlim[0] <= pd.Timestamp(w) <= xlim[1]
        ]
        for when, _ in shown:
            ax.axvline(
                when, color="#333333", linestyle=":", linewidth=1.0, zorder=1, gid="intervention"
            )
        ax.set_title(title, loc="left", fontsize=10, parse_math=False)
        ax.set_ylabel(y_label if y_label is not None else _y_label(unit), fontsize=8)
        ax.yaxis.label.set_parse_math(False)
        ax.yaxis.set_major_formatter(_tick(unit))
        ax.yaxis.set_major_locator(_BoundedLocator(bounds))
        locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
        ax.tick_params(labelsize=7)
        ax.grid(axis="x", visible=False)
        levels = np.concatenate(
            [
                y,
                _clip(data["lpl"], bounds),
                _clip(data["upl"], bounds),
                [target if target is not None else np.nan],
                [v for _, v in milestones],
            ]
        )
        levels = levels[np.isfinite(levels)]
        if len(levels):
            low, high = levels.min(), levels.max()
            pad = (high - low) * 0.06 or max(abs(high) * 0.06, 1.0)
            ax.set_ylim(low - pad, high + pad)
        legend = ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.14),
            ncol=len(handles) if len(handles) <= 6 else 4,
            frameon=False,
            fontsize=7,
            handletextpad=0.3,
            columnspacing=1.0,
        )
        for text in legend.get_texts():
            text.set_parse_math(False)
        if _fit_title(fig, ax):
            fig.tight_layout(pad=0.4)
        labels = _add_labels(ax, unit, target, shown, trial_labels)
        _make_headroom(ax, labels)
        fig.tight_layout(pad=0.4)
        marks = _mark_gaps(ax, x, gap_symbols(data, value=value))
        _place_labels(ax, labels, marks)
    return fig


RARE_EVENTS = "rare_events"
RARE_MARKER = ("o", MDC_COLOURS["common_cause"], "Rare events: no SPC limits")
"""Marker of a rare-event series' points: one grey shape for all (a run chart)."""

GAP_WORDS = {
    "c": "withheld (a small number, or one that would reveal another)",
    "x": "not available",
}
"""What a gap's mark on the chart means, for the key in the caption and alt text."""


def _is_rare(result: pd.DataFrame) -> bool:
    """True when the series is a rare event (:func:`sendreport.spc.rare_events`)."""
    if "rare_events" not in result:
        return False
    return bool(result["rare_events"].fillna(False).astype(bool).any())


def gap_symbols(result: pd.DataFrame, *, value: str = "value") -> pd.Series:
    """The mark of each point with no value: ``c`` withheld, ``x`` not available, else ``""``.

    A point is withheld when its ``suppressed`` is true, and not available
    when it has no value otherwise (nothing to measure that month).

    Examples
    --------
    >>> r = pd.DataFrame({"value": [1.0, None, None], "suppressed": [False, True, False]})
    >>> gap_symbols(r).tolist()
    ['', 'c', 'x']
    """
    missing = result[value].isna().to_numpy()
    if "suppressed" in result:
        withheld = result["suppressed"].fillna(False).astype(bool).to_numpy()
    else:
        withheld = np.zeros(len(result), dtype=bool)
    marks = np.where(missing & withheld, "c", np.where(missing, "x", ""))
    return pd.Series(marks, index=result.index, dtype=object)


def gap_key(result: pd.DataFrame, *, value: str = "value") -> str:
    """The key of the chart's gap marks, as a sentence (empty when there is no gap).

    Examples
    --------
    >>> r = pd.DataFrame({"value": [1.0, None], "suppressed": [False, True]})
    >>> gap_key(r)
    'On the chart, c marks a month withheld (a small number, or one that would reveal another).'
    """
    marks = [m for m in ("c", "x") if (gap_symbols(result, value=value) == m).any()]
    if not marks:
        return ""
    grain = _grain(result)
    said = [f"{m} marks a {grain} {GAP_WORDS[m]}" for m in marks]
    return "On the chart, " + " and ".join(said) + "."


def _mark_gaps(ax, x: np.ndarray, marks: pd.Series) -> list[Bbox]:
    """Write each gap's mark at the foot of the chart at its month; return their boxes."""
    texts = []
    for when, mark in zip(x, marks.to_numpy(), strict=True):
        if not mark:
            continue
        texts.append(
            ax.annotate(
                mark,
                (when, 0.0),
                xycoords=("data", "axes fraction"),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=7,
                color="#333333",
                gid="gap_mark",
                parse_math=False,
                zorder=5,
                bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none"},
            )
        )
    renderer = renderer_of(ax.get_figure())
    return [t.get_window_extent(renderer) for t in texts]


def _fit_title(fig: Figure, ax) -> bool:
    """Wrap the title so that it fits the figure's width; return whether it changed."""
    fig.tight_layout(pad=0.4)
    renderer = renderer_of(fig)
    left = ax.get_window_extent(renderer).x0
    title = ax._left_title  # the Text that set_title(loc="left") fills
    return fit_width(title, fig.bbox.width - left - pixels(fig, 3))


def _add_labels(ax, unit, target, interventions, trial_labels) -> dict[str, list]:
    """Create the direct labels (placed later by :func:`_place_labels`)."""
    labels: dict[str, list] = {"intervention": [], "target": [], "trial": []}
    for when, text in interventions:
        wrapped = "\n".join(textwrap.wrap(text, INTERVENTION_WRAP, break_long_words=False)) or text
        t = ax.annotate(
            wrapped,
            (when, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, -2),
            textcoords="offset points",
            va="top",
            fontsize=7,
            color="#333333",
            gid="intervention_label",
            parse_math=False,
        )
        labels["intervention"].append((t, when))
    if target is not None:
        t = ax.annotate(
            f"Target {format_value(target, unit)}",
            (1.0, target),
            xycoords=("axes fraction", "data"),
            xytext=(-2, 3),
            textcoords="offset points",
            ha="right",
            fontsize=8,
            color=MDC_COLOURS["target"],
            gid="target_label",
            parse_math=False,
        )
        labels["target"].append((t, target))
    for x0, low, high in trial_labels:
        t = ax.annotate(
            "Trial limits",
            (x0, high),
            xytext=(2, 2),
            textcoords="offset points",
            fontsize=7,
            color=MDC_COLOURS["limits"],
            gid="trial_label",
            parse_math=False,
        )
        labels["trial"].append((t, (x0, low, high)))
    return labels


def _make_headroom(ax, labels: dict[str, list]) -> None:
    """Raise the top of the y axis so intervention labels sit above the data."""
    if not labels["intervention"]:
        return
    renderer = renderer_of(ax.get_figure())
    box = ax.get_window_extent(renderer)
    tallest = max(t.get_window_extent(renderer).height for t, _ in labels["intervention"])
    share = min((tallest + pixels(ax.get_figure(), 4.5)) / box.height, 0.45)
    low, high = ax.get_ylim()
    ax.set_ylim(low, low + (high - low) / (1 - share))


def _place_labels(ax, labels: dict[str, list], marks: Sequence[Bbox] = ()) -> None:
    """Put every direct label where it stays inside the axes and clear of the others."""
    renderer = renderer_of(ax.get_figure())
    area = ax.get_window_extent(renderer)
    # milestone markers are kept clear too: a label must not hide the target's own milestone
    r = pixels(ax.get_figure(), 3.5)
    taken = [
        Bbox.from_extents(px - r, py - r, px + r, py + r)
        for c in ax.collections
        if c.get_gid() == "trajectory"
        for px, py in ax.transData.transform(c.get_offsets())
    ] + list(marks)
    for t, _ in labels["intervention"]:

        def right(label):
            label.set_ha("left")
            label.xyann = (2, label.xyann[1])

        def left(label):
            label.set_ha("right")
            label.xyann = (-2, label.xyann[1])

        def lower(label, side, step):
            side(label)
            label.xyann = (label.xyann[0], -2 - step)

        height = t.get_window_extent(renderer).height * 72 / ax.get_figure().dpi
        candidates = [right, left]
        for k in range(1, 4):
            step = k * (height + 2)
            candidates += [
                lambda label, s=step: lower(label, right, s),
                lambda label, s=step: lower(label, left, s),
            ]
        place(t, candidates, taken, area)
    for t, _ in labels["target"]:

        def spot(ha, x, dy, va):
            def move(label):
                label.xy = (x, label.xy[1])
                label.set_ha(ha)
                label.set_va(va)
                label.xyann = (-2 if ha == "right" else 2, dy)

            return move

        place(
            t,
            [
                spot("right", 1.0, 3, "bottom"),
                spot("right", 1.0, -3, "top"),
                spot("left", 0.0, 3, "bottom"),
                spot("left", 0.0, -3, "top"),
            ],
            taken,
            area,
        )
    for t, (_, low, high) in labels["trial"]:

        def at(level, dy, va):
            def move(label):
                label.xy = (label.xy[0], level)
                label.xyann = (2, dy)
                label.set_va(va)

            return move

        place(t, [at(high, 2, "bottom"), at(low, -2, "top"), at(high, -2, "top")], taken, area)


def _runs_since(result: pd.DataFrame, date: str) -> tuple[str | None, pd.Timestamp | None]:
    """Last observed point type and the date its run of that type began."""
    observed = result.dropna(subset=["point_type"])
    if observed.empty:
        return None, None
    types = observed["point_type"].to_numpy()
    last = types[-1]
    start = len(types) - 1
    while start > 0 and types[start - 1] == last:
        start -= 1
    return str(last), pd.Timestamp(observed[date].iloc[start])


_SPECIAL = {
    "special_cause_improvement": "special cause improvement",
    "special_cause_concern": "special cause concern",
    "special_cause_neutral_high": "special cause variation (high)",
    "special_cause_neutral_low": "special cause variation (low)",
}


def spc_alt_text(
    result: pd.DataFrame,
    *,
    name: str,
    unit: str = "%",
    improvement: str,
    target: float | None = None,
    value: str = "value",
    date: str = "month",
    not_assessed: str | None = None,
    rebases: Sequence[tuple[dt.date, str]] = (),
) -> str:
    """Alt text for :func:`plot_spc`, generated from the result.

    The latest value is the series' latest point in the period, said as
    withheld or not available when it has no value (never an older point's);
    gaps are counted with their marks (``c``, ``x``); a restart of the mean
    and limits names the intervention that started it.

    Parameters
    ----------
    result
        The :func:`sendreport.spc.xmr` result of one series.
    name
        What the series measures.
    unit
        ``"%"``, ``"count"``, ``"weeks"``, ``"days"`` or other text.
    improvement
        ``"increase"``, ``"decrease"`` or ``"neutral"``.
    target
        Target value, or None.
    value, date
        Names of the value and date columns.
    not_assessed
        Why variation and assurance are not assessed (:class:`sendreport.spc.Reading`);
        empty when they are read from the latest point; by default
        :func:`sendreport.spc.reading` of ``result``.
    rebases
        ``(date, label)`` of the interventions that restart the limits.

    Returns
    -------
    str
        For example "SPC chart of EHC plans issued within 20 weeks: 36 months;
        latest 46.0%; special cause improvement since June 2024; target 60.0%
        not reliably met."

    Examples
    --------
    >>> r = pd.DataFrame({"month": pd.to_datetime(["2024-10-01", "2024-11-01", "2024-12-01"]),
    ...     "value": [5.1, 4.0, None], "suppressed": [False, False, True], "mean": 4.5,
    ...     "lpl": 1.0, "upl": 8.0, "point_type": ["common_cause", "common_cause", None]})
    >>> spc_alt_text(r, name="Autism assessments within 13 weeks", improvement="increase",
    ...              not_assessed="the latest month, December 2024, is withheld")
    ... # doctest: +NORMALIZE_WHITESPACE
    'SPC chart of Autism assessments within 13 weeks: 3 months (1 withheld, marked c);
     latest month, December 2024, withheld (c); variation and assurance not assessed:
     the latest month, December 2024, is withheld.'

    Raises
    ------
    ParameterError
        As :func:`plot_spc`.
    """
    _check(result, improvement, value, date)
    if not_assessed is None:
        not_assessed = reading(result, improvement=improvement, value=value,
                               date=date).not_assessed
    data = _with_groups(result.sort_values(date, key=pd.to_datetime, kind="stable"))
    grain = _grain(data)
    parts = [f"{len(data)} {grain}s"]
    marks = gap_symbols(data, value=value)
    gaps = [
        f"{n} {GAP_WORDS[m] if m == 'x' else 'withheld'}, marked {m}"
        for m in ("c", "x")
        if (n := int((marks == m).sum()))
    ]
    if gaps:
        parts[0] += f" ({'; '.join(gaps)})"
    if len(data):  # the latest point in the period, never an older one
        last = data.iloc[-1]
        if pd.isna(last[value]):
            mark = marks.iloc[-1]
            said = "withheld" if mark == "c" else "not available"
            parts.append(f"latest {grain}, {_period(last[date], grain)}, {said} ({mark})")
        else:
            parts.append(f"latest {format_value(last[value], unit)}")
    kind, since = _runs_since(data, date)
    if not_assessed:
        parts.append(f"variation and assurance not assessed: {not_assessed}")
    elif kind == "common_cause":
        parts.append(
            "common cause variation only"
            if data["point_type"].dropna().eq(kind).all()
            else "common cause variation at the latest point"
        )
    elif kind is not None:
        parts.append(f"{_SPECIAL[kind]} since {since:%B %Y}")
    steps = rebase_steps(data, rebases, date=date)
    if steps:
        listed = [f"{start:%B %Y}, after {label}" if label else f"{start:%B %Y}"
                  for start, label in steps]
        joined = "; and from ".join(listed)
        parts.append(f"mean and limits recalculated from {joined}")
    if bool(data["trial_limits"].iloc[-1]) and not _is_rare(data):
        parts.append("trial limits (fewer than 12 points)")
    if target is not None and not_assessed:
        parts.append(f"target {format_value(target, unit)}")
    elif target is not None:
        status = assurance(data, target, improvement)
        words = {
            "consistent_pass": "consistently met",
            "consistent_fail": "consistently missed",
            "inconsistent": "not reliably met",
        }.get(status or "", "")
        parts.append(f"target {format_value(target, unit)} {words}".strip())
    kind_of_chart = "Run chart (rare events, no SPC limits)" if _is_rare(data) else "SPC chart"
    return f"{kind_of_chart} of {name}: " + "; ".join(parts) + "."


def spc_caption(
    result: pd.DataFrame,
    *,
    name: str,
    unit: str = "%",
    improvement: str,
    target: float | None = None,
    value: str = "value",
    date: str = "month",
) -> str:
    """One short sentence saying what the chart shows.

    Examples
    --------
    >>> r = pd.DataFrame({"month": pd.to_datetime(["2024-01-01", "2024-02-01"]),
    ...     "value": [1.0, 2.0], "mean": 1.5, "lpl": 0.0, "upl": 3.0, "rebase_group": 0,
    ...     "trial_limits": True, "point_type": "common_cause"})
    >>> spc_caption(r, name="Annual reviews on time", improvement="increase", target=5.0)
    ... # doctest: +NORMALIZE_WHITESPACE
    'Annual reviews on time by month, January 2024 to February 2024,
     with its mean, process limits and the 5.0% target.'
    """
    _check(result, improvement, value, date)
    months = pd.to_datetime(result[date])
    lines = ["its mean", "process limits"]
    if target is not None:
        lines.append(f"the {format_value(target, unit)} target")
    listed = ", ".join(lines[:-1]) + " and " + lines[-1]
    span = f"{months.min():%B %Y} to {months.max():%B %Y}" if len(months) else "no months"
    return f"{name} by {_grain(result)}, {span}, with {listed}."


def _grain(result: pd.DataFrame) -> str:
    """``"quarter"`` for a series published by quarter (disclosure control), else ``"month"``."""
    quarterly = "grain" in result and len(result) and (result["grain"] == "quarter").all()
    return "quarter" if quarterly else "month"


def _period(month, grain: str) -> str:
    """A point's period in words: ``December 2024``, or ``October to December 2024``."""
    start = pd.Timestamp(month)
    if grain != "quarter":
        return f"{start:%B %Y}"
    end = start + pd.DateOffset(months=2)
    first = f"{start:%B}" if end.year == start.year else f"{start:%B %Y}"
    return f"{first} to {end:%B %Y}"


def rebase_steps(
    result: pd.DataFrame, rebases: Sequence[tuple[dt.date, str]] = (), *, date: str = "month"
) -> list[tuple[pd.Timestamp, str]]:
    """Where the mean and limits restart, with the intervention that restarted them.

    Each step is the first point of a rebase group after the first, with the
    label of the latest of ``rebases`` on or before it (``""`` when none is
    given).

    Examples
    --------
    >>> r = pd.DataFrame({"month": pd.to_datetime(["2023-07-01", "2023-10-01", "2024-01-01"]),
    ...                   "rebase_group": [0, 1, 1], "mean": [5.0, 30.0, 30.0],
    ...                   "lpl": 0.0, "upl": 50.0})
    >>> rebase_steps(r, [(dt.date(2023, 9, 1), "EHC coordinators recruited")])
    [(Timestamp('2023-10-01 00:00:00'), 'EHC coordinators recruited')]
    """
    data = _with_groups(result.sort_values(date, key=pd.to_datetime, kind="stable"))
    # months the data do not cover have no group (nullable): restarts are between known groups
    grouped = data[data["rebase_group"].notna()]
    group = grouped["rebase_group"].astype("int64")
    starts = pd.to_datetime(grouped.loc[group.ne(group.shift()).to_numpy(), date].iloc[1:])
    known = sorted((pd.Timestamp(d), str(label)) for d, label in rebases)
    steps = []
    for start in starts:
        before = [label for when, label in known if when <= start]
        steps.append((pd.Timestamp(start), before[-1] if before else ""))
    return steps


def spc_title(
    result: pd.DataFrame,
    *,
    name: str,
    improvement: str,
    value: str = "value",
    date: str = "month",
    variation: str | None = None,
    not_assessed: str | None = None,
    rebases: Sequence[tuple[dt.date, str]] = (),
) -> str:
    """Return a chart title that states the finding of the latest point.

    ``variation`` is the reading the pack decided once (the point type of
    the latest observed point, :func:`sendreport.spc.reading`); without it the
    title reads it from ``result`` by the same rule. ``not_assessed`` (the
    reading's reason, by default :func:`sendreport.spc.reading` of ``result``)
    makes the title say so instead: "not assessed, the
    latest month, March 2025, is withheld", or for a rare-event series that
    it is not judged by SPC limits. A rebased chart names its last step and
    the intervention in ``rebases`` that started it: "limits from October
    2023, after EHC coordinators recruited".

    Examples
    --------
    >>> r = pd.DataFrame({"month": pd.to_datetime(["2024-05-01", "2024-06-01"]),
    ...     "value": [1.0, 2.0], "mean": 1.5, "lpl": 0.0, "upl": 3.0, "rebase_group": 0,
    ...     "trial_limits": True, "point_type": ["common_cause", "special_cause_improvement"]})
    >>> spc_title(r, name="EHC plans within 20 weeks", improvement="increase")
    'EHC plans within 20 weeks: improving since June 2024'
    >>> spc_title(r.assign(rebase_group=[0, 1]), name="Plans on time",
    ...           improvement="increase", rebases=[(dt.date(2024, 6, 1), "Coordinators")])
    'Plans on time: improving since June 2024; limits from June 2024, after Coordinators'
    """
    _check(result, improvement, value, date)
    if not_assessed is None:
        not_assessed = reading(result, improvement=improvement, value=value,
                               date=date).not_assessed
    data = result.sort_values(date, key=pd.to_datetime, kind="stable")
    steps = rebase_steps(data, rebases, date=date)
    step = ""
    if steps:
        start, label = steps[-1]
        step = f"; limits from {start:%B %Y}" + (f", after {label}" if label else "")
    if _is_rare(data):
        shown = data[value].dropna()
        zeros = int((shown == 0).sum())
        return (
            f"{name}: rare events ({zeros} of {len(shown)} {_grain(data)}s at zero), "
            "judged against the baseline, not by SPC limits"
        )
    if not_assessed:
        return f"{name}: not assessed, {not_assessed}{step}"
    kind, since = _runs_since(data, date)
    if variation is not None and kind != variation:
        raise ValueError(f"spc_title: the series' latest point is {kind}, not {variation}")
    if kind is None:
        return f"{name}: no data to show"
    if kind == "common_cause":
        return f"{name}: no significant change{step}"
    verb = {
        "special_cause_improvement": "improving",
        "special_cause_concern": "getting worse",
        "special_cause_neutral_high": "higher than usual",
        "special_cause_neutral_low": "lower than usual",
    }[kind]
    return f"{name}: {verb} since {since:%B %Y}{step}"

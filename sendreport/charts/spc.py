"""The Making Data Count SPC chart, its alt text, caption and a title that states the finding."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from sendreport.charts.theme import MDC_COLOURS, chart_style
from sendreport.errors import ParameterError
from sendreport.spc import IMPROVEMENTS, assurance
from sendreport.tables import format_value

__all__ = ["MARKERS", "plot_spc", "spc_alt_text", "spc_caption", "spc_title"]

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


def plot_spc(
    result: pd.DataFrame,
    *,
    title: str,
    unit: str = "%",
    improvement: str,
    target: float | None = None,
    trajectory: Sequence[tuple[dt.date, float]] = (),
    interventions: Sequence[tuple[dt.date, str]] = (),
    y_label: str | None = None,
    value: str = "value",
    date: str = "month",
) -> Figure:
    """Draw a Making Data Count XmR chart of one series.

    The data line is grey with each point coloured and shaped by its type
    (:data:`MARKERS`); the mean is solid and the process limits dashed grey,
    both drawn per rebase group (trial limits are labelled as such); the
    target is a red dashed line with a direct label, trajectory milestones are
    red open diamonds, and each intervention is a dotted vertical line with a
    short label.

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
    trajectory
        ``(date, value)`` milestones.
    interventions
        ``(date, label)`` changes to mark.
    y_label
        Axis label; by default from ``unit``.
    value, date
        Names of the value and date columns.

    Returns
    -------
    matplotlib.figure.Figure
        A figure about 16 x 8 cm, not attached to pyplot.

    Raises
    ------
    ParameterError
        For an unknown ``improvement``, missing columns or more than one series.
    """
    _check(result, improvement, value, date)
    data = _with_groups(result.assign(_x=pd.to_datetime(result[date])))
    data = data.sort_values("_x", kind="stable")
    x = data["_x"].to_numpy()
    y = data[value].to_numpy(dtype=float, na_value=np.nan)
    with chart_style():
        fig = Figure(figsize=FIGSIZE, facecolor="white")
        ax = fig.add_subplot()
        ax.plot(x, y, color=MDC_COLOURS["common_cause"], linewidth=1.2, zorder=2)
        handles: list[Line2D] = []
        for kind, (marker, colour, label) in MARKERS.items():
            mask = (data["point_type"] == kind).to_numpy(dtype=bool, na_value=False)
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
            )
            handles.append(
                Line2D([], [], marker=marker, color=colour, linestyle="", markersize=5, label=label)
            )
        half = pd.Timedelta(days=14)
        for _, group in data.groupby("rebase_group", sort=True):
            x0, x1 = group["_x"].iloc[0] - half, group["_x"].iloc[-1] + half
            first = group.iloc[0]
            ax.hlines(
                first["mean"],
                x0,
                x1,
                color=MDC_COLOURS["mean"],
                linewidth=1.0,
                zorder=1,
                gid="mean",
            )
            ax.hlines(
                [first["lpl"], first["upl"]],
                x0,
                x1,
                color=MDC_COLOURS["limits"],
                linewidth=1.0,
                linestyles="--",
                zorder=1,
                gid="limits",
            )
            if bool(first["trial_limits"]) and not np.isnan(first["upl"]):
                ax.annotate(
                    "Trial limits",
                    (x0, first["upl"]),
                    xytext=(2, 2),
                    textcoords="offset points",
                    fontsize=7,
                    color=MDC_COLOURS["limits"],
                    gid="trial_label",
                )
        handles.append(Line2D([], [], color=MDC_COLOURS["mean"], linewidth=1.0, label="Mean"))
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
            ax.annotate(
                f"Target {format_value(target, unit)}",
                (1.0, target),
                xycoords=("axes fraction", "data"),
                xytext=(-2, 3),
                textcoords="offset points",
                ha="right",
                fontsize=8,
                color=MDC_COLOURS["target"],
                gid="target_label",
            )
        if trajectory:
            tx = pd.to_datetime([d for d, _ in trajectory])
            ty = [float(v) for _, v in trajectory]
            ax.scatter(
                tx,
                ty,
                marker="D",
                s=24,
                facecolors="none",
                edgecolors=MDC_COLOURS["target"],
                linewidths=1.0,
                zorder=4,
                gid="trajectory",
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
        for when, label in interventions:
            ix = pd.Timestamp(when)
            ax.axvline(
                ix, color="#333333", linestyle=":", linewidth=1.0, zorder=1, gid="intervention"
            )
            ax.annotate(
                label,
                (ix, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(2, -2),
                textcoords="offset points",
                va="top",
                fontsize=7,
                color="#333333",
                gid="intervention_label",
            )
        ax.set_title(title, loc="left", fontsize=10)
        ax.set_ylabel(y_label if y_label is not None else _y_label(unit), fontsize=8)
        ax.yaxis.set_major_formatter(_tick(unit))
        locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
        ax.tick_params(labelsize=7)
        ax.grid(axis="x", visible=False)
        if len(x):
            ax.set_xlim(x[0] - np.timedelta64(20, "D"), x[-1] + np.timedelta64(20, "D"))
        levels = np.concatenate(
            [
                y,
                data["lpl"],
                data["upl"],
                [target if target is not None else np.nan],
                [float(v) for _, v in trajectory],
            ]
        )
        levels = levels[np.isfinite(levels)]
        if len(levels):
            low, high = levels.min(), levels.max()
            pad = (high - low) * 0.06 or max(abs(high) * 0.06, 1.0)
            top = high + pad * (3 if interventions or target is not None else 1)
            ax.set_ylim(low - pad, top)
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.14),
            ncol=len(handles) if len(handles) <= 6 else 4,
            frameon=False,
            fontsize=7,
            handletextpad=0.3,
            columnspacing=1.0,
        )
        fig.tight_layout(pad=0.4)
    return fig


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
) -> str:
    """Alt text for :func:`plot_spc`, generated from the result.

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

    Returns
    -------
    str
        For example "SPC chart of EHC plans issued within 20 weeks: 36 months;
        latest 46.0%; special cause improvement since June 2024; target 60.0%
        not reliably met."

    Raises
    ------
    ParameterError
        As :func:`plot_spc`.
    """
    _check(result, improvement, value, date)
    data = _with_groups(result.sort_values(date, key=pd.to_datetime, kind="stable"))
    parts = [f"{len(data)} {_grain(data)}s"]
    missing = int(data[value].isna().sum())
    if missing:
        parts[0] += f" ({missing} not shown)"
    observed = data.dropna(subset=[value])
    if not observed.empty:
        parts.append(f"latest {format_value(observed[value].iloc[-1], unit)}")
    kind, since = _runs_since(data, date)
    if kind == "common_cause":
        parts.append(
            "common cause variation only"
            if data["point_type"].dropna().eq(kind).all()
            else "common cause variation at the latest point"
        )
    elif kind is not None:
        parts.append(f"{_SPECIAL[kind]} since {since:%B %Y}")
    if bool(data["trial_limits"].iloc[-1]):
        parts.append("trial limits (fewer than 12 points)")
    if target is not None:
        status = assurance(data, target, improvement)
        words = {
            "consistent_pass": "consistently met",
            "consistent_fail": "consistently missed",
            "inconsistent": "not reliably met",
        }.get(status or "", "")
        parts.append(f"target {format_value(target, unit)} {words}".strip())
    return f"SPC chart of {name}: " + "; ".join(parts) + "."


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


def spc_title(
    result: pd.DataFrame,
    *,
    name: str,
    improvement: str,
    value: str = "value",
    date: str = "month",
) -> str:
    """Return a chart title that states the finding of the latest point.

    Examples
    --------
    >>> r = pd.DataFrame({"month": pd.to_datetime(["2024-05-01", "2024-06-01"]),
    ...     "value": [1.0, 2.0], "mean": 1.5, "lpl": 0.0, "upl": 3.0, "rebase_group": 0,
    ...     "trial_limits": True, "point_type": ["common_cause", "special_cause_improvement"]})
    >>> spc_title(r, name="EHC plans within 20 weeks", improvement="increase")
    'EHC plans within 20 weeks: improving since June 2024'
    """
    _check(result, improvement, value, date)
    data = result.sort_values(date, key=pd.to_datetime, kind="stable")
    kind, since = _runs_since(data, date)
    if kind is None:
        return f"{name}: no data to show"
    if kind == "common_cause":
        return f"{name}: no significant change"
    verb = {
        "special_cause_improvement": "improving",
        "special_cause_concern": "getting worse",
        "special_cause_neutral_high": "higher than usual",
        "special_cause_neutral_low": "lower than usual",
    }[kind]
    return f"{name}: {verb} since {since:%B %Y}"

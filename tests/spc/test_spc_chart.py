"""The SPC chart: artists drawn, determinism, no warnings; alt text, caption and title."""

from __future__ import annotations

import datetime as dt
import io
import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sendreport.charts.spc import plot_spc, spc_alt_text, spc_caption, spc_title
from sendreport.errors import ParameterError
from sendreport.spc import xmr

NAME = "EHC plans issued within 20 weeks"


@pytest.fixture(scope="module")
def improving() -> pd.DataFrame:
    """36 months: 30 and 40 alternating, then seven months at 46 from June 2024.

    Mean 1332 / 36 = 37; mean moving range 296 / 35; upper limit 59.5: a shift
    (improvement) from June 2024 and a 55% target inside the limits.
    """
    values = [30.0, 40.0] * 14 + [30.0] + [46.0] * 7
    months = pd.date_range("2022-01-01", periods=36, freq="MS")
    return xmr(pd.DataFrame({"month": months, "value": values}))


def _artists(fig: Figure, gid: str) -> list:
    ax = fig.axes[0]
    return [a for a in [*ax.collections, *ax.lines, *ax.texts] if a.get_gid() == gid]


def _points(fig: Figure, kind: str) -> int:
    return sum(len(c.get_offsets()) for c in _artists(fig, kind))


def test_points_coloured_by_type(improving):
    fig = plot_spc(improving, title="t", improvement="increase")
    assert _points(fig, "common_cause") == 29
    assert _points(fig, "special_cause_improvement") == 7
    assert _points(fig, "special_cause_concern") == 0
    (improvement,) = _artists(fig, "special_cause_improvement")
    assert improvement.get_paths()[0] is not _artists(fig, "common_cause")[0].get_paths()[0]
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["Common cause", "Improvement", "Mean", "Process limits"]
    assert fig.axes[0].get_title(loc="left") == "t"


def test_target_trajectory_and_interventions(improving):
    fig = plot_spc(
        improving,
        title="t",
        improvement="increase",
        target=55.0,
        trajectory=[(dt.date(2024, 3, 1), 45.0), (dt.date(2024, 12, 1), 55.0)],
        interventions=[(dt.date(2024, 5, 1), "Recruitment")],
    )
    assert len(_artists(fig, "target")) == 1
    assert [t.get_text() for t in _artists(fig, "target_label")] == ["Target 55.0%"]
    assert len(_artists(fig, "trajectory")[0].get_offsets()) == 2
    assert len(_artists(fig, "intervention")) == 1
    assert [t.get_text() for t in _artists(fig, "intervention_label")] == ["Recruitment"]
    assert not _artists(fig, "trial_label")


def test_limits_drawn_per_rebase_group_and_trial_label():
    values = [30.0, 40.0] * 9 + [50.0, 52.0] * 3
    months = pd.date_range("2022-01-01", periods=24, freq="MS")
    result = xmr(pd.DataFrame({"month": months, "value": values}), rebase=["2023-07-01"])
    fig = plot_spc(result, title="t", improvement="increase")
    assert len(_artists(fig, "mean")) == 2
    assert len(_artists(fig, "limits")) == 2
    assert [t.get_text() for t in _artists(fig, "trial_label")] == ["Trial limits"]


def test_size_and_deterministic_png(improving):
    def png() -> bytes:
        fig = plot_spc(improving, title="t", improvement="increase", target=55.0)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()

    fig = plot_spc(improving, title="t", improvement="increase")
    width, height = fig.get_size_inches() * 2.54
    assert (round(width), round(height)) == (16, 8)
    assert png() == png()


def test_no_warnings_even_with_gaps_and_one_type():
    values = [np.nan, 30.0, np.nan, 31.0, 29.0]
    months = pd.date_range("2024-01-01", periods=5, freq="MS")
    result = xmr(pd.DataFrame({"month": months, "value": values}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plot_spc(result, title="t", unit="weeks", improvement="decrease")
        fig.savefig(io.BytesIO(), format="png")


def test_alt_text(improving):
    alt = spc_alt_text(improving, name=NAME, improvement="increase", target=55.0)
    assert alt == (
        "SPC chart of EHC plans issued within 20 weeks: 36 months; latest 46.0%; "
        "special cause improvement since June 2024; target 55.0% not reliably met."
    )
    assert spc_alt_text(improving, name=NAME, improvement="increase", target=60.0).endswith(
        "; target 60.0% consistently missed."
    )
    assert spc_alt_text(improving, name=NAME, improvement="increase", target=10.0).endswith(
        "; target 10.0% consistently met."
    )


def test_alt_text_short_series_with_gap():
    months = pd.date_range("2024-01-01", periods=5, freq="MS")
    result = xmr(pd.DataFrame({"month": months, "value": [10.0, np.nan, 12.0, 11.0, 1234.0]}))
    assert spc_alt_text(result, name="Requests", unit="count", improvement="neutral") == (
        "SPC chart of Requests: 5 months (1 not available, marked x); latest 1,234; "
        "common cause variation only; trial limits (fewer than 12 points)."
    )


def test_title_and_caption(improving):
    assert spc_title(improving, name=NAME, improvement="increase") == (
        "EHC plans issued within 20 weeks: improving since June 2024"
    )
    assert spc_caption(improving, name=NAME, improvement="increase") == (
        "EHC plans issued within 20 weeks by month, January 2022 to December 2024, "
        "with its mean and process limits."
    )


def test_chart_errors(improving):
    with pytest.raises(ParameterError, match="improvement must be 'increase', 'decrease' or"):
        plot_spc(improving, title="t", improvement="up")
    with pytest.raises(ParameterError, match="plot_spc requires missing columns: upl"):
        plot_spc(improving.drop(columns="upl"), title="t", improvement="increase")
    with pytest.raises(ParameterError, match="plot_spc draws one series"):
        plot_spc(pd.concat([improving, improving]), title="t", improvement="increase")


def test_chart_from_kpi_series_columns_only():
    # kpi_series.csv keeps month, value, mean, lpl, upl and point_type: groups follow the limits
    values = [30.0, 40.0] * 9 + [50.0, 52.0] * 6
    months = pd.date_range("2022-01-01", periods=30, freq="MS")
    full = xmr(pd.DataFrame({"month": months, "value": values}), rebase=["2023-07-01"])
    reduced = full[["month", "value", "mean", "lpl", "upl", "point_type"]]
    fig = plot_spc(reduced, title="t", improvement="increase")
    assert len(_artists(fig, "mean")) == 2
    assert spc_alt_text(reduced, name="x", improvement="increase") == spc_alt_text(
        full, name="x", improvement="increase"
    )

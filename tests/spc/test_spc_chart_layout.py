"""The SPC chart as a reader sees it: its axes, limits, milestones and labels, rendered with Agg.

Every check reads the figure's own objects (lines, collections, texts, limits)
after drawing, and the text bounding boxes matplotlib computes for the PNG.
"""

from __future__ import annotations

import datetime as dt
import io

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sendreport.charts.labels import overlapping_texts, renderer_of, text_boxes
from sendreport.charts.progress import plot_progress
from sendreport.charts.spc import plot_spc, possible_range
from sendreport.spc import xmr

MONTHS = pd.date_range("2022-04-01", periods=33, freq="MS")


def _series(values, **kw) -> pd.DataFrame:
    return xmr(pd.DataFrame({"month": MONTHS[: len(values)], "value": values}), **kw)


def _low_noisy() -> pd.DataFrame:
    """Low, noisy percentages (as autism assessments within 13 weeks): the lower limit is < 0.

    Values alternate 1 and 11 (every moving range 10): limits the mean +/- 26.6.
    """
    return _series([1.0, 11.0] * 16 + [1.0])


def _artists(fig: Figure, gid: str) -> list:
    ax = fig.axes[0]
    return [a for a in [*ax.collections, *ax.lines, *ax.texts] if a.get_gid() == gid]


def _segments_y(fig: Figure, gid: str) -> list[float]:
    return [float(y) for c in _artists(fig, gid) for seg in c.get_segments() for _, y in seg]


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def test_possible_ranges():
    assert possible_range("%") == (0.0, 100.0)
    assert possible_range("count") == possible_range("weeks") == (0.0, None)


def test_limits_are_drawn_within_the_possible_range_but_kept_in_the_data():
    result = _low_noisy()
    mean = (17 * 1 + 16 * 11) / 33
    assert result["lpl"].iloc[0] == pytest.approx(mean - 26.6)  # computed, unclipped
    assert result["upl"].iloc[0] == pytest.approx(mean + 26.6)
    fig = plot_spc(result, title="t", improvement="increase")
    drawn = _segments_y(fig, "limits")
    assert min(drawn) == 0.0
    assert max(drawn) == pytest.approx(mean + 26.6)
    # no impossible tick: every tick inside the view is >= 0 and no label is negative
    fig.draw(renderer_of(fig))
    ax = fig.axes[0]
    low, high = ax.get_ylim()
    ticks = [t for t in ax.get_yticks() if low <= t <= high]
    assert ticks and min(ticks) == 0.0
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert not [x for x in labels if x.startswith(("-", "\u2212"))]


def test_upper_limit_above_100_percent_is_drawn_at_100():
    result = _series([99.0, 89.0] * 10)
    assert result["upl"].iloc[0] > 100
    fig = plot_spc(result, title="t", improvement="increase")
    assert max(_segments_y(fig, "limits")) == 100.0
    ax = fig.axes[0]
    assert max(t for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]) <= 100


def test_counts_never_show_a_negative_limit_or_tick():
    result = _series([2.0, 40.0] * 10)
    assert result["lpl"].iloc[0] < 0
    fig = plot_spc(result, title="t", unit="count", improvement="decrease")
    assert min(_segments_y(fig, "limits")) == 0.0
    ax = fig.axes[0]
    assert min(t for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]) >= 0


def test_axis_runs_to_the_target_date_and_every_milestone_is_inside_the_plot():
    result = _series(list(np.linspace(10, 40, 33)))  # April 2022 to December 2024
    trajectory = [
        (dt.date(2023, 12, 31), 15.0),
        (dt.date(2024, 6, 30), 30.0),
        (dt.date(2025, 3, 31), 60.0),
    ]
    fig = plot_spc(
        result,
        title="t",
        improvement="increase",
        target=60.0,
        target_date=dt.date(2025, 6, 30),
        trajectory=trajectory,
    )
    ax = fig.axes[0]
    right = mdates.num2date(ax.get_xlim()[1]).date()
    assert right >= dt.date(2025, 6, 30)
    (milestones,) = _artists(fig, "trajectory")
    assert len(milestones.get_offsets()) == 3
    fig.draw(renderer_of(fig))
    box = ax.get_window_extent()
    for px, py in ax.transData.transform(milestones.get_offsets()):
        assert box.x0 < px < box.x1 and box.y0 < py < box.y1
    # without a target date the last milestone still decides the axis
    fig = plot_spc(result, title="t", improvement="increase", trajectory=trajectory)
    assert mdates.num2date(fig.axes[0].get_xlim()[1]).date() > dt.date(2025, 3, 31)


def test_a_dollar_sign_is_printed_as_text():
    result = _series(list(np.linspace(10, 40, 20)))
    title = "Spend per child: $1,200 a year, up from $900 (and $ alone)"
    label = "Budget of $2m agreed; $ for therapy"
    fig = plot_spc(
        result,
        title=title,
        improvement="increase",
        interventions=[(dt.date(2023, 1, 1), label)],
        y_label="$ per child",
    )
    _png(fig)  # mathtext would fail on the unbalanced "$"
    texts = [t for t, _ in text_boxes(fig)]
    shown = " ".join(t.get_text() for t in texts)
    assert "$1,200" in shown.replace("\n", " ") and "$ alone" in shown.replace("\n", " ")
    assert "$2m" in shown.replace("\n", " ")
    assert all(not t.get_parse_math() for t in texts if "$" in t.get_text())
    bars = plot_progress({"Baseline ($ survey)": 1.0, "Latest": 2.0}, title="$ spent", unit="")
    _png(bars)
    assert all(not t.get_parse_math() for t, _ in text_boxes(bars) if "$" in t.get_text())


LAYOUTS = {
    "long intervention label, target near the top": dict(
        values=list(np.linspace(20, 58, 33)),
        target=60.0,
        interventions=[
            (
                dt.date(2024, 1, 1),
                "Extra speech and language therapy and autism capacity commissioned",
            )
        ],
    ),
    "intervention at the right edge": dict(
        values=list(np.linspace(20, 40, 33)),
        target=45.0,
        interventions=[(dt.date(2024, 11, 1), "New triage process across all services")],
    ),
    "two interventions a month apart": dict(
        values=[30.0, 40.0] * 16 + [30.0],
        target=35.0,
        interventions=[
            (dt.date(2023, 9, 1), "EHC coordinators recruited"),
            (dt.date(2023, 10, 1), "Casework panel weekly from week 12"),
        ],
    ),
    "target on the last milestone at the right edge": dict(
        values=list(np.linspace(5, 42, 33)),
        target=60.0,
        target_date=dt.date(2025, 3, 31),
        trajectory=[(dt.date(2024, 12, 31), 45.0), (dt.date(2025, 3, 31), 60.0)],
    ),
    "long title": dict(
        values=[30.0, 40.0] * 10,
        title=(
            "Children waiting more than 18 weeks: Speech and language therapy: "
            "getting worse since September 2024"
        ),
    ),
    "trial limits with a rebase and an intervention": dict(
        values=[5.0, 7.0] * 8 + [30.0, 35.0] * 5,
        rebase=["2023-08-01"],
        interventions=[(dt.date(2023, 8, 1), "EHC coordinators recruited")],
        target=40.0,
    ),
}


@pytest.mark.parametrize("case", list(LAYOUTS))
def test_no_text_overlaps_and_all_text_inside_the_figure(case):
    spec = dict(LAYOUTS[case])
    result = _series(spec.pop("values"), rebase=spec.pop("rebase", ()))
    fig = plot_spc(result, title=spec.pop("title", "A short title"), improvement="increase", **spec)
    _png(fig)
    assert overlapping_texts(fig) == []
    page = fig.bbox
    for text, box in text_boxes(fig):
        assert box.x0 >= page.x0 - 1 and box.x1 <= page.x1 + 1, text.get_text()
        assert box.y0 >= page.y0 - 1 and box.y1 <= page.y1 + 1, text.get_text()
    # direct labels stay inside the plotting area
    area = fig.axes[0].get_window_extent()
    for gid in ("intervention_label", "target_label", "trial_label"):
        for text in _artists(fig, gid):
            box = text.get_window_extent()
            assert area.x0 - 1 <= box.x0 and box.x1 <= area.x1 + 1, (gid, text.get_text())
            assert area.y0 - 1 <= box.y0 and box.y1 <= area.y1 + 1, (gid, text.get_text())


def test_overlap_check_finds_overlaps():
    fig = Figure()
    ax = fig.add_subplot()
    ax.set_title("Title", loc="left")
    ax.annotate(
        "Target",
        (0.0, 1.0),
        xycoords="axes fraction",
        xytext=(0, 2),
        textcoords="offset points",
        va="bottom",
    )
    assert {frozenset(pair) for pair in overlapping_texts(fig)} == {frozenset(("Title", "Target"))}


def test_progress_bars_carry_their_dates_and_the_target_label_clears_the_title():
    values = {
        "Baseline (31 March 2023)": 243.0,
        "Last stocktake (to 30 Jun 2024)": 261.0,
        "Latest (to 31 Dec 2024)": 306.0,
    }
    fig = plot_progress(values, title="Annual reviews overdue", unit="count", target=100.0)
    _png(fig)
    ticks = [t.get_text().replace("\n", " ") for t in fig.axes[0].get_yticklabels()]
    assert ticks == list(values)
    assert overlapping_texts(fig) == []


PROGRESS_LAYOUTS = {
    "long dated labels, target left of the bars": dict(
        values={
            "Baseline (31 March 2023)": 243.0,
            "Last stocktake (to 30 Jun 2024)": 261.0,
            "Latest (to 31 Dec 2024)": 306.0,
        },
        title="Annual reviews overdue",
        unit="count",
        target=100.0,
    ),
    "target through the longest bar, long title": dict(
        values={"Baseline (31 March 2023)": 31.0, "Latest (to 31 Dec 2024)": 58.5},
        title=(
            "Percentage of new EHC plans issued within 20 weeks, excluding exceptions, "
            "for every partner of the local area"
        ),
        unit="%",
        target=58.0,
    ),
}


def _printed_margins(fig: Figure) -> tuple[int, int, int, int]:
    """Blank pixels above, below, left and right of the ink in the pack's image of ``fig``."""
    from PIL import Image

    from sendreport.charts.render import figure_png

    image = Image.open(io.BytesIO(figure_png(fig, crop=False)))
    assert image.mode == "RGB"  # opaque: one image in the PDF, no transparency mask
    ink = np.asarray(image.convert("L")) < 250
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    height, width = ink.shape
    return rows[0], height - 1 - rows[-1], cols[0], width - 1 - cols[-1]


@pytest.mark.parametrize(
    "kind, case", [("spc", c) for c in LAYOUTS] + [("progress", c) for c in PROGRESS_LAYOUTS]
)
def test_the_printed_chart_is_drawn_whole_inside_its_image(kind, case):
    # The pack prints its charts uncropped: whatever the layout measured must be what the
    # image holds, with a margin on every side (text measured at another resolution than
    # it is drawn comes out wider, and would be cut at the image's edge).
    if kind == "spc":
        spec = dict(LAYOUTS[case])
        result = _series(spec.pop("values"), rebase=spec.pop("rebase", ()))
        fig = plot_spc(
            result, title=spec.pop("title", "A short title"), improvement="increase", **spec
        )
    else:
        fig = plot_progress(**PROGRESS_LAYOUTS[case])
    assert overlapping_texts(fig) == []
    page = fig.bbox
    for text, box in text_boxes(fig):
        assert page.x0 <= box.x0 and box.x1 <= page.x1, text.get_text()
        assert page.y0 <= box.y0 and box.y1 <= page.y1, text.get_text()
    assert min(_printed_margins(fig)) >= 5

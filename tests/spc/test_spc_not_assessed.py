"""SPEC 6: withheld and unavailable points, the latest point's reading, rare events, rebased titles.

Small frames check the rules by hand; packs built from the bundled synthetic
data check that the scorecard, the facts, the chart's title, alt text and
caption and ``kpi_series.csv`` all say the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sendreport.charts.labels import overlapping_texts
from sendreport.charts.spc import plot_spc, spc_alt_text, spc_title
from sendreport.pack import Pack, sections
from sendreport.pack.kpifacts import Movement, movement_of
from sendreport.pack.sections.chart import kpi_figure
from sendreport.params import parse_params
from sendreport.plan import load_plan
from sendreport.spc import Reading, is_rare, rare_events, reading, xmr
from sendreport.synth import write_synthetic

ROOT = Path(__file__).resolve().parents[2]
PAP = ROOT / "params" / "plans" / "demoshire-pap.yaml"
WSOA = ROOT / "params" / "plans" / "demoshire-wsoa.yaml"


def months(n: int, start: str = "2023-01-01") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="MS")


def series(values, suppressed=None, start: str = "2023-01-01", **kw) -> pd.DataFrame:
    """One series as the pack charts it: withheld points blanked before SPC."""
    values = np.asarray(values, dtype=float)
    hidden = np.zeros(len(values), bool) if suppressed is None else np.asarray(suppressed, bool)
    frame = pd.DataFrame({"month": months(len(values), start),
                          "value": np.where(hidden, np.nan, values), "suppressed": hidden})
    return rare_events(xmr(frame, **kw))


# ----- the reading at the latest point ---------------------------------------------------


def test_a_withheld_latest_month_is_not_assessed_never_read_from_an_older_point():
    # the last published month is far above the limits: an older point's reading would be
    # special cause improvement
    values = [10, 11, 9, 10, 12, 10, 11, 9, 10, 11, 30, 5]
    s = series(values, suppressed=[False] * 11 + [True], start="2024-04-01")
    assert s["point_type"].iloc[-2] == "special_cause_improvement"
    assert reading(s, target=50.0) == Reading(
        None, None, "the latest month, March 2025, is withheld"
    )


def test_an_internal_pack_reads_a_withheld_latest_month_as_the_shared_pack_does():
    # the internal audience sees the value of a withheld month, but SPC ran without it
    s = series([10, 11, 9, 10, 12, 10, 11, 9, 10, 11, 30, 5], suppressed=[False] * 11 + [True])
    shown = s.assign(value=[10, 11, 9, 10, 12, 10, 11, 9, 10, 11, 30, 5.0])
    assert reading(shown).not_assessed == reading(s).not_assessed == (
        "the latest month, December 2023, is withheld"
    )


def test_a_latest_month_with_nothing_to_measure_is_not_available():
    s = series([10, 11, 9, 10, np.nan])
    assert reading(s).not_assessed == "the latest month, May 2023, is not available"


def test_a_quarterly_series_names_the_latest_quarter():
    s = series([10, 11, 9, 10, 12], suppressed=[False, False, False, False, True],
               start="2023-10-01").assign(grain="quarter")
    assert reading(s).not_assessed == "the latest quarter, February to April 2024, is withheld"


def test_a_published_latest_point_is_read_as_before():
    s = series([10, 11, 9, 10, 12, 10, 11, 9, 10, 11, 30])
    assert reading(s, target=50.0) == Reading("special_cause_improvement", "consistent_fail")
    assert reading(s.iloc[:1]) == Reading()  # one point: no SPC chart


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 100, allow_nan=False), st.booleans()), min_size=2, max_size=40
    )
)
def test_a_withheld_point_never_gets_a_point_type_nor_the_reading(points):
    values = [v for v, _ in points]
    hidden = [h for _, h in points]
    s = series(values, suppressed=hidden)
    assert s.loc[s["suppressed"], "point_type"].isna().all()
    r = reading(s, target=50.0, improvement="increase")
    if hidden[-1] and sum(not h for h in hidden) >= 2:
        assert r.variation is None and r.assurance is None
        assert r.not_assessed.endswith("is withheld")


# ----- rare events -----------------------------------------------------------------------


def test_rare_events_rule_is_at_least_half_the_published_points_zero():
    assert is_rare([0, 0, 1, 2])  # exactly half
    assert not is_rare([0, 0, 1, 2, 3])
    assert is_rare([0, 0, np.nan, np.nan, 5])  # missing points do not count
    assert not is_rare([np.nan, np.nan])


def test_the_demo_shape_22_months_at_zero_then_a_rise_is_never_improvement():
    values = [0.0] * 22 + [1.3, 2.7, 4.2, 5.4, 6.9, 8.2, 10.3, 13.1, 15.0]
    plain = xmr(pd.DataFrame({"month": months(len(values)), "value": values}),
                improvement="decrease")
    # what XmR alone says: the first rising month is "improvement" (below the lower limit)
    assert plain["point_type"].iloc[22] == "special_cause_improvement"
    s = series(values, improvement="decrease", target=0.0)
    assert s["rare_events"].all()
    assert s["point_type"].isna().all() and s["upl"].isna().all()
    r = reading(s, target=0.0, improvement="decrease")
    assert (r.variation, r.assurance) == (None, None)
    assert r.not_assessed.startswith("rare events (22 of 31 months at zero): judged by")
    title = spc_title(s, name="Waits over 52 weeks", improvement="decrease",
                      not_assessed=r.not_assessed)
    assert "rare events" in title and "improv" not in title
    # judged against the baseline instead: 0% then 15%, in a measure where lower is better
    assert movement_of(-15.0, r.variation) is Movement.WORSE


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30), st.lists(st.floats(0.1, 50), min_size=1, max_size=30),
       st.sampled_from(["increase", "decrease"]))
def test_a_zero_series_that_starts_rising_never_yields_improvement(zeros, steps, improvement):
    rise = np.cumsum(steps)  # strictly rising from 0
    values = [0.0] * zeros + list(rise)
    s = series(values, improvement=improvement)
    if zeros >= len(rise):  # mostly zero: a rare event, no SPC point types at all
        assert s["point_type"].isna().all()
        assert reading(s, improvement=improvement).variation is None
    # whatever the share of zeros, the latest point of a rise that is bad is never improvement
    if improvement == "decrease":
        assert reading(s, improvement=improvement).variation != "special_cause_improvement"


# ----- rebased charts and gaps on the chart ----------------------------------------------


def test_a_rebased_title_and_alt_text_name_the_step_and_its_intervention():
    values = [5, 6, 4, 5, 7, 5, 6, 30, 32, 29, 31, 33, 30, 31]
    s = xmr(pd.DataFrame({"month": months(len(values)), "value": values}),
            rebase=[dt.date(2023, 8, 1)])
    rebases = [(dt.date(2023, 8, 1), "EHC coordinators recruited")]
    title = spc_title(s, name="Plans within 20 weeks", improvement="increase", rebases=rebases)
    assert title.endswith("; limits from August 2023, after EHC coordinators recruited")
    alt = spc_alt_text(s, name="Plans within 20 weeks", improvement="increase", rebases=rebases)
    assert "mean and limits recalculated from August 2023, after EHC coordinators recruited" in alt


def test_gaps_are_marked_c_or_x_at_their_month():
    s = series([10, 11, 9, 10, 12, np.nan, 11], suppressed=[0, 0, 1, 0, 0, 0, 0])
    fig = plot_spc(s, title="t", improvement="increase")
    ax = fig.axes[0]
    marks = [t for t in ax.texts if t.get_gid() == "gap_mark"]
    assert [m.get_text() for m in marks] == ["c", "x"]
    assert [pd.Timestamp(mdates_num(m.xy[0])) for m in marks] == [
        pd.Timestamp("2023-03-01"), pd.Timestamp("2023-06-01")
    ]
    assert overlapping_texts(fig) == []
    alt = spc_alt_text(s, name="K", improvement="increase")
    assert "7 months (1 withheld, marked c; 1 not available, marked x)" in alt


def mdates_num(x) -> dt.datetime:
    import matplotlib.dates as mdates

    if isinstance(x, (int, float, np.floating)):
        return mdates.num2date(x).replace(tzinfo=None)
    return pd.Timestamp(x).to_pydatetime()


# ----- the packs ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("synthetic")
    write_synthetic(folder)
    return folder


def build(data_dir: Path, plan: Path, referrals: Path | None = None) -> Pack:
    data = {t: str(data_dir / f"{t}.csv") for t in ("requests", "reviews", "referrals",
                                                     "measures")}
    if referrals is not None:
        data["referrals"] = str(referrals)
    return Pack.from_params(parse_params({
        "notebook": str(ROOT / "notebooks" / "stocktake.ipynb"),
        "area_name": "Demoshire",
        "period_start": "2024-07-01",
        "period_end": "2024-12-31",
        "baseline_period_start": "2022-04-01",
        "baseline_period_end": "2023-03-31",
        "previous_period_end": "2024-06-30",
        "plan": str(plan),
        "data": data,
    }))


@pytest.fixture(scope="module")
def withheld_pack(data_dir, tmp_path_factory) -> Pack:
    """The PAP on synthetic data where only two autism assessments start in October to December
    2024: the latest point of the autism 13-week series is withheld, whatever its grain."""
    referrals = pd.read_csv(data_dir / "referrals.csv", dtype=str)
    late = (referrals["service"] == "autism_assessment") & (
        referrals["first_contact_date"].fillna("") >= "2024-10-01"
    )
    drop = referrals.index[late][2:]
    path = tmp_path_factory.mktemp("thinned") / "referrals.csv"
    referrals.drop(index=drop).to_csv(path, index=False)
    return build(data_dir, PAP, referrals=path)


def test_a_withheld_last_quarter_is_a_marked_gap_and_not_assessed_everywhere(
    withheld_pack, tmp_path
):
    pack = withheld_pack
    view = next(v for v in pack.views if v.plan_kpi.id == "autism_13wk")
    s = view.series
    assert bool(s["suppressed"].iloc[-1]) and s["value"].notna().sum() >= 2  # the case
    grain = "quarter" if (s["grain"] == "quarter").all() else "month"
    start = pd.Timestamp(s["month"].iloc[-1])
    when = (f"{start:%B} to {start + pd.DateOffset(months=2):%B %Y}" if grain == "quarter"
            else f"{start:%B %Y}")
    reason = f"the latest {grain}, {when}, is withheld"
    # the facts
    assert (view.fact.variation, view.fact.assurance) == (None, None)
    assert view.fact.not_assessed == reason
    assert view.fact.spc_words == f"not assessed: {reason}"
    # the scorecard: the words with the reason, no icon of an older point
    row = next(r for r in sections.scorecard_html(pack).split("<tr>")
               if f'href="#{view.anchor}"' in r)
    assert f"Not assessed: {reason}" in row and 'class="icon"' not in row
    # the chart: title, alt text (the latest point is the period's, never an older one),
    # gap marks and their key
    fig, alt, caption = kpi_figure(pack, view)
    ax = fig.axes[0]
    assert f"not assessed, {reason}" in " ".join(ax.get_title(loc="left").split())
    assert f"latest {grain}, {when}, withheld (c)" in alt
    assert f"variation and assurance not assessed: {reason}" in alt
    older = s["value"].dropna().iloc[-1]
    assert f"latest {older:.1f}%" not in alt
    marks = [t.get_text() for t in ax.texts if t.get_gid() == "gap_mark"]
    assert marks.count("c") == int(s["suppressed"].sum())
    assert f"c marks a {grain} withheld" in caption
    # kpi_series.csv: a withheld point has no point type, so nothing about it is revealed
    pack.write_tables(tmp_path)
    csv = pd.read_csv(tmp_path / "kpi_series.csv", keep_default_na=False, na_values=[""])
    hidden = csv[csv["suppressed"].astype(str) == "True"]
    assert len(hidden) and hidden["point_type"].isna().all()
    assert hidden["value"].isna().all()


@pytest.fixture(scope="module")
def wsoa_pack(data_dir) -> Pack:
    return build(data_dir, WSOA)


def test_adhd_over_52_weeks_mostly_zero_then_rising_is_a_rare_event_and_worse(wsoa_pack):
    pack = wsoa_pack
    view = next(v for v in pack.views if v.key == ("wait_over_52wk", "adhd_assessment"))
    s = view.series
    shown = s["value"].dropna()
    assert (shown == 0).sum() * 2 >= len(shown) and shown.iloc[-1] > 0  # the case
    assert "special_cause_improvement" not in set(s["point_type"].dropna())
    assert s["rare_events"].all() and s["point_type"].isna().all()
    assert view.fact.variation is None
    assert view.fact.not_assessed.startswith("rare events (")
    assert view.fact.movement is Movement.WORSE
    fig, alt, _ = kpi_figure(pack, view)
    title = " ".join(fig.axes[0].get_title(loc="left").split())
    assert "rare events" in title and "improv" not in title.lower()
    assert alt.startswith("Run chart (rare events, no SPC limits) of ")
    assert not [c for c in fig.axes[0].collections if c.get_gid() in ("mean", "limits")
                and len(c.get_segments()) and not np.isnan(c.get_segments()[0]).all()]


def test_the_rebased_demo_chart_names_its_step_in_title_and_alt_text(wsoa_pack):
    pack = wsoa_pack
    view = next(v for v in pack.views if v.plan_kpi.id == "ehcp_20wk_excl")
    step = pd.Timestamp(view.series.loc[view.series["rebase_group"] == 1, "month"].iloc[0])
    fig, alt, _ = kpi_figure(pack, view)
    words = f"limits from {step:%B %Y}, after EHC coordinators recruited"
    assert words in " ".join(fig.axes[0].get_title(loc="left").split())
    assert f"mean and {words.replace('limits from', 'limits recalculated from')}" in alt


def test_an_intervention_marker_is_drawn_only_on_the_service_it_names(wsoa_pack, tmp_path):
    text = WSOA.read_text(encoding="utf-8")
    old = "      - {id: wait_over_18wk, service: speech_and_language_therapy}\n"
    assert old in text
    plan = tmp_path / "plan.yaml"
    new = "      - {id: wait_over_18wk, service: occupational_therapy}\n"
    plan.write_text(text.replace(old, new), encoding="utf-8")
    # the same pack with the plan's interventions naming another service (no rebase among them)
    pack = dataclasses.replace(wsoa_pack, plan=load_plan(plan))
    drawn = {}
    for view in pack.views:
        if view.plan_kpi.id == "wait_over_18wk":
            fig = kpi_figure(pack, view)[0]
            drawn[view.plan_kpi.service] = len(
                [a for a in fig.axes[0].lines if a.get_gid() == "intervention"]
            )
    assert drawn == {"speech_and_language_therapy": 0, "community_paediatrics": 0,
                     "occupational_therapy": 1}


def test_an_analysts_chart_without_the_packs_reading_reads_the_latest_point_itself():
    # as the analysis notebooks call them: no reading passed, never an older point's
    s = series([10, 11, 9, 10, 12, 10, 11, 9, 10, 11, 30, 5], suppressed=[False] * 11 + [True])
    title = spc_title(s, name="K", improvement="increase")
    assert title == "K: not assessed, the latest month, December 2023, is withheld"
    alt = spc_alt_text(s, name="K", improvement="increase", target=50.0)
    assert "latest month, December 2023, withheld (c)" in alt
    assert "special cause" not in alt and "latest 30.0%" not in alt

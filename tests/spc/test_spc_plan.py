"""The plan's interventions in the pack's SPC: rebase dates, markers, and planned against actual.

The pack is built from the bundled synthetic data and the demo plans; expected
numbers come from plain pandas and a hand-written XmR in this file (following
the NHSRplotthedots steps), not from ``sendreport.spc``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sendreport.charts.spc import plot_spc
from sendreport.pack import Pack, sections
from sendreport.params import parse_params

ROOT = Path(__file__).resolve().parents[2]
PAP = ROOT / "params" / "plans" / "demoshire-pap.yaml"
RECRUITED = dt.date(2023, 9, 1)


@pytest.fixture(scope="module")
def data_dir(synthetic_dir) -> Path:
    return synthetic_dir


def build(data_dir: Path, plan: Path = PAP) -> Pack:
    return Pack.from_params(parse_params(raw_params(data_dir, plan)))


def raw_params(data_dir: Path, plan: Path = PAP) -> dict:
    return {
        "notebook": str(ROOT / "notebooks" / "stocktake.ipynb"),
        "area_name": "Demoshire",
        "period_start": "2024-07-01",
        "period_end": "2024-12-31",
        "baseline_period_start": "2022-04-01",
        "baseline_period_end": "2023-03-31",
        "previous_period_end": "2024-06-30",
        "plan": str(plan),
        "data": {
            t: str(data_dir / f"{t}.csv") for t in ("requests", "reviews", "referrals", "measures")
        },
    }


@pytest.fixture(scope="module")
def pack(data_dir, demo_pap_pack) -> Pack:
    assert demo_pap_pack.params == parse_params(raw_params(data_dir))  # the pack build() builds
    return demo_pap_pack


@pytest.fixture(scope="module")
def series_csv(pack, tmp_path_factory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("tables")
    pack.write_tables(folder)
    return pd.read_csv(
        folder / "kpi_series.csv", parse_dates=["month"], keep_default_na=False, na_values=[""]
    )


def _hand_xmr(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and process limits as NHSRplotthedots computes them (screened moving ranges).

    Suppressed points (missing) are no points: moving ranges are taken only
    between consecutive published ones.
    """
    mean = np.nanmean(values)
    mr = np.abs(np.diff(values))
    mr = mr[~np.isnan(mr)]  # only between consecutive published points
    amr = mr.mean()
    amr = mr[mr < 3.267 * amr].mean()
    return mean, mean - 2.66 * amr, mean + 2.66 * amr


def _plan_with(tmp_path: Path, old: str, new: str) -> Path:
    text = PAP.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "plan.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_demo_plan_rebases_20_week_timeliness_at_the_recruitment(pack):
    (recruited,) = [i for i in pack.plan.interventions if i.rebase]
    assert (recruited.date, recruited.kpis) == (RECRUITED, ("ehcp_20wk_excl",))
    assert pack.rebase_dates("ehcp_20wk_excl") == [RECRUITED]
    assert pack.rebase_dates("ehcp_20wk_incl") == []


def test_rebase_restarts_mean_and_limits_in_kpi_series_csv(series_csv):
    s = series_csv[series_csv["kpi_id"] == "ehcp_20wk_excl"].sort_values("month")
    before = s[s["month"] < pd.Timestamp(RECRUITED)]
    after = s[s["month"] >= pd.Timestamp(RECRUITED)]
    assert len(before) and len(after)
    assert set(before["rebase_group"]) == {0} and set(after["rebase_group"]) == {1}
    for part in (before, after):
        # SPC runs on the published points only: suppressed ones are not points
        mean, lpl, upl = _hand_xmr(part["value"].to_numpy(float))
        assert part["mean"].to_numpy() == pytest.approx(np.full(len(part), mean), rel=1e-12)
        assert part["lpl"].to_numpy() == pytest.approx(np.full(len(part), lpl), rel=1e-12)
        assert part["upl"].to_numpy() == pytest.approx(np.full(len(part), upl), rel=1e-12)
    # the limits no longer span the step: no point before it is "concern" for being low
    # against a mean lifted by the later months
    assert before["mean"].iloc[0] < 10 < after["mean"].iloc[0]
    assert "special_cause_concern" not in set(before["point_type"])
    # a KPI the intervention does not name keeps one group
    incl = series_csv[series_csv["kpi_id"] == "ehcp_20wk_incl"]
    assert set(incl["rebase_group"]) == {0}


def test_without_rebase_the_limits_span_the_step(data_dir, tmp_path):
    plan = _plan_with(tmp_path, "    rebase: true\n", "")
    s = build(data_dir, plan).series
    s = s[s["kpi_id"] == "ehcp_20wk_excl"]
    assert set(s["rebase_group"]) == {0}
    mean, lpl, upl = _hand_xmr(s["value"].to_numpy(float))
    assert s["upl"].iloc[0] == pytest.approx(upl, rel=1e-12)


def test_the_chart_draws_one_mean_and_limits_per_rebase_group(pack):
    view = next(v for v in pack.views if v.plan_kpi.id == "ehcp_20wk_excl")
    fig = plot_spc(view.series, title="t", improvement=view.improvement)
    ax = fig.axes[0]
    means = [c for c in ax.collections if c.get_gid() == "mean"]
    assert len(means) == 2
    levels = sorted(float(seg[0][1]) for c in means for seg in c.get_segments())
    assert levels == pytest.approx(sorted(view.series.groupby("rebase_group")["mean"].first()))


def test_limits_clipped_on_the_chart_but_not_in_kpi_series_csv(pack, series_csv):
    # a charted series whose computed lower limit is below 0% (which one depends on
    # the points disclosure control lets the pack publish)
    view = next(v for v in pack.views if v.series is not None and (v.series["lpl"] < 0).any())
    rows = series_csv[series_csv["kpi_id"] == view.plan_kpi.id]
    assert (rows["lpl"] < 0).any()  # computed value kept
    fig = plot_spc(view.series, title="t", improvement=view.improvement)
    drawn = [
        float(y)
        for c in fig.axes[0].collections
        if c.get_gid() == "limits"
        for seg in c.get_segments()
        for _, y in seg
    ]
    assert min(drawn) == 0.0


def test_markers_only_on_the_charts_an_intervention_names(data_dir, tmp_path):
    plan = _plan_with(
        tmp_path,
        "interventions:\n",
        "interventions:\n"
        "  - date: 2024-03-01\n"
        "    label: Local offer website relaunched\n"
        "  - date: 2025-02-01\n"
        "    label: After the period\n"
        "    kpis: [ehcp_20wk_excl]\n",
    )
    pack = build(data_dir, plan)
    labels = {v.key: [i.label for i in pack.interventions_for(*v.key)] for v in pack.views}
    # named by id: every service of that KPI; never one without kpis; never after period_end
    assert labels[("ehcp_20wk_excl", "")] == ["EHC coordinators recruited"]
    assert labels[("ehcp_decision_6wk", "")] == []
    assert labels[("autism_13wk", "")] == [
        "Extra speech and language therapy and autism assessment capacity commissioned"
    ]
    assert not any("Local offer" in label for found in labels.values() for label in found)
    # the chart's own objects: one dotted line on the named chart, none on the others
    for kpi_id, expected in (("ehcp_20wk_excl", 1), ("ehcp_decision_6wk", 0)):
        view = next(v for v in pack.views if v.plan_kpi.id == kpi_id)
        fig = plot_spc(
            view.series,
            title="t",
            improvement=view.improvement,
            interventions=[(i.date, i.label) for i in pack.interventions_for(*view.key)],
        )
        lines = [a for a in fig.axes[0].lines if a.get_gid() == "intervention"]
        assert len(lines) == expected


def _pct_within_20_weeks(requests: pd.DataFrame, start: str, end: str) -> float:
    issued = requests[
        requests["plan_issued_date"].between(pd.Timestamp(start), pd.Timestamp(end))
        & ~requests["exception_20wk"].fillna(False).astype(bool)
    ]
    days = (issued["plan_issued_date"] - issued["received_date"]).dt.days
    return 100 * float((days <= 140).mean())


def test_planned_against_actual_uses_the_period_ending_at_each_milestone(pack, data_dir):
    requests = pd.read_csv(
        data_dir / "requests.csv", parse_dates=["received_date", "plan_issued_date"]
    )
    area = pack.plan.priority_areas[0]
    rows = dict((v.plan_kpi.id, checks) for v, checks in pack.planned_against_actual(area))
    checks = rows["ehcp_20wk_excl"]
    assert [(c.date, c.planned) for c in checks] == [
        (dt.date(2023, 12, 31), 15),
        (dt.date(2024, 6, 30), 30),
        (dt.date(2024, 12, 31), 45),
        (dt.date(2025, 3, 31), 60),
    ]
    expected = [
        _pct_within_20_weeks(requests, "2023-07-01", "2023-12-31"),
        _pct_within_20_weeks(requests, "2024-01-01", "2024-06-30"),
        _pct_within_20_weeks(requests, "2024-07-01", "2024-12-31"),
    ]
    assert [c.actual for c in checks[:3]] == pytest.approx(expected, rel=1e-12)
    assert checks[2].actual == pytest.approx(
        float(pack.kpis.loc[pack.kpis["kpi_id"] == "ehcp_20wk_excl", "value"].iloc[0])
    )
    statuses = [
        "on trajectory" if a >= p else "off trajectory"
        for a, p in zip(expected, (15, 30, 45), strict=True)
    ]
    assert [c.status for c in checks] == [*statuses, "not yet due"]
    assert checks[3].actual is None


def test_targets_without_trajectory_are_flagged(pack):
    area = pack.plan.priority_areas[0]
    gaps = {v.plan_kpi.id for v in pack.missing_trajectories(area)}
    with_target = {k.id for k in area.kpis if k.target is not None and not k.trajectory}
    assert gaps == with_target and "ar_overdue" in gaps
    html = sections.planned_against_actual_html(pack, area)
    assert "No trajectory:" in html and "Annual reviews overdue" in html
    assert html.count('<th scope="rowgroup"') == len(pack.planned_against_actual(area))
    assert "Not yet due" in html


def test_planned_against_actual_escapes_plan_text(data_dir, tmp_path):
    plan = _plan_with(
        tmp_path,
        'title: "Identify and assess needs: timely EHC plans and annual reviews"',
        'title: "Needs <script>alert(1)</script> & $5"',
    )
    pack = build(data_dir, plan)
    html = sections.planned_against_actual_html(pack, pack.plan.priority_areas[0])
    assert "<script>" not in html
    assert "Needs &lt;script&gt;alert(1)&lt;/script&gt; &amp; $5" in html


def test_progress_bars_carry_their_dates(pack):
    view = next(v for v in pack.views if v.plan_kpi.id == "ar_overdue")
    assert list(pack.progress_values(view)) == [
        "Baseline (31 March 2023)",
        "Last stocktake (to 30 Jun 2024)",
        "Latest (to 31 Dec 2024)",
    ]


def _chart(pack: Pack, view):
    """The SPC chart as the pack draws it (sections.kpi_chart's figure)."""
    from sendreport.pack.sections.chart import kpi_figure

    return kpi_figure(pack, view)[0]


@pytest.fixture(scope="module", params=["pap", "wsoa"])
def demo_pack(request, pack, data_dir, demo_wsoa_pack) -> Pack:
    if request.param == "pap":
        return pack
    wsoa_plan = ROOT / "params" / "plans" / "demoshire-wsoa.yaml"
    assert demo_wsoa_pack.params == parse_params(raw_params(data_dir, wsoa_plan))
    return demo_wsoa_pack


def test_every_demo_chart_renders_without_overlaps_and_shows_every_milestone(demo_pack):
    import io

    import matplotlib.dates as mdates

    from sendreport.charts.labels import overlapping_texts
    from sendreport.pack.sections.chart import has_spc_chart, kpi_figure

    pack = demo_pack
    charted = 0
    for view in pack.views:
        if not has_spc_chart(view):  # as sections.kpi_chart draws
            if view.row is not None:
                fig = kpi_figure(pack, view)[0]
                fig.savefig(io.BytesIO(), format="png")
                assert overlapping_texts(fig) == [], view.name
            continue
        fig = _chart(pack, view)
        fig.savefig(io.BytesIO(), format="png")
        assert overlapping_texts(fig) == [], view.name
        ax = fig.axes[0]
        box = ax.get_window_extent()
        for c in ax.collections:
            if c.get_gid() == "trajectory":
                for px, py in ax.transData.transform(c.get_offsets()):
                    assert box.x0 < px < box.x1 and box.y0 < py < box.y1, view.name
        if view.plan_kpi.target_date:
            assert mdates.num2date(ax.get_xlim()[1]).date() >= view.plan_kpi.target_date
        charted += 1
    assert charted >= 5


def test_a_dollar_in_an_intervention_label_reaches_the_chart_as_text(data_dir, tmp_path):
    plan = _plan_with(
        tmp_path,
        "label: EHC coordinators recruited",
        "label: $250k for EHC coordinators ($ from ICB)",
    )
    pack = build(data_dir, plan)
    view = next(v for v in pack.views if v.plan_kpi.id == "ehcp_20wk_excl")
    html = sections.kpi_chart_html(pack, view)  # mathtext would raise on the lone "$"
    assert html.startswith("<figure")
    fig = _chart(pack, view)
    (label,) = [t for t in fig.axes[0].texts if t.get_gid() == "intervention_label"]
    assert label.get_text().replace("\n", " ") == "$250k for EHC coordinators ($ from ICB)"
    assert not label.get_parse_math()


def test_months_the_data_do_not_cover_are_not_points(pack):
    from sendreport.metrics.coverage import NotAvailable
    from sendreport.pack.pack import not_covered

    s = pack.series[pack.series["kpi_id"] == "ehcp_20wk_excl"][
        ["kpi_id", "service", "month", "value", "numerator", "denominator", "grain"]
    ].reset_index(drop=True)
    s["reason"] = ""
    s["not_available"] = None
    n_early = 6 if (s["grain"] == "month").all() else 2  # 6 months or 2 quarters
    early = s.index < n_early
    s.loc[early, "value"] = np.nan
    s.loc[early, "reason"] = "needs requests from April 2021; the data cover from October 2022"
    s.loc[early, "not_available"] = NotAvailable.HISTORY_NEEDED
    # a month with nothing to measure, or withheld, is still a point (a gap), whatever its words
    s.loc[n_early, "reason"] = "needs words that look like a coverage reason"
    out = pack._with_spc(s)
    assert len(out) == len(s)  # kept in kpi_series.csv, with their reason
    gone = out[not_covered(out)]
    assert len(gone) == n_early
    assert gone["mean"].isna().all() and gone["point_type"].isna().all()
    assert gone["rebase_group"].isna().all()
    kept = out[~not_covered(out)]
    before = kept[kept["month"] < pd.Timestamp(RECRUITED)]
    mean, lpl, upl = _hand_xmr(before["value"].to_numpy(float))
    assert before["mean"].iloc[0] == pytest.approx(mean, rel=1e-12)
    assert before["upl"].iloc[0] == pytest.approx(upl, rel=1e-12)
    # the chart starts at the first month the data cover
    fig = plot_spc(kept, title="t", improvement="increase")
    import matplotlib.dates as mdates

    left = mdates.num2date(fig.axes[0].get_xlim()[0]).replace(tzinfo=None)
    assert (pd.Timestamp(s["month"].iloc[n_early - 1]) < left
            < pd.Timestamp(s["month"].iloc[n_early]))


def test_alt_text_says_where_the_limits_restart(pack):
    from sendreport.charts.spc import spc_alt_text

    view = next(v for v in pack.views if v.plan_kpi.id == "ehcp_20wk_excl")
    alt = spc_alt_text(view.series, name=view.name, improvement=view.improvement)
    # the first point on or after the rebase date (a quarter when the series is
    # published by quarter)
    months = pd.to_datetime(view.series["month"])
    first = months[months >= pd.Timestamp(RECRUITED)].min()
    assert f"mean and limits recalculated from {first:%B %Y}" in alt

"""A plan KPI with a count target for a wait band: rendered and judged as referrals, not a %.

The plan sets "50 referrals waiting more than 18 weeks for speech and language
therapy" (``wait_over_18wk_count``), beside the demo plan's own percentage
target, on a generated area: the scorecard, the chart, the trajectory and the
verdict's forecast and assurance all read it as a count.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sendreport.pack import Pack, sections
from sendreport.pack.verdict import forecast
from sendreport.params import parse_params
from sendreport.synth import write_synthetic

ROOT = Path(__file__).resolve().parents[2]
SLT = "speech_and_language_therapy"
COUNT_KPI = {
    "id": "wait_over_18wk_count",
    "service": SLT,
    "direction": "decrease",
    "target": 50,
    "target_date": "2025-03-31",
    "trajectory": [
        {"date": "2024-06-30", "value": 450},
        {"date": "2024-12-31", "value": 300},
        {"date": "2025-03-31", "value": 50},
    ],
}


@pytest.fixture(scope="module")
def pack(tmp_path_factory) -> Pack:
    folder = tmp_path_factory.mktemp("count-target")
    write_synthetic(folder)
    plan = yaml.safe_load((ROOT / "params" / "plans" / "demoshire-pap.yaml").read_text())
    area = next(a for a in plan["priority_areas"]
                if any(isinstance(k, dict) and k.get("id") == "wait_over_18wk"
                       for k in a.get("kpis", [])))
    area["kpis"].append(COUNT_KPI)
    (folder / "plan.yaml").write_text(yaml.safe_dump(plan, sort_keys=False), encoding="utf-8")
    raw = {
        "notebook": str(ROOT / "notebooks" / "stocktake.ipynb"),
        "area_name": "Demoshire",
        "period_start": "2024-07-01",
        "period_end": "2024-12-31",
        "baseline_period_start": "2022-04-01",
        "baseline_period_end": "2023-03-31",
        "previous_period_end": "2024-06-30",
        "plan": str(folder / "plan.yaml"),
        "data": {t: str(folder / f"{t}.csv") for t in ("requests", "reviews", "referrals")},
    }
    return Pack.from_params(parse_params(raw))


@pytest.fixture(scope="module")
def view(pack):
    return next(v for v in pack.views if v.key == ("wait_over_18wk_count", SLT))


def test_the_count_target_is_in_kpis_csv_as_a_count(pack, view):
    row = pack.kpi_row("wait_over_18wk_count", SLT)
    assert row["unit"] == "count" and row["target"] == 50
    assert row["value"] == pack.kpi_row("wait_over_18wk", SLT)["numerator"] > 50
    assert view.unit == "count"
    assert view.name == "Referrals waiting more than 18 weeks: Speech and language therapy"


def test_scorecard_prints_referrals_not_a_percentage(pack, view):
    table = sections.scorecard(pack)
    [row] = [r for r in table.rows if r.cells[0].link == view.anchor]
    latest, baseline, change, target = (c.text for c in row.cells[1:5])
    value = int(pack.kpi_row("wait_over_18wk_count", SLT)["value"])
    assert latest == f"{value:,}"
    assert target.startswith("50 by Mar")
    assert not any("%" in t or " pp" in t for t in (latest, baseline, change, target))
    assert row.cells[8].text not in ("", "No target")  # assurance against the count target


def test_chart_is_an_spc_chart_of_counts_with_the_target(pack, view):
    assert view.series is not None and len(view.series) >= 12  # a monthly series
    assert view.series["value"].dropna().ge(0).all()
    chart = sections.kpi_chart(pack, view)
    assert chart["figure"] is not None
    alt = chart["figure"]["alt"]
    assert "target 50" in alt and "%" not in alt


def test_trajectory_milestones_are_judged_as_counts(pack, view):
    checks = {m.date.isoformat(): m for m in pack.milestone_checks(view)}
    december = checks["2024-12-31"]
    assert december.actual == pack.kpi_row("wait_over_18wk_count", SLT)["value"]
    assert december.status == ("on trajectory" if december.actual <= 300 else "off trajectory")
    assert checks["2025-03-31"].status == "not yet due"
    area = view.area
    data = sections.planned_against_actual(pack, area)
    [mine] = [k for k in data["kpis"] if k["anchor"] == view.anchor]
    assert [m["planned"] for m in mine["milestones"]] == ["450", "300", "50"]
    assert not any("%" in m["actual"] for m in mine["milestones"])


def test_forecast_and_assurance_judge_the_count_target(pack, view):
    f = forecast(pack, view)
    assert f is not None and f.target == 50
    assert f.meets == (f.projected <= 50)
    assert f.projected >= 0  # a count never forecast below zero
    assert view.fact.assurance is not None
    assert view.fact.target.shown() == "50"

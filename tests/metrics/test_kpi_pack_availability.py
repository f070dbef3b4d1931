"""On the demo pack: figures that do not exist are never counted or shown as numbers (SPEC 5)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sendreport.pack import Pack, sections
from sendreport.pack.findings import headline_findings, movement
from sendreport.pack.verdict import verdict
from sendreport.params import parse_params
from sendreport.synth import write_synthetic
from sendreport.vocabulary import is_missing

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    """The demo pack, with its plan also naming a service the data do not hold."""
    folder = tmp_path_factory.mktemp("availability")
    write_synthetic(folder)
    plan = yaml.safe_load((ROOT / "params" / "plans" / "demoshire-pap.yaml").read_text())
    plan["priority_areas"][0]["kpis"].append(
        {
            "id": "wait_list",
            "service": "wheelchair_services",
            "baseline": {"value": 54, "period": "2022-23"},
            "target": 20,
        }
    )
    plan_path = folder / "plan.yaml"
    plan_path.write_text(yaml.safe_dump(plan, sort_keys=False))
    raw = {
        "notebook": str(ROOT / "notebooks" / "stocktake.ipynb"),
        "area_name": "Demoshire",
        "period_start": "2024-07-01",
        "period_end": "2024-12-31",
        "baseline_period_start": "2022-04-01",
        "baseline_period_end": "2023-03-31",
        "previous_period_end": "2024-06-30",
        "plan": str(plan_path),
        "data": {t: str(folder / f"{t}.csv") for t in ("requests", "reviews", "referrals")}
        | {"measures": str(folder / "measures.csv")},
    }
    return Pack.from_params(parse_params(raw))


def test_absent_service_is_not_available_with_its_reason(pack):
    view = next(v for v in pack.views if v.key == ("wait_list", "wheelchair_services"))
    assert is_missing(view.value("value"))
    assert view.value("reason") == "no wheelchair_services referral in the data"
    assert "not available (no wheelchair_services referral in the data)" in view.headline
    assert "better" not in view.headline and "worse" not in view.headline
    assert movement(view) is None


def test_headline_findings_count_only_figures_that_exist(pack):
    findings = headline_findings(pack)
    existing = [
        v
        for v in pack.views
        if v.plan_kpi.baseline is not None
        and not is_missing(v.value("value"))
        and not v.suppressed
        and v.improvement != "neutral"
    ]
    assert any(is_missing(v.value("value")) for v in pack.views if v.plan_kpi.baseline)
    assert all(f and " x " not in f and "nan" not in f.lower() for f in findings)
    # the verdict's counts of measures better or worse than baseline count only figures that exist
    plan_sentences = " ".join(verdict(pack)["plan"])
    counted = [int(m.group(1)) for m in re.finditer(r"of (\d+) measures", plan_sentences)]
    assert counted, plan_sentences
    assert set(counted) == {len(existing)}


def test_series_months_before_the_history_allows_are_not_points(pack):
    series = pack.series
    over52 = series[series["kpi_id"] == "ehcp_over_52wk_excl"]
    if over52.empty:
        pytest.skip("the demo plan charts no over-52-week series")
    early = over52[over52["month"] < pack.data_from["requests"] + pd_offset_days(365)]
    assert early["value"].isna().all()


def pd_offset_days(days: int):
    import pandas as pd

    return pd.Timedelta(days=days)


def test_dfe_comparison_says_how_many_months_a_partial_year_covers(pack):
    view = next(v for v in pack.views if v.plan_kpi.id in ("ehcp_20wk_excl", "ehcp_20wk_incl"))
    first = pack.data_from["requests"]
    assert first.month != 1, "the demo's requests begin within a year"
    html = sections.benchmark_html(pack, view)
    months = 12 - first.month + 1
    assert f"x ({months} of 12 months in the data)" in html
    assert pack.year_coverage(first.year) == months
    assert pack.year_coverage(first.year + 1) == 12

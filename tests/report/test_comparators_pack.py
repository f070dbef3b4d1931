"""The England comparison uses matching months: the area's calendar year against DfE's (SPEC 5).

A small requests table whose figures are worked out by hand: in 2023, 10 of 15
plans were issued within 20 weeks (66.7%); in July to December 2024, 5 of 20
(25.0%). DfE's England figures: 50.3% for 2023 (published June 2024), 46.4%
for 2024 (published June 2025).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from sendreport.disclosure.rule import WithheldReason
from sendreport.metrics import compute_kpis
from sendreport.pack import sections
from sendreport.pack.kpifacts import Figure, Status, kpi_fact
from sendreport.pack.pack import Pack
from sendreport.pack.verdict import VERDICT_RULES, england_gap
from sendreport.params import parse_params

ROOT = Path(__file__).resolve().parents[2]
HEADER = ("request_id,person_id,received_date,request_outcome,request_outcome_date,"
          "assessment_outcome,assessment_outcome_date,plan_issued_date,exception_20wk")


def plans(prefix: str, n: int, received: str, issued: str) -> list[str]:
    return [f"{prefix}{i},{prefix}P{i},{received},assess,{received},issue_plan,{issued},"
            f"{issued},false" for i in range(n)]


@pytest.fixture(scope="module")
def requests_csv(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("comparators")
    rows = (
        plans("A", 10, "2022-09-01", "2023-01-10")  # 131 days: within 20 weeks
        + plans("B", 5, "2022-06-01", "2023-01-10")  # 223 days: over
        + plans("C", 5, "2024-04-01", "2024-08-01")  # 122 days: within
        + plans("D", 15, "2024-01-02", "2024-08-01")  # 212 days: over
    )
    path = folder / "requests.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def build(requests: Path, **changes) -> Pack:
    raw = {
        "notebook": str(ROOT / "notebooks" / "stocktake.ipynb"),
        "area_name": "Handshire",
        "period_start": "2024-07-01",
        "period_end": "2024-12-31",
        "reference_date": "2025-01-31",
        "plan": str(ROOT / "params" / "plans" / "demoshire-pap.yaml"),
        "data": {"requests": str(requests)},
        "data_from": {"requests": "2022-01-01"},
        **changes,
    }
    return Pack.from_params(parse_params(raw, today=None))


def cells(html: str, year: int) -> list[str]:
    row = next(r for r in html.split("<tr>") if f">{year}<" in r)
    return re.findall(r'<td class="num">([^<]*)</td>', row)


def test_the_england_comparison_uses_the_same_calendar_year(requests_csv):
    pack = build(requests_csv)
    view = next(v for v in pack.views if v.plan_kpi.id == "ehcp_20wk_excl")
    f = view.fact
    assert f.latest.value == pytest.approx(25.0)  # July to December 2024: 5 of 20
    # England 2024 (published June 2025) was not out on 31 January 2025: 2023 is used
    assert (f.england.value, f.england.period) == (50.3, "2023")
    assert f.england_own.value == pytest.approx(100 * 10 / 15)
    assert f.england_own.period == "calendar year 2023"
    said = england_gap([view])
    assert said.startswith("EHC plans issued within 20 weeks")
    assert "66.7% in 2023 (the area's own records) against 50.3% for England in 2023" in said
    assert "16.4 percentage points above England" in said
    html = sections.benchmark_html(pack, view)
    assert cells(html, 2023) == ["50.3%", "66.7%"]
    assert cells(html, 2024) == ["x", "25.0%"]  # England 2024 not yet published
    assert "31 January 2025" in html and "2023 is the latest year" in html
    assert "Department for Education, Education, health and care plans (SEN2), 2020-2023" in html
    assert "the area&#x27;s own records (requests table), computed as DfE&#x27;s SEN2" in html


def test_a_later_extract_date_compares_2024_with_2024(requests_csv):
    pack = build(requests_csv, reference_date="2025-07-01")
    view = next(v for v in pack.views if v.plan_kpi.id == "ehcp_20wk_excl")
    assert (view.fact.england.value, view.fact.england.period) == (46.4, "2024")
    assert view.fact.england_own.value == pytest.approx(25.0)
    assert "21.4 percentage points below England" in england_gap([view])
    assert cells(sections.benchmark_html(pack, view), 2024) == ["46.4%", "25.0%"]


def test_a_real_area_gets_its_region_itself_and_its_neighbours(requests_csv):
    pack = build(requests_csv, la_code="821", neighbours=["E06000055", "E06000056"])
    view = next(v for v in pack.views if v.plan_kpi.id == "ehcp_20wk_excl")
    html = sections.benchmark_html(pack, view)
    for heading in ("England", "East of England (region)", "Luton (DfE)",
                    "Statistical neighbours (2, pooled)", "Handshire (own records)"):
        assert f">{heading}</th>" in html, heading
    # 2023 as published in the bundled DfE file; the neighbours pooled by hand
    england, region, luton, pooled, own = cells(html, 2023)
    assert (england, own) == ("50.3%", "66.7%")
    assert "pooled: the plans issued within 20 weeks of Bedford, Central Bedfordshire" in html
    assert "Region: not supplied" not in html and "synthetic" not in html


def test_a_synthetic_area_says_why_it_has_no_region(requests_csv):
    pack = build(requests_csv, la_code="E10000099", synthetic=True)
    view = next(v for v in pack.views if v.plan_kpi.id == "ehcp_20wk_excl")
    html = sections.benchmark_html(pack, view)
    assert "a synthetic area" in html and "Statistical neighbours: not supplied" in html
    assert "Synthetic: a made-up area" in sections.cover_html(pack)


def test_england_not_given_is_not_supplied_never_z(requests_csv):
    """NHS England publishes the waits over 18 weeks; without a benchmarks file the
    England figure is "not supplied", and the scorecard's key says what that means."""
    pack = build(requests_csv)
    wait = next(v for v in pack.views if v.plan_kpi.id == "wait_over_18wk")
    assert wait.fact.england.status is Status.NOT_SUPPLIED
    assert wait.fact.england.shown() == "not supplied"
    assert "no benchmarks file" in wait.fact.england.reason_text
    local = next(v for v in pack.views if v.plan_kpi.id == "wait_median_open_weeks")
    assert local.fact.england.shown() == "z"  # no national figure exists for it
    table = sections.scorecard(pack)
    assert "not supplied = a comparator that exists but was not given in params" in table.key
    assert "z = not applicable" in table.key
    html = sections.scorecard_html(pack)
    assert "DfE&#x27;s figure for calendar year 2023, the latest published" in html


def test_a_withheld_own_year_states_both_periods_and_computes_no_gap():
    """41.4% for July to December 2024 is not 8.9 points below England's 50.3% for 2023: the
    area's own 2023 figure could be far lower. A gap is only between the same months."""
    row = {"value": 41.4, "numerator": 206, "denominator": 498, "suppressed": False,
           "reason": ""}
    own = Figure(None, "%", "calendar year 2023", Status.WITHHELD, WithheldReason.SMALL,
                 "small: from 1 to 4")
    fact = kpi_fact(row, kpi_id="ehcp_20wk_excl", service="", name="EHC plans", unit="%",
                    improvement="increase", periods={"latest": "2024-07-01 to 2024-12-31"},
                    target=None, england=(50.3, 2023), england_own=own)
    said = england_gap([SimpleNamespace(fact=fact, name="EHC plans")])
    assert said == (
        "EHC plans: 41.4% from 1 July 2024 to 31 December 2024, and 50.3% for England in "
        "calendar year 2023 (DfE's latest published figure); no gap is computed because the "
        "periods differ (the area's own figure for 2023 is withheld)."
    )
    assert "percentage points" not in said and "below" not in said
    gap_rule = next(rule for rule in VERDICT_RULES if rule.startswith("Gap to England"))
    assert "no gap is computed, because the periods differ" in gap_rule
    # not available, rather than withheld: the same, with its own word
    own = Figure(None, "%", "calendar year 2023", Status.NOT_AVAILABLE)
    fact = replace(fact, england_own=own)
    said = england_gap([SimpleNamespace(fact=fact, name="EHC plans")])
    assert said.endswith("no gap is computed because the periods differ (the area's own "
                         "figure for 2023 is not available).")


# ---------------------------------------------- every empty figure in kpis.csv says why
FIGURES = (("value", "suppressed", "reason"),
           ("previous", "previous_suppressed", "previous_reason"),
           ("baseline", "baseline_suppressed", "baseline_reason"))


def unexplained(kpis: pd.DataFrame) -> list[tuple[str, str, str]]:
    """``(kpi_id, service, figure)`` of each withheld or empty figure with no reason."""
    out = []
    for value, flag, reason in FIGURES:
        flagged = kpis[flag].astype(str).str.lower().isin(["true", "1"])
        empty = kpis[value].isna() | flagged
        why = kpis[reason].fillna("").astype(str).str.strip()
        out += [(k, s, value) for k, s in kpis.loc[empty & (why == ""),
                                                   ["kpi_id", "service"]].itertuples(index=False)]
    return out


def test_without_a_previous_stocktake_the_empty_previous_says_why(requests_csv):
    k = compute_kpis({"requests": pd.read_csv(requests_csv)}, period_start="2024-07-01",
                     period_end="2024-12-31", data_from={"requests": "2022-01-01"})
    assert k["previous"].isna().all()
    assert set(k["previous_reason"]) == {"no previous stocktake given"}
    assert unexplained(k.assign(suppressed=False, previous_suppressed=False,
                                baseline_suppressed=False)) == []


@pytest.mark.parametrize("name", ["demo", "demo-wsoa"])
def test_every_withheld_or_unavailable_figure_in_kpis_csv_has_its_reason(demo_runs, name):
    kpis = pd.read_csv(demo_runs[name].output_folder / "kpis.csv", keep_default_na=False,
                       na_values=[""])
    assert kpis["suppressed"].astype(str).str.lower().eq("true").any()  # the demo withholds some
    assert unexplained(kpis) == []

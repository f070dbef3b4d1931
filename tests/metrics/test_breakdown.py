"""Breakdowns by a column and pathway stages, checked by hand and against DuckDB SQL."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from sendreport.errors import ParameterError
from sendreport.metrics import compute_kpis
from sendreport.metrics.breakdown import age_band, kpi_breakdown, pathway_stages
from sendreport.synth import generate

START, END = "2024-01-01", "2024-12-31"


@pytest.fixture(scope="module")
def demo():
    return generate(seed=7)


def test_breakdown_by_need_matches_sql(demo):
    requests = demo["requests"]
    ours = kpi_breakdown({"requests": requests}, "primary_need", kpis=["ehcp_20wk_excl"],
                         period_start=START, period_end=END)
    sql = duckdb.sql(f"""
        select coalesce(primary_need, 'not recorded') as primary_need,
               count(*) filter (where date_diff('day', received_date, plan_issued_date) <= 140)
                   as numerator,
               count(*) as denominator
        from requests
        where plan_issued_date between DATE '{START}' and DATE '{END}' and not exception_20wk
        group by 1 order by 1
    """).df()
    merged = ours.merge(sql, on="primary_need", suffixes=("", "_sql"))
    assert len(merged) == len(sql) > 3
    assert (merged["numerator"].astype(int) == merged["numerator_sql"]).all()
    assert (merged["denominator"].astype(int) == merged["denominator_sql"]).all()


def test_groups_add_up_to_the_whole(demo):
    tables = {"requests": demo["requests"], "referrals": demo["referrals"]}
    parts = kpi_breakdown(tables, "primary_need", period_start=START, period_end=END)
    whole = compute_kpis({"requests": demo["requests"]}, period_start=START, period_end=END)
    assert not parts["kpi_id"].str.startswith("wait_").any()  # other tables' KPIs left out
    for kpi in ("ehcp_issued", "ehcp_requests", "ehcp_20wk_excl"):
        total = whole.loc[whole["kpi_id"] == kpi, "numerator"].iloc[0]
        assert parts.loc[parts["kpi_id"] == kpi, "numerator"].sum() == total


def test_breakdown_by_derived_age_band(demo):
    parts = kpi_breakdown({"requests": demo["requests"]}, "age_band", kpis=["ehcp_requests"],
                          period_start=START, period_end=END)
    assert set(parts["age_band"]) <= {"under 5", "5 to 10", "11 to 15", "16 to 19", "20 to 25",
                                      "over 25", "not recorded"}
    assert parts["numerator"].sum() == ((demo["requests"]["received_date"] >= START)
                                        & (demo["requests"]["received_date"] <= END)).sum()


def test_unknown_column_is_named():
    r = pd.DataFrame({"received_date": pd.to_datetime(["2024-01-01"])})
    with pytest.raises(ParameterError, match="no table has the column 'colour'"):
        kpi_breakdown({"requests": r}, "colour", period_start=START, period_end=END)


@pytest.mark.parametrize(
    ("born", "on", "band"),
    [
        ("2019-06-02", "2024-06-01", "under 5"),   # the day before the 5th birthday
        ("2019-06-01", "2024-06-01", "5 to 10"),   # on it
        ("2013-06-01", "2024-05-31", "5 to 10"),   # 10 until the day before 11
        ("2013-06-01", "2024-06-01", "11 to 15"),
        ("2004-02-29", "2024-02-28", "16 to 19"),  # leap-day birthday: 19 on 28 Feb
        ("1998-01-01", "2024-06-01", "over 25"),
    ],
)
def test_age_band_boundaries(born, on, band):
    r = pd.DataFrame({"date_of_birth": pd.to_datetime([born]),
                      "received_date": pd.to_datetime([on])})
    assert age_band(r).iloc[0] == band


def test_pathway_stages_by_hand():
    r = pd.DataFrame({
        "received_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-01"]),
        "request_outcome": ["assess", "not_assess", "assess"],
        "request_outcome_date": pd.to_datetime(["2024-02-12", "2024-02-05", "2024-02-19"]),
        "assessment_outcome": ["issue_plan", None, "not_issue_plan"],
        "assessment_outcome_date": pd.to_datetime(["2024-04-01", None, "2024-03-18"]),
        "plan_issued_date": pd.to_datetime(["2024-05-13", None, None]),
        "primary_need": ["ASD", "SEMH", "ASD"],
    })
    out = pathway_stages(r, by=["primary_need"])
    counts = out.groupby("stage", observed=False).size().to_dict()
    assert counts == {"request_to_decision": 3, "decision_to_outcome": 2,
                      "outcome_to_plan": 1, "request_to_plan": 1}
    decided = out[out["stage"] == "request_to_decision"].sort_values("days")
    assert decided["days"].tolist() == [35, 42, 49]
    assert decided["primary_need"].tolist() == ["SEMH", "ASD", "ASD"]
    assert "request_id" not in out and "person_id" not in out

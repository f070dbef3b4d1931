"""kpis_by_area: every area's KPIs in one pass equal compute_kpis on each area's records alone."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kpi_frames import REFERRAL_DATES, REQUEST_DATES, REVIEW_DATES, frame

from sendreport.errors import ParameterError
from sendreport.metrics import compute_kpis
from sendreport.metrics.grouped import kpis_by_area
from sendreport.synth import generate

DEMO = generate(seed=7)
CASE_TABLES = ("requests", "reviews", "referrals")


def per_area(tables, by="la_code", **kwargs) -> pd.DataFrame:
    """The reference: compute_kpis on each area's rows alone, one call per area."""
    areas = sorted({a for t in tables.values() if by in t.columns for a in t[by]})
    parts = []
    for area in areas:
        own = {name: t[t[by] == area] if by in t.columns else t for name, t in tables.items()}
        part = compute_kpis(own, **kwargs)
        part.insert(0, by, area)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


@st.composite
def multi_area(draw):
    """Rows of the demo tables, each given one of a few areas, and a period with its previous."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_areas = draw(st.integers(1, 4))
    tables = {}
    for name in CASE_TABLES:
        size = draw(st.integers(1 if name == "requests" else 0, 120))
        rows = DEMO[name].iloc[np.sort(rng.choice(len(DEMO[name]), size, replace=False))]
        rows = rows.reset_index(drop=True)
        areas = draw(st.lists(st.integers(0, n_areas - 1), min_size=size, max_size=size))
        rows["la_code"] = [f"E{a:02d}" for a in areas]
        tables[name] = rows
    if draw(st.booleans()):  # some referrals without a service: the service ""
        blank = rng.random(len(tables["referrals"])) < 0.2
        tables["referrals"].loc[blank, "service"] = None
    if draw(st.booleans()):  # measures split by area too, or every area's
        m = DEMO["measures"].copy()
        m["la_code"] = [f"E{a:02d}" for a in rng.integers(0, n_areas, len(m))]
        tables["measures"] = m
    else:
        tables["measures"] = DEMO["measures"]
    start = pd.Timestamp("2021-06-01") + pd.Timedelta(days=draw(st.integers(0, 1200)))
    end = start + pd.Timedelta(days=draw(st.integers(0, 400)))
    previous = draw(
        st.one_of(st.none(), st.integers(-200, 400).map(lambda d: start - pd.Timedelta(days=d)))
    )
    data_from = draw(st.one_of(st.none(), st.just({"requests": "2021-01-01"})))
    return tables, {
        "period_start": start,
        "period_end": end,
        "previous_period_end": previous,
        "data_from": data_from,
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(multi_area())
def test_equals_compute_kpis_area_by_area(case):
    tables, kwargs = case
    pd.testing.assert_frame_equal(kpis_by_area(tables, **kwargs), per_area(tables, **kwargs))


def test_equals_compute_kpis_on_the_demo_split_in_five():
    tables = {name: DEMO[name].copy() for name in CASE_TABLES}
    for t in tables.values():
        t["la_code"] = t["person_id"].str[-1].map(lambda c: f"E{int(c) % 5}")
    kwargs = {"period_start": "2024-07-01", "period_end": "2024-12-31",
              "previous_period_end": "2024-06-30"}
    pd.testing.assert_frame_equal(kpis_by_area(tables, **kwargs), per_area(tables, **kwargs))


def test_a_categorical_area_column_gives_the_same_frame():
    """Categories out of order and one with no record: the same areas, rows and figures."""
    text = {name: DEMO[name].copy() for name in CASE_TABLES}
    for t in text.values():
        t["la_code"] = t["person_id"].str[-1].map(lambda c: f"E{int(c) % 3}")
    categorical = {name: t.assign(la_code=pd.Categorical(
        t["la_code"], categories=["E2", "E9", "E0", "E1"])) for name, t in text.items()}
    kwargs = {"period_start": "2024-07-01", "period_end": "2024-12-31",
              "previous_period_end": "2024-06-30"}
    got = kpis_by_area(categorical, **kwargs)
    assert got["la_code"].unique().tolist() == ["E0", "E1", "E2"]
    pd.testing.assert_frame_equal(got, kpis_by_area(text, **kwargs))


def test_open_records_stay_in_their_own_area():
    """A request, a review and a referral left open in area A are not open in area B."""
    requests = frame(
        [{"la_code": "A", "received_date": "2023-01-02", "request_outcome": "assess",
          "request_outcome_date": "2023-02-01", "plan_issued_date": None},
         {"la_code": "B", "received_date": "2024-05-01", "request_outcome": "assess",
          "request_outcome_date": "2024-05-20", "plan_issued_date": "2024-06-10"}],
        REQUEST_DATES,
    )
    reviews = frame(
        [{"la_code": "A", "review_due_date": "2023-03-01", "review_meeting_date": None},
         {"la_code": "B", "review_due_date": "2024-03-01", "review_meeting_date": "2024-02-01"}],
        REVIEW_DATES,
    )
    referrals = frame(
        [{"la_code": "A", "service": "audiology", "referral_date": "2023-01-01",
          "first_contact_date": None, "removed_date": None},
         {"la_code": "B", "service": "audiology", "referral_date": "2024-01-01",
          "first_contact_date": "2024-02-01", "removed_date": None}],
        REFERRAL_DATES,
    )
    out = kpis_by_area({"requests": requests, "reviews": reviews, "referrals": referrals},
                       period_start="2024-01-01", period_end="2024-06-30",
                       data_from={"requests": "2020-01-01", "reviews": "2020-01-01",
                                  "referrals": "2020-01-01"})
    got = out.set_index(["la_code", "kpi_id"])["value"]
    # by hand: A's request (received 2023-01-02, never closed) has waited over 20 weeks at
    # 2024-06-30, its review due 2023-03-01 is overdue, its referral still waits (546 days)
    assert got[("A", "ehcp_open_over_20wk")] == 1
    assert got[("A", "ar_overdue")] == 1
    assert got[("A", "wait_list")] == 1
    assert got[("A", "wait_over_52wk")] == 100
    assert got[("A", "wait_median_open_weeks")] == pytest.approx(546 / 7)
    # B's records all closed; A's never-closed records are not B's
    assert got[("B", "ehcp_open_over_20wk")] == 0
    assert got[("B", "ar_overdue")] == 0
    assert got[("B", "wait_list")] == 0
    assert got[("B", "ehcp_issued")] == 1
    assert got[("A", "ehcp_issued")] == 0


def test_tiny_frame_by_hand():
    """Two areas' plans: E1 one of two within 20 weeks, E2 its one plan late (day 141)."""
    requests = frame(
        [{"la_code": "E1", "received_date": "2024-01-01", "plan_issued_date": "2024-03-01"},
         {"la_code": "E1", "received_date": "2023-01-01", "plan_issued_date": "2024-03-01"},
         {"la_code": "E2", "received_date": "2023-10-12", "plan_issued_date": "2024-03-01"}],
        REQUEST_DATES,
    )
    out = kpis_by_area({"requests": requests}, period_start="2024-01-01",
                       period_end="2024-03-31", previous_period_end="2023-12-31",
                       data_from={"requests": "2022-01-01"})
    rows = out[out["kpi_id"] == "ehcp_20wk_excl"].set_index("la_code")
    assert rows.loc["E1", ["numerator", "denominator", "value"]].tolist() == [1, 2, 50.0]
    assert rows.loc["E2", ["numerator", "denominator", "value"]].tolist() == [0, 1, 0.0]
    requests_in = out[out["kpi_id"] == "ehcp_requests"].set_index("la_code")["value"]
    assert requests_in.to_dict() == {"E1": 1.0, "E2": 0.0}
    previous = out[out["kpi_id"] == "ehcp_requests"].set_index("la_code")["previous"]
    assert previous.to_dict() == {"E1": 0.0, "E2": 1.0}  # received in Oct-Dec 2023
    assert list(out.columns[:2]) == ["la_code", "kpi_id"]


def test_area_coverage_is_its_own():
    """Without data_from, each area's history starts at its own earliest event date."""
    requests = frame(
        [{"la_code": "old", "received_date": "2020-01-05", "plan_issued_date": "2024-02-01"},
         {"la_code": "new", "received_date": "2023-11-20", "plan_issued_date": "2024-02-01"}],
        REQUEST_DATES,
    )
    out = kpis_by_area({"requests": requests}, period_start="2024-01-01",
                       period_end="2024-03-31")
    over52 = out[out["kpi_id"] == "ehcp_over_52wk_excl"].set_index("la_code")
    assert over52.loc["old", "value"] == 100.0
    assert np.isnan(over52.loc["new", "value"])
    assert over52.loc["new", "reason"] == (
        "needs requests from January 2023; the data cover from November 2023"
    )


def test_agrees_with_duckdb_group_by():
    tables = {name: DEMO[name].copy() for name in CASE_TABLES}
    for t in tables.values():
        t["la_code"] = t["person_id"].str[-1].map(lambda c: f"E{int(c) % 3}")
    ps, pe = "2024-01-01", "2024-06-30"
    ours = kpis_by_area(tables, period_start=ps, period_end=pe,
                        data_from=dict.fromkeys(CASE_TABLES, "2015-01-01"))
    requests, reviews, referrals = (tables[n] for n in CASE_TABLES)  # noqa: F841 (DuckDB reads)
    sql = duckdb.sql(f"""
        select la_code, 'ehcp_20wk_excl' as kpi_id, '' as service,
               count(*) filter (where date_diff('day', received_date, plan_issued_date) <= 140)
                   as num, count(*) as den
        from requests where plan_issued_date between DATE '{ps}' and DATE '{pe}'
          and not exception_20wk group by la_code
        union all select la_code, 'ar_overdue', '', count(*), null from reviews
        where review_due_date <= DATE '{pe}'
          and (review_meeting_date is null or review_meeting_date > DATE '{pe}')
        group by la_code
        union all select la_code, 'wait_list', service, count(*), null from referrals
        where referral_date <= DATE '{pe}'
          and (first_contact_date is null or first_contact_date > DATE '{pe}')
          and (removed_date is null or removed_date > DATE '{pe}')
        group by la_code, service
    """).df()
    merged = sql.merge(ours, on=["la_code", "kpi_id", "service"], how="left")
    assert len(merged) == len(sql) > 3 * 2
    assert merged["numerator"].astype(int).tolist() == merged["num"].astype(int).tolist()
    percent = merged["kpi_id"] == "ehcp_20wk_excl"
    assert merged.loc[percent, "denominator"].astype(int).tolist() == (
        merged.loc[percent, "den"].astype(int).tolist()
    )


def test_no_record_no_row():
    requests = frame([{"la_code": "E1", "received_date": "2024-01-01"}], REQUEST_DATES)
    out = kpis_by_area({"requests": requests.iloc[:0]}, period_start="2024-01-01",
                       period_end="2024-03-31")
    assert len(out) == 0 and list(out.columns[:2]) == ["la_code", "kpi_id"]


def test_a_record_without_an_area_is_refused():
    requests = frame(
        [{"la_code": "E1", "received_date": "2024-01-01"},
         {"la_code": None, "received_date": "2024-01-02"}],
        REQUEST_DATES,
    )
    with pytest.raises(ParameterError, match="requests table's column la_code is missing in 1"):
        kpis_by_area({"requests": requests}, period_start="2024-01-01", period_end="2024-03-31")


def test_a_case_table_without_the_column_is_refused():
    requests = frame([{"la_code": "E1", "received_date": "2024-01-01"}], REQUEST_DATES)
    reviews = frame([{"review_due_date": "2024-01-01", "review_meeting_date": None}],
                    REVIEW_DATES)
    with pytest.raises(ParameterError, match="the reviews table has no column la_code"):
        kpis_by_area({"requests": requests, "reviews": reviews},
                     period_start="2024-01-01", period_end="2024-03-31")
    with pytest.raises(ParameterError, match="no table has the column area"):
        kpis_by_area({"measures": DEMO["measures"]}, "area",
                     period_start="2024-01-01", period_end="2024-03-31")

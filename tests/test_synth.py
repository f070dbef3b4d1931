"""The synthetic data generator: reproducible bytes, SPEC 4 rules and the Demoshire story."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd
import pytest

from sendreport.errors import ParameterError
from sendreport.synth import EXTRACT_DATE, generate, write_synthetic
from sendreport.synth._csv import write_csv
from sendreport.synth._helpers import curve, day, pseudonyms, serial_ids
from sendreport.synth.referrals import _fluid_queue

EXTRACT = pd.Timestamp(EXTRACT_DATE)
COLUMNS = {
    "requests": [
        "request_id",
        "person_id",
        "received_date",
        "request_outcome",
        "request_outcome_date",
        "assessment_outcome",
        "assessment_outcome_date",
        "plan_issued_date",
        "exception_20wk",
        "primary_need",
        "date_of_birth",
    ],
    "reviews": [
        "review_id",
        "person_id",
        "review_due_date",
        "review_meeting_date",
        "review_decision_date",
        "review_outcome",
    ],
    "referrals": [
        "referral_id",
        "person_id",
        "service",
        "referral_date",
        "first_contact_date",
        "removed_date",
    ],
    "measures": [
        "measure_id",
        "title",
        "source",
        "date",
        "numerator",
        "denominator",
        "value",
        "unit",
        "kind",
        "people",
        "invited",
    ],
}
SERVICES = {
    "speech_and_language_therapy",
    "autism_assessment",
    "community_paediatrics",
    "adhd_assessment",
    "occupational_therapy",
    "physiotherapy",
    "audiology",
    "equipment",
}
NEEDS = {"SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD", "ASD", "DS", "OTH"}


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return generate()


def sha256s(paths: dict) -> dict[str, str]:
    return {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in paths.items()}


# Reproducibility and files ---------------------------------------------------------------


def test_same_seed_writes_identical_bytes_and_another_seed_differs(tmp_path):
    first = sha256s(write_synthetic(tmp_path / "a", seed=7))
    again = sha256s(write_synthetic(tmp_path / "b", seed=7))
    other = sha256s(write_synthetic(tmp_path / "c", seed=8))
    assert list(first) == ["requests", "reviews", "referrals", "measures"]
    assert first == again
    assert all(first[name] != other[name] for name in first)


def test_written_files_are_utf8_lf_iso_dates_and_true_false(tmp_path):
    paths = write_synthetic(tmp_path)
    assert {p.name for p in paths.values()} == {
        "requests.csv",
        "reviews.csv",
        "referrals.csv",
        "measures.csv",
    }
    raw = paths["requests"].read_bytes()
    text = raw.decode("utf-8")
    assert b"\r" not in raw
    assert text.endswith("\n")
    lines = text.splitlines()
    assert lines[0] == ",".join(COLUMNS["requests"])
    flags = {line.split(",")[8] for line in lines[1:]}
    assert flags == {"true", "false"}
    dates = {line.split(",")[2] for line in lines[1:]}
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in dates)


def test_written_files_read_back_to_the_generated_tables(tmp_path, tables):
    paths = write_synthetic(tmp_path)
    dates = [c for c in COLUMNS["reviews"] if c.endswith("_date")]
    back = pd.read_csv(paths["reviews"], parse_dates=dates)
    pd.testing.assert_frame_equal(back, tables["reviews"])


def test_write_csv_quotes_only_fields_that_need_it_and_leaves_missing_empty(tmp_path):
    frame = pd.DataFrame(
        {
            "text": pd.Series(["plain", "a, b", 'say "hi"', None], dtype="str"),
            "when": pd.to_datetime(["2024-01-31", None, "2024-02-29", "2024-03-01"]),
            "flag": [True, False, True, False],
            "count": pd.array([1, None, 3, 4], dtype="Int64"),
        }
    )
    write_csv(frame, tmp_path / "x.csv")
    assert (tmp_path / "x.csv").read_text(encoding="utf-8") == (
        "text,when,flag,count\n"
        "plain,2024-01-31,true,1\n"
        '"a, b",,false,\n'
        '"say ""hi""",2024-02-29,true,3\n'
        ",2024-03-01,false,4\n"
    )


def test_write_csv_of_an_empty_table_writes_the_header(tmp_path):
    write_csv(pd.DataFrame({"a": pd.Series([], dtype="str")}), tmp_path / "e.csv")
    assert (tmp_path / "e.csv").read_text(encoding="utf-8") == "a\n"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scale": "county"}, "scale must be 'la' or 'national', not 'county'"),
        ({"seed": -1}, "seed must be a non-negative integer, not -1"),
        ({"seed": "1"}, "seed must be a non-negative integer, not '1'"),
    ],
)
def test_generate_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ParameterError, match=re.escape(message)):
        generate(**kwargs)


def test_write_synthetic_refuses_a_file_as_the_folder(tmp_path):
    target = tmp_path / "file.csv"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(ParameterError, match="out_dir must be a folder, not the file"):
        write_synthetic(target)


# Building blocks -------------------------------------------------------------------------


def test_serial_ids_are_zero_padded():
    ids = serial_ids("REQ-", np.array([1, 42, 123456]), digits=6)
    assert ids.tolist() == ["REQ-000001", "REQ-000042", "REQ-123456"]
    assert ids.dtype == "str"


def test_pseudonyms_are_a_bijection_on_the_id_space():
    ids = pseudonyms(np.arange(1000), prefix="DS-", digits=3, key=(137, 5))
    assert ids.iloc[0] == "DS-005"  # (137 * 0 + 5) mod 1000
    assert ids.iloc[1] == "DS-142"  # (137 * 1 + 5) mod 1000
    assert ids.is_unique


def test_curve_interpolates_and_steps_on_consecutive_days():
    knots = [("2024-01-01", 0.0), ("2024-01-11", 10.0), ("2024-01-12", 50.0)]
    days = np.array([day("2023-12-01"), day("2024-01-06"), day("2024-01-11"), day("2024-02-01")])
    np.testing.assert_allclose(curve(days, knots), [0.0, 5.0, 10.0, 50.0])


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ([0.0, 0.0, 0.0], [1.0, 2.0, 3.0]),  # a queue: one a day, in turn
        ([0.0, 10.0], [1.0, 11.0]),  # the service was idle before the second arrived
    ],
)
def test_fluid_queue_serves_in_priority_order_at_capacity(keys, expected):
    # 365.25 a year is one a day; day 0 is 1970-01-01.
    reached = _fluid_queue(np.array(keys), (("1970-01-01", 365.25),), volume=1.0)
    np.testing.assert_allclose(reached, expected)


# Columns, dtypes and SPEC 4 rules --------------------------------------------------------


@pytest.mark.parametrize("name", list(COLUMNS))
def test_tables_have_the_canonical_columns_and_dtypes(tables, name):
    table = tables[name]
    assert list(table.columns) == COLUMNS[name]
    for column in table.columns:
        if column.endswith("_date") or column in ("date", "date_of_birth"):
            assert table[column].dtype == "datetime64[us]", column
        elif column in ("exception_20wk", "people"):
            assert table[column].dtype == bool
        elif column in ("numerator", "denominator", "invited"):
            assert table[column].dtype == "Int64"
        elif column == "value":
            assert table[column].dtype == "float64"
        else:
            assert table[column].dtype == "str", column
    assert isinstance(table.index, pd.RangeIndex)


@pytest.mark.parametrize(
    ("name", "column", "pattern"),
    [
        ("requests", "request_id", r"REQ-\d{6}"),
        ("reviews", "review_id", r"REV-\d{6}"),
        ("referrals", "referral_id", r"REF-\d{6}"),
        ("requests", "person_id", r"DS-\d{7}"),
        ("reviews", "person_id", r"DS-\d{7}"),
        ("referrals", "person_id", r"DS-\d{7}"),
    ],
)
def test_ids_are_pseudonymous_and_well_formed(tables, name, column, pattern):
    assert tables[name][column].str.fullmatch(pattern).all()
    if column != "person_id":
        assert tables[name][column].is_unique


def test_people_link_across_tables(tables):
    requests = set(tables["requests"]["person_id"])
    assert len(requests & set(tables["reviews"]["person_id"])) > 1000
    assert len(requests & set(tables["referrals"]["person_id"])) > 1000


def test_requests_follow_spec_rules(tables):
    r = tables["requests"]
    assert r["received_date"].between("2021-07-01", "2024-12-31").all()
    assert set(r["request_outcome"]) == {"assess", "not_assess", "withdrawn", "ongoing"}
    ongoing = r["request_outcome"] == "ongoing"
    assert r.loc[ongoing, "request_outcome_date"].isna().all()
    assert r.loc[~ongoing, "request_outcome_date"].notna().all()
    assert (r["request_outcome_date"].dropna() >= r["received_date"][~ongoing]).all()
    assess = r["request_outcome"] == "assess"
    assert r.loc[~assess, "assessment_outcome"].isna().all()
    assert set(r.loc[assess, "assessment_outcome"]) == {
        "issue_plan",
        "not_issue_plan",
        "withdrawn",
        "ongoing",
    }
    has_date = r["assessment_outcome_date"].notna()
    assert (
        r.loc[has_date, "assessment_outcome_date"] >= r.loc[has_date, "request_outcome_date"]
    ).all()
    assert (has_date == (assess & (r["assessment_outcome"] != "ongoing"))).all()
    issued = r["plan_issued_date"].notna()
    assert (issued == (r["assessment_outcome"] == "issue_plan")).all()
    assert (r.loc[issued, "plan_issued_date"] >= r.loc[issued, "received_date"]).all()
    assert not r.loc[~issued, "exception_20wk"].any()
    for column in ("request_outcome_date", "assessment_outcome_date", "plan_issued_date"):
        assert (r[column].dropna() <= EXTRACT).all()
    assert set(r["primary_need"].dropna()) <= NEEDS


def test_requests_ages_are_0_to_25_mostly_3_to_16(tables):
    r = tables["requests"]
    age = (r["received_date"] - r["date_of_birth"]).dt.days / 365.25
    assert age.between(0, 26).all()
    assert age.between(3, 17).mean() > 0.75


def test_a_person_asking_again_keeps_their_date_of_birth(tables):
    r = tables["requests"]
    per_person = r.groupby("person_id")["date_of_birth"].nunique()
    assert (per_person == 1).all()
    assert (r["person_id"].value_counts() > 1).sum() > 20


def test_reviews_follow_spec_rules(tables):
    v = tables["reviews"]
    assert v["review_due_date"].between("2022-01-01", "2024-12-31").all()
    both = v["review_meeting_date"].notna() & v["review_decision_date"].notna()
    assert (v.loc[both, "review_decision_date"] >= v.loc[both, "review_meeting_date"]).all()
    assert v.loc[v["review_meeting_date"].isna(), "review_decision_date"].isna().all()
    assert set(v["review_outcome"].dropna()) == {"maintain", "amend", "cease"}
    assert v["review_meeting_date"].isna().any()
    assert (v["review_meeting_date"].notna() & v["review_decision_date"].isna()).any()
    assert (v["review_meeting_date"].dropna() <= EXTRACT).all()


def test_referrals_follow_spec_rules(tables):
    f = tables["referrals"]
    assert set(f["service"]) == SERVICES
    seen, removed = f["first_contact_date"], f["removed_date"]
    assert (seen.dropna() >= f.loc[seen.notna(), "referral_date"]).all()
    assert (removed.dropna() >= f.loc[removed.notna(), "referral_date"]).all()
    assert not (seen.notna() & removed.notna()).any()
    assert removed.notna().mean() > 0.02
    recent = f["referral_date"] >= "2024-10-01"
    assert (seen.isna() & removed.isna() & recent).sum() > 100


def test_measures_follow_spec_rules(tables):
    m = tables["measures"]
    assert m.drop_duplicates(["measure_id", "title"])["measure_id"].is_unique
    pct = m["numerator"].notna()
    assert (m.loc[pct, "numerator"] <= m.loc[pct, "denominator"]).all()
    assert m.loc[pct, "value"].isna().all()
    assert m.loc[~pct, "value"].notna().all()
    assert set(m.loc[pct, "unit"]) == {"%"}
    dates = m.groupby("measure_id")["date"].nunique()
    assert dates["pcf_plan_reflects_needs"] == 9
    assert dates["ep_advice_6wk"] == 36
    assert dates["ehcp_quality_good"] == 12
    survey = m[m["measure_id"] == "pcf_plan_reflects_needs"]
    assert survey["denominator"].between(150, 250).all()


# The Demoshire story, computed with plain pandas ----------------------------------------


def timeliness(requests: pd.DataFrame, start: str, end: str) -> float:
    """ehcp_20wk_excl over plans issued from ``start`` to ``end`` inclusive."""
    r = requests
    plans = r[r["plan_issued_date"].between(start, end) & ~r["exception_20wk"]]
    return 100 * ((plans["plan_issued_date"] - plans["received_date"]).dt.days <= 140).mean()


def open_list(referrals: pd.DataFrame, service: str, at: str) -> pd.Series:
    """Waits in days of the open list of ``service`` on ``at``."""
    t = pd.Timestamp(at)
    f = referrals[referrals["service"] == service]
    waiting = (
        (f["referral_date"] <= t) & ~(f["first_contact_date"] <= t) & ~(f["removed_date"] <= t)
    )
    return (t - f.loc[waiting, "referral_date"]).dt.days


def test_request_volumes_rise_about_15_percent_a_year(tables):
    per_year = tables["requests"].groupby(tables["requests"]["received_date"].dt.year).size()
    assert 900 <= per_year[2022] <= 1250
    assert 1.2 <= per_year[2024] / per_year[2022] <= 1.45


def test_about_two_thirds_assessed_and_few_exceptions(tables):
    r = tables["requests"]
    decided = r[r["request_outcome"] != "ongoing"]
    assert 0.58 <= (decided["request_outcome"] == "assess").mean() <= 0.72
    assert 0.01 <= (decided["request_outcome"] == "withdrawn").mean() <= 0.06
    issued = r[r["plan_issued_date"].notna()]
    assert 0.01 <= issued["exception_20wk"].mean() <= 0.08


def test_timeliness_collapses_in_2022_and_recovers_by_late_2024(tables):
    r = tables["requests"]
    assert timeliness(r, "2021-07-01", "2021-12-31") > 35  # few plans yet: a noisy figure
    assert timeliness(r, "2022-01-01", "2022-12-31") < 10
    assert timeliness(r, "2023-01-01", "2023-06-30") < 10
    assert 30 <= timeliness(r, "2024-09-01", "2024-12-31") <= 50


def test_timeliness_steps_up_after_coordinators_are_recruited(tables):
    r = tables["requests"]
    before = timeliness(r, "2023-05-01", "2023-08-31")
    after = timeliness(r, "2023-09-01", "2023-12-31")
    assert after - before >= 8


def test_decisions_within_6_weeks_are_plausible(tables):
    r = tables["requests"]
    d = r[r["request_outcome"].isin(["assess", "not_assess"])]
    on_time = (d["request_outcome_date"] - d["received_date"]).dt.days <= 42
    by_year = 100 * on_time.groupby(d["request_outcome_date"].dt.year).mean()
    assert by_year.loc[2022:2024].between(55, 85).all()


def test_annual_reviews_number_3000_to_4000_a_year_and_decisions_slowly_improve(tables):
    v = tables["reviews"]
    per_year = v.groupby(v["review_due_date"].dt.year).size()
    assert per_year.between(3000, 4000).all()
    d = v[v["review_decision_date"].notna() & v["review_meeting_date"].notna()]
    on_time = (d["review_decision_date"] - d["review_meeting_date"]).dt.days <= 28
    by_year = 100 * on_time.groupby(d["review_decision_date"].dt.year).mean()
    assert 33 <= by_year[2022] <= 47
    assert by_year[2022] < by_year[2024] <= 55


@pytest.mark.parametrize("service", ["autism_assessment", "speech_and_language_therapy"])
def test_lists_grow_until_capacity_is_commissioned_then_fall(tables, service):
    f = tables["referrals"]
    sizes = [open_list(f, service, at).size for at in ("2022-01-01", "2024-01-01", "2024-12-31")]
    assert sizes[0] < sizes[1] > sizes[2]


def test_autism_waits_are_long(tables):
    waits = open_list(tables["referrals"], "autism_assessment", "2024-12-31")
    assert 20 <= waits.median() / 7 <= 40
    assert (waits > 364).sum() > 0


def test_parent_carer_survey_rises_from_a_third_to_just_over_half(tables):
    m = tables["measures"]
    survey = m[m["measure_id"] == "pcf_plan_reflects_needs"].sort_values("date")
    pct = (100 * survey["numerator"] / survey["denominator"]).astype(float).to_numpy()
    assert 25 <= pct[:3].mean() <= 42
    assert 45 <= pct[-1] <= 62
    assert np.polyfit(np.arange(pct.size), pct, 1)[0] > 0

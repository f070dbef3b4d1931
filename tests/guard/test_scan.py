from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from sendreport.guard import Finding, collect_identifiers, dates_in, scan_text


@pytest.fixture
def ids():
    requests = pd.DataFrame(
        {
            "request_id": ["REQ-2023-000117", "REQ-2023-000118"],
            "person_id": ["P000123", "p000124"],
            "date_of_birth": pd.to_datetime(["2015-03-01", "2019-11-23"]),
        }
    )
    referrals = pd.DataFrame(
        {
            "referral_id": [40012345.0, np.nan],
            "person_id": ["P000123", "17"],
            "service": ["audiology", "audiology"],
        }
    )
    measures = pd.DataFrame({"measure_id": ["survey_plan_reflects_needs"], "value": [50.0]})
    return collect_identifiers({"requests": requests, "referrals": referrals, "measures": measures})


def kinds(findings):
    return {f.kind: f.count for f in findings}


def test_collects_ids_and_dates_but_not_measure_ids(ids):
    assert ids.n_identifiers == 5
    assert ids.dates_of_birth == {dt.date(2015, 3, 1), dt.date(2019, 11, 23)}
    assert ids.unscanned == {"identifier (person_id)": 1}
    assert scan_text("survey_plan_reflects_needs", ids, where="x") == []


def test_repr_shows_counts_not_values(ids):
    text = repr(ids)
    assert text == (
        "Identifiers(5 identifiers, 2 dates of birth, 1 identifiers too short or generic to scan)"
    )
    assert "P000123" not in str(ids)


def test_whole_token_matches(ids):
    text = "rows: P000123 | (P000124) | REQ-P000123 | p000123"
    assert scan_text(text, ids, where="report.html") == [
        Finding("identifier (person_id)", "report.html", 4)
    ]


@pytest.mark.parametrize(
    "text", ["P0001234", "AP000123", "P000 123", "P0001230", "xP000123y", "P00 0123", "P/000123"]
)
def test_longer_or_split_tokens_do_not_match(ids, text):
    assert scan_text(text, ids, where="x") == []


def test_identifier_with_separators_matches_any_separator_there(ids):
    text = "ref REQ-2023-000117. REQ 2023 000117, REQ2023000117, REQ\u2013\u20092023\u00a0000117"
    assert kinds(scan_text(text, ids, where="x")) == {"identifier (request_id)": 4}
    # a separator where the identifier has none, or a slash, is another value
    assert scan_text("REQ/2023/000117 and REQ-20-23-000117", ids, where="x") == []
    assert kinds(scan_text("P-000123", ids, where="x")) == {"identifier (person_id)": 1}


def test_identifier_run_into_letters_or_digits_of_another_kind(ids):
    assert kinds(scan_text("P000123A and id40012345", ids, where="x")) == {
        "identifier (person_id)": 1,
        "identifier (referral_id)": 1,
    }


def test_numeric_id_from_a_float_column(ids):
    assert kinds(scan_text("referral 40012345", ids, where="x")) == {"identifier (referral_id)": 1}
    assert scan_text("40,012,345", ids, where="x") == []


def test_short_numeric_id_is_not_scanned(ids):
    assert scan_text("17 plans were issued in 17 weeks", ids, where="x") == []


@pytest.mark.parametrize(
    "text",
    [
        "2015-03-01",
        "01/03/2015",
        "1/3/2015",
        "01-03-2015",
        "1.3.2015",
        "1 March 2015",
        "1st March 2015",
        "1 Mar 2015",
        "March 1, 2015",
        "2015-03-01T00:00:00",
        "Timestamp('2015-03-01 00:00:00')",
        "<td>01/03/2015</td>",
        "born 1&nbsp;March&nbsp;2015",
    ],
)
def test_date_of_birth_in_the_forms_a_report_prints(ids, text):
    assert scan_text(text, ids, where="report.pdf page 2") == [
        Finding("date of birth", "report.pdf page 2")
    ]


@pytest.mark.parametrize(
    "text",
    ["2015-03-011", "12015-03-01", "11/03/2015", "1/3/20151", "March 2015", "2015/16", "3/1/2015"],
)
def test_other_dates_and_numbers_are_not_dates_of_birth(ids, text):
    assert scan_text(text, ids, where="x") == []


def test_allowed_dates_are_not_looked_for(ids):
    text = "Period 1 March 2015 to 23 November 2019"
    assert kinds(scan_text(text, ids, where="x")) == {"date of birth": 2}
    assert kinds(scan_text(text, ids, where="x", allowed=["2015-03-01"])) == {"date of birth": 1}
    allowed = [dt.date(2015, 3, 1), dt.datetime(2019, 11, 23, 9, 30)]
    assert scan_text(text, ids, where="x", allowed=allowed) == []


def test_allowed_strings(ids):
    text = "P000123 and 943 476 5919 and B801200005001"
    assert kinds(scan_text(text, ids, where="x")) == {
        "identifier (person_id)": 1,
        "NHS number": 1,
        "UPN": 1,
    }
    allowed = ["p000123", "9434765919", "B801200005001"]
    assert scan_text(text, ids, where="x", allowed=allowed) == []


def test_base64_data_is_skipped_and_ansi_codes_do_not_hide_ids(ids):
    html = '<img alt="chart" src="data:image/png;base64,AAAAP000123AAAA+9434765919/AA==">'
    assert scan_text(html, ids, where="report.html") == []
    traceback = "\x1b[0;31mKeyError\x1b[0m: 'P000123'"
    assert kinds(scan_text(traceback, ids, where="x")) == {"identifier (person_id)": 1}


def test_dates_in_walks_models_and_containers():
    from sendreport.plan import Plan

    plan = Plan.model_validate(
        {
            "title": "t",
            "type": "priority_action_plan",
            "priority_areas": [
                {
                    "id": "1",
                    "title": "a",
                    "what_we_will_do": "w",
                    "what_will_be_different": "d",
                    "actions": [
                        {
                            "id": "1.1",
                            "title": "x",
                            "owner": "o",
                            "due_date": "2024-03-31",
                            "status": "complete",
                            "original_due_date": "2023-12-31",
                        }
                    ],
                }
            ],
            "interventions": [{"date": "2023-06-01", "label": "recruitment"}],
        }
    )
    assert dates_in(plan, {"period_end": dt.date(2024, 9, 30)}) == {
        dt.date(2024, 3, 31),
        dt.date(2023, 12, 31),
        dt.date(2023, 6, 1),
        dt.date(2024, 9, 30),
    }


def test_empty_identifiers_still_find_nhs_numbers():
    ids = collect_identifiers({})
    assert scan_text("943 476 5919", ids, where="x") == [Finding("NHS number", "x")]

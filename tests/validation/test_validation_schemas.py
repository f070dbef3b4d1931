"""The pandera schemas on small typed frames: which rows each rule rejects."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pytest

from sendreport.validation import TABLES, schema

NaT = pd.NaT


def _typed(table: str, rows: list[dict]) -> pd.DataFrame:
    spec = TABLES[table]
    frame = pd.DataFrame(rows)
    out = {}
    for name, col in spec.columns.items():
        values = frame[name] if name in frame else pd.Series([None] * len(frame))
        if col.kind == "date":
            out[name] = pd.to_datetime(values).astype("datetime64[us]")
        elif col.kind == "bool":
            out[name] = values.fillna(False).astype(bool)
        else:
            out[name] = values.astype(col.dtype)
    return pd.DataFrame(out)


def _failed(table: str, rows: list[dict]) -> list[tuple[str, int]]:
    try:
        schema(TABLES[table]).validate(_typed(table, rows), lazy=True)
    except pa.errors.SchemaErrors as err:
        found = []
        for error in err.schema_errors:
            output = error.check_output
            failing = output.index[~output.fillna(True).to_numpy(dtype=bool)]
            found += [(error.check.name, int(i)) for i in failing]
        return sorted(found)
    return []


REQUEST = {"request_id": "R1", "person_id": "P1", "received_date": "2024-01-05",
           "request_outcome": "assess", "request_outcome_date": "2024-02-01",
           "assessment_outcome": "issue_plan", "assessment_outcome_date": "2024-05-01",
           "plan_issued_date": "2024-05-01", "exception_20wk": False, "primary_need": "ASD"}


def test_clean_requests_pass():
    assert _failed("requests", [REQUEST, {**REQUEST, "request_id": "R2"}]) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"request_outcome": "ongoing", "request_outcome_date": None,
          "assessment_outcome": None, "assessment_outcome_date": None,
          "plan_issued_date": None}, []),
        ({"request_outcome": "withdrawn", "request_outcome_date": None,
          "assessment_outcome": None, "assessment_outcome_date": None,
          "plan_issued_date": None}, [("request_outcome_date|missing_outcome_date", 1)]),
        ({"request_outcome_date": "2024-01-04", "assessment_outcome_date": None},
         [("request_outcome_date|before_received_date", 1)]),
        ({"request_outcome": "not_assess", "assessment_outcome": "not_issue_plan",
          "plan_issued_date": None},
         [("assessment_outcome|assessment_outcome_without_assess", 1)]),
        ({"assessment_outcome_date": None}, []),  # the plan date dates the decision
        ({"assessment_outcome_date": None, "plan_issued_date": None},
         [("assessment_outcome_date|missing_outcome_date", 1)]),
        ({"assessment_outcome": "ongoing", "assessment_outcome_date": None},
         [("plan_issued_date|plan_without_issue_decision", 1)]),
        ({"plan_issued_date": "2023-12-31"}, [("plan_issued_date|before_received_date", 1)]),
        ({"primary_need": "Autism"}, [("unknown_code", 1)]),
        ({"request_id": "R1"}, [("duplicate_id", 0), ("duplicate_id", 1)]),
        ({"person_id": None}, [("missing_value", 1)]),
    ],
    ids=["ongoing_needs_no_date", "withdrawn_needs_date", "decision_before_request",
         "assessment_without_assess", "plan_date_dates_decision", "assessment_needs_date",
         "plan_without_issue", "plan_before_request", "unknown_need", "duplicate",
         "missing_person"],
)
def test_request_rules(change, expected):
    rows = [REQUEST, {**REQUEST, "request_id": "R2", **change}]
    assert _failed("requests", rows) == expected


def test_review_and_referral_rules():
    review = {"review_id": "V1", "person_id": "P1", "review_due_date": "2024-03-01",
              "review_meeting_date": "2024-02-20", "review_decision_date": "2024-02-19",
              "review_outcome": "amend"}
    assert _failed("reviews", [review]) == [("review_decision_date|before_meeting_date", 0)]
    referral = {"referral_id": "F1", "person_id": "P1", "service": "dietetics",
                "referral_date": "2024-01-10", "first_contact_date": "2024-01-09",
                "removed_date": "2024-01-10"}
    assert _failed("referrals", [referral]) == [
        ("first_contact_date|before_referral_date", 0)]


def test_measure_rules():
    base = {"measure_id": "m", "title": "T", "date": "2024-01-31", "numerator": 1,
            "denominator": 2, "value": None, "unit": "%"}
    rows = [
        base,
        {**base, "date": "2024-02-29", "numerator": None, "denominator": None},
        {**base, "date": "2024-03-31", "numerator": 3},
        {**base, "date": "2024-04-30", "numerator": 0, "denominator": 0},
        {**base, "measure_id": "n", "title": "A"},
        {**base, "measure_id": "n", "title": "B", "date": "2024-02-29"},
        {**base, "measure_id": "k", "value": 4.0},
        {**base, "measure_id": "k", "value": 5.0},
    ]
    assert _failed("measures", rows) == [
        ("denominator|zero_denominator", 3),
        ("measure_id|duplicate_id", 6), ("measure_id|duplicate_id", 7),
        ("numerator|numerator_above_denominator", 2),
        ("title|title_differs", 4), ("title|title_differs", 5),
        ("value|missing_value_and_numerator", 1),
    ]

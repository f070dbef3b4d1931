"""Local codes: unmatched values named, YAML boolean keys, dashes, non-canonical services."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from sendreport.errors import DataValidationError
from sendreport.validation import format_quality, load_data

HEADER = "request_id,person_id,received_date,request_outcome,request_outcome_date\n"


def requests_csv(path, outcomes: list[str]) -> None:
    rows = [f"R{i},P{i:05d},2024-01-05,{o},2024-02-01" for i, o in enumerate(outcomes)]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")


def values_from_yaml(text: str) -> dict:
    """The ``values:`` mapping exactly as a params file written this way arrives."""
    return yaml.safe_load(textwrap.dedent(text))["values"]


def test_unmatched_codes_are_named_most_frequent_first_with_the_canonical_codes(tmp_path):
    path = tmp_path / "requests.csv"
    requests_csv(path, ["Refused"] * 60 + ["Withdrawn by parent"] * 27 + ["NFA"] * 3
                 + ["assess"] * 10)
    with pytest.raises(DataValidationError) as err:
        load_data({"requests": path})
    line = next(ln for ln in str(err.value).splitlines() if "unknown_code" in ln)
    assert line.endswith(
        "column request_outcome, rule unknown_code: 90 rows (rows 2, 3, 4, 5, 6); column "
        "request_outcome holds values that are neither canonical nor mapped: 'Refused' (60 rows), "
        "'Withdrawn by parent' (27 rows), 'NFA' (3 rows); canonical codes: assess, not_assess, "
        "withdrawn, ongoing; map them under values: {requests: {request_outcome: {LOCAL: CODE}}}")
    # under the threshold the rows are excluded and the summary names the values too
    loaded = load_data({"requests": path}, max_excluded_share=1)
    assert "'Refused' (60 rows), 'Withdrawn by parent' (27 rows), 'NFA' (3 rows)" in (
        format_quality(loaded))


def test_unquoted_yes_and_no_keys_map_the_words_the_data_holds(tmp_path):
    path = tmp_path / "requests.csv"
    requests_csv(path, ["Yes"] * 87 + ["No"] * 13)
    values = values_from_yaml("""\
        values:
          requests:
            request_outcome:
              Yes: assess
              No: not_assess
        """)
    assert set(values["requests"]["request_outcome"]) == {True, False}  # what YAML gives
    loaded = load_data({"requests": path}, values=values)
    assert loaded["requests"]["request_outcome"].value_counts().to_dict() == {
        "assess": 87, "not_assess": 13}
    quality = loaded.quality.set_index("rule")["count"]
    assert quality["rows_used"] == 100
    assert quality["value_recoded"] == 100


def test_a_boolean_key_whose_word_cannot_be_known_says_to_quote_it(tmp_path):
    path = tmp_path / "requests.csv"
    requests_csv(path, ["Yes"] * 5 + ["Y"] * 5)
    values = values_from_yaml("values: {requests: {request_outcome: {Yes: assess}}}")
    with pytest.raises(DataValidationError, match=(
            r"values\.requests\.request_outcome: the key Yes was read by YAML as true \(an "
            r"unquoted Yes, On or Y\); the column holds 'Y' and 'Yes', so quote the key you "
            r"meant, as 'Yes': assess \(rule: boolean_key\)")):
        load_data({"requests": path}, values=values)
    # quoted, it works and leaves 'Y' unmatched, named with its count
    values = values_from_yaml("values: {requests: {request_outcome: {'Yes': assess}}}")
    loaded = load_data({"requests": path}, values=values, max_excluded_share=1)
    assert "'Y' (5 rows)" in format_quality(loaded)


REFERRALS = (
    "referral_id,person_id,service,referral_date\n"
    + "".join(f"F{i},P{i:05d},SaLT \u2013 Community,2024-01-10\n" for i in range(6))
    + "".join(f"G{i},Q{i:05d},Wheelchair \u2013 Services,2024-01-10\n" for i in range(4))
    + "".join(f"H{i},H{i:05d},audiology,2024-01-10\n" for i in range(3))
)


def test_a_hyphen_in_the_mapping_matches_the_exports_en_dash(tmp_path):
    path = tmp_path / "referrals.csv"
    path.write_text(REFERRALS, encoding="utf-8")
    values = values_from_yaml("""\
        values:
          referrals:
            service:
              SaLT - Community: speech_and_language_therapy
              Wheelchair services: equipment
        """)
    loaded = load_data({"referrals": path}, values=values)
    counts = loaded["referrals"]["service"].value_counts().to_dict()
    # the non-canonical service still counts, under its own name
    assert counts == {"speech_and_language_therapy": 6, "Wheelchair \u2013 Services": 4,
                      "audiology": 3}
    text = format_quality(loaded)
    assert ("  service: 'Wheelchair \u2013 Services' (4 rows) not canonical: counted under their "
            "own names; canonical service codes: speech_and_language_therapy,") in text
    assert "  values.referrals.service: 'Wheelchair services' matched no value in the column" in (
        text)
    quality = loaded.quality.set_index(["column", "rule"])["count"]
    assert quality[("service", "non_canonical_service")] == 4


def test_a_curly_apostrophe_matches_a_straight_one_in_values_keys(tmp_path):
    # an export typed with curly apostrophes in some rows and straight ones in others; the params
    # key is typed with a straight one: every row is mapped, none counted under its own name
    path = tmp_path / "referrals.csv"
    names = ["Children\u2019s Physio", "Children's Physio", "children\u2018s  physio"]
    path.write_text("referral_id,person_id,service,referral_date\n" + "".join(
        f"F{i},P{i},{names[i % 3]},2024-01-{i + 1:02d}\n" for i in range(9)), encoding="utf-8")
    loaded = load_data({"referrals": path}, values={"referrals": {"service": {
        "Children's Physio": "physiotherapy"}}})
    assert loaded["referrals"]["service"].tolist() == ["physiotherapy"] * 9
    assert loaded.codes.empty
    assert "not canonical" not in format_quality(loaded)

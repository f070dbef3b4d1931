"""The rules of data_quality.csv are one Enum whose values are the names the CSV gives."""

import pandas as pd
import pytest

from sendreport.validation import load_data
from sendreport.validation.rules import Rule


def test_values_are_the_names_written_today():
    assert [Rule.ROWS_READ, Rule.BLANK_ROW, Rule.QUERY_LONG_DURATION] == [
        "rows_read",
        "blank_row",
        "query_long_duration",
    ]
    frame = pd.DataFrame({"rule": [Rule.ROWS_READ, Rule.BEFORE.of("received_date")]})
    assert frame.to_csv(index=False) == "rule\nrows_read\nbefore_received_date\n"
    assert f"(rule: {Rule.UNKNOWN_CODE})" == "(rule: unknown_code)"


def test_families_named_with_a_detail():
    assert Rule.NON_CANONICAL.of("service") == "non_canonical_service"
    assert Rule.LEFT_OUT.of("moved away") == "left_out: moved away"
    assert Rule.LEFT_OUT.holds("left_out: moved away")
    assert not Rule.LEFT_OUT.holds("left_out_id_not_found")
    assert Rule.QUERY.holds(Rule.QUERY_DUPLICATE)
    with pytest.raises(ValueError, match="ROWS_READ is one rule"):
        Rule.ROWS_READ.of("x")


def known(name: str) -> bool:
    families = (Rule.BEFORE, Rule.NON_CANONICAL, Rule.QUERY, Rule.LEFT_OUT)
    return name in set(Rule) or any(f.holds(name) for f in families)


def test_every_rule_a_load_counts_is_a_member(tmp_path, corpus):
    bad = [
        {"received_date": "31/02/2024"},  # invalid_date
        {"request_outcome": "perhaps"},  # unknown_code
        {"plan_issued_date": "2020-01-01"},  # before_received_date
    ]
    loaded = load_data({"requests": corpus.table_file(tmp_path, "requests", bad, n=100)})
    rules = set(loaded.quality["rule"].astype(str))
    assert {"rows_read", "rows_excluded", "rows_used"} <= rules
    assert {"invalid_date", "unknown_code", "before_received_date"} <= rules
    assert [r for r in rules if not known(r)] == []

"""``data_quality.csv`` and Appendix B: every count of children's records goes through the rule."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sendreport.disclosure import suppress_quality
from sendreport.disclosure.release import LEFT_OUT, OTHER_REASONS, quality_counts_people
from sendreport.disclosure.rule import is_small

FILE = "sen2-2024.xml"


def frame(rows: list[tuple[str, str, int]], table: str = "requests") -> pd.DataFrame:
    return pd.DataFrame(
        [(table, FILE, column, rule, count) for column, rule, count in rows],
        columns=["table", "file", "column", "rule", "count"],
    ).astype({"count": "int64"})


def test_the_small_counts_of_the_attack_are_withheld():
    # the issue: refusal_overturned 2, plan_not_yet_issued 1 and query_long_duration 4
    q = frame([
        ("", "rows_read", 4217),
        ("assessment_outcome_date", "query_long_duration", 4),
        ("plan_issued_date", "query_long_duration", 6),
        ("request_outcome", "refusal_overturned", 2),
        ("assessment_outcome", "plan_not_yet_issued", 1),
        ("", "rows_excluded", 0),
        ("", "rows_used", 4217),
    ])
    out = suppress_quality(q).set_index(["column", "rule"])["count"]
    assert pd.isna(out[("assessment_outcome_date", "query_long_duration")])
    assert pd.isna(out[("request_outcome", "refusal_overturned")])
    assert pd.isna(out[("assessment_outcome", "plan_not_yet_issued")])
    assert out[("plan_issued_date", "query_long_duration")] == 6
    assert out[("", "rows_read")] == 4217 and out[("", "rows_used")] == 4217


def test_a_format_rule_counts_records_of_children_and_comes_back_by_no_subtraction():
    q = frame([
        ("", "rows_read", 120),
        ("received_date", "invalid_date", 1),
        ("primary_need", "unknown_code", 30),
        ("", "rows_excluded", 31),
        ("", "rows_used", 89),
    ])
    out = suppress_quality(q)
    shown = out.set_index("rule")["count"]
    assert pd.isna(shown["invalid_date"])
    # rows excluded less the unknown codes would give the 1 back: one more is withheld
    assert pd.isna(shown["unknown_code"]) or pd.isna(shown["rows_excluded"])


def test_measures_rows_and_blank_lines_are_not_people():
    q = pd.concat([
        frame([("", "rows_read", 40), ("", "blank_row", 2), ("", "rows_excluded", 0),
               ("", "rows_used", 38)], table="measures"),
    ])
    assert not quality_counts_people(q).any()
    assert suppress_quality(q)["count"].tolist() == [40, 2, 0, 38]


def test_a_withheld_reason_is_not_named_in_a_shared_pack_but_is_internally():
    q = frame([
        ("", "rows_read", 120),
        ("request_id", "left_out: moved to residential care", 2),
        ("request_id", "left_out: test record", 10),
        ("", "rows_excluded", 0),
        ("", "rows_used", 108),
    ])
    for audience in ("shared", "families"):
        out = suppress_quality(q, audience=audience)
        text = out.to_csv()
        assert "residential" not in text and "test record" not in text
        other = out[out["rule"] == OTHER_REASONS]
        assert len(other) == 1 and other["count"].isna().all()
    internal = suppress_quality(q, audience="internal")
    assert "left_out: moved to residential care" in internal["rule"].tolist()
    assert internal["count"].tolist() == q["count"].tolist()


def test_a_reason_that_passes_the_rule_is_named_with_its_count():
    q = frame([
        ("", "rows_read", 120),
        ("request_id", "left_out: test record", 10),
        ("request_id", "left_out: duplicate of another request", 12),
        ("", "rows_excluded", 0),
        ("", "rows_used", 98),
    ])
    out = suppress_quality(q)
    assert out["count"].tolist() == [120, 10, 12, 0, 98]


SMALL_OR_NOT = st.one_of(st.integers(0, 6), st.integers(0, 400))


@st.composite
def files(draw):
    reasons = draw(st.lists(SMALL_OR_NOT, max_size=4))
    failing = draw(st.lists(SMALL_OR_NOT, max_size=3))
    blank, copies, used = draw(SMALL_OR_NOT), draw(SMALL_OR_NOT), draw(SMALL_OR_NOT)
    queries = draw(st.lists(SMALL_OR_NOT, max_size=2))
    excluded = sum(failing)
    rows = [("", "rows_read", blank + sum(reasons) + excluded + copies + used)]
    rows += [("", "blank_row", blank)] if blank else []
    rows += [("id", f"left_out: reason {i}", n) for i, n in enumerate(reasons) if n]
    rows += [(f"c{i}", "invalid_date", n) for i, n in enumerate(failing) if n]
    rows += [(f"q{i}", "query_long_duration", n) for i, n in enumerate(queries) if n]
    rows += [("id", "duplicate_row", copies)] if copies else []
    rows += [("", "rows_excluded", excluded), ("", "rows_used", used)]
    return frame(rows), draw(st.integers(3, 11))


def derived(out: pd.DataFrame, members: list[str], total: str) -> list[float]:
    """What an attacker works out from a sum: its withheld part."""
    rule = out["rule"].astype(str)
    pick = rule.isin(members) | rule.str.startswith(LEFT_OUT) & (LEFT_OUT in members)
    part, whole = out[pick], out[rule == total]
    if whole["count"].isna().any():
        hidden = part["count"].isna().sum() + 1
        return [] if hidden > 1 else [None]  # a withheld total alone comes back
    if not part["count"].isna().any():
        return []
    return [float(whole["count"].sum() - part["count"].sum())]


@settings(max_examples=300, deadline=None)
@given(files())
def test_no_small_count_is_published_or_derived(case):
    q, threshold = case
    out = suppress_quality(q, threshold=threshold)
    people = quality_counts_people(out)
    shown = out["count"].astype("Float64").to_numpy(dtype=float, na_value=float("nan"))
    assert not (people & is_small(shown, threshold)).any(), out
    parts = [LEFT_OUT, "blank_row", "duplicate_row", "rows_used"]
    for members, total in (([*parts, "rows_excluded"], "rows_read"),
                           (["invalid_date"], "rows_excluded"),
                           ([*parts, "invalid_date"], "rows_read")):
        if members == ["invalid_date"] and not (out["rule"] == "invalid_date").any():
            continue
        for value in derived(out, members, total):
            assert value is not None, (members, total, out)
            assert not is_small(value, threshold), (members, total, value, out)
    # every withheld reason is gone, and the rest are named with a count that passes
    left = out[out["rule"].str.startswith(LEFT_OUT)]
    assert (left["rule"] == OTHER_REASONS).sum() <= 1
    assert left.loc[left["rule"] != OTHER_REASONS, "count"].notna().all()

"""``sr.show_table``: every number of an analyst's table counts people unless told otherwise."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sendreport.disclosure.rule import is_small
from sendreport.errors import ParameterError
from sendreport.pack.cells import build_report_table, declare_run


@pytest.fixture(autouse=True)
def no_run():
    """These tests serve no run: the threshold and audience are the calls' own."""
    declare_run(threshold=None, audience=None)
    yield
    declare_run(threshold=None, audience=None)


def texts(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def test_numbers_are_counts_of_people_without_being_named():
    """The attack: ``show_table`` suppressed nothing unless ``counts=`` was given."""
    frame = pd.DataFrame({"Need": ["ASD", "SEMH", "MLD"], "Plans": [12, 3, 9],
                          "Late": [1.0, 0.0, 7.0], "As text": ["2", "40", "9"]})
    for audience in ("shared", "families"):
        rows = texts(build_report_table(frame, caption="By need", audience=audience))
        assert rows == [["ASD", "12", "c", "c"],
                        ["SEMH", "c", "0", "40"], ["MLD", "9", "7", "9"]]
    internal = texts(build_report_table(frame, caption="By need", audience="internal"))
    assert internal[1][1] == "3" and internal[0][2] == "1"


def test_not_people_columns_and_tables_are_printed_as_they_are():
    frame = pd.DataFrame({"Team": ["North", "South"], "Vacancies": [2, 3], "Children": [40, 2]})
    rows = texts(build_report_table(frame, caption="Staff", not_people=["Vacancies"]))
    assert rows == [["North", "2", "40"], ["South", "3", "c"]]
    rows = texts(build_report_table(frame[["Team", "Vacancies"]], caption="Staff", people=False))
    assert rows == [["North", "2"], ["South", "3"]]


def test_a_percentage_needs_its_denominator_or_to_be_declared_not_about_people():
    frame = pd.DataFrame({"Service": ["SALT", "OT"], "Waiting": [40, 30],
                          "Over 18 weeks (%)": [97.5, 50.0]})
    with pytest.raises(ParameterError, match=r"'Over 18 weeks \(%\)' has unit '%' but no "
                                             r"denominator.*denominators="):
        build_report_table(frame, caption="Waits", units={"Over 18 weeks (%)": "%"})
    # 97.5% of 40 is 39 of 40: one child is not over 18 weeks, so the rule withholds it
    rows = texts(build_report_table(frame, caption="Waits", units={"Over 18 weeks (%)": "%"},
                                    denominators={"Over 18 weeks (%)": "Waiting"}))
    assert rows == [["SALT", "40", "97.5%"], ["OT", "30", "50.0%"]]
    rows = texts(build_report_table(frame.assign(Waiting=[40, 4]), caption="Waits",
                                    units={"Over 18 weeks (%)": "%"},
                                    denominators={"Over 18 weeks (%)": "Waiting"}))
    assert rows[1] == ["OT", "c", "c"]
    rows = texts(build_report_table(frame, caption="Waits", units={"Over 18 weeks (%)": "%"},
                                    not_people=["Over 18 weeks (%)"]))
    assert rows[0] == ["SALT", "40", "97.5%"]


def test_an_unknown_column_is_named():
    frame = pd.DataFrame({"Service": ["SALT"], "Waiting": [40]})
    with pytest.raises(ParameterError, match="no column 'Seen'; the table has Service, Waiting"):
        build_report_table(frame, caption="Waits", not_people=["Seen"])


LABELS = st.sampled_from(["ASD", "SEMH", "MLD", "SLCN", "PD", "VI"])


@st.composite
def tables(draw):
    n_rows = draw(st.integers(1, 5))
    n_cols = draw(st.integers(1, 3))
    labels = [f"{draw(LABELS)} {i}" for i in range(n_rows)]
    columns = {f"n{j}": draw(st.lists(st.integers(0, 12), min_size=n_rows, max_size=n_rows))
               for j in range(n_cols)}
    frame = pd.DataFrame({"Group": labels, **columns})
    as_float = draw(st.booleans())
    if as_float:
        frame = frame.astype({c: "float64" for c in columns})
    total = draw(st.booleans())
    if total:
        sums = frame[list(columns)].sum()
        frame = pd.concat([frame, pd.DataFrame([{"Group": "All", **sums.to_dict()}])],
                          ignore_index=True)
    return frame, total, draw(st.integers(3, 10)), draw(st.sampled_from(["shared", "families"]))


@settings(max_examples=200, deadline=None)
@given(tables())
def test_small_counts_in_analysts_tables_are_never_printed(case):
    frame, total, threshold, audience = case
    table = build_report_table(frame, caption="t", total="All" if total else None,
                               threshold=threshold, audience=audience)
    small = {str(n) for n in range(1, threshold)}
    printed = texts(table)
    for row in printed:
        assert not small & set(row[1:]), (row, threshold)
    if total:
        # no column lets a withheld cell come back as the total less the others
        for j in range(1, len(frame.columns)):
            column = [row[j] for row in printed]
            hidden = [i for i, text in enumerate(column) if text == "c"]
            if column[-1] != "c" and hidden:
                # the total less the shown cells is the withheld cells' sum
                withheld = frame.iloc[hidden, j].sum()
                assert len(hidden) >= 2 and not is_small(withheld, threshold), (column, frame)


def test_a_call_cannot_print_with_a_weaker_rule_than_its_run():
    """A run with threshold 10: a call that passes 5, or "internal", still withholds 7."""
    frame = pd.DataFrame({"Service": ["SALT", "OT"], "Children": [7, 12]})
    declare_run(threshold=10, audience="families")
    for kwargs in ({}, {"threshold": 5}, {"audience": "internal"}):
        assert texts(build_report_table(frame, caption="t", **kwargs)) == [
            ["SALT", "c"], ["OT", "12"]]
    declare_run(threshold=5, audience="internal")
    assert texts(build_report_table(frame, caption="t"))[0] == ["SALT", "7"]
    assert texts(build_report_table(frame, caption="t", threshold=8, audience="shared"))[0] == [
        "SALT", "c"]

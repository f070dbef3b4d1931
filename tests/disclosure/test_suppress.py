from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sendreport.disclosure import NOT_APPLICABLE, NOT_AVAILABLE, SUPPRESSED, suppress
from sendreport.errors import ParameterError, SendReportWarning


def test_symbols_are_the_dfe_ones():
    assert (SUPPRESSED, NOT_APPLICABLE, NOT_AVAILABLE) == ("c", "z", "x")


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [
        (5, [False, True, True, True, False, False]),
        (4, [False, True, True, False, False, False]),
    ],
)
def test_primary_suppression_of_one_to_threshold_minus_one(threshold, expected):
    t = pd.DataFrame({"n": [0, 1, 3, 4, 5, 120]})
    out = suppress(t, counts=["n"], threshold=threshold)
    assert out["n_suppressed"].tolist() == expected
    kept = [None if flag else v for v, flag in zip([0, 1, 3, 4, 5, 120], expected, strict=True)]
    pd.testing.assert_series_equal(out["n"], pd.Series(kept, dtype="Int64", name="n"))


def test_zero_and_missing_are_not_suppressed():
    t = pd.DataFrame({"n": [0.0, np.nan, 2.0]})
    out = suppress(t, counts=["n"])
    assert out["n_suppressed"].tolist() == [False, False, True]
    assert out["n"].iloc[0] == 0
    assert out["n"].isna().tolist() == [False, True, True]


def test_total_row_that_would_reveal_a_cell_forces_the_next_smallest():
    t = pd.DataFrame({"service": ["A", "B", "C", "Total"], "n": [3, 8, 20, 31]})
    out = suppress(t, counts=["n"], column_total_row={"service": "Total"})
    expected = pd.DataFrame(
        {
            "service": ["A", "B", "C", "Total"],
            "n": pd.array([None, None, 20, 31], dtype="Int64"),
            "n_suppressed": [True, True, False, False],
        }
    )
    pd.testing.assert_frame_equal(out, expected)


def test_row_with_two_small_cells_needs_no_secondary():
    t = pd.DataFrame({"a": [2], "b": [3], "c": [40], "total": [45]})
    out = suppress(t, counts=["a", "b", "c"], row_total="total")
    flags = out[["a_suppressed", "b_suppressed", "c_suppressed", "total_suppressed"]]
    assert flags.iloc[0].tolist() == [True, True, False, False]


def test_row_total_adds_the_next_smallest_cell_of_the_row():
    t = pd.DataFrame({"a": [3, 30], "b": [12, 31], "c": [10, 32], "total": [25, 93]})
    out = suppress(t, counts=["a", "b", "c"], row_total="total")
    flags = out[["a_suppressed", "b_suppressed", "c_suppressed", "total_suppressed"]]
    assert flags.to_numpy().tolist() == [[True, False, True, False], [False] * 4]
    assert out["c"].isna().tolist() == [True, False]


def test_two_way_table_iterates_until_no_line_has_one_suppressed_cell():
    t = pd.DataFrame(
        {
            "group": ["A", "B", "Total"],
            "x": [3, 20, 23],
            "y": [10, 30, 40],
            "total": [13, 50, 63],
        }
    )
    out = suppress(t, counts=["x", "y"], row_total="total", column_total_row={"group": "Total"})
    flags = out[["x_suppressed", "y_suppressed", "total_suppressed"]].to_numpy().tolist()
    # row A: 3 forces 10; column x: 3 forces 20; column y: 10 forces 30; row B then has two.
    assert flags == [[True, True, False], [True, True, False], [False, False, False]]


def test_total_that_is_itself_small_needs_no_partner():
    t = pd.DataFrame({"group": ["A", "B", "Total"], "n": [2, 0, 2]})
    out = suppress(t, counts=["n"], column_total_row={"group": "Total"})
    assert out["n_suppressed"].tolist() == [True, False, True]


def test_zero_is_chosen_only_when_no_positive_cell_is_left():
    t = pd.DataFrame(
        {"group": ["A", "B", "Total"], "x": [3, 4, 7], "y": [6, 0, 6], "t": [9, 4, 13]}
    )
    out = suppress(t, counts=["x", "y"], row_total="t", column_total_row={"group": "Total"})
    flags = out[["x_suppressed", "y_suppressed", "t_suppressed"]].to_numpy().tolist()
    # primary: 3, 4 and B's total 4. Row A: 3 forces 6. Column y: 6 has only B's zero
    # left besides the total, so the zero. Column t: B's 4 forces A's 9.
    assert flags == [[True, True, True], [True, True, True], [False, False, False]]


def test_total_row_cell_is_chosen_in_its_own_row():
    t = pd.DataFrame({"group": ["A", "B", "Total"], "x": [3, 0, 3], "y": [5, 0, 5], "t": [8, 0, 8]})
    out = suppress(t, counts=["x", "y"], row_total="t", column_total_row={"group": "Total"})
    flags = out[["x_suppressed", "y_suppressed", "t_suppressed"]].to_numpy().tolist()
    # row A: 3 forces 5; the total row: its 3 forces its 5; columns then hold two each
    assert flags == [[True, True, False], [False, False, False], [True, True, False]]


def test_missing_cells_are_never_chosen_and_do_not_protect():
    t = pd.DataFrame({"a": [3.0], "b": [np.nan], "c": [10.0], "total": [13.0]})
    out = suppress(t, counts=["a", "b", "c"], row_total="total")
    assert out[["a_suppressed", "b_suppressed", "c_suppressed"]].iloc[0].tolist() == [
        True,
        False,
        True,
    ]


def test_line_with_missing_total_is_no_equation():
    t = pd.DataFrame({"a": [3.0], "b": [10.0], "total": [np.nan]})
    out = suppress(t, counts=["a", "b"], row_total="total")
    assert out[["a_suppressed", "b_suppressed"]].iloc[0].tolist() == [True, False]


def test_warns_when_a_suppressed_total_has_no_cell_to_pair_with():
    t = pd.DataFrame({"group": ["A", "B", "Total"], "n": [np.nan, np.nan, 3.0]})
    with pytest.warns(SendReportWarning, match="cannot be protected"):
        out = suppress(t, counts=["n"], column_total_row={"group": "Total"})
    assert out["n_suppressed"].tolist() == [False, False, True]


def test_percentages_with_small_denominators():
    t = pd.DataFrame(
        {
            "service": ["a", "b", "c", "d", "e"],
            "seen": [4, 5, 0, None, 2],
            "pct": [25.0, 40.0, np.nan, np.nan, 100.0],
        }
    )
    out = suppress(t, percentages={"pct": "seen"})
    assert out["pct_suppressed"].tolist() == [True, False, False, False, True]
    assert out["pct"].isna().tolist() == [True, False, True, True, True]
    assert out["pct"].iloc[1] == 40.0
    # the denominator is not printed, so it is neither flagged nor blanked
    assert "seen_suppressed" not in out.columns
    assert out["seen"].tolist()[:3] == [4, 5, 0]


def test_percentage_follows_a_suppressed_denominator_or_numerator():
    t = pd.DataFrame(
        {
            "service": ["a", "b", "Total"],
            "seen": [3, 40, 43],
            "on_time": [2, 30, 32],
            "pct": [66.7, 75.0, 74.4],
        }
    )
    out = suppress(
        t,
        counts=["seen", "on_time"],
        percentages={"pct": "seen"},
        numerators={"pct": "on_time"},
        column_total_row={"service": "Total"},
    )
    assert out["seen_suppressed"].tolist() == [True, True, False]
    assert out["on_time_suppressed"].tolist() == [True, True, False]
    assert out["pct_suppressed"].tolist() == [True, True, False]
    assert out["pct"].iloc[2] == 74.4


def test_numerator_alone_suppresses_the_percentage():
    t = pd.DataFrame({"seen": [50], "on_time": [3], "pct": [6.0]})
    out = suppress(
        t, counts=["on_time"], percentages={"pct": "seen"}, numerators={"pct": "on_time"}
    )
    assert out[["on_time_suppressed", "pct_suppressed"]].iloc[0].tolist() == [True, True]


def test_is_pure_and_resets_the_index():
    t = pd.DataFrame({"n": [1, 10]}, index=[7, 9])
    before = t.copy()
    out = suppress(t, counts=["n"])
    pd.testing.assert_frame_equal(t, before)
    assert out.index.equals(pd.RangeIndex(2))
    assert list(out.columns) == ["n", "n_suppressed"]


def test_no_columns_only_resets_the_index():
    t = pd.DataFrame({"label": ["a"]})
    pd.testing.assert_frame_equal(suppress(t), t)


def test_missing_columns_are_listed():
    t = pd.DataFrame({"n": [1]})
    with pytest.raises(
        ParameterError, match=r"suppress requires missing columns: m, pct, d\. Found: n"
    ):
        suppress(t, counts=["n", "m"], percentages={"pct": "d"})


@pytest.mark.parametrize("threshold", [0, 2.5, True, "5"])
def test_bad_threshold(threshold):
    with pytest.raises(ParameterError, match="threshold must be a whole number of at least 1"):
        suppress(pd.DataFrame({"n": [1]}), counts=["n"], threshold=threshold)


def test_column_total_row_must_match_one_row():
    t = pd.DataFrame({"g": ["a", "b"], "n": [1, 2]})
    with pytest.raises(ParameterError, match=r"must match exactly one row, not 0"):
        suppress(t, counts=["n"], column_total_row={"g": "Total"})


def test_numerators_must_name_percentages_and_counts():
    t = pd.DataFrame({"n": [1], "d": [9], "p": [10.0], "q": [1.0]})
    with pytest.raises(ParameterError, match="'q', which is not one of percentages"):
        suppress(t, counts=["n"], percentages={"p": "d"}, numerators={"q": "n"})
    with pytest.raises(ParameterError, match="'d', which is not one of counts"):
        suppress(t, counts=["n"], percentages={"p": "d"}, numerators={"p": "d"})


def test_empty_table():
    t = pd.DataFrame({"g": pd.Series([], dtype=str), "n": pd.Series([], dtype="int64")})
    out = suppress(t, counts=["n"], column_total_row=None, row_total=None)
    assert list(out.columns) == ["g", "n", "n_suppressed"]
    assert out.empty


def test_a_percentage_whose_complement_is_small_is_withheld_with_its_numerator():
    """30 of 34 on time names the 4 late children: SPEC 7's whole rule, not the denominator only."""
    t = pd.DataFrame({"need": ["ASD", "SEMH"], "plans": [34, 40], "on_time": [30, 20],
                      "pct": [88.2, 50.0]})
    out = suppress(t, counts=["plans", "on_time"], percentages={"pct": "plans"},
                   numerators={"pct": "on_time"})
    assert out["pct_suppressed"].tolist() == [True, False]
    assert out["on_time_suppressed"].tolist() == [True, False]
    assert out["plans"].tolist() == [34, 40]
    # without the numerator's column only the denominator can be judged
    alone = suppress(t.drop(columns="on_time"), counts=["plans"], percentages={"pct": "plans"})
    assert alone["pct_suppressed"].tolist() == [False, False]

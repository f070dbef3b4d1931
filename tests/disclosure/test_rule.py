"""The rule of SPEC 7 itself (``sendreport/disclosure/rule.py``), once, with hypothesis."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sendreport.disclosure.links import link_for
from sendreport.disclosure.rule import (
    check_threshold,
    figure_is_small,
    is_small,
    percentage_is_small,
    protect_lines,
)
from sendreport.errors import ParameterError

THRESHOLDS = st.integers(1, 20)
COUNTS = st.integers(0, 60)
MAYBE = st.one_of(st.none(), COUNTS)


@given(st.lists(st.one_of(COUNTS, st.just(math.nan)), max_size=20), THRESHOLDS)
def test_a_count_is_small_from_1_to_threshold_less_1_and_never_when_zero_or_missing(values, t):
    flags = is_small(np.array(values, dtype=float), t)
    expected = [not math.isnan(v) and 1 <= v < t for v in values]
    assert flags.tolist() == expected
    assert [bool(is_small(v, t)) for v in values] == expected


@given(COUNTS, COUNTS, THRESHOLDS)
def test_a_percentage_is_small_when_any_of_its_three_counts_is(numerator, extra, t):
    denominator = numerator + extra
    flag = bool(percentage_is_small(numerator, denominator, t))
    three = (denominator, numerator, denominator - numerator)
    assert flag == any(1 <= n < t for n in three)
    # "k of n" and "n - k of n" name the same children
    assert flag == bool(percentage_is_small(denominator - numerator, denominator, t))


@given(MAYBE, COUNTS, THRESHOLDS)
def test_without_a_numerator_only_the_denominator_is_judged(_, denominator, t):
    assert bool(percentage_is_small(math.nan, denominator, t)) == (1 <= denominator < t)


@given(st.sampled_from(["count", "%", "weeks"]), MAYBE, MAYBE, MAYBE, THRESHOLDS)
def test_one_figure_is_judged_as_the_release_pass_reads_it(unit, value, numerator, extra, t):
    denominator = None if extra is None else (numerator or 0) + extra
    flag = figure_is_small(unit, value, numerator, denominator, t)
    link = link_for("some_measure", unit, numerator, denominator)
    if link is None:
        assert not flag
        return
    shown = {"value": value, "numerator": numerator, "denominator": denominator}
    counts = [shown[part] for part in link.parts if shown[part] is not None]
    if "numerator" in link.parts:
        counts.append(denominator - numerator)
    assert flag == any(1 <= n < t for n in counts)


@st.composite
def tables(draw):
    """A table with row totals and a total row: every line of it, and its values."""
    n_rows, n_cols = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    cells = np.array(draw(st.lists(st.lists(st.integers(0, 12), min_size=n_cols,
                                            max_size=n_cols), min_size=n_rows,
                                   max_size=n_rows)), dtype=float)
    full = np.zeros((n_rows + 1, n_cols + 1))
    full[:n_rows, :n_cols] = cells
    full[:n_rows, n_cols] = cells.sum(axis=1)
    full[n_rows, :] = full[:n_rows, :].sum(axis=0)
    lines = [([(r, c) for c in range(n_cols)], (r, n_cols)) for r in range(n_rows + 1)]
    lines += [([(r, c) for r in range(n_rows)], (n_rows, c)) for c in range(n_cols + 1)]
    return full, lines, draw(st.integers(2, 8))


@settings(max_examples=300, deadline=None)
@given(tables())
def test_no_line_gives_a_withheld_figure_back(case):
    values, lines, t = case
    primary = is_small(values, t)
    flags = primary.copy()
    assert protect_lines(values, flags, lines, t) == []
    assert (flags | ~primary).all()  # nothing withheld by the rule is shown again
    for cells, total in lines:
        hidden = [m for m in [*cells, total] if flags[m]]
        assert len(hidden) != 1, (cells, total, flags)
        if hidden and not flags[total]:
            assert not is_small(sum(values[m] for m in hidden), t)


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "5", None])
def test_a_threshold_is_a_whole_number_of_at_least_1(bad):
    with pytest.raises(ParameterError, match="threshold must be a whole number of at least 1"):
        check_threshold(bad)

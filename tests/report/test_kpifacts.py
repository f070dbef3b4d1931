"""A KPI's facts from its released kpis.csv row: each figure's status, reason and movement."""

from __future__ import annotations

import dataclasses

import pytest

from sendreport.disclosure.rule import WithheldReason
from sendreport.metrics.coverage import NotAvailable
from sendreport.pack.kpifacts import SYMBOL, Absent, Movement, Status, kpi_fact, movement_of

PERIODS = {"latest": "2024-07-01 to 2024-12-31", "previous": "2024-01-01 to 2024-06-30",
           "baseline": "2022-04-01 to 2023-03-31"}


def fact(row, **changes):
    args = {"kpi_id": "wait_over_18wk", "service": "speech_and_language_therapy",
            "name": "Children waiting more than 18 weeks", "unit": "%",
            "improvement": "decrease", "periods": PERIODS, "target": 25.0}
    return kpi_fact(row, **{**args, **changes})


ROW = {"value": 44.7, "numerator": 394, "denominator": 882, "suppressed": False, "reason": "",
       "previous": 52.9, "previous_suppressed": False, "previous_reason": "",
       "baseline": 42.22, "baseline_suppressed": False, "baseline_reason": ""}


def test_a_baseline_the_plan_does_not_give_is_the_rows_and_counts():
    # the SaLT case: no baseline in the plan, 42.22 over the baseline period in kpis.csv
    f = fact(ROW)
    assert f.baseline.shown() == "42.2%" and f.baseline.published
    assert f.change == pytest.approx(42.22 - 44.7)  # worse, for a measure to decrease
    assert f.movement is Movement.WORSE


def test_a_withheld_baseline_is_c_with_its_reason_and_never_counts():
    row = {**ROW, "baseline": None, "baseline_suppressed": True,
           "baseline_reason": "small: from 1 to 4"}
    f = fact(row, variation="special_cause_concern")
    assert f.baseline.shown() == "c" and f.baseline.status is Status.WITHHELD
    assert f.baseline.reason is WithheldReason.SMALL
    assert f.change is None and f.movement is Movement.NOT_MEASURABLE


def test_an_internal_pack_publishes_what_others_see_withheld():
    row = {**ROW, "suppressed": True, "reason": "small: from 1 to 4"}
    assert fact(row).latest.shown() == "c"
    assert fact(row, internal=True).latest.shown() == "44.7%"


def test_a_figure_not_available_keeps_the_datas_reason():
    why = "needs referrals from April 2021; the data cover from July 2021"
    f = fact({**ROW, "value": None, "reason": why})
    assert f.latest.shown() == "x" and f.latest.said() == "not available"
    assert f.latest.reason is NotAvailable.HISTORY_NEEDED and f.latest.reason_text == why
    assert f.since_last == "x"


def test_a_kpi_the_data_do_not_give_is_x_beside_the_plans_own_baseline():
    f = fact(None, plan_baseline=53.3)
    assert f.latest.shown() == "x" and f.latest.reason is Absent.NO_DATA
    assert f.baseline.shown() == "53.3%"
    assert f.movement is Movement.NOT_MEASURABLE


def test_every_figure_not_published_says_why():
    for f in (fact(ROW), fact(None), fact({**ROW, "suppressed": True, "reason": "small: from 1 "
                                           "to 4"}, target=None, england=None)):
        for name, figure in f.figures().items():
            if not figure.published:
                assert figure.reason_text, name
                assert figure.shown() == SYMBOL[figure.status]


@pytest.mark.parametrize(
    ("change", "variation", "expected"),
    [
        (36.8, "common_cause", Movement.NO_SIGNIFICANT_CHANGE),  # page 2 once said most improved
        (36.8, "special_cause_improvement", Movement.IMPROVED),
        (-4.7, "common_cause", Movement.NO_SIGNIFICANT_CHANGE),
        (-4.7, "special_cause_concern", Movement.WORSE),
        (-4.7, "special_cause_improvement", Movement.NO_SIGNIFICANT_CHANGE),
        (5.0, None, Movement.IMPROVED),
        (-5.0, None, Movement.WORSE),
        (0.0, None, Movement.NO_SIGNIFICANT_CHANGE),
        (None, "special_cause_improvement", Movement.NOT_MEASURABLE),
    ],
)
def test_improved_or_worse_agrees_with_the_spc_reading(change, variation, expected):
    assert movement_of(change, variation) is expected


def test_facts_are_frozen():
    f = fact(ROW)
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.latest = f.baseline  # type: ignore[misc]


def test_the_change_since_the_last_stocktake_is_between_the_printed_figures():
    # 12.46% prints 12.5%, 7.44% prints 7.4%: -5.1 pp as printed, not -5.0 (5.02 unrounded);
    # 223.5 prints 224, so 514 is +290 (not +291, 290.5 rounded)
    f = fact({**ROW, "value": 7.44, "previous": 12.46})
    assert (f.previous.shown(), f.latest.shown(), f.since_last) == ("12.5%", "7.4%", "-5.1 pp")
    g = fact({**ROW, "value": 514.0, "previous": 223.5}, unit="count")
    assert (g.previous.shown(), g.latest.shown(), g.since_last) == ("224", "514", "+290")

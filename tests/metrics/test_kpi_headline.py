from __future__ import annotations

import math

import pandas as pd
import pytest

from sendreport.metrics import KPI_DEFINITIONS, format_value, headline
from sendreport.metrics.definitions import KPIDefinition
from sendreport.plan import PlanKPI

D = KPI_DEFINITIONS


def plan_kpi(**kwargs) -> PlanKPI:
    return PlanKPI.model_validate({"id": "ehcp_20wk_excl", **kwargs})


def test_the_example_sentence():
    k = plan_kpi(baseline={"value": 31.0, "period": "2022-23"}, target=60, target_date="2025-03-31")
    assert headline({"value": 46.2}, definition=D["ehcp_20wk_excl"], plan_kpi=k) == (
        "46.2% of new EHC plans were issued within 20 weeks, up from 31.0% at baseline "
        "(2022-23), which is better; target 60% by March 2025."
    )


def test_down_is_better_for_a_decrease_kpi_and_counts_have_separators():
    row = pd.Series(
        {
            "service": "speech_and_language_therapy",
            "value": 1234.0,
            "baseline": 2345.0,
            "target": 1000.0,
            "previous": 1500.0,
        }
    )
    assert headline(row, definition=D["wait_list"]) == (
        "1,234 referrals were waiting for speech and language therapy, down from 2,345 at "
        "baseline, which is better; target 1,000."
    )
    assert headline(row, definition=D["wait_children"]).startswith(
        "1,234 children were waiting for speech and language therapy"
    )
    assert headline(row, definition=D["wait_over_18wk_count"]).startswith(
        "1,234 referrals waiting for speech and language therapy had waited more than 18 weeks, "
        "down from 2,345 at baseline"
    )


def test_up_is_worse_for_a_decrease_kpi_and_weeks_to_one_place():
    row = {"service": "autism_assessment", "value": 30.06, "previous": 28.0}
    assert headline(row, definition=D["wait_median_open_weeks"]) == (
        "Referrals waiting for autism assessment had waited a median of 30.1 weeks, up from "
        "28.0 weeks at the last stocktake, which is worse."
    )


def test_unchanged_when_equal_to_one_decimal_place():
    row = {"value": 46.24, "baseline": 46.2}
    assert headline(row, definition=D["ehcp_20wk_excl"]) == (
        "46.2% of new EHC plans were issued within 20 weeks, unchanged from 46.2% at baseline."
    )


def test_neutral_kpis_say_no_verdict_and_singular_counts():
    assert headline({"value": 1.0, "previous": 3.0}, definition=D["ehcp_issued"]) == (
        "1 new EHC plan was issued, down from 3 at the last stocktake."
    )


def test_plan_direction_overrides_the_definition():
    k = plan_kpi(direction="decrease", baseline={"value": 50, "period": "2023"})
    assert headline({"value": 40.0}, definition=D["ehcp_20wk_excl"], plan_kpi=k).endswith(
        "down from 50.0% at baseline (2023), which is better."
    )


def test_missing_value_and_missing_baseline():
    k = plan_kpi(target=60)
    assert headline(
        {"value": math.nan, "baseline": 30.0}, definition=D["ehcp_20wk_excl"], plan_kpi=k
    ) == (
        "EHC plans issued within 20 weeks (excl. exceptions): no figure for this period, as "
        "there was nothing to measure; target 60%."
    )
    assert headline({"value": 12.5}, definition=D["ar_meeting_on_time"]) == (
        "12.5% of annual reviews were held by their due date."
    )
    assert headline(
        {"value": None, "service": "audiology"}, definition=D["wait_over_18wk"]
    ).startswith("Share of referrals waiting more than 18 weeks (audiology): no figure")


def test_suppressed_rows_do_not_show_the_value():
    text = headline({"value": 3.0, "suppressed": True}, definition=D["ehcp_issued"])
    assert "3" not in text and "small numbers" in text
    for flag in (False, pd.NA, None):
        text = headline(pd.Series({"value": 3.0, "suppressed": flag}), definition=D["ehcp_issued"])
        assert text == "3 new EHC plans were issued."


def test_unknown_kpi_uses_its_title():
    d = KPIDefinition(
        "pcf_survey",
        "Families who feel listened to",
        "%",
        "increase",
        False,
        False,
        "",
        "parent carer survey",
    )
    assert headline({"value": 54.66, "baseline": 35.0}, definition=d) == (
        "Families who feel listened to: 54.7%, up from 35.0% at baseline, which is better."
    )


@pytest.mark.parametrize(
    ("value", "unit", "exact", "text"),
    [
        (46.25, "%", False, "46.3%"),  # half away from zero, as DfE rounds
        (31.25, "%", False, "31.3%"),
        (0.04, "%", False, "0.0%"),
        (60, "%", True, "60%"),
        (62.5, "%", True, "62.5%"),
        (1234567, "count", False, "1,234,567"),
        (2.5, "count", False, "3"),
        (1.0, "weeks", False, "1.0 week"),
        (18.0714, "weeks", False, "18.1 weeks"),
        (23.9, "FTE", False, "23.9 FTE"),
        (None, "%", False, "x"),  # SPEC 7: x is not available
    ],
)
def test_format_value(value, unit, exact, text):
    assert format_value(value, unit, exact=exact) == text

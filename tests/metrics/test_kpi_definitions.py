from __future__ import annotations

import dataclasses

import pytest

from sendreport.metrics import KPI_DEFINITIONS, KPIDefinition

SPEC_5_IDS = [
    "ehcp_20wk_excl",
    "ehcp_20wk_incl",
    "ehcp_issued",
    "ehcp_20_52wk_excl",
    "ehcp_over_52wk_excl",
    "ehcp_mean_weeks_excl",
    "ehcp_requests",
    "ehcp_decision_6wk",
    "ehcp_assessments_agreed",
    "ehcp_open_over_20wk",
    "ar_decision_4wk",
    "ar_meeting_on_time",
    "ar_overdue",
    "wait_list",
    "wait_over_18wk",
    "wait_over_52wk",
    "wait_over_18wk_count",
    "wait_over_52wk_count",
    "wait_children",
    "wait_median_open_weeks",
    "wait_median_seen_weeks",
    "wait_p92_seen_weeks",
    "autism_13wk",
    "actions_complete",
    "actions_overdue",
    "actions_slipped",
    "actions_not_started",
]


def test_every_spec_5_id_in_order():
    assert list(KPI_DEFINITIONS) == SPEC_5_IDS
    assert all(k == d.id for k, d in KPI_DEFINITIONS.items())


@pytest.mark.parametrize("definition", KPI_DEFINITIONS.values(), ids=list(KPI_DEFINITIONS))
def test_each_definition_is_complete(definition: KPIDefinition):
    assert definition.unit in ("%", "count", "weeks")
    assert definition.improvement in ("increase", "decrease", "neutral")
    assert definition.source in (
        "DfE SEN2",
        "NHS England community health services waiting lists",
        "NICE QS51",
        "the plan",
    )
    assert 10 < len(definition.title) <= 70
    assert definition.definition.endswith(".")
    assert definition.per_service == definition.id.startswith("wait_")
    # monthly series: the percentage KPIs computed from the case tables, and the counts of
    # the waiting lists' bands and of children waiting (a plan may set them count targets)
    assert definition.monthly == (
        (definition.unit == "%" and definition.source != "the plan") or definition.id in WAIT_COUNTS
    )


WAIT_COUNTS = ("wait_over_18wk_count", "wait_over_52wk_count", "wait_children")


def test_definitions_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        KPI_DEFINITIONS["ehcp_issued"].title = "x"  # type: ignore[misc]

"""An action's status in the plan's own words is printed as the plan says it (SPEC 4.4)."""

from __future__ import annotations

from types import SimpleNamespace

from sendreport.pack.sections import actions_table
from sendreport.plan import Plan


def _plan(status: str, vocabulary: dict[str, str]) -> Plan:
    return Plan.model_validate({
        "title": "PAP", "type": "priority_action_plan", "status_vocabulary": vocabulary,
        "priority_areas": [{
            "id": "P1", "title": "Timely plans", "what_we_will_do": "Recruit",
            "what_will_be_different": "Plans on time",
            "actions": [{"id": "1.1", "title": "Recruit two coordinators", "owner": "Head of SEN",
                         "due_date": "2025-03-31", "status": status}],
        }],
    })


def _status_cell(plan: Plan) -> str:
    pack = SimpleNamespace(plan=plan, action_views=lambda action: [],
                           params=SimpleNamespace(suppression_threshold=5,
                                                  previous_period_end=None))
    table = actions_table(pack, plan.priority_areas[0])
    return table.rows[0].cells[3].text


def test_a_status_in_the_plans_own_words_is_printed_with_what_it_counts_as():
    plan = _plan("In progress", {"In progress": "on_track"})
    assert plan.action_status(plan.actions[0][1]) == "on_track"  # what the rules count
    assert _status_cell(plan) == "\u25cf In progress (counted as on track)"


def test_a_canonical_status_is_printed_in_the_packs_words():
    assert _status_cell(_plan("at_risk", {"In progress": "on_track"})) == "\u25b2 At risk"

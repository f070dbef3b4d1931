from __future__ import annotations

import pandas as pd
import pytest

from sendreport.metrics import action_kpis, action_status_at
from sendreport.plan import Plan


def make_plan(actions: list[dict], vocabulary: dict | None = None) -> Plan:
    return Plan.model_validate(
        {
            "title": "Plan",
            "type": "priority_action_plan",
            "status_vocabulary": vocabulary or {},
            "priority_areas": [
                {
                    "id": "P1",
                    "title": "t",
                    "what_we_will_do": "w",
                    "what_will_be_different": "d",
                    "actions": actions,
                }
            ],
        }
    )


def action(i: int, status: str, due: str = "2024-12-31", **extra) -> dict:
    return {"id": f"A{i}", "title": "t", "owner": "o", "due_date": due, "status": status, **extra}


PLAN = make_plan(
    [
        action(1, "complete", "2024-03-31", completed_date="2024-03-01"),
        action(2, "on_track", "2024-06-29"),  # due before the period end: overdue
        action(3, "at_risk", "2024-06-30"),  # due on the period end: not overdue
        action(4, "not_started", "2024-12-31", original_due_date="2024-09-30"),  # slipped
        action(5, "off_track", "2024-06-30", original_due_date="2024-06-30"),  # not slipped
    ]
)


def test_action_kpis_exactly():
    out = action_kpis(PLAN, at="2024-06-30")
    expected = pd.DataFrame(
        {
            "kpi_id": [
                "actions_complete",
                "actions_overdue",
                "actions_slipped",
                "actions_not_started",
            ],
            "service": [""] * 4,
            "value": [20.0, 1.0, 1.0, 1.0],
            "numerator": pd.array([1, 1, 1, 1], dtype="Int64"),
            "denominator": pd.array([5, None, None, None], dtype="Int64"),
        }
    ).astype({"kpi_id": "str", "service": "str"})
    pd.testing.assert_frame_equal(out.iloc[:, :5], expected)
    assert out["lower_ci"].notna().tolist() == [True, False, False, False]


def test_plan_status_vocabulary_is_mapped():
    plan = make_plan(
        [action(1, "Done"), action(2, "Red")], vocabulary={"Done": "complete", "Red": "off_track"}
    )
    out = action_kpis(plan, at="2024-06-30")
    assert out.loc[out["kpi_id"] == "actions_complete", "value"].item() == 50.0


def test_status_at_a_past_date_comes_from_history():
    plan = make_plan(
        [
            action(
                1,
                "complete",
                "2024-03-31",
                completed_date="2024-03-01",
                status_history=[{"date": "2023-12-01", "status": "on_track"}],
            ),
            action(
                2,
                "at_risk",
                "2024-12-31",
                status_history=[
                    {"date": "2023-10-01", "status": "not_started"},
                    {"date": "2024-02-01", "status": "on_track"},
                ],
            ),
        ]
    )
    a1, a2 = (a for _, a in plan.actions)
    assert action_status_at(plan, a1, "2024-01-31") == "on_track"
    assert action_status_at(plan, a1, "2024-03-01") == "on_track"  # history entry still latest
    assert action_status_at(plan, a2, "2024-01-31") == "not_started"
    assert action_status_at(plan, a2, "2023-09-30") is None
    out = action_kpis(plan, at="2024-01-31", from_history=True)
    values = dict(zip(out["kpi_id"], out["value"], strict=True))
    assert values["actions_complete"] == 0.0
    assert values["actions_not_started"] == 1.0
    assert pd.isna(values["actions_slipped"])


def test_completed_date_gives_the_status_when_there_is_no_history():
    plan = make_plan([action(1, "complete", "2024-03-31", completed_date="2024-03-01")])
    a1 = plan.actions[0][1]
    assert action_status_at(plan, a1, "2024-03-01") == "complete"
    assert action_status_at(plan, a1, "2024-02-29") is None


def test_unknown_past_status_gives_nan():
    out = action_kpis(PLAN, at="2023-01-01", from_history=True)
    assert out["value"].isna().all()
    assert out["numerator"].isna().all()


def test_bad_date_is_refused():
    with pytest.raises(ValueError, match="at must be a date"):
        action_kpis(PLAN, at="next week")

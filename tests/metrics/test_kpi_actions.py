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


# Action KPI links (SPEC 4.4) -----------------------------------------------------------------


def _two_waits_plan(links: list) -> dict:
    return {
        "title": "Plan",
        "type": "priority_action_plan",
        "priority_areas": [
            {
                "id": "P2",
                "title": "Waits",
                "what_we_will_do": "w",
                "what_will_be_different": "d",
                "actions": [
                    {"id": "2.2", "title": "Autism capacity", "owner": "o",
                     "due_date": "2024-01-31", "status": "on_track", "kpis": links}
                ],
                "kpis": [
                    {"id": "wait_median_open_weeks", "service": "speech_and_language_therapy"},
                    {"id": "wait_median_open_weeks", "service": "autism_assessment"},
                ],
            }
        ],
    }


def _referrals_csv(path) -> None:
    # At 2024-06-30: five speech and language therapy referrals open 70 days (10 weeks) and
    # five autism referrals open 210 days (30 weeks): medians 10.0 and 30.0 weeks.
    rows = ["referral_id,person_id,service,referral_date"]
    rows += [f"S{i},PS{i:04d},speech_and_language_therapy,2024-04-21" for i in range(5)]
    rows += [f"A{i},PA{i:04d},autism_assessment,2023-12-03" for i in range(5)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_an_action_linked_to_the_autism_wait_shows_the_autism_figure(params_dir):
    import yaml

    from sendreport.pack import Pack, sections
    from sendreport.params import read_params

    links = [{"id": "wait_median_open_weeks", "service": "autism_assessment"}]
    (params_dir / "plan.yaml").write_text(yaml.safe_dump(_two_waits_plan(links)))
    _referrals_csv(params_dir / "referrals.csv")
    params = params_dir / "params.yaml"
    params.write_text(params.read_text().replace("requests: requests.csv",
                                                 "referrals: referrals.csv"))
    pack = Pack.from_params(read_params(params))
    views = pack.action_views(pack.plan.priority_areas[0].actions[0])
    assert [(v.plan_kpi.id, v.plan_kpi.service) for v in views] == [
        ("wait_median_open_weeks", "autism_assessment")
    ]
    assert views[0].value("value") == pytest.approx(30.0)
    html = sections.area_html(pack, pack.plan.priority_areas[0])
    row = html.split("Autism capacity")[1].split("</tr>")[0]
    assert "30.0" in row
    assert "10.0" not in row


def test_a_bare_id_resolves_in_its_own_area_before_the_plan():
    raw = _two_waits_plan(["wait_list"])
    raw["priority_areas"][0]["kpis"].append({"id": "wait_list", "service": "audiology"})
    raw["priority_areas"].append({
        "id": "P3", "title": "Equipment", "what_we_will_do": "w", "what_will_be_different": "d",
        "kpis": [{"id": "wait_list", "service": "equipment"}],
        "actions": [{"id": "3.1", "title": "t", "owner": "o", "due_date": "2024-01-31",
                     "status": "on_track", "kpis": ["wait_list"]}],
    })
    plan = Plan.model_validate(raw)
    assert [(k.id, k.service) for _, a in plan.actions for k in plan.linked_kpis(a)] == [
        ("wait_list", "audiology"), ("wait_list", "equipment")]
    # an id the area lacks is found in the whole plan
    raw["priority_areas"][1]["actions"][0]["kpis"] = [
        {"id": "wait_median_open_weeks", "service": "autism_assessment"}]
    plan = Plan.model_validate(raw)
    assert [(k.id, k.service) for k in plan.linked_kpis(plan.priority_areas[1].actions[0])] == [
        ("wait_median_open_weeks", "autism_assessment")]


@pytest.mark.parametrize(
    ("links", "message"),
    [
        (["wait_median_open_weeks"],
         "action '2.2' of priority area 'P2': KPI 'wait_median_open_weeks' is ambiguous: the plan "
         "has it for speech_and_language_therapy and autism_assessment"),
        (["wait_medain_open_weeks"],
         "action '2.2' of priority area 'P2': KPI 'wait_medain_open_weeks' names no KPI of the "
         "plan; did you mean 'wait_median_open_weeks'?"),
        ([{"id": "wait_median_open_weeks", "service": "audiology"}],
         "action '2.2' of priority area 'P2': KPI 'wait_median_open_weeks' with service "
         "'audiology' is not a KPI of the plan"),
    ],
    ids=["ambiguous", "typo", "wrong-service"],
)
def test_validate_and_run_refuse_an_unknown_or_ambiguous_link(params_dir, links, message):
    import subprocess
    import sys
    from pathlib import Path

    import yaml

    (params_dir / "plan.yaml").write_text(yaml.safe_dump(_two_waits_plan(links)))
    exe = Path(sys.executable).parent / "sendreport"
    for command in (["validate"], ["run", "--no-pdf", "--output-dir", str(params_dir / "out")]):
        result = subprocess.run([str(exe), command[0], str(params_dir / "params.yaml"),
                                 *command[1:]], capture_output=True, text=True, timeout=120)
        assert result.returncode == 2, result.stderr
        assert message in result.stderr
        assert "Traceback" not in result.stderr
    assert not (params_dir / "out").exists()


def test_action_kpis_take_the_plan_as_at_the_period_end():
    # A1 was completed after the period end, A2 within it; A3's December status is later
    plan = make_plan([
        action(1, "complete", "2024-12-31", completed_date="2024-11-02"),
        action(2, "complete", "2024-06-30", completed_date="2024-05-01"),
        action(3, "not_started", "2024-12-31",
               status_history=[{"date": "2024-03-31", "status": "on_track"},
                               {"date": "2024-12-31", "status": "not_started"}]),
    ])
    out = action_kpis(plan, at="2024-09-30").set_index("kpi_id")
    assert out.loc["actions_complete", ["numerator", "denominator"]].tolist() == [1, 3]
    assert out.loc["actions_not_started", "value"] == 0
    assert out.loc["actions_overdue", "value"] == 0

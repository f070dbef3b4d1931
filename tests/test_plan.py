"""The improvement plan model and the two Demoshire demo plans."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sendreport.errors import ParameterError
from sendreport.plan import STATUSES, load_plan
from sendreport.synth import generate

PLANS = Path(__file__).resolve().parents[1] / "params" / "plans"
PAP = PLANS / "demoshire-pap.yaml"
WSOA = PLANS / "demoshire-wsoa.yaml"

SPEC5_IDS = {
    "ehcp_20wk_excl",
    "ehcp_20wk_incl",
    "ehcp_issued",
    "ehcp_20_52wk_excl",
    "ehcp_over_52wk_excl",
    "ehcp_mean_weeks_excl",
    "ehcp_requests",
    "ehcp_decision_6wk",
    "ehcp_open_over_20wk",
    "ar_decision_4wk",
    "ar_meeting_on_time",
    "ar_overdue",
    "wait_list",
    "wait_over_18wk",
    "wait_over_52wk",
    "wait_median_open_weeks",
    "wait_median_seen_weeks",
    "wait_p92_seen_weeks",
    "autism_13wk",
    "actions_complete",
    "actions_overdue",
    "actions_slipped",
    "actions_not_started",
}
SERVICES = {
    "speech_and_language_therapy",
    "autism_assessment",
    "community_paediatrics",
    "adhd_assessment",
    "occupational_therapy",
    "physiotherapy",
    "audiology",
    "equipment",
}
BASELINE_START, BASELINE_END = pd.Timestamp("2022-04-01"), pd.Timestamp("2023-03-31")


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return generate(seed=2026)


@pytest.fixture(scope="module", params=[PAP, WSOA], ids=["pap", "wsoa"])
def plan(request):
    return load_plan(request.param)


def write_plan(tmp_path: Path, raw: dict) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def minimal_plan() -> dict:
    return {
        "title": "Test plan",
        "type": "priority_action_plan",
        "priority_areas": [
            {
                "id": "A",
                "title": "Area A",
                "what_we_will_do": "Do things.",
                "what_will_be_different": "Things will differ.",
                "actions": [
                    {
                        "id": "A1",
                        "title": "First action",
                        "owner": "Head of Service",
                        "due_date": "2024-03-31",
                        "status": "on_track",
                    }
                ],
            }
        ],
    }


# The demo plans ----------------------------------------------------------------------------


def test_demo_plans_load_with_unique_ids(plan):
    areas = [a.id for a in plan.priority_areas]
    actions = [action.id for _, action in plan.actions]
    evidence = [e.id for e in plan.evidence]
    for ids in (areas, actions, evidence):
        assert not [i for i, n in Counter(ids).items() if n > 1]
    for area in plan.priority_areas:
        keys = [(k.id, k.service) for k in area.kpis]
        assert len(keys) == len(set(keys)), area.id


def test_every_action_evidence_reference_exists(plan):
    evidence = {e.id for e in plan.evidence}
    cited = {ev for _, action in plan.actions for ev in action.evidence}
    assert cited
    assert cited <= evidence


def test_kpi_ids_are_spec_ids_or_synthetic_measures(plan, tables):
    known = SPEC5_IDS | set(tables["measures"]["measure_id"])
    used = {k.id for _, k in plan.kpis}
    used |= {k.id for _, action in plan.actions for k in plan.linked_kpis(action)}
    used |= {k if isinstance(k, str) else k.id for i in plan.interventions for k in i.kpis}
    assert used <= known
    assert {k.service for _, k in plan.kpis if k.service} <= SERVICES
    per_service = {"wait_list", "wait_over_18wk", "wait_over_52wk", "wait_median_open_weeks"}
    assert all(k.service for _, k in plan.kpis if k.id in per_service)


def test_actions_mix_statuses_and_some_slipped(plan):
    statuses = {plan.action_status(action) for _, action in plan.actions}
    assert statuses == set(STATUSES)
    slipped = [a for _, a in plan.actions if a.original_due_date is not None]
    assert len(slipped) >= 2
    assert all(a.due_date > a.original_due_date for a in slipped)
    for _, action in plan.actions:
        assert (action.completed_date is not None) == (plan.action_status(action) == "complete")


def test_interventions_mark_the_recruitment_and_the_commissioning(plan):
    marks = {
        (str(i.date), i.label): {(k, "") if isinstance(k, str) else (k.id, k.service)
                                 for k in i.kpis}
        for i in plan.interventions
    }
    assert marks[("2023-09-01", "EHC coordinators recruited")] == {("ehcp_20wk_excl", "")}
    commissioned = (
        "2024-01-01",
        "Extra speech and language therapy and autism assessment capacity commissioned",
    )
    # the services it commissioned, not every service's waits (SPEC 4.4: KPI and service)
    assert marks[commissioned] == {
        ("wait_over_18wk", "speech_and_language_therapy"),
        ("wait_median_open_weeks", "speech_and_language_therapy"),
        ("wait_median_open_weeks", "autism_assessment"),
        ("autism_13wk", ""),
    }


def test_priority_action_plan_shape():
    plan = load_plan(PAP)
    assert plan.type == "priority_action_plan"
    assert plan.partners == ("Demoshire County Council", "NHS Demoshire Integrated Care Board")
    assert str(plan.inspection_date) == "2023-02-15"
    assert str(plan.start_date) == "2023-06-01"
    assert plan.status_vocabulary
    assert {a.status for _, a in plan.actions} <= set(plan.status_vocabulary)
    assert len(plan.priority_areas) == 2
    assert 8 <= len(plan.evidence) <= 13
    for area in plan.priority_areas:
        assert 5 <= len(area.actions) <= 8
        assert 2 <= len(area.family_voice) <= 4
        assert sum(q.confidential for q in area.family_voice) == 1
        assert area.you_said_we_did and area.progress
        assert sum(a.original_due_date is not None for a in area.actions) == 2
        assert all(a.status_history for a in area.actions if a.status != "Grey")
        assert all(1 <= a.due_date.year - 2022 <= 3 for a in area.actions)
        assert all(a.evidence for a in area.actions)
    first = {(k.id, k.service): k for k in plan.priority_areas[0].kpis}
    timely = first[("ehcp_20wk_excl", None)]
    assert timely.direction == "increase"
    assert timely.baseline.period == "April 2022 to March 2023"
    assert (timely.target, str(timely.target_date)) == (60, "2025-03-31")
    assert len(timely.trajectory) >= 3
    assert set(first) == {
        ("ehcp_20wk_excl", None),
        ("ehcp_decision_6wk", None),
        ("ar_decision_4wk", None),
        ("ar_overdue", None),
        ("ehcp_open_over_20wk", None),
        ("pcf_plan_reflects_needs", None),
        ("ehcp_quality_good", None),
    }
    assert {(k.id, k.service) for k in plan.priority_areas[1].kpis} == {
        ("wait_over_18wk", "speech_and_language_therapy"),
        ("wait_median_open_weeks", "speech_and_language_therapy"),
        ("autism_13wk", None),
        ("wait_median_open_weeks", "autism_assessment"),
        ("wait_list", "equipment"),
    }


def test_written_statement_of_action_shape():
    plan = load_plan(WSOA)
    assert plan.type == "written_statement_of_action"
    assert len(plan.priority_areas) == 12
    for area in plan.priority_areas:
        assert 1 <= len(area.actions) <= 3, area.id
        assert 1 <= len(area.kpis) <= 2, area.id


# Baselines recomputed from the synthetic data with plain pandas (SPEC 5) -----------------


def pct(flags: pd.Series) -> float:
    return 100 * flags.mean()


def open_waits(tables, service: str, t: pd.Timestamp) -> pd.Series:
    f = tables["referrals"]
    f = f[f["service"] == service]
    waiting = (
        (f["referral_date"] <= t) & ~(f["first_contact_date"] <= t) & ~(f["removed_date"] <= t)
    )
    return (t - f.loc[waiting, "referral_date"]).dt.days


def baseline(tables, kpi_id: str, service: str | None) -> float:
    """The KPI over April 2022 to March 2023 (or at 31 March 2023), by SPEC 5."""
    s, e = BASELINE_START, BASELINE_END
    rq, rv, rf, ms = (tables[k] for k in ("requests", "reviews", "referrals", "measures"))
    if kpi_id == "ehcp_20wk_excl":
        p = rq[rq["plan_issued_date"].between(s, e) & ~rq["exception_20wk"]]
        return pct((p["plan_issued_date"] - p["received_date"]).dt.days <= 140)
    if kpi_id == "ehcp_decision_6wk":
        p = rq[
            rq["request_outcome"].isin(["assess", "not_assess"])
            & rq["request_outcome_date"].between(s, e)
        ]
        return pct((p["request_outcome_date"] - p["received_date"]).dt.days <= 42)
    if kpi_id == "ehcp_open_over_20wk":
        r = rq[rq["received_date"] <= e]
        closed = (
            (r["plan_issued_date"] <= e)
            | (
                r["request_outcome"].isin(["withdrawn", "not_assess"])
                & (r["request_outcome_date"] <= e)
            )
            | (
                r["assessment_outcome"].isin(["withdrawn", "not_issue_plan"])
                & (r["assessment_outcome_date"] <= e)
            )
        )
        return float((~closed & ((e - r["received_date"]).dt.days > 140)).sum())
    if kpi_id == "ar_decision_4wk":
        p = rv[rv["review_decision_date"].between(s, e) & rv["review_meeting_date"].notna()]
        return pct((p["review_decision_date"] - p["review_meeting_date"]).dt.days <= 28)
    if kpi_id == "ar_meeting_on_time":
        p = rv[rv["review_due_date"].between(s, e)]
        return pct(p["review_meeting_date"] <= p["review_due_date"])
    if kpi_id == "ar_overdue":
        return float(((rv["review_due_date"] <= e) & ~(rv["review_meeting_date"] <= e)).sum())
    if kpi_id == "autism_13wk":
        p = rf[(rf["service"] == "autism_assessment") & rf["first_contact_date"].between(s, e)]
        return pct((p["first_contact_date"] - p["referral_date"]).dt.days <= 91)
    if kpi_id.startswith("wait_"):
        waits = open_waits(tables, service, e)
        return {
            "wait_list": float(waits.size),
            "wait_over_18wk": pct(waits > 126),
            "wait_over_52wk": pct(waits > 364),
            "wait_median_open_weeks": waits.median() / 7,
        }[kpi_id]
    m = ms[(ms["measure_id"] == kpi_id) & (ms["date"] <= e)].sort_values("date").iloc[-1]
    return float(100 * m["numerator"] / m["denominator"])


def test_baselines_are_what_the_synthetic_data_gave(plan, tables):
    checked = 0
    for area, kpi in plan.kpis:
        if kpi.baseline is None:
            continue
        expected = round(baseline(tables, kpi.id, kpi.service), 1)
        assert kpi.baseline.value == pytest.approx(expected, abs=0.05), (area.id, kpi.id)
        checked += 1
    assert checked == len(plan.kpis)


def test_the_timeliness_baseline_is_the_collapse():
    plan = load_plan(PAP)
    timely = next(k for _, k in plan.kpis if k.id == "ehcp_20wk_excl")
    assert timely.baseline.value < 10


# The plan model's errors -------------------------------------------------------------------


def test_minimal_plan_loads(tmp_path):
    plan = load_plan(write_plan(tmp_path, minimal_plan()))
    assert [a.id for _, a in plan.actions] == ["A1"]


def test_plan_rejects_an_unknown_key(tmp_path):
    raw = minimal_plan()
    raw["priority_areas"][0]["actions"][0]["colour"] = "red"
    with pytest.raises(
        ParameterError, match=re.escape("priority_areas[0].actions[0].colour: unknown key")
    ):
        load_plan(write_plan(tmp_path, raw))


def test_plan_rejects_a_bad_status(tmp_path):
    raw = minimal_plan()
    raw["priority_areas"][0]["actions"][0]["status"] = "nearly_done"
    message = (
        "action 'A1' of priority area 'A': status must be one of at_risk, complete, "
        "not_started, off_track, on_track, not 'nearly_done'"
    )
    with pytest.raises(ParameterError, match=re.escape(message)):
        load_plan(write_plan(tmp_path, raw))


def test_an_unknown_status_says_how_to_declare_the_plans_own_words(tmp_path):
    raw = minimal_plan()
    raw["priority_areas"][0]["actions"][0]["status"] = "In progress"
    with pytest.raises(ParameterError) as err:
        load_plan(write_plan(tmp_path, raw))
    assert err.value.exit_code == 2
    line = str(err.value)
    assert "not 'In progress'" in line and "docs/plan.md" in line
    assert "status_vocabulary: {'In progress': on_track}" in line
    raw["status_vocabulary"] = {"In progress": "on_track"}  # as the message says
    plan = load_plan(write_plan(tmp_path, raw))
    assert plan.action_status(plan.actions[0][1]) == "on_track"


def test_plan_accepts_its_own_status_vocabulary(tmp_path):
    raw = minimal_plan()
    raw["status_vocabulary"] = {"Amber": "at_risk"}
    raw["priority_areas"][0]["actions"][0]["status"] = "Amber"
    plan = load_plan(write_plan(tmp_path, raw))
    assert plan.action_status(plan.actions[0][1]) == "at_risk"


def test_plan_rejects_a_missing_required_field(tmp_path):
    raw = minimal_plan()
    del raw["priority_areas"][0]["actions"][0]["owner"]
    with pytest.raises(
        ParameterError, match=re.escape("priority_areas[0].actions[0].owner: Field required")
    ):
        load_plan(write_plan(tmp_path, raw))


def test_plan_lists_every_problem_at_once(tmp_path):
    raw = minimal_plan()
    del raw["title"]
    raw["priority_areas"][0]["kpis"] = [{"id": "ehcp_20wk_excl", "direction": "up"}]
    with pytest.raises(ParameterError) as err:
        load_plan(write_plan(tmp_path, raw))
    assert err.value.problems == [
        "plan.yaml: title: Field required",
        "plan.yaml: priority_areas[0].kpis[0].direction: Input should be 'increase', "
        "'decrease' or 'neutral'",
    ]


def test_plan_rejects_evidence_not_in_the_list(tmp_path):
    raw = minimal_plan()
    raw["priority_areas"][0]["actions"][0]["evidence"] = ["E9"]
    with pytest.raises(ParameterError, match="evidence 'E9' is not in the evidence list"):
        load_plan(write_plan(tmp_path, raw))


def test_load_plan_names_a_missing_file(tmp_path):
    with pytest.raises(ParameterError, match="plan file not found: .*nowhere.yaml"):
        load_plan(tmp_path / "nowhere.yaml")


def test_plan_needs_at_least_one_priority_area(tmp_path):
    raw = minimal_plan()
    raw["priority_areas"] = []
    with pytest.raises(ParameterError) as err:
        load_plan(write_plan(tmp_path, raw))
    assert err.value.problems == [
        "plan.yaml: priority_areas: a plan needs at least one priority area"
    ]


def test_plan_lists_reference_problems_with_field_errors_one_per_line(tmp_path):
    raw = minimal_plan()
    action = raw["priority_areas"][0]["actions"][0]
    del action["owner"]
    action["status"] = "nearly_done"
    action["evidence"] = ["E9"]
    with pytest.raises(ParameterError) as err:
        load_plan(write_plan(tmp_path, raw))
    assert err.value.problems == [
        "plan.yaml: priority_areas[0].actions[0].owner: Field required",
        "plan.yaml: action 'A1' of priority area 'A': status must be one of at_risk, "
        "complete, not_started, off_track, on_track, not 'nearly_done'; to use the plan's own "
        "word, declare it at the top of the plan, mapped onto the status it counts as, e.g. "
        "status_vocabulary: {'nearly_done': on_track}; the pack prints your word beside it "
        "(docs/plan.md)",
        "plan.yaml: action 'A1' of priority area 'A': evidence 'E9' is not in the evidence list",
    ]


def test_plan_rejects_reused_ids(tmp_path):
    raw = minimal_plan()
    area = raw["priority_areas"][0]
    area["actions"].append(dict(area["actions"][0]))
    raw["priority_areas"].append(dict(area, actions=[]))
    with pytest.raises(ParameterError) as err:
        load_plan(write_plan(tmp_path, raw))
    assert err.value.problems == [
        "plan.yaml: action id 'A1' is used twice",
        "plan.yaml: priority area id 'A' is used twice",
    ]


# The plan as at the period end (SPEC 4.4) --------------------------------------------------


def updated_after_the_period() -> dict:
    """A plan last edited in January 2025, shown in a pack for July to September 2024."""
    raw = minimal_plan()
    raw["status_vocabulary"] = {"Blue": "complete", "Green": "on_track", "Amber": "at_risk"}
    area = raw["priority_areas"][0]
    area["actions"] = [
        {   # Amber in June, Blue (complete) in December, completed 5 December
            "id": "A1", "title": "Recruit", "owner": "o", "due_date": "2024-12-31",
            "status": "Blue", "completed_date": "2024-12-05", "evidence": ["E1", "E2"],
            "status_history": [{"date": "2024-06-30", "status": "Amber"},
                               {"date": "2024-12-31", "status": "Blue"}],
        },
        {   # completed in August: complete at the period end
            "id": "A2", "title": "Train", "owner": "o", "due_date": "2024-09-30",
            "status": "Blue", "completed_date": "2024-08-20",
        },
        {   # marked complete in October with no history: not complete, and past due
            "id": "A3", "title": "Audit", "owner": "o", "due_date": "2024-08-31",
            "status": "complete", "completed_date": "2024-10-02",
        },
    ]
    area["family_voice"] = [
        {"text": "We waited a year.", "date": "2024-07-15"},
        {"text": "Things are better now.", "date": "2024-11-20"},
    ]
    area["you_said_we_did"] = [
        {"you_said": "Answer the phone", "we_did": "A helpline", "date": "2024-09-01"},
        {"you_said": "Tell us who to call", "we_did": "A named worker", "date": "2024-12-01"},
    ]
    raw["evidence"] = [
        {"id": "E1", "title": "Board minutes, September 2024", "date": "2024-09-12"},
        {"id": "E2", "title": "Audit report", "date": "2025-01-17"},
    ]
    raw["interventions"] = [{"date": "2024-10-01", "label": "New front door", "rebase": True}]
    raw["governance"] = {
        "name": "SEND Improvement Board", "chair": "Independent chair",
        "meetings": [{"date": "2024-09-10", "decisions": "Approve the plan"},
                     {"date": "2024-11-12", "decisions": ["Escalate waits"],
                      "escalations": ["ICB capacity"]}],
        "risks": [{"id": "R1", "title": "Workforce", "rating": 16, "mitigation": "Recruit",
                   "owner": "DCS"}],
    }
    return raw


def test_the_plan_as_at_the_period_end_leaves_later_entries_out(tmp_path):
    from sendreport.plan import plan_as_at

    plan = load_plan(write_plan(tmp_path, updated_after_the_period()))
    shown = plan_as_at(plan, pd.Timestamp("2024-09-30").date())
    a1, a2, a3 = shown.plan.priority_areas[0].actions
    assert [shown.plan.action_status(a) for a in (a1, a2, a3)] == [
        "at_risk", "complete", "off_track"]
    assert (a1.completed_date, a3.completed_date) == (None, None)
    assert str(a2.completed_date) == "2024-08-20"
    assert a1.evidence == ("E1", "E2")  # E2 shows as "after this period"
    assert [e.id for e in shown.plan.evidence] == ["E1"]
    assert [q.text for q in shown.plan.priority_areas[0].family_voice] == ["We waited a year."]
    assert [y.you_said for y in shown.plan.priority_areas[0].you_said_we_did] == [
        "Answer the phone"]
    assert shown.plan.interventions == ()
    assert [str(m.date) for m in shown.plan.governance.meetings] == ["2024-09-10"]
    assert shown.plan.governance.risks[0].rating == 16
    assert shown.later == (
        "action 'A1': status 'Blue' dated 2024-12-31 is after the period end",
        "action 'A1': completed 2024-12-05, after the period end; shown as not complete "
        "(at_risk)",
        "action 'A3': completed 2024-10-02, after the period end; shown as not complete "
        "(off_track)",
        "priority area 'A': family voice quote dated 2024-11-20 is after the period end",
        "priority area 'A': you said, we did 'Tell us who to call' dated 2024-12-01 is after "
        "the period end",
        "evidence 'E2' (Audit report) dated 2025-01-17 is after the period end",
        "intervention 'New front door' dated 2024-10-01 is after the period end",
        "governance: board meeting dated 2024-11-12 is after the period end",
    )
    # the loaded plan itself is untouched: the December pack shows December
    december = plan_as_at(plan, pd.Timestamp("2024-12-31").date())
    assert december.later == ("evidence 'E2' (Audit report) dated 2025-01-17 is after the "
                              "period end",)
    assert plan.action_status(december.plan.priority_areas[0].actions[0]) == "complete"


def test_a_september_pack_shows_september_and_validate_lists_the_rest(params_dir):
    import subprocess
    import sys

    from sendreport.pack import Pack, sections
    from sendreport.params import read_params

    (params_dir / "plan.yaml").write_text(yaml.safe_dump(updated_after_the_period()))
    params = params_dir / "params.yaml"
    params.write_text(params.read_text().replace("2024-01-01", "2024-07-01")
                      .replace("2024-06-30", "2024-09-30"))
    pack = Pack.from_params(read_params(params))
    kpis = pack.kpis.set_index("kpi_id")
    # one of three actions complete at 30 September (A2), one overdue (A3, due 31 August;
    # A1 is due in December)
    assert kpis.loc["actions_complete", ["numerator", "denominator"]].tolist() == [1, 3]
    assert kpis.loc["actions_overdue", "value"] == 1
    html = sections.area_html(pack, pack.plan.priority_areas[0]) + sections.evidence_html(pack)
    assert "We waited a year." in html
    for later in ("Things are better now.", "Tell us who to call", "Audit report"):
        assert later not in html
    exe = Path(sys.executable).parent / "sendreport"
    result = subprocess.run([str(exe), "validate", str(params)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "plan.yaml: 8 plan entries dated after the period end (2024-09-30)" in result.stdout
    assert "  evidence 'E2' (Audit report) dated 2025-01-17 is after the period end" in (
        result.stdout)


def test_the_plan_guides_example_loads_with_every_documented_key(tmp_path):
    from sendreport.plan import plan_as_at

    guide = (Path(__file__).resolve().parents[1] / "docs" / "plan.md").read_text()
    example = guide.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "plan.yaml"
    path.write_text(example, encoding="utf-8")
    plan = load_plan(path)
    action = plan.priority_areas[0].actions[0]
    assert action.moved_reason.startswith("Provider procurement")
    assert [(k.id, k.service) for k in plan.linked_kpis(action)] == [
        ("autism_13wk", None), ("wait_median_open_weeks", "autism_assessment")]
    assert plan.interventions[0].rebase is True
    assert plan.governance.meetings[0].escalations == ("ICB capacity for ADHD assessments",)
    assert plan.governance.risks[0].rating == 16
    shown = plan_as_at(plan, pd.Timestamp("2024-09-30").date())
    assert shown.plan.action_status(shown.plan.priority_areas[0].actions[0]) == "on_track"


def plan_with_interventions(*kpis_lists) -> dict:
    raw = minimal_plan()
    raw["priority_areas"][0]["kpis"] = [
        {"id": "ehcp_20wk_excl"},
        {"id": "wait_list", "service": "audiology"},
        {"id": "wait_list", "service": "autism_assessment"},
    ]
    raw["interventions"] = [
        {"date": f"2024-0{i + 1}-01", "label": f"Change {i + 1}", "kpis": kpis}
        for i, kpis in enumerate(kpis_lists)
    ]
    return raw


def test_an_intervention_naming_an_unknown_kpi_is_a_plan_error(tmp_path):
    raw = plan_with_interventions(["ehcp_20wk_exc", "ehcp_20wk_excl", "no_such_kpi"])
    with pytest.raises(ParameterError) as info:
        load_plan(write_plan(tmp_path, raw))
    assert info.value.exit_code == 2
    assert info.value.problems == [
        "plan.yaml: intervention 'Change 1' dated 2024-01-01: KPI 'ehcp_20wk_exc' names no KPI "
        "of the plan; did you mean 'ehcp_20wk_excl'? (plan KPIs: ehcp_20wk_excl, wait_list)",
        "plan.yaml: intervention 'Change 1' dated 2024-01-01: KPI 'no_such_kpi' names no KPI "
        "of the plan (plan KPIs: ehcp_20wk_excl, wait_list)",
    ]


def test_an_intervention_naming_a_service_the_plan_lacks_is_a_plan_error(tmp_path):
    raw = plan_with_interventions([{"id": "wait_list", "service": "speech_and_language_therapy"}])
    with pytest.raises(ParameterError, match=re.escape(
        "plan.yaml: intervention 'Change 1' dated 2024-01-01: KPI 'wait_list' with service "
        "'speech_and_language_therapy' is not a KPI of the plan (the plan has it for "
        "audiology, autism_assessment)"
    )):
        load_plan(write_plan(tmp_path, raw))


def test_an_intervention_names_plan_kpis_by_id_or_by_id_and_service(tmp_path):
    raw = plan_with_interventions(
        ["ehcp_20wk_excl", "wait_list"], [{"id": "wait_list", "service": "audiology"}]
    )
    plan = load_plan(write_plan(tmp_path, raw))
    first, second = plan.interventions
    assert first.kpis == ("ehcp_20wk_excl", "wait_list")  # a bare id: every service of it
    assert [(k.id, k.service) for k in second.kpis] == [("wait_list", "audiology")]


def test_an_unknown_intervention_kpi_is_reported_beside_field_errors(tmp_path):
    raw = plan_with_interventions(["ehcp_20wk_exc"])
    del raw["title"]
    with pytest.raises(ParameterError) as info:
        load_plan(write_plan(tmp_path, raw))
    assert info.value.problems[0] == "plan.yaml: title: Field required"
    assert "KPI 'ehcp_20wk_exc' names no KPI of the plan" in info.value.problems[1]

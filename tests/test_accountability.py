"""Holding leaders to account (SPEC 4.4, REPORT pages 4-5): evidence ids, the status at the
last stocktake and slippage, escalations, risks on a scale, decisions sought, and the
plan's narrative checked against its own data.

The sections are built on a small generated plan and data (one pack for the module); the
demo packs are checked in tests/report/test_accountability_pack.py.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from sendreport.errors import ParameterError
from sendreport.metrics.actions import SEVERITY, slip_since
from sendreport.plan import STATUSES, RiskScale, load_plan, plan_as_at
from sendreport.validation.narrative import narrative_problems

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT / "params" / "plans"


def accountable_plan() -> dict:
    """A plan at 31 December 2024 whose last stocktake was 30 June 2024.

    A1 was on track in June, due 30 September 2024; its due date moved to March 2025 and it
    is at risk now. A2 was at risk in June and is off track now. A3 is complete, as in June.
    """
    return {
        "title": "Accountable plan",
        "type": "priority_action_plan",
        "status_vocabulary": {"Green": "on_track", "Amber": "at_risk", "Red": "off_track",
                              "Blue": "complete"},
        "priority_areas": [{
            "id": "P1",
            "title": "Shorter waits",
            "what_we_will_do": "Commission capacity.",
            "what_will_be_different": "Children are seen sooner.",
            "progress": "The front door is at risk of slipping to 2025.",
            "actions": [
                {"id": "A1", "title": "Open a single front door", "owner": "Clinical lead",
                 "due_date": "2025-03-31", "original_due_date": "2024-09-30", "status": "Amber",
                 "status_history": [
                     {"date": "2024-06-30", "status": "Green", "due_date": "2024-09-30"},
                     {"date": "2024-12-31", "status": "Amber", "due_date": "2025-03-31"}],
                 "evidence": ["E1", "E2"]},
                {"id": "A2", "title": "Agree a business case", "owner": "Director of Nursing",
                 "due_date": "2024-10-31", "status": "Red",
                 "status_history": [{"date": "2024-06-30", "status": "Amber"},
                                    {"date": "2024-12-31", "status": "Red"}]},
                {"id": "A3", "title": "Recruit therapists", "owner": "Head of therapies",
                 "due_date": "2024-03-31", "status": "Blue", "completed_date": "2024-03-01",
                 "status_history": [{"date": "2024-03-31", "status": "Blue"}],
                 "evidence": ["E1"]},
            ],
            "kpis": [{"id": "ehcp_20wk_excl", "target": 60}],
            "escalations": [{"date": "2024-09-17", "issue": "ADHD assessment capacity",
                             "to": "ICB executive", "owner": "Director of Nursing",
                             "due_date": "2024-11-30"}],
            "risks": [{"id": "R2", "title": "ADHD demand", "owner": "ICB", "rating": "High",
                       "rating_at_last_stocktake": "Medium", "target_rating": "Low",
                       "mitigation": "Business case"}],
        }],
        "evidence": [{"id": "E1", "title": "Board minutes", "date": "2024-09-12"},
                     {"id": "E2", "title": "Audit report", "date": "2025-01-17"}],
        "risk_scale": {"description": "the board's judgement", "levels": [
            "Low", "Medium", "High", "Very high"]},
        "risks": [{"id": "R1", "title": "Workforce", "owner": "DCS", "rating": "Medium",
                   "rating_at_last_stocktake": "High", "target_rating": "Low"}],
        "escalations": [
            {"date": "2024-03-12", "issue": "Equipment delays", "to": "Joint board",
             "owner": "Commissioner", "due_date": "2024-06-30", "outcome": "Re-procured",
             "outcome_date": "2024-05-14"},
            {"date": "2024-12-10", "issue": "Psychology vacancies", "to": "Workforce board",
             "owner": "Principal psychologist", "due_date": "2025-03-31"},
            {"date": "2024-11-01", "issue": "Transport", "to": "Cabinet", "owner": "DCS",
             "due_date": "2024-11-30", "outcome": "Budget agreed", "outcome_date": "2025-01-09"},
        ],
        "decisions": [{"decision": "Agree the ADHD business case", "owner": "ICB chief",
                       "by": "2025-02-28"}],
        "governance": {"name": "SEND Improvement Board", "chair": "Independent chair",
                       "risks": [{"id": "R0", "title": "Budget", "rating": "Very high"}]},
    }


def write(tmp_path: Path, raw: dict) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


# The plan: evidence ids and risk ratings are checked ----------------------------------------


def test_an_evidence_id_not_in_the_list_is_a_plan_error_naming_the_action(tmp_path):
    raw = accountable_plan()
    raw["priority_areas"][0]["actions"][1]["evidence"] = ["E06"]
    with pytest.raises(ParameterError) as err:
        load_plan(write(tmp_path, raw))
    assert err.value.exit_code == 2
    assert ("plan.yaml: action 'A2' of priority area 'P1': evidence 'E06' is not in the "
            "evidence list") in str(err.value)


def test_a_rating_not_on_the_risk_scale_is_a_plan_error(tmp_path):
    raw = accountable_plan()
    raw["risks"][0]["target_rating"] = "Minimal"
    raw["governance"]["risks"][0]["rating"] = 16
    with pytest.raises(ParameterError) as err:
        load_plan(write(tmp_path, raw))
    assert err.value.exit_code == 2
    assert err.value.problems == [
        "plan.yaml: risk 'R1': target_rating 'Minimal' is not on the plan's risk_scale "
        "(Low, Medium, High, Very high)",
        "plan.yaml: risk 'R0': rating 16 is not on the plan's risk_scale "
        "(Low, Medium, High, Very high)",
    ]


def test_a_rated_risk_needs_a_declared_scale(tmp_path):
    raw = accountable_plan()
    del raw["risk_scale"], raw["governance"]
    with pytest.raises(ParameterError, match="risk 'R1' has a rating but the plan declares "
                                             "no risk_scale"):
        load_plan(write(tmp_path, raw))


@given(st.integers(-50, 50), st.integers(-50, 50), st.integers(-60, 60))
def test_a_numeric_scale_allows_exactly_its_span(lowest, span, rating):
    highest = lowest + abs(span) + 1
    scale = RiskScale(lowest=lowest, highest=highest)
    assert scale.allows(rating) == (lowest <= rating <= highest)


# The plan as at the period end: citations kept, later outcomes not yet known ---------------


def test_the_plan_as_at_keeps_citations_and_hides_a_later_outcome(tmp_path):
    plan = load_plan(write(tmp_path, accountable_plan()))
    shown = plan_as_at(plan, dt.date(2024, 12, 31))
    assert shown.plan.priority_areas[0].actions[0].evidence == ("E1", "E2")
    assert [e.id for e in shown.plan.evidence] == ["E1"]
    transport = shown.plan.escalations[2]
    assert (transport.outcome, transport.overdue(dt.date(2024, 12, 31))) == (None, True)
    assert ("escalation 'Transport': outcome dated 2025-01-09 is after the period end; shown "
            "with no outcome yet") in shown.later
    september = plan_as_at(plan, dt.date(2024, 9, 30))
    assert [e.issue for e in september.plan.escalations] == ["Equipment delays"]
    assert [e.issue for e in september.plan.priority_areas[0].escalations] == [
        "ADHD assessment capacity"]


# Slipped since the last stocktake -------------------------------------------------------------


def test_slipped_since_the_last_stocktake_is_a_worse_status_or_a_moved_date(tmp_path):
    plan = plan_as_at(load_plan(write(tmp_path, accountable_plan())), dt.date(2024, 12, 31)).plan
    a1, a2, a3 = plan.priority_areas[0].actions
    moved = slip_since(plan, a1, "2024-06-30")
    assert (moved.status_then, moved.status_now, moved.worse) == ("on_track", "at_risk", True)
    assert moved.due_then == dt.date(2024, 9, 30)
    worse = slip_since(plan, a2, "2024-06-30")
    assert (worse.status_then, worse.status_now, worse.due_then) == ("at_risk", "off_track",
                                                                      None)
    assert slip_since(plan, a3, "2024-06-30") is None


@given(st.sampled_from(STATUSES), st.sampled_from(STATUSES))
def test_a_status_slipped_exactly_when_it_is_worse(then, now):
    from sendreport.plan import Action, Plan, PriorityArea

    action = Action(id="A", title="t", owner="o", due_date="2025-03-31", status=now,
                    status_history=[{"date": "2024-06-30", "status": then}])
    plan = Plan(title="p", type="priority_action_plan", priority_areas=[PriorityArea(
        id="P", title="t", what_we_will_do="w", what_will_be_different="d", actions=[action])])
    slip = slip_since(plan, action, "2024-06-30")
    assert (slip is not None) == (SEVERITY[now] > SEVERITY[then])


# Narrative checks ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["demoshire-pap.yaml", "demoshire-wsoa.yaml"])
def test_the_demo_plans_say_nothing_their_data_contradict(name):
    plan = plan_as_at(load_plan(PLANS / name), dt.date(2024, 12, 31)).plan
    assert narrative_problems(plan) == []


def test_stale_narrative_is_found(tmp_path):
    raw = accountable_plan()
    area = raw["priority_areas"][0]
    area["what_we_will_do"] = "Action A2 is on track. Meet the 60% target for March 2025."
    area["progress"] = (
        "The front door is at risk of slipping to 2025. The business case has slipped to "
        "December 2024. Waits are not yet at the trajectory; the December 2024 milestone of "
        "45% was missed."
    )
    plan = plan_as_at(load_plan(write(tmp_path, raw)), dt.date(2024, 12, 31)).plan
    assert narrative_problems(plan) == [
        "priority area 'P1' what_we_will_do: says \"...is on track\" of action 'A2', but its "
        "status at the period end is off track",
        "priority area 'P1' what_we_will_do: says \"...60% target for March 2025\", but no KPI "
        "has a target of 60 for March 2025",
        "priority area 'P1' progress: says \"...at risk of slipping to 2025\", but action 'A1' "
        "(Open a single front door) is already due 31 March 2025 (moved from 30 September "
        "2024)",
        "priority area 'P1' progress: says \"...has slipped to December 2024\", but action "
        "'A2' (Agree a business case) is due 31 October 2024",
        "priority area 'P1' progress: names a trajectory (\"Waits are not yet at the "
        "trajectory; the December 2024 milestone of 45% was missed.\"), but no KPI it can "
        "mean has one",
        "priority area 'P1' progress: says \"...December 2024 milestone of 45%\", but no KPI "
        "has a milestone of 45 in December 2024",
    ]


def test_validate_lists_a_planted_narrative_contradiction(params_dir):
    raw = accountable_plan()
    (params_dir / "plan.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    params = params_dir / "params.yaml"
    params.write_text(params.read_text().replace("2024-01-01", "2024-07-01")
                      .replace("2024-06-30", "2024-12-31"))
    exe = Path(sys.executable).parent / "sendreport"
    result = subprocess.run([str(exe), "validate", str(params)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert ("warning: plan.yaml: priority area 'P1' progress: says \"...at risk of slipping to "
            "2025\", but action 'A1' (Open a single front door) is already due 31 March 2025 "
            "(moved from 30 September 2024)") in result.stdout.splitlines()


# The pack's sections on the generated plan --------------------------------------------------

REQUESTS = (
    "request_id,person_id,received_date,request_outcome,request_outcome_date,"
    "assessment_outcome,assessment_outcome_date,plan_issued_date,exception_20wk\n"
    "R1,P1,2024-07-02,assess,2024-08-01,issue_plan,2024-11-01,2024-11-01,false\n"
    "R2,P2,2024-07-05,not_assess,2024-08-10,,,,false\n"
)


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    from sendreport.pack import Pack
    from sendreport.params import parse_params

    folder = tmp_path_factory.mktemp("accountable")
    (folder / "requests.csv").write_text(REQUESTS, encoding="utf-8")
    return Pack.from_params(parse_params({
        "notebook": str(ROOT / "notebooks" / "stocktake.ipynb"),
        "area_name": "Testshire",
        "period_start": "2024-07-01",
        "period_end": "2024-12-31",
        "previous_period_end": "2024-06-30",
        "plan": str(write(folder, accountable_plan())),
        "data": {"requests": str(folder / "requests.csv")},
    }))


def test_actions_show_the_status_at_the_last_stocktake_and_linked_evidence(pack):
    from sendreport.pack.sections.area import actions_table

    table = actions_table(pack, pack.plan.priority_areas[0])
    assert [h.text for h in table.header] == [
        "Action", "Owner", "Due", "Status now", "At last stocktake (30 June 2024)", "Evidence",
        "Impact KPI (latest)"]
    a1, a2, a3 = (row.cells for row in table.rows)
    # in the plan's own words, with what they count as
    assert [c.text for c in a1[3:5]] == ["\u25b2 Amber (counted as at risk)",
                                         "\u25cf Green (counted as on track)"]
    assert [c.text for c in a2[3:5]] == ["\u25bc Red (counted as off track)",
                                         "\u25b2 Amber (counted as at risk)"]
    assert [c.text for c in a3[3:5]] == ["\u25a0 Blue (counted as complete)",
                                         "\u25a0 Blue (counted as complete)"]
    # E2 is dated after the period: named, not linked, and said to be so
    assert a1[5].links == (("E1", "evidence-e1"), ("E2 (after this period)", None))
    assert (a2[5].text, a3[5].links) == ("No evidence given", (("E1", "evidence-e1"),))


def test_the_area_lists_what_slipped_and_links_to_the_evidence_index(pack):
    from sendreport.pack import sections

    html = sections.area_html(pack, pack.plan.priority_areas[0])
    assert '<a href="#evidence-e1">E1</a>, E2 (after this period)' in html
    assert "<h3>Slipped since the last stocktake (30 June 2024)</h3>" in html
    assert ("<li>A1 Open a single front door: Green (on track) at the last stocktake, Amber "
            "(at risk) now; due date moved from 30 September 2024 to 31 March 2025.</li>") in html
    assert ("<li>A2 Agree a business case: Amber (at risk) at the last stocktake, Red (off "
            "track) now.</li>" in html)
    assert "A3 Recruit therapists:" not in html
    assert '<th scope="row" id="evidence-e1">E1</th>' in sections.evidence_html(pack)


def test_governance_flags_overdue_escalations_and_shows_risks_and_decisions(pack):
    from sendreport.pack import sections
    from sendreport.pack.sections.governance import governance

    data = governance(pack)
    assert data["overdue"] == [
        # its outcome came in January: at 31 December it was overdue
        "Transport: escalated to Cabinet on 1 November 2024, owned by DCS; no outcome, due "
        "30 November 2024.",
        "ADHD assessment capacity: escalated to ICB executive on 17 September 2024, owned by "
        "Director of Nursing; no outcome, due 30 November 2024.",
    ]
    outcomes = {row.cells[0].text: row.cells[-1].text for row in data["escalations"].rows}
    assert outcomes == {
        "Equipment delays": "Re-procured (14 May 2024)",
        "Psychology vacancies": "Awaited (due 31 March 2025)",
        "Transport": "\u25b2 Overdue: no outcome, due 30 November 2024",
        "ADHD assessment capacity": "\u25b2 Overdue: no outcome, due 30 November 2024",
    }
    assert [g for g in (row.group for row in data["escalations"].rows) if g] == [
        "Whole plan", "Priority area P1: Shorter waits"]
    risks = [[c.text for c in row.cells[:6]] for row in data["risks"].rows]
    assert risks == [
        ["R0 Budget", "x", "Very high", "x", "x", "x"],
        ["R1 Workforce", "DCS", "Medium", "High", "Low", "Better"],
        ["R2 ADHD demand", "ICB", "High", "Medium", "Low", "Worse"],
    ]
    assert data["risk_scale"] == ("Ratings run from Low (lowest) to Very high (highest): the "
                                  "board's judgement; a higher rating is a worse risk.")
    assert [[c.text for c in row.cells] for row in data["decisions"].rows] == [
        ["Agree the ADHD business case", "ICB chief", "28 February 2025"]]
    html = sections.governance_html(pack)
    assert "<h2>Decisions sought from this stocktake</h2>" in html
    assert "2 escalations have no outcome past their due dates:" in html


def test_an_area_with_no_status_recorded_then_does_not_claim_nothing_slipped(pack):
    from dataclasses import replace

    from sendreport.pack import sections

    area = pack.plan.priority_areas[0]
    a3 = area.actions[2]  # complete, as in June: nothing slipped
    recorded = area.model_copy(update={"actions": (a3,)})
    assert "<p>No action slipped since the last stocktake.</p>" in sections.area_html(
        pack, recorded)
    silent = a3.model_copy(update={"status_history": (), "completed_date": None})
    unrecorded = area.model_copy(update={"actions": (silent,)})
    plan = pack.plan.model_copy(update={"priority_areas": (unrecorded,)})
    html = sections.area_html(replace(pack, plan=plan), unrecorded)
    assert "No action slipped" not in html
    assert "The plan records no status at the last stocktake for these actions" in html


FRAGMENTS = ["The front door", "is at risk of slipping to", "has slipped to", "moved from",
             "to", "31 February 2025", "June 2025", "the end of 2024", "2025", "trajectory",
             "milestone of 45%", "December 2024", "60% target for", "action A1", "action A2",
             "is on track", "is complete", "business case", ".", "speech and language therapy"]


@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=12), max_size=14))
def test_any_plan_text_is_checked_without_error(parts):
    from sendreport.plan import Plan

    raw = accountable_plan()
    raw["priority_areas"][0]["progress"] = " ".join(parts) or None
    raw["progress"] = " ".join(reversed(parts)) or None
    problems = narrative_problems(Plan.model_validate(raw))
    assert all(isinstance(line, str) and line for line in problems)


def test_an_action_with_no_impact_kpi_says_so_in_words_and_the_key_stays_empty(pack):
    from sendreport.pack.sections.area import NO_IMPACT_KPI, actions_table

    table = actions_table(pack, pack.plan.priority_areas[0])
    impact = [row.cells[-1].text for row in table.rows]
    assert NO_IMPACT_KPI in impact and "z" not in impact
    assert table.key == ()

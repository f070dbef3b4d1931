"""A synthetic council export shaped like a real one, and a plan kept up to date after the period.

Everything here is made up (seeded random numbers; ids are ``C`` or ``N``
followed by digits). The shapes are those a new user meets in a real area:

- ``casework.xlsx``: an Excel casework export of EHC needs assessment requests,
  two title rows above the header, local column names, received dates as Excel
  date cells and the other dates as UK text dates, local codes (an
  ``Agreed to assess?`` column of ``Yes``/``No`` that the params map with
  unquoted YAML keys);
- ``waiting_list.csv``: a health waiting list saved by Excel on Windows
  (Windows-1252), UK dates, service names with en dashes that the params map
  with plain hyphens, one service typed with a curly apostrophe in some rows
  and a straight one in others (the params map it with a straight one), and
  one service that is not canonical;
- ``reviews.csv``: annual reviews with capitalised outcomes;
- ``plan.yaml``: a plan last edited in January 2025 for a pack on April to
  September 2024 (December statuses, January evidence, November quotes);

and the records any analyst would query (:data:`SUSPECTS`): four test-like
pseudonymous ids (``N99999x``) with many open referrals each (one child with
20 open SaLT referrals), another child with 12 annual reviews in two months,
a stray early cluster of six 2021 requests "issued" exactly 1,000 days later
(the casework export really starts in April 2023: the baseline, January to
June 2023, is not covered), and three requests entered twice under different
case references.

Run ``python tests/data/council_export.py DIR`` to write it for a manual trial.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import openpyxl
import yaml

PERIOD = (dt.date(2024, 4, 1), dt.date(2024, 9, 30))

REQUESTS_FROM = dt.date(2023, 4, 1)
"""Where the casework export's records run on at their usual rate (the coverage start)."""

MANY_OPEN = {"N999996": 20, "N999997": 10, "N999998": 10, "N999999": 10}
"""Test-like ids and their open referrals (the first all SaLT, the others in turn)."""

SUSPECTS = {
    # (table, column, rule): rows flagged
    ("referrals", "person_id", "query_many_records"): sum(MANY_OPEN.values()),
    ("reviews", "person_id", "query_many_records"): 12,
    ("requests", "person_id", "query_duplicate"): 3,
    ("requests", "assessment_outcome_date", "query_long_duration"): 6,
    ("requests", "plan_issued_date", "query_long_duration"): 6,
    ("requests", "received_date", "query_before_coverage"): 6,
}
"""Every group of records to query that the export holds, with its size."""

LATER = (
    "action 'A1.1': status 'Blue' dated 2024-12-31 is after the period end",
    "action 'A1.1': completed 2024-12-02, after the period end; shown as not complete (at_risk)",
    "priority area 'P1': family voice quote dated 2024-11-14 is after the period end",
    "action 'A2.1': status 'Amber' dated 2024-12-31 is after the period end",
    "evidence 'E2' (Waiting list validation audit) dated 2025-01-20 is after the period end",
)
"""Every plan entry dated after the period end, as ``validate`` lists them."""

SERVICES = {  # as the export writes them (en dashes) -> as the params map them (hyphens)
    "SaLT \u2013 Community": ("SaLT - Community", "speech_and_language_therapy"),
    "ASD \u2013 Assessment Pathway": ("ASD - Assessment Pathway", "autism_assessment"),
    "Community Paediatrics": ("Community Paediatrics", "community_paediatrics"),
    "OT \u2013 Children": ("OT - Children", "occupational_therapy"),
    "Children\u2019s Physio": ("Children's Physio", "physiotherapy"),
}
STRAIGHT = "Children's Physio"
"""The same service as ``Children\u2019s Physio``, typed with a straight apostrophe."""
NOT_CANONICAL = "Continence \u2013 Service"


def _uk(day: dt.date | None) -> str:
    return "" if day is None else day.strftime("%d/%m/%Y")


def _requests(rng: np.random.Generator) -> list[list]:
    rows = []
    n = 0
    for month in range(3, 21):  # April 2023 to September 2024
        first = dt.date(2023 + month // 12, month % 12 + 1, 1)
        for _ in range(25):
            n += 1
            received = first + dt.timedelta(days=int(rng.integers(0, 28)))
            decided = received + dt.timedelta(days=int(rng.integers(20, 60)))
            row = [f"CW{n:05d}", f"C{100000 + n}", received]
            if rng.random() < 0.25:
                row += ["No", _uk(decided), "", "", "", "N", "SEMH"]
            elif decided > PERIOD[1]:
                row += ["Pending", "", "", "", "", "N", "ASD"]
            else:
                issued = received + dt.timedelta(days=int(rng.integers(90, 300)))
                if issued > PERIOD[1]:
                    row += ["Yes", _uk(decided), "In progress", "", "", "N", "SLCN"]
                else:
                    row += ["Yes", _uk(decided), "Issue EHCP", _uk(issued), _uk(issued),
                            "Y" if rng.random() < 0.05 else "N", "ASD"]
            rows.append(row)
    for i in range(3):  # the same requests entered twice under another case reference
        copy = list(rows[40 + 17 * i])
        copy[0] = f"CW9{copy[0][2:]}"
        rows.append(copy)
    for i in range(6):  # 2021 requests "issued" exactly 1,000 days later
        received = dt.date(2021, 3, 1) + dt.timedelta(days=7 * i)
        issued = received + dt.timedelta(days=1000)
        rows.append([f"CW2021{i}", f"C{900000 + i}", received, "Yes",
                     _uk(received + dt.timedelta(days=40)), "Issue EHCP", _uk(issued),
                     _uk(issued), "N", "MLD"])
    return rows


def _write_casework(path: Path, rows: list[list]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Casework"
    sheet.append(["Anyshire Council: EHC needs assessment casework export"])
    sheet.append(["Run on 15/10/2024 by SEND Performance"])
    sheet.append(["Case Ref", "Child ID", "Date Request Received", "Agreed to assess?",
                  "Date of decision", "Assessment outcome", "Date of outcome",
                  "Final plan issued", "Exception?", "Primary Need"])
    for row in rows:
        sheet.append(row)
    for cell in sheet["C"][3:]:
        cell.number_format = "DD/MM/YYYY"
    book.save(path)


def _referrals(rng: np.random.Generator) -> list[list[str]]:
    rows = []
    names = [*SERVICES, NOT_CANONICAL]
    for n in range(1, 1201):
        service = names[int(rng.integers(0, len(names)))]
        if service == "Children\u2019s Physio" and n % 2:
            service = STRAIGHT
        referred = dt.date(2023, 1, 1) + dt.timedelta(days=int(rng.integers(0, 630)))
        seen = referred + dt.timedelta(days=int(rng.integers(14, 300)))
        seen = seen if seen <= dt.date(2024, 10, 15) and rng.random() < 0.8 else None
        rows.append([f"RF{n:06d}", f"N{200000 + n}", service, _uk(referred), _uk(seen), ""])
    for i, (person, open_now) in enumerate(MANY_OPEN.items()):  # test-like ids, many open
        for k in range(open_now):
            service = "SaLT \u2013 Community" if i == 0 else names[k % 4]
            referred = dt.date(2023, 2, 1) + dt.timedelta(days=23 * k + i)
            rows.append([f"RX{i}{k:03d}", person, service, _uk(referred), "", ""])
    return rows


def _reviews(rng: np.random.Generator) -> list[list[str]]:
    rows = []
    for n in range(1, 601):
        due = dt.date(2023, 1, 1) + dt.timedelta(days=int(rng.integers(0, 640)))
        held = due - dt.timedelta(days=int(rng.integers(-20, 30)))
        sent = held + dt.timedelta(days=int(rng.integers(5, 40)))
        outcome = ("Maintain", "Amend", "Cease")[int(rng.integers(0, 3))]
        rows.append([f"AR{n:05d}", f"C{300000 + n}", _uk(due), _uk(held), _uk(sent), outcome])
    for k in range(12):  # one child, twelve annual reviews in two months
        due = dt.date(2024, 5, 1) + dt.timedelta(days=5 * k)
        rows.append([f"AR9{k:04d}", "C399999", _uk(due), _uk(due), _uk(due), "Maintain"])
    return rows


def _write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str) -> None:
    lines = [",".join(header)] + [",".join(row) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))


PLAN = {
    "title": "Anyshire SEND Priority Action Plan",
    "type": "priority_action_plan",
    "status_vocabulary": {"Blue": "complete", "Green": "on_track", "Amber": "at_risk"},
    "priority_areas": [
        {
            "id": "P1", "title": "Timely EHC plans", "what_we_will_do": "Recruit coordinators.",
            "what_will_be_different": "Plans on time.",
            "family_voice": [
                {"text": "Nobody called us back.", "date": "2024-06-20"},
                {"text": "Our coordinator is brilliant.", "date": "2024-11-14"},
            ],
            "actions": [{
                "id": "A1.1", "title": "Recruit four EHC coordinators", "owner": "Head of SEND",
                "due_date": "2024-12-31", "status": "Blue", "completed_date": "2024-12-02",
                "status_history": [{"date": "2024-06-30", "status": "Amber"},
                                   {"date": "2024-12-31", "status": "Blue"}],
                "kpis": ["ehcp_20wk_excl"], "evidence": ["E1"],
            }],
            "kpis": [{"id": "ehcp_20wk_excl", "direction": "increase", "target": 60}],
        },
        {
            "id": "P2", "title": "Shorter waits", "what_we_will_do": "Add capacity.",
            "what_will_be_different": "Shorter waits.",
            "actions": [{
                "id": "A2.1", "title": "Autism assessment capacity", "owner": "ICB",
                "due_date": "2025-03-31", "status": "Amber",
                "status_history": [{"date": "2024-09-30", "status": "Green"},
                                   {"date": "2024-12-31", "status": "Amber"}],
                "kpis": [{"id": "wait_median_open_weeks", "service": "autism_assessment"}],
                "evidence": ["E2"],
            }],
            "kpis": [
                {"id": "wait_median_open_weeks", "service": "speech_and_language_therapy"},
                {"id": "wait_median_open_weeks", "service": "autism_assessment"},
            ],
        },
    ],
    "evidence": [
        {"id": "E1", "title": "Recruitment business case", "date": "2024-05-02"},
        {"id": "E2", "title": "Waiting list validation audit", "date": "2025-01-20"},
    ],
}

PARAMS = """\
notebook: {notebook}
area_name: Anyshire
period_start: 2024-04-01
period_end: 2024-09-30
previous_period_end: 2024-03-31
baseline_period_start: 2023-01-01
baseline_period_end: 2023-06-30
reference_date: 2024-10-15
plan: plan.yaml
data:
  requests: casework.xlsx
  reviews: reviews.csv
  referrals: waiting_list.csv
header_row:
  requests: 3
date_format:
  requests: "%d/%m/%Y"
  reviews: "%d/%m/%Y"
  referrals: "%d/%m/%Y"
columns:
  requests:
    Case Ref: request_id
    Child ID: person_id
    Date Request Received: received_date
    Agreed to assess?: request_outcome
    Date of decision: request_outcome_date
    Assessment outcome: assessment_outcome
    Date of outcome: assessment_outcome_date
    Final plan issued: plan_issued_date
    Exception?: exception_20wk
    Primary Need: primary_need
  reviews:
    Review Ref: review_id
    Child ID: person_id
    Review Due: review_due_date
    Meeting Held: review_meeting_date
    Decision Sent: review_decision_date
    Outcome: review_outcome
  referrals:
    Referral No: referral_id
    Pseudo ID: person_id
    Service: service
    Referral Received: referral_date
    First Appointment: first_contact_date
    Removed: removed_date
values:
  requests:
    request_outcome:
      Yes: assess
      No: not_assess
      Pending: ongoing
    assessment_outcome:
      Issue EHCP: issue_plan
      In progress: ongoing
  referrals:
    service:
{services}
"""


def write_council_export(folder: str | Path, *, notebook: str | Path, seed: int = 9) -> Path:
    """Write the export, the plan and a params file into ``folder``; return the params path.

    Parameters
    ----------
    folder
        Where to write (created if missing).
    notebook
        The notebook the params file names.
    seed
        Seed of the random numbers; the suspect records are the same for every seed.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    _write_casework(folder / "casework.xlsx", _requests(rng))
    _write_csv(folder / "waiting_list.csv",
               ["Referral No", "Pseudo ID", "Service", "Referral Received", "First Appointment",
                "Removed"], _referrals(rng), "cp1252")
    _write_csv(folder / "reviews.csv",
               ["Review Ref", "Child ID", "Review Due", "Meeting Held", "Decision Sent",
                "Outcome"], _reviews(rng), "utf-8")
    (folder / "plan.yaml").write_text(yaml.safe_dump(PLAN, sort_keys=False), encoding="utf-8")
    services = "\n".join(f"      {key}: {code}" for key, code in SERVICES.values())
    params = folder / "params.yaml"
    params.write_text(PARAMS.format(notebook=notebook, services=services), encoding="utf-8")
    return params


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[2]
    print(write_council_export(sys.argv[1], notebook=root / "notebooks" / "stocktake.ipynb"))

"""Shared fixtures: a minimal valid params file and plan in a temporary folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

MINIMAL_PLAN = textwrap.dedent(
    """\
    title: Test plan
    type: priority_action_plan
    priority_areas:
      - id: "1"
        title: Timely EHC plans
        what_we_will_do: Issue plans on time.
        what_will_be_different: Families wait less.
        actions:
          - id: "1.1"
            title: Recruit coordinators
            owner: Head of SEND
            due_date: 2024-03-31
            status: complete
        kpis:
          - id: ehcp_20wk_excl
            target: 60
    """
)

REQUESTS_CSV = textwrap.dedent(
    """\
    request_id,person_id,received_date,request_outcome,request_outcome_date,assessment_outcome,assessment_outcome_date,plan_issued_date,exception_20wk
    R1,P1,2024-01-02,assess,2024-02-01,issue_plan,2024-05-01,2024-05-01,false
    R2,P2,2024-01-05,not_assess,2024-02-10,,,,false
    """
)


@pytest.fixture
def params_dir(tmp_path: Path) -> Path:
    """A folder with plan.yaml, requests.csv and a valid params.yaml."""
    (tmp_path / "plan.yaml").write_text(MINIMAL_PLAN, encoding="utf-8")
    (tmp_path / "requests.csv").write_text(REQUESTS_CSV, encoding="utf-8")
    (tmp_path / "params.yaml").write_text(
        textwrap.dedent(
            f"""\
            notebook: {ROOT / "notebooks" / "stocktake.ipynb"}
            area_name: Testshire
            period_start: 2024-01-01
            period_end: 2024-06-30
            plan: plan.yaml
            data:
              requests: requests.csv
            """
        ),
        encoding="utf-8",
    )
    return tmp_path

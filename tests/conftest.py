"""Shared fixtures: a minimal valid params file and plan in a temporary folder; the demo packs
of the synthetic tables, built once per session."""

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


def demo_pack_params(data_dir: Path, plan: Path | None = None, **changes) -> dict:
    """The raw params of a pack of Demoshire's synthetic tables in ``data_dir`` for July to
    December 2024: the demo plan (``plan`` if given), previous period and baseline."""
    raw = {
        "notebook": str(ROOT / "notebooks" / "stocktake.ipynb"),
        "area_name": "Demoshire",
        "period_start": "2024-07-01",
        "period_end": "2024-12-31",
        "baseline_period_start": "2022-04-01",
        "baseline_period_end": "2023-03-31",
        "previous_period_end": "2024-06-30",
        "plan": str(plan or ROOT / "params" / "plans" / "demoshire-pap.yaml"),
        "data": {
            t: str(data_dir / f"{t}.csv") for t in ("requests", "reviews", "referrals", "measures")
        },
    }
    raw.update(changes)
    return raw


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory) -> Path:
    """Demoshire's synthetic tables (``write_synthetic``), written once; tests only read them."""
    from sendreport.synth import write_synthetic

    folder = tmp_path_factory.mktemp("synthetic")
    write_synthetic(folder)
    return folder


@pytest.fixture(scope="session")
def demo_pap_pack(synthetic_dir):
    """The pack of :func:`demo_pack_params` with the demo plan, built once: tests only read it."""
    from sendreport.pack import Pack
    from sendreport.params import parse_params

    return Pack.from_params(parse_params(demo_pack_params(synthetic_dir)))


@pytest.fixture(scope="session")
def demo_wsoa_pack(synthetic_dir):
    """The same with the demo WSoA plan (twelve areas of concern), built once."""
    from sendreport.pack import Pack
    from sendreport.params import parse_params

    plan = ROOT / "params" / "plans" / "demoshire-wsoa.yaml"
    return Pack.from_params(parse_params(demo_pack_params(synthetic_dir, plan)))

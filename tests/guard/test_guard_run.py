"""The privacy guard through ``sendreport run``: refusal, exit code 3, earlier outputs kept."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SENDREPORT = str(Path(sys.executable).parent / "sendreport")
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

PLAN = textwrap.dedent(
    """\
    title: Guard test plan
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
    """
)

REQUESTS = textwrap.dedent(
    """\
    request_id,person_id,received_date,request_outcome,request_outcome_date,assessment_outcome,assessment_outcome_date,plan_issued_date,exception_20wk,date_of_birth
    REQ0004417,P031415,2024-01-02,assess,2024-02-01,issue_plan,2024-05-01,2024-05-01,false,2015-03-01
    REQ0004418,P027182,2024-01-05,not_assess,2024-02-10,,,,false,2016-07-14
    """
)
SECRETS = ("P031415", "REQ0004417", "2015-03-01", "01/03/2015", "943 476 5919")

EARLIER = {"report.pdf": b"%PDF-1.7 earlier pack", "kpis.csv": b"kpi_id,value\nehcp_issued,12\n"}


def setup_run(tmp_path: Path, notebook: str) -> tuple[Path, Path]:
    (tmp_path / "plan.yaml").write_text(PLAN, encoding="utf-8")
    (tmp_path / "requests.csv").write_text(REQUESTS, encoding="utf-8")
    params = tmp_path / "params.yaml"
    params.write_text(
        textwrap.dedent(
            f"""\
            notebook: {NOTEBOOKS / notebook}
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
    earlier = tmp_path / "out" / "testshire" / "2024-06-30"
    earlier.mkdir(parents=True)
    for name, content in EARLIER.items():
        (earlier / name).write_bytes(content)
    return params, earlier


def run(params: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SENDREPORT, "run", str(params), "--output-dir", str(params.parent / "out"), *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("notebook", "expected"),
    [
        (
            "guard_raw_row.ipynb",
            [
                "identifier (request_id) in notebook cell 4 output",
                "identifier (person_id) in notebook cell 4 output",
                "date of birth in notebook cell 4 output",
            ],
        ),
        (
            "guard_chart_label.ipynb",
            [
                "identifier (person_id) in notebook cell 4 output",
                "identifier (person_id) in report.html",
            ],
        ),
        ("guard_markdown_nhs.ipynb", ["NHS number in notebook cell 4 (markdown)"]),
        (
            "guard_dob_table.ipynb",
            [
                "date of birth in notebook cell 4 output",
                "date of birth in report.html",
                "date of birth in report.pdf page 1",
            ],
        ),
    ],
)
def test_leaks_are_refused_with_exit_3_and_earlier_outputs_survive(tmp_path, notebook, expected):
    params, earlier = setup_run(tmp_path, notebook)
    # rendering the PDF takes seconds: only the case that checks PDF pages makes one
    result = run(params) if "report.pdf" in " ".join(expected) else run(params, "--no-pdf")
    assert result.returncode == 3, result.stderr
    assert "sendreport: refused: the privacy guard refused the outputs" in result.stderr
    for line in expected:
        assert f"sendreport: refused: - {line}" in result.stderr
    for secret in SECRETS:
        assert secret not in result.stderr + result.stdout
    assert {p.name: p.read_bytes() for p in earlier.iterdir()} == EARLIER
    assert [p.name for p in earlier.parent.iterdir()] == ["2024-06-30"], "no temporary folder left"


@pytest.mark.slow
def test_clean_notebook_passes_the_guard(tmp_path):
    params, earlier = setup_run(tmp_path, "guard_clean.ipynb")
    result = run(params, "--no-pdf")
    assert result.returncode == 0, result.stderr
    written = {p.name for p in earlier.iterdir()}
    assert {"report.html", "report.ipynb"} <= written
    notebook = (earlier / "report.ipynb").read_text(encoding="utf-8")
    assert '"sendreport"' in notebook
    assert '"execution_count": null' in notebook
    assert "rows read: 2" not in notebook, "printed text is scrubbed"
    assert "<table" not in notebook, "DataFrame reprs are scrubbed"

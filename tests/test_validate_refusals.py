"""`sendreport validate` and `run` refuse, with exit 2 and one line per problem, plans and
params that would otherwise be "fit to run": an intervention naming an unknown KPI, a
period ending in the future or after the data's extract date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

SENDREPORT = str(Path(sys.executable).parent / "sendreport")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SENDREPORT, *args], capture_output=True, text=True, timeout=600, check=False
    )


def refused(params_dir: Path, command: str) -> list[str]:
    """Run the command; check it refused with exit 2, no traceback and no output; its lines."""
    params = params_dir / "params.yaml"
    out = params_dir / "out"
    args = (command, str(params), "--output-dir", str(out)) if command == "run" else (
        command, str(params))
    result = run_cli(*args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    assert not out.exists(), "no output folder for a refused run"
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith("sendreport: error: ") for line in lines), lines
    return lines


def edit_yaml(path: Path, change) -> None:
    raw = yaml.safe_load(path.read_text())
    change(raw)
    path.write_text(yaml.safe_dump(raw, sort_keys=False))


@pytest.mark.parametrize("command", ["validate", "run"])
def test_an_intervention_naming_an_unknown_kpi_exits_2(params_dir, command):
    edit_yaml(params_dir / "plan.yaml", lambda plan: plan.update(interventions=[
        {"date": "2024-02-01", "label": "Coordinators recruited",
         "kpis": ["ehcp_20wk_excl", "ehcp_20wk_exc", "ehcp_wait"]},
    ]))
    lines = refused(params_dir, command)
    assert lines == [
        "sendreport: error: plan.yaml: intervention 'Coordinators recruited' dated 2024-02-01: "
        "KPI 'ehcp_20wk_exc' names no KPI of the plan; did you mean 'ehcp_20wk_excl'? "
        "(plan KPIs: ehcp_20wk_excl)",
        "sendreport: error: plan.yaml: intervention 'Coordinators recruited' dated 2024-02-01: "
        "KPI 'ehcp_wait' names no KPI of the plan (plan KPIs: ehcp_20wk_excl)",
    ]


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_period_ending_in_the_far_future_exits_2(params_dir, command):
    edit_yaml(params_dir / "params.yaml", lambda p: p.update(period_end="9999-12-31"))
    (line,) = refused(params_dir, command)
    # today is the computer's date: only the start of the line is fixed
    assert line.startswith(
        "sendreport: error: params.yaml: period_end (9999-12-31) is after today ("
    ), line
    assert line.endswith("): a stocktake reports a period that has ended"), line


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_period_ending_after_the_extract_date_exits_2(params_dir, command):
    edit_yaml(params_dir / "params.yaml", lambda p: p.update(reference_date="2024-06-15"))
    assert refused(params_dir, command) == [
        "sendreport: error: params.yaml: period_end (2024-06-30) is after reference_date "
        "(2024-06-15), the date the data were extracted: the data cannot show the days after it"
    ]


def test_validate_warns_of_a_period_after_the_data_without_an_extract_date(params_dir):
    # the fixture's requests run to May 2024; without reference_date the tables are only a
    # sign of where the data stop, so validate warns and refuses nothing
    edit_yaml(params_dir / "params.yaml",
              lambda p: p.update(period_start="2024-07-01", period_end="2024-09-30"))
    result = run_cli("validate", str(params_dir / "params.yaml"))
    assert result.returncode == 0, result.stderr
    assert (
        "warning: params.yaml: period_start (2024-07-01) is after the data's last records: the "
        "latest dated record (in requests) is from May 2024, so the tables may not cover the "
        "period; check that the extract is the latest, and give its date as reference_date"
    ) in result.stdout.splitlines()
    assert "2024-05-01" not in result.stdout, "a record's own date is not quoted"
    # given, the extract date settles it: the period ends after it
    edit_yaml(params_dir / "params.yaml", lambda p: p.update(reference_date="2024-06-05"))
    assert refused(params_dir, "validate") == [
        "sendreport: error: params.yaml: period_end (2024-09-30) is after reference_date "
        "(2024-06-05), the date the data were extracted: the data cannot show the days after it"
    ]


def test_the_fixture_and_an_extract_after_the_period_are_fit_to_run(params_dir):
    edit_yaml(params_dir / "params.yaml", lambda p: p.update(reference_date="2024-07-31"))
    result = run_cli("validate", str(params_dir / "params.yaml"))
    assert result.returncode == 0, result.stderr
    assert "params, plan and data are fit to run" in result.stdout

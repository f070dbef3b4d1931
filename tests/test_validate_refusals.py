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

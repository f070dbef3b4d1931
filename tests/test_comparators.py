"""Comparators like for like (SPEC 5); the area's code (SPEC 3): la_code, synthetic, neighbours."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from sendreport.benchmarks import (
    area_code_problems,
    comparators_not_used,
    dfe_comparators,
    published_on,
    published_years,
)
from sendreport.errors import ParameterError
from sendreport.params import parse_params

ROOT = Path(__file__).resolve().parents[1]
SENDREPORT = Path(sys.executable).with_name("sendreport")
BUNDLED = ROOT / "sendreport" / "data" / "dfe_ehcp_timeliness.csv"
"""DfE's figures as the package ships them, read here as plain CSV text."""


def minimal(tmp_path: Path, **extra) -> dict:
    for name in ("stocktake.ipynb", "plan.yaml", "requests.csv"):
        (tmp_path / name).write_text("x")
    return {"notebook": "stocktake.ipynb", "area_name": "Testshire", "plan": "plan.yaml",
            "period_start": "2024-07-01", "period_end": "2024-12-31",
            "data": {"requests": "requests.csv"}, **extra}


@pytest.mark.parametrize("code", ["E10000099", "NOTACODE", "999"])
def test_an_unknown_la_code_is_refused_naming_it(tmp_path, code):
    with pytest.raises(ParameterError) as err:
        parse_params(minimal(tmp_path, la_code=code), base_dir=tmp_path)
    assert err.value.exit_code == 2
    assert f"la_code {code!r} is not a local authority" in str(err.value)
    assert "synthetic: true" in str(err.value)


@pytest.mark.parametrize("code", ["E06000032", "821", " 821 ", 821])
def test_a_real_la_code_passes_in_either_form(tmp_path, code):
    params = parse_params(minimal(tmp_path, la_code=code), base_dir=tmp_path)
    assert params.la_code.strip() == ("E06000032" if str(code).startswith("E") else "821")


def test_a_synthetic_area_keeps_a_made_up_code_but_not_made_up_neighbours(tmp_path):
    params = parse_params(minimal(tmp_path, la_code="E10000099", synthetic=True),
                          base_dir=tmp_path)
    assert params.synthetic and params.la_code == "E10000099"
    with pytest.raises(ParameterError, match="neighbours: 'E10000098' is not a local authority"):
        parse_params(minimal(tmp_path, la_code="E10000099", synthetic=True,
                             neighbours=["E06000055", "E10000098"]), base_dir=tmp_path)


def test_neighbours_may_not_repeat_or_be_the_area_itself():
    problems = area_code_problems({"la_code": "821", "neighbours": ["E06000032", "822",
                                                                     "E06000055"]})
    assert problems == [
        "neighbours: 'E06000032' is the area itself (la_code '821')",
        "neighbours: 'E06000055' (Bedford) is listed twice",
    ]


def params_file(tmp_path: Path, extra: str) -> Path:
    plan = ROOT / "params" / "plans" / "demoshire-pap.yaml"
    (tmp_path / "plan.yaml").write_text(plan.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "requests.csv").write_text("request_id,person_id,request_date\n")
    path = tmp_path / "params.yaml"
    path.write_text(f"notebook: {ROOT / 'notebooks' / 'stocktake.ipynb'}\narea_name: T\n"
                    "period_start: 2024-07-01\nperiod_end: 2024-12-31\nplan: plan.yaml\n"
                    f"data:\n  requests: requests.csv\n{extra}", encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["validate", "run"])
def test_an_unknown_la_code_exits_2_from_the_command_line(tmp_path, command):
    path = params_file(tmp_path, "la_code: NOTACODE\nneighbours: [E06000055, '12']\n")
    out = subprocess.run([SENDREPORT, command, path], capture_output=True, text=True,
                         check=False, timeout=120)
    assert out.returncode == 2, out.stderr
    assert "params.yaml: la_code 'NOTACODE' is not a local authority" in out.stderr
    assert "params.yaml: neighbours: '12' is not a local authority" in out.stderr
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr


# ----------------------------------------------------------- published by the extract date
def test_a_year_counts_as_published_from_june_of_the_next_year():
    assert published_on(2024) == dt.date(2025, 6, 30)
    # the demo's extract date, 31 January 2025: England 2024 (published June 2025) is not yet out
    assert published_years(dt.date(2025, 1, 31))[-1] == 2023
    assert published_years(dt.date(2025, 6, 29))[-1] == 2023
    assert published_years(dt.date(2025, 6, 30))[-1] == 2024


# ---------------------------------------------- comparators equal DfE's own published file
def _raw_rows(year: int) -> dict[tuple[str, str], dict[str, str]]:
    with BUNDLED.open(encoding="utf-8") as f:
        return {(r["geographic_level"], r["region_name"] if r["geographic_level"] == "Regional"
                 else r["la_code"]): r for r in csv.DictReader(f) if r["year"] == str(year)}


@pytest.mark.parametrize("year", [2019, 2023, 2024])
def test_region_and_neighbours_equal_dfe_published_file(year):
    raw = _raw_rows(year)
    neighbours = ["E06000055", "E06000056", "E10000015"]  # Bedford, Central Beds, Herts
    found = {c.kind: c for c in dfe_comparators("ehcp_20wk_excl", year, la_code="821",
                                                  neighbours=neighbours)}
    england = raw[("National", "")]
    region = raw[("Regional", "East of England")]
    luton = raw[("Local authority", "E06000032")]
    for kind, row in (("england", england), ("region", region), ("authority", luton)):
        c = found[kind]
        assert (c.numerator, c.denominator, c.value) == (
            int(row["within_20wk_excl"]), int(row["plans_issued_excl"]),
            float(row["pct_excl"])), kind
    rows = [raw[("Local authority", code)] for code in neighbours]
    num = sum(int(r["within_20wk_excl"]) for r in rows)
    den = sum(int(r["plans_issued_excl"]) for r in rows)
    pooled = found["neighbours"]
    assert (pooled.numerator, pooled.denominator) == (num, den)
    assert pooled.value == pytest.approx(100 * num / den)
    assert "pooled" in pooled.label and "Bedford" in pooled.note
    incl = {c.kind: c for c in dfe_comparators("ehcp_20wk_incl", year, la_code="E06000032")}
    assert incl["region"].value == float(region["pct_incl"])


def test_a_neighbour_without_a_figure_is_left_out_of_the_pool_and_named():
    # 2024: Dorset recorded every plan as an exception, so DfE published x for it
    pooled = dfe_comparators("ehcp_20wk_excl", 2024, la_code="821",
                             neighbours=["E06000059", "E06000055"])[-1]
    assert pooled.label == "Statistical neighbours (1, pooled)"
    assert "no figure for 2024 from Dorset" in pooled.note


def test_the_pack_says_why_a_comparator_is_not_used():
    assert comparators_not_used(la_code=None, synthetic=False, neighbours=[]) == [
        "Region: not supplied (no la_code in params).",
        "Statistical neighbours: not supplied (no neighbours in params).",
    ]
    synthetic = comparators_not_used(la_code="E10000099", synthetic=True, neighbours=[])
    assert "synthetic area" in synthetic[0]

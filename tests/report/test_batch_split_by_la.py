"""`sendreport batch TEMPLATE --split-by la`: one pack per authority from a folder of returns."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sendreport.bundled import DEMO_PLAN, STOCKTAKE
from sendreport.run.split import authority_of, split_by_la
from sendreport.sen2.write import write_returns
from sendreport.synth import generate

SENDREPORT = str(Path(sys.executable).parent / "sendreport")
AUTHORITIES = {"831": 11, "830": 12}  # DfE code: seed of its synthetic records


def template(folder: Path, returns: Path) -> Path:
    params = {
        "notebook": str(STOCKTAKE), "area_name": "Area", "period_start": "2024-07-01",
        "period_end": "2024-12-31", "reference_date": "2025-01-31",
        "baseline_period_start": "2022-04-01", "baseline_period_end": "2023-03-31",
        "previous_period_end": "2024-06-30", "plan": str(DEMO_PLAN),
        "data": {"sen2": returns.name}, "title": "stocktake evidence pack from the SEN2 returns",
    }
    path = folder / "template.yaml"
    path.write_text(yaml.safe_dump(params))
    return path


@pytest.fixture(scope="module")
def split_batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("split")
    returns = root / "returns"
    for code, seed in AUTHORITIES.items():
        for path in write_returns(generate(seed=seed), root / "tmp" / code, la_code=code):
            path.rename(returns / f"{code}-{path.stem.split('-')[-1]}.xml"
                        if returns.exists() else (returns.mkdir() or returns /
                                                  f"{code}-{path.stem.split('-')[-1]}.xml"))
    # Nottingham's folder given a return whose header says it is Derby's
    (returns / "892").mkdir()
    write_returns(generate(seed=14), root / "tmp" / "892", la_code="831", years=[2024])[0] \
        .rename(returns / "892" / "sen2-2024.xml")
    out = root / "out"
    result = subprocess.run(
        [SENDREPORT, "batch", str(template(root, returns)), "--split-by", "la", "--jobs", "2",
         "--output-dir", str(out)],
        capture_output=True, text=True, check=False, timeout=1200)
    return result, out


def test_each_authority_gets_its_own_pack(split_batch):
    result, out = split_batch
    assert result.returncode == 2, result.stderr  # one authority refused, the others made
    rows = {r["la_code"]: r for r in csv.DictReader((out / "split-summary.csv").open())}
    assert set(rows) == {*AUTHORITIES, "892"}
    names = {"831": "Derby", "830": "Derbyshire"}
    for code, name in names.items():
        assert rows[code]["status"] == "ok" and rows[code]["area_name"] == name
        pack = out / rows[code]["folder"]
        assert (pack / "report.pdf").is_file() and (pack / "kpis.csv").is_file()
        assert rows[code]["ehcp_requests"] not in ("", "x")
    assert len({rows[c]["ehcp_requests"] for c in names}) == 2  # each from its own returns


def test_a_return_filed_under_another_authority_is_refused_by_name(split_batch):
    result, out = split_batch
    rows = {r["la_code"]: r for r in csv.DictReader((out / "split-summary.csv").open())}
    assert rows["892"]["status"] != "ok" and rows["892"]["exit_code"] == "2"
    assert "sen2-2024.xml" in rows["892"]["problem"]
    assert "'831'" in rows["892"]["problem"] and "892" in rows["892"]["problem"]
    assert "nottingham.yaml: refused" in result.stderr or "nottingham.yaml: failed" in result.stderr
    assert "Traceback" not in result.stderr


def test_returns_with_no_code_in_their_name_are_named(tmp_path):
    returns = tmp_path / "returns"
    returns.mkdir()
    (returns / "sen2-2024.xml").write_text("<Message/>")
    result = subprocess.run(
        [SENDREPORT, "batch", str(template(tmp_path, returns)), "--split-by", "la",
         "--output-dir", str(tmp_path / "out")], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "no authority code in the name of ['sen2-2024.xml']" in result.stderr


def test_codes_are_read_from_folders_before_names(tmp_path):
    assert authority_of(tmp_path / "E06000015" / "831-2024.xml", tmp_path) == "E06000015"
    assert authority_of(tmp_path / "SEN2_830_2025.xml", tmp_path) == "830"
    assert authority_of(tmp_path / "sen2-2025.xml", tmp_path) is None
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "830-2024.xml").write_text("<Message/>")
    written = split_by_la(template(tmp_path, tmp_path / "r"), tmp_path / "out")
    params = yaml.safe_load(written[0].read_text())
    assert params["la_code"] == "830" and params["area_name"] == "Derbyshire"
    assert params["data"]["sen2"] == [str(tmp_path / "r" / "830-2024.xml")]

from __future__ import annotations

import datetime as dt
from pathlib import Path

import papermill
import pytest
import yaml

from sendreport.errors import ParameterError
from sendreport.params import Params, area_slug, read_params

ROOT = Path(__file__).resolve().parent.parent
PARAMS_FILES = sorted((ROOT / "params").glob("*.yaml"))


def write_params(folder: Path, **changes) -> Path:
    path = folder / "params.yaml"
    raw = yaml.safe_load(path.read_text())
    for key, value in changes.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    path.write_text(yaml.safe_dump(raw))
    return path


def test_valid_params_resolve_paths_against_the_params_folder(params_dir):
    params = read_params(params_dir / "params.yaml")
    assert params.period_start == dt.date(2024, 1, 1)
    assert params.plan == params_dir / "plan.yaml"
    assert params.data == {"requests": params_dir / "requests.csv"}
    assert params.classification == "OFFICIAL"
    assert params.suppression_threshold == 5
    assert params.audience == "shared"
    assert params.slug == "testshire"
    assert params.effective_reference_date == dt.date(2024, 6, 30)


def test_every_problem_is_listed_at_once(params_dir):
    path = write_params(
        params_dir,
        colour="blue",
        period_start="2024-07-01",
        data={"requests": "missing.csv"},
        audience="everyone",
    )
    with pytest.raises(ParameterError) as info:
        read_params(path)
    problems = info.value.problems
    text = "\n".join(problems)
    assert "colour: unknown key" in text
    assert "audience" in text
    assert "data.requests: file not found" in text and "missing.csv" in text
    assert len(problems) >= 3


def test_end_before_start_is_refused(params_dir):
    path = write_params(params_dir, period_start="2024-07-01")
    with pytest.raises(
        ParameterError, match=r"period_end \(2024-06-30\) is before period_start \(2024-07-01\)"
    ):
        read_params(path)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"area_name": None}, "area_name: Field required"),
        ({"period_end": "31/06/2024"}, "period_end"),
        ({"suppression_threshold": 0}, "suppression_threshold"),
        ({"data": {"pupils": "requests.csv"}}, "data: unknown table 'pupils'"),
        ({"baseline_period_start": "2023-01-01"}, "must be given together"),
        ({"previous_period_end": "2024-06-30"}, "previous_period_end"),
        ({"plan": "nowhere.yaml"}, "plan: file not found"),
        ({"area_name": "../.."}, "has no letters or digits"),
    ],
)
def test_bad_params_are_named(params_dir, changes, message):
    path = write_params(params_dir, **changes)
    with pytest.raises(ParameterError, match=message):
        read_params(path)


def test_a_folder_as_data_file_is_refused(params_dir):
    (params_dir / "adir").mkdir()
    path = write_params(params_dir, data={"requests": "adir"})
    with pytest.raises(ParameterError, match="data.requests: is a folder"):
        read_params(path)


def test_missing_and_unreadable_params_files(tmp_path):
    with pytest.raises(ParameterError, match="params file not found"):
        read_params(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [unclosed")
    with pytest.raises(ParameterError, match="cannot be read as YAML"):
        read_params(bad)
    listy = tmp_path / "list.yaml"
    listy.write_text("- 1\n- 2\n")
    with pytest.raises(ParameterError, match="must be a YAML mapping"):
        read_params(listy)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Demoshire", "demoshire"),
        ("../../x", "x"),
        ("Bath & N.E. Somerset", "bath-n-e-somerset"),
        ("Ynys Môn", "ynys-mon"),
        ("/etc/passwd", "etc-passwd"),
    ],
)
def test_area_slug_is_safe(name, slug):
    assert area_slug(name) == slug


@pytest.mark.parametrize("path", PARAMS_FILES, ids=lambda p: p.name)
def test_params_keys_are_exactly_notebook_parameters(path):
    raw = yaml.safe_load(path.read_text())
    notebook = (path.parent / raw["notebook"]).resolve()
    declared = set(papermill.inspect_notebook(str(notebook)))
    assert set(raw) <= declared
    assert declared == set(Params.model_fields), "the notebook declares every params key"


def test_demo_params_files_exist():
    names = {p.name for p in PARAMS_FILES}
    assert {"demo.yaml", "demo-wsoa.yaml"} <= names


def test_values_accept_yaml_booleans_and_numbers_as_local_codes(params_dir):
    path = params_dir / "params.yaml"
    path.write_text(
        path.read_text()
        + "values:\n  requests:\n    exception_20wk: {yes: true, no: false}\n"
        + "    primary_need: {1: ASD}\n"
    )
    params = read_params(path)
    assert params.values["requests"]["exception_20wk"] == {True: True, False: False}
    assert params.values["requests"]["primary_need"] == {1: "ASD"}


def test_named_excel_sheet_reaches_the_loader(params_dir):
    import openpyxl

    from sendreport.validation import load_data

    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active["A1"] = "Exported from the case management system"
    sheet = book.create_sheet("Data")
    for line in (params_dir / "requests.csv").read_text().splitlines():
        sheet.append(line.split(","))
    book.save(params_dir / "requests.xlsx")
    path = write_params(params_dir, data={"requests": "requests.xlsx"}, sheet={"requests": "Data"})
    params = read_params(path)
    loaded = load_data(params.data, **params.load_options())
    assert list(loaded.tables["requests"]["request_id"]) == ["R1", "R2"]

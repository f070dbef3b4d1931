from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import papermill
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sendreport.errors import ParameterError
from sendreport.params import Params, area_slug, read_params

ROOT = Path(__file__).resolve().parent.parent
PARAMS_FILES = sorted(p for p in (ROOT / "params").glob("*.yaml")
                      if not p.name.startswith("compare-"))
"""The packs' params files (``compare-*.yaml`` are the comparison edition's: SPEC 8)."""
COMPARE_FILES = sorted((ROOT / "params").glob("compare-*.yaml"))


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


def test_the_notebook_gets_every_path_as_text_lists_included(params_dir):
    (params_dir / "sen2-2024.xml").write_text("<Message/>")
    (params_dir / "sen2-2025.xml").write_text("<Message/>")
    path = write_params(params_dir, data={"sen2": ["sen2-2024.xml", "sen2-2025.xml"]})
    injected = read_params(path).to_notebook()
    assert injected["data"] == {"sen2": [str(params_dir / "sen2-2024.xml"),
                                         str(params_dir / "sen2-2025.xml")]}
    assert injected["plan"] == str(params_dir / "plan.yaml")


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
    with pytest.raises(ParameterError, match="not valid YAML"):
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


# Careless and hostile params and plan files (issue 11): one line, exit code 2, no hang.

SENDREPORT = str(Path(sys.executable).parent / "sendreport")


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """A plan-shaped YAML file of nested aliases: about 2.8 KB expanding to 9**9 values."""
    lines = ['title: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"k{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    lines.append("type: priority_action_plan")
    lines.append("priority_areas: [" + ", ".join([f"*a{levels - 1}"] * width) + "]")
    text = "\n".join(lines) + "\n"
    return text + "#" + "x" * max(0, 2_800 - len(text) - 2) + "\n"


def validate(params: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SENDREPORT, "validate", str(params)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_duplicate_key_in_params_is_refused_naming_key_and_line(params_dir):
    path = params_dir / "params.yaml"
    path.write_text(path.read_text() + "area_name: Otherplace\n")
    with pytest.raises(ParameterError) as info:
        read_params(path)
    assert info.value.problems == [
        "params.yaml: line 8: duplicate key 'area_name' (first on line 2)"
    ]


def test_duplicate_key_in_plan_is_refused(params_dir):
    from sendreport.plan import load_plan

    plan = params_dir / "plan.yaml"
    plan.write_text(plan.read_text().replace("  - id: \"1\"\n", "  - id: \"1\"\n    id: \"2\"\n"))
    with pytest.raises(ParameterError, match=r"^plan.yaml: line 5: duplicate key 'id' \(first"):
        load_plan(plan)


def test_merge_keys_may_be_overridden_without_being_duplicates(tmp_path):
    from sendreport.yamlfile import load_yaml

    path = tmp_path / "x.yaml"
    path.write_text("base: &b {owner: Head of SEND, status: on_track}\n"
                    "a: {<<: *b, status: complete}\n")
    assert load_yaml(path)["a"] == {"owner": "Head of SEND", "status": "complete"}


def test_alias_bomb_plan_is_refused_fast_in_one_line(params_dir):
    bomb = alias_bomb()
    assert 2_700 <= len(bomb.encode()) <= 2_900
    (params_dir / "plan.yaml").write_text(bomb)
    started = time.perf_counter()
    result = validate(params_dir / "params.yaml")
    elapsed = time.perf_counter() - started
    assert result.returncode == 2, result.stderr
    lines = [ln for ln in (result.stdout + result.stderr).splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert "plan.yaml: line" in lines[0] and "aliases expand to more than" in lines[0]
    assert "Traceback" not in result.stderr
    # the refusal itself, without starting a Python process
    from sendreport.yamlfile import loads

    started = time.perf_counter()
    with pytest.raises(ParameterError):
        loads(bomb, name="plan.yaml")
    assert time.perf_counter() - started < 0.5
    assert elapsed < 30  # a whole CLI process on a busy machine; the parse is milliseconds


def test_recursive_alias_is_refused(tmp_path):
    from sendreport.yamlfile import load_yaml

    path = tmp_path / "plan.yaml"
    path.write_text("priority_areas: &x [1, *x]\n")
    with pytest.raises(ParameterError, match="alias refers to the list or mapping it is inside"):
        load_yaml(path)


@pytest.mark.parametrize("which", ["params", "plan", "data"])
def test_fifo_inputs_are_refused_without_hanging(params_dir, which):
    fifo = params_dir / "pipe.yaml"
    os.mkfifo(fifo)
    params = params_dir / "params.yaml"
    if which == "params":
        params = fifo
    elif which == "plan":
        params = write_params(params_dir, plan=str(fifo))
    else:
        params = write_params(params_dir, data={"requests": str(fifo)})
    result = validate(params, timeout=60)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "FIFO (named pipe), not a regular file" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_a_device_as_data_file_is_refused(params_dir):
    path = write_params(params_dir, data={"requests": "/dev/zero"})
    with pytest.raises(ParameterError, match="data.requests: is a character device"):
        read_params(path)


@pytest.mark.parametrize("audience", ["shared", "families", None])
@pytest.mark.parametrize("threshold", [1, 2, 4])
def test_low_threshold_is_refused_for_packs_that_leave_the_partnership(
    params_dir, audience, threshold
):
    path = write_params(params_dir, suppression_threshold=threshold, audience=audience)
    with pytest.raises(ParameterError, match=f"suppression_threshold {threshold} is below 5"):
        read_params(path)


def test_low_threshold_is_allowed_for_internal_packs(params_dir):
    path = write_params(params_dir, suppression_threshold=2, audience="internal")
    assert read_params(path).suppression_threshold == 2
    assert read_params(write_params(params_dir, suppression_threshold=5, audience="shared"))


# ----- dates no data can have yet: after today, after the extract date ------------------

TODAY = dt.date(2026, 12, 6)


def test_a_period_ending_after_today_is_refused(params_dir):
    path = write_params(params_dir, period_end="9999-12-31")
    with pytest.raises(ParameterError) as info:
        read_params(path, today=TODAY)
    assert info.value.exit_code == 2
    assert info.value.problems == [
        "params.yaml: period_end (9999-12-31) is after today (2026-12-06): a stocktake reports "
        "a period that has ended"
    ]


def test_the_period_may_end_today_but_not_tomorrow(params_dir):
    path = params_dir / "params.yaml"
    end = dt.date(2024, 6, 30)
    assert read_params(path, today=end).period_end == end
    with pytest.raises(ParameterError, match=r"period_end \(2024-06-30\) is after today "
                                             r"\(2024-06-29\)"):
        read_params(path, today=end - dt.timedelta(days=1))


def test_without_today_the_computer_date_is_used(params_dir):
    # far enough in the future to hold whenever the test runs
    path = write_params(params_dir, period_end="2999-06-30")
    with pytest.raises(ParameterError, match=r"period_end \(2999-06-30\) is after today"):
        read_params(path)


def test_a_period_ending_after_the_extract_date_is_refused(params_dir):
    path = write_params(params_dir, reference_date="2024-05-31")
    with pytest.raises(ParameterError) as info:
        read_params(path, today=TODAY)
    assert info.value.problems == [
        "params.yaml: period_end (2024-06-30) is after reference_date (2024-05-31), the date "
        "the data were extracted: the data cannot show the days after it"
    ]
    later = write_params(params_dir, reference_date="2024-07-15")
    assert read_params(later, today=TODAY).effective_reference_date == dt.date(2024, 7, 15)


def test_an_extract_or_baseline_dated_after_today_is_refused(params_dir):
    path = write_params(params_dir, reference_date="2027-01-31",
                        baseline_period_start="2026-01-01", baseline_period_end="2027-03-31")
    with pytest.raises(ParameterError) as info:
        read_params(path, today=TODAY)
    assert info.value.problems == [
        "params.yaml: baseline_period_end (2027-03-31) is after today (2026-12-06): a baseline "
        "is a period that has ended",
        "params.yaml: reference_date (2027-01-31) is after today (2026-12-06): it is the date "
        "the data were extracted",
    ]


def test_a_future_period_is_listed_beside_other_problems(params_dir):
    path = write_params(params_dir, colour="blue", period_end="9999-12-31")
    with pytest.raises(ParameterError) as info:
        read_params(path, today=TODAY)
    assert info.value.problems == [
        "params.yaml: colour: unknown key",
        "params.yaml: period_end (9999-12-31) is after today (2026-12-06): a stocktake reports "
        "a period that has ended",
    ]


@pytest.mark.parametrize("path", PARAMS_FILES, ids=lambda p: p.name)
def test_the_shipped_params_files_have_no_date_after_their_extract_or_today(path):
    from sendreport.params import date_problems

    raw = yaml.safe_load(path.read_text())
    assert date_problems(raw, today=TODAY) == []


@settings(max_examples=200, deadline=None)
@given(
    end=st.dates(dt.date(2000, 1, 1), dt.date(9999, 12, 31)),
    today=st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)),
    extract=st.one_of(st.none(), st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31))),
)
def test_a_period_is_refused_exactly_when_it_ends_after_today_or_the_extract(end, today, extract):
    from sendreport.params import date_problems

    values = {"period_end": end, "reference_date": extract}
    refused = bool(date_problems(values, today=today))
    assert refused == (end > today or (extract is not None and (extract > today or end > extract)))


def test_problems_between_parameters_are_listed_one_a_line(params_dir):
    # "4" is read as the number 4; the threshold and the extract date are both wrong
    path = write_params(params_dir, suppression_threshold="4", reference_date="2024-05-31")
    with pytest.raises(ParameterError) as info:
        read_params(path, today=TODAY)
    assert info.value.problems == [
        "params.yaml: period_end (2024-06-30) is after reference_date (2024-05-31), the date "
        "the data were extracted: the data cannot show the days after it",
        "params.yaml: suppression_threshold 4 is below 5, the least a shared pack may use; use "
        "audience: internal for unsuppressed figures",
    ]


@pytest.mark.parametrize("path", COMPARE_FILES, ids=lambda p: p.name)
def test_the_comparison_params_files_read(path):
    from sendreport.compare.params import read_compare_params

    params = read_compare_params(path)
    assert params.years and params.measure == "ehcp_20wk_excl"

"""``sendreport validate PARAMS.yaml``: the data quality summary and exit codes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SENDREPORT = Path(sys.executable).parent / "sendreport"
PLAN = ROOT / "params" / "plans" / "demoshire-pap.yaml"
NOTEBOOK = ROOT / "notebooks" / "stocktake.ipynb"

pytestmark = pytest.mark.skipif(
    not (SENDREPORT.exists() and PLAN.exists() and NOTEBOOK.exists()),
    reason="needs the installed console script, the demo plan and the notebook",
)


def _validate(tmp_path: Path, data: dict, **extra) -> subprocess.CompletedProcess:
    shutil.copy(PLAN, tmp_path / "plan.yaml")
    params = {
        "notebook": str(NOTEBOOK),
        "area_name": "Testshire",
        "period_start": "2024-01-01",
        "period_end": "2024-06-30",
        "plan": "plan.yaml",
        "data": {k: Path(v).name for k, v in data.items()},
        **extra,
    }
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    result = subprocess.run([str(SENDREPORT), "validate", str(path)], capture_output=True,
                            text=True, cwd=tmp_path, timeout=120)
    assert "Traceback" not in result.stderr
    return result


def test_good_data_prints_the_summary_and_exits_0(tmp_path, corpus):
    # a local export: title row, local names and codes, UK dates; one bad row of 41
    path = tmp_path / "requests.csv"
    path.write_text(
        "Extract of EHC needs assessment requests,,,,\n"
        "Ref,Child,Date received,Decision,Decision date\n"
        "A1,C1,31/01/2024,Assess,14/03/2024\n"
        "A2,C2,01/02/2024,Refused,10/03/2024\n"
    )
    reviews = corpus.table_file(tmp_path, "reviews", [{"review_due_date": "Secret Smith"}])

    result = _validate(
        tmp_path, {"requests": path, "reviews": reviews},
        columns={"requests": {"Ref": "request_id", "Child": "person_id",
                              "Date received": "received_date", "Decision": "request_outcome",
                              "Decision date": "request_outcome_date"}},
        values={"requests": {"request_outcome": {"Refused": "not_assess"}}},
        date_format={"requests": "%d/%m/%Y"},
        header_row={"requests": 2},
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "requests (requests.csv): 2 rows read, 0 excluded (0.0%), 2 used" in lines
    assert "reviews (reviews.csv): 41 rows read, 1 excluded (2.4%), 40 used" in lines
    # the demo plan, kept up to date after this June pack: its later entries are listed last
    plan_line = next(i for i, ln in enumerate(lines) if "dated after the period end" in ln)
    details = [ln.split() for ln in lines[:plan_line] if ln.startswith("  ") and "rule" not in ln]
    assert details == [["request_outcome", "value_normalised", "1", "3"],
                       ["request_outcome", "value_recoded", "1", "4"],
                       ["review_due_date", "invalid_date", "1", "42"]]
    assert lines[-1].endswith("params, plan and data are fit to run.")
    assert "Secret" not in result.stdout + result.stderr


def test_too_many_bad_rows_exit_2_with_one_line_per_rule(tmp_path, corpus):
    bad = [{"received_date": "Secret Smith"}, {"request_outcome": "assessed"}]
    path = corpus.table_file(tmp_path, "requests", bad, n=10)

    result = _validate(tmp_path, {"requests": path})

    assert result.returncode == 2
    # the table's counts are printed all the same, the errors after them
    assert result.stdout.startswith("requests (requests.csv): 12 rows read, 2 excluded (16.7%)")
    lines = result.stderr.splitlines()
    assert lines[0].startswith("sendreport: error: ")
    assert lines[0].endswith("requests.csv: 2 of 12 rows (16.7%) break a rule, more than the "
                             "5.0% allowed (rule: max_excluded_share)")
    assert lines[1].endswith("requests.csv: column received_date, rule invalid_date: 1 row "
                             "(rows 12)")
    # codes are not personal data: the unmatched value is named, with the canonical codes
    assert lines[2].endswith(
        "requests.csv: column request_outcome, rule unknown_code: 1 row (rows 13); column "
        "request_outcome holds values that are neither canonical nor mapped: 'assessed' (1 row); "
        "canonical codes: assess, not_assess, withdrawn, ongoing; map them under values: "
        "{requests: {request_outcome: {LOCAL: CODE}}}")
    assert "Secret" not in result.stderr


def test_structural_problems_exit_2(tmp_path, corpus):
    records = [{k: v for k, v in r.items() if k != "service"} for r in corpus.rows("referrals", 2)]
    referrals = corpus.write_csv(tmp_path / "referrals.csv", records)
    (tmp_path / "requests.csv").write_bytes(b"")

    result = _validate(tmp_path, {"requests": tmp_path / "requests.csv",
                                  "referrals": referrals})

    assert result.returncode == 2
    errors = [ln.removeprefix("sendreport: error: ") for ln in result.stderr.splitlines()]
    assert sorted(errors) == [
        f"{tmp_path / 'referrals.csv'}: required column service is missing; found columns: "
        "referral_id, person_id, referral_date, first_contact_date, removed_date "
        "(rule: required_column)",
        f"{tmp_path / 'requests.csv'}: is empty (0 bytes) (rule: empty_file)",
    ]


def test_every_table_is_checked_and_printed_in_one_run(tmp_path, corpus):
    # requests and reviews both lose too many rows; referrals pass with a note column the
    # tool does not use and a mapping whose local name is misspelt
    requests = corpus.table_file(tmp_path, "requests", [{"received_date": "soon"}] * 3, n=10)
    reviews = corpus.table_file(tmp_path, "reviews", [{"review_due_date": "later"}] * 4, n=10)
    records = [{**r, "Caseworker note": "call back", "First seen": r.pop("first_contact_date")}
               for r in corpus.rows("referrals", 12)]
    referrals = corpus.write_csv(tmp_path / "referrals.csv", records)

    result = _validate(tmp_path, {"requests": requests, "reviews": reviews,
                                  "referrals": referrals},
                       columns={"referrals": {"First sen": "first_contact_date"}})

    assert result.returncode == 2
    out = result.stdout.splitlines()
    assert "requests (requests.csv): 13 rows read, 3 excluded (23.1%), 10 used" in out
    assert "reviews (reviews.csv): 14 rows read, 4 excluded (28.6%), 10 used" in out
    assert "referrals (referrals.csv): 12 rows read, 0 excluded (0.0%), 12 used" in out
    # column names, not personal data, are named; a misspelt mapping shows
    assert "  columns not used: Caseworker note, First seen" in out
    assert ("  columns.referrals: 'First sen' matched no column of the file (check the "
            "spelling)") in out
    errors = result.stderr.splitlines()
    shares = [ln for ln in errors if ln.endswith("(rule: max_excluded_share)")]
    assert [ln.split(": ")[2].rsplit("/", 1)[-1] for ln in shares] == ["requests.csv",
                                                                       "reviews.csv"]
    assert "call back" not in result.stdout + result.stderr


@pytest.mark.slow
def test_a_run_names_the_columns_it_does_not_use(params_dir, tmp_path):
    path = params_dir / "requests.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0] + ",Caseworker note"]
                              + [ln + ",call the school" for ln in lines[1:]]) + "\n")
    raw = yaml.safe_load((params_dir / "params.yaml").read_text())
    raw["columns"] = {"requests": {"Recieved": "received_date"}}  # misspelt, and not needed
    (params_dir / "params.yaml").write_text(yaml.safe_dump(raw))
    result = subprocess.run([str(SENDREPORT), "run", str(params_dir / "params.yaml"),
                             "--output-dir", str(tmp_path / "out"), "--no-pdf"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    warned = result.stderr.splitlines()
    assert "sendreport: warning: requests: columns not used: Caseworker note" in warned
    assert ("sendreport: warning: columns.requests: 'Recieved' matched no column of the file "
            "(check the spelling)") in warned
    assert "call the school" not in result.stdout + result.stderr


def test_a_service_mapping_that_matched_nothing_is_not_called_fit_to_run(tmp_path):
    # the analyst mapped the service, misspelt: its records would count under their local name
    path = tmp_path / "referrals.csv"
    path.write_text("referral_id,person_id,service,referral_date\n" + "".join(
        f"F{i},P{i},Speech Therapy,2024-0{i % 6 + 1}-10\n" for i in range(12)), encoding="utf-8")
    result = _validate(tmp_path, {"referrals": path}, values={"referrals": {"service": {
        "Speech Therapi": "speech_and_language_therapy"}}})
    assert result.returncode == 0, result.stderr
    assert "fit to run." not in result.stdout
    assert result.stdout.rstrip().endswith(
        "not fit to run until each values: key below matches what it was meant for (or is "
        "removed):\n  values.referrals.service: 'Speech Therapi' matched no value while "
        "'Speech Therapy' (12 rows) is not canonical")

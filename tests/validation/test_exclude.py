"""``exclude``: confirmed test records and duplicates left out before any figure (SPEC 3)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sendreport.errors import DataValidationError, ParameterError
from sendreport.guard import collect_identifiers, scan_text
from sendreport.metrics import compute_kpis
from sendreport.params import read_params
from sendreport.run.pipeline import _with_excluded_rows
from sendreport.validation import format_quality, load_data

HEADER = "request_id,person_id,received_date,request_outcome,request_outcome_date\n"


@pytest.fixture
def requests_and_list(tmp_path):
    """Ten requests received in March 2024; three confirmed as not real."""
    rows = [f"REQ{i:04d},CHILD{i:04d},2024-03-{i + 1:02d},ongoing," for i in range(10)]
    requests = tmp_path / "requests.csv"
    requests.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    exclude = tmp_path / "exclude-requests.csv"
    exclude.write_text(
        "id,reason\n"
        "REQ0003,test record\n"
        "REQ0007,test record\n"
        "REQ0008,duplicate of another request\n"
        "REQ9999,test record\n",  # not in the export
        encoding="utf-8",
    )
    return requests, exclude


def test_listed_records_are_left_out_and_counted_by_reason(requests_and_list):
    requests, exclude = requests_and_list
    loaded = load_data({"requests": requests}, exclude={"requests": exclude})
    assert sorted(loaded["requests"]["request_id"]) == [
        f"REQ{i:04d}" for i in (0, 1, 2, 4, 5, 6, 9)]
    q = loaded.quality.set_index("rule")["count"]
    assert q["rows_read"] == 10
    assert q["left_out: test record"] == 2
    assert q["left_out: duplicate of another request"] == 1
    assert q["left_out_id_not_found"] == 1
    assert q["rows_excluded"] == 0
    assert q["rows_used"] == 7
    # the figures never see them: 7 requests received in the period, not 10
    kpis = compute_kpis(loaded.tables, period_start="2024-03-01", period_end="2024-06-30")
    assert kpis.set_index("kpi_id").loc["ehcp_requests", "value"] == 7
    text = format_quality(loaded)
    assert "left_out: test record" in text
    assert "REQ0003" not in text and "CHILD0003" not in text
    # the summary's totals add up: the exclude file's records are excluded, not "0 excluded"
    assert text.startswith("requests (requests.csv): 10 rows read, 3 excluded (exclude file), "
                           "7 used\n")


def test_left_out_ids_are_identifiers_to_the_privacy_guard(requests_and_list):
    requests, exclude = requests_and_list
    loaded = load_data({"requests": requests}, exclude={"requests": exclude})
    identifiers = collect_identifiers(_with_excluded_rows(loaded))
    for leak in ("REQ0007", "CHILD0007", "REQ9999"):
        assert scan_text(f"<p>Left out: {leak}</p>", identifiers, where="report.html"), leak


def test_an_exclude_list_without_reasons_stops_the_run_naming_rows_not_ids(tmp_path,
                                                                           requests_and_list):
    requests, _ = requests_and_list
    bad = tmp_path / "bad.csv"
    bad.write_text("id,reason\nREQ0003,\nREQ0004,test record\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"exclude\.requests: .*bad\.csv: 1 ids have no "
                       r"reason \(rows 2\); say why each record is left out") as err:
        load_data({"requests": requests}, exclude={"requests": bad})
    assert "REQ0003" not in str(err.value)
    bad.write_text("request_id,why\nREQ0003,test\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"needs columns id \(or person_id\) and reason; "
                       r"missing id \(or person_id\), reason; found columns: request_id, why"):
        load_data({"requests": requests}, exclude={"requests": bad})


def test_a_child_listed_by_person_id_loses_every_record_of_that_table(tmp_path):
    # one child with 80 open referrals, another with 3: two lines, not 83 ids
    lines = [f"REF{i:05d},CHILD1,2024-01-{1 + i % 28:02d}" for i in range(80)]
    lines += [f"G{i},CHILD2,2024-02-0{i + 1}" for i in range(3)]
    lines += [f"H{i:02d},KID{i:02d},2024-03-01" for i in range(20)]
    referrals = tmp_path / "referrals.csv"
    referrals.write_text("referral_id,person_id,referral_date,service\n"
                         + "\n".join(f"{ln},audiology" for ln in lines) + "\n")
    exclude = tmp_path / "exclude-referrals.csv"
    exclude.write_text("person_id,reason\nCHILD1,moved away\nCHILD2,moved away\n"
                       "CHILD9999,test record\n", encoding="utf-8")

    loaded = load_data({"referrals": referrals}, exclude={"referrals": exclude})

    assert sorted(loaded["referrals"]["person_id"].unique()) == [f"KID{i:02d}" for i in range(20)]
    q = loaded.quality.set_index(["column", "rule"])["count"]
    assert q[("person_id", "left_out: moved away")] == 83
    assert q[("referral_id", "left_out_id_not_found")] == 1
    assert q[("", "rows_read")] == 103 and q[("", "rows_used")] == 20
    assert q[("", "rows_excluded")] == 0
    # the persons listed, found or not, are identifiers to the guard, never printed
    identifiers = collect_identifiers(_with_excluded_rows(loaded))
    for leak in ("CHILD1", "CHILD9999", "REF00017"):
        assert scan_text(f"<p>{leak}</p>", identifiers, where="report.html"), leak
    assert "CHILD1" not in format_quality(loaded)


def test_ids_and_persons_in_one_list_count_each_record_once(requests_and_list, tmp_path):
    requests, _ = requests_and_list
    both = tmp_path / "both.csv"
    both.write_text("id,person_id,reason\nREQ0003,,test record\n,CHILD0003,moved away\n"
                    ",CHILD0005,moved away\n", encoding="utf-8")
    loaded = load_data({"requests": requests}, exclude={"requests": both})
    q = loaded.quality.set_index(["column", "rule"])["count"]
    assert q[("request_id", "left_out: test record")] == 1  # its id's reason, not its child's
    assert q[("person_id", "left_out: moved away")] == 1
    assert q[("", "rows_used")] == 8


def test_the_params_key_resolves_checks_and_lists_the_file(params_dir, requests_and_list):
    _, exclude = requests_and_list
    path = params_dir / "params.yaml"
    raw = yaml.safe_load(path.read_text())
    raw["exclude"] = {"requests": str(exclude)}
    path.write_text(yaml.safe_dump(raw))
    params = read_params(path)
    assert params.input_files()["exclude.requests"] == exclude
    assert params.load_options()["exclude"] == {"requests": exclude}
    raw["exclude"] = {"requests": "missing.csv", "pupils": "x.csv"}
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ParameterError) as err:
        read_params(path)
    assert "exclude.requests: file not found" in str(err.value)
    assert "exclude: unknown table 'pupils'" in str(err.value)


@pytest.mark.slow
def test_a_run_counts_left_out_records_and_hashes_the_list(params_dir, tmp_path):
    (params_dir / "exclude.csv").write_text("id,reason\nR2,test record\n", encoding="utf-8")
    path = params_dir / "params.yaml"
    raw = yaml.safe_load(path.read_text())
    raw["exclude"] = {"requests": "exclude.csv"}
    path.write_text(yaml.safe_dump(raw))
    out = tmp_path / "out"
    exe = Path(sys.executable).parent / "sendreport"
    result = subprocess.run([str(exe), "run", str(path), "--output-dir", str(out), "--no-pdf"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    folder = out / "testshire" / "2024-06-30"
    quality = pd.read_csv(folder / "data_quality.csv")
    # a shared pack: a reason is free text that may describe a child, so 1 record is c
    # (docs/disclosure.md) and the reason is not named, and rows used, which would give it
    # back, is c too
    assert "left_out: test record" not in quality["rule"].tolist()
    left = quality[quality["rule"] == "left_out: other reasons"]
    assert left[["table", "column"]].values.tolist() == [["requests", "request_id"]]
    assert left["suppressed"].all() and left["count"].isna().all()
    used = quality[(quality["table"] == "requests") & (quality["rule"] == "rows_used")]
    assert used["count"].isna().all()
    manifest = json.loads((folder / "manifest.json").read_text())
    from sendreport.run.manifest import sha256_file

    assert manifest["inputs"]["exclude.requests"]["sha256"] == sha256_file(
        params_dir / "exclude.csv")
    html = (folder / "report.html").read_text()
    assert "Left out: test record" not in html and "Left out: other reasons" in html
    assert str(params_dir) not in html

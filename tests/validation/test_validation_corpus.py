"""The corpus of broken inputs: each gives its documented outcome.

Either the run stops (``DataValidationError``, exit 2) with a message naming the
file, the column and the rule, or the bad rows are excluded and counted by
column and rule with the file row numbers as examples.
"""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest

from sendreport.errors import DataValidationError
from sendreport.validation import load_data

# -- row-level problems: the row is excluded and counted ------------------------------------
# (table, bad row overrides, column, rule); 40 good rows come first, so the bad row is row 42.
ROW_CASES = {
    "unknown_code": ("requests", {"request_outcome": "maybe"}, "request_outcome",
                     "unknown_code"),
    "text_in_date": ("requests", {"received_date": "last Tuesday"}, "received_date",
                     "invalid_date"),
    "impossible_date": ("requests", {"received_date": "2024-02-30"}, "received_date",
                        "invalid_date"),
    "uk_date_without_format": ("requests", {"received_date": "31/01/2024"}, "received_date",
                               "invalid_date"),
    "outcome_before_request": ("requests", {"request_outcome_date": "2023-12-01"},
                               "request_outcome_date", "before_received_date"),
    "required_value_blank": ("requests", {"person_id": "  "}, "person_id", "missing_value"),
    "outcome_date_missing": ("requests", {"request_outcome_date": ""}, "request_outcome_date",
                             "missing_outcome_date"),
    "assessment_without_assess": ("requests", {"request_outcome": "not_assess",
                                               "assessment_outcome_date": "",
                                               "plan_issued_date": ""},
                                  "assessment_outcome", "assessment_outcome_without_assess"),
    "assessment_date_missing": ("requests", {"assessment_outcome": "not_issue_plan",
                                             "assessment_outcome_date": "",
                                             "plan_issued_date": ""},
                                "assessment_outcome_date", "missing_outcome_date"),
    "assessment_before_decision": ("requests", {"assessment_outcome_date": "2024-02-01",
                                                "plan_issued_date": ""},
                                   "assessment_outcome_date", "before_request_outcome_date"),
    "plan_without_issue": ("requests", {"assessment_outcome": "not_issue_plan"},
                           "plan_issued_date", "plan_without_issue_decision"),
    "plan_before_request": ("requests", {"plan_issued_date": "2023-06-01"}, "plan_issued_date",
                            "before_received_date"),
    "bad_boolean": ("requests", {"exception_20wk": "perhaps"}, "exception_20wk",
                    "invalid_boolean"),
    "unknown_primary_need": ("requests", {"primary_need": "XYZ"}, "primary_need",
                             "unknown_code"),
    "decision_before_meeting": ("reviews", {"review_decision_date": "2024-02-01"},
                                "review_decision_date", "before_meeting_date"),
    "unknown_review_outcome": ("reviews", {"review_outcome": "amended"}, "review_outcome",
                               "unknown_code"),
    "contact_before_referral": ("referrals", {"first_contact_date": "2023-01-01"},
                                "first_contact_date", "before_referral_date"),
    "removed_before_referral": ("referrals", {"removed_date": "2023-01-01"}, "removed_date",
                                "before_referral_date"),
    "measure_no_value": ("measures", {"numerator": "", "denominator": ""}, "value",
                         "missing_value_and_numerator"),
    "numerator_above_denominator": ("measures", {"numerator": "91"}, "numerator",
                                    "numerator_above_denominator"),
    "fractional_count": ("measures", {"numerator": "3.5"}, "numerator",
                         "invalid_whole_number"),
    "zero_denominator": ("measures", {"numerator": "0", "denominator": "0"}, "denominator",
                         "zero_denominator"),
}


@pytest.mark.parametrize("case", list(ROW_CASES), ids=list(ROW_CASES))
def test_bad_row_is_excluded_and_counted(tmp_path, corpus, case):
    table, bad, column, rule = ROW_CASES[case]
    path = corpus.table_file(tmp_path, table, [bad])

    loaded = load_data({table: path})

    assert len(loaded[table]) == 40
    bad_id = {"requests": "R900", "reviews": "V900", "referrals": "F900", "measures": "survey_900"}
    assert bad_id[table] not in set(loaded[table].iloc[:, 0])
    q = loaded.quality.set_index(["column", "rule"])["count"]
    assert q[(column, rule)] == 1
    assert q[("", "rows_excluded")] == 1
    assert q[("", "rows_used")] == 40
    ex = loaded.examples.set_index(["column", "rule"])["example_rows"]
    assert ex[(column, rule)] == "42"


def test_conflicting_duplicate_ids_exclude_every_copy(tmp_path, corpus):
    path = corpus.table_file(tmp_path, "requests", [{"request_id": "R3", "person_id": "P77"}])

    loaded = load_data({"requests": path})

    assert "R3" not in set(loaded["requests"]["request_id"])
    assert len(loaded["requests"]) == 39
    ex = loaded.examples.set_index(["column", "rule"])["example_rows"]
    assert ex[("request_id", "duplicate_id")] == "4, 42"


def test_exact_duplicate_row_keeps_the_first_copy(tmp_path, corpus):
    records = corpus.rows("requests", 40)
    path = corpus.write_csv(tmp_path / "r.csv", records + [records[2]])

    loaded = load_data({"requests": path})

    assert loaded["requests"]["request_id"].tolist().count("R3") == 1
    q = loaded.quality.set_index(["column", "rule"])["count"]
    assert q[("request_id", "duplicate_row")] == 1
    assert q[("", "rows_excluded")] == 0
    assert q[("", "rows_used")] == 40


def test_measure_title_that_differs_excludes_the_measure(tmp_path, corpus):
    records = corpus.rows("measures", 40)
    other = {**records[0], "date": "2024-06-30", "title": "Another title"}
    path = corpus.write_csv(tmp_path / "m.csv", records + [other])

    loaded = load_data({"measures": path})

    assert "survey_1" not in set(loaded["measures"]["measure_id"])
    q = loaded.quality.set_index(["column", "rule"])["count"]
    assert q[("title", "title_differs")] == 2


def test_blank_rows_are_dropped_and_counted(tmp_path, corpus):
    path = corpus.table_file(tmp_path, "referrals", n=3)
    text = path.read_text().splitlines()
    path.write_text("\n".join([text[0], text[1], "", " , ,,,, ", text[2], ",,,,,", text[3]]) + "\n")

    loaded = load_data({"referrals": path})

    assert loaded["referrals"]["referral_id"].tolist() == ["F1", "F2", "F3"]
    q = loaded.quality.set_index(["column", "rule"])["count"]
    assert q[("", "blank_row")] == 3
    assert q[("", "rows_read")] == 6
    assert loaded.examples.set_index("rule")["example_rows"]["blank_row"] == "3, 4, 6"


# -- structural problems: the run stops with every problem listed ---------------------------


def _raises(data, match, **options) -> DataValidationError:
    with pytest.raises(DataValidationError, match=match) as info:
        load_data(data, **options)
    assert "Traceback" not in str(info.value)
    return info.value


def test_missing_required_column_names_file_column_and_rule(tmp_path, corpus):
    records = [{k: v for k, v in r.items() if k != "received_date"}
               for r in corpus.rows("requests", 3)]
    path = corpus.write_csv(tmp_path / "requests.csv", records)

    err = _raises({"requests": path},
                  r"requests\.csv: required column received_date is missing; found columns: "
                  r"request_id, person_id, .* \(rule: required_column\)")
    assert err.failures[["table", "column", "rule"]].values.tolist() == [
        ["requests", "received_date", "required_column"]]


def test_missing_columns_of_several_tables_are_all_listed(tmp_path, corpus):
    a = corpus.write_csv(tmp_path / "a.csv", [{"request_id": "R1"}])
    b = corpus.write_csv(tmp_path / "b.csv", [{"review_id": "V1"}])
    err = _raises({"requests": a, "reviews": b}, "a.csv")
    lines = str(err).splitlines()
    assert len(lines) == 5
    assert lines[-1].startswith(f"{b}: required column review_due_date is missing")


UNREADABLE = {
    "missing": (lambda p: p / "nowhere.csv",
                r"nowhere\.csv: file not found \(rule: file_missing\)"),
    "directory": (lambda p: p, r": is a directory, not a file \(rule: not_a_file\)"),
    "zero_bytes": (lambda p: _write(p / "zero.csv", b""),
                   r"zero\.csv: is empty \(0 bytes\) \(rule: empty_file\)"),
    "only_blank_lines": (lambda p: _write(p / "blank.csv", b"\n\n  \n"),
                         r"blank\.csv: has no header row .*empty_file"),
    "unknown_extension": (lambda p: _write(p / "r.json", b"{}"),
                          r"r\.json: unknown file type '\.json'.*unknown_file_type"),
    "no_extension": (lambda p: _write(p / "noext", b"a,b"),
                     r"unknown file type '\(no extension\)'"),
    "binary": (lambda p: _write(p / "bin.csv", b"PK\x03\x04\x00\x00binary"),
               r"bin\.csv: is not a text table.*not_a_table"),
    "ragged": (lambda p: _write(p / "rag.csv", b"request_id,person_id\nR1,P1\nR2,P2,extra,more\n"),
               r"rag\.csv: is not a regular table: .*line 3.*\(rule: not_a_table\)"),
    "corrupt_xlsx": (lambda p: _write(p / "bad.xlsx", b"this is not a workbook"),
                     r"bad\.xlsx: is not an Excel workbook.*unreadable"),
    "corrupt_parquet": (lambda p: _write(p / "bad.parquet", b"PAR1 not really"),
                        r"bad\.parquet: is not a Parquet file.*unreadable"),
}


@pytest.mark.parametrize("case", list(UNREADABLE), ids=list(UNREADABLE))
def test_unreadable_files_stop_the_run(tmp_path, case):
    make, match = UNREADABLE[case]
    path = make(tmp_path)
    err = _raises({"requests": path}, match)
    assert err.failures["rule"].tolist()[0] in {
        "file_missing", "not_a_file", "empty_file", "unknown_file_type", "not_a_table",
        "unreadable"}


def _write(path, content: bytes):
    path.write_bytes(content)
    return path


def test_header_only_file_is_an_empty_table(tmp_path, corpus):
    header = list(corpus.rows("requests", 1)[0])
    path = corpus.write_csv(tmp_path / "requests.csv", [], columns=header)
    loaded = load_data({"requests": path})
    assert loaded["requests"].empty
    assert list(loaded["requests"].columns) == list(corpus.rows("requests", 1)[0])
    assert loaded.quality["rule"].tolist() == ["rows_read", "rows_excluded", "rows_used"]
    assert loaded.quality["count"].tolist() == [0, 0, 0]


def test_unknown_table_name(tmp_path, corpus):
    path = corpus.table_file(tmp_path, "requests")
    _raises({"request": path}, r"data: unknown table 'request'; expected one of requests, "
            r"reviews, referrals, measures, sen2 \(rule: unknown_table\)")


def test_xlsx_header_on_row_3_without_header_row(tmp_path, corpus):
    path = tmp_path / "requests.xlsx"
    with pd.ExcelWriter(path) as writer:
        corpus.frame("requests", 3).to_excel(writer, index=False, startrow=2)
    _raises({"requests": path}, r"requests\.xlsx: required column request_id is missing")


def test_xlsx_sheet_that_does_not_exist(tmp_path, corpus):
    path = tmp_path / "requests.xlsx"
    corpus.frame("requests", 3).to_excel(path, index=False, sheet_name="Data")
    _raises({"requests": path}, r"has no sheet 'Cases'; found Data \(rule: sheet_missing\)",
            sheet={"requests": "Cases"})


def test_parquet_with_numbers_in_a_date_column(tmp_path, corpus):
    df = corpus.frame("requests", 10).assign(received_date=np.arange(10) + 45000)
    path = tmp_path / "requests.parquet"
    df.to_parquet(path)
    err = _raises({"requests": path},
                  r"requests\.parquet: 10 of 10 rows \(100\.0%\) break a rule, more than the "
                  r"5\.0% allowed \(rule: max_excluded_share\)\n.*requests\.parquet: column "
                  r"received_date, rule invalid_date: 10 rows \(rows 1, 2, 3, 4, 5\)")
    row = err.failures.set_index("rule").loc["invalid_date"]
    assert (row["column"], row["count"], row["example_rows"]) == ("received_date", 10,
                                                                  "1, 2, 3, 4, 5")


def test_too_many_excluded_rows_stop_the_run(tmp_path, corpus):
    bad = [{"received_date": "soon"}, {"received_date": "later"}, {"request_outcome": "x"}]
    path = corpus.table_file(tmp_path, "requests", bad, n=20)
    err = _raises({"requests": path}, r"3 of 23 rows \(13\.0%\) break a rule")
    assert str(err).splitlines()[1:] == [
        f"{path}: column received_date, rule invalid_date: 2 rows (rows 22, 23)",
        f"{path}: column request_outcome, rule unknown_code: 1 row (rows 24); column "
        "request_outcome holds values that are neither canonical nor mapped: 'x' (1 row); "
        "canonical codes: assess, not_assess, withdrawn, ongoing; map them under values: "
        "{requests: {request_outcome: {LOCAL: CODE}}}",
    ]
    # a looser threshold lets the same file through
    assert len(load_data({"requests": path}, max_excluded_share=0.2)["requests"]) == 20


def test_two_columns_mapped_to_the_same_name(tmp_path, corpus):
    records = [{**r, "Ref": r["request_id"]} for r in corpus.rows("requests", 2)]
    path = corpus.write_csv(tmp_path / "requests.csv", records)
    _raises({"requests": path}, r"columns 'request_id' and 'Ref' both give column request_id "
            r"\(rule: duplicate_column\)", columns={"requests": {"Ref": "request_id"}})


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"columns": {"requests": {"Ref": "reference"}}},
         r"columns\.requests: 'Ref' maps to 'reference', which is not a column of requests; "
         r"expected one of request_id, .* \(rule: unknown_column\)"),
        ({"values": {"requests": {"received_date": {"x": "y"}}}},
         r"values\.requests: 'received_date' is not a coded column of requests"),
        ({"date_format": {"requests": "dd/mm/yyyy"}},
         r"date_format\.requests: must be a strptime format such as '%d/%m/%Y', not "
         r"'dd/mm/yyyy' \(rule: invalid_date_format\)"),
        ({"date_format": {"requests": "%d/%Q/%Y"}},
         r"date_format\.requests: '%d/%Q/%Y' cannot be used: 'Q' is a bad directive"),
        ({"header_row": {"requests": 0}},
         r"header_row\.requests: must be a row number of 1 or more .*not 0"),
        ({"header_row": {"cases": 2}}, r"header_row: unknown table 'cases'"),
        ({"max_excluded_share": 5}, r"max_excluded_share: must be between 0 and 1, not 5"),
    ],
    ids=["unknown_canonical", "values_on_date", "date_format", "bad_directive", "header_row_zero",
         "unknown_table_in_mapping", "share_out_of_range"],
)
def test_bad_mapping_options(tmp_path, corpus, options, match):
    path = corpus.table_file(tmp_path, "requests")
    err = _raises({"requests": path}, match, **options)
    assert len(str(err).splitlines()) == 1


@pytest.mark.slow
def test_million_rows_with_three_bad(tmp_path):
    n = 1_000_000
    rng = np.random.default_rng(3)
    days = (np.datetime64("2023-01-01") + np.arange(700)).astype(str).tolist()
    start = rng.integers(0, 600, n).tolist()
    wait = rng.integers(0, 60, n).tolist()
    outcome = np.where(rng.random(n) < 0.7, "assess", "not_assess").tolist()
    lines = ["request_id,person_id,received_date,request_outcome,request_outcome_date"]
    lines += [f"R{i},P{i},{days[s]},{o},{days[s + w]}"
              for i, (s, w, o) in enumerate(zip(start, wait, outcome, strict=True))]
    lines[11] = "R10,P10,2023-02-30,assess,2023-03-01"
    lines[500_001] = "R500000,P500000,2023-02-01,unknown,2023-03-01"
    lines[999_999] = "R999998,P999998,2023-02-01,assess,2020-01-01"
    path = tmp_path / "requests.csv"
    path.write_text("\n".join(lines) + "\n")

    loaded = load_data({"requests": path})

    assert len(loaded["requests"]) == n - 3
    q = loaded.quality.set_index(["column", "rule"])["count"]
    assert q[("received_date", "invalid_date")] == 1
    assert q[("request_outcome", "unknown_code")] == 1
    assert q[("request_outcome_date", "before_received_date")] == 1
    ex = loaded.examples.set_index(["column", "rule"])["example_rows"]
    assert ex[("request_outcome", "unknown_code")] == "500002"
    assert ex[("request_outcome_date", "before_received_date")] == "1000000"


def test_dates_with_time_zone_offsets_keep_their_local_date(tmp_path, corpus):
    bad = [{"received_date": "2024-01-05T23:30:00+01:00"},
           {"received_date": "2024-01-06T00:30:00-05:00"}]
    path = corpus.table_file(tmp_path, "requests", bad)
    requests = load_data({"requests": path})["requests"]
    assert requests["received_date"].iloc[-2:].tolist() == [pd.Timestamp("2024-01-05"),
                                                            pd.Timestamp("2024-01-06")]


def test_corrupt_zip_named_xlsx(tmp_path):
    path = tmp_path / "requests.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    _raises({"requests": path}, r"requests\.xlsx: is not an Excel workbook .*\(rule: unreadable\)")

"""Good inputs: every reader and mapping gives the canonical tables and exact counts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd

from sendreport.validation import TABLES, format_quality, load_data

HAND_BUILT = """\
request_id,person_id,received_date,request_outcome,request_outcome_date,exception_20wk,Child name
R1,P1,2024-01-05, Assess ,2024-02-01,Y,not used
R2,P2,2024-01-06,not_assess,2024-01-01,no,not used

R3,P3,2024-13-01,assess,2024-02-01,,not used
R4, P4 ,2024-01-07,ongoing,,n,not used
R5,P5,2024-01-08,ASSESS,2024-02-20,TRUE,not used
R5,P5,2024-01-08,ASSESS,2024-02-20,TRUE,not used
"""


def _dates(*values):
    return pd.Series(pd.to_datetime(list(values)), dtype="datetime64[us]")


def test_hand_built_requests_give_exact_table_and_quality(tmp_path):
    path = tmp_path / "requests.csv"
    path.write_text(HAND_BUILT)

    loaded = load_data({"requests": path}, max_excluded_share=0.5)

    expected_quality = pd.DataFrame(
        [
            ["requests", "requests.csv", "", "rows_read", 7],
            ["requests", "requests.csv", "", "blank_row", 1],
            ["requests", "requests.csv", "person_id", "value_normalised", 1],
            ["requests", "requests.csv", "request_outcome", "value_normalised", 3],
            ["requests", "requests.csv", "request_id", "duplicate_row", 1],
            ["requests", "requests.csv", "received_date", "invalid_date", 1],
            ["requests", "requests.csv", "request_outcome_date", "before_received_date", 1],
            ["requests", "requests.csv", "", "rows_excluded", 2],
            ["requests", "requests.csv", "", "rows_used", 3],
        ],
        columns=["table", "file", "column", "rule", "count"],
    ).astype({c: "str" for c in ["table", "file", "column", "rule"]})
    pd.testing.assert_frame_equal(loaded.quality, expected_quality)

    requests = loaded["requests"]
    assert list(requests.columns) == list(TABLES["requests"].columns)
    pd.testing.assert_series_equal(requests["request_id"], pd.Series(["R1", "R4", "R5"],
                                   name="request_id", dtype="str"))
    pd.testing.assert_series_equal(requests["person_id"], pd.Series(["P1", "P4", "P5"],
                                   name="person_id", dtype="str"))
    assert requests["request_outcome"].tolist() == ["assess", "ongoing", "assess"]
    pd.testing.assert_series_equal(
        requests["received_date"],
        _dates("2024-01-05", "2024-01-07", "2024-01-08").rename("received_date"))
    assert requests["request_outcome_date"].isna().tolist() == [False, True, False]
    assert requests["exception_20wk"].tolist() == [True, False, True]
    assert requests["exception_20wk"].dtype == bool
    assert requests["plan_issued_date"].dtype == "datetime64[us]"
    assert requests["plan_issued_date"].isna().all()
    assert requests["primary_need"].dtype == "str"
    assert requests["primary_need"].isna().all()
    assert requests.index.equals(pd.RangeIndex(3))


def test_format_quality_of_the_hand_built_example(tmp_path):
    path = tmp_path / "requests.csv"
    path.write_text(HAND_BUILT)

    text = format_quality(load_data({"requests": path}, max_excluded_share=0.5))

    assert text.splitlines() == [
        "requests (requests.csv): 7 rows read, 2 excluded (28.6%), 3 used",
        "  column                rule                       rows  example rows",
        "  -                     blank_row                     1  4",
        "  person_id             value_normalised              1  6",
        "  request_outcome       value_normalised              3  2, 7, 8",
        "  request_id            duplicate_row                 1  8",
        "  received_date         invalid_date                  1  5",
        "  request_outcome_date  before_received_date          1  3",
        "  columns not used: Child name",  # its name only (not personal data), never its cells
    ]
    assert "P4" not in text


def test_format_quality_without_problems(tmp_path, corpus):
    path = corpus.table_file(tmp_path, "reviews", n=3)
    assert format_quality(load_data({"reviews": path})).splitlines() == [
        "reviews (reviews.csv): 3 rows read, 0 excluded (0.0%), 3 used",
        "  no problems found",
    ]


def test_windows_1252_measures_with_accents(tmp_path):
    path = tmp_path / "measures.csv"
    text = ("measure_id,title,source,date,numerator,denominator,value,unit\n"
            "survey,Parents’ views of the café drop-in,parent carer survey,2024-03-31,30,90,,%\n")
    path.write_bytes(text.encode("cp1252"))

    loaded = load_data({"measures": path})

    measures = loaded["measures"]
    assert measures["title"].tolist() == ["Parents’ views of the café drop-in"]
    assert measures["value"].tolist() == [100 * 30 / 90]
    assert measures["numerator"].dtype == "Int64"
    q = loaded.quality.set_index("rule")["count"]
    assert q["encoding_windows_1252"] == 1


def test_utf8_bom_file(tmp_path, corpus):
    path = corpus.table_file(tmp_path, "referrals", n=2)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())

    referrals = load_data({"referrals": path})["referrals"]

    assert referrals["referral_id"].tolist() == ["F1", "F2"]


def test_xlsx_with_title_rows_and_excel_dates(tmp_path):
    path = tmp_path / "reviews.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Annual reviews, extract of 1 April 2024"])
    sheet.append([])
    sheet.append(["review_id", "person_id", "review_due_date", "review_meeting_date",
                  "review_outcome"])
    sheet.append([1001, "P1", dt.datetime(2024, 3, 1), dt.datetime(2024, 2, 20), "Maintain"])
    sheet.append([1002, "P2", "2024-03-02", None, None])
    sheet.append([1003, "P3", "01/03/2024", None, None])
    book.save(path)

    loaded = load_data({"reviews": path}, header_row={"reviews": 3}, max_excluded_share=0.5)

    reviews = loaded["reviews"]
    assert reviews["review_id"].tolist() == ["1001", "1002"]
    pd.testing.assert_series_equal(reviews["review_due_date"],
                                   _dates("2024-03-01", "2024-03-02").rename("review_due_date"))
    assert reviews["review_outcome"].tolist()[0] == "maintain"
    ex = loaded.examples.set_index(["column", "rule"])["example_rows"]
    assert ex[("review_due_date", "invalid_date")] == "6"


def test_xlsx_uk_dates_with_date_format(tmp_path):
    path = tmp_path / "referrals.xlsx"
    pd.DataFrame({"referral_id": ["F1", "F2"], "person_id": ["P1", "P2"],
                  "service": ["audiology", "audiology"],
                  "referral_date": ["31/01/2024", "01/02/2024"]}).to_excel(path, index=False)

    referrals = load_data({"referrals": path},
                          date_format={"referrals": "%d/%m/%Y"})["referrals"]

    pd.testing.assert_series_equal(referrals["referral_date"],
                                   _dates("2024-01-31", "2024-02-01").rename("referral_date"))


def test_parquet_with_native_types(tmp_path):
    path = tmp_path / "requests.parquet"
    pd.DataFrame({
        "request_id": np.array([10, 11]),
        "person_id": ["P1", "P2"],
        "received_date": pd.to_datetime(["2024-01-05 09:30", "2024-01-06 00:00"]),
        "request_outcome": ["assess", "withdrawn"],
        "request_outcome_date": pd.to_datetime(["2024-02-01", "2024-01-20"]),
        "exception_20wk": [True, False],
    }).to_parquet(path)

    requests = load_data({"requests": path})["requests"]

    assert requests["request_id"].tolist() == ["10", "11"]
    pd.testing.assert_series_equal(requests["received_date"],
                                   _dates("2024-01-05", "2024-01-06").rename("received_date"))
    assert requests["exception_20wk"].tolist() == [True, False]


def test_columns_values_and_date_format_mappings(tmp_path):
    path = tmp_path / "health.csv"
    path.write_text(
        "Referral Ref,NHS pseudo,Service Name,Date Referred,Seen\n"
        "A1,X1,SaLT,31/01/2024,15/03/2024\n"
        "A2,X2, salt ,01/02/2024,\n"
        "A3,X3,ASD pathway,02/02/2024,\n"
        "A4,X4, AUDIOLOGY,03/02/2024,\n"
        "A5,X5,Dietetics,04/02/2024,\n"
    )

    loaded = load_data(
        {"referrals": path},
        columns={"referrals": {"Referral Ref": "referral_id", "nhs pseudo": "person_id",
                               "Service Name": "service", "Date Referred": "referral_date",
                               "Seen": "first_contact_date"}},
        values={"referrals": {"service": {"SaLT": "speech_and_language_therapy",
                                          "ASD pathway": "autism_assessment"}}},
        date_format={"referrals": "%d/%m/%Y"},
    )

    referrals = loaded["referrals"]
    assert referrals["service"].tolist() == [
        "speech_and_language_therapy", "speech_and_language_therapy", "autism_assessment",
        "audiology", "Dietetics"]
    assert referrals["first_contact_date"].tolist()[0] == pd.Timestamp("2024-03-15")
    assert referrals["removed_date"].isna().all()
    q = loaded.quality.set_index(["column", "rule"])["count"]
    assert q[("service", "value_recoded")] == 3
    assert q[("service", "value_normalised")] == 1


def test_boolean_words_and_recoded_booleans(tmp_path, corpus):
    words = ["true", "FALSE", "Yes", "no", "y", "N", "1", "0", "", "Exempt"]
    records = corpus.rows("requests", len(words))
    for record, word in zip(records, words, strict=True):
        record["exception_20wk"] = word
    path = corpus.write_csv(tmp_path / "requests.csv", records)

    loaded = load_data({"requests": path}, values={"requests": {"exception_20wk": {
        "exempt": "yes"}}})

    assert loaded["requests"]["exception_20wk"].tolist() == [
        True, False, True, False, True, False, True, False, False, True]
    q = loaded.quality.set_index(["column", "rule"])["count"]
    assert q[("exception_20wk", "value_recoded")] == 1


def test_several_tables_at_once(tmp_path, corpus):
    data = {t: corpus.table_file(tmp_path, t, n=2) for t in ("measures", "requests")}

    loaded = load_data(data)

    assert list(loaded.tables) == ["measures", "requests"]
    assert loaded.quality["table"].unique().tolist() == ["measures", "requests"]
    assert loaded["measures"]["value"].tolist() == [100 * 30 / 90] * 2


def test_header_only_xlsx_and_missing_optional_columns(tmp_path):
    path = tmp_path / "referrals.xlsx"
    pd.DataFrame(columns=["referral_id", "person_id", "service", "referral_date"]).to_excel(
        path, index=False)

    referrals = load_data({"referrals": path})["referrals"]

    assert referrals.empty
    assert referrals.dtypes.astype(str).tolist() == [
        "str", "str", "str", "datetime64[us]", "datetime64[us]", "datetime64[us]"]


def test_no_tables():
    loaded = load_data({})
    assert loaded.tables == {}
    assert loaded.quality.empty
    assert format_quality(loaded) == "No input tables."


def test_excluded_rows_are_kept_apart_for_the_privacy_guard(tmp_path):
    path = tmp_path / "requests.csv"
    path.write_text(HAND_BUILT)
    loaded = load_data({"requests": path}, max_excluded_share=0.5)
    excluded = loaded.excluded["requests"]
    assert len(excluded) == 2
    assert not set(excluded["request_id"]) & set(loaded.tables["requests"]["request_id"])
    assert list(excluded.columns) == list(loaded.tables["requests"].columns)

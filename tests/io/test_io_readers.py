from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest

from sendreport.errors import DataValidationError
from sendreport.io import detect_encoding, read_table


def test_csv_row_numbers_keep_blank_lines(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,x\n\n2,y\n,\n3,z\n")

    raw = read_table(path)

    assert raw.row_numbers.tolist() == [2, 3, 4, 5, 6]
    assert raw.frame["a"].tolist()[0] == "1"
    assert raw.encoding == "utf-8"


def test_csv_cells_stay_text(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,flag,n\n007,TRUE,1.50\n010,false,2\n")

    frame = read_table(path).frame

    assert frame["id"].tolist() == ["007", "010"]
    assert frame["flag"].tolist() == ["TRUE", "false"]
    assert frame["n"].tolist() == ["1.50", "2"]
    assert all(isinstance(d, pd.StringDtype) for d in frame.dtypes)


def test_csv_utf8_with_bom(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffname,place\nZoë,Bromley\n".encode())

    raw = read_table(path)

    assert list(raw.frame.columns) == ["name", "place"]
    assert raw.frame["name"].tolist() == ["Zoë"]
    assert raw.encoding == "utf-8"


def test_csv_windows_1252_is_detected(tmp_path):
    path = tmp_path / "cp.csv"
    path.write_bytes("name,note\nRenée,£5 – café\n".encode("cp1252"))

    raw = read_table(path)

    assert raw.encoding == "windows-1252"
    assert raw.frame.iloc[0].tolist() == ["Renée", "£5 – café"]
    assert detect_encoding(path) == "windows-1252"


def test_csv_header_row_skips_title_rows(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('Report of requests,,\n"Extract, March",,\na,b,c\n1,2,3\n4,5,6\n')

    raw = read_table(path, header_row=3)

    assert list(raw.frame.columns) == ["a", "b", "c"]
    assert raw.row_numbers.tolist() == [4, 5]


def test_xlsx_header_on_row_3_with_date_cells(tmp_path):
    path = tmp_path / "t.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Requests extract"])
    sheet.append([])
    sheet.append(["id", "received", "count"])
    sheet.append(["A1", dt.datetime(2024, 3, 31), 4])
    sheet.append([None, None, None])
    sheet.append(["A2", "2024-04-01", 5.0])
    book.save(path)

    raw = read_table(path, header_row=3)

    assert list(raw.frame.columns) == ["id", "received", "count"]
    assert raw.row_numbers.tolist() == [4, 5, 6]
    assert raw.frame.loc[0, "received"] == dt.datetime(2024, 3, 31)
    assert raw.frame.loc[2, "received"] == "2024-04-01"


def test_xlsx_named_sheet(tmp_path):
    path = tmp_path / "t.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"a": [1]}).to_excel(writer, sheet_name="Notes", index=False)
        pd.DataFrame({"b": ["x", "y"]}).to_excel(writer, sheet_name="Data", index=False)

    assert list(read_table(path).frame.columns) == ["a"]
    assert read_table(path, sheet="Data").frame["b"].tolist() == ["x", "y"]


def test_parquet_keeps_its_types_and_numbers_rows_from_1(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"d": pd.to_datetime(["2024-01-01", "2024-01-02"]), "n": [1, 2]}).to_parquet(path)

    raw = read_table(path)

    assert raw.row_numbers.tolist() == [1, 2]
    assert pd.api.types.is_datetime64_any_dtype(raw.frame["d"])
    assert raw.encoding is None


@pytest.mark.parametrize("header_row", [0, -1, 1.5, True])
def test_header_row_must_be_a_row_number(tmp_path, header_row):
    path = tmp_path / "t.csv"
    path.write_text("a\n1\n")
    with pytest.raises(DataValidationError, match=r"header_row must be a whole number of 1 or "
                       r"more.*\(rule: header_row\)"):
        read_table(path, header_row=header_row)


def test_header_row_below_the_end_of_the_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a\n1\n")
    with pytest.raises(DataValidationError, match=r"t\.csv: has fewer than 5 rows, so no header "
                       r"on row 5 \(rule: empty_file\)"):
        read_table(path, header_row=5)


def test_undecodable_bytes(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n\x81\x8d,\x90\n")
    with pytest.raises(DataValidationError, match=r"neither UTF-8 nor Windows-1252.*"
                       r"unknown_encoding"):
        read_table(path)


def test_failures_frame_of_a_structural_error(tmp_path):
    with pytest.raises(DataValidationError) as info:
        read_table(tmp_path / "gone.parquet")
    expected = pd.DataFrame({"table": [""], "file": [str(tmp_path / "gone.parquet")],
                             "column": [""], "rule": ["file_missing"], "count": [0],
                             "example_rows": [""]})
    pd.testing.assert_frame_equal(info.value.failures, expected)


def test_row_numbers_are_integers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a\n1\n")
    assert read_table(path).row_numbers.dtype == np.int64


def test_csv_column_numeric_at_first_then_text_stays_text(tmp_path):
    path = tmp_path / "t.csv"
    ids = [f"{i:05d}" for i in range(300_000)] + ["X1"]
    path.write_text("id\n" + "\n".join(ids) + "\n")

    frame = read_table(path).frame

    assert frame["id"].iloc[[0, 7, -1]].tolist() == ["00000", "00007", "X1"]
    assert isinstance(frame["id"].dtype, pd.StringDtype)

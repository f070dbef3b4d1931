"""Careless and hostile input files (issue 11): mixed encodings, FIFOs, files too large."""

from __future__ import annotations

import os
import threading
import warnings

import pytest

from sendreport import io as sio
from sendreport.errors import DataValidationError, SendReportWarning
from sendreport.io import decode_csv, read_table
from sendreport.validation import load_data

SALT = "SaLT \u2013 Community Team"  # an en dash, as the export writes it
AUTISM = "ASD \u2013 Pathway"


def referrals_bytes(n_salt: int = 146, n_autism: int = 54, stray_line: int = 100) -> bytes:
    """A UTF-8 referrals export with en dashes in service names and one Windows-1252 byte."""
    rows = ["referral_id,person_id,service,referral_date,first_contact_date,removed_date"]
    services = [SALT] * n_salt + [AUTISM] * n_autism
    for i, service in enumerate(services):
        rows.append(f"F{i:05d},P{i % 97:05d},{service},2024-0{1 + i % 6}-10,,")
    lines = [row.encode("utf-8") for row in rows]
    # one note pasted from a Windows program: an en dash as the single byte 0x96
    lines[stray_line - 1] = lines[stray_line - 1].replace(b"F", b"F\x96", 1)
    return b"\n".join(lines) + b"\n"


def test_one_stray_windows_byte_does_not_turn_the_whole_file_into_windows_1252(tmp_path):
    path = tmp_path / "referrals.csv"
    path.write_bytes(referrals_bytes())
    with pytest.warns(SendReportWarning) as caught:
        raw = read_table(path)
    message = str(caught[0].message)
    assert str(path) in message and "lines 100" in message and "Windows-1252" in message
    services = raw.frame["service"].value_counts()
    assert services[SALT] == 146 and services[AUTISM] == 54
    assert raw.frame.loc[98, "referral_id"].startswith("F\u2013")  # file line 100 is row 99
    assert raw.encoding == "utf-8 (some lines windows-1252)"


def test_en_dash_service_mapping_counts_every_referral(tmp_path):
    path = tmp_path / "referrals.csv"
    path.write_bytes(referrals_bytes())
    mapping = {SALT: "speech_and_language_therapy", AUTISM: "autism_assessment"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SendReportWarning)
        loaded = load_data({"referrals": path}, values={"referrals": {"service": mapping}})
    counts = loaded.tables["referrals"]["service"].value_counts()
    assert counts["speech_and_language_therapy"] == 146
    assert counts["autism_assessment"] == 54


def test_a_wholly_windows_1252_file_is_read_as_windows_1252_without_a_warning(tmp_path):
    path = tmp_path / "referrals.csv"
    path.write_bytes(referrals_bytes().replace("\u2013".encode(), b"\x96"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", SendReportWarning)
        raw = read_table(path)
    assert raw.encoding == "windows-1252"
    assert raw.frame["service"].value_counts()[SALT] == 146


def test_decode_csv_names_only_the_lines_that_are_not_utf8():
    data = "a\n\u2013\n".encode() + b"\x93q\x94\n" + "\u00e9\n".encode() + b"\x96\n"
    text, encoding, lines = decode_csv(data)
    assert text.split("\n") == ["a", "\u2013", "\u201cq\u201d", "\u00e9", "\u2013", ""]
    assert (encoding, lines) == ("utf-8 (some lines windows-1252)", [3, 5])


def test_a_line_in_neither_encoding_is_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("a,b\n\u2013,1\n".encode() + b"\x81\x96,2\n")
    with pytest.raises(DataValidationError, match="neither UTF-8 nor Windows-1252"):
        read_table(path)


def test_a_fifo_is_refused_without_hanging(tmp_path):
    path = tmp_path / "requests.csv"
    os.mkfifo(path)
    result: dict[str, BaseException] = {}

    def read() -> None:
        try:
            read_table(path)
        except BaseException as err:  # noqa: BLE001 - handed to the test thread
            result["error"] = err

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(10)
    if reader.is_alive():  # unblock the reader before failing
        with path.open("wb"):
            pass
        pytest.fail("read_table blocked on a FIFO")
    err = result["error"]
    assert isinstance(err, DataValidationError)
    assert "FIFO (named pipe), not a regular file" in str(err)
    assert "rule: not_a_file" in str(err)


def test_a_file_too_large_for_memory_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "referrals.csv"
    path.write_bytes(referrals_bytes())
    size = path.stat().st_size
    monkeypatch.setattr(sio, "available_memory", lambda: size * 3)
    opened = []
    monkeypatch.setattr(sio, "_read_csv", lambda *a: opened.append(a))
    with pytest.raises(DataValidationError) as info:
        read_table(path)
    assert opened == []
    text = str(info.value)
    assert text.startswith(f"{path}: is ") and "of memory but only" in text
    assert "(rule: too_large_for_memory)" in text and "\n" not in text


def test_available_memory_is_known_here():
    available = sio.available_memory()
    assert available is not None and available > 10_000_000

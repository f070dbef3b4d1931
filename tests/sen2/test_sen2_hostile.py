"""Hostile SEN2 returns: another area's, a long prolog, DOCTYPEs in other encodings,
a person with very many requests, junk elements, FIFOs and devices in a Blade folder,
and a UPN shared by two children."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sen2_returns import person, sen2_xml

from sendreport.errors import DataValidationError, ParameterError
from sendreport.sen2 import read_returns
from sendreport.sen2.tables import overlapping
from sendreport.validation import load_data

ROOT = Path(__file__).resolve().parents[2]
SENDREPORT = str(Path(sys.executable).parent / "sendreport")
REFUSED = ("<Requests><ReceivedDate>2023-02-05</ReceivedDate><RequestOutcomeDate>2023-03-14"
           "</RequestOutcomeDate><RequestOutcome>N</RequestOutcome></Requests>")
ISSUED = ("<Requests><ReceivedDate>2023-01-20</ReceivedDate><RequestOutcomeDate>2023-02-24"
          "</RequestOutcomeDate><RequestOutcome>Y</RequestOutcome><Assessment>"
          "<AssessmentOutcome>Y</AssessmentOutcome><AssessmentOutcomeDate>2023-06-30"
          "</AssessmentOutcomeDate><NamedPlan><StartDate>2023-07-02</StartDate></NamedPlan>"
          "</Assessment></Requests>")


def people(n: int, body: str = REFUSED) -> str:
    return "\n".join(person(body, upn=f"A9990000{i:05d}") for i in range(n))


def params_file(tmp_path: Path, sen2: str, la_code: str | None = None) -> Path:
    plan = ROOT / "params" / "plans" / "demoshire-pap.yaml"
    (tmp_path / "plan.yaml").write_text(plan.read_text(encoding="utf-8"), encoding="utf-8")
    params = tmp_path / "params.yaml"
    # 999 is no real authority's code: a made-up area says so
    code = f'la_code: "{la_code}"\nsynthetic: true\n' if la_code else ""
    params.write_text(f"notebook: {ROOT / 'notebooks' / 'stocktake.ipynb'}\narea_name: T\n"
                      f"period_start: 2023-01-01\nperiod_end: 2023-12-31\nplan: plan.yaml\n"
                      f"{code}data:\n  sen2: {sen2}\n", encoding="utf-8")
    return params


def cli(*args: object, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([SENDREPORT, *map(str, args)], capture_output=True, text=True,
                          check=False, timeout=timeout)


# --------------------------------------------------------------- 1. another area's return
def test_a_return_of_another_la_is_refused(write_xml):
    path = write_xml(sen2_xml(2024, people(3, ISSUED), la="886"))
    with pytest.raises(DataValidationError, match="LEA is '886' but la_code is '999'") as err:
        read_returns(path, la_code="999")
    assert err.value.exit_code == 2
    assert str(path) in str(err.value) and "lea_mismatch" in str(err.value)
    assert len(read_returns(path, la_code="886").requests) == 3


def test_returns_of_two_las_are_refused_without_la_code(write_xml):
    own = write_xml(sen2_xml(2024, people(3, ISSUED)), "sen2-2024.xml")
    other = write_xml(sen2_xml(2025, people(2, ISSUED), la="886"), "sen2-2025.xml")
    with pytest.raises(DataValidationError) as err:
        load_data({"sen2": [own, other]})
    message = str(err.value)
    assert "'886'" in message and "'999'" in message and "sen2-2025.xml" in message
    assert "lea_mismatch" in message and "Traceback" not in message


def test_an_ons_la_code_is_compared_through_its_dfe_code(write_xml):
    luton = write_xml(sen2_xml(2024, people(2), la="821"))
    assert len(read_returns(luton, la_code="E06000032").requests) == 2
    other = write_xml(sen2_xml(2024, people(2), la="999"), "other.xml")
    with pytest.raises(DataValidationError, match=r"'999' but la_code is 'E06000032' "
                                                  r"\(DfE code 821\)"):
        read_returns(other, la_code="E06000032")
    with pytest.raises(DataValidationError, match="la_code 'E10000099' is neither"):
        read_returns(other, la_code="E10000099")


def test_a_header_without_lea(write_xml):
    text = sen2_xml(2024, people(2)).replace("<LEA>999</LEA>", "")
    alone = write_xml(text)
    assert len(read_returns(alone).requests) == 2  # nothing to compare with
    with pytest.raises(DataValidationError, match="has no LEA.*lea_missing"):
        read_returns(alone, la_code="999")
    with pytest.raises(DataValidationError, match="has no LEA.*lea_missing"):
        read_returns([write_xml(sen2_xml(2025, people(1)), "a.xml"), alone])


def test_sendreport_validate_refuses_another_las_return(write_xml, tmp_path):
    path = write_xml(sen2_xml(2024, people(6, ISSUED), la="886"))
    out = cli("validate", params_file(tmp_path, path.name, la_code="999"))
    assert out.returncode == 2, out.stderr
    assert "LEA is '886' but la_code is '999'" in out.stderr and path.name in out.stderr
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr


# ------------------------------------------------------- 2. the first person far into the file
@pytest.mark.parametrize("before", [
    "<!-- {} -->".format("x" * (2 << 20)),  # a comment of 2 MiB
    "<Note>{}</Note>".format("<Line>filler</Line>" * 120_000),  # 2.3 MB of other elements
])
def test_a_person_after_more_than_a_mib_is_read(write_xml, before):
    text = sen2_xml(2024, people(4, ISSUED)).replace("<Persons>", f"<Persons>{before}")
    assert len(text) > 2 << 20
    data = read_returns(write_xml(text))
    assert data.requests["plan_issued_date"].notna().sum() == 4


def test_a_long_comment_in_the_prolog(write_xml):
    text = sen2_xml(2024, people(4, ISSUED)).replace(
        "<Message>", "<!-- {} -->\n<Message>".format("y" * (2 << 20)))
    assert len(read_returns(write_xml(text)).requests) == 4


def test_persons_without_their_persons_wrapper_are_still_read(write_xml):
    text = sen2_xml(2024, people(3)).replace("<Persons>", "").replace("</Persons>", "")
    assert len(read_returns(write_xml(text)).requests) == 3


def test_a_return_without_any_person_is_refused(write_xml):
    path = write_xml(sen2_xml(2024, ""))
    with pytest.raises(DataValidationError, match="holds no Person.*no_persons") as err:
        read_returns(path)
    assert err.value.exit_code == 2


# ------------------------------------------------------------- 3. DOCTYPE in any encoding
ATTACK = ('<?xml version="1.0" encoding="{encoding}"?>\n'
          '<!DOCTYPE Message [<!ENTITY e "Fernhollow">]>\n')


@pytest.mark.parametrize(("encoding", "codec"), [
    ("UTF-16BE", "utf-16-be"), ("UTF-16LE", "utf-16-le"), ("UTF-7", "utf-7"),
    ("UTF-16", "utf-16"), ("ISO-8859-1", "latin-1"),
])
def test_a_doctype_is_refused_in_any_encoding(write_xml, encoding, codec):
    text = sen2_xml(2024, people(2)).replace("<Surname>Fernhollow", "<Surname>&e;", 1)
    text = ATTACK.format(encoding=encoding) + text.split("\n", 1)[1]
    data = text.encode(codec)  # UTF-16BE/LE: no byte-order mark
    if codec == "utf-7":  # "<" written as UTF-7 base64, as an attacker would
        data = data.replace(b"<!", b"+ADwAIQ-")
    path = write_xml("")
    path.write_bytes(data)
    with pytest.raises(DataValidationError, match="declares a DOCTYPE.*xml_doctype") as err:
        read_returns(path)
    assert err.value.exit_code == 2


def test_sendreport_validate_refuses_a_utf16_doctype(write_xml, tmp_path):
    text = sen2_xml(2024, people(2)).replace("<Surname>Fernhollow", "<Surname>&e;", 1)
    path = write_xml("")
    path.write_bytes((ATTACK.format(encoding="UTF-16BE") + text.split("\n", 1)[1])
                     .encode("utf-16-be"))
    out = cli("validate", params_file(tmp_path, path.name))
    assert out.returncode == 2, out.stderr
    assert "DOCTYPE" in out.stderr and "internal error" not in out.stderr
    assert "Traceback" not in out.stderr


# ------------------------------------------------------- 4. one person with 20,000 requests
def test_two_plans_check_matches_every_pair():
    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 15)), max_size=12))
    def check(spans):
        day = dt.date(2020, 1, 1)
        plans = [(i, str(day + dt.timedelta(s)), str(day + dt.timedelta(s + n)), 100 + i)
                 for i, (s, n) in enumerate(spans)]
        pairs = {}
        for a in plans:
            for b in plans:
                if a[0] != b[0] and a[1] <= b[2] and b[1] <= a[2]:
                    pairs[a[0]] = a[3]
        assert overlapping(plans) == pairs

    check()


def test_a_person_with_20000_requests_reads_in_seconds(write_xml):
    day = dt.date(1950, 1, 1)  # one-day plans, one after another, to 2004
    requests = "".join(
        f"<Requests><ReceivedDate>2023-03-01</ReceivedDate><RequestOutcome>Y</RequestOutcome>"
        f"<Assessment><AssessmentOutcome>Y</AssessmentOutcome><AssessmentOutcomeDate>"
        f"2023-06-30</AssessmentOutcomeDate><NamedPlan><StartDate>{day + dt.timedelta(i)}"
        f"</StartDate><CeaseDate>{day + dt.timedelta(i)}</CeaseDate></NamedPlan>"
        "</Assessment></Requests>" for i in range(20_000))
    clash = ISSUED + ISSUED.replace("2023-07-02", "2023-08-01")  # two open plans
    path = write_xml(sen2_xml(2024, person(requests + clash)))
    start = time.perf_counter()
    data = read_returns(path)
    took = time.perf_counter() - start
    assert len(data.requests) == 20_000 and len(data.excluded) == 2
    assert took < 10, f"{took:.1f} s"  # 21 to 28 s before the sweep; about 2 s after


# ----------------------------------------------------------------- 5. size and junk elements
PEAK = textwrap.dedent("""\
    import re, sys
    from pathlib import Path
    from sendreport.sen2 import read_returns

    def peak_kib():  # this process's own peak (ru_maxrss may keep the parent's across exec)
        status = Path("/proc/self/status").read_text()
        return int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))

    read_returns(sys.argv[1])  # warm: imports, caches
    before = peak_kib()
    data = read_returns(sys.argv[2])
    print(len(data.requests), (peak_kib() - before) // 1024)
    """)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux's VmHWM")
@pytest.mark.parametrize("where", ["after the last person", "inside a person"])
def test_junk_elements_take_no_memory(write_xml, where):
    small = write_xml(sen2_xml(2024, people(3)), "small.xml")
    junk = "<Junk>" + "<j/>" * 1_500_000 + "</Junk>"  # 6 MB: about 300 MB as a tree
    if where == "inside a person":
        text = sen2_xml(2024, people(3) + person(REFUSED + junk, upn="B999000000001"))
    else:
        text = sen2_xml(2024, people(3)).replace("</Persons>", junk + "</Persons>")
    big = write_xml(text, "junk.xml")
    out = subprocess.run([sys.executable, "-c", PEAK, str(small), str(big)],
                         capture_output=True, text=True, check=True)
    requests, grew_mib = map(int, out.stdout.split())
    assert requests == 3 + (where == "inside a person")
    assert grew_mib < 60, f"peak memory grew {grew_mib} MiB"


def test_too_many_elements_in_one_person_refused(write_xml):
    text = sen2_xml(2024, people(1) + person(REFUSED + "<UPN>A1</UPN>" * 500_001))
    with pytest.raises(DataValidationError, match="more than 500,000 elements"):
        read_returns(write_xml(text))


def test_a_return_too_large_for_memory_refused(tmp_path):
    path = tmp_path / "sen2.xml"
    with path.open("wb") as fh:
        fh.truncate(1 << 40)  # a sparse file of 1 TiB: nothing is written
    start = time.perf_counter()
    with pytest.raises(DataValidationError, match="too_large_for_memory"):
        read_returns(path)
    assert time.perf_counter() - start < 5


# ----------------------------------------------------- 6. FIFOs and devices in a Blade folder
@pytest.fixture
def blade(synthetic, tmp_path) -> Path:
    folder = tmp_path / "blade"
    shutil.copytree(synthetic["blade"], folder)
    return folder


def _module(folder: Path, table: str) -> Path:
    return next(p for p in folder.iterdir() if p.name.endswith(f"_{table}.csv"))


READ = "import sys; from sendreport.sen2 import read_returns; read_returns(sys.argv[1])"


def read_in_child(folder: Path) -> subprocess.CompletedProcess:
    """Read a return in a child with 4 GB of address space and a minute: a FIFO would hang
    the reader, /dev/zero would take all the memory it can."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    return subprocess.run([sys.executable, "-c", READ, str(folder)], capture_output=True,
                          text=True, check=False, timeout=60, preexec_fn=limit)


def test_a_fifo_in_a_blade_folder_is_refused_not_opened(blade):
    fifo = _module(blade, "requests")
    fifo.unlink()
    os.mkfifo(fifo)
    out = read_in_child(blade)
    assert "is a FIFO (named pipe), not a regular file" in out.stderr
    assert fifo.name in out.stderr


def test_a_device_symlink_in_a_blade_folder_is_refused(blade):
    link = _module(blade, "senneed")
    link.unlink()
    link.symlink_to("/dev/zero")
    out = read_in_child(blade)
    assert "is a character device, not a regular file" in out.stderr
    assert link.name in out.stderr and "not_a_regular_file" in out.stderr


def test_a_symlink_to_a_regular_file_is_read(blade, tmp_path):
    needs = _module(blade, "senneed")
    moved = tmp_path / needs.name
    needs.rename(moved)
    needs.symlink_to(moved)
    assert len(read_returns(blade).tables["needs"]) > 0


def test_sendreport_validate_refuses_a_fifo_in_a_blade_folder(blade, tmp_path):
    fifo = blade / "Blade-Export_07-03-2025_extra.csv"  # not a module: still never opened
    os.mkfifo(fifo)
    params = params_file(tmp_path, str(blade), la_code="999")
    out = cli("validate", params, timeout=60)
    assert out.returncode == 2, out.stderr
    assert "FIFO" in out.stderr and fifo.name in out.stderr
    assert "Traceback" not in out.stderr
    from sendreport.params import read_params

    with pytest.raises(ParameterError, match="FIFO"):
        read_params(params)


# ------------------------------------------------------------- 7. a UPN shared by two children
TWINS = (person(REFUSED, surname="Fernhollow", forename="Quinn", birth="2014-02-03",
                upn="A999000012345")
         + "\n" + person(REFUSED.replace("02-05", "04-09"), surname="Ashbury", forename="Rowan",
                  birth="2016-09-21", upn="A999000012345"))


def test_a_upn_shared_by_two_children_is_refused(write_xml):
    path = write_xml(sen2_xml(2024, people(2) + "\n" + TWINS))
    with pytest.raises(DataValidationError) as err:
        read_returns(path)
    message = str(err.value)
    assert str(path) in message and "shared_upn" in message and "1 UPN shared" in message
    assert re.search(r"Person at lines (\d+) and (?!\1)\d+\)", message)  # their lines
    for personal in ("A999000012345", "Fernhollow", "Ashbury", "Quinn", "Rowan", "2014-02-03",
                     "2016-09-21"):
        assert personal not in message


def test_a_upn_shared_across_two_returns_by_another_birth_date(write_xml):
    a = write_xml(sen2_xml(2024, person(REFUSED)), "sen2-2024.xml")
    b = write_xml(sen2_xml(2025, person(REFUSED.replace("02-05", "04-09"),
                                        birth="2015-11-30")), "sen2-2025.xml")
    with pytest.raises(DataValidationError, match=r"sen2-2024.xml line \d+ and sen2-2025.xml "
                                                  r"line \d+.*shared_upn"):
        read_returns([a, b])


def test_one_child_twice_or_renamed_between_years_still_reads(write_xml):
    same = person(REFUSED) + person(REFUSED.replace("02-05", "04-09"))
    data = read_returns(write_xml(sen2_xml(2024, same)))
    assert data.requests["person_id"].nunique() == 1 and len(data.requests) == 2
    a = write_xml(sen2_xml(2024, person(REFUSED)), "sen2-2024.xml")
    b = write_xml(sen2_xml(2025, person(REFUSED.replace("02-05", "04-09"),
                                        surname="Ashbury")), "sen2-2025.xml")
    assert read_returns([a, b]).requests["person_id"].nunique() == 1

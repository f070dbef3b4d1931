"""Names, birth dates, postcodes, UPNs and ULNs of a SEN2 return: never kept, always guarded."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from sen2_returns import person, sen2_xml

from sendreport.errors import DisclosureError
from sendreport.guard import check_outputs, collect_identifiers
from sendreport.run.pipeline import _with_excluded_rows
from sendreport.validation import load_data

PEOPLE = [("Hawthornden", "Rowan", "2013-09-09", "A999000012345", "9876543210", "ZZ12 3ZZ"),
          ("Juniperwood", "Ellis", "2016-03-09", "T999000054321", "1234567890", "ZZ45 6ZZ")]
REQUEST = ("<Requests><ReceivedDate>2023-02-05</ReceivedDate><RequestOutcomeDate>2023-03-14"
           "</RequestOutcomeDate><RequestOutcome>N</RequestOutcome></Requests>")


@pytest.fixture
def loaded(write_xml):
    persons = "".join(
        person(REQUEST, surname=s, forename=f, birth=b, upn=u,
               extra=f"<Sex>F</Sex><UniqueLearnerNumber>{uln}</UniqueLearnerNumber>")
        .replace("ZZ99 9ZZ", pc)
        for s, f, b, u, uln, pc in PEOPLE)
    return load_data({"sen2": write_xml(sen2_xml(2024, persons))})


def _cells(frame: pd.DataFrame) -> set[str]:
    values = set()
    for column in frame.columns:
        values |= {str(v) for v in frame[column].dropna()}
        values |= {str(v.date()) for v in frame[column].dropna() if isinstance(v, pd.Timestamp)}
    return values


def test_no_table_keeps_a_name_birth_date_postcode_upn_or_uln(loaded):
    frames = [*loaded.tables.values(), *loaded.sen2.values(), *loaded.excluded.values()]
    secrets = {v for row in PEOPLE for v in row}
    for frame in frames:
        assert not _cells(frame) & secrets
        assert not {"surname", "forename", "upn", "uln", "postcode", "date_of_birth"} & {
            c for c in frame.columns if frame[c].notna().any()}


@pytest.mark.parametrize(("planted", "kind"), [
    ("Rowan Hawthornden", "identifier (full_name_id)"),
    ("JUNIPERWOOD", "identifier (surname_id)"),
    ("9 September 2013", "date of birth"),
    ("09/03/2016", "date of birth"),
    ("A999000012345", "identifier (upn_id)"),
    ("9876543210", "identifier (uln_id)"),
    ("ZZ45 6ZZ", "identifier (postcode_id)"),
])
def test_a_planted_value_is_refused(loaded, planted, kind):
    identifiers = collect_identifiers(_with_excluded_rows(loaded))
    html = f"<p>Case study: {planted} waited 30 weeks.</p>"
    with pytest.raises(DisclosureError) as err:
        check_outputs(notebook=None, html=html, pdf_text=None, identifiers=identifiers)
    assert kind in str(err.value)
    assert planted not in str(err.value)


def test_clean_text_passes(loaded):
    identifiers = collect_identifiers(_with_excluded_rows(loaded))
    check_outputs(notebook=None, html="<p>2 requests; 0 plans issued in 2023.</p>",
                  pdf_text=None, identifiers=identifiers)


@pytest.mark.slow
def test_sendreport_run_refuses_a_name_from_the_return(loaded, tmp_path, write_xml):
    xml = sorted(tmp_path.glob("*.xml"))[0]
    root = Path(__file__).resolve().parents[2]
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("area_name = 'Testshire'\nperiod_end = '2024-06-30'\n"
                                  "data = {}", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(textwrap.dedent("""\
            from lxml import etree
            from sendreport.pack.display import declare_document, show
            declare_document(title="Guard test", classification="OFFICIAL",
                             running_head=area_name)
            path = data["sen2"][0] if isinstance(data["sen2"], list) else data["sen2"]
            who = etree.parse(path).findtext(".//Person/Forename") + " " + \\
                etree.parse(path).findtext(".//Person/Surname")
            show(f"<h1>{area_name}</h1><p>A case study of {who}.</p>")
            """)),
    ]
    notebook = tmp_path / "leak.ipynb"
    nbformat.write(nb, notebook)
    params = tmp_path / "params.yaml"
    params.write_text(textwrap.dedent(f"""\
        notebook: {notebook}
        area_name: Testshire
        period_start: 2024-01-01
        period_end: 2024-06-30
        plan: {root / "params" / "plans" / "demoshire-pap.yaml"}
        data:
          sen2: [{xml.name}]
        """), encoding="utf-8")
    out = subprocess.run([str(Path(sys.executable).parent / "sendreport"), "run", str(params),
                          "--output-dir", str(tmp_path / "out"), "--no-pdf"],
                         capture_output=True, text=True, timeout=600, check=False)
    assert out.returncode == 3, out.stderr
    assert "identifier (full_name_id) in report.html" in out.stderr
    assert "Hawthornden" not in out.stderr + out.stdout
    assert not (tmp_path / "out" / "testshire" / "2024-06-30").exists()

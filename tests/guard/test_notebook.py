from __future__ import annotations

import base64
import copy
import dataclasses
import warnings

import pandas as pd
import pytest
from nbformat import v4

from sendreport.errors import DisclosureError, SendReportWarning
from sendreport.guard import (
    Finding,
    check_outputs,
    collect_identifiers,
    scan_notebook,
    scrub_notebook,
)

PERSON = "P000123"
DOB_ISO = "2015-03-01"
NHS = "943 476 5919"


@pytest.fixture
def ids():
    requests = pd.DataFrame(
        {
            "request_id": ["R0000001", "R0000002"],
            "person_id": [PERSON, "P000124"],
            "date_of_birth": pd.to_datetime([DOB_ISO, "2016-07-14"]),
        }
    )
    return collect_identifiers({"requests": requests})


def report_output(html: str):
    return v4.new_output(
        "display_data", data={"text/html": html}, metadata={"sendreport": {"role": "content"}}
    )


def notebook(*cells):
    nb = v4.new_notebook()
    params = v4.new_code_cell(
        "period_end = '2024-09-30'", metadata={"tags": ["injected-parameters"]}
    )
    nb.cells = [params, *cells]
    return nb


def raw_row_cell():
    cell = v4.new_code_cell("print(requests.iloc[0])", execution_count=2)
    cell.outputs = [
        v4.new_output(
            "stream",
            name="stdout",
            text=(
                f"request_id       R0000001\nperson_id         {PERSON}\ndate_of_birth  {DOB_ISO}\n"
            ),
        )
    ]
    return cell


def chart_cell():
    png = base64.b64encode(b"\x89PNG fake image bytes").decode()
    cell = v4.new_code_cell("plot_waits(referrals)", execution_count=3)
    cell.outputs = [
        v4.new_output(
            "display_data",
            data={"image/png": png, "text/plain": "<Figure size 640x480 with 1 Axes>"},
            metadata={"image/png": {"alt": f"Bar chart of waits; the longest is {PERSON}"}},
        )
    ]
    return cell


def table_cell():
    cell = v4.new_code_cell("show(table)", execution_count=4)
    cell.outputs = [
        report_output("<table><tr><th>Born</th></tr><tr><td>01/03/2015</td></tr></table>")
    ]
    return cell


def test_raw_row_printed(ids):
    findings = scan_notebook(notebook(raw_row_cell()), ids)
    assert findings == [
        Finding("identifier (request_id)", "notebook cell 2 output"),
        Finding("identifier (person_id)", "notebook cell 2 output"),
        Finding("date of birth", "notebook cell 2 output"),
    ]


def test_person_id_in_chart_alt_text(ids):
    assert scan_notebook(notebook(chart_cell()), ids) == [
        Finding("identifier (person_id)", "notebook cell 2 output")
    ]


def test_nhs_number_in_markdown(ids):
    nb = notebook(v4.new_markdown_cell("## Case study\nThe child (NHS 943 476 5919) waited."))
    assert scan_notebook(nb, ids) == [Finding("NHS number", "notebook cell 2 (markdown)")]


def test_date_of_birth_in_html_table(ids):
    assert scan_notebook(notebook(table_cell()), ids) == [
        Finding("date of birth", "notebook cell 2 output")
    ]


def test_injected_parameters_and_metadata(ids):
    nb = notebook()
    nb.cells[0].source = f"focus_person = '{PERSON}'"
    nb.metadata["papermill"] = {"parameters": {"focus_person": PERSON}}
    assert scan_notebook(nb, ids) == [
        Finding("identifier (person_id)", "notebook metadata"),
        Finding("identifier (person_id)", "injected parameters"),
    ]


def test_error_output_and_execute_result(ids):
    cell = v4.new_code_cell("x", execution_count=5)
    cell.outputs = [
        v4.new_output(
            "error", ename="KeyError", evalue=f"'{PERSON}'", traceback=["\x1b[0;31mKeyError"]
        ),
        v4.new_output("execute_result", data={"text/plain": "R0000002"}, execution_count=5),
    ]
    assert scan_notebook(notebook(cell), ids) == [
        Finding("identifier (person_id)", "notebook cell 2 output"),
        Finding("identifier (request_id)", "notebook cell 2 output"),
    ]


def test_identifier_typed_into_code_is_found(ids):
    cell = v4.new_code_cell(f"requests[requests.person_id == '{PERSON}']")
    findings = scan_notebook(notebook(cell), ids)
    assert [(f.kind, f.where) for f in findings] == [
        ("identifier (person_id)", "notebook cell 2 (code)")
    ]


def test_parameters_defaults_and_image_data_are_not_scanned(ids):
    defaults = v4.new_code_cell(f"period_start = '{DOB_ISO}'", metadata={"tags": ["parameters"]})
    cell = v4.new_code_cell("show(chart)")
    cell.outputs = [v4.new_output("display_data", data={"image/png": f"AAAA{PERSON}AAAA"})]
    assert scan_notebook(notebook(defaults, cell), ids) == []


def test_check_outputs_refuses_without_printing_values(ids):
    nb = notebook(raw_row_cell(), chart_cell(), v4.new_markdown_cell(f"NHS {NHS}"), table_cell())
    pages = ["Cover", f"Summary {PERSON}", "Born 1 March 2015"]
    with pytest.raises(DisclosureError) as info:
        check_outputs(notebook=nb, html=f"<p>{PERSON}</p>", pdf_text=pages, identifiers=ids)
    err = info.value
    message = str(err)
    assert err.exit_code == 3
    for value in (PERSON, DOB_ISO, "01/03/2015", "1 March 2015", NHS, "R0000001"):
        assert value not in message
    expected = [
        "identifier (person_id) in notebook cell 2 output",
        "date of birth in notebook cell 2 output",
        "identifier (person_id) in notebook cell 3 output",
        "NHS number in notebook cell 4 (markdown)",
        "date of birth in notebook cell 5 output",
        "identifier (person_id) in report.html",
        "identifier (person_id) in report.pdf page 2",
        "date of birth in report.pdf page 3",
    ]
    for line in expected:
        assert f"- {line}\n" in message
    assert len(err.findings) == 9


def test_check_outputs_single_pdf_text_and_other_files(ids):
    with pytest.raises(DisclosureError, match=r"- date of birth in report\.pdf\n- .*kpis\.csv"):
        check_outputs(
            notebook=None,
            html=None,
            pdf_text="Born 14/07/2016",
            identifiers=ids,
            files={"kpis.csv": "kpi_id,value\nR0000002,1\n"},
        )


def test_check_outputs_counts_repeats(ids):
    with pytest.raises(
        DisclosureError, match=r"identifier \(person_id\) in report\.html \(2 times\)"
    ):
        check_outputs(notebook=None, html=f"{PERSON} {PERSON}", pdf_text=None, identifiers=ids)


def test_clean_outputs_pass(ids, recwarn):
    nb = notebook(v4.new_markdown_cell("# Stocktake to 30 September 2024"))
    page = "Stocktake 1 April 2024 to 30 September 2024. 412 requests; 41.2% on time. Page 3 of 24"
    assert check_outputs(notebook=nb, html=page, pdf_text=[page], identifiers=ids) is None
    assert not [w for w in recwarn if issubclass(w.category, SendReportWarning)]


def test_warns_about_what_it_could_not_scan():
    requests = pd.DataFrame(
        {
            "person_id": ["17", "P000123"],
            "date_of_birth": pd.to_datetime(["2024-09-30", "2015-01-01"]),
        }
    )
    ids = collect_identifiers({"requests": requests})
    with pytest.warns(SendReportWarning) as record:
        check_outputs(
            notebook=None,
            html="Period end 30 September 2024; 17 plans",
            pdf_text=None,
            identifiers=ids,
            allowed=["2024-09-30"],
        )
    messages = [str(w.message) for w in record]
    # what the analyst can act on: an id too short to look for, and what to do about it
    assert messages == [
        "1 person_id value too short or too generic to look for in the outputs (an id is "
        "looked for from 6 digits, 8 letters or 5 letters and digits): give each child a longer "
        "pseudonymous id, or check the pack by hand for those ids"]
    # a date of birth equal to the period end, printed on purpose, is no warning: nothing to do


def test_a_sen2_surname_too_short_to_scan_is_no_warning():
    # a SEN2 return's names come as surname_id and forename_id: the pair is looked for, and
    # a surname too short to look for alone is nothing the analyst can act on
    ids = collect_identifiers({"requests": pd.DataFrame({"person_id": ["P000123"]})})
    ids = dataclasses.replace(ids, unscanned={"identifier (surname_id)": 6, "name": 3})
    with warnings.catch_warnings():
        warnings.simplefilter("error", SendReportWarning)
        check_outputs(notebook=None, html="<p>Period end 30 September 2024</p>",
                      pdf_text=None, identifiers=ids, allowed=["2024-09-30"])


def test_scrub_keeps_only_report_outputs():
    cell = raw_row_cell()
    cell.outputs.append(report_output("<h1>Summary</h1>"))
    cell.outputs.append(v4.new_output("stream", name="stderr", text="UserWarning: small"))
    result = v4.new_output(
        "execute_result",
        data={"text/html": "<p>kept</p>"},
        metadata={"sendreport": {"role": "content"}},
        execution_count=2,
    )
    cell.outputs.append(result)
    nb = notebook(cell, v4.new_markdown_cell("text"))
    nb.metadata["widgets"] = {"state": {}}
    before = copy.deepcopy(nb)
    clean = scrub_notebook(nb)
    assert nb == before
    outputs = clean.cells[1].outputs
    assert [o.data["text/html"] for o in outputs] == ["<h1>Summary</h1>", "<p>kept</p>"]
    assert clean.cells[1].execution_count is None
    assert outputs[1].execution_count is None
    assert "widgets" not in clean.metadata
    assert clean.cells[2] == nb.cells[2]
    assert clean.cells[0].source == nb.cells[0].source

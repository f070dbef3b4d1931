from __future__ import annotations

import io

import nbformat
import papermill
import pikepdf
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from pypdf import PdfReader

from sendreport.run.exporter import SendReportHTMLExporter, SendReportPDFExporter, css_string

CELLS = [
    new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
    new_code_cell(
        "from sendreport.pack.display import declare_document, show\n"
        "declare_document(title='Testshire pack', classification='OFFICIAL-SENSITIVE', "
        "running_head='Testshire')\n"
        "show('<section><h1>First section</h1><p>Visible paragraph.</p></section>', role='s')"
    ),
    new_code_cell(
        "import warnings, pandas as pd\n"
        "print('stray log line')\n"
        "warnings.warn('a warning that must not print')\n"
        "pd.DataFrame({'secret_col': [1, 2]})"
    ),
    new_markdown_cell("## Narrative heading\n\nNarrative text for the pack."),
    new_markdown_cell("Analyst note that stays out.", metadata={"tags": ["no-report"]}),
    new_code_cell(
        "show('<section class=\"section\"><h1>Second section</h1><p>More.</p></section>', role='s')"
    ),
]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nb")
    nb = new_notebook(
        cells=CELLS,
        metadata={
            "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}
        },
    )
    src = folder / "small.ipynb"
    nbformat.write(nb, src)
    out = folder / "out.ipynb"
    papermill.execute_notebook(str(src), str(out), progress_bar=False, cwd=str(folder))
    return nbformat.read(out, as_version=4)


def test_html_keeps_only_report_outputs_and_narrative(executed):
    html, _ = SendReportHTMLExporter().from_notebook_node(executed)
    assert '<html lang="en-GB">' in html
    assert "<title>Testshire pack</title>" in html
    assert "Visible paragraph." in html and "Second section" in html
    assert "Narrative text for the pack." in html
    for absent in (
        "stray log line",
        "must not print",
        "secret_col",
        "declare_document",
        "import warnings",
        "Analyst note",
        "In&nbsp;[",
        "jp-InputArea",
    ):
        assert absent not in html, absent
    assert 'content: "OFFICIAL-SENSITIVE"' in html


def test_pdf_is_tagged_a4_with_title_language_and_bookmarks(executed):
    pdf_bytes, resources = SendReportPDFExporter().from_notebook_node(executed)
    assert resources["output_extension"] == ".pdf"
    pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    assert "/StructTreeRoot" in pdf.Root
    assert bool(pdf.Root.MarkInfo.Marked)
    assert str(pdf.Root.Lang) == "en-GB"
    assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle)
    assert str(pdf.docinfo.Title) == "Testshire pack"
    assert b'pdfuaid:part="1"' in pdf.Root.Metadata.read_bytes()
    for page in pdf.pages:
        x0, y0, x1, y1 = (float(v) for v in page.MediaBox)
        assert (round(x1 - x0), round(y1 - y0)) == (595, 842)
    with pdf.open_outline() as outline:
        titles = [item.title for item in outline.root]
    assert titles == ["First section", "Second section"]
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf_bytes)).pages]
    assert len(pages) == 2
    for n, text in enumerate(pages, start=1):
        assert f"Page {n} of 2" in text
        assert text.count("OFFICIAL-SENSITIVE") == 2, "header and footer"
        assert "stray log line" not in text and "secret_col" not in text
        assert "\u00b6" not in text, "no heading permalinks on paper"


def test_css_string_escapes_quotes_and_backslashes():
    assert css_string('a "b" \\ c\nd') == 'a \\"b\\" \\\\ c d'
    assert css_string(None) == ""


def test_nbconvert_finds_the_exporters_by_name():
    from nbconvert.exporters import get_exporter

    assert get_exporter("sendreport_pdf") is SendReportPDFExporter
    assert get_exporter("sendreport_html") is SendReportHTMLExporter


def test_table_header_cells_get_a_scope_and_reruns_are_identical():
    from sendreport.pack.templating import render
    from sendreport.run.exporter import html_to_pdf
    from sendreport.tables import Cell, build_table

    table = build_table(
        ["Area", "Value"],
        [["North", "1"], [Cell("South", header=True), "c"]],
        caption="Two areas",
        numeric_columns=(1,),
        groups=[(1, "Group heading")],
    )
    html = render("evidence.html.j2", table=table)
    doc = f'<!DOCTYPE html><html lang="en-GB"><title>T</title><body>{html}</body></html>'
    pdf_bytes = html_to_pdf(doc)
    assert html_to_pdf(doc) == pdf_bytes, "same HTML, same bytes"
    pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    stack, scopes = [pdf.Root.StructTreeRoot], []
    while stack:
        node = stack.pop()
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                stack.append(kid)
                if kid.S == "/TH":
                    row_cells = len(kid.P.K) if isinstance(kid.P.K, pikepdf.Array) else 1
                    scopes.append((str(kid.A.get("/Scope")), row_cells))
    # Two column headings, two row headers, and the group heading alone in its row.
    assert sorted(scopes) == sorted(
        [("/Column", 2), ("/Column", 2), ("/Column", 1), ("/Row", 2), ("/Row", 2)]
    )

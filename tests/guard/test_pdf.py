"""The guard reads a whole PDF (issue 11): embedded files, metadata and page text."""

from __future__ import annotations

import io

import pandas as pd
import pikepdf
import pytest
import weasyprint

from sendreport.errors import DisclosureError
from sendreport.guard import EMBEDDED_FILE, Finding, check_outputs, check_pdf, collect_identifiers

REQUESTS_CSV = "request_id,person_id\nREQ0004417,P031415\n"


@pytest.fixture(scope="module")
def ids():
    return collect_identifiers(
        {"requests": pd.DataFrame({"request_id": ["REQ0004417"], "person_id": ["P031415"]})}
    )


def html_pdf(body: str, base_url: str | None = None) -> bytes:
    html = f"<html><body>{body}</body></html>"
    return weasyprint.HTML(string=html, base_url=base_url).write_pdf()


def test_a_clean_pdf_has_no_findings(ids):
    assert check_pdf(html_pdf("<h1>Summary</h1><p>41.2% of plans on time.</p>"), ids) == []


def test_an_input_file_embedded_by_a_link_is_found(ids, tmp_path):
    """The attack of issue 11: ``rel=attachment`` makes WeasyPrint embed the linked file."""
    (tmp_path / "requests.csv").write_text(REQUESTS_CSV)
    pdf = html_pdf(
        '<p>OFFICIAL</p><a rel="attachment" href="requests.csv">annex</a>',
        base_url=str(tmp_path) + "/",
    )
    with pikepdf.open(io.BytesIO(pdf)) as doc:  # the attack works: the file is in the PDF
        embedded = len(doc.attachments) + sum(
            1 for page in doc.pages for a in page.obj.get("/Annots", []) if "/FS" in a
        )
    assert embedded == 1
    findings = check_pdf(pdf, ids, name="report.pdf")
    assert [f.kind for f in findings] == [EMBEDDED_FILE]
    assert "P031415" not in str(findings)


def test_a_document_level_attachment_is_found_whatever_it_holds(ids):
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.attachments["notes.txt"] = pikepdf.AttachedFileSpec(pdf, b"nothing personal")
    buffer = io.BytesIO()
    pdf.save(buffer)
    assert check_pdf(buffer.getvalue(), ids, name="annex.pdf") == [
        Finding(EMBEDDED_FILE, "annex.pdf")
    ]


def test_identifiers_in_metadata_and_page_text_are_found(ids):
    pdf = html_pdf(
        "<html><head><title>REQ0004417</title></head><body><p>Child P031415</p></body></html>"
    )
    kinds = {(f.kind, f.where) for f in check_pdf(pdf, ids, name="report.pdf")}
    assert ("identifier (request_id)", "report.pdf metadata") in kinds
    assert ("identifier (person_id)", "report.pdf page 1") in kinds


def test_an_unreadable_pdf_is_a_finding(ids):
    findings = check_pdf(b"%PDF-1.7 not really", ids, name="report.pdf")
    assert findings and findings[0].kind.startswith("unreadable PDF")


def test_check_outputs_refuses_pdfs_with_attachments_and_manifests_with_ids(ids, tmp_path):
    (tmp_path / "requests.csv").write_text(REQUESTS_CSV)
    pdf = html_pdf('<a rel="attachment" href="requests.csv">x</a>', base_url=str(tmp_path) + "/")
    manifest = '{"inputs": {"requests.csv": {"note": "first row REQ0004417"}}}'
    with pytest.raises(DisclosureError) as info:
        check_outputs(
            notebook=None,
            html=None,
            pdf_text=None,
            identifiers=ids,
            files={"manifest.json": manifest},
            pdfs={"report.pdf": pdf},
        )
    findings = {(f.kind, f.where) for f in info.value.findings}
    assert findings == {
        ("identifier (request_id)", "manifest.json"),
        (EMBEDDED_FILE, "report.pdf page 1"),
    }
    assert "REQ0004417" not in str(info.value)

"""nbconvert exporters: the stocktake notebook to accessible HTML and a tagged PDF/UA-1 PDF.

Registered as nbconvert entry points, so ``jupyter nbconvert --to sendreport_pdf
executed.ipynb`` works as well as :func:`sendreport.report.run.run_report`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbconvert.exporters import TemplateExporter
from traitlets import default

from sendreport import __version__

TEMPLATE_DIR = Path(__file__).parent / "templates"
DOCUMENT_ROLE = "document"
"""Role of the display output that carries the document's title, area and marking."""


def css_string(value: Any) -> str:
    r"""Escape a value for use inside a double-quoted CSS string.

    Examples
    --------
    >>> print(css_string('Say "hi"'))
    Say \"hi\"
    """
    text = str(value or "")
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def document_metadata(nb: Any) -> dict[str, Any]:
    """Return the document metadata the notebook's report outputs declare.

    Parameters
    ----------
    nb
        An executed notebook.

    Returns
    -------
    dict
        ``title``, ``lang``, ``classification``, ``running_head``, ``author``,
        ``description`` and ``version``, with defaults for a notebook that
        declares none.
    """
    doc = {
        "title": "SEND stocktake evidence pack",
        "lang": "en-GB",
        "classification": "OFFICIAL",
        "running_head": "",
        "author": None,
        "description": None,
    }
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("sendreport")
            if isinstance(meta, dict) and meta.get("role") == DOCUMENT_ROLE:
                doc.update({k: v for k, v in meta.items() if k != "role"})
    doc["version"] = __version__
    return doc


class SendReportHTMLExporter(TemplateExporter):
    """Render an executed stocktake notebook as the pack's HTML (no code, no logs)."""

    export_from_notebook = "sendreport HTML"
    output_mimetype = "text/html"

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return ".html"

    @default("template_name")
    def _template_name_default(self) -> str:
        return "sendreport"

    @default("template_file")
    def _template_file_default(self) -> str:
        return "index.html.j2"

    @default("extra_template_basedirs")
    def _extra_template_basedirs_default(self) -> list[str]:
        return [str(TEMPLATE_DIR)]

    def default_filters(self):  # noqa: D102 - nbconvert hook
        yield from super().default_filters()
        yield ("css_string", css_string)

    def from_notebook_node(self, nb, resources=None, **kw):  # noqa: D102 - nbconvert hook
        resources = self._init_resources(resources)
        resources["sendreport_document"] = document_metadata(nb)
        resources["sendreport_css"] = (TEMPLATE_DIR / "sendreport" / "report.css").read_text(
            encoding="utf-8"
        )
        return super().from_notebook_node(nb, resources=resources, **kw)


class SendReportPDFExporter(SendReportHTMLExporter):
    """Render an executed stocktake notebook as a tagged PDF/UA-1 PDF with WeasyPrint."""

    export_from_notebook = "sendreport PDF"
    output_mimetype = "application/pdf"

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return ".pdf"

    def from_notebook_node(self, nb, resources=None, **kw):  # noqa: D102 - nbconvert hook
        html, resources = super().from_notebook_node(nb, resources=resources, **kw)
        resources["output_extension"] = ".pdf"
        return html_to_pdf(html), resources


def html_to_pdf(html: str) -> bytes:
    """Print the pack's HTML to a tagged PDF/UA-1 document.

    Parameters
    ----------
    html
        A complete HTML document (images inlined as data URIs).

    Returns
    -------
    bytes
        The PDF, A4, tagged, with the title, language and bookmarks taken from the HTML.
    """
    import logging

    import weasyprint

    # WeasyPrint reports unsupported CSS through logging; keep it out of the user's terminal.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    document = weasyprint.HTML(string=html, base_url=str(TEMPLATE_DIR))
    return document.write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=False)

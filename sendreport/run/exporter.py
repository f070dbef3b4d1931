"""nbconvert exporters: the stocktake notebook to accessible HTML and a tagged PDF/UA-1 PDF.

Registered as nbconvert entry points, so ``jupyter nbconvert --to sendreport_pdf
executed.ipynb`` works as well as :func:`sendreport.run.pipeline.run_report`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from nbconvert.exporters import TemplateExporter
from traitlets import default

from sendreport import __version__
from sendreport.outputs import DOCUMENT_ROLE, css_string, style_sheet

TEMPLATE_DIR = Path(__file__).parent / "templates"
"""The exporter's nbconvert template, in ``sendreport/``."""

__all__ = [
    "DOCUMENT_ROLE",
    "TEMPLATE_DIR",
    "SendReportHTMLExporter",
    "SendReportPDFExporter",
    "css_string",
    "document_metadata",
    "html_to_pdf",
    "no_raw_html",
    "pack_url_fetcher",
    "scope_table_headers",
]


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
        ``description``, ``audience`` and ``version``, with defaults for a notebook that
        declares none.
    """
    doc = {
        "title": "SEND stocktake evidence pack",
        "lang": "en-GB",
        "classification": "OFFICIAL",
        "running_head": "",
        "author": None,
        "description": None,
        "audience": "shared",
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
        yield ("no_raw_html", no_raw_html)

    def from_notebook_node(self, nb, resources=None, **kw):  # noqa: D102 - nbconvert hook
        resources = {
            **(resources or {}),
            "sendreport_document": document_metadata(nb),
            "sendreport_css": style_sheet(),
        }
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


def no_raw_html(markdown: str) -> str:
    """Markdown a report cell printed, with no way to open an HTML element.

    Text a notebook computes (a service name from the data, say) may hold
    ``<``; as ``&lt;`` it prints as itself instead of starting a tag.

    Examples
    --------
    >>> no_raw_html("**3** waits <script>x</script>")
    '**3** waits &lt;script>x&lt;/script>'
    """
    return str(markdown).replace("<", "&lt;")


def pack_url_fetcher():
    """A WeasyPrint URL fetcher that serves the package's own files and ``data:`` URIs only.

    Charts and icons are inlined as ``data:`` URIs; the style sheet and fonts
    come from the package and the system. Any other URL (``file:`` outside the
    package's templates, ``http:``, ``https:``, ``ftp:`` ...) is refused before
    anything is opened, so a link in the pack can neither embed a local file
    nor reach the network.

    Returns
    -------
    weasyprint.urls.URLFetcher
        The fetcher; its ``refused`` attribute lists the URLs it turned down.

    Examples
    --------
    >>> fetcher = pack_url_fetcher()
    >>> fetcher("data:text/plain,hi").read()
    b'hi'
    >>> fetcher("http://127.0.0.1:9/x")
    Traceback (most recent call last):
    ...
    ValueError: the pack fetches nothing outside its own package: refused http://127.0.0.1:9/x
    >>> fetcher.refused
    ['http://127.0.0.1:9/x']
    """
    import mimetypes

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    own = TEMPLATE_DIR.resolve()

    class PackURLFetcher(URLFetcher):
        def __init__(self) -> None:
            # Schemes are checked in fetch() below (WeasyPrint 68's own check misreads data:).
            super().__init__(allow_redirects=False)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(url2pathname(urlsplit(url).path)).resolve()
                if path.is_relative_to(own) and path.is_file():
                    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(
                        path.as_uri(), path.read_bytes(), headers={"Content-Type": kind}
                    )
            self.refused.append(url)
            raise ValueError(f"the pack fetches nothing outside its own package: refused {url}")

    return PackURLFetcher()


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
        Nothing outside the package is fetched (see :func:`pack_url_fetcher`).
    """
    import logging

    import weasyprint

    # WeasyPrint reports unsupported CSS through logging; keep it out of the user's terminal.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    document = weasyprint.HTML(
        string=html, base_url=str(TEMPLATE_DIR), url_fetcher=pack_url_fetcher()
    )
    return scope_table_headers(document.write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=False))


def scope_table_headers(pdf_bytes: bytes) -> bytes:
    """Give every table header cell (``/TH``) of a tagged PDF a ``/Scope`` attribute.

    WeasyPrint tags header cells and links data cells to them with ``/Headers``,
    but writes no ``/Scope``, which PDF/UA checkers ask for. The scope follows
    the pack's table template: header cells of the header row, and full-width
    group headings (alone in their row), are ``/Column``; other header cells of the
    body are row headers, ``/Row``. Header cell ids are renumbered in tree order
    (some WeasyPrint versions derive them from memory addresses). Page content is
    untouched, and the same input gives the same bytes (the file identifier is
    derived from the content).

    Parameters
    ----------
    pdf_bytes
        A tagged PDF, as WeasyPrint writes it.

    Returns
    -------
    bytes
        The PDF with ``/Scope`` on every ``/TH`` (the input itself when it has no tags).
    """
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        root = pdf.Root.get("/StructTreeRoot")
        if root is None:
            return pdf_bytes
        cells = [e for e in _struct_elements(root) if e.get("/S") in ("/TH", "/TD")]
        _renumber_header_ids(cells)
        for cell in cells:
            if cell.get("/S") != pikepdf.Name.TH:
                continue
            attributes = _table_attributes(cell)
            row = cell.get("/P")
            part = row.get("/P") if isinstance(row, pikepdf.Dictionary) else None
            in_head = isinstance(part, pikepdf.Dictionary) and part.get("/S") == "/THead"
            siblings = row.get("/K") if isinstance(row, pikepdf.Dictionary) else None
            alone = isinstance(siblings, pikepdf.Array) and len(siblings) == 1
            # A group heading spans the whole row: /ColSpan, or (WeasyPrint 68) alone in it.
            column = in_head or "/ColSpan" in attributes or alone
            attributes.Scope = pikepdf.Name.Column if column else pikepdf.Name.Row
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
    return out.getvalue()


def _renumber_header_ids(cells) -> None:
    """Give header cells ids ``th-1``, ``th-2``... in tree order, and the data cells' refs too."""
    import pikepdf

    new_ids = {}
    for cell in cells:
        if cell.get("/S") == "/TH" and "/ID" in cell:
            new_ids[bytes(cell.ID)] = pikepdf.String(f"th-{len(new_ids) + 1}")
            cell.ID = new_ids[bytes(cell.ID)]
    for cell in cells:
        found = cell.get("/A")
        for attributes in found if isinstance(found, pikepdf.Array) else [found]:
            if isinstance(attributes, pikepdf.Dictionary) and "/Headers" in attributes:
                attributes.Headers = pikepdf.Array(
                    [new_ids.get(bytes(ref), ref) for ref in attributes.Headers]
                )


def _table_attributes(cell):
    """The cell's attribute dictionary owned by ``/Table`` (added when it has none)."""
    import pikepdf

    found = cell.get("/A")
    candidates = found if isinstance(found, pikepdf.Array) else [found]
    for attributes in candidates:
        if isinstance(attributes, pikepdf.Dictionary) and attributes.get("/O") == "/Table":
            return attributes
    table = pikepdf.Dictionary(O=pikepdf.Name.Table)
    if isinstance(found, pikepdf.Array):
        found.append(table)
    elif isinstance(found, pikepdf.Dictionary):
        cell.A = pikepdf.Array([found, table])
    else:
        cell.A = table
    return table


def _struct_elements(root):
    """Every structure element under ``root``, depth first."""
    import pikepdf

    stack = [root]
    while stack:
        node = stack.pop()
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                yield kid
                stack.append(kid)

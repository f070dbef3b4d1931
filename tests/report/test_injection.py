"""Hostile params and plan text never become markup, attachments or fetches in the outputs.

A classification, area name, KPI id or service, or any plan text is data: it is
printed as text and never opens an element, a style rule, a link or a file.
"""

from __future__ import annotations

import io
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pikepdf
import pytest
import yaml

from sendreport.run.pipeline import run_report

ROOT = Path(__file__).resolve().parents[2]
REQUESTS_CSV = textwrap.dedent(
    """\
    request_id,person_id,received_date,request_outcome,request_outcome_date,assessment_outcome,assessment_outcome_date,plan_issued_date,exception_20wk
    R1,PX1,2024-01-02,assess,2024-02-01,issue_plan,2024-05-01,2024-05-01,false
    R2,PX2,2024-01-05,not_assess,2024-02-10,,,,false
    """
)


def attach(path: Path) -> str:
    """Markup that, if it ever became live HTML, would embed ``path`` in the PDF."""
    return f"</style><a rel=attachment href=file://{path}>annex</a><style>"


def hostile_plan(folder: Path) -> str:
    csv = folder / "requests.csv"
    return textwrap.dedent(
        f"""\
        title: "Test plan <script>alert('plan')</script>"
        type: priority_action_plan
        priority_areas:
          - id: "1\\"><a rel=attachment href=file://{csv}>area</a>"
            title: "Timely <b onmouseover=alert(1)>EHC</b> plans"
            what_we_will_do: "Issue plans on time. <script>alert('what')</script>"
            what_will_be_different: "Families wait less. <img src=http://127.0.0.1:9/x>"
            progress: "<link rel=attachment href=file://{csv}>"
            family_voice:
              - text: "We waited too long. <script>alert('quote')</script>"
                attribution: "Parent <i>carer</i>"
              - text: "Confidential words {attach(csv)}"
                confidential: true
            actions:
              - id: "1.1"
                title: "Recruit <em>coordinators</em>"
                owner: "Head of SEND\\" onclick=\\"alert(1)"
                due_date: 2024-03-31
                status: complete
                kpis: ["x\\" onmouseover=\\"alert(1)"]
            kpis:
              - id: ehcp_20wk_excl
                target: 60
              - id: "x\\" onmouseover=\\"alert(1)"
                service: "s'><a rel=attachment href=file://{csv}>svc</a>"
              - id: "<script>alert('kpi')</script>"
        evidence:
          - id: "E1<script>alert(1)</script>"
            title: "<a href=file://{csv} rel=attachment>doc</a>"
        """
    )


def make_hostile(params_dir: Path, *, field: str) -> Path:
    """Rewrite the test params so ``field`` (and the plan) carry the attack."""
    (params_dir / "plan.yaml").write_text(hostile_plan(params_dir), encoding="utf-8")
    path = params_dir / "params.yaml"
    raw = yaml.safe_load(path.read_text())
    csv = params_dir / "requests.csv"
    if field == "classification":
        raw["classification"] = "OFFICIAL" + attach(csv)
    else:
        raw["area_name"] = "Testshire" + attach(csv)
    raw["title"] = "Pack <script>alert('title')</script>"
    raw["author"] = f"<a rel=attachment href=file://{csv}>me</a>"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


class Elements(HTMLParser):
    """Every start tag of an HTML document with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser.tags


def assert_no_live_markup(html: str) -> None:
    tags = elements(html)
    names = [t for t, _ in tags]
    assert "script" not in names, "a <script> element reached the HTML"
    assert names.count("style") == 1, "a <style> block was closed and reopened"
    assert "link" not in names
    for tag, attrs in tags:
        assert not [a for a in attrs if a.startswith("on")], f"event handler on <{tag}>"
        assert attrs.get("rel") != "attachment", f"<{tag} rel=attachment>"
        for key in ("href", "src"):
            value = attrs.get(key)
            if value is not None:
                assert value.startswith(("#", "data:")), f"<{tag} {key}={value!r}>"
        if "id" in attrs:
            assert attrs["id"] and all(c.isalnum() or c == "-" for c in attrs["id"]), attrs["id"]
    for tag in ("b", "i", "em", "a", "img"):
        assert not [t for t, a in tags if t == tag and (a.get("onmouseover") or a.get("rel"))], tag


def assert_no_attachment(pdf_bytes: bytes) -> None:
    pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    assert len(pdf.attachments) == 0, "the PDF embeds a file"
    assert "/EmbeddedFiles" not in pdf.Root.get("/Names", {})
    for page in pdf.pages:
        for annot in page.get("/Annots", []):
            assert annot.get("/Subtype") != "/FileAttachment", "a file attachment annotation"
            action = annot.get("/A", {})
            uri = str(action.get("/URI", ""))
            assert not uri.startswith(("file:", "http:", "https:")), uri


@pytest.fixture(scope="module", params=["classification", "area_name"])
def hostile_run(request, tmp_path_factory):
    """The stocktake notebook run on hostile params (one field at a time) and a hostile plan."""
    folder = tmp_path_factory.mktemp(f"hostile-{request.param}")
    (folder / "requests.csv").write_text(REQUESTS_CSV, encoding="utf-8")
    (folder / "params.yaml").write_text(
        yaml.safe_dump(
            {
                "notebook": str(ROOT / "notebooks" / "stocktake.ipynb"),
                "area_name": "Testshire",
                "period_start": "2024-01-01",
                "period_end": "2024-06-30",
                "plan": "plan.yaml",
                "data": {"requests": "requests.csv"},
            }
        ),
        encoding="utf-8",
    )
    params = make_hostile(folder, field=request.param)
    result = run_report(params, output_dir=folder / "out")
    return request.param, result


def test_hostile_text_embeds_no_file_in_the_pdf(hostile_run):
    _, result = hostile_run
    assert_no_attachment(result.pdf.read_bytes())


def test_hostile_text_is_no_live_markup_in_the_html(hostile_run):
    _, result = hostile_run
    html = (result.output_folder / "report.html").read_text(encoding="utf-8")
    assert_no_live_markup(html)
    # The words are still there, as text.
    assert "alert(&#39;what&#39;)" in html or "alert(&#x27;what&#x27;)" in html


def test_hostile_text_embeds_no_file_in_the_annex(hostile_run):
    _, result = hostile_run
    annex = result.annex_folder / "annex-confidential.pdf"  # its own folder (SPEC 7)
    assert annex.exists()
    assert_no_attachment(annex.read_bytes())


def test_hostile_marking_is_printed_as_text_on_every_page(hostile_run):
    from pypdf import PdfReader

    field, result = hostile_run
    pages = PdfReader(result.pdf).pages
    if field == "classification":
        for page in pages:
            assert (page.extract_text() or "").count("OFFICIAL") >= 2


# ----- the URL fetcher: even markup that got through fetches nothing ------------------------

PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="  # noqa: E501


@pytest.fixture
def listener():
    """A local TCP port that records whether anything connected to it."""
    import socket

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def connections(server) -> int:
    count = 0
    while True:
        try:
            conn, _ = server.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


def test_raw_markup_in_the_pdf_fetches_no_file_and_no_url(tmp_path, listener, caplog):
    from sendreport.run.exporter import html_to_pdf

    port = listener.getsockname()[1]
    secret = tmp_path / "requests.csv"
    secret.write_text("request_id,person_id\nR1,P-SECRET-1\n", encoding="utf-8")
    image = tmp_path / "logo.png"
    import base64

    image.write_bytes(base64.b64decode(PNG_1PX))
    html = f"""<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>t</title>
    <link rel="stylesheet" href="http://127.0.0.1:{port}/s.css">
    <link rel="attachment" href="file://{secret}">
    <style>@import url("http://127.0.0.1:{port}/i.css"); body {{ background:
      url("file://{image}"); }}</style></head><body><h1>Attack</h1>
    <img src="http://127.0.0.1:{port}/x.png" alt="remote image">
    <img src="file://{image}" alt="local image">
    <a rel="attachment" href="file://{secret}">annex</a>
    <a rel="attachment" href="http://127.0.0.1:{port}/a.csv">remote annex</a>
    <object data="file://{secret}">o</object><embed src="file://{secret}">
    <img src="data:image/png;base64,{PNG_1PX}" alt="inline chart">
    </body></html>"""
    pdf_bytes = html_to_pdf(html)
    assert connections(listener) == 0, "WeasyPrint connected to the network"
    assert_no_attachment(pdf_bytes)
    assert b"P-SECRET-1" not in pdf_bytes
    pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    images = [
        name
        for page in pdf.pages
        for name, xobj in page.Resources.get("/XObject", {}).items()
        if xobj.get("/Subtype") == "/Image"
    ]
    assert len(images) == 1, "only the inline data: image is drawn"


def test_the_fetcher_serves_the_package_files_and_refuses_the_rest(tmp_path):
    from sendreport.run.exporter import TEMPLATE_DIR, pack_url_fetcher

    fetcher = pack_url_fetcher()
    own = TEMPLATE_DIR / "sendreport" / "conf.json"
    assert fetcher(own.as_uri()).read() == own.read_bytes()
    (tmp_path / "x.css").write_text("body {}")
    outside = [
        (tmp_path / "x.css").as_uri(),
        own.as_uri().replace("/sendreport/conf.json", "/../../params.py"),
        "https://example.invalid/x.css",
        "ftp://127.0.0.1/x",
        "javascript:alert(1)",
    ]
    for url in outside:
        with pytest.raises(ValueError, match="refused"):
            fetcher(url)
    assert fetcher.refused == outside


def test_css_values_cannot_close_the_style_block():
    from sendreport.pack.templating import css_string

    hostile = 'OFFICIAL"; } </style><script>x</script>\n@page { content: "'
    escaped = str(css_string(hostile))
    assert "<" not in escaped and ">" not in escaped and "\n" not in escaped
    assert '"' not in escaped.replace('\\"', "")
    import tinycss2

    tokens = tinycss2.parse_component_value_list(f'"{escaped}"')
    assert [t.type for t in tokens] == ["string"]
    assert tokens[0].value == hostile.replace("\n", " ")

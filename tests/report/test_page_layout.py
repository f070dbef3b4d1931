"""The demo packs' page layout, read from their PDFs (REPORT, "Visual rules").

No page is under a third full except the last of a part, no page holds only a
remnant, and no page ends with a heading, a table's caption or a group header
row. Parts are found from the PDF itself: a part starts on a page whose top
holds a top-level bookmark (an ``h1``); the page before it, and the document's
last, end a part. Text positions come from poppler's ``pdftotext -bbox-layout``.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pikepdf
import pytest

FULL = 1 / 3
"""Least share of the printable height a page's body reaches, but a part's last."""

REMNANT = 1 / 6
"""Least share any page's body reaches: below it a page holds only a remnant."""

MARGIN = 22 * 72 / 25.4
"""The page's top and bottom margins (report.css), in points: the running header and footer."""

DEMOS = ("demo", "demo-wsoa")


@dataclass(frozen=True)
class Line:
    top: float
    bottom: float
    text: str


@dataclass(frozen=True)
class Page:
    height: float
    lines: tuple[Line, ...]
    """The body's text lines, top to bottom (the running header and footer left out)."""

    @property
    def fill(self) -> float:
        """How far down the printable height the body's text reaches (0 to 1)."""
        if not self.lines:
            return 0.0
        return (max(line.bottom for line in self.lines) - MARGIN) / (self.height - 2 * MARGIN)


def pages(pdf: Path) -> list[Page]:
    """Each page's body text lines, from ``pdftotext -bbox-layout``."""
    xml = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    xml = re.sub(r"<!DOCTYPE[^>]*>", "", xml).replace('xmlns="http://www.w3.org/1999/xhtml"', "")
    out = []
    for page in ElementTree.fromstring(xml).iter("page"):
        height = float(page.get("height"))
        lines = []
        for line in page.iter("line"):
            top, bottom = float(line.get("yMin")), float(line.get("yMax"))
            if bottom <= MARGIN or top >= height - MARGIN:
                continue
            lines.append(Line(top, bottom, " ".join(w.text or "" for w in line.iter("word"))))
        out.append(Page(height, tuple(sorted(lines, key=lambda x: (x.top, x.bottom)))))
    return out


def part_starts(pdf: Path, found: list[Page]) -> set[int]:
    """Pages (from 0) whose body starts with a top-level heading: a part starts there."""
    starts = set()
    with pikepdf.open(pdf) as doc:
        index = {page.objgen: n for n, page in enumerate(doc.pages)}
        with doc.open_outline() as outline:
            for item in outline.root:
                dest = item.destination
                if dest is None:
                    continue
                n = index[dest[0].objgen]
                top = found[n].height - float(dest[3])  # /XYZ left top zoom, from the page's foot
                first = found[n].lines[0].top if found[n].lines else top
                if top <= first + 2:
                    starts.add(n)
    return starts


def part_ends(pdf: Path, found: list[Page]) -> set[int]:
    """Pages (from 0) that end a part: before a part's start, and the document's last."""
    return {n - 1 for n in part_starts(pdf, found) if n} | {len(found) - 1}


class _Headings(HTMLParser):
    """The texts of headings (h1 to h4), table captions and group header rows of an HTML file."""

    TAGS = ("h1", "h2", "h3", "h4", "caption")

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._open: list[str] = []
        self._text: list[str] = []
        self._in_group = False

    def handle_starttag(self, tag, attrs):
        if tag == "tr" and ("class", "group") in attrs:
            self._in_group = True
        if tag in self.TAGS or (tag == "th" and self._in_group):
            self._open.append(tag)
            self._text = []

    def handle_endtag(self, tag):
        if tag == "tr":
            self._in_group = False
        if self._open and tag == self._open[-1]:
            self._open.pop()
            text = " ".join("".join(self._text).split())
            if text:
                self.texts.append(text)

    def handle_data(self, data):
        if self._open:
            self._text.append(data)


def headings(html: str) -> set[str]:
    parser = _Headings()
    parser.feed(html)
    return set(parser.texts)


WRAP_GAP = 4.0
"""Points between two lines of one wrapped cell or paragraph are fewer than this."""


def ending_heading(page: Page, names: set[str]) -> str | None:
    """The heading, caption or group row the page's body ends with (``None``: none)."""
    for k in range(1, min(len(page.lines), 4) + 1):
        text = " ".join(" ".join(line.text for line in page.lines[-k:]).split())
        before = page.lines[-k - 1] if k < len(page.lines) else None
        # a heading, caption or group row has space above it; a line set close under
        # the one before is the wrapped end of a cell or sentence that merely reads the same
        if text in names and (before is None or page.lines[-k].top - before.bottom >= WRAP_GAP):
            return text
    return None


@pytest.fixture(scope="module")
def layouts(demo_runs):
    out = {}
    for name in DEMOS:
        pdf = demo_runs[name].pdf
        found = pages(pdf)
        html = (demo_runs[name].output_folder / "report.html").read_text(encoding="utf-8")
        out[name] = (found, part_ends(pdf, found), headings(html))
    return out


@pytest.mark.parametrize("name", DEMOS)
def test_no_page_under_a_third_full_but_a_parts_last(layouts, name):
    found, ends, _ = layouts[name]
    assert len(ends) >= 5, "parts are found from the PDF's top-level bookmarks"
    short = [
        (n + 1, round(p.fill, 2), p.lines[0].text[:40] if p.lines else "")
        for n, p in enumerate(found)
        if n not in ends and p.fill < FULL
    ]
    assert not short, f"{name}: pages under a third full (page, fill, first line): {short}"


@pytest.mark.parametrize("name", DEMOS)
def test_no_page_holds_only_a_remnant(layouts, name):
    found, _, _ = layouts[name]
    thin = [
        (n + 1, round(p.fill, 2), p.lines[0].text[:40] if p.lines else "")
        for n, p in enumerate(found)
        if p.fill < REMNANT
    ]
    assert not thin, f"{name}: pages holding only a remnant (page, fill, first line): {thin}"


@pytest.mark.parametrize("name", DEMOS)
def test_no_page_ends_with_a_heading(layouts, name):
    found, _, names = layouts[name]
    assert "Contents" in names and len(names) > 20
    ending = [(n + 1, text) for n, p in enumerate(found) if (text := ending_heading(p, names))]
    assert not ending, f"{name}: pages ending with a heading, caption or group row: {ending}"


def test_heading_checks_see_a_heading_at_a_page_foot():
    """The helpers find a heading that ends a page, and only at the page's end."""
    names = headings(
        "<h2>Actions</h2><table><caption>Workforce</caption><tr class=\"group\">"
        "<th colspan=\"3\">Priority area 1: Timely plans</th></tr></table>"
    )
    assert names == {"Actions", "Workforce", "Priority area 1: Timely plans"}

    def page(*texts: str) -> Page:
        return Page(842.0, tuple(Line(100.0 + 20 * i, 112.0 + 20 * i, t)
                                 for i, t in enumerate(texts)))

    assert ending_heading(page("Some text.", "Priority area 1:", "Timely plans"), names) == (
        "Priority area 1: Timely plans")
    assert ending_heading(page("Actions", "A row of the table."), names) is None
    assert ending_heading(page("Every action", "Actions"), names) == "Actions"
    wrapped = Page(842.0, (Line(100.0, 112.0, "Median wait of referrals waiting (weeks):"),
                           Line(113.5, 125.5, "Actions")))
    assert ending_heading(wrapped, names) is None  # a cell's wrapped end, not a heading
    assert page("One line").fill < REMNANT


def heading_sequence(html: str) -> list[tuple[str, str]]:
    """``(tag, text)`` of every heading (h1 to h4) and table caption, in document order."""
    found = re.findall(r"<(h[1-4]|caption)\b[^>]*>(.*?)</\1>", html, flags=re.S)
    return [(tag, " ".join(re.sub(r"<[^>]+>", " ", body).split())) for tag, body in found]


@pytest.mark.parametrize("name", DEMOS)
def test_no_caption_repeats_the_heading_before_it(demo_runs, name):
    """"Workforce" over a table captioned "Workforce" says one thing twice."""
    html = (demo_runs[name].output_folder / "report.html").read_text(encoding="utf-8")
    sequence = heading_sequence(html)
    assert any(tag == "caption" for tag, _ in sequence)
    repeated = [
        text for (tag, text), (before_tag, before) in zip(sequence[1:], sequence, strict=False)
        if tag == "caption" and before_tag != "caption" and text.casefold() == before.casefold()
    ]
    assert not repeated, f"{name}: captions repeating the heading above them: {repeated}"


@pytest.mark.parametrize("name", DEMOS)
def test_names_and_titles_as_the_plan_writes_them(demo_runs, name):
    """People's titles are not put into a sentence that misreads them; services keep capitals."""
    html = (demo_runs[name].output_folder / "report.html").read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "chaired by" not in text
    assert "(chair: Independent chair" in text  # the plan's own words for its chair
    assert not re.search(r"\badhd\b", text), "a service name printed as its code"


def test_wsoa_page_2_is_the_summary_by_area_of_concern(demo_runs):
    """A WSoA opens, on page 2, with its summary table; its headings say "area of concern"."""
    from sendreport.plan import load_plan

    pdf = demo_runs["demo-wsoa"].pdf
    found = pages(pdf)
    page2 = " ".join(line.text for line in found[1].lines)
    assert page2.startswith("Verdict at 31 December 2024 Summary by area of concern"), page2[:80]
    plan = load_plan(Path(__file__).resolve().parents[2] / "params" / "plans"
                     / "demoshire-wsoa.yaml")
    assert all(a.id in page2 for a in plan.priority_areas)
    everything = " ".join(line.text for p in found for line in p.lines)
    assert "By priority area" not in everything and "by priority area" not in everything
    assert "Exceptions by area of concern" in everything


def table_notes(html: str) -> list[str]:
    """The texts of the keys, sources and notes printed under tables."""
    found = re.findall(
        r'<p class="(?:table-key|source|trajectory-gap)">(.*?)</p>', html, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", body).split()) for body in found]


@pytest.mark.parametrize("name", DEMOS)
def test_no_page_starts_with_a_tables_key_or_note(demo_runs, layouts, name):
    """A table's key, source and notes stay with it: none opens a page, parted from its table."""
    found, _, _ = layouts[name]
    html = (demo_runs[name].output_folder / "report.html").read_text(encoding="utf-8")
    notes = table_notes(html)
    assert any(note.startswith("Key:") for note in notes)
    parted = []
    for n, page in enumerate(found):
        first = " ".join(page.lines[0].text.split()) if page.lines else ""
        if len(first) > 15 and any(note.startswith(first) for note in notes):
            parted.append((n + 1, first[:50]))
    assert not parted, f"{name}: pages opening with a table's key or note: {parted}"

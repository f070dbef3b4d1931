"""Analysts' charts: the guard reads what a figure shows, not only its alt text (issue 21).

A figure in a cell tagged ``report`` is printed by the kernel's figure printer
(``sendreport.pack.cells``), which draws it with ``figure_png`` and carries
what the drawn figure shows in the output's metadata. These tests build the
printer's real output from real matplotlib figures and give it to the guard as
the runner does; tests/report/test_analysis.py runs the same through
``sendreport run``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import urllib.parse

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from nbformat import v4  # noqa: E402

from sendreport.charts.render import figure_contents, figure_png, not_people  # noqa: E402
from sendreport.disclosure.rule import is_small  # noqa: E402
from sendreport.errors import DisclosureError  # noqa: E402
from sendreport.guard import (  # noqa: E402
    DATE_OF_BIRTH,
    NAME,
    UNREAD_IMAGE,
    check_charts,
    check_images,
    check_outputs,
    collect_identifiers,
    scrub_notebook,
)
from sendreport.pack.cells import _figure_output, alt_text  # noqa: E402

PERSON = "P000123"
DOB = pd.Timestamp("2015-03-01")
CHARTS = settings(max_examples=40, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture
def ids():
    requests = pd.DataFrame({"request_id": ["R0000001"], "person_id": [PERSON],
                             "date_of_birth": [DOB], "forename": ["Jo"], "surname": ["Li"]})
    return collect_identifiers({"requests": requests})


def printed(fig) -> tuple[nbformat.NotebookNode, str]:
    """A notebook whose report cell shows ``fig`` through the printer, and the pack's HTML."""
    html, metadata = _figure_output(fig)
    output = v4.new_output("display_data", data={"text/html": html, "text/plain": "<Figure>"},
                           metadata={"text/html": metadata})
    cell = v4.new_code_cell("plt.show()", metadata={"tags": ["report"]}, outputs=[output])
    return v4.new_notebook(cells=[cell]), f"<html><body>{html}</body></html>"


def refusal(nb, html, ids, **kw) -> str:
    with pytest.raises(DisclosureError) as err:
        check_outputs(notebook=nb, html=html, pdf_text=None, identifiers=ids, **kw)
    return str(err.value)


def chart(**texts):
    fig, ax = plt.subplots()
    ax.bar(["Audiology", "Autism"], [40, 55])
    ax.set(title=texts.get("title", "Children waiting"), ylabel="Children")
    return fig, ax


# -- texts drawn in a chart -------------------------------------------------------------------


@pytest.mark.parametrize("draw", [
    lambda fig, ax: ax.set_xticks([0, 1], [PERSON, "Autism"]),
    lambda fig, ax: ax.annotate(f"longest: {PERSON}", (1, 55)),
    lambda fig, ax: ax.set_title(f"Waits, longest {PERSON}", loc="left"),
    lambda fig, ax: fig.suptitle(f"Case {PERSON}"),
    lambda fig, ax: ax.legend([f"{PERSON}"]),
    lambda fig, ax: ax.table(cellText=[[PERSON, "31"]], loc="bottom"),
    lambda fig, ax: ax.text(0, 20, PERSON),
    lambda fig, ax: ax.set_xlabel(f"{PERSON} and others"),
], ids=["tick label", "annotation", "left title", "suptitle", "legend", "table cell",
        "text", "axis label"])
def test_an_identifier_drawn_anywhere_in_a_report_chart_is_refused(ids, draw):
    fig, ax = chart()
    draw(fig, ax)
    alt_text(fig, "Children waiting by service.")  # the alt text says nothing personal
    nb, html = printed(fig)
    message = refusal(nb, html, ids, threshold=5)
    assert "- identifier (person_id) in notebook cell 1 output" in message
    assert PERSON not in message


@pytest.mark.parametrize("label", ["01/03/2015", "1 Mar 2015", "2015-03-01"])
def test_a_date_of_birth_as_a_tick_label_is_refused(ids, label):
    fig, ax = chart()
    ax.set_xticks([0, 1], [label, "31/12/2024"])
    nb, html = printed(fig)
    assert f"- {DATE_OF_BIRTH} in notebook cell 1 output" in refusal(nb, html, ids, threshold=5)


def test_a_short_name_in_a_chart_is_refused(ids):
    fig, ax = chart()
    ax.annotate("Jo Li waited longest", (1, 55))
    nb, html = printed(fig)
    assert f"- {NAME} in notebook cell 1 output" in refusal(nb, html, ids, threshold=5)


def test_a_clean_report_chart_passes_and_its_record_is_not_published(ids):
    fig, ax = chart()
    ax.bar_label(ax.containers[0])
    nb, html = printed(fig)
    check_outputs(notebook=nb, html=html, pdf_text=None, identifiers=ids, threshold=5)
    kept = scrub_notebook(nb).cells[0].outputs[0]
    assert kept.metadata["text/html"] == {"sendreport": {"role": "figure"}}


# -- small counts -----------------------------------------------------------------------------

COUNTS = st.lists(st.integers(0, 60), min_size=1, max_size=8)


def bars(counts, how):
    fig, ax = plt.subplots()
    x = [f"Need {i}" for i in range(len(counts))]
    if how == "bar":
        ax.bar(x, counts)
    elif how == "barh":
        ax.barh(x, counts)
    elif how == "bar_label":  # bars of percentages labelled with their counts
        container = ax.bar(x, [50.5] * len(counts))
        ax.bar_label(container, labels=[str(c) for c in counts])
    elif how == "scatter":
        ax.scatter(range(len(counts)), counts)
    else:
        ax.plot(pd.date_range("2024-01-31", periods=len(counts), freq="ME"), counts)
    ax.set(title="EHC plans issued", ylabel="Plans")
    return fig


@CHARTS
@given(COUNTS, st.sampled_from(["bar", "barh", "bar_label", "scatter", "line"]),
       st.integers(3, 11), st.sampled_from(["shared", "families"]))
def test_a_chart_showing_a_small_count_is_refused_in_a_shared_pack(counts, how, threshold,
                                                                  audience):
    nb, _ = printed(bars(counts, how))
    findings = check_charts(nb, threshold=threshold, audience=audience)
    small = int(is_small(counts, threshold).sum())
    if small:
        assert [(f.kind, f.where) for f in findings] == [
            (f"count of 1 to {threshold - 1} in a chart", "notebook cell 1 output")]
    else:
        assert findings == []
    assert check_charts(nb, threshold=threshold, audience="internal") == []


@CHARTS
@given(COUNTS, st.sampled_from(["bar", "bar_label", "line"]))
def test_a_chart_that_says_its_values_are_not_people_passes(counts, how):
    fig = bars(counts, how)
    alt_text(fig, "Median weeks by need.", people=False)
    nb, _ = printed(fig)
    assert check_charts(nb, threshold=5) == []


def test_bar_labels_1_1_2_refuse_the_run_naming_the_cell(ids):
    fig, ax = plt.subplots()
    container = ax.bar(["Audiology", "Autism", "Dietetics"], [1, 1, 2])
    ax.bar_label(container)
    ax.set(title="Children waiting over 52 weeks")
    nb, html = printed(fig)
    message = refusal(nb, html, ids, threshold=5)
    assert "- count of 1 to 4 in a chart in notebook cell 1 output (2 times)" in message
    assert "people=False" in message
    check_outputs(notebook=nb, html=html, pdf_text=None, identifiers=ids, threshold=5,
                  audience="internal")


def test_an_exploratory_chart_that_stays_in_the_notebook_is_not_checked_for_counts(ids):
    nb, html = printed(bars([1, 2, 3], "bar"))
    nb.cells[0].metadata["tags"] = []  # not tagged report: the pack does not print it
    check_outputs(notebook=nb, html="<p>43 plans</p>", pdf_text=None, identifiers=ids,
                  threshold=5)
    with pytest.raises(DisclosureError, match="count of 1 to 4 in a chart"):
        check_outputs(notebook=nb, html=html, pdf_text=None, identifiers=ids, threshold=5)


def test_reference_lines_category_positions_and_tick_labels_are_not_counts():
    fig, ax = plt.subplots()
    ax.plot([3.5, 7.25, 12.5], ["Audiology", "Autism", "Dietetics"], "o")  # y: positions 0-2
    ax.axvline(2, color="grey")  # a reference line in axes coordinates on y
    ax.axhline(1)
    figure_png(fig)
    assert figure_contents(fig)["values"] == []


# -- images the guard cannot read ------------------------------------------------------------


def png_of(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def test_an_image_not_drawn_by_the_printer_is_refused_whatever_its_metadata(ids):
    fig, ax = chart()
    ax.set_xticks([0, 1], [PERSON, "Autism"])
    uri = "data:image/png;base64," + base64.b64encode(png_of(fig)).decode()
    forged = f'<figure><img src="{uri}" alt="Children waiting"></figure>'
    nb = v4.new_notebook(cells=[v4.new_code_cell(outputs=[v4.new_output(
        "display_data", data={"text/html": forged},
        metadata={"sendreport": {"role": "figure", "figures": [{"texts": [], "values": []}]}})])])
    message = refusal(nb, forged, ids, threshold=5)
    assert f"- {UNREAD_IMAGE} in report.html" in message


def test_markdown_and_url_encoded_images_and_data_links_are_refused():
    png = b"PNG bytes of a screenshot"
    encoded = base64.b64encode(png).decode()
    html = (f'<p><img src="data:image/png;base64,{encoded}" alt="a screenshot"></p>'
            f'<img src="data:image/png,{urllib.parse.quote(png)}">'
            '<a href="data:text/csv;base64,cGVyc29uX2lkClAwMDAxMjMK">rows</a>')
    assert [(f.kind, f.count) for f in check_images(html, set())] == [(UNREAD_IMAGE, 3)]
    assert check_images(html, {hashlib.sha256(png).hexdigest()})[0].count == 2
    assert check_images("<p>Source data: DfE, data:image of the month</p>", set()) == []


def test_an_svg_image_is_read_as_text(ids):
    svg = f'<svg xmlns="http://www.w3.org/2000/svg"><text>{PERSON}</text></svg>'
    html = f'<img src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}">'
    message = refusal(None, html, ids)
    assert "- identifier (person_id) in report.html (SVG image)" in message


def test_the_scrubbed_notebook_keeps_no_image_data_or_attachment():
    image = v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=",
                                                 "text/html": "<p>chart</p>"},
                          metadata={"sendreport": {"role": "content", "figures": [{"png": "x"}]}})
    markdown = v4.new_markdown_cell("![x](attachment:x.png)",
                                    attachments={"x.png": {"image/png": "iVBORw0KGgo="}})
    nb = v4.new_notebook(cells=[v4.new_code_cell(outputs=[image]), markdown])
    clean = scrub_notebook(nb)
    assert clean.cells[0].outputs[0].data == {"text/html": "<p>chart</p>"}
    assert clean.cells[0].outputs[0].metadata == {"sendreport": {"role": "content"}}
    assert "attachments" not in clean.cells[1]


def test_not_people_marks_the_figure_of_an_axes():
    fig, ax = plt.subplots()
    assert not_people(ax) is ax
    assert figure_contents(fig)["people"] is False
    plt.close(fig)

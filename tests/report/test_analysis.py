"""Analysts' own notebooks: the scaffold, report cells and the two worked analyses, run for real."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pikepdf
import pytest
import yaml

from sendreport.synth import write_synthetic

ROOT = Path(__file__).resolve().parents[2]
SENDREPORT = str(Path(sys.executable).parent / "sendreport")


def run(params: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([SENDREPORT, "run", str(params), "--output-dir", str(out)],
                          capture_output=True, text=True, check=False, timeout=600)


def figure_alts(pdf: Path) -> list[str]:
    """The /Alt text of every Figure element in the tagged PDF's structure tree."""
    alts = []
    with pikepdf.open(pdf) as doc:
        stack = [doc.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Array):
                stack.extend(node)
                continue
            if not isinstance(node, pikepdf.Dictionary):
                continue
            if node.get("/S") == "/Figure" and "/Alt" in node:
                alts.append(str(node.Alt))
            if "/K" in node:
                stack.append(node.K)
    return alts


def pdf_images(pdf: Path) -> int:
    """Image XObjects drawn on the pages."""
    with pikepdf.open(pdf) as doc:
        return sum(
            1
            for page in doc.pages
            for xobjects in [page.obj.get("/Resources", {}).get("/XObject", {})]
            for name in xobjects.keys()
            if xobjects[name].get("/Subtype") == "/Image"
        )


@pytest.fixture(scope="module")
def scaffold(tmp_path_factory):
    """`sendreport new` in an empty project folder: notebook, params, plan and demo data."""
    root = tmp_path_factory.mktemp("project")
    done = subprocess.run([SENDREPORT, "new", "waits-by-need", "--root", str(root)],
                          capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    return root


def test_new_writes_a_notebook_and_params_file_and_never_overwrites(scaffold):
    notebook = scaffold / "notebooks" / "waits-by-need.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert ["parameters"] in tags and ["report"] in tags
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
    again = subprocess.run([SENDREPORT, "new", "waits-by-need", "--root", str(scaffold)],
                           capture_output=True, text=True, check=False, timeout=300)
    assert again.returncode == 2 and "already exist" in again.stderr
    bad = subprocess.run([SENDREPORT, "new", "../x", "--root", str(scaffold)],
                         capture_output=True, text=True, check=False, timeout=300)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_the_scaffold_runs_unchanged_and_prints_its_seaborn_chart_with_alt_text(scaffold):
    out = scaffold / "outputs"
    done = run(scaffold / "params" / "waits-by-need.yaml", out)
    assert done.returncode == 0, done.stderr
    pack = out / "demoshire" / "2024-12-31"
    alts = figure_alts(pack / "report.pdf")
    expected = ("Chart: Weeks waited by children first seen in the period. "
                "Horizontal axis: Weeks from referral to first contact. Vertical axis: Children.")
    assert expected in alts
    assert pdf_images(pack / "report.pdf") >= 1
    html = (pack / "report.html").read_text(encoding="utf-8")
    assert re.search(r'<img src="data:image/png;base64,[^"]+" alt="' + re.escape(expected), html)
    # the saved notebook keeps the figure's HTML, not the plot's own image or any code output
    saved = nbformat.read(pack / "report.ipynb", as_version=4)
    outputs = [o for c in saved.cells if c.cell_type == "code" for o in c.outputs]
    assert not any("image/png" in o.get("data", {}) for o in outputs)


def edited_copy(scaffold: Path, name: str, report_source: str, **params_changes) -> Path:
    """A copy of the scaffold whose report cell holds ``report_source``."""
    nb = nbformat.read(scaffold / "notebooks" / "waits-by-need.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "report" in c.metadata.get("tags", []))
    cell.source = report_source
    notebook = scaffold / "notebooks" / f"{name}.ipynb"
    nbformat.write(nb, notebook)
    params = yaml.safe_load((scaffold / "params" / "waits-by-need.yaml").read_text())
    params["notebook"] = f"../notebooks/{name}.ipynb"
    params.update(params_changes)
    path = scaffold / "params" / f"{name}.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    return path


def test_a_figure_with_neither_alt_text_nor_title_stops_the_run_naming_the_cell(scaffold):
    params = edited_copy(scaffold, "bare", (
        "fig, ax = plt.subplots()\n"
        "sns.histplot(x=[1, 2, 3], ax=ax)\n"
        "ax.set(xlabel='', ylabel='')\n"
        "plt.show()\n"
    ))
    out = scaffold / "outputs-bare"
    done = run(params, out)
    assert done.returncode == 1
    assert "cell 5 ('fig, ax = plt.subplots()')" in done.stderr
    assert "no alt text" in done.stderr and "Traceback" not in done.stderr
    assert not (out / "demoshire" / "2024-12-31").exists()


def test_raw_rows_of_input_in_a_report_cell_are_refused(scaffold):
    params = edited_copy(scaffold, "rows", 'analysis.tables["referrals"].head(20)\n')
    out = scaffold / "outputs-rows"
    done = run(params, out)
    assert done.returncode == 3, done.stderr
    assert not (out / "demoshire" / "2024-12-31").exists()


CHILD = (
    "import io\n"
    "from IPython.display import HTML, Image, Markdown, display\n"
    "child = analysis.tables['requests'].dropna(subset=['date_of_birth']).iloc[0]\n"
    "born = f\"{child['date_of_birth']:%d/%m/%Y}\"\n"
)


def refused(done, out: Path) -> str:
    assert done.returncode == 3, done.stderr
    assert not (out / "demoshire" / "2024-12-31").exists()
    assert "Traceback" not in done.stderr
    return done.stderr


def test_case_ids_and_dates_of_birth_drawn_in_a_report_chart_refuse_the_run(scaffold):
    """The alt text is clean; the tick labels, annotation and title are not."""
    params = edited_copy(scaffold, "drawn-ids", CHILD + (
        "fig, ax = plt.subplots()\n"
        "ax.bar([child['person_id'], 'Everyone else'], [31, 18])\n"
        "ax.annotate(f'born {born}', (0, 31))\n"
        "ax.set_title(f\"Request {child['request_id']}\")\n"
        "sr.alt_text(fig, 'Weeks waited: one child against the rest.')\n"
        "plt.show()\n"
    ))
    out = scaffold / "outputs-drawn-ids"
    message = refused(run(params, out), out)
    for kind in ("identifier (person_id)", "identifier (request_id)", "date of birth"):
        assert f"- {kind} in notebook cell 6 output" in message
    data = scaffold / "data" / "demo" / "requests.csv"
    first = next(r for r in data.read_text().splitlines()[1:])
    assert not any(value in message for value in first.split(",")[:2])


def test_bar_labels_of_1_1_2_refuse_a_shared_run_but_not_an_internal_one(scaffold):
    source = (
        "fig, ax = plt.subplots()\n"
        "bars = ax.bar(['Audiology', 'Dietetics', 'Podiatry'], [1, 1, 2])\n"
        "ax.bar_label(bars)\n"
        "ax.set(title='Children waiting over 52 weeks', ylabel='Children')\n"
        "plt.show()\n"
    )
    out = scaffold / "outputs-small-bars"
    message = refused(run(edited_copy(scaffold, "small-bars", source), out), out)
    assert "- count of 1 to 4 in a chart in notebook cell 6 output (2 times)" in message
    assert "people=False" in message
    internal = edited_copy(scaffold, "small-bars-internal", source, audience="internal")
    done = run(internal, scaffold / "outputs-small-bars-internal")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(("name", "source", "code", "expected"), [
    ("saved-image", (
        "fig, ax = plt.subplots()\n"
        "ax.bar([child['person_id'], 'Everyone else'], [31, 18])\n"
        "ax.set(title='Weeks waited')\n"
        "buf = io.BytesIO()\n"
        "fig.savefig(buf, format='png')\n"
        "plt.close(fig)\n"
        "display(Image(buf.getvalue()))\n"
    ), 1, "an image the privacy guard cannot read"),
    ("markdown-image", (
        "import base64\n"
        "fig, ax = plt.subplots()\n"
        "ax.bar([child['person_id'], 'Everyone else'], [31, 18])\n"
        "buf = io.BytesIO()\n"
        "fig.savefig(buf, format='png')\n"
        "plt.close(fig)\n"
        "display(Markdown('![Weeks waited](data:image/png;base64,'\n"
        "                 + base64.b64encode(buf.getvalue()).decode() + ')'))\n"
    ), 3, "- image or data the guard cannot read in report.html"),
    ("forged-metadata", (
        "import base64\n"
        "fig, ax = plt.subplots()\n"
        "ax.bar([child['person_id'], 'Everyone else'], [31, 18])\n"
        "buf = io.BytesIO()\n"
        "fig.savefig(buf, format='png')\n"
        "plt.close(fig)\n"
        "uri = 'data:image/png;base64,' + base64.b64encode(buf.getvalue()).decode()\n"
        "display(HTML(f'<img src=\"{uri}\" alt=\"Weeks waited\">'),\n"
        "        metadata={'sendreport': {'role': 'figure', 'figures': []}})\n"
    ), 3, "- image or data the guard cannot read in report.html"),
])
def test_an_image_not_drawn_by_the_figure_printer_never_reaches_the_pack(
    scaffold, name, source, code, expected
):
    out = scaffold / f"outputs-{name}"
    done = run(edited_copy(scaffold, name, CHILD + source), out)
    assert done.returncode == code, done.stderr
    assert expected in done.stderr and "Traceback" not in done.stderr
    assert not (out / "demoshire" / "2024-12-31").exists()


RAW_ROWS = (
    "from IPython.display import HTML, Markdown, display\n"
    "rows = analysis.tables['requests'].dropna(subset=['plan_issued_date']).head(8)[\n"
    "    ['received_date', 'request_outcome', 'primary_need', 'plan_issued_date']]\n"
)


@pytest.mark.parametrize(("name", "source"), [
    ("markdown-rows", RAW_ROWS + (
        "display(Markdown('\\n'.join(\n"
        "    f'- {r.received_date:%d %B %Y}: {r.request_outcome}, {r.primary_need}, '\n"
        "    f'plan {r.plan_issued_date:%d/%m/%Y}' for r in rows.itertuples())))\n"
    )),
    ("forged-table", RAW_ROWS + (
        "display(HTML(rows.to_html(index=False)),\n"
        "        metadata={'sendreport': {'role': 'table'}})\n"
    )),
])
def test_raw_record_rows_without_ids_are_refused_however_they_are_displayed(scaffold, name,
                                                                           source):
    out = scaffold / f"outputs-{name}"
    message = refused(run(edited_copy(scaffold, name, source), out), out)
    assert "- record of the input (requests) in report.html" in message


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo-data")
    write_synthetic(folder)
    return folder


@pytest.mark.parametrize("name", ["ehcp-timeliness", "waiting-lists"])
def test_analysis_notebooks_run_to_tagged_pdfs_with_their_charts(name, demo_data, tmp_path):
    params = yaml.safe_load((ROOT / "params" / f"{name}.yaml").read_text())
    params["notebook"] = str(ROOT / "notebooks" / f"{name}.ipynb")
    params["plan"] = str(ROOT / "params" / params["plan"])
    params["data"] = {table: str(demo_data / f"{table}.csv") for table in params["data"]}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    done = run(path, tmp_path / "out")
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / "out" / "demoshire" / "2024-12-31" / "report.pdf"
    alts = figure_alts(pdf)
    assert len(alts) >= 2 and all(len(a) > 40 for a in alts)
    with pikepdf.open(pdf) as doc:
        assert doc.Root.MarkInfo.Marked and str(doc.Root.Lang) == "en-GB"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Key: c = withheld" in text or " c " not in text
    assert "Traceback" not in text and "DataFrame" not in text

"""The folder that may be sent holds no absolute path of this machine (SPEC 7).

The demo is a real run from a temporary folder (the session's ``demo_command``):
every file of its pack folder, the PDF's text and metadata and the executed
notebook's JSON included, is searched for that folder, the home folder and the
checkout's and the Python environment's paths.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pikepdf
import pytest

from sendreport.guard import pdf_text_pages

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _texts(folder: Path) -> dict[str, str]:
    """Every file of the folder as text; the PDF as its page text and its metadata."""
    texts = {}
    for path in sorted(folder.iterdir()):
        data = path.read_bytes()
        if path.suffix == ".pdf":
            texts[f"{path.name} (text)"] = "\n".join(pdf_text_pages(data))
            with pikepdf.open(path) as pdf:
                info = {str(k): str(v) for k, v in pdf.docinfo.items()}
                texts[f"{path.name} (metadata)"] = json.dumps(info) + str(pdf.open_metadata())
        else:
            texts[path.name] = data.decode("utf-8")
    return texts


def test_the_pack_folder_names_no_path_of_this_machine(demo_command):
    demo, out = demo_command["process"], demo_command["out"]
    assert demo.returncode == 0, demo.stderr
    folder = out / "demoshire" / "2024-12-31"
    texts = _texts(folder)
    assert {"report.ipynb", "report.html", "report.pdf (text)", "manifest.json"} <= set(texts)
    machine = {
        str(out), str(out.resolve()), str(demo_command["cwd"]), str(Path.home()),
        str(out.parent), str(ROOT), str(ROOT.resolve()), sys.prefix,
    }
    found = {(name, where) for name, text in texts.items() for where in machine if where in text}
    assert found == set()


def test_the_executed_notebook_names_its_inputs_relative_to_the_params_file(demo_command):
    folder = demo_command["out"] / "demoshire" / "2024-12-31"
    nb = json.loads((folder / "report.ipynb").read_text(encoding="utf-8"))
    injected = next(c for c in nb["cells"]
                    if "injected-parameters" in c["metadata"].get("tags", []))
    source = "".join(injected["source"])
    assert 'notebook = "../notebooks/stocktake.ipynb"' in source
    assert 'plan = "plans/demoshire-pap.yaml"' in source
    assert '"requests": "../data/demo/requests.csv"' in source
    record = nb["metadata"]["papermill"]
    assert record["input_path"] == "../notebooks/stocktake.ipynb"
    assert record["parameters"]["data"]["reviews"] == "../data/demo/reviews.csv"
    # the paths are the params file's own: they lead to the inputs from its folder
    params_folder = demo_command["out"] / "demo-inputs" / "params"
    assert (params_folder / record["parameters"]["notebook"]).is_file()
    assert all((params_folder / p).is_file() for p in record["parameters"]["data"].values())

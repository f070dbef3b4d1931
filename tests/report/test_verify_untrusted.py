"""`sendreport verify` trusts nothing in the pack's folder (SPEC 7).

A pack folder may have come from anyone: its manifest must never make verify run
a params file or notebook of its choosing, read a file outside the folder, or
fail with anything but a one-line refusal (exit 2).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_notebook

from sendreport.errors import ParameterError
from sendreport.run.verify import MANIFEST_MAX_BYTES, read_manifest

SENDREPORT = str(Path(sys.executable).parent / "sendreport")
MARKER = "the-pack-folder-ran-code"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SENDREPORT, *args], capture_output=True, text=True, cwd=cwd, timeout=600, check=False
    )


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refused(done: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit 2 with one plain line naming what is wrong; nothing rerun, nothing published."""
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sendreport: error: "), done.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "rerun" not in done.stdout and "as published" not in done.stdout


def evil_notebook(folder: Path, marker: Path) -> Path:
    """A notebook that leaves a marker file when it runs: the code a tampered pack smuggles."""
    nb = new_notebook(
        cells=[
            new_code_cell("notebook = None", metadata={"tags": ["parameters"]}),
            new_code_cell(f"open({str(marker)!r}, 'w').write('ran')"),
        ],
        metadata={"kernelspec": {"name": "python3", "language": "python",
                                 "display_name": "Python 3"}},
    )
    path = folder / "evil.ipynb"
    nbformat.write(nb, path)
    return path


def absolute_params(params_dir: Path, notebook: Path, to: Path) -> Path:
    """The params_dir's params file, copied to ``to`` with every path absolute."""
    raw = yaml.safe_load((params_dir / "params.yaml").read_text())
    raw["notebook"] = str(notebook)
    raw["plan"] = str(params_dir / "plan.yaml")
    raw["data"] = {"requests": str(params_dir / "requests.csv")}
    to.parent.mkdir(parents=True, exist_ok=True)
    to.write_text(yaml.safe_dump(raw))
    return to


@pytest.fixture
def project(params_dir: Path) -> Path:
    """A project folder with a pack in outputs/; params_dir (its parent) lies outside it.

    ``params_dir/params.yaml`` is a valid params file whose notebook leaves a marker
    when it runs: the file a tampered manifest would have verify rerun.
    """
    evil = evil_notebook(params_dir, params_dir / MARKER)
    absolute_params(params_dir, evil, params_dir / "params.yaml")
    root = params_dir / "project"
    (root / "outputs" / "testshire" / "2024-06-30").mkdir(parents=True)
    return root


def pack_folder(project: Path) -> Path:
    return project / "outputs" / "testshire" / "2024-06-30"


def write_manifest(folder: Path, params_path: str, params_file: Path, **changes) -> Path:
    (folder / "kpis.csv").write_text("kpi_id\n")
    manifest = {
        "sendreport_manifest": 1,
        "params": {"file": "params.yaml", "path": params_path, "sha256": sha(params_file)},
        "inputs": {},
        "outputs": {"kpis.csv": sha(folder / "kpis.csv")},
        "confidential_annex": None,
        **changes,
    }
    path = folder / "manifest.json"
    path.write_text(json.dumps(manifest))
    return path


# --- 1. the params file and notebook are the project's own --------------------------------


def plant_absolute(project: Path, outside: Path) -> str:
    return str(outside / "params.yaml")


def plant_dotdot(project: Path, outside: Path) -> str:
    return "../../../../params.yaml"  # from outputs/testshire/2024-06-30 out of the project


def plant_symlink(project: Path, outside: Path) -> str:
    (project / "params").mkdir()
    (project / "params" / "link.yaml").symlink_to(outside / "params.yaml")
    return "../../../params/link.yaml"


def plant_in_the_pack(project: Path, outside: Path) -> str:
    folder = pack_folder(project)
    absolute_params(outside, evil_notebook(folder, outside / MARKER), folder / "params.yaml")
    return "params.yaml"


def plant_beside_the_pack(project: Path, outside: Path) -> str:
    """In the outputs folder, which came from the same place as the pack."""
    folder = project / "outputs"
    absolute_params(outside, evil_notebook(folder, outside / MARKER), folder / "params.yaml")
    return "../../params.yaml"


@pytest.mark.parametrize(
    ("plant", "says"),
    [
        (plant_absolute, "is outside the project"),
        (plant_dotdot, "is outside the project"),
        (plant_symlink, "is outside the project"),
        (plant_in_the_pack, "which verify does not trust"),
        (plant_beside_the_pack, "which verify does not trust"),
    ],
)
def test_verify_never_runs_a_params_file_the_manifest_points_outside_the_project(
    project, plant, says
):
    outside = project.parent
    recorded = plant(project, outside)
    target = pack_folder(project) / recorded
    write_manifest(pack_folder(project), recorded, target)
    done = cli("verify", "outputs/testshire/2024-06-30", cwd=project)
    refused(done, "manifest.json: params.path", says, "--params")
    assert not (outside / MARKER).exists(), "the pack folder's code ran"


def test_verify_never_runs_a_notebook_outside_the_project_even_from_a_project_params_file(
    project,
):
    """The params file is the project's, but a tampered one names a notebook elsewhere."""
    outside = project.parent
    own = absolute_params(outside, outside / "evil.ipynb", project / "params" / "own.yaml")
    write_manifest(pack_folder(project), "../../../params/own.yaml", own)
    done = cli("verify", "outputs/testshire/2024-06-30", cwd=project)
    refused(done, "own.yaml: notebook:", str(outside / "evil.ipynb"), "is outside the project")
    assert not (outside / MARKER).exists()


def test_verify_with_params_names_a_missing_file_in_one_line(project):
    write_manifest(pack_folder(project), "../../../params.yaml", project.parent / "params.yaml")
    done = cli("verify", "outputs/testshire/2024-06-30", "--params", "gone.yaml", cwd=project)
    refused(done, "--params: gone.yaml: no such params file")


# --- 2. a malformed manifest is refused in one line ---------------------------------------

GOOD = {
    "sendreport_manifest": 1,
    "params": {"path": "p.yaml", "sha256": "0" * 64},
    "inputs": {"data.requests": {"file": "requests.csv", "sha256": "1" * 64}},
    "outputs": {"kpis.csv": "2" * 64},
    "confidential_annex": None,
}


def changed(**fields) -> bytes:
    return json.dumps({**GOOD, **fields}).encode()


def without(key: str) -> bytes:
    return json.dumps({k: v for k, v in GOOD.items() if k != key}).encode()


MALFORMED = [
    (b"{not json", "not JSON"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
    (b" " * (MANIFEST_MAX_BYTES + 1) + changed(), "larger than any manifest"),
    (json.dumps([1, 2]).encode(), "not a sendreport manifest"),
    (without("outputs"), "outputs: missing"),
    (without("params"), "params: missing"),
    (changed(params=["p.yaml"]), "params: must be a JSON object, not a list"),
    (changed(params={"path": "p.yaml"}), "params.sha256: missing"),
    (changed(params={"path": 7, "sha256": "0" * 64}), "params.path: must be a string"),
    (changed(outputs=["kpis.csv"]), "outputs: must be a JSON object, not a list"),
    (changed(outputs={"kpis.csv": 12}), "outputs.kpis.csv: must be a string, not a number"),
    (changed(outputs={"kpis.csv": "abc"}), "outputs.kpis.csv: must be a sha256"),
    (changed(inputs={"data.requests": "requests.csv"}), "inputs.data.requests: must be a JSON"),
    (changed(inputs={"data.requests": {"file": "r.csv"}}), "inputs.data.requests.sha256: missing"),
    (changed(inputs={"x": {"file": "\x1b[2Jr.csv", "sha256": "1" * 64}}), "control characters"),
    (changed(confidential_annex=[]), "confidential_annex: must be a JSON object"),
]


@pytest.mark.parametrize(("content", "says"), MALFORMED, ids=[says for _, says in MALFORMED])
def test_a_malformed_manifest_is_refused_naming_the_file_and_the_fault(tmp_path, content, says):
    (tmp_path / "manifest.json").write_bytes(content)
    with pytest.raises(ParameterError) as caught:
        read_manifest(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / 'manifest.json'}: ")
    assert says in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("content", "says"),
    [MALFORMED[0], MALFORMED[2], MALFORMED[3], MALFORMED[7], MALFORMED[11], MALFORMED[14]],
    # named by what is wrong: an id holding the content would reach the command's environment
    # (PYTEST_CURRENT_TEST) and pass the system's limit on one variable
    ids=lambda value: value if isinstance(value, str) else "content",
)
def test_verify_on_a_malformed_manifest_exits_2_in_one_line(tmp_path, content, says):
    (tmp_path / "manifest.json").write_bytes(content)
    done = cli("verify", str(tmp_path), cwd=tmp_path)
    refused(done, f"{tmp_path / 'manifest.json'}: ", says)
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr


def test_a_manifest_that_is_a_fifo_or_a_symlink_is_refused_without_hanging(tmp_path):
    os.mkfifo(tmp_path / "manifest.json")
    with pytest.raises(ParameterError, match="not a regular file"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").unlink()
    (tmp_path / "elsewhere.json").write_bytes(changed())
    (tmp_path / "manifest.json").symlink_to(tmp_path / "elsewhere.json")
    with pytest.raises(ParameterError, match="cannot be read as a manifest"):
        read_manifest(tmp_path)


# --- 3. output names never reach outside the pack's folder --------------------------------


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("not for anyone who sends a pack folder\n")
    return path


@pytest.mark.parametrize("name", ["{secret}", "../../../../secret.txt", "sub/x.csv", "..", ""])
def test_verify_refuses_output_names_that_are_not_plain_file_names(project, secret, name):
    name = name.format(secret=secret)
    folder = pack_folder(project)
    own = absolute_params(project.parent, project.parent / "evil.ipynb", project / "own.yaml")
    write_manifest(folder, "../../../own.yaml", own, outputs={name: sha(secret)})
    done = cli("verify", "outputs/testshire/2024-06-30", cwd=project)
    refused(done, "manifest.json: outputs:", repr(name), "not a plain file name")
    assert not (project.parent / MARKER).exists()


def test_verify_refuses_an_output_that_is_a_symlink_out_of_the_pack_folder(project, secret):
    folder = pack_folder(project)
    own = absolute_params(project.parent, project.parent / "evil.ipynb", project / "own.yaml")
    write_manifest(folder, "../../../own.yaml", own)
    (folder / "kpis.csv").unlink()
    (folder / "kpis.csv").symlink_to(secret)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["outputs"] = {"kpis.csv": sha(secret)}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    done = cli("verify", "outputs/testshire/2024-06-30", cwd=project)
    refused(done, "outputs: 'kpis.csv' leads outside the pack's folder")
    assert not (project.parent / MARKER).exists()

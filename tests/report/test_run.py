from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import papermill
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_notebook
from terminal import sendreport_from_a_terminal

from sendreport.errors import DataValidationError, NotebookExecutionError
from sendreport.params import Params
from sendreport.run.manifest import sha256_file
from sendreport.run.pipeline import run_report

SENDREPORT = str(Path(sys.executable).parent / "sendreport")
PARAMETERS_CELL = "\n".join(f"{name} = None" for name in Params.model_fields)


def small_notebook(folder: Path, body: str, *, prebuilt_pack: bool = False) -> Path:
    nb = new_notebook(
        cells=[
            new_code_cell(PARAMETERS_CELL, metadata={"tags": ["parameters"]}),
            new_code_cell(
                "from sendreport.pack.display import declare_document, show\n"
                "declare_document(title=f'{area_name} pack', classification='OFFICIAL', "
                "running_head=area_name)"
            ),
            new_code_cell(body),
        ],
        metadata={
            "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"},
            "sendreport": {"prebuilt_pack": prebuilt_pack},
        },
    )
    path = folder / "small.ipynb"
    nbformat.write(nb, path)
    return path


def point_params_at(params_dir: Path, notebook: Path) -> Path:
    path = params_dir / "params.yaml"
    raw = yaml.safe_load(path.read_text())
    raw["notebook"] = str(notebook)
    path.write_text(yaml.safe_dump(raw))
    return path


def earlier_outputs(out: Path) -> Path:
    folder = out / "testshire" / "2024-06-30"
    folder.mkdir(parents=True)
    (folder / "report.pdf").write_bytes(b"earlier pack")
    return folder


def test_successful_run_writes_outputs_and_manifest(params_dir, tmp_path):
    nb = small_notebook(
        params_dir,
        "show('<section><h1>Hello</h1><p>Pack body.</p></section>')\n"
        "open('kpis.csv', 'w').write('kpi_id\\n')",
    )
    params = point_params_at(params_dir, nb)
    out = tmp_path / "out"
    old = earlier_outputs(out)
    (old / "stale.txt").write_text("from the earlier run")
    result = run_report(params, output_dir=out)
    assert result.output_folder == old
    names = sorted(p.name for p in old.iterdir())
    assert names == ["kpis.csv", "manifest.json", "report.html", "report.ipynb", "report.pdf"]
    assert (old / "report.pdf").read_bytes().startswith(b"%PDF-")
    manifest = json.loads((old / "manifest.json").read_text())
    for name, digest in manifest["outputs"].items():
        assert sha256_file(old / name) == digest
    assert manifest["inputs"]["data.requests"]["sha256"] == sha256_file(params_dir / "requests.csv")
    assert manifest["params"]["sha256"] == sha256_file(params)
    assert manifest["versions"]["sendreport"]
    assert not [p for p in old.parent.iterdir() if p.name.startswith(".")], (
        "no temporary folders left"
    )
    kept = nbformat.read(old / "report.ipynb", as_version=4)
    assert all(
        not c.get("outputs") or all("sendreport" in o.metadata for o in c.outputs)
        for c in kept.cells
        if c.cell_type == "code"
    )


def test_failed_cell_names_notebook_cell_and_params_and_keeps_earlier_outputs(params_dir, tmp_path):
    nb = small_notebook(params_dir, "raise RuntimeError('the third cell broke')")
    params = point_params_at(params_dir, nb)
    out = tmp_path / "out"
    old = earlier_outputs(out)
    with pytest.raises(NotebookExecutionError) as info:
        run_report(params, output_dir=out)
    message = str(info.value)
    assert "notebook small.ipynb, cell 3" in message
    assert str(params) in message
    assert "RuntimeError: the third cell broke" in message
    # the facts are fields: the third cell of the author's notebook, its exception
    assert (info.value.cell_index, info.value.ename) == (2, "RuntimeError")
    assert info.value.evalue == "the third cell broke"
    assert (old / "report.pdf").read_bytes() == b"earlier pack"
    assert sorted(p.name for p in old.parent.iterdir()) == ["2024-06-30"]


def test_failed_cell_exits_1_without_traceback(params_dir, tmp_path):
    nb = small_notebook(params_dir, "1 / 0")
    params = point_params_at(params_dir, nb)
    result = subprocess.run(
        [SENDREPORT, "run", str(params), "--output-dir", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "cell 3" in result.stderr and "ZeroDivisionError" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_data_stops_before_any_kernel(params_dir, tmp_path):
    (params_dir / "requests.csv").write_text("request_id,person_id\nR1,P1\n")
    marker = tmp_path / "kernel-ran"
    nb = small_notebook(params_dir, f"open({str(marker)!r}, 'w').write('yes')")
    params = point_params_at(params_dir, nb)
    out = tmp_path / "out"
    old = earlier_outputs(out)
    with pytest.raises(DataValidationError, match="received_date"):
        run_report(params, output_dir=out)
    assert (old / "report.pdf").read_bytes() == b"earlier pack"
    assert not marker.exists()


def test_batch_runs_each_params_file_and_exits_with_the_worst_code(params_dir, tmp_path):
    nb = small_notebook(params_dir, "show('<section><h1>Batch</h1></section>')")
    good = point_params_at(params_dir, nb)
    bad = params_dir / "bad.yaml"
    bad.write_text(good.read_text().replace("period_start: 2024-01-01", "period_start: 2025-01-01"))
    out = tmp_path / "out"
    result = subprocess.run(
        [SENDREPORT, "batch", str(good), str(bad), "--jobs", "2", "--output-dir", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert f"{good}: ok" in result.stdout
    assert f"{bad}: failed (exit 2)" in result.stderr and "is before period_start" in result.stderr
    assert (out / "testshire" / "2024-06-30" / "report.pdf").exists()


def test_no_pdf_writes_html_and_data_files_only(params_dir, tmp_path):
    nb = small_notebook(params_dir, "show('<section><h1>HTML only</h1></section>')")
    params = point_params_at(params_dir, nb)
    out = tmp_path / "out"
    result = subprocess.run(
        [SENDREPORT, "run", str(params), "--no-pdf", "--output-dir", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    folder = out / "testshire" / "2024-06-30"
    assert result.stdout.strip().splitlines()[-1] == f"Outputs written to {folder}"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["manifest.json", "report.html", "report.ipynb"]
    assert "HTML only" in (folder / "report.html").read_text()


BROKEN_REQUESTS = {
    "zero_bytes": ("requests.csv", b"", "requests.csv"),
    "missing_column": ("requests.csv", b"request_id,person_id\nR1,P1\n", "received_date"),
    "not_a_table": ("requests.csv", b"\x00\x01\x02binary\xff\xfe", "requests.csv"),
    "unknown_extension": ("requests.txt", b"request_id\n", "requests.txt"),
    "too_many_bad_rows": (
        "requests.csv",
        b"request_id,person_id,received_date,request_outcome,request_outcome_date\n"
        b"R1,P1,not a date,ongoing,\nR2,P2,2024-01-01,ongoing,\n",
        "max_excluded_share",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN_REQUESTS), ids=list(BROKEN_REQUESTS))
def test_broken_input_exits_2_and_keeps_earlier_outputs(params_dir, tmp_path, case):
    name, content, expected = BROKEN_REQUESTS[case]
    (params_dir / name).write_bytes(content)
    params = params_dir / "params.yaml"
    raw = yaml.safe_load(params.read_text())
    raw["data"] = {"requests": name}
    params.write_text(yaml.safe_dump(raw))
    out = tmp_path / "out"
    old = earlier_outputs(out)
    result = subprocess.run(
        [SENDREPORT, "run", str(params), "--output-dir", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert (old / "report.pdf").read_bytes() == b"earlier pack"
    assert sorted(p.name for p in old.parent.iterdir()) == ["2024-06-30"]


def test_identifiers_of_excluded_rows_are_guarded_too(params_dir, tmp_path):
    requests = params_dir / "requests.csv"
    requests.write_text(requests.read_text() + "R9,PX99887766,not a date,ongoing,,,,,false\n")
    nb = small_notebook(params_dir, "show('<p>Left out: PX99887766</p>')")
    params = point_params_at(params_dir, nb)
    params.write_text(params.read_text() + "max_excluded_share: 0.5\n")
    result = subprocess.run(
        [SENDREPORT, "run", str(params), "--output-dir", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 3, result.stderr
    assert "identifier (person_id)" in result.stderr
    assert "PX99887766" not in result.stderr


def test_unused_optional_files_are_named_in_a_warning(params_dir, tmp_path):
    from sendreport.errors import SendReportWarning

    (params_dir / "population.csv").write_text("la_code,population\nE1,100\n")
    nb = small_notebook(params_dir, "show('<p>ok</p>')")
    params = point_params_at(params_dir, nb)
    params.write_text(params.read_text() + "population: population.csv\n")
    with pytest.warns(SendReportWarning, match="population: the file is checked"):
        run_report(params, output_dir=tmp_path / "out", pdf=False)


def test_broken_plan_exits_2_before_any_kernel(params_dir, tmp_path):
    (params_dir / "plan.yaml").write_text(
        "title: Test plan\ntype: recovery_plan\npriority_areas: []\n"
    )
    marker = tmp_path / "kernel-ran"
    nb = small_notebook(params_dir, f"open({str(marker)!r}, 'w').write('yes')")
    params = point_params_at(params_dir, nb)
    result = subprocess.run(
        [SENDREPORT, "run", str(params), "--output-dir", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert any("plan.yaml: type:" in line for line in lines)
    assert any("plan.yaml: priority_areas" in line for line in lines)
    assert "Traceback" not in result.stderr
    assert not marker.exists()


# --- Output folders, verify and failure handling ------------------------------------------

PACK_BODY = (
    "from sendreport.pack import Pack\n"
    "pack = Pack.from_parameters(globals())\n"
    "pack.write_tables()\n"
    "show('<section><h1>Figures</h1></section>')"
)


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SENDREPORT, *args], capture_output=True, text=True, cwd=cwd, timeout=600, check=False
    )


def test_two_runs_give_identical_hashes_and_verify_passes_then_names_a_changed_input(
    params_dir, tmp_path
):
    nb = small_notebook(params_dir, PACK_BODY)
    params = point_params_at(params_dir, nb)
    out = tmp_path / "out"
    # A killed earlier run left its workspace behind: the next run removes it.
    leftover = out / ".tmp-killed01"
    leftover.mkdir(parents=True, mode=0o700)  # private, as the library makes it
    (leftover / ".lock").write_text("")
    (leftover / "kpis.csv").write_text("unchecked\n")
    first = cli("run", str(params), "--no-pdf", "--output-dir", str(out))
    assert first.returncode == 0, first.stderr
    assert not leftover.exists()
    assert "KeyboardInterrupt" not in first.stderr and "Traceback" not in first.stderr
    folder = out / "testshire" / "2024-06-30"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["audience"] == "shared"
    assert manifest["params"]["path"] == "../../../params.yaml"
    assert {"kpis.csv", "kpi_series.csv", "data_quality.csv", "report.ipynb"} <= set(
        manifest["outputs"]
    )
    assert not any(p.name.startswith(".tmp-") for p in out.iterdir())

    ok = cli("verify", str(folder), cwd=tmp_path)  # from the project the params file is in
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"params file (recorded in the manifest): {params.resolve()}\n" in ok.stdout
    rerun_lines = [line for line in ok.stdout.splitlines() if " rerun " in line]
    assert len(rerun_lines) == len(manifest["outputs"])
    assert all(line.split()[-1] == "matches" for line in rerun_lines), ok.stdout

    requests = params_dir / "requests.csv"
    requests.write_text(
        requests.read_text().replace("2024-05-01,2024-05-01", "2024-06-01,2024-06-01")
    )
    changed = cli("verify", str(folder), cwd=tmp_path)
    assert changed.returncode == 1
    assert "input data.requests (requests.csv)  changed since the run" in changed.stdout
    assert any(
        line.startswith("kpi_series.csv rerun") and line.endswith("differs")
        for line in changed.stdout.splitlines()
    ), changed.stdout
    assert "not verified" in changed.stderr


CONFIDENTIAL_QUOTE = """\
    family_voice:
      - text: Our family's private words.
        attribution: A parent
        date: 2024-03-01
        confidential: true
"""


def test_audiences_and_the_confidential_annex_each_have_their_own_folder(params_dir, tmp_path):
    plan = params_dir / "plan.yaml"
    plan.write_text(
        plan.read_text().replace("    actions:\n", CONFIDENTIAL_QUOTE + "    actions:\n")
    )
    nb = small_notebook(params_dir, "show('<section><h1>Public part</h1></section>')")
    params = point_params_at(params_dir, nb)
    out = tmp_path / "out"
    shared = run_report(params, output_dir=out)
    params.write_text(params.read_text() + "audience: internal\n")
    internal = run_report(params, output_dir=out, pdf=False)

    area = out / "testshire"
    assert sorted(p.name for p in area.iterdir()) == [
        "2024-06-30",
        "2024-06-30-confidential",
        "2024-06-30-internal",
    ]
    assert shared.output_folder == area / "2024-06-30"
    assert internal.output_folder == area / "2024-06-30-internal"
    annex = area / "2024-06-30-confidential"
    assert sorted(p.name for p in annex.iterdir()) == ["annex-confidential.pdf"]
    assert "annex-confidential.pdf" not in {p.name for p in shared.output_folder.iterdir()}
    text = subprocess.run(
        ["pdftotext", str(annex / "annex-confidential.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "private words" in text and "OFFICIAL-SENSITIVE" in text
    pack_text = subprocess.run(
        ["pdftotext", str(shared.pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "private words" not in pack_text
    shared_manifest = json.loads((shared.output_folder / "manifest.json").read_text())
    assert shared_manifest["audience"] == "shared"
    assert shared_manifest["confidential_annex"] == {
        "folder": "2024-06-30-confidential",
        "file": "annex-confidential.pdf",
        "sha256": sha256_file(annex / "annex-confidential.pdf"),
    }
    internal_manifest = json.loads((internal.output_folder / "manifest.json").read_text())
    assert internal_manifest["audience"] == "internal"


def test_input_inside_the_destination_is_refused_with_exit_2(params_dir, tmp_path):
    out = tmp_path / "out"
    old = earlier_outputs(out)
    (old / "requests.csv").write_text((params_dir / "requests.csv").read_text())
    marker = tmp_path / "kernel-ran"
    nb = small_notebook(params_dir, f"open({str(marker)!r}, 'w').write('yes')")
    params = point_params_at(params_dir, nb)
    raw = yaml.safe_load(params.read_text())
    raw["data"] = {"requests": str(old / "requests.csv")}
    params.write_text(yaml.safe_dump(raw))
    result = cli("run", str(params), "--output-dir", str(out))
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1
    assert "data.requests" in result.stderr and "inside the output folder" in result.stderr
    assert (old / "requests.csv").exists() and (old / "report.pdf").read_bytes() == b"earlier pack"
    assert not marker.exists()


def test_refused_run_leaves_no_folder_and_the_manifest_is_guarded(params_dir, tmp_path):
    requests = params_dir / "requests.csv"
    requests.write_text(requests.read_text().replace("P2,", "PX99887766,"))
    # The notebook writes a file of its own whose name is a child's identifier: the
    # manifest lists it, and the guard reads the manifest too.
    nb = small_notebook(params_dir, "open('PX99887766.txt', 'w').write('nothing')")
    params = point_params_at(params_dir, nb)
    out = tmp_path / "out"
    result = cli("run", str(params), "--no-pdf", "--output-dir", str(out))
    assert result.returncode == 3, result.stderr
    assert "manifest.json" in result.stderr
    assert "PX99887766" not in result.stderr
    assert not out.exists(), "a refused run leaves no folder"


def test_failed_cell_message_that_quotes_the_data_is_not_echoed(params_dir, tmp_path):
    requests = params_dir / "requests.csv"
    requests.write_text(requests.read_text().replace("P2,", "PX99887766,"))
    nb = small_notebook(params_dir, "raise ValueError('bad row: PX99887766, 2024-01-05')")
    params = point_params_at(params_dir, nb)
    result = cli("run", str(params), "--no-pdf", "--output-dir", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "PX99887766" not in result.stderr
    assert "ValueError: (message not shown: it quotes the input data)" in result.stderr
    assert "cell 3" in result.stderr


def test_operating_system_errors_exit_2_with_one_line(params_dir, tmp_path, monkeypatch):
    from sendreport import handoff
    from sendreport.errors import OutputError

    out = tmp_path / "out"
    old = earlier_outputs(out)
    params = params_dir / "params.yaml"

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(out / ".tmp-x" / "tables"))

    monkeypatch.setattr(handoff, "write_validated", disk_full)
    with pytest.raises(OutputError) as info:
        run_report(params, output_dir=out)
    assert str(info.value).count("\n") == 0
    assert "No space left on device" in str(info.value)
    assert (old / "report.pdf").read_bytes() == b"earlier pack"
    assert sorted(p.name for p in out.iterdir()) == ["testshire"]

    a_file = tmp_path / "not-a-folder"
    a_file.write_text("")
    result = cli("run", str(params), "--output-dir", str(a_file))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_ctrl_c_stops_the_run_cleanly(params_dir, tmp_path):
    started = tmp_path / "started"
    nb = small_notebook(
        params_dir, f"open({str(started)!r}, 'w').write('yes')\nimport time\ntime.sleep(120)"
    )
    params = point_params_at(params_dir, nb)
    out = tmp_path / "out"
    old = earlier_outputs(out)
    proc = sendreport_from_a_terminal("run", str(params), "--output-dir", str(out))
    deadline = time.monotonic() + 300
    while not started.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert started.exists(), proc.communicate()[1]
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal sends on Ctrl-C
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert stderr == "sendreport: interrupted\n"
    assert (old / "report.pdf").read_bytes() == b"earlier pack"
    assert sorted(p.name for p in out.iterdir()) == ["testshire"]


def kernel_record(
    params_dir: Path, tmp_path: Path, body: str, *, prebuilt_pack: bool = False
) -> dict:
    """Run a one-cell notebook whose ``body`` sets ``record``; return that record."""
    seen = tmp_path / "seen.json"
    cell = f"import json\n{body}\nopen({str(seen)!r}, 'w').write(json.dumps(record))"
    notebook = small_notebook(params_dir, cell, prebuilt_pack=prebuilt_pack)
    params = point_params_at(params_dir, notebook)
    run_report(params, output_dir=tmp_path / "out", pdf=False)
    return json.loads(seen.read_text())


def test_kernel_takes_the_pack_the_runner_built_from_the_same_parameters(params_dir, tmp_path):
    record = kernel_record(params_dir, tmp_path, (
        "import sendreport.metrics\n"
        "calls = []\n"
        "real = sendreport.metrics.compute_kpis\n"
        "def counted(*a, **k):\n"
        "    calls.append(1)\n"
        "    return real(*a, **k)\n"
        "sendreport.metrics.compute_kpis = counted\n"
        "from sendreport.pack import Pack\n"
        "pack = Pack.from_parameters(globals())\n"
        "same = len(calls)\n"
        "period_start = '2024-02-01'  # a notebook that changes a parameter first\n"
        "other = Pack.from_parameters(globals())\n"
        "record = {'same': same, 'other': len(calls) - same, 'rows': len(pack.tables['requests']),"
        " 'kpis': len(pack.kpis), 'start': str(other.params.period_start)}"
    ), prebuilt_pack=True)
    assert record["same"] == 0 and record["rows"] == 2 and record["kpis"] > 0
    assert record["other"] > 0 and record["start"] == "2024-02-01"


def test_without_the_declaration_the_kernel_builds_its_own_pack(params_dir, tmp_path):
    """The runner builds a pack only for a notebook whose metadata asks for it, not by its text."""
    record = kernel_record(params_dir, tmp_path, (
        "import sendreport.metrics\n"
        "calls = []\n"
        "real = sendreport.metrics.compute_kpis\n"
        "def counted(*a, **k):\n"
        "    calls.append(1)\n"
        "    return real(*a, **k)\n"
        "sendreport.metrics.compute_kpis = counted\n"
        "from sendreport.pack import Pack\n"
        "pack = Pack.from_parameters(globals())\n"
        "record = {'built': len(calls)}"
    ))
    assert record["built"] > 0


def test_a_malformed_declaration_stops_the_run_before_any_kernel(params_dir, tmp_path):
    nb = small_notebook(params_dir, "raise AssertionError('no kernel should run')")
    notebook = nbformat.read(nb, as_version=4)
    notebook.metadata["sendreport"] = {"prebuilt_pack": "yes"}
    nbformat.write(notebook, nb)
    result = cli("run", str(point_params_at(params_dir, nb)), "--no-pdf",
                 "--output-dir", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "sendreport: error: small.ipynb: metadata sendreport.prebuilt_pack must be true or "
        "false, not 'yes'"
    )
    assert not (tmp_path / "out").exists()


def test_a_file_that_is_no_notebook_fails_in_one_line_before_any_kernel(params_dir, tmp_path):
    nb = params_dir / "small.ipynb"
    nb.write_text("not a notebook")
    result = cli("run", str(point_params_at(params_dir, nb)), "--no-pdf",
                 "--output-dir", str(tmp_path / "out"))
    assert result.returncode == 1
    assert result.stderr.startswith(
        "sendreport: failed: notebook small.ipynb could not be executed with params"
    )
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_kernel_reads_the_validated_tables_from_a_private_folder_removed_after(
    params_dir, tmp_path
):
    record = kernel_record(params_dir, tmp_path, (
        "import os, stat\n"
        "import sendreport.validation\n"
        "from sendreport.handoff import handed_over\n"
        "def refuse(*a, **k):\n"
        "    raise AssertionError('the kernel loaded the inputs again')\n"
        "sendreport.validation.load_data = refuse\n"
        "from sendreport.pack import Pack\n"
        "pack = Pack.from_parameters(globals())\n"
        "folder = os.environ['SENDREPORT_VALIDATED_TABLES']\n"
        "modes = {p: oct(stat.S_IMODE(os.stat(os.path.join(folder, p)).st_mode))"
        " for p in os.listdir(folder)}\n"
        "record = {'folder': folder, 'mode': oct(stat.S_IMODE(os.stat(folder).st_mode)),"
        " 'files': modes, 'rows': len(pack.tables['requests']),"
        " 'handed': len(handed_over().tables['requests'])}"
    ))
    assert record["rows"] == 2 and record["handed"] == 2
    assert record["mode"] == "0o700"
    assert record["files"] and set(record["files"].values()) == {"0o600"}
    assert Path(record["folder"]).is_relative_to(tmp_path / "out")
    assert not Path(record["folder"]).exists()


# ----- a full disk while the notebook runs: exit 2, one line, the earlier pack untouched --


def assert_earlier_pack_untouched(out: Path, old: Path) -> None:
    assert (old / "report.pdf").read_bytes() == b"earlier pack"
    assert sorted(p.name for p in out.iterdir()) == ["testshire"], "no temporary folder left"
    assert sorted(p.name for p in old.parent.iterdir()) == ["2024-06-30"]


@pytest.mark.parametrize(
    "code", [errno.ENOSPC, errno.EDQUOT, errno.EROFS], ids=["ENOSPC", "EDQUOT", "EROFS"]
)
def test_a_full_disk_while_the_executed_notebook_is_saved_exits_2(
    params_dir, tmp_path, monkeypatch, code
):
    from sendreport.errors import OutputError

    out = tmp_path / "out"
    old = earlier_outputs(out)
    params = params_dir / "params.yaml"

    def disk_full(notebook, output, **kwargs):
        Path(output).write_text('{"cells": [')  # half written, as when the disk fills
        raise OSError(code, os.strerror(code))  # a write() error names no file

    monkeypatch.setattr(papermill, "execute_notebook", disk_full)
    with pytest.raises(OutputError) as info:
        run_report(params, output_dir=out, pdf=False)
    message = str(info.value)
    assert info.value.exit_code == 2
    assert message.count("\n") == 0
    assert message == (
        f"cannot write the outputs in {out}: {os.strerror(code)} (saving the executed notebook "
        "stocktake.ipynb); the earlier outputs are untouched"
    )
    assert_earlier_pack_untouched(out, old)


def test_a_full_disk_in_a_cell_exits_2_with_one_line(params_dir, tmp_path):
    nb = small_notebook(
        params_dir, "raise OSError(28, 'No space left on device', 'kpis.csv')"
    )
    params = point_params_at(params_dir, nb)
    out = tmp_path / "out"
    old = earlier_outputs(out)
    result = cli("run", str(params), "--no-pdf", "--output-dir", str(out))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(
        "sendreport: error: cannot write the outputs: OSError: [Errno 28] No space left on "
        "device: 'kpis.csv' (raised in notebook small.ipynb, cell 3"
    ), line
    assert_earlier_pack_untouched(out, old)


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MiB file system of its own (tmpfs): only for root, where mount is allowed."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(disk)],
                             capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip("tmpfs cannot be mounted here")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_disk_that_fills_while_the_kernel_runs_exits_2_and_keeps_the_earlier_pack(
    params_dir, small_disk
):
    # the cell fills the disk (as another program could) and carries on; papermill then
    # cannot save the executed notebook
    nb = small_notebook(
        params_dir,
        "try:\n"
        "    with open('filler', 'wb') as fh:\n"
        "        while True:\n"
        "            fh.write(b'0' * 65536)\n"
        "except OSError:\n"
        "    pass\n"
        "show('<p>done</p>')",
    )
    params = point_params_at(params_dir, nb)
    out = small_disk / "out"
    old = earlier_outputs(out)
    result = cli("run", str(params), "--no-pdf", "--output-dir", str(out))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"sendreport: error: cannot write the outputs in {out}: No space left on device "
        "(saving the executed notebook small.ipynb); the earlier outputs are untouched"
    ]
    assert_earlier_pack_untouched(out, old)

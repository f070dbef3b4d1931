"""Time a whole stocktake run against the stock way and a floor, and a batch of areas.

Usage::

    .venv/bin/python bench/bench_run.py [--rounds 3] [--areas 20] [--jobs 2] [--skip-batch]

Single run, on the demo params (``params/demo.yaml`` and its synthetic data),
each a whole process, alternated A B C A B C over ``--rounds`` rounds:

* **ours**: ``sendreport run params/demo.yaml`` (validation, kernel, HTML, PDF,
  annex, privacy guard, manifest, atomic swap);
* **stock**: the same notebook and params done by hand: ``papermill`` CLI,
  ``jupyter nbconvert --to html --no-input``, then the ``weasyprint`` CLI;
* **floor**: the same computations as a plain script in one process (the
  pack's sections built and captured without a kernel, the same nbconvert
  template) plus the WeasyPrint render: no kernel, no guard, no manifest.

Prints each median, the ratios ours/stock (goal at most 0.5) and ours/floor
(goal at most 1.3), and the load average before and after.

Batch: ``sendreport synth --areas N`` then ``sendreport batch ... --jobs J``,
timed as one whole process; prints packs per minute (goal 12 or more for 20
areas on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEMO = ROOT / "params" / "demo.yaml"

FLOOR = r"""
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

import sendreport.pack.display as display
from sendreport.params import read_params
from sendreport.pack import Pack
from sendreport.run.exporter import SendReportHTMLExporter, html_to_pdf

shown = []
display.show = lambda html, *, role="content", **meta: shown.append((html, role, meta))
params = read_params(sys.argv[1])
out = Path(sys.argv[2])
pack = Pack.from_params(params)
pack.show_document()
for part in ("cover", "contents", "summary", "priority_areas", "appendices"):
    getattr(pack, f"show_{part}")()
pack.write_tables(out)
cells = [
    new_code_cell(outputs=[new_output("display_data", data={"text/html": html},
                                      metadata={"sendreport": {"role": role, **meta}})])
    for html, role, meta in shown
]
nb = new_notebook(cells=cells)
html, _ = SendReportHTMLExporter().from_notebook_node(nb)
(out / "report.html").write_text(html, encoding="utf-8")
(out / "report.pdf").write_bytes(html_to_pdf(html))
"""


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min)"


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def ours(work: Path, _stock_params: Path) -> float:
    return timed([str(BIN / "sendreport"), "run", str(DEMO), "--output-dir", str(work)], work)


def stock(work: Path, stock_params: Path) -> float:
    started = time.perf_counter()
    nb = work / "stocktake.ipynb"
    for command in (
        [
            str(BIN / "papermill"),
            str(ROOT / "notebooks" / "stocktake.ipynb"),
            str(nb),
            "-f",
            str(stock_params),
            "--cwd",
            str(work),
            "--no-progress-bar",
        ],
        [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(nb)],
        [str(BIN / "weasyprint"), str(work / "stocktake.html"), str(work / "stocktake.pdf")],
    ):
        subprocess.run(command, cwd=work, check=True, capture_output=True)
    return time.perf_counter() - started


def floor(work: Path, _stock_params: Path) -> float:
    return timed([sys.executable, "-c", FLOOR, str(DEMO), str(work)], work)


def single(rounds: int) -> None:
    from sendreport.params import read_params
    from sendreport.synth import write_synthetic

    write_synthetic(ROOT / "data" / "demo")
    times: dict[str, list[float]] = {"ours": [], "stock": [], "floor": []}
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        stock_params = Path(tmp) / "stock.yaml"
        # Absolute paths: plain papermill resolves paths against its working folder.
        stock_params.write_text(yaml.safe_dump(read_params(DEMO).to_notebook()))
        print(f"before: {load()}")
        for number in range(rounds):
            for name, how in (("ours", ours), ("stock", stock), ("floor", floor)):
                work = Path(tmp) / f"{name}-{number}"
                work.mkdir()
                times[name].append(how(work, stock_params))
            print(
                f"round {number + 1}: "
                + ", ".join(f"{k} {v[-1]:.1f} s" for k, v in times.items())
                + f"; {load()}"
            )
    median = {k: statistics.median(v) for k, v in times.items()}
    print(f"after: {load()}")
    print(
        f"median of {rounds}: ours {median['ours']:.1f} s, stock {median['stock']:.1f} s, "
        f"floor {median['floor']:.1f} s"
    )
    print(f"ratio ours/stock: {median['ours'] / median['stock']:.2f} (goal <= 0.5)")
    print(f"ratio ours/floor: {median['ours'] / median['floor']:.2f} (goal <= 1.3)")


def batch(areas: int, jobs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        tmp = Path(tmp)
        subprocess.run(
            [str(BIN / "sendreport"), "synth", "--areas", str(areas), "--out", str(tmp / "s")],
            check=True,
            capture_output=True,
        )
        params = sorted(str(p) for p in (tmp / "s" / "params").glob("*.yaml"))
        print(f"batch before: {load()}")
        command = [str(BIN / "sendreport"), "batch", *params, "--jobs", str(jobs)]
        cpu = _children_cpu()
        seconds = timed([*command, "--output-dir", str(tmp / "out")], tmp)
        cpu = _children_cpu() - cpu
        written = len(list((tmp / "out").glob("*/*/report.pdf")))
        print(f"batch after: {load()}")
        print(
            f"batch of {areas} areas, --jobs {jobs}: {written} packs in {seconds:.0f} s, "
            f"{written / seconds * 60:.1f} packs per minute (goal >= 12); "
            f"CPU {cpu:.0f} s, {cpu / max(written, 1):.1f} s a pack, "
            f"{cpu / seconds / (os.cpu_count() or 1):.0%} of the cores"
        )


def _children_cpu() -> float:
    """CPU seconds (user and system) of every finished process this one has waited for.

    The batch waits for its workers, each worker for its fork server, and the
    server for the kernels it forked, so all of them are counted.
    """
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--areas", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--skip-single", action="store_true")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} cores"
    )
    if not args.skip_single:
        single(args.rounds)
    if not args.skip_batch:
        batch(args.areas, args.jobs)


if __name__ == "__main__":
    main()

"""Benchmark: load and validate 1,000,000 ``requests`` rows from CSV.

Targets (issue 3): under 10 s and under 1.5 GB peak memory on a 2-core machine.
The script writes a synthetic CSV with numpy (three rows broken on purpose),
then runs, each in a fresh subprocess so that peak memory is the child's own:

- ``load_data({"requests": csv})``, the product path;
- ``pandas.read_csv(csv)``, the reference, in the same run.

It prints wall time (the call itself, and the whole subprocess including Python
start and imports) and peak resident memory of each, and the ratio of the two.

Usage::

    .venv/bin/python bench/bench_load.py [--rows 1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import pandas as pd
mode, path = sys.argv[1], sys.argv[2]
if mode == "load":
    from sendreport.validation import load_data
t1 = time.perf_counter()
c1 = time.process_time()
if mode == "load":
    loaded = load_data({"requests": path})
    rows = len(loaded["requests"])
    excluded = int(loaded.quality.set_index("rule").loc["rows_excluded", "count"])
else:
    frame = pd.read_csv(path)
    rows, excluded = len(frame), 0
t2 = time.perf_counter()
cpu = time.process_time() - c1
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"call": t2 - t1, "cpu": cpu, "imports": t1 - t0, "rows": rows,
                  "excluded": excluded, "peak_kib": peak}))
"""


def write_requests(path: Path, n: int, seed: int = 20) -> None:
    """Write ``n`` synthetic request rows (all 11 columns) with three bad rows."""
    rng = np.random.default_rng(seed)
    day = np.timedelta64(1, "D")
    received = np.datetime64("2020-01-01") + rng.integers(0, 1800, n) * day
    decided = received + rng.integers(10, 60, n) * day
    outcome = rng.choice(["assess", "not_assess", "withdrawn", "ongoing"], n,
                         p=[0.65, 0.25, 0.05, 0.05])
    assess = outcome == "assess"
    assessed = decided + rng.integers(30, 200, n) * day
    a_outcome = np.where(assess, rng.choice(["issue_plan", "not_issue_plan"], n, p=[0.9, 0.1]),
                         "")
    issued = a_outcome == "issue_plan"
    columns = {
        "request_id": [f"REQ{i}" for i in range(n)],
        "person_id": [f"P{i}" for i in rng.integers(0, 800_000, n).tolist()],
        "received_date": _text(received),
        "request_outcome": outcome.tolist(),
        "request_outcome_date": _text(decided, outcome != "ongoing"),
        "assessment_outcome": a_outcome.tolist(),
        "assessment_outcome_date": _text(assessed, assess),
        "plan_issued_date": _text(assessed, issued),
        "exception_20wk": np.where(rng.random(n) < 0.03, "Y", "N").tolist(),
        "primary_need": rng.choice(["ASD", "SEMH", "SLCN", "MLD", "SPLD"], n).tolist(),
        "date_of_birth": _text(np.datetime64("2008-01-01") + rng.integers(0, 5000, n) * day),
    }
    columns["received_date"][7] = "2021-02-30"
    columns["request_outcome"][n // 2] = "unknown"
    columns["plan_issued_date"][n - 2] = "2000-01-01"
    lines = [",".join(columns)] + [",".join(row) for row in zip(*columns.values(), strict=True)]
    path.write_text("\n".join(lines) + "\n")


def _text(dates: np.ndarray, keep: np.ndarray | None = None) -> list[str]:
    """Dates as ISO text through a lookup of distinct days (fast); blank where not kept."""
    days, codes = np.unique(dates, return_inverse=True)
    lookup = np.array([str(d) for d in days] + [""], dtype=object)
    if keep is not None:
        codes = np.where(keep, codes, len(days))
    return lookup[codes].tolist()


def run_child(mode: str, path: Path) -> dict:
    """Run one measurement in a fresh interpreter; return its figures."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(path)], check=True,
                         capture_output=True, text=True)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    figures["process"] = time.perf_counter() - start
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="write the CSV here and keep it")
    parser.add_argument("--write-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_only:
        write_requests(args.write_only, args.rows)
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_load_"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "requests.csv"
    start = time.perf_counter()
    # written in a child process, so this process stays small: a child's peak memory
    # (ru_maxrss) can include the memory of the parent it was forked from
    subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--write-only",
                    str(path)], check=True)
    print(f"wrote {args.rows:,} rows ({path.stat().st_size / 2**20:.0f} MiB) in "
          f"{time.perf_counter() - start:.1f} s")
    reference = run_child("read_csv", path)
    product = run_child("load", path)
    for name, f in (("pandas.read_csv (reference)", reference),
                    ("sendreport load_data", product)):
        print(f"{name:28} call {f['call']:5.2f} s (cpu {f['cpu']:5.2f} s)   "
              f"process {f['process']:5.2f} s   "
              f"peak memory {f['peak_kib'] / 2**20:5.2f} GiB   rows {f['rows']:,}   "
              f"excluded {f['excluded']}")
    print(f"ratio load_data / read_csv: time {product['call'] / reference['call']:.2f}x "
          f"(cpu {product['cpu'] / reference['cpu']:.2f}x), "
          f"peak memory {product['peak_kib'] / reference['peak_kib']:.2f}x")
    memory_ok = product["peak_kib"] < 1.5 * 2**20
    for label, seconds in (("load_data call", product["call"]),
                           ("whole process (Python start and imports too)", product["process"])):
        ok = seconds < 10 and memory_ok
        print(f"target under 10 s and 1.5 GiB, {label}: {'met' if ok else 'NOT met'}")
    print(f"load average during the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} cores")
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"largest child peak (RUSAGE_CHILDREN): {children / 2**20:.2f} GiB")
    if not args.keep:
        path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()

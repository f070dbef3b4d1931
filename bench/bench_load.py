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
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import pandas as pd
mode, path = sys.argv[1], sys.argv[2]
if mode == "load":
    from sendreport.validation import load_data
t1 = time.perf_counter()
if mode == "load":
    loaded = load_data({"requests": path})
    rows = len(loaded["requests"])
    excluded = int(loaded.quality.set_index("rule").loc["rows_excluded", "count"])
else:
    frame = pd.read_csv(path)
    rows, excluded = len(frame), 0
t2 = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"call": t2 - t1, "imports": t1 - t0, "rows": rows, "excluded": excluded,
                  "peak_kib": peak}))
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
    ids = np.char.add("REQ", np.arange(n).astype("U7"))
    frame = pd.DataFrame({
        "request_id": ids,
        "person_id": np.char.add("P", rng.integers(0, 800_000, n).astype("U7")),
        "received_date": received.astype("U10"),
        "request_outcome": outcome,
        "request_outcome_date": np.where(outcome == "ongoing", "", decided.astype("U10")),
        "assessment_outcome": a_outcome,
        "assessment_outcome_date": np.where(assess, assessed.astype("U10"), ""),
        "plan_issued_date": np.where(issued, assessed.astype("U10"), ""),
        "exception_20wk": np.where(rng.random(n) < 0.03, "Y", "N"),
        "primary_need": rng.choice(["ASD", "SEMH", "SLCN", "MLD", "SPLD"], n),
        "date_of_birth": (np.datetime64("2008-01-01") + rng.integers(0, 5000, n) * day)
        .astype("U10"),
    })
    frame.loc[7, "received_date"] = "2021-02-30"
    frame.loc[n // 2, "request_outcome"] = "unknown"
    frame.loc[n - 2, "plan_issued_date"] = "2000-01-01"
    frame.to_csv(path, index=False)


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
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_load_"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "requests.csv"
    start = time.perf_counter()
    write_requests(path, args.rows)
    print(f"wrote {args.rows:,} rows ({path.stat().st_size / 2**20:.0f} MiB) in "
          f"{time.perf_counter() - start:.1f} s")
    reference = run_child("read_csv", path)
    product = run_child("load", path)
    for name, f in (("pandas.read_csv (reference)", reference),
                    ("sendreport load_data", product)):
        print(f"{name:30} call {f['call']:6.2f} s   process {f['process']:6.2f} s   "
              f"peak memory {f['peak_kib'] / 2**20:5.2f} GiB   rows {f['rows']:,}   "
              f"excluded {f['excluded']}")
    print(f"ratio load_data / read_csv: time {product['call'] / reference['call']:.2f}x, "
          f"peak memory {product['peak_kib'] / reference['peak_kib']:.2f}x")
    ok = product["process"] < 10 and product["peak_kib"] < 1.5 * 2**20
    print(f"target (under 10 s and 1.5 GiB, whole process): {'met' if ok else 'NOT met'}")
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"largest child peak (RUSAGE_CHILDREN): {children / 2**20:.2f} GiB")
    if not args.keep:
        path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()

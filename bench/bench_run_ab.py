"""A whole ``sendreport run`` of the demo in two checkouts, alternated A B, B A, ...

Usage (from anywhere, with the project environment)::

    .venv/bin/python bench/bench_run_ab.py TREE_A TREE_B [--rounds 6]

Each tree is a checkout (``git archive COMMIT | tar -x -C DIR``) with the demo's data in
``data/demo/`` (``make demo`` or ``sendreport synth``). Each round runs
``sendreport run params/demo.yaml`` (``bench_run.py``'s "ours") once per tree, in a fresh
process with that tree first on ``PYTHONPATH``, the order alternating each round, and
prints wall time, CPU time (the run and every process it reaped: fork server, kernel)
and the 1-minute load average as each run started; then the medians and their ratios.
On a shared machine the CPU ratio is the steadier comparison.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SENDREPORT = str(Path(sys.executable).parent / "sendreport")


def one_run(tree: Path) -> tuple[float, float, float]:
    """Wall and CPU seconds of one run of the demo with ``tree``'s code, and the load before."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    with tempfile.TemporaryDirectory() as out:
        load = os.getloadavg()[0]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([SENDREPORT, "run", str(tree / "params" / "demo.yaml"), "--output-dir",
                        out], cwd=out, env=env, check=True, capture_output=True)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, load


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    trees = {"A": args.a.resolve(), "B": args.b.resolve()}
    wall: dict[str, list[float]] = {"A": [], "B": []}
    cpu: dict[str, list[float]] = {"A": [], "B": []}
    for number in range(args.rounds):
        for side in "AB" if number % 2 == 0 else "BA":
            seconds, used, load = one_run(trees[side])
            wall[side].append(seconds)
            cpu[side].append(used)
            print(f"round {number + 1} {side}: wall {seconds:5.1f} s, cpu {used:5.1f} s, "
                  f"load average {load:.1f}", flush=True)
    for side in "AB":
        runs = ", ".join(f"{s:.1f}" for s in wall[side])
        print(f"{side} ({trees[side]}): median wall {statistics.median(wall[side]):.1f} s "
              f"(runs {runs}); median cpu {statistics.median(cpu[side]):.1f} s")
    print(f"ratio B/A: wall {statistics.median(wall['B']) / statistics.median(wall['A']):.2f}, "
          f"cpu {statistics.median(cpu['B']) / statistics.median(cpu['A']):.2f}; "
          f"load average after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

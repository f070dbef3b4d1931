"""Packs per minute for many areas: worker processes against a local dask cluster.

Usage::

    .venv/bin/python bench/bench_areas.py [--areas 153] [--jobs 2] [--rounds 2]

Writes ``--areas`` synthetic areas once (``sendreport synth --areas N``), then
over ``--rounds`` rounds, alternating which goes first:

* **pool**: ``sendreport batch params/*.yaml --jobs J`` (worker processes on
  this machine, each with its own kernel fork server);
* **dask**: the same batch sent to a ``distributed.LocalCluster`` of ``J``
  single-threaded worker processes on this machine
  (``--scheduler tcp://... --insecure``: a local cluster, not a shared one).

Each batch is timed as one whole process into a fresh output folder; prints
packs per minute for each (issue goal: at least 30 with ``--jobs 2`` on 2
cores, and dask within 10% of the pool), the ratio dask/pool of the medians,
the 1-minute load average before and after each batch, and the CPU time a
pack took (user and system of the batch process and every process under it;
for dask, of the cluster's processes too): on a shared machine, packs a
minute fall with the load, CPU a pack much less.
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

BIN = Path(sys.executable).parent


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def children_cpu() -> float:
    """CPU seconds of this process's ended children and theirs (a batch, once it ends)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def cluster_cpu() -> float:
    """CPU seconds of the live processes under this one (the dask cluster), ended ones included."""
    import psutil

    total = 0.0
    for process in psutil.Process().children(recursive=True):
        try:
            t = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


def batch(params: list[str], out: Path, jobs: int,
          scheduler: str | None) -> tuple[int, float, float]:
    """Packs written, wall seconds and CPU seconds of one batch."""
    command = [str(BIN / "sendreport"), "batch", *params, "--output-dir", str(out)]
    command += (["--scheduler", scheduler, "--insecure"] if scheduler
                else ["--jobs", str(jobs)])
    cpu = children_cpu() + (cluster_cpu() if scheduler else 0.0)
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, check=False)
    seconds = time.perf_counter() - started
    cpu = children_cpu() + (cluster_cpu() if scheduler else 0.0) - cpu
    return len(list(out.glob("*/*/report.pdf"))), seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=153)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    from distributed import LocalCluster

    print(f"machine: {platform.machine()}, Python {platform.python_version()}, "
          f"{os.cpu_count()} cores; {args.areas} areas, {args.jobs} workers")
    rates: dict[str, list[float]] = {"pool": [], "dask": []}
    with tempfile.TemporaryDirectory(prefix="bench-areas-") as tmp, LocalCluster(
            n_workers=args.jobs, threads_per_worker=1, processes=True,
            dashboard_address=None) as cluster:
        tmp = Path(tmp)
        subprocess.run([str(BIN / "sendreport"), "synth", "--areas", str(args.areas),
                        "--out", str(tmp / "s")], check=True, capture_output=True)
        params = sorted(str(p) for p in (tmp / "s" / "params").glob("*.yaml"))
        for number in range(args.rounds):
            order = ("pool", "dask") if number % 2 == 0 else ("dask", "pool")
            for name in order:
                before = load()
                written, seconds, cpu = batch(
                    params, tmp / f"{name}-{number}", args.jobs,
                    cluster.scheduler_address if name == "dask" else None)
                rates[name].append(written / seconds * 60)
                print(f"round {number + 1} {name}: {written} packs in {seconds:.0f} s, "
                      f"{rates[name][-1]:.1f} packs a minute, CPU {cpu / max(written, 1):.1f} s "
                      f"a pack ({before} before, {load()} after)", flush=True)
    pool, dask = (statistics.median(rates[k]) for k in ("pool", "dask"))
    print(f"median packs a minute: pool {pool:.1f} (goal >= 30), dask {dask:.1f}; "
          f"dask/pool {dask / pool:.2f} (goal >= 0.90); {load()} after")


if __name__ == "__main__":
    main()

"""Benchmark: sendreport.spc.xmr on 10,000 series of 36 monthly points.

Prints the time of the vectorised call (SPEC target: under 5 s) and, as a reference measured
in the same run, the same work done by a plain loop that calls xmr once per series (timed
on a sample of series and scaled up), with the ratio between the two.

    .venv/bin/python bench/bench_spc.py [--series N] [--points N] [--loop-sample N]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from sendreport.spc import xmr


def synthetic(series: int, points: int, seed: int = 20241) -> pd.DataFrame:
    """Random monthly percentage series with some shifts, trends and gaps."""
    rng = np.random.default_rng(seed)
    level = rng.uniform(20, 80, size=(series, 1))
    noise = rng.normal(0, 4, size=(series, points))
    step = np.where(np.arange(points) >= points // 2, rng.normal(0, 8, size=(series, 1)), 0)
    trend = rng.normal(0, 0.3, size=(series, 1)) * np.arange(points)
    values = np.clip(level + noise + step + trend, 0, 100)
    values[rng.random(values.shape) < 0.01] = np.nan
    months = pd.date_range("2022-01-01", periods=points, freq="MS")
    return pd.DataFrame(
        {
            "kpi_id": np.repeat([f"kpi_{i // 100:03d}" for i in range(series)], points),
            "service": np.repeat([f"svc_{i % 100:02d}" for i in range(series)], points),
            "month": np.tile(months, series),
            "value": values.ravel(),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--points", type=int, default=36)
    parser.add_argument("--loop-sample", type=int, default=300)
    args = parser.parse_args()

    df = synthetic(args.series, args.points)
    xmr(df.head(args.points * 10), by=["kpi_id", "service"])  # warm up imports and caches

    start = time.perf_counter()
    result = xmr(df, by=["kpi_id", "service"], rebase=["2023-07-01"])
    vectorised = time.perf_counter() - start

    keys = df[["kpi_id", "service"]].drop_duplicates().head(args.loop_sample)
    sample = df.merge(keys, on=["kpi_id", "service"])
    start = time.perf_counter()
    parts = [
        xmr(part.drop(columns=["kpi_id", "service"]), rebase=["2023-07-01"])
        for _, part in sample.groupby(["kpi_id", "service"], sort=True)
    ]
    loop_sample = time.perf_counter() - start
    loop = loop_sample * args.series / len(keys)

    # the loop and the vectorised call must agree on the sample
    same = result.merge(keys, on=["kpi_id", "service"])
    looped = pd.concat(parts, ignore_index=True)
    assert np.allclose(same["upl"], looped["upl"], equal_nan=True)
    assert (same["point_type"].fillna("") == looped["point_type"].fillna("")).all()

    rows = len(df)
    print(f"xmr: {args.series:,} series x {args.points} points ({rows:,} rows)")
    print(
        f"  vectorised, one call : {vectorised:8.3f} s  (target < 5 s: "
        f"{'met' if vectorised < 5 else 'NOT met'})"
    )
    print(f"  reference, loop per series: {loop:8.3f} s  (measured on {len(keys)} series, scaled)")
    print(f"  ratio loop / vectorised   : {loop / vectorised:8.1f} x")
    counts = result["point_type"].value_counts().to_dict()
    print(f"  point types: {counts}")


if __name__ == "__main__":
    main()

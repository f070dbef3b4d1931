"""Time every KPI of 153 authorities from one national table against DuckDB's GROUP BY.

Usage::

    .venv/bin/python bench/bench_grouped.py [--seed 2026] [--repeat 3] [--rounds 4] [--loop]

Generates ``sendreport.synth.generate(scale="national")`` once, gives each
person one of 153 authorities (``LA000`` to ``LA152``, a deterministic hash of
``person_id``, so a person's requests, reviews and referrals are in one
authority), and writes the three case-data tables to Parquet (``la_code``
dictionary-encoded, as a column of 153 codes is). Then, over ``--rounds``
rounds, alternating which goes first, each side in a fresh subprocess:

* ours: pandas reads the Parquet; ``kpis_by_area(tables, "la_code")`` for the
  six months 2024-07-01 to 2024-12-31 with ``previous_period_end``
  2024-06-30 (so every KPI of every authority twice);
* DuckDB: DuckDB reads the same Parquet into its own tables; the period query
  of ``bench_kpis.py`` with ``la_code`` added to every SELECT and GROUP BY,
  for both periods (the measures query left out: measures are not split by
  authority);

(the best of ``--repeat`` runs in each process; reading is not timed), prints
each round's wall and CPU times, the ratio ours/DuckDB (goal at most 1.0)
with the 1-minute load average beside it, and checks that the two give the
same figures. ``--loop`` also times, once, the per-authority loop
``kpi_breakdown`` makes (split the tables, ``compute_kpis`` per authority),
and checks that it gives the same frame as ``kpis_by_area``.
"""

from __future__ import annotations

# ruff: noqa: E501  (SQL reads best unwrapped)
import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AREAS = 153
PERIOD = ("2024-07-01", "2024-12-31")
PREVIOUS = ("2024-01-01", "2024-06-30")  # the same six calendar months before
TABLES = ("requests", "reviews", "referrals")
# the synthetic records are complete from their first day (as in bench_kpis.py)
DATA_FROM = dict.fromkeys(TABLES, "2015-01-01")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load(folder: Path) -> dict:
    import pandas as pd

    return {name: pd.read_parquet(folder / f"{name}.parquet") for name in TABLES}


def _kwargs() -> dict:
    return {
        "period_start": PERIOD[0],
        "period_end": PERIOD[1],
        "previous_period_end": PREVIOUS[1],
        "data_from": DATA_FROM,
    }


def run_ours(folder: Path, repeat: int, out: Path) -> dict:
    from sendreport.metrics.grouped import kpis_by_area

    tables = _load(folder)
    times, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), _cpu()
        kpis = kpis_by_area(tables, "la_code", **_kwargs())
        times.append(time.perf_counter() - t0)
        cpu.append(_cpu() - c0)
    kpis.to_parquet(out / "ours_grouped.parquet")
    return {"seconds": min(times), "all": times, "cpu": min(cpu), "peak_mb": _peak_mb()}


def run_loop(folder: Path, repeat: int, out: Path) -> dict:
    """The per-authority loop: split each table by la_code, compute_kpis per authority."""
    import pandas as pd

    from sendreport.metrics import compute_kpis

    tables = _load(folder)
    t0, c0 = time.perf_counter(), _cpu()
    split = {name: dict(tuple(t.groupby("la_code", observed=True))) for name, t in tables.items()}
    parts = []
    for area in sorted({a for groups in split.values() for a in groups}):
        own = {name: groups.get(area, tables[name].iloc[:0]) for name, groups in split.items()}
        part = compute_kpis(own, **_kwargs())
        part.insert(0, "la_code", area)
        parts.append(part)
    kpis = pd.concat(parts, ignore_index=True)
    seconds, cpu = time.perf_counter() - t0, _cpu() - c0
    kpis.to_parquet(out / "loop_grouped.parquet")
    return {"seconds": seconds, "all": [seconds], "cpu": cpu, "peak_mb": _peak_mb()}


_PERIOD_SQL = """
WITH r AS (SELECT *, date_diff('day', received_date, plan_issued_date) AS d FROM requests)
SELECT la_code, 'ehcp_20wk_excl' AS kpi_id, '' AS service,
       count(*) FILTER (WHERE NOT exception_20wk AND d <= 140) AS num,
       count(*) FILTER (WHERE NOT exception_20wk) AS den, NULL::DOUBLE AS stat
FROM r WHERE plan_issued_date BETWEEN $ps AND $pe GROUP BY la_code
UNION ALL SELECT la_code, 'ehcp_20wk_incl', '', count(*) FILTER (WHERE d <= 140), count(*), NULL
FROM r WHERE plan_issued_date BETWEEN $ps AND $pe GROUP BY la_code
UNION ALL SELECT la_code, 'ehcp_issued', '', count(*), NULL, NULL FROM r WHERE plan_issued_date BETWEEN $ps AND $pe GROUP BY la_code
UNION ALL SELECT la_code, 'ehcp_20_52wk_excl', '', count(*) FILTER (WHERE d > 140 AND d <= 364), count(*), NULL
FROM r WHERE plan_issued_date BETWEEN $ps AND $pe AND NOT exception_20wk GROUP BY la_code
UNION ALL SELECT la_code, 'ehcp_over_52wk_excl', '', count(*) FILTER (WHERE d > 364), count(*), NULL
FROM r WHERE plan_issued_date BETWEEN $ps AND $pe AND NOT exception_20wk GROUP BY la_code
UNION ALL SELECT la_code, 'ehcp_mean_weeks_excl', '', NULL, count(*), sum(d) / (7.0 * count(*))
FROM r WHERE plan_issued_date BETWEEN $ps AND $pe AND NOT exception_20wk GROUP BY la_code
UNION ALL SELECT la_code, 'ehcp_requests', '', count(*), NULL, NULL FROM requests
WHERE received_date BETWEEN $ps AND $pe GROUP BY la_code
UNION ALL SELECT la_code, 'ehcp_decision_6wk', '',
       count(*) FILTER (WHERE date_diff('day', received_date, request_outcome_date) <= 42), count(*), NULL
FROM requests WHERE request_outcome IN ('assess', 'not_assess')
  AND request_outcome_date BETWEEN $ps AND $pe GROUP BY la_code
UNION ALL SELECT la_code, 'ehcp_open_over_20wk', '', count(*), NULL, NULL FROM (
  SELECT la_code, received_date, least(
      plan_issued_date,
      CASE WHEN request_outcome IN ('not_assess', 'withdrawn') THEN request_outcome_date END,
      CASE WHEN assessment_outcome IN ('not_issue_plan', 'withdrawn')
           OR (assessment_outcome = 'issue_plan' AND plan_issued_date IS NULL)
           THEN assessment_outcome_date END) AS closed
  FROM requests)
WHERE date_diff('day', received_date, $pe) > 140 AND (closed IS NULL OR closed > $pe) GROUP BY la_code
UNION ALL SELECT la_code, 'ar_decision_4wk', '',
       count(*) FILTER (WHERE date_diff('day', review_meeting_date, review_decision_date) <= 28),
       count(*), NULL
FROM reviews WHERE review_decision_date BETWEEN $ps AND $pe AND review_meeting_date IS NOT NULL GROUP BY la_code
UNION ALL SELECT la_code, 'ar_meeting_on_time', '', count(*) FILTER (WHERE review_meeting_date <= review_due_date),
       count(*), NULL
FROM reviews WHERE review_due_date BETWEEN $ps AND $pe GROUP BY la_code
UNION ALL SELECT la_code, 'ar_overdue', '', count(*), NULL, NULL FROM reviews
WHERE review_due_date <= $pe AND (review_meeting_date IS NULL OR review_meeting_date > $pe) GROUP BY la_code
UNION ALL SELECT * FROM (
  WITH o AS (
    SELECT la_code, service, date_diff('day', referral_date, $pe) AS w FROM referrals
    WHERE referral_date <= $pe
      AND (first_contact_date IS NULL OR first_contact_date > $pe)
      AND (removed_date IS NULL OR removed_date > $pe))
  SELECT la_code, 'wait_list', service, count(*), NULL, NULL FROM o GROUP BY la_code, service
  UNION ALL SELECT la_code, 'wait_over_18wk', service, count(*) FILTER (WHERE w > 126), count(*), NULL
  FROM o GROUP BY la_code, service
  UNION ALL SELECT la_code, 'wait_over_52wk', service, count(*) FILTER (WHERE w > 364), count(*), NULL
  FROM o GROUP BY la_code, service
  UNION ALL SELECT la_code, 'wait_median_open_weeks', service, NULL, count(*), median(w) / 7.0
  FROM o GROUP BY la_code, service)
UNION ALL SELECT * FROM (
  WITH s AS (
    SELECT la_code, service, date_diff('day', referral_date, first_contact_date) AS w FROM referrals
    WHERE first_contact_date BETWEEN $ps AND $pe)
  SELECT la_code, 'wait_median_seen_weeks', service, NULL, count(*), quantile_cont(w, 0.5) / 7.0
  FROM s GROUP BY la_code, service
  UNION ALL SELECT la_code, 'wait_p92_seen_weeks', service, NULL, count(*), quantile_cont(w, 0.92) / 7.0
  FROM s GROUP BY la_code, service)
UNION ALL SELECT la_code, 'autism_13wk', '',
       count(*) FILTER (WHERE date_diff('day', referral_date, first_contact_date) <= 91), count(*), NULL
FROM referrals WHERE service = 'autism_assessment' AND first_contact_date BETWEEN $ps AND $pe
GROUP BY la_code
"""


def run_duckdb(folder: Path, repeat: int, out: Path) -> dict:
    import duckdb

    con = duckdb.connect()
    for name in TABLES:
        path = str(folder / f"{name}.parquet").replace("'", "''")
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet('{path}')")
    times, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), _cpu()
        now = con.execute(_PERIOD_SQL, {"ps": PERIOD[0], "pe": PERIOD[1]}).df()
        prev = con.execute(_PERIOD_SQL, {"ps": PREVIOUS[0], "pe": PREVIOUS[1]}).df()
        times.append(time.perf_counter() - t0)
        cpu.append(_cpu() - c0)
    now.to_parquet(out / "duck_now.parquet")
    prev.to_parquet(out / "duck_prev.parquet")
    return {"seconds": min(times), "all": times, "cpu": min(cpu), "peak_mb": _peak_mb()}


def compare(out: Path) -> list[str]:
    """Differences between our figures and DuckDB's (an empty list when they agree).

    DuckDB has no row for an authority with nothing to count (no GROUP BY
    group): ours then has a count of 0 or an empty percentage, checked too.
    """
    import numpy as np
    import pandas as pd

    problems = []
    ours = pd.read_parquet(out / "ours_grouped.parquet")
    ours["la_code"] = ours["la_code"].astype(str)
    keys = ["la_code", "kpi_id", "service"]
    for name, column in (("duck_now", "value"), ("duck_prev", "previous")):
        duck = pd.read_parquet(out / f"{name}.parquet")
        duck["la_code"] = duck["la_code"].astype(str)
        duck["duck"] = np.where(
            duck["stat"].notna(),
            duck["stat"],
            np.where(duck["den"].notna(), 100 * duck["num"] / duck["den"], duck["num"]),
        )
        # KPIs the SQL does not compute (added to the suite since) are left out
        mine = ours[ours["kpi_id"].isin(set(duck["kpi_id"]))]
        merged = mine.merge(duck, on=keys, how="outer", indicator=True)
        only_duck = merged["_merge"] == "right_only"
        if only_duck.any():
            problems.append(f"{column}: rows in DuckDB only: {int(only_duck.sum())}")
        only_ours = merged[merged["_merge"] == "left_only"]
        nonzero = only_ours[column].fillna(0) != 0
        if nonzero.any():
            problems.append(f"{column}: {int(nonzero.sum())} of our rows with no DuckDB group are not empty")
        both = merged[merged["_merge"] == "both"]
        bad = ~np.isclose(
            both[column].astype(float), both["duck"].astype(float), rtol=1e-12, equal_nan=True
        )
        if bad.any():
            problems.append(f"{column} differs in {int(bad.sum())} rows, e.g. "
                            f"{both.loc[bad, keys].head(3).values.tolist()}")
    if (out / "loop_grouped.parquet").exists():
        loop = pd.read_parquet(out / "loop_grouped.parquet")
        loop["la_code"] = loop["la_code"].astype(str)
        try:
            pd.testing.assert_frame_equal(ours, loop)
        except AssertionError as err:
            problems.append(f"the per-authority loop differs: {str(err).splitlines()[0]}")
    return problems


def _run(role: str, folder: Path, repeat: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--role", role, "--folder", str(folder), "--repeat", str(repeat)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _load_text() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f}"


def _write(folder: Path, seed: int) -> dict:
    import numpy as np
    import pandas as pd

    from sendreport.synth import generate

    tables = generate(scale="national", seed=seed)
    codes = [f"LA{i:03d}" for i in range(AREAS)]
    sizes = {}
    for name in TABLES:
        frame = tables[name]
        hashed = pd.util.hash_pandas_object(frame["person_id"], index=False).to_numpy()
        frame["la_code"] = pd.Categorical.from_codes((hashed % AREAS).astype(np.int64), codes)
        frame.to_parquet(folder / f"{name}.parquet")
        sizes[name] = len(frame)
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--loop", action="store_true", help="also time the per-authority loop once")
    parser.add_argument("--role", choices=["ours", "duckdb", "loop"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role:
        runner = {"ours": run_ours, "duckdb": run_duckdb, "loop": run_loop}[args.role]
        print(json.dumps(runner(args.folder, args.repeat, args.folder)))
        return

    import duckdb

    print(
        f"machine: {platform.machine()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores, DuckDB {duckdb.__version__}; {_load_text()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        sizes = _write(folder, args.seed)
        print(f"generated {sizes}, {AREAS} authorities, in {time.perf_counter() - t0:.1f} s")
        ratios, cpu_ratios, results = [], [], {}
        for n in range(args.rounds):
            order = ("ours", "duckdb") if n % 2 == 0 else ("duckdb", "ours")
            loads = []
            for role in order:
                loads.append(os.getloadavg()[0])
                results[role] = _run(role, folder, args.repeat)
            ours, duck = results["ours"], results["duckdb"]
            ratio = ours["seconds"] / duck["seconds"]
            ratios.append(ratio)
            cpu_ratios.append(ours["cpu"] / duck["cpu"])
            print(
                f"round {n + 1} ({' then '.join(order)}): ours {ours['seconds']:.2f} s "
                f"(runs {', '.join(f'{t:.2f}' for t in ours['all'])}), "
                f"duckdb {duck['seconds']:.2f} s "
                f"(runs {', '.join(f'{t:.2f}' for t in duck['all'])}), "
                f"ratio {ratio:.2f}; CPU time ours {ours['cpu']:.2f} s, duckdb {duck['cpu']:.2f} s; "
                f"1-minute load average {min(loads):.1f} to {max(loads):.1f}",
                flush=True,
            )
        if args.loop:
            load = os.getloadavg()[0]
            loop = _run("loop", folder, 1)
            print(
                f"per-authority loop (split, then compute_kpis for each of {AREAS}): "
                f"{loop['seconds']:.2f} s, CPU time {loop['cpu']:.2f} s; "
                f"1-minute load average {load:.1f}; ours is "
                f"{loop['seconds'] / results['ours']['seconds']:.1f} times faster (last round)"
            )
        problems = compare(folder)
    ratios.sort()
    cpu_ratios.sort()
    print(
        f"ratio ours/duckdb: median {ratios[len(ratios) // 2]:.2f} "
        f"(rounds {', '.join(f'{r:.2f}' for r in ratios)}; goal <= 1.0); {_load_text()}"
    )
    print(
        f"CPU time ratio ours/duckdb (all threads): median {cpu_ratios[len(cpu_ratios) // 2]:.2f} "
        f"(rounds {', '.join(f'{r:.2f}' for r in cpu_ratios)})"
    )
    print(
        f"peak memory: ours {results['ours']['peak_mb']:.0f} MB, "
        f"duckdb {results['duckdb']['peak_mb']:.0f} MB (data included)"
    )
    print("results agree: " + ("yes" if not problems else "NO: " + "; ".join(problems)))


if __name__ == "__main__":
    main()

"""Time the full KPI suite on national-scale synthetic data against the same KPIs in DuckDB SQL.

Usage::

    .venv/bin/python bench/bench_kpis.py [--seed 2026] [--repeat 3] [--rounds 3]

Generates ``sendreport.synth.generate(scale="national")`` once (about 700,000
requests, 2.5 million reviews and 2 million referrals) and writes it to
Parquet in a temporary folder. Then, over ``--rounds`` rounds, alternating
which goes first, each in a fresh subprocess, it times

* ours: pandas reads the Parquet; ``compute_kpis`` for a six-month period with
  the previous period, and ``kpi_series`` over 36 calendar months;
* DuckDB: DuckDB reads the same Parquet into its own tables; the same KPIs
  written as SQL (period query for both periods, monthly query);

(the best of ``--repeat`` runs in each process; reading is not timed), prints
each round's wall and CPU times, the ratio ours/DuckDB and the load average beside it,
checks that the two give the same figures, and prints each side's peak
memory (``ru_maxrss``, data included).
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

PERIOD = ("2024-07-01", "2024-12-31")
PREVIOUS_END = "2024-06-30"
PREVIOUS_START = "2024-01-01"  # the same six calendar months before (compute_kpis' rule)
SERIES = ("2022-01-01", "2024-12-31")
TABLES = ("requests", "reviews", "referrals", "measures")


def _load(folder: Path) -> dict:
    import pandas as pd

    return {name: pd.read_parquet(folder / f"{name}.parquet") for name in TABLES}


def _cpu() -> float:
    """CPU seconds of this process so far, every thread included (user and system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ----------------------------------------------------------------------------- ours

# The synthetic area's records are complete from its first day: say so, so that
# every figure is computed (the SQL below has no coverage rule).
DATA_FROM = {"requests": "2015-01-01", "reviews": "2015-01-01", "referrals": "2015-01-01"}


def run_ours(folder: Path, repeat: int, out: Path) -> dict:
    from sendreport.metrics import compute_kpis, kpi_series

    tables = _load(folder)
    loaded_mb = _peak_mb()
    times, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), _cpu()
        kpis = compute_kpis(
            tables,
            period_start=PERIOD[0],
            period_end=PERIOD[1],
            previous_period_end=PREVIOUS_END,
            data_from=DATA_FROM,
        )
        series = kpi_series(tables, start=SERIES[0], end=SERIES[1], data_from=DATA_FROM)
        times.append(time.perf_counter() - t0)
        cpu.append(_cpu() - c0)
    kpis.to_parquet(out / "ours_kpis.parquet")
    series.to_parquet(out / "ours_series.parquet")
    return {
        "seconds": min(times),
        "all": times,
        "cpu": min(cpu),
        "peak_mb": _peak_mb(),
        "loaded_mb": loaded_mb,
    }


# ----------------------------------------------------------------------------- DuckDB

_PERIOD_SQL = """
WITH r AS (SELECT *, date_diff('day', received_date, plan_issued_date) AS d FROM requests)
SELECT 'ehcp_20wk_excl' AS kpi_id, '' AS service,
       count(*) FILTER (WHERE NOT exception_20wk AND d <= 140) AS num,
       count(*) FILTER (WHERE NOT exception_20wk) AS den, NULL::DOUBLE AS stat
FROM r WHERE plan_issued_date BETWEEN $ps AND $pe
UNION ALL SELECT 'ehcp_20wk_incl', '', count(*) FILTER (WHERE d <= 140), count(*), NULL
FROM r WHERE plan_issued_date BETWEEN $ps AND $pe
UNION ALL SELECT 'ehcp_issued', '', count(*), NULL, NULL FROM r WHERE plan_issued_date BETWEEN $ps AND $pe
UNION ALL SELECT 'ehcp_20_52wk_excl', '', count(*) FILTER (WHERE d > 140 AND d <= 364), count(*), NULL
FROM r WHERE plan_issued_date BETWEEN $ps AND $pe AND NOT exception_20wk
UNION ALL SELECT 'ehcp_over_52wk_excl', '', count(*) FILTER (WHERE d > 364), count(*), NULL
FROM r WHERE plan_issued_date BETWEEN $ps AND $pe AND NOT exception_20wk
UNION ALL SELECT 'ehcp_mean_weeks_excl', '', NULL, count(*), sum(d) / (7.0 * count(*))
FROM r WHERE plan_issued_date BETWEEN $ps AND $pe AND NOT exception_20wk
UNION ALL SELECT 'ehcp_requests', '', count(*), NULL, NULL FROM requests
WHERE received_date BETWEEN $ps AND $pe
UNION ALL SELECT 'ehcp_decision_6wk', '',
       count(*) FILTER (WHERE date_diff('day', received_date, request_outcome_date) <= 42), count(*), NULL
FROM requests WHERE request_outcome IN ('assess', 'not_assess')
  AND request_outcome_date BETWEEN $ps AND $pe
UNION ALL SELECT 'ehcp_open_over_20wk', '', count(*), NULL, NULL FROM (
  SELECT received_date, least(
      plan_issued_date,
      CASE WHEN request_outcome IN ('not_assess', 'withdrawn') THEN request_outcome_date END,
      CASE WHEN assessment_outcome IN ('not_issue_plan', 'withdrawn')
           OR (assessment_outcome = 'issue_plan' AND plan_issued_date IS NULL)
           THEN assessment_outcome_date END) AS closed
  FROM requests)
WHERE date_diff('day', received_date, $pe) > 140 AND (closed IS NULL OR closed > $pe)
UNION ALL SELECT 'ar_decision_4wk', '',
       count(*) FILTER (WHERE date_diff('day', review_meeting_date, review_decision_date) <= 28),
       count(*), NULL
FROM reviews WHERE review_decision_date BETWEEN $ps AND $pe AND review_meeting_date IS NOT NULL
UNION ALL SELECT 'ar_meeting_on_time', '', count(*) FILTER (WHERE review_meeting_date <= review_due_date),
       count(*), NULL
FROM reviews WHERE review_due_date BETWEEN $ps AND $pe
UNION ALL SELECT 'ar_overdue', '', count(*), NULL, NULL FROM reviews
WHERE review_due_date <= $pe AND (review_meeting_date IS NULL OR review_meeting_date > $pe)
UNION ALL SELECT * FROM (
  WITH o AS (
    SELECT service, date_diff('day', referral_date, $pe) AS w FROM referrals
    WHERE referral_date <= $pe
      AND (first_contact_date IS NULL OR first_contact_date > $pe)
      AND (removed_date IS NULL OR removed_date > $pe))
  SELECT 'wait_list', service, count(*), NULL, NULL FROM o GROUP BY service
  UNION ALL SELECT 'wait_over_18wk', service, count(*) FILTER (WHERE w > 126), count(*), NULL
  FROM o GROUP BY service
  UNION ALL SELECT 'wait_over_52wk', service, count(*) FILTER (WHERE w > 364), count(*), NULL
  FROM o GROUP BY service
  UNION ALL SELECT 'wait_median_open_weeks', service, NULL, count(*), median(w) / 7.0
  FROM o GROUP BY service)
UNION ALL SELECT * FROM (
  WITH s AS (
    SELECT service, date_diff('day', referral_date, first_contact_date) AS w FROM referrals
    WHERE first_contact_date BETWEEN $ps AND $pe)
  SELECT 'wait_median_seen_weeks', service, NULL, count(*), quantile_cont(w, 0.5) / 7.0
  FROM s GROUP BY service
  UNION ALL SELECT 'wait_p92_seen_weeks', service, NULL, count(*), quantile_cont(w, 0.92) / 7.0
  FROM s GROUP BY service)
UNION ALL SELECT 'autism_13wk', '',
       count(*) FILTER (WHERE date_diff('day', referral_date, first_contact_date) <= 91), count(*), NULL
FROM referrals WHERE service = 'autism_assessment' AND first_contact_date BETWEEN $ps AND $pe
UNION ALL SELECT * FROM (
  SELECT measure_id, '', arg_max(numerator, date), arg_max(denominator, date),
         arg_max(CASE WHEN numerator IS NULL OR denominator IS NULL THEN value END, date)
  FROM measures WHERE date BETWEEN $ps AND $pe GROUP BY measure_id)
"""

_SERIES_SQL = """
WITH m AS (
  SELECT month::TIMESTAMP AS month, (month + INTERVAL 1 MONTH - INTERVAL 1 DAY)::TIMESTAMP AS month_end
  FROM range(DATE '2022-01-01', DATE '2025-01-01', INTERVAL 1 MONTH) t(month)),
r AS (
  SELECT date_trunc('month', plan_issued_date) AS month, exception_20wk,
         date_diff('day', received_date, plan_issued_date) AS d
  FROM requests WHERE plan_issued_date BETWEEN $s AND $e),
events AS (
  SELECT 'ehcp_20wk_excl' AS kpi_id, '' AS service, month,
         count(*) FILTER (WHERE d <= 140) AS num, count(*) AS den
  FROM r WHERE NOT exception_20wk GROUP BY month
  UNION ALL SELECT 'ehcp_20wk_incl', '', month, count(*) FILTER (WHERE d <= 140), count(*)
  FROM r GROUP BY month
  UNION ALL SELECT 'ehcp_20_52wk_excl', '', month, count(*) FILTER (WHERE d > 140 AND d <= 364), count(*)
  FROM r WHERE NOT exception_20wk GROUP BY month
  UNION ALL SELECT 'ehcp_over_52wk_excl', '', month, count(*) FILTER (WHERE d > 364), count(*)
  FROM r WHERE NOT exception_20wk GROUP BY month
  UNION ALL SELECT 'ehcp_decision_6wk', '', date_trunc('month', request_outcome_date),
         count(*) FILTER (WHERE date_diff('day', received_date, request_outcome_date) <= 42), count(*)
  FROM requests WHERE request_outcome IN ('assess', 'not_assess')
    AND request_outcome_date BETWEEN $s AND $e GROUP BY 3
  UNION ALL SELECT 'ar_decision_4wk', '', date_trunc('month', review_decision_date),
         count(*) FILTER (WHERE date_diff('day', review_meeting_date, review_decision_date) <= 28),
         count(*)
  FROM reviews WHERE review_decision_date BETWEEN $s AND $e AND review_meeting_date IS NOT NULL
  GROUP BY 3
  UNION ALL SELECT 'ar_meeting_on_time', '', date_trunc('month', review_due_date),
         count(*) FILTER (WHERE review_meeting_date <= review_due_date), count(*)
  FROM reviews WHERE review_due_date BETWEEN $s AND $e GROUP BY 3
  UNION ALL SELECT 'autism_13wk', '', date_trunc('month', first_contact_date),
         count(*) FILTER (WHERE date_diff('day', referral_date, first_contact_date) <= 91), count(*)
  FROM referrals WHERE service = 'autism_assessment' AND first_contact_date BETWEEN $s AND $e
  GROUP BY 3),
o AS (
  SELECT m.month, f.service, date_diff('day', f.referral_date, m.month_end) AS w
  FROM referrals f JOIN m ON f.referral_date <= m.month_end
   AND coalesce(least(f.first_contact_date, f.removed_date), TIMESTAMP '9999-12-31') > m.month_end),
waits AS (
  SELECT 'wait_over_18wk' AS kpi_id, service, month, count(*) FILTER (WHERE w > 126) AS num,
         count(*) AS den FROM o GROUP BY service, month
  UNION ALL SELECT 'wait_over_52wk', service, month, count(*) FILTER (WHERE w > 364), count(*)
  FROM o GROUP BY service, month)
SELECT * FROM events UNION ALL SELECT * FROM waits
"""


def run_duckdb(folder: Path, repeat: int, out: Path) -> dict:
    import duckdb

    con = duckdb.connect()
    for name in TABLES:
        path = str(folder / f"{name}.parquet").replace("'", "''")
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet('{path}')")
    loaded_mb = _peak_mb()
    times, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), _cpu()
        now = con.execute(_PERIOD_SQL, {"ps": PERIOD[0], "pe": PERIOD[1]}).df()
        prev = con.execute(_PERIOD_SQL, {"ps": PREVIOUS_START, "pe": PREVIOUS_END}).df()
        series = con.execute(_SERIES_SQL, {"s": SERIES[0], "e": SERIES[1]}).df()
        times.append(time.perf_counter() - t0)
        cpu.append(_cpu() - c0)
    now.to_parquet(out / "duck_kpis.parquet")
    prev.to_parquet(out / "duck_prev.parquet")
    series.to_parquet(out / "duck_series.parquet")
    return {
        "seconds": min(times),
        "all": times,
        "cpu": min(cpu),
        "peak_mb": _peak_mb(),
        "loaded_mb": loaded_mb,
    }


# ----------------------------------------------------------------------------- checks


def _duck_values(duck):
    import numpy as np

    return np.where(
        duck["stat"].notna(),
        duck["stat"],
        np.where(duck["den"].notna(), 100 * duck["num"] / duck["den"], duck["num"]),
    )


def compare(out: Path) -> list[str]:
    """Differences between our figures and DuckDB's (an empty list when they agree)."""
    import numpy as np
    import pandas as pd

    problems = []
    ours = pd.read_parquet(out / "ours_kpis.parquet")
    for name, column in (("duck_kpis", "value"), ("duck_prev", "previous")):
        duck = pd.read_parquet(out / f"{name}.parquet")
        duck["duck"] = _duck_values(duck)
        # KPIs the SQL does not compute (added to the suite since) are left out
        mine = ours[ours["kpi_id"].isin(set(duck["kpi_id"]))]
        merged = mine.merge(duck, on=["kpi_id", "service"], how="outer", indicator=True)
        if (merged["_merge"] != "both").any():
            one = merged.loc[merged["_merge"] != "both", "kpi_id"].tolist()
            problems.append(f"{column}: rows in one only: {one}")
        both = merged[merged["_merge"] == "both"]
        bad = ~np.isclose(
            both[column].astype(float), both["duck"].astype(float), rtol=1e-12, equal_nan=True
        )
        if bad.any():
            problems.append(
                f"{column} differs: {both.loc[bad, ['kpi_id', 'service']].values.tolist()}"
            )
    ours_s = pd.read_parquet(out / "ours_series.parquet")
    duck_s = pd.read_parquet(out / "duck_series.parquet")
    duck_s["month"] = pd.to_datetime(duck_s["month"]).astype("datetime64[ns]")
    ours_s = ours_s[ours_s["denominator"].fillna(0) > 0]
    ours_s = ours_s[ours_s["kpi_id"].isin(set(duck_s["kpi_id"]))]
    ms = ours_s.merge(duck_s, on=["kpi_id", "service", "month"], how="outer", indicator=True)
    if (ms["_merge"] != "both").any():
        problems.append(f"series rows in one only: {int((ms['_merge'] != 'both').sum())}")
    both = ms[ms["_merge"] == "both"]
    if not (
        np.array_equal(both["numerator"].astype(int), both["num"].astype(int))
        and np.array_equal(both["denominator"].astype(int), both["den"].astype(int))
    ):
        problems.append("series counts differ")
    return problems


def _run(role: str, folder: Path, repeat: int) -> dict:
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--role",
            role,
            "--folder",
            str(folder),
            "--repeat",
            str(repeat),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _load_text() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--role", choices=["ours", "duckdb"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role:
        runner = run_ours if args.role == "ours" else run_duckdb
        print(json.dumps(runner(args.folder, args.repeat, args.folder)))
        return

    import duckdb

    from sendreport.synth import generate

    print(
        f"machine: {platform.machine()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores, DuckDB {duckdb.__version__}; {_load_text()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        tables = generate(scale="national", seed=args.seed)
        sizes = {name: len(frame) for name, frame in tables.items()}
        for name, frame in tables.items():
            frame.to_parquet(folder / f"{name}.parquet")
        del tables
        print(f"generated {sizes} in {time.perf_counter() - t0:.1f} s")
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
                f"1-minute load average {min(loads):.1f} to {max(loads):.1f}"
            )
        problems = compare(folder)
    ours, duck = results["ours"], results["duckdb"]
    ratios.sort()
    cpu_ratios.sort()
    print(
        f"ratio ours/duckdb: median {ratios[len(ratios) // 2]:.2f} "
        f"(rounds {', '.join(f'{r:.2f}' for r in ratios)}; target <= 1.5); {_load_text()}"
    )
    print(
        f"CPU time ratio ours/duckdb (all threads): median {cpu_ratios[len(cpu_ratios) // 2]:.2f} "
        f"(rounds {', '.join(f'{r:.2f}' for r in cpu_ratios)})"
    )
    print(
        f"peak memory: ours {ours['peak_mb']:.0f} MB (data loaded {ours['loaded_mb']:.0f} MB), "
        f"duckdb {duck['peak_mb']:.0f} MB (data loaded {duck['loaded_mb']:.0f} MB); "
        "target < 4 GB for ours"
    )
    print("results agree: " + ("yes" if not problems else "NO: " + "; ".join(problems)))


if __name__ == "__main__":
    main()

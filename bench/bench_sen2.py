"""Benchmark: read a 200,000-person SEN2 return (XML) into validated tables.

Target (issue 15): under 30 s and under 1 GB peak memory on a 2-core machine.
The script writes a synthetic return with numpy and string templates (every
person with one to three requests: refused, withdrawn, ongoing, plans issued
with placements, needs and an annual review, and historical chains), then
runs, each in a fresh subprocess so that peak memory is the child's own, in
alternating rounds A B A B:

- A, the reference: a bare lxml ``iterparse`` pass over the same file that
  frees each ``Person`` (the least any streaming reader must do);
- B, the product path: ``load_data({"sen2": path})`` (stream, build the tidy
  tables, combine, validate the canonical ``requests`` and ``reviews``).

It prints the load average before each round, each run's wall time and peak
resident memory, the best of each and the ratio B / A.

Usage::

    .venv/bin/python bench/bench_sen2.py [--people 200000] [--rounds 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CHILD = r"""
import json, resource, sys, time
mode, path = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
if mode == "load":
    from sendreport.validation import load_data
    loaded = load_data({"sen2": path})
    rows = {name: len(frame) for name, frame in loaded.tables.items()}
else:
    from lxml import etree
    n = 0
    for _, elem in etree.iterparse(path, events=("end",), tag="Person",
                                   resolve_entities=False, no_network=True):
        n += 1
        elem.clear()
        parent = elem.getparent()
        while elem.getprevious() is not None:
            del parent[0]
    rows = {"persons": n}
wall = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rows": rows,
                  "peak_kib": usage.ru_maxrss}))
"""

HEADER = ("<?xml version='1.0' encoding='UTF-8'?>\n<Message><Header><CollectionDetails>"
          "<Collection>SEN2</Collection><Year>2025</Year><ReferenceDate>2025-01-16"
          "</ReferenceDate></CollectionDetails><Source><SourceLevel>L</SourceLevel><LEA>999</LEA>"
          "<DMO>Y</DMO><DCO>Y</DCO><DSCO>N</DSCO></Source></Header>\n<Persons>\n")


def _day(n: int) -> str:
    return str(np.datetime64("2024-01-01") + np.timedelta64(int(n), "D"))


def write_return(path: Path, people: int, seed: int = 15) -> None:
    """Write a synthetic 2025 return of ``people`` persons."""
    rng = np.random.default_rng(seed)
    kinds = rng.choice(4, size=(people, 3), p=[0.2, 0.35, 0.15, 0.3])
    counts = rng.integers(1, 4, people)
    days = rng.integers(0, 330, size=(people, 3))
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for i in range(people):
            parts = [f"<Person><Surname>Oakenshaw</Surname><Forename>Robin</Forename>"
                     f"<PersonBirthDate>{_day(-3000 - i % 4000)}</PersonBirthDate><Sex>F</Sex>"
                     f"<Ethnicity>WBRI</Ethnicity><PostCode>ZZ99 9ZZ</PostCode>"
                     f"<UPN>A999{i:09d}</UPN>"]
            for j in range(counts[i]):
                kind, d = kinds[i, j], days[i, j] + j
                if j and kind in (1, 3):  # one plan a person: later requests refused
                    kind = 0
                if kind == 0:
                    parts.append(f"<Requests><ReceivedDate>{_day(d)}</ReceivedDate>"
                                 "<RequestSource>1</RequestSource><RYA>0</RYA>"
                                 f"<RequestOutcomeDate>{_day(d + 30)}</RequestOutcomeDate>"
                                 "<RequestOutcome>N</RequestOutcome><RequestMediation>0"
                                 "</RequestMediation><RequestTribunal>0</RequestTribunal>"
                                 "</Requests>")
                elif kind == 2:
                    parts.append(f"<Requests><ReceivedDate>{_day(d)}</ReceivedDate>"
                                 "<RequestOutcome>A</RequestOutcome></Requests>")
                else:
                    historical = kind == 3
                    request = ("<RequestOutcome>H</RequestOutcome>" if historical else
                               f"<ReceivedDate>{_day(d - 150)}</ReceivedDate><RequestSource>2"
                               f"</RequestSource><RYA>0</RYA><RequestOutcomeDate>"
                               f"{_day(d - 110)}</RequestOutcomeDate><RequestOutcome>Y"
                               "</RequestOutcome><RequestMediation>0</RequestMediation>"
                               "<RequestTribunal>0</RequestTribunal>")
                    start = _day(d - 900) if historical else _day(d)
                    outcome = ("<AssessmentOutcome>H</AssessmentOutcome>" if historical else
                               f"<AssessmentOutcome>Y</AssessmentOutcome><AssessmentOutcomeDate>"
                               f"{_day(d)}</AssessmentOutcomeDate><AssessmentMediation>0"
                               "</AssessmentMediation><AssessmentTribunal>0"
                               "</AssessmentTribunal><OtherMediation>0</OtherMediation>"
                               "<OtherTribunal>0</OtherTribunal><Week20>0</Week20>")
                    cease = ""
                    parts.append(
                        f"<Requests>{request}<Assessment>{outcome}<NamedPlan><StartDate>{start}"
                        f"</StartDate><PB>0</PB>{cease}<PlanDetail><URN>100000</URN>"
                        "<PlacementRank>1</PlacementRank></PlanDetail></NamedPlan></Assessment>"
                        f"<ActivePlans><ReviewMeeting>{_day(d - 20)}</ReviewMeeting>"
                        f"<ReviewOutcome>M</ReviewOutcome><LastReview>{_day(d - 5)}"
                        "</LastReview><PlacementDetail><URN>100000</URN><PlacementRank>1"
                        f"</PlacementRank><EntryDate>{start}</EntryDate><SENunitIndicator>0"
                        "</SENunitIndicator><ResourcedProvisionIndicator>0"
                        "</ResourcedProvisionIndicator></PlacementDetail><SENneed><SENtype>ASD"
                        "</SENtype><SENtypeRank>1</SENtypeRank></SENneed><SENneed><SENtype>SLCN"
                        "</SENtype><SENtypeRank>2</SENtypeRank></SENneed></ActivePlans>"
                        "</Requests>")
            parts.append("</Person>\n")
            out.write("".join(parts))
        out.write("</Persons></Message>\n")


def run_child(mode: str, path: Path) -> dict:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(path)], capture_output=True,
                         text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-sen2-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "sen2-2025.xml"
    if not path.exists():
        t0 = time.perf_counter()
        write_return(path, args.people)
        print(f"wrote {args.people:,} persons ({path.stat().st_size / 2**20:,.0f} MiB) "
              f"in {time.perf_counter() - t0:.1f} s")
    print(f"machine: {os.uname().machine}, {os.cpu_count()} cores, Python "
          f"{sys.version.split()[0]}")
    results: dict[str, list[dict]] = {"iterparse": [], "load": []}
    for round_ in range(1, args.rounds + 1):
        for mode in ("iterparse", "load"):
            load = os.getloadavg()[0]
            r = run_child(mode, path)
            results[mode].append(r)
            print(f"round {round_} {mode:<9}  load {load:4.1f}  wall {r['wall']:6.2f} s  "
                  f"cpu {r['cpu']:6.2f} s  peak {r['peak_kib'] * 1024 / 1e9:5.2f} GB  "
                  f"rows {r['rows']}")
    best = {m: min(rs, key=lambda r: r["wall"]) for m, rs in results.items()}
    a, b = best["iterparse"], best["load"]
    print(f"best: lxml iterparse (reference) wall {a['wall']:.2f} s, cpu {a['cpu']:.2f} s, "
          f"peak {a['peak_kib'] * 1024 / 1e9:.2f} GB; sendreport load_data wall "
          f"{b['wall']:.2f} s, cpu {b['cpu']:.2f} s, peak {b['peak_kib'] * 1024 / 1e9:.2f} GB")
    print(f"ratio load_data / iterparse: wall {b['wall'] / a['wall']:.2f}x, "
          f"cpu {b['cpu'] / a['cpu']:.2f}x, peak memory {b['peak_kib'] / a['peak_kib']:.2f}x")
    wall = max(r["wall"] for r in results["load"])
    cpu = max(r["cpu"] for r in results["load"])
    peak = max(r["peak_kib"] for r in results["load"]) * 1024 / 1e9
    print(f"target under 30 s and under 1 GB: wall {'met' if wall < 30 else 'NOT met'} "
          f"(slowest {wall:.2f} s), cpu time {'met' if cpu < 30 else 'NOT met'} "
          f"(largest {cpu:.2f} s), memory {'met' if peak < 1 else 'NOT met'} "
          f"(largest {peak:.2f} GB)")


if __name__ == "__main__":
    main()

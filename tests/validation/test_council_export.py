"""``validate`` on an export shaped like a real council's lists everything an analyst must see."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
SENDREPORT = Path(sys.executable).parent / "sendreport"


def _generator():
    spec = importlib.util.spec_from_file_location(
        "council_export", ROOT / "tests" / "data" / "council_export.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EXPORT = _generator()


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    folder = tmp_path_factory.mktemp("council")
    return EXPORT.write_council_export(folder, notebook=ROOT / "notebooks" / "stocktake.ipynb")


@pytest.fixture(scope="module")
def pack(export):
    from sendreport.pack import Pack
    from sendreport.params import read_params

    return Pack.from_params(read_params(export))


@pytest.fixture(scope="module")
def validated(export):
    result = subprocess.run([str(SENDREPORT), "validate", str(export)], capture_output=True,
                            text=True, timeout=300)
    assert "Traceback" not in result.stderr
    return result


def _query_rows(stdout: str) -> dict[tuple[str, str, str], int]:
    found, table = {}, None
    for line in stdout.splitlines():
        heading = re.match(r"(\w+) \(.*\): [\d,]+ rows read", line)
        if heading:
            table = heading.group(1)
        row = re.match(r"  (\S+)\s+(query_\w+)\s+([\d,]+)\s", line)
        if row:
            found[(table, row.group(1), row.group(2))] = int(row.group(3).replace(",", ""))
    return found


def test_the_export_is_fit_to_run(validated):
    assert validated.returncode == 0, validated.stderr
    assert validated.stdout.rstrip().endswith("params, plan and data are fit to run.")
    # the Windows-1252 file is read as such, and nothing breaks a rule: the unquoted Yes/No
    # mapping and the hyphenated service names matched
    assert "encoding_windows_1252" in validated.stdout
    for table in ("requests", "reviews", "referrals"):
        assert re.search(rf"^{table} \(.*\): [\d,]+ rows read, 0 excluded", validated.stdout,
                         re.MULTILINE), table
    assert "unknown_code" not in validated.stdout


def test_validate_lists_every_group_of_records_to_query(validated):
    assert _query_rows(validated.stdout) == EXPORT.SUSPECTS
    # by row number, never by content: no child's id is printed
    assert not re.search(r"\b[CN]\d{6}\b", validated.stdout)


def test_validate_lists_every_plan_entry_dated_after_the_period(validated):
    lines = validated.stdout.splitlines()
    start = lines.index("plan.yaml: 5 plan entries dated after the period end (2024-09-30), "
                        "left out of the pack:")
    assert tuple(line.strip() for line in lines[start + 1:start + 6]) == EXPORT.LATER


def test_validate_starts_the_casework_where_its_records_are_continuous(validated):
    # six stray 2021 requests do not make the export start in 2021: it starts in April 2023
    lines = validated.stdout.splitlines()
    assert ("  requests: from April 2023 (by continuity); 6 isolated earlier records listed to "
            "query (query_before_coverage)") in lines
    assert EXPORT.REQUESTS_FROM == dt.date(2023, 4, 1)
    paste = "  data_from: {requests: 2023-04-01, reviews: 2023-01-01, referrals: 2023-01-01}"
    assert paste in lines
    # the baseline, January to June 2023, needs requests the export does not cover: each
    # requests figure of it is named as not available
    from sendreport.metrics.coverage import KPI_TABLES

    every = [k for k, t in KPI_TABLES.items() if t == "requests"]
    baseline = next(ln for ln in lines if ln.startswith("baseline (2023-01-01 to 2023-06-30): "
                                                         f"{len(every)} requests figures not "
                                                         "available (x)"))
    assert baseline.endswith(", ".join(every))


def test_validate_counts_the_records_under_query_with_what_they_move(validated):
    lines = validated.stdout.splitlines()
    start = lines.index("records under query (counted in every figure until you leave them out "
                        "with exclude:), and the period's figures they move, with them -> "
                        "without them:")
    assert lines[start + 1] == ("  requests: 9 records; no figure of the period changes "
                                "without them")  # 3 copies, 6 stray 2021 requests
    referrals = lines.index(f"  referrals: {sum(EXPORT.MANY_OPEN.values())} records:", start)
    moved = {}
    for line in lines[referrals + 1:]:
        if not line.startswith("    "):
            break
        figure, change = line.strip().split(": ")
        moved[figure] = tuple(float(v.replace(",", "")) for v in change.split(" -> "))
    # the test-like ids' open referrals leave each list: 20 SaLT of one child, 3 of each other
    salt = moved["wait_list speech_and_language_therapy"]
    assert salt[0] - salt[1] == 20 + 3 * 3
    assert moved["wait_list autism_assessment"][0] - moved["wait_list autism_assessment"][1] == 9


def test_no_figure_needing_months_before_the_coverage_is_given(pack):
    from sendreport.metrics.coverage import KPI_TABLES

    kpis = pack.kpis
    requests = kpis[kpis["kpi_id"].map(KPI_TABLES.get) == "requests"]
    assert len(requests) >= 10
    # baseline January to June 2023: every requests figure is x, with the reason
    assert requests["baseline"].isna().all()
    assert (requests["baseline_reason"].str.contains("the data cover from April 2023")).all()
    # the period itself is covered
    assert requests.loc[requests["kpi_id"] == "ehcp_requests", "value"].notna().all()


def test_validate_names_the_service_that_is_not_canonical(validated, export):
    raw = pd.read_csv(export.parent / "waiting_list.csv", encoding="cp1252", dtype=str)
    n = int((raw["Service"] == EXPORT.NOT_CANONICAL).sum())
    assert n > 0
    assert f"  service: '{EXPORT.NOT_CANONICAL}' ({n} rows) not canonical" in validated.stdout


def test_the_pack_shows_the_plan_as_at_september_with_each_actions_own_figure(export, pack):
    from sendreport.inputs import load_inputs
    from sendreport.params import read_params

    params = read_params(export)
    actions = {a.id: a for _, a in pack.plan.actions}
    assert {k: pack.plan.action_status(a) for k, a in actions.items()} == {
        "A1.1": "at_risk", "A2.1": "on_track"}
    assert [e.id for e in pack.plan.evidence] == ["E1"]
    [view] = pack.action_views(actions["A2.1"])
    assert view.key == ("wait_median_open_weeks", "autism_assessment")
    counted = load_inputs(params).quality.set_index(["table", "column", "rule"])["count"]
    published = pack.quality.set_index(["table", "column", "rule"])
    for key, rows in EXPORT.SUSPECTS.items():
        assert counted[key] == rows
        # the shared pack publishes each count, or withholds it under the disclosure rule
        if published.loc[key, "suppressed"]:
            assert pd.isna(published.loc[key, "count"])
        else:
            assert published.loc[key, "count"] == rows


def test_the_pack_counts_the_records_under_query_with_their_impact(pack):
    from sendreport.metrics.queried import UNDER_QUERY
    from sendreport.pack.sections import data_quality_html

    under = pack.quality[pack.quality["rule"] == UNDER_QUERY].set_index("table")
    assert under.loc["referrals", "count"] == sum(EXPORT.MANY_OPEN.values())
    salt = "wait_list speech_and_language_therapy: "
    assert salt in under.loc["referrals", "impact"]
    # the requests' count is withheld (its three copies are under the threshold), so is its impact
    assert under.loc["requests", "suppressed"] and pd.isna(under.loc["requests", "count"])
    html = data_quality_html(pack)
    assert "Records under query</h2>" in html and salt in html

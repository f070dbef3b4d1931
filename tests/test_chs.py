"""NHS England CHS waiting list comparators (the params ``benchmarks`` file) and health waits.

Every figure here is synthetic, made in the test: the package ships no national figure.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sendreport.chs import (
    BANDS,
    CHS_COLUMNS,
    SERVICE_LINES,
    canonical_service,
    comparators,
    read_chs,
)
from sendreport.errors import DataValidationError
from sendreport.pack import sections
from sendreport.pack.pack import Pack
from sendreport.params import parse_params
from sendreport.synth import write_synthetic
from sendreport.tables import format_change
from sendreport.validation.schemas import SERVICES
from sendreport.vocabulary import service_name

ROOT = Path(__file__).resolve().parents[1]
SENDREPORT = str(Path(sys.executable).parent / "sendreport")
PERIOD_END = dt.date(2024, 12, 31)


def chs_rows(month: str, level: str, code: str, name: str, line: str, counts) -> list[dict]:
    return [
        dict(zip(CHS_COLUMNS, (month, level, code, name, line, band, n), strict=True))
        for band, n in zip(BANDS, counts, strict=True)
    ]


@pytest.fixture
def chs_file(tmp_path):
    rows = (
        chs_rows("2024-11", "national", "E92000001", "England",
                 "(CYP) Speech and language therapy service", [100, 100, 100, 300, 200, 150, 50])
        # a later month than the stocktake's end is never used
        + chs_rows("2025-01", "national", "E92000001", "England",
                   "(CYP) Speech and language therapy service", [1, 1, 1, 1, 1, 1, 1])
        + chs_rows("2024-10", "national", "E92000001", "England",
                   "(CYP) Speech and language therapy service", [9, 9, 9, 9, 9, 9, 9])
        + chs_rows("2024-11", "system", "QXX", "Demoshire ICB",
                   "Speech and Language Therapy", [10, 10, 10, 30, 20, 15, 5])
        # a band the publication left blank: its totals are not available
        + chs_rows("2024-11", "national", "E92000001", "England",
                   "(CYP) Audiology", [40, 30, 20, 5, 3, "*", 1])
        + chs_rows("2024-11", "national", "E92000001", "England", "(CYP) Dietetics", [1] * 7)
    )
    path = tmp_path / "chs.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_read_chs_maps_service_lines_and_bands(chs_file):
    chs = read_chs(chs_file)
    assert list(chs.columns[:7]) == list(CHS_COLUMNS)
    assert set(chs["band"]) == set(BANDS)
    assert chs.loc[chs["service"] == "(CYP) Dietetics", "canonical"].isna().all()
    assert set(chs["canonical"].dropna()) == {"speech_and_language_therapy", "audiology"}
    assert chs["month"].min() == pd.Timestamp("2024-10-01")


def test_comparators_hand_worked(chs_file):
    found = comparators(read_chs(chs_file), "speech_and_language_therapy", PERIOD_END)
    assert [(c.level, c.area_name, c.month) for c in found] == [
        ("national", "England", dt.date(2024, 11, 1)),
        ("system", "Demoshire ICB", dt.date(2024, 11, 1)),
    ]
    england = found[0]
    # 100+100+100+300+200+150+50 = 1000 waiting; over 18 weeks 150+50 = 200; over 52: 50
    assert (england.waiting, england.over_18, england.over_52) == (1000, 200, 50)
    assert england.pct_over_18 == pytest.approx(20.0)
    assert england.pct_over_52 == pytest.approx(5.0)
    assert england.label == "England (national), November 2024"


def test_a_blank_band_makes_the_totals_not_available(chs_file):
    (audiology,) = comparators(read_chs(chs_file), "audiology", PERIOD_END)
    assert audiology.waiting is None and audiology.over_18 is None
    assert audiology.over_52 == 1
    assert audiology.pct_over_52 is None  # no total to divide by


def test_no_month_on_or_before_the_end_means_no_comparator(chs_file):
    chs = read_chs(chs_file)
    assert comparators(chs, "speech_and_language_therapy", dt.date(2024, 9, 30)) == []


def test_every_mapped_service_line_is_a_canonical_service():
    assert set(SERVICE_LINES.values()) <= set(SERVICES)
    assert canonical_service("(CYP) Therapy interventions: Physiotherapy") == "physiotherapy"
    assert canonical_service("Community Paediatric Service (CYP)") == "community_paediatrics"


def test_the_docs_print_the_mapping_table():
    guide = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    for line, service in SERVICE_LINES.items():
        assert re.search(rf"\|\s*{re.escape(line)}\s*\|\s*`{service}`", guide, re.I), line


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("month", "November", "not_a_month"),
        ("level", "country", "unknown_code"),
        ("band", "5-9", "unknown_code"),
        ("count", "1.5", "not_a_whole_number"),
        ("count", "-2", "negative"),
        ("area_code", "", "missing"),
    ],
)
def test_bad_cells_name_file_column_and_rule(tmp_path, column, value, rule):
    rows = chs_rows("2024-11", "national", "E92000001", "England", "Audiology", [1] * 7)
    rows[2][column] = value
    path = tmp_path / "chs.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    with pytest.raises(DataValidationError) as err:
        read_chs(path)
    message = str(err.value)
    assert f"{path}: column {column}, rule {rule}" in message
    assert "row 4" in message  # the header is row 1
    if rule == "unknown_code":
        assert repr(value) in message


def test_duplicate_and_missing_columns_are_refused(tmp_path):
    rows = chs_rows("2024-11", "national", "E92000001", "England", "Audiology", [1] * 7)
    path = tmp_path / "chs.csv"
    pd.DataFrame(rows + rows[:1]).to_csv(path, index=False)
    with pytest.raises(DataValidationError, match="column band, rule duplicate: 2 rows"):
        read_chs(path)
    pd.DataFrame(rows).drop(columns="count").to_csv(path, index=False)
    with pytest.raises(DataValidationError, match="column count, rule required_column_missing"):
        read_chs(path)


# ----- the pack ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synthetic")
    write_synthetic(folder)
    return folder


def raw_params(data_dir: Path, **changes) -> dict:
    demo = yaml.safe_load((ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    demo.update(
        notebook=str(ROOT / "notebooks" / "stocktake.ipynb"),
        plan=str(ROOT / "params" / "plans" / "demoshire-pap.yaml"),
        data={t: str(data_dir / f"{t}.csv") for t in demo["data"]},
    )
    demo.update(changes)
    return demo


def build(data_dir: Path, **changes) -> Pack:
    return Pack.from_params(parse_params(raw_params(data_dir, **changes), base_dir=data_dir))


@pytest.fixture(scope="module")
def pack(data_dir) -> Pack:
    """The demo params' pack with no benchmarks file, built once: the tests only read it."""
    return build(data_dir)


def cells(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def by_service(table, label: str = "Now") -> dict[str, list[str]]:
    """The row ``label`` of each service's group of a health table, by service in words."""
    out, service = {}, None
    for row in table.rows:
        service = row.group if row.group is not None else service
        if row.cells[0].text == label:
            out[service] = [c.text for c in row.cells]
    return out


def test_health_waits_show_every_service_in_the_data(pack, data_dir):
    data = sections.health_waits(pack)
    referrals = pd.read_csv(data_dir / "referrals.csv")
    in_data = set(referrals["service"])
    for table in (data["lists"], data["waits"]):
        shown = [row.group for row in table.rows if row.group is not None]
        assert len(shown) == len(in_data) > 3
        assert {service_name(s) for s in in_data} == set(shown)


def test_health_tables_keep_counts_and_percentages_apart_with_units_in_every_heading(pack):
    """Each column one KPI, so one unit; every heading names it; time and change rows."""
    data = sections.health_waits(pack)
    lists, waits = data["lists"], data["waits"]
    headings = [c.text for c in lists.header[1:]]
    assert headings == ["Waiting (referrals)", "Children waiting", "Over 18 weeks (referrals)",
                        "Over 18 weeks (%)", "Over 52 weeks (referrals)", "Over 52 weeks (%)"]
    assert all(c.text.endswith("(weeks)") for c in waits.header[1:])
    labels = [row.cells[0].text for row in lists.rows[:5]]
    assert labels == ["Now", "Last stocktake", "Baseline", "Change since last stocktake",
                      "Change since baseline"]
    for table in (lists, waits):
        assert len(table.header) <= 7  # within the page's width
        for i, heading in enumerate(table.header[1:], start=1):
            column = [row.cells[i].text for row in table.rows]
            shown = [t for t in column if t not in ("c", "x", "z")]
            if heading.text.endswith("(%)"):
                assert all(t.endswith(("%", " pp")) for t in shown), heading.text
            elif heading.text.endswith("(weeks)"):
                assert all(t.endswith(("weeks", "week")) for t in shown), heading.text
            else:  # a count: whole numbers, with a sign for a change
                assert all(re.fullmatch(r"[+-]?[\d,]+", t) for t in shown), heading.text
    k = pack.kpis.set_index(["kpi_id", "service"])
    slt = by_service(lists)["Speech and language therapy"]
    row = k.loc[("wait_over_18wk_count", "speech_and_language_therapy")]
    assert slt[3] == f"{int(row['value']):,}"
    change = by_service(lists, "Change since baseline")["Speech and language therapy"]
    assert change[3] == format_change(row["value"] - row["baseline"], "count")
    base = by_service(lists, "Baseline")["Speech and language therapy"]
    assert base[3] == f"{int(row['baseline']):,}"
    children = k.loc[("wait_children", "speech_and_language_therapy"), "value"]
    assert slt[2] == f"{int(children):,}" and children <= k.loc[
        ("wait_list", "speech_and_language_therapy"), "value"]


def test_over_52_week_counts_match_an_independent_count(pack, data_dir):
    """Children still waiting at the period end who were referred more than 364 days before."""
    r = pd.read_csv(data_dir / "referrals.csv", parse_dates=["referral_date", "first_contact_date",
                                                             "removed_date"])
    end = pd.Timestamp(PERIOD_END)
    stopped = (r["first_contact_date"] <= end) | (r["removed_date"] <= end)
    still = r[(r["referral_date"] <= end) & ~stopped]
    over = still[(end - still["referral_date"]).dt.days > 364].groupby("service").size()
    table = by_service(sections.health_waits(pack)["lists"])
    for service in set(r["service"]):
        n = int(over.get(service, 0))
        expected = "c" if 0 < n < 5 else f"{n:,}"
        assert table[service_name(service)][5] == expected, service


def test_seen_waits_sit_beside_waits_of_children_still_waiting(pack):
    k = pack.kpis.set_index(["kpi_id", "service"])
    row = by_service(sections.health_waits(pack)["waits"])["Autism assessment"]
    for column, kpi_id in ((1, "wait_median_open_weeks"), (2, "wait_median_seen_weeks"),
                           (3, "wait_p92_seen_weeks")):
        value = k.loc[(kpi_id, "autism_assessment"), "value"]
        assert row[column] == f"{value:.1f} weeks"


def test_without_a_benchmarks_file_the_pack_says_no_comparator_was_given(pack):
    html = sections.health_waits_html(pack)
    assert "No comparator was given" in html
    assert "England (national)" not in html


def test_comparators_name_level_and_month(data_dir, chs_file):
    pack = build(data_dir, benchmarks=str(chs_file))
    data = sections.health_waits(pack)
    rows = cells(data["comparison"])
    assert ["England (national), November 2024", "1,000", "20.0%", "5.0%"] in rows
    assert ["Demoshire ICB (system), November 2024", "100", "20.0%", "5.0%"] in rows
    groups = [r.group for r in data["comparison"].rows]
    audiology = rows[groups.index("Audiology") + 1]
    assert audiology == ["England (national), November 2024", "x", "x", "x"]  # a blank band
    assert "Autism assessment" in data["unmatched"] and "Audiology" not in data["unmatched"]
    assert "November 2024" in data["credit"] and "NHS England" in data["credit"]


def test_run_refuses_a_bad_benchmarks_file_with_exit_2(data_dir, tmp_path):
    bad = tmp_path / "chs.csv"
    rows = chs_rows("2024-11", "nationwide", "E92000001", "England", "Audiology", [1] * 7)
    pd.DataFrame(rows).to_csv(bad, index=False)
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump(raw_params(data_dir, benchmarks=str(bad))), encoding="utf-8")
    out = tmp_path / "out"
    run = subprocess.run(
        [SENDREPORT, "run", str(params), "--output-dir", str(out)],
        capture_output=True, text=True, check=False, timeout=300,
    )
    assert run.returncode == 2
    assert f"{bad}: column level, rule unknown_code" in run.stderr
    assert "'nationwide'" in run.stderr
    assert "Traceback" not in run.stderr
    assert not any(out.rglob("report.pdf"))
    check = subprocess.run(
        [SENDREPORT, "validate", str(params)], capture_output=True, text=True, check=False,
        timeout=300,
    )
    assert check.returncode == 2
    assert f"{bad}: column level, rule unknown_code" in check.stderr

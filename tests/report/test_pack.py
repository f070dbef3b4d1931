"""The pack's content built directly from params: no kernel, no PDF."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
import re
from pathlib import Path

import pandas as pd
import pytest

from sendreport.metrics import KPI_DEFINITIONS
from sendreport.pack import Pack, sections
from sendreport.params import parse_params
from sendreport.vocabulary import service_name

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def data_dir(synthetic_dir):
    return synthetic_dir


def build(data_dir: Path, **changes) -> Pack:
    return Pack.from_params(parse_params(raw_params(data_dir, **changes)))


def raw_params(data_dir: Path, **changes) -> dict:
    raw = {
        "notebook": str(ROOT / "notebooks" / "stocktake.ipynb"),
        "area_name": "Demoshire",
        "period_start": "2024-07-01",
        "period_end": "2024-12-31",
        "baseline_period_start": "2022-04-01",
        "baseline_period_end": "2023-03-31",
        "previous_period_end": "2024-06-30",
        "plan": str(ROOT / "params" / "plans" / "demoshire-pap.yaml"),
        "data": {
            t: str(data_dir / f"{t}.csv") for t in ("requests", "reviews", "referrals", "measures")
        },
    }
    raw.update(changes)
    return raw


@pytest.fixture(scope="module")
def shared(data_dir, demo_pap_pack):
    assert demo_pap_pack.params == parse_params(raw_params(data_dir))  # the pack build() builds
    return demo_pap_pack


def test_a_built_pack_cannot_be_changed(shared):
    """Every figure is computed once in from_params: no section, method or caller reassigns one."""
    for name in [f.name for f in dataclasses.fields(Pack)]:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(shared, name, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        shared.extra = 1  # nor a new attribute
    assert isinstance(shared.views, tuple) and shared.views
    handed = pickle.loads(pickle.dumps(shared))  # as the runner hands a built pack to the kernel
    with pytest.raises(dataclasses.FrozenInstanceError):
        handed.kpis = handed.kpis.iloc[:0]
    pd.testing.assert_frame_equal(handed.kpis, shared.kpis)


def test_every_monthly_plan_kpi_gets_both_icons_with_words(shared):
    html = sections.scorecard_html(shared)
    monthly = [v for v in shared.views if v.series is not None]
    assert monthly
    rows = html.split("<tr>")
    for view in monthly:
        row = next(r for r in rows if f'href="#{view.anchor}"' in r)
        alts = re.findall(
            r'<img class="icon" src="data:image/svg\+xml;base64,[^"]+" alt="([^"]+)"', row
        )
        if view.fact.not_assessed:  # SPEC 6: words with the reason, no icon of an older point
            assert f"Not assessed: {view.fact.not_assessed}" in row and not alts, view.name
            continue
        assert len(alts) == 2, view.name
        assert any(w in alts[0] for w in ("variation", "Special cause"))
        assert "assur" in alts[1].lower() or "target" in alts[1].lower()


def test_high_threshold_suppresses_small_counts_everywhere_in_a_shared_pack(data_dir):
    pack = build(data_dir, suppression_threshold=100)
    kpis = pack.kpis
    people = ~kpis["kpi_id"].str.startswith("actions_") & ~kpis["kpi_id"].isin(pack.not_people)
    counts = kpis[(kpis["unit"] == "count") & people]
    small = counts[counts["suppressed"]]
    assert len(small), "the threshold of 100 must catch some counts"
    assert small["value"].isna().all() and small["numerator"].isna().all()
    shown = counts[~counts["suppressed"]]["value"].dropna()
    assert ((shown == 0) | (shown >= 100)).all()
    html = sections.scorecard_html(pack)
    for view in pack.views:
        if view.suppressed:
            row = next(r for r in html.split("<tr>") if f'href="#{view.anchor}"' in r)
            cells = re.findall(r'<td class="num">([^<]*)</td>', row)
            assert cells[0] == "c", view.name
    assert "c = withheld: small (1 to 99 children) or protecting another withheld figure" in html


def test_internal_pack_shows_unsuppressed_values(data_dir, shared):
    internal = build(data_dir, suppression_threshold=100, audience="internal")
    counts = internal.kpis[internal.kpis["unit"] == "count"]
    assert counts["suppressed"].any()
    assert counts.loc[counts["suppressed"], "value"].notna().all()
    shown = ~shared.kpis["suppressed"]
    pd.testing.assert_series_equal(
        internal.kpis.loc[shown, "value"], shared.kpis.loc[shown, "value"], check_names=False
    )
    hidden = shared.kpis["suppressed"] & internal.kpis["denominator"].notna()
    assert hidden.any() and internal.kpis.loc[hidden, "value"].notna().all()


def test_families_pack_is_its_own_plain_english_document(data_dir):
    pack = build(data_dir, audience="families")
    assert pack.families
    html = sections.families_html(pack)
    assert "education, health and care plan (EHC plan)" in html
    assert "What has not got better" in html and "How to get help or have a say" in html


def test_kpis_table_holds_every_kpi_the_tables_allow(shared):
    ids = set(shared.kpis["kpi_id"])
    assert set(KPI_DEFINITIONS) <= ids
    assert {"pcf_plan_reflects_needs", "ehcp_quality_good", "ep_advice_6wk"} <= ids


def test_trajectory_is_interpolated_between_milestones(shared):
    view = next(v for v in shared.views if v.plan_kpi.id == "ehcp_20wk_excl")
    points = sorted((m.date, m.value) for m in view.plan_kpi.trajectory)
    points.insert(0, (dt.date(2023, 3, 31), view.plan_kpi.baseline.value))
    t = dt.date(2024, 12, 31)
    (d0, v0), (d1, v1) = next(
        (a, b) for a, b in zip(points, points[1:], strict=False) if a[0] <= t <= b[0]
    )
    expected = v0 + (v1 - v0) * (t - d0).days / (d1 - d0).days
    assert shared.trajectory_value(view) == pytest.approx(expected)
    value = view.value("value")
    assert shared.on_trajectory(view) == (
        "on trajectory" if value >= expected else "off trajectory"
    )


def test_headline_findings_are_three_to_six_sentences(shared):
    from sendreport.pack.findings import headline_findings

    findings = headline_findings(shared)
    assert 3 <= len(findings) <= 6
    assert any(f.startswith("Actions: ") for f in findings)
    assert any("Family voice and case data" in f for f in findings)


def test_dfe_benchmark_table_sits_beside_the_area_figure(shared):
    view = next(v for v in shared.views if v.plan_kpi.id == "ehcp_20wk_excl")
    html = sections.benchmark_html(shared, view)
    assert '<th scope="col" class="num">England</th>' in html
    assert "Demoshire (own records)" in html
    # no reference_date: the extract date is period_end, 31 December 2024, before DfE
    # published 2024's figures (June 2025): 2023 is the latest, 2024's England is x
    assert "Department for Education" in html and "50.3%" in html and "46.4%" not in html


def test_every_monthly_plan_kpi_gets_an_spc_chart_with_alt_text(shared):
    monthly = [v for v in shared.views if v.series is not None]
    assert len(monthly) >= 5
    for view in monthly:
        html = sections.kpi_chart_html(shared, view)
        alt = re.search(r'<img src="data:image/png;base64,[^"]+" alt="([^"]+)"', html).group(1)
        assert alt.startswith(f"SPC chart of {view.name}".replace("'", "&#x27;")), alt
        assert f'id="{view.anchor}"' in html


def test_data_quality_appendix_counts_excluded_rows_by_rule(data_dir, tmp_path):
    import shutil

    for name in ("requests", "reviews", "referrals", "measures"):
        shutil.copy(data_dir / f"{name}.csv", tmp_path / f"{name}.csv")
    with (tmp_path / "requests.csv").open("a") as fh:
        fh.write("BAD-1,DS-9999999,not a date,ongoing,,,,,false,,\n")
        fh.write("BAD-2,DS-9999998,2024-08-01, Ongoing ,,,,,false,,\n")  # tidied: information
    pack = build(tmp_path)
    html = sections.data_quality_html(pack)
    row = next(r for r in html.split("<tr>") if "Invalid date" in r)
    # one record of a child with an unreadable date: c in a shared pack (SPEC 7)
    assert "received_date" in row and '<td class="num">c</td>' in row
    assert "DS-9999999" not in html and "not a date" not in html
    # Appendix B prints the frame data_quality.csv is written from, row for row: the
    # problems first, then the rows that are information (values tidied or recoded)
    printed = [re.findall(r'<td class="num">([^<]*)</td>', _table(html, caption))
               for caption in ("Rows read, left out, excluded and to query",
                               "Values tidied or recoded (information, not problems)")]
    information = pack.quality["rule"].map(sections.is_information)
    published = [["c" if pd.isna(n) else f"{int(n):,}" for n in pack.quality.loc[rows, "count"]]
                 for rows in (~information, information)]
    assert printed == published
    assert published[0]
    internal = sections.data_quality_html(build(tmp_path, audience="internal"))
    row = next(r for r in internal.split("<tr>") if "Invalid date" in r)
    assert '<td class="num">1</td>' in row


def _table(html: str, caption: str) -> str:
    """The table of ``html`` with that caption (``""`` when there is none)."""
    tables = [t for t in html.split("<table")[1:] if f"{caption}</caption>" in t]
    assert len(tables) <= 1
    return tables[0].split("</table>")[0] if tables else ""


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA, pd.NaT])
def test_missing_values_print_as_symbols_whatever_their_kind(missing):
    from sendreport.tables import format_change
    from sendreport.vocabulary import format_value

    assert format_value(missing, "%") == "x"
    assert format_value(missing, "count", missing="z") == "z"
    assert format_change(missing, "weeks") == "x"


def test_plan_direction_decides_the_spc_point_types(data_dir, shared, tmp_path):
    import yaml

    plan = yaml.safe_load((ROOT / "params" / "plans" / "demoshire-pap.yaml").read_text())
    for area in plan["priority_areas"]:
        for kpi in area.get("kpis", []):
            if kpi["id"] == "ehcp_20wk_excl":
                kpi["direction"] = "decrease"
    (tmp_path / "plan.yaml").write_text(yaml.safe_dump(plan))
    flipped = build(data_dir, plan=str(tmp_path / "plan.yaml"))

    def types(pack):
        s = pack.series[pack.series["kpi_id"] == "ehcp_20wk_excl"]
        return s["point_type"].value_counts().to_dict()

    before, after = types(shared), types(flipped)
    assert before.get("special_cause_improvement") == after.get("special_cause_concern")
    assert before.get("special_cause_concern") == after.get("special_cause_improvement")
    view = next(v for v in flipped.views if v.plan_kpi.id == "ehcp_20wk_excl")
    assert view.improvement == "decrease"
    assert (
        view.variation
        == flipped.series[flipped.series["kpi_id"] == "ehcp_20wk_excl"]["point_type"]
        .dropna()
        .iloc[-1]
    )
    assert list(dict.fromkeys(flipped.series["kpi_id"])) == list(
        dict.fromkeys(shared.series["kpi_id"])
    )


def test_area_yearly_figures_in_the_dfe_table_follow_suppression(tmp_path):
    rows = [
        f"R{i},P{i},2022-11-0{i},assess,2022-12-01,issue_plan,2023-02-0{i},2023-02-0{i},false"
        for i in range(1, 4)
    ]
    header = (
        "request_id,person_id,received_date,request_outcome,request_outcome_date,"
        "assessment_outcome,assessment_outcome_date,plan_issued_date,exception_20wk"
    )
    (tmp_path / "requests.csv").write_text("\n".join([header, *rows]) + "\n")
    # the export covers 2022 in full (the 20-week band of 2023's plans needs it)
    data = {
        "data": {"requests": str(tmp_path / "requests.csv")},
        "data_from": {"requests": "2022-01-01"},
    }

    def own_2023(**changes) -> str:
        pack = build(tmp_path, **data, **changes)
        view = next(v for v in pack.views if v.plan_kpi.id == "ehcp_20wk_excl")
        row = next(r for r in sections.benchmark_html(pack, view).split("<tr>") if ">2023<" in r)
        return re.findall(r'<td class="num">([^<]*)</td>', row)[-1]

    assert own_2023() == "c"
    assert own_2023(audience="internal") == "100.0%"


def test_workforce_table_withholds_small_counts_of_people_by_the_rule(data_dir, tmp_path):
    """A workforce measure about people goes through the rule (issue 21): a count of 3
    children, and 30 of 34 (4 are not), were shown before; staff in post still are."""
    import shutil

    for name in ("requests", "reviews", "referrals", "measures"):
        shutil.copy(data_dir / f"{name}.csv", tmp_path / f"{name}.csv")
    with (tmp_path / "measures.csv").open("a") as fh:
        fh.write("children_with_key_worker,Children with a key worker,workforce return,"
                 "2024-12-31,,,3,count,workforce,true,\n")
        fh.write("caseload_in_limit,Caseloads within the limit,workforce return,"
                 "2024-12-31,30,34,,%,workforce,true,\n")
        fh.write("ep_in_post,Educational psychologists in post,workforce return,"
                 "2024-12-31,,,3,count,workforce,false,\n")
    for audience, expected in (("shared", ["c", "c", "3"]), ("internal", ["3", "88.2%", "3"])):
        table = sections.workforce_table(build(tmp_path, audience=audience))
        latest = {row.cells[0].text: row.cells[1].text for row in table.rows}
        assert [latest["Children with a key worker"], latest["Caseloads within the limit"],
                latest["Educational psychologists in post"]] == expected, latest


def test_health_waits_withhold_a_small_count_over_52_weeks_by_the_rule(shared):
    """The counts of referrals and children waiting: c from 1 to 4, now, before and at baseline."""
    table = sections.health_waits(shared)["lists"]
    counts = [i for i, h in enumerate(table.header) if i and not h.text.endswith("(%)")]
    assert [table.header[i].text for i in counts] == [
        "Waiting (referrals)", "Children waiting", "Over 18 weeks (referrals)",
        "Over 52 weeks (referrals)"]
    service, over_52 = None, {}
    for row in table.rows:
        service = row.group or service
        if row.cells[0].text == "Now":
            over_52[service] = row.cells[5].text
        if row.cells[0].text.startswith("Change"):
            continue  # a difference of two published counts
        for i in counts:
            assert row.cells[i].text not in {"1", "2", "3", "4"}, (service, row.cells[0].text)
    for s in shared.wait_services():
        value = shared.kpi_row("wait_over_52wk_count", s)["value"]
        assert over_52[service_name(s)] == ("c" if pd.isna(value) else f"{int(value):,}")

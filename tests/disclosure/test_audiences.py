"""A small area's pack (one record in eight of the demo data) for every audience, end to end.

Its plan adds a workforce count below the threshold (educational psychologist
vacancies, ``people: false``) to the demo plan's family survey.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sendreport.pack import Pack, sections
from sendreport.pack.findings import voice_vs_data
from sendreport.params import parse_params
from sendreport.run.pipeline import run_report
from sendreport.synth import generate
from sendreport.validation import load_data

ROOT = Path(__file__).resolve().parents[2]
AUDIENCES = ("shared", "internal", "families")
PARAMS = {
    "notebook": str(ROOT / "notebooks" / "stocktake.ipynb"),
    "area_name": "Smallshire",
    "period_start": "2024-07-01",
    "period_end": "2024-12-31",
    "baseline_period_start": "2022-04-01",
    "baseline_period_end": "2023-03-31",
    "previous_period_end": "2024-06-30",
}


def one_in_eight(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Keep one record in eight of the case tables, and one respondent in eight of measures."""
    out = {k: v.iloc[::8].reset_index(drop=True) for k, v in tables.items() if k != "measures"}
    m = tables["measures"].copy()
    for col in ("numerator", "denominator", "invited"):
        m[col] = (m[col].astype("Float64") / 8).round().astype("Int64")
    out["measures"] = m
    return out


@pytest.fixture(scope="session")
def small_area(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("smallshire")
    for name, table in one_in_eight(generate()).items():
        table.to_csv(folder / f"{name}.csv", index=False, date_format="%Y-%m-%d")
    plan = yaml.safe_load((ROOT / "params" / "plans" / "demoshire-pap.yaml").read_text())
    plan["priority_areas"][0]["kpis"].append({"id": "ep_vacancies", "direction": "decrease"})
    for area in plan["priority_areas"]:  # an audit beside the survey: not family voice
        ids = [k["id"] for k in area["kpis"]]
        if "pcf_plan_reflects_needs" in ids and "ehcp_quality_good" not in ids:
            area["kpis"].append({"id": "ehcp_quality_good"})
    (folder / "plan.yaml").write_text(yaml.safe_dump(plan, sort_keys=False), encoding="utf-8")
    return folder


def params_for(folder: Path, audience: str) -> dict:
    data = {t: str(folder / f"{t}.csv") for t in ("requests", "reviews", "referrals", "measures")}
    return {**PARAMS, "plan": str(folder / "plan.yaml"), "data": data, "audience": audience}


@pytest.fixture(scope="session")
def packs(small_area) -> dict[str, Pack]:
    return {a: Pack.from_params(parse_params(params_for(small_area, a))) for a in AUDIENCES}


@pytest.fixture(scope="session")
def runs(small_area, tmp_path_factory) -> dict[str, Path]:
    """The real notebook, PDF and all, once per audience."""
    out = tmp_path_factory.mktemp("outputs")
    folders = {}
    for audience in AUDIENCES:
        path = small_area / f"{audience}.yaml"
        path.write_text(yaml.safe_dump(params_for(small_area, audience)), encoding="utf-8")
        folders[audience] = run_report(path, output_dir=out / audience).output_folder
    return folders


def test_workforce_count_below_the_threshold_is_published(packs):
    for audience, pack in packs.items():
        row = pack.kpis.set_index("kpi_id").loc["ep_vacancies"]
        assert 1 <= row["value"] < 5 and not row["suppressed"], audience
        view = next(v for v in pack.views if v.plan_kpi.id == "ep_vacancies")
        assert not view.suppressed and "not shown" not in view.headline


def test_only_the_family_survey_counts_as_family_voice(packs):
    pack = packs["shared"]
    assert pack.family_voice == {"pcf_plan_reflects_needs"}
    assert {"ehcp_quality_good", "ehc_coordinators_fte", "ep_vacancies"}.isdisjoint(
        pack.family_voice
    )
    area = next(a for a in pack.plan.priority_areas if any(
        k.id == "pcf_plan_reflects_needs" for k in a.kpis))
    said = sections.priority_area(pack, area)["survey"]  # "What families told us"
    survey = next(v for v in pack.views if v.plan_kpi.id == "pcf_plan_reflects_needs")
    responses = int(survey.value("denominator"))
    m = pack.tables["measures"]
    latest = m[(m["measure_id"] == "pcf_plan_reflects_needs")
               & (m["date"] <= pd.Timestamp("2024-12-31"))].sort_values("date").iloc[-1]
    rate = 100 * responses / int(latest["invited"])
    note = f"{responses} responses from {int(latest['invited'])} asked ({rate:.1f}%)"
    assert said == [f"{survey.headline} {note}"]
    assert pack.family_voice.isdisjoint(pack.not_people)
    audit = next(v for v in pack.views_for(area) if v.plan_kpi.id == "ehcp_quality_good")
    assert audit.headline not in " ".join(said)
    assert "What families told us" in sections.area_html(pack, area)
    finding = voice_vs_data(pack)
    assert finding is None or "My child's EHC plan reflects their needs" in finding


def test_internal_pack_shows_every_figure_the_shared_pack_hides(packs):
    shared, internal = packs["shared"].kpis, packs["internal"].kpis
    assert (shared["suppressed"] == internal["suppressed"]).all()
    hidden = shared["suppressed"] & internal["denominator"].notna()
    assert hidden.any(), "a small area must have figures to hide"
    assert shared.loc[hidden, "value"].isna().all()
    assert internal.loc[hidden, "value"].notna().all()
    s_series, i_series = packs["shared"].series, packs["internal"].series
    assert s_series.loc[s_series["suppressed"], "value"].isna().all()
    kept = i_series["suppressed"] & i_series["denominator"].notna()
    assert kept.any() and i_series.loc[kept, "value"].notna().all()


def test_spc_is_the_same_for_every_audience(packs):
    columns = ["kpi_id", "service", "month", "mean", "lpl", "upl", "point_type", "grain"]
    frames = [packs[a].series[columns] for a in AUDIENCES]
    for other in frames[1:]:
        pd.testing.assert_frame_equal(frames[0], other)
    icons = [[(v.variation, v.assurance) for v in packs[a].views] for a in AUDIENCES]
    assert icons[0] == icons[1] == icons[2]


def test_a_series_with_many_small_months_is_charted_by_quarter(packs):
    series = packs["shared"].series
    excl = series[series["kpi_id"] == "ehcp_20wk_excl"]
    assert set(excl["grain"]) == {"quarter"}
    assert (excl["month"].dt.month.isin([1, 4, 7, 10])).all()


@pytest.mark.slow
@pytest.mark.parametrize("audience", AUDIENCES)
def test_small_area_pack_builds_for_every_audience(runs, audience):
    folder = runs[audience]
    text = subprocess.run(["pdftotext", "-layout", str(folder / "report.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "Smallshire" in text
    kpis = pd.read_csv(folder / "kpis.csv")
    series = pd.read_csv(folder / "kpi_series.csv")
    assert {"suppressed", "previous_suppressed", "baseline_suppressed"} <= set(kpis.columns)
    assert {"grain", "suppressed"} <= set(series.columns)
    vacancies = kpis.set_index("kpi_id").loc["ep_vacancies"]
    assert 1 <= vacancies["value"] < 5
    people = ~kpis["kpi_id"].isin(["ep_vacancies", "ehc_coordinators_fte"]) & ~kpis[
        "kpi_id"
    ].str.startswith("actions_")
    counts = kpis.loc[people & (kpis["unit"] == "count"), "value"].dropna()
    if audience == "internal":
        assert kpis.loc[kpis["suppressed"] & kpis["denominator"].notna(), "value"].notna().all()
        assert series.loc[series["suppressed"] & series["denominator"].notna(),
                          "value"].notna().all()
    else:
        assert ((counts == 0) | (counts >= 5)).all()
        assert kpis.loc[kpis["suppressed"], "value"].isna().all()
        assert series.loc[series["suppressed"], ["value", "numerator", "denominator"]].isna().all(
            axis=None)
        shown = series.dropna(subset=["numerator", "denominator"])
        small = shown[["numerator", "denominator"]].to_numpy(dtype=float)
        for col in (small[:, 0], small[:, 1], small[:, 1] - small[:, 0]):
            assert not ((col >= 1) & (col < 5)).any()
        assert np.isfinite(series["mean"].dropna()).all()


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory) -> Path:
    from sendreport.synth import write_synthetic

    folder = tmp_path_factory.mktemp("demoshire")
    write_synthetic(folder)
    return folder


def demo_params(folder: Path, audience: str, plan: str):
    raw = {**params_for(folder, audience), "area_name": "Demoshire",
           "plan": str(ROOT / "params" / "plans" / plan)}
    return parse_params(raw)


@pytest.fixture(scope="session")
def demo_loaded(demo_data):
    """The demo tables, read and validated once, with the load options they were read with:
    every audience and plan reads the same files, so each pack is built from them as the
    runner builds it (``Pack.from_params(params, loaded=...)``)."""
    params = demo_params(demo_data, "shared", "demoshire-pap.yaml")
    return params.load_options(), load_data(params.data, **params.load_options())


@pytest.mark.slow
@pytest.mark.parametrize("plan", ["demoshire-pap.yaml", "demoshire-wsoa.yaml"])
def test_demo_packs_build_for_every_audience(demo_data, demo_loaded, plan):
    built = {}
    for audience in AUDIENCES:
        params = demo_params(demo_data, audience, plan)
        options, loaded = demo_loaded
        assert params.load_options() == options, audience
        pack = Pack.from_params(params, loaded=loaded)
        html = (sections.summary_html(pack) + sections.appendices_html(pack)
                + "".join(sections.area_html(pack, a) for a in pack.plan.priority_areas))
        text = re.sub(r'src="data:[^"]*"', "", html)
        assert not re.search(r"\bnan\b|\bNone\b|NaN", text), audience
        built[audience] = pack
    shared, internal = built["shared"].kpis, built["internal"].kpis
    hidden = shared["suppressed"] & internal["denominator"].notna()
    assert internal.loc[hidden, "value"].notna().all()
    assert shared.loc[shared["suppressed"], "value"].isna().all()
    pd.testing.assert_frame_equal(shared, built["families"].kpis)

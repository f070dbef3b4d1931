"""The families edition: the demo params with ``audience: families``, run once per session.

It must be its own short document: 2 to 4 pages of plain English (a reading
grade measured with textstat, and the plain-English list of
``sendreport.pack.plain_words``: no jargon, no acronym without its words, whole
numbers), good and bad news for every priority area tied to figures in
``kpis.csv``, a sentence on every target, one wait measure per service, no
SPC, scorecard, hashes or codes, "EHC plan" spelt out at first use, marked
OFFICIAL, contacts and the next update's date, no annex, accessible (pdfua,
axe), and with the same suppressed outputs as the shared pack. Both demo
plans are run once each per session.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pikepdf
import pytest
import textstat
import yaml
from hypothesis import given
from hypothesis import strategies as st

from sendreport.errors import ParameterError
from sendreport.metrics import KPI_DEFINITIONS
from sendreport.pack.families import baseline_when, service_plain, whole
from sendreport.pack.plain_words import heading_problems, plain_english_problems
from sendreport.params import parse_params
from sendreport.plan import load_plan, plan_as_at
from sendreport.synth import write_synthetic
from sendreport.vocabulary import format_value

ROOT = Path(__file__).resolve().parents[2]
SENDREPORT = str(Path(sys.executable).parent / "sendreport")
PLAN = ROOT / "params" / "plans" / "demoshire-pap.yaml"
PLANS = {"demo.yaml": PLAN, "demo-wsoa.yaml": ROOT / "params" / "plans" / "demoshire-wsoa.yaml"}

MAX_GRADE = 6.0
"""Flesch-Kincaid grade: US school grade 6 is a reading age of about 11 to 12."""
MIN_EASE = 75.0
"""Flesch reading ease: 70 to 80 is "fairly easy", 80 to 90 "easy" (age 11 to 12 and below)."""

TECHNICAL = (
    "special cause",
    "common cause",
    "process limit",
    "SPC",
    "statistical process control",
    "variation",
    "assurance",
    "scorecard",
    "SHA-256",
    "trajectory",
    "Appendix",
    "KPI",
)


def run_families(folder: Path, demo: str) -> dict:
    """`sendreport run` on a copy of a demo params file with `audience: families`."""
    data = folder / "data"
    write_synthetic(data)
    params = yaml.safe_load((ROOT / "params" / demo).read_text(encoding="utf-8"))
    params.update(
        audience="families",
        notebook=str(ROOT / "notebooks" / "stocktake.ipynb"),
        plan=str(ROOT / "params" / params["plan"]),
        data={t: str(data / f"{t}.csv") for t in params["data"]},
    )
    path = folder / "families.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    run = subprocess.run(
        [SENDREPORT, "run", str(path), "--output-dir", str(folder / "out")],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr
    (out,) = (folder / "out").glob("*/2024-12-31-families")  # each audience has its own folder
    text = subprocess.run(
        ["pdftotext", "-layout", str(out / "report.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {"out": out, "text": text, "params": params, "plan": PLANS[demo], "demo": demo}


@pytest.fixture(scope="session")
def families(tmp_path_factory):
    """The Priority Action Plan demo (params/demo.yaml) as the families edition."""
    return run_families(tmp_path_factory.mktemp("families"), "demo.yaml")


@pytest.fixture(scope="session")
def families_wsoa(tmp_path_factory):
    """The WSoA demo (params/demo-wsoa.yaml, twelve areas of concern) as the families edition."""
    return run_families(tmp_path_factory.mktemp("families-wsoa"), "demo-wsoa.yaml")


@pytest.fixture(params=["demo.yaml", "demo-wsoa.yaml"])
def either(request):
    """Each demo plan's families edition in turn."""
    return request.getfixturevalue("families" if request.param == "demo.yaml" else "families_wsoa")


def body(text: str) -> str:
    """The edition's words: page furniture (running head, marking, page numbers) removed."""
    lines = [
        line.strip()
        for line in text.splitlines()
        if line.strip()
        and not re.search(r"Page \d+ of \d+|SEND plan update for families\s+OFFICIAL", line)
        and line.strip() != "OFFICIAL"
    ]
    return re.sub(r"\s+", " ", " ".join(lines))


def kpis(families) -> pd.DataFrame:
    return pd.read_csv(families["out"] / "kpis.csv", keep_default_na=False, na_values=[""])


def test_two_to_four_pages_with_its_own_title_and_marking(families):
    with pikepdf.open(families["out"] / "report.pdf") as pdf:
        pages = len(pdf.pages)
        title = str(pdf.open_metadata().get("dc:title", ""))
    assert 2 <= pages <= 4
    assert title == "Demoshire: how our SEND plan is going"
    assert "evidence pack" not in title
    text = families["text"]
    pages_text = text.split("\f")[:pages]
    assert all("OFFICIAL" in page for page in pages_text)
    assert "Demoshire: how our SEND plan is going" in text


def test_no_scorecard_spc_hashes_or_codes(families):
    text = body(families["text"])
    for word in TECHNICAL:
        assert not re.search(rf"\b{re.escape(word)}\b", text, re.I), word
    assert not re.search(r"\b[0-9a-f]{16,}\b", text), "a hash"
    assert "_" not in text, "a code with an underscore"
    ids = set(kpis(families)["kpi_id"]) | set(KPI_DEFINITIONS)
    for kid in ids:
        assert kid not in text
    plan = load_plan(PLAN)
    assert not any(re.search(rf"\b{re.escape(a.id)}\b", text) for a in plan.priority_areas)
    assert families["params"]["la_code"] not in text
    assert not re.search(r"\b\d+\.\d+ [A-Z]", text.replace("weeks", "")), "an action number"


def test_ehc_plan_is_spelt_out_at_first_use(families):
    text = body(families["text"])
    spelt = text.find("education, health and care plan (EHC plan)")
    assert spelt >= 0
    assert text.find("EHC") > spelt


def test_sections_a_family_needs(families):
    text = body(families["text"])
    for heading in (
        "What the plan is for",
        "What has got better",
        "What has not got better",
        "What this means for families",
        "What happens next",
        "How to get help or have a say",
        "local offer",
        "parent carer forum",
    ):
        assert heading in text, heading


def news_sentences(text: str) -> list[tuple[str, str, str, str]]:
    """``(subject, better/worse, now, then)`` of every "has got better/worse" sentence."""
    pattern = (
        r"(?:• )?(The [^.•]+?) has got (better|worse)\. It is now ([\d,]+(?:%| weeks?)?)\. "
        r"It was ([\d,]+(?:%| weeks?)?) (?:from|on|in|at) [^.]+\."
    )
    return re.findall(pattern, text)


def test_good_and_bad_news_for_every_priority_area_from_the_figures(families):
    text = body(families["text"])
    plan = load_plan(PLAN)
    k = kpis(families)
    shown = k[~k["suppressed"].astype(str).str.lower().eq("true") & k["value"].notna()]
    printed = {whole(v, u) for v, u in zip(shown["value"], shown["unit"], strict=True)}
    parts = re.split(r"Part \d+ of the plan: ", text)[1:]
    assert len(parts) == len(plan.priority_areas)
    for area, part in zip(plan.priority_areas, parts, strict=True):
        found = news_sentences(part)
        assert {w for _, w, _, _ in found} == {"better", "worse"}, area.id
        baselines = {
            whole(kpi.baseline.value, unit)
            for kpi in area.kpis
            if kpi.baseline
            for unit in ("%", "weeks", "count")
        }
        for subject, _, now, then in found:
            assert now in printed, (subject, now)  # a figure of kpis.csv, never c or x
            assert then in baselines, (subject, then)  # the plan's own baseline


def _unit(printed: str) -> str:
    if printed.endswith("%"):
        return "%"
    return "weeks" if printed.endswith("weeks") else "count"


def test_the_worst_and_best_demo_news_are_there(families):
    """Hand-checked against kpis.csv: overdue reviews rose; 20-week timeliness improved."""
    k = kpis(families).set_index(["kpi_id"])
    text = body(families["text"])
    overdue = format_value(k.loc["ar_overdue", "value"], "count")
    timely = k.loc["ehcp_20wk_excl", "value"]
    assert (
        f"The number of yearly reviews that are late has got worse. It is now {overdue}." in text
    )
    assert f"ready within 20 weeks has got better. It is now {whole(timely, '%')}." in text
    # the plan's December 2024 milestone is 45%: below it, the edition says so
    assert timely < 45
    # the baseline is April 2022 to March 2023; the plan started in June 2023
    assert ("It was 5% from April 2022 to March 2023, before the plan started. "
            "We want it to be 60% by March 2025. "
            "We are behind where we planned to be by now.") in text


def test_reading_grade(families):
    text = body(families["text"])
    grade = textstat.flesch_kincaid_grade(text)
    ease = textstat.flesch_reading_ease(text)
    assert grade <= MAX_GRADE, grade
    assert ease >= MIN_EASE, ease


def test_outputs_are_suppressed_as_the_shared_pack(families, tmp_path):
    """kpis.csv and kpi_series.csv are byte for byte the shared pack's."""
    from sendreport.pack.pack import Pack
    from sendreport.params import parse_params

    shared = dict(families["params"], audience="shared")
    pack = Pack.from_params(parse_params(shared, base_dir=tmp_path))
    for path in pack.write_tables(tmp_path)[:2]:
        assert path.read_bytes() == (families["out"] / path.name).read_bytes(), path.name


def test_pdfua_check_reports_nothing(families):
    pdfua = Path(sys.executable).parent / "pdfua"
    check = subprocess.run(
        [str(pdfua), "check", "--format", "json", str(families["out"] / "report.pdf")],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    report = json.loads(check.stdout)
    assert report["findings"] == [], [f.get("message") for f in report["findings"]]
    assert check.returncode == 0


def test_html_edition_has_no_axe_violations(families):
    from test_axe import axe_violations, describe

    violations = axe_violations(families["out"] / "report.html")
    assert violations == [], describe(violations)


def test_the_technical_pack_shows_every_health_service(demo_runs):
    """The shared demo pack: every referral service, seen waits, and no invented comparator."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(demo_runs["demo"].pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    flat = re.sub(r"\s+", " ", text)
    for service in ("ADHD assessment", "Occupational", "Physiotherapy", "Audiology", "Equipment"):
        assert service in flat, service
    # table headings wrap across lines in the PDF's text: their first words
    assert "Waiting Children Over 18 weeks" in flat and "92nd percentile wait of" in flat
    assert "No comparator was given" in flat
    assert "Summary for families" not in flat


@pytest.mark.parametrize("threshold", [5, 30, 100])
def test_no_suppressed_or_missing_figure_is_ever_said(tmp_path, threshold):
    """Whatever the threshold, every figure the edition says is shown in kpis.csv."""
    from sendreport.pack.families import families_edition
    from sendreport.pack.pack import Pack
    from sendreport.params import parse_params

    write_synthetic(tmp_path / "data")
    raw = yaml.safe_load((ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    raw.update(
        audience="families",
        suppression_threshold=threshold,
        notebook=str(ROOT / "notebooks" / "stocktake.ipynb"),
        plan=str(PLAN),
        data={t: str(tmp_path / "data" / f"{t}.csv") for t in raw["data"]},
    )
    pack = Pack.from_params(parse_params(raw, base_dir=tmp_path))
    k = pack.kpis
    shown = k[~k["suppressed"] & k["value"].notna()]
    printed = {whole(v, u) for v, u in zip(shown["value"], shown["unit"], strict=True)}
    printed |= {format_value(v, "count") for v in shown.loc[shown["unit"] == "count", "previous"]}
    edition = families_edition(pack)
    said = " ".join(s for a in edition["areas"] for s in a["better"] + a["worse"] + a["means"])
    figures = re.findall(r"(?:now|longer than) (\d[\d,]*(?:\.\d+)?(?:%| weeks?)?)", said)
    assert figures
    for figure in figures:
        assert figure in printed, figure
    if threshold == 100:
        assert k["suppressed"].any()


def test_twelve_areas_of_concern_still_fit_in_four_pages(families_wsoa):
    """The WSoA demo (12 areas of concern): one short block each, good and bad news alike."""
    with pikepdf.open(families_wsoa["out"] / "report.pdf") as pdf:
        assert 2 <= len(pdf.pages) <= 4
    text = body(families_wsoa["text"])
    assert {w for _, w, _, _ in news_sentences(text)} == {"better", "worse"}
    assert "What this means for families" in text
    assert textstat.flesch_kincaid_grade(text) <= MAX_GRADE
    assert textstat.flesch_reading_ease(text) >= MIN_EASE


def targets(plan_path: Path) -> list:
    """Every KPI of the plan (as shown at the demo's period end) with a target and its date."""
    plan = plan_as_at(load_plan(plan_path), dt.date(2024, 12, 31)).plan
    return [k for a in plan.priority_areas for k in a.kpis
            if k.target is not None and k.target_date is not None]


AIM = re.compile(
    r"We want(?:ed)? it to be ([\d,]+(?:%| weeks?)?) by (\w+ \d{4})\. "
    r"(We have reached it|So far we are where we planned to be|We are a long way behind"
    r"|We are behind|If things go on as they are, we should reach it|We did not reach it"
    r"|We cannot)"
)


def test_every_target_gets_a_sentence_on_where_it_stands(either):
    """Each KPI with a target says it and where it stands, with or without a trajectory."""
    text = body(either["text"])
    said = AIM.findall(text)
    wanted = targets(either["plan"])
    assert len(said) == len(wanted), (len(said), len(wanted))
    units = {k: u for k, u in zip(kpis(either)["kpi_id"], kpis(either)["unit"], strict=False)}
    for kpi in wanted:
        unit = units.get(kpi.id, "%")
        aim = (whole(kpi.target, unit), f"{kpi.target_date:%B %Y}")
        assert aim in {(t, d) for t, d, _ in said}, (kpi.id, aim)


def test_autism_far_behind_its_target_is_said_without_a_trajectory(either):
    """Autism assessments within 13 weeks: 2.4% against a target of 30% and worse than at the
    start, with no trajectory in the WSoA plan: "a long way behind" (hand-checked on kpis.csv)."""
    k = kpis(either).set_index("kpi_id")
    now, then = k.loc["autism_13wk", "value"], k.loc["autism_13wk", "baseline"]
    assert now < then < 30
    assert (
        f"The share of autism assessments started within 13 weeks has got worse. "
        f"It is now {whole(now, '%')}. It was {whole(then, '%')} from April 2022 to March "
        "2023, before the plan started. "
        "We want it to be 30% by March 2025. We are a long way behind."
    ) in body(either["text"])


def test_one_wait_measure_per_service_explained(either):
    """A service's wait is said one way, with what it means; never a second figure beside it."""
    text = body(either["text"])
    k = kpis(either)
    services = [s for s in k.loc[k["kpi_id"] == "wait_list", "service"].dropna() if s]
    for service in services:
        words = "ADHD assessment" if service == "adhd_assessment" else (
            service.replace("_", " "))
        said = len(re.findall(rf"The wait for {re.escape(words)} ", text)) + len(
            re.findall(rf"Half of the children seen for {re.escape(words)} ", text))
        assert said <= 1, service
    # the autism wait the plan measures (children still waiting), explained; not the seen wait
    assert re.search(r"The wait for autism assessment has got better\. It is now \d+ weeks\. "
                     r"It was \d+ weeks [^.]+\. Half of the children still "
                     r"waiting have waited longer than this so far\.", text)
    seen = k[(k["kpi_id"] == "wait_median_seen_weeks") & (k["service"] == "autism_assessment")]
    assert f"{whole(seen['value'].iloc[0], 'weeks')}" not in text
    assert "typical wait" not in text


def test_plain_english_list(either):
    """No jargon, no acronym without its words, whole numbers, no heading with two colons."""
    text = body(either["text"])
    start = text.index("What the plan is for")  # after the title, which names the edition
    problems = plain_english_problems(text[start:], names=(either["params"]["area_name"],))
    assert problems == []
    assert not re.search(r"\d\.\d", text), "a decimal"
    for jargon in ("Integrated Care Board", "requests still open", "annual review"):
        assert jargon not in text
    html = (either["out"] / "report.html").read_text(encoding="utf-8")
    headings = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h[1-6][^>]*>.*?</h[1-6]>", html)]
    assert headings and heading_problems(headings) == []


def test_contacts_and_next_update_from_params(either):
    text = body(either["text"])
    assert either["params"]["contacts"]
    for contact in either["params"]["contacts"]:
        assert f"{contact['name']}: {contact['contact']}" in text, contact
    assert "Our next update will come out by 31 July 2025." in text
    assert "Who to contact" in text


def test_a_families_run_writes_no_annex_and_is_marked_official(either):
    """The demo plans have confidential quotes: the shared run writes an annex, this one none."""
    assert any(q.confidential for a in load_plan(either["plan"]).priority_areas
               for q in a.family_voice)
    area = either["out"].parent
    assert [p.name for p in area.iterdir()] == [either["out"].name]
    assert not list(area.rglob("annex*"))
    assert "SENSITIVE" not in either["text"]
    manifest = json.loads((either["out"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["confidential_annex"] is None


def params_for(tmp_path: Path, **changes) -> dict:
    for name in ("stocktake.ipynb", "plan.yaml", "requests.csv"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    return {"notebook": "stocktake.ipynb", "area_name": "Demoshire", "plan": "plan.yaml",
            "period_start": "2024-07-01", "period_end": "2024-12-31",
            "data": {"requests": "requests.csv"}, **changes}


@pytest.mark.parametrize("marking", ["OFFICIAL-SENSITIVE", "SECRET", "OFFICIAL SENSITIVE"])
def test_a_families_edition_refuses_a_marking_a_public_document_cannot_carry(tmp_path, marking):
    raw = params_for(tmp_path, audience="families", classification=marking)
    with pytest.raises(ParameterError) as err:
        parse_params(raw, base_dir=tmp_path)
    assert err.value.exit_code == 2
    assert f"classification {marking}: a families edition is a public document" in str(err.value)
    shared = parse_params({**raw, "audience": "shared"}, base_dir=tmp_path)
    assert shared.classification == marking  # other audiences print what they are given
    assert parse_params({**raw, "classification": "official"}, base_dir=tmp_path)


def test_contacts_and_next_update_are_checked(tmp_path):
    raw = params_for(tmp_path, contacts=[{"name": "SEND team", "contact": "01632 960002"}],
                     next_update="2025-07-31")
    p = parse_params(raw, base_dir=tmp_path)
    assert p.contacts[0].name == "SEND team" and p.next_update == dt.date(2025, 7, 31)
    with pytest.raises(ParameterError, match=r"next_update \(2024-06-30\) is not after"):
        parse_params({**raw, "next_update": "2024-06-30"}, base_dir=tmp_path)
    with pytest.raises(ParameterError, match="contacts"):
        parse_params({**raw, "contacts": [{"name": "SEND team"}]}, base_dir=tmp_path)


STANDS = (
    "We have reached it.", "So far we are where we planned to be.",
    "We are behind where we planned to be by now.",
    "We are a long way behind where we planned to be by now.",
    "If things go on as they are, we should reach it.", "We are a long way behind.",
    "We are behind. If things go on as they are, we will not reach it in time.",
    "We cannot yet say if we will reach it.", "We did not reach it in time.",
    "We cannot give a figure for it yet.",
    "We cannot give the figure now, because it is about very few children.",
)


def _figure(value, unit, status):
    from sendreport.pack.kpifacts import Figure

    return Figure(value if status.name == "PUBLISHED" else None, unit, "", status)


@given(
    unit=st.sampled_from(["%", "count", "weeks"]),
    improvement=st.sampled_from(["increase", "decrease", "neutral"]),
    baseline=st.floats(0, 100, allow_nan=False),
    latest=st.floats(0, 100, allow_nan=False),
    target=st.floats(0, 100, allow_nan=False),
    latest_status=st.sampled_from(["PUBLISHED", "PUBLISHED", "WITHHELD", "NOT_AVAILABLE"]),
    trajectory=st.sampled_from(["on trajectory", "off trajectory", "no trajectory"]),
    months_left=st.integers(-6, 24),
)
def test_every_target_says_where_it_stands_whatever_the_figures(
    unit, improvement, baseline, latest, target, latest_status, trajectory, months_left
):
    """One sentence of what the plan wants, then exactly one of where it stands; whole numbers."""
    from types import SimpleNamespace as NS

    from sendreport.pack.families import aim
    from sendreport.pack.kpifacts import Status

    end = dt.date(2024, 12, 31)
    due = dt.date(2025 + (months_left - 1) // 12, (months_left - 1) % 12 + 1, 28)
    fact = NS(
        latest=_figure(latest, unit, Status[latest_status]),
        baseline=_figure(baseline, unit, Status.PUBLISHED),
        previous=_figure(None, unit, Status.NOT_AVAILABLE),
    )
    view = NS(plan_kpi=NS(id="k", service=None, target=target, target_date=due), fact=fact,
              improvement=improvement, unit=unit, series=None)
    pack = NS(params=NS(period_end=end, previous_period_end=None, audience="shared",
                        baseline_period_end=dt.date(2023, 3, 31)),
              on_trajectory=lambda v: trajectory)
    said = aim(pack, view)
    assert re.match(rf"We want(ed)? it to be {re.escape(whole(target, unit))} by \w+ \d{{4}}\. ",
                    said), said
    rest = said.split(". ", 1)[1]
    if improvement == "neutral" and latest_status == "PUBLISHED":
        assert rest == f"It is now {whole(latest, unit)}."
    else:
        assert rest in STANDS, said
    assert not re.search(r"\d\.\d", said)
    if latest_status != "PUBLISHED":
        assert "cannot give" in rest


@given(st.permutations(["ADHD assessment waits are long.", "The NHS in our area helps.",
                        "EHC plans are late.", "SEND is our word.", "SLT waits are long.",
                        "Speak to SENDIASS or the NHS."]))
def test_spelt_out_acronyms_pass_the_list_in_any_order(sentences):
    """Whatever order the sentences come in, spelling out leaves no acronym without its words."""
    from sendreport.pack.plain_words import spell_out

    texts = list(sentences)
    spell_out(texts)
    assert plain_english_problems(" ".join(texts)) == []
    assert plain_english_problems(" ".join(sentences)) != []  # the list finds them unspelt


def test_no_acronym_is_spelt_out_with_another():
    from sendreport.pack.plain_words import ACRONYM, ACRONYMS

    assert {key: words for key, words in ACRONYMS.items() if ACRONYM.search(words)} == {}


def test_a_families_run_without_contacts_or_next_update_warns(tmp_path):
    """Before any kernel starts: the edition would not say who to contact, nor when it returns."""
    from sendreport.errors import SendReportWarning
    from sendreport.params import read_params
    from sendreport.run.pipeline import load_and_validate

    write_synthetic(tmp_path / "data")
    raw = yaml.safe_load((ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    for key in ("contacts", "next_update"):
        raw.pop(key)
    raw.update(
        audience="families",
        notebook=str(ROOT / "notebooks" / "stocktake.ipynb"),
        plan=str(PLAN),
        data={t: str(tmp_path / "data" / f"{t}.csv") for t in raw["data"]},
    )
    path = tmp_path / "families.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.warns(SendReportWarning, match="audience families: no contacts and no "
                      "next_update in the params"):
        load_and_validate(path, read_params(path), tmp_path / "out")


def test_the_baseline_is_said_with_its_own_period_never_as_the_plans_start():
    """The demo plans started in June 2023; their baselines are April 2022 to March 2023
    (or 31 March 2023): "when the plan started" was wrong for each."""
    june = dt.date(2023, 6, 1)
    assert baseline_when("April 2022 to March 2023", june) == (
        "from April 2022 to March 2023, before the plan started")
    assert baseline_when("2022-04-01 to 2023-03-31", june) == (
        "from April 2022 to March 2023, before the plan started")
    assert baseline_when("31 March 2023", june) == "on 31 March 2023, before the plan started"
    # a baseline measured after the start is never said to be before it
    assert baseline_when("June 2023 to August 2023", june) == "from June 2023 to August 2023"
    assert baseline_when("Audit of January to March 2023", june) == (
        "in the Audit of January to March 2023")
    for period in ("April 2022 to March 2023", "31 March 2023", "Spring term 2023 survey", ""):
        assert "when the plan started" not in baseline_when(period, june)


def test_a_count_of_children_waiting_is_a_count_of_children(either):
    """`wait_list` counts referrals: a sentence about children waiting gives the number of
    distinct children (`wait_children`), never the referrals."""
    text = body(either["text"])
    table = kpis(either)
    words = table["service"].fillna("").astype(str).map(service_plain)
    said = re.findall(r"More children are waiting for ([^.]+)\. There are now ([\d,]+)\. "
                      r"There were ([\d,]+)", text)
    if either["demo"] == "demo.yaml":
        assert said  # the demo's ADHD list grew by more than a fifth: its children are said
    for service_words, now, before in said:
        rows = table[(table["kpi_id"] == "wait_children")
                     & (words == service_words)]
        assert len(rows) == 1, service_words
        assert float(rows["value"].iloc[0]) == float(now.replace(",", ""))
        assert float(rows["previous"].iloc[0]) == float(before.replace(",", ""))
    for service_words, now in re.findall(
            r"More referrals \(children sent to be seen\) are waiting for ([^.]+)\. "
            r"There are now ([\d,]+)", text):
        rows = table[(table["kpi_id"] == "wait_list")
                     & (words == service_words)]
        assert float(rows["value"].iloc[0]) == float(now.replace(",", ""))

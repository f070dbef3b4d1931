"""The verdict and headline findings: hand-worked forecasts, and figures that never count."""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from sendreport.pack import Pack, sections
from sendreport.pack.findings import MAX_FINDINGS, headline_findings
from sendreport.pack.kpifacts import Figure, Status, kpi_fact, movement_of
from sendreport.pack.verdict import VERDICT_RULES, forecast, forecast_phrase, movement, verdict
from sendreport.params import parse_params
from sendreport.plan import Baseline, PlanKPI
from sendreport.vocabulary import long_date

ROOT = Path(__file__).resolve().parents[2]


class View(SimpleNamespace):
    """A KPI as the verdict reads it, built by hand."""

    def value(self, column):
        return self.row.get(column)


PERIODS = {"latest": "2024-07-01 to 2024-12-31", "previous": "2024-01-01 to 2024-06-30",
           "baseline": "2022-23"}


def hand_view(series=None, *, value, previous=None, target, improvement="increase",
              suppressed=False):
    kpi = PlanKPI(
        id="ehcp_20wk_excl",
        target=target,
        target_date=dt.date(2025, 3, 31),
        baseline=Baseline(value=5.0, period="2022-23"),
    )
    row = {"value": value, "previous": previous, "baseline": 5.0, "suppressed": suppressed,
           "reason": "small: from 1 to 4" if suppressed else ""}
    return View(
        plan_kpi=kpi,
        unit="%",
        improvement=improvement,
        series=series,
        suppressed=suppressed,
        row=row,
        name="EHC plans issued within 20 weeks",
        fact=kpi_fact(row, kpi_id=kpi.id, service="", name="EHC plans issued within 20 weeks",
                      unit="%", improvement=improvement, periods=PERIODS, target=target),
    )


HAND_PARAMS = SimpleNamespace(
    period_end=dt.date(2024, 12, 31),
    previous_period_end=dt.date(2024, 6, 30),
    baseline_period_end=dt.date(2023, 3, 31),
    audience="shared",
)


def test_monthly_trend_is_read_at_the_target_date():
    # value = 0.1 x days since 1 January 2024, exactly linear: at 31 March 2025 (455 days) 45.5
    d0 = dt.date(2024, 1, 1)
    months = pd.date_range("2024-01-01", "2024-12-01", freq="MS")
    series = pd.DataFrame({"month": months, "value": [0.1 * (m.date() - d0).days for m in months]})
    pack = SimpleNamespace(params=HAND_PARAMS)
    f = forecast(pack, hand_view(series, value=33.5, target=50))
    assert f.method == "monthly trend"
    assert f.projected == pytest.approx(45.5)
    assert not f.meets
    assert forecast(pack, hand_view(series, value=33.5, target=45)).meets


def test_without_a_monthly_series_the_last_two_stocktakes_are_extended():
    # 30 at 30 June 2024, 40 at 31 December 2024 (184 days); 90 days on: 40 + 10 x 90 / 184
    pack = SimpleNamespace(params=HAND_PARAMS)
    f = forecast(pack, hand_view(value=40.0, previous=30.0, target=44))
    assert f.method == "last two stocktakes"
    assert f.projected == pytest.approx(40 + 10 * 90 / 184)
    assert f.meets
    # a falling percentage never reads below 0%
    f = forecast(pack, hand_view(value=2.0, previous=30.0, target=10))
    assert f.projected == 0.0 and not f.meets


def test_suppressed_or_missing_values_are_never_forecast():
    pack = SimpleNamespace(params=HAND_PARAMS)
    view = hand_view(value=40.0, previous=30.0, target=44, suppressed=True)
    assert forecast(pack, view) is None and movement(view) is None
    assert forecast(pack, hand_view(value=float("nan"), previous=30.0, target=44)) is None


@pytest.fixture(scope="module")
def data_dir(synthetic_dir):
    return synthetic_dir


def build(data_dir: Path, tables=("requests", "reviews", "referrals", "measures"), **changes):
    return Pack.from_params(parse_params(raw_params(data_dir, tables, **changes)))


def raw_params(data_dir: Path, tables=("requests", "reviews", "referrals", "measures"),
               **changes) -> dict:
    raw = {
        "notebook": str(ROOT / "notebooks" / "stocktake.ipynb"),
        "area_name": "Demoshire",
        "period_start": "2024-07-01",
        "period_end": "2024-12-31",
        "baseline_period_start": "2022-04-01",
        "baseline_period_end": "2023-03-31",
        "previous_period_end": "2024-06-30",
        "plan": str(ROOT / "params" / "plans" / "demoshire-pap.yaml"),
        "data": {t: str(data_dir / f"{t}.csv") for t in tables},
    }
    raw.update(changes)
    return raw


@pytest.fixture(scope="module")
def pap(data_dir, demo_pap_pack):
    assert demo_pap_pack.params == parse_params(raw_params(data_dir))  # the pack build() builds
    return demo_pap_pack


@pytest.fixture(scope="module")
def wsoa(data_dir, demo_wsoa_pack):
    """The WSoA demo plan's pack on the same data, built once: the tests only read it."""
    wsoa_plan = str(ROOT / "params" / "plans" / "demoshire-wsoa.yaml")
    assert demo_wsoa_pack.params == parse_params(raw_params(data_dir, plan=wsoa_plan))
    return demo_wsoa_pack


def worst_by_hand(pack):
    """The KPI furthest worse than its baseline, relative to it, from kpis.csv's own columns.

    A KPI with an SPC reading counts only when the reading is special cause concern
    (Appendix A's rule: no significant change is not the worst news).
    """
    worst, name = 0.0, None
    for v in pack.views:
        base = v.plan_kpi.baseline
        value = v.row["value"] if v.row is not None else None
        if base is None or value is None or pd.isna(value) or v.row["suppressed"]:
            continue
        if v.variation is not None and v.variation != "special_cause_concern":
            continue
        sign = {"increase": 1, "decrease": -1}.get(v.improvement)
        if sign is None or not base.value:
            continue
        rel = sign * (float(value) - base.value) / abs(base.value)
        if rel < worst:
            worst, name = rel, v.name
    return name


def test_findings_are_three_to_six_sentences_naming_the_worst_news(pap):
    findings = headline_findings(pap)
    assert 3 <= len(findings) <= MAX_FINDINGS
    assert all(f.endswith(".") and not re.match(r"^\d", f) for f in findings)
    worst = worst_by_hand(pap)
    assert worst is not None
    news = next(f for f in findings if f.startswith("The worst news"))
    assert news.startswith(f"The worst news: {worst}, ")
    assert worst in " ".join(verdict(pap)["plan"])


def test_suppressed_and_unavailable_figures_never_count(pap):
    worst = worst_by_hand(pap)
    before = verdict(pap)["plan"][0]
    views = []
    secret = None
    for v in pap.views:
        v = copy.copy(v)
        if v.name == worst:  # withheld, as a shared pack would hold a small count
            withheld = Figure(None, v.unit, "", Status.WITHHELD)
            v = replace(v, fact=replace(v.fact, latest=withheld, change=None,
                                        movement=movement_of(None, v.fact.variation)))
            secret = v
        views.append(v)
    assert secret is not None
    hidden = replace(pap, views=tuple(views))
    text = " ".join(headline_findings(hidden) + verdict(hidden)["plan"])
    assert worst not in text
    # the direction's count drops by exactly the hidden measure
    counted = lambda s: int(re.search(r"(\d+) of (\d+) measures with a baseline", s).group(2))  # noqa: E731
    assert counted(verdict(hidden)["plan"][0]) == counted(before) - 1
    # a value that is not available (NaN with a reason) counts no more than a suppressed one
    missing = Figure(None, secret.unit, "", Status.NOT_AVAILABLE)
    hidden = replace(hidden, views=tuple(
        replace(v, fact=replace(v.fact, latest=missing)) if v is secret else v
        for v in hidden.views))
    text = " ".join(headline_findings(hidden) + verdict(hidden)["plan"])
    assert worst not in text
    assert "nan" not in text.lower()


def test_verdict_sits_beside_the_plans_own_commentary(pap):
    html = sections.verdict_html(pap)
    assert "The partnership&#39;s own account" in html or "The partnership's own account" in html
    assert pap.plan.progress.split()[0] in html
    for area in pap.plan.priority_areas:
        assert sections.area_heading(pap, area) in html


def test_appendix_a_states_the_rules(pap):
    html = sections.definitions_html(pap)
    for rule in VERDICT_RULES:
        assert rule.split(":")[0] in html
    assert "How the verdict and headline findings are written" in html


def test_governance_section_when_the_plan_holds_it(pap):
    html = sections.governance_html(pap)
    for risk in pap.plan.governance.risks:
        assert risk.title in html
    for meeting in pap.plan.governance.meetings:
        assert long_date(meeting.date) in html
    assert "Workforce" in html  # the synthetic measures hold a workforce return
    assert ("governance", "Governance and workforce") in sections.contents_entries(pap)


def test_no_governance_section_without_governance_or_workforce(data_dir, tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "title: Test plan\ntype: priority_action_plan\npriority_areas:\n"
        "  - id: '1'\n    title: Timely EHC plans\n    what_we_will_do: Issue plans on time.\n"
        "    what_will_be_different: Families wait less.\n"
        "    kpis:\n      - {id: ehcp_20wk_excl, target: 60}\n",
        encoding="utf-8",
    )
    pack = build(data_dir, tables=("requests", "reviews", "referrals"), plan=str(plan))
    assert pack.plan.governance is None
    assert sections.governance_html(pack) == ""
    assert all(anchor != "governance" for anchor, _ in sections.contents_entries(pack))


def test_wsoa_summary_has_one_short_row_per_area(wsoa, pap):
    table = sections.area_summary(wsoa)
    assert len(table.rows) == len(wsoa.plan.priority_areas)
    assert [h.text for h in table.header] == [
        "Area of concern", "Status", "Actions done", "Moved", "Worst measure (latest)",
        "Assurance", "Forecast (targets met)"]
    for row in table.rows:
        words = [c.text for c in row.cells[1:]]
        assert words[0] in ("Improving", "Worse", "Mixed", "Not measurable", "Too early")
        assert all(len(w) <= 90 for w in words), words
        # an assurance says what is known, never "No trajectory" (REPORT page 4)
        assert "trajectory" not in words[4].lower() or words[4] in (
            "On trajectory", "Off trajectory", "No SPC chart or trajectory"), words
        assert words[4] != "No trajectory"
        assert re.fullmatch(r"Meets \d+ of \d+ by \w{3}\u00a0\d{4}|No measure|"
                            r"Target has no date|No target to forecast|"
                            r"Not forecast: latest (?:withheld|not available|withheld or not "
                            r"available)", words[5]), words
    # an area without a narrative prints no "Progress this period" and never "x"
    for area in wsoa.plan.priority_areas:
        html = sections.area_html(wsoa, area)
        assert "<p>x</p>" not in html
        assert ("Progress this period" in html) == bool(area.progress)
    assert sections.area_summary(pap) is None  # a PAP has none


def test_wsoa_verdict_opens_with_its_summary_and_lists_exceptions(wsoa, pap):
    """A WSoA's verdict page: the summary table first, then a short list of exceptions.

    No paragraph per area ("1 of 1 measures ... none of the 1 is met"), and
    headings in the plan type's words: areas of concern, not priority areas.
    """
    data = sections.verdict(wsoa)
    assert data["areas"] == [] and data["kind"] == "area of concern"
    html = sections.verdict_html(wsoa)
    text = re.sub(r"<[^>]+>", " ", html)
    assert html.index("Summary by area of concern") < html.index("The whole plan")
    assert html.index("<h1>") < html.index("<table") < html.index("The whole plan")
    assert "By priority area" not in text and "Exceptions by area of concern" in text
    assert "measures with a baseline are better" not in text.split("Exceptions by")[1]
    exceptions = data["exceptions"]
    listed = {line["heading"].split()[0] for line in exceptions["lines"]}
    ids = [a.id for a in wsoa.plan.priority_areas]
    # every area is either an exception or named among the others, once
    assert all((i in listed) != (i in exceptions["rest"]) for i in ids), exceptions
    assert 0 < len(listed) < len(ids)
    for line in exceptions["lines"]:
        assert line["text"].endswith(".") and ";" not in line["text"], line  # one item each
        assert line["text"][0].isupper()
    # a PAP keeps one verdict per priority area, under the plan's own word
    verdict = sections.verdict(pap)
    assert verdict["exceptions"] is None and verdict["summary"] is None
    assert verdict["kind"] == "priority area" and verdict["areas"]
    assert "By priority area" in sections.verdict_html(pap)


def test_assurance_words_never_say_no_trajectory_alone():
    """An area's assurance says what is known: SPC, trajectory, or what the plan leaves out."""
    from types import SimpleNamespace as NS

    from sendreport.pack.sections.verdict import assurance_words

    def view(assurance=None, target=None, target_date=None):
        return NS(fact=NS(assurance=assurance),
                  plan_kpi=NS(target=target, target_date=target_date))

    no_trajectory = NS(on_trajectory=lambda v: "no trajectory")
    off = NS(on_trajectory=lambda v: "off trajectory")
    assert assurance_words(no_trajectory, view("consistent_fail", 60)) == "Will not meet target"
    assert assurance_words(off, view(None, 60, dt.date(2025, 3, 31))) == "Off trajectory"
    assert assurance_words(no_trajectory, view(None, 60)) == "Target has no date"
    assert assurance_words(no_trajectory, view()) == "No target set"
    assert assurance_words(no_trajectory, view(None, 250, dt.date(2025, 3, 31))) == (
        "No SPC chart or trajectory")


# ------------------------------------- one answer per measure: SPC assurance and forecast


def test_an_spc_reading_that_the_target_will_not_be_met_settles_the_forecast():
    """The straight line reaches 45.5 by March 2025 (hand-worked above), past a target of 45;
    an SPC assurance that the target will not be met overrides it, and the reverse."""
    d0 = dt.date(2024, 1, 1)
    months = pd.date_range("2024-01-01", "2024-12-01", freq="MS")
    series = pd.DataFrame({"month": months, "value": [0.1 * (m.date() - d0).days for m in months]})
    pack = SimpleNamespace(params=HAND_PARAMS)
    view = hand_view(series, value=33.5, target=45)
    assert forecast(pack, view).meets  # the line alone
    view.fact = replace(view.fact, assurance="consistent_fail")
    f = forecast(pack, view)
    assert (f.meets, f.method) == (False, "SPC assurance")
    assert "will not be met" in forecast_phrase(f)
    view = hand_view(series, value=33.5, target=50)  # the line reads 45.5: short of 50
    view.fact = replace(view.fact, assurance="consistent_pass")
    assert forecast(pack, view).meets
    view.fact = replace(view.fact, assurance="inconsistent")  # the line decides
    assert not forecast(pack, view).meets
    assert any("assurance reading" in rule and "one answer" in rule for rule in VERDICT_RULES)


def test_wsoa_forecast_never_contradicts_the_scorecards_assurance(wsoa):
    """The WSoA demo: community paediatrics over 18 weeks reads "Will not meet target" on
    the scorecard; the verdict must not count it among the targets that will be met."""
    settled = {"consistent_fail": False, "consistent_pass": True}
    checked = []
    for view in wsoa.views:
        f = forecast(wsoa, view)
        if f is not None and view.fact.assurance in settled:
            assert f.meets is settled[view.fact.assurance], view.name
            checked.append((view.plan_kpi.id, view.plan_kpi.service, view.name))
    paediatrics = next(name for kpi_id, service, name in checked
                       if (kpi_id, service) == ("wait_over_18wk", "community_paediatrics"))
    plan = " ".join(sections.verdict(wsoa)["plan"])
    met = re.search(r"will be met: (.*?); \d+ will not", plan).group(1)
    assert paediatrics not in met


# ---------------------------- a measure with a target but a hidden latest value says so


def test_a_withheld_latest_value_is_not_called_too_early_or_targetless():
    """AC02 of the WSoA demo: a baseline and a target by March 2025, its latest figure c."""
    from sendreport.pack.sections.verdict import assurance_words
    from sendreport.pack.verdict import verdict_text

    view = hand_view(value=40.0, previous=30.0, target=44, suppressed=True)
    view.fact = replace(view.fact, not_assessed="the latest quarter is withheld")
    pack = SimpleNamespace(params=HAND_PARAMS)
    said = verdict_text(pack, [view], whole_plan=False)
    assert said[:2] == [
        "This area cannot be measured against its baseline this period: the latest figure of "
        "EHC plans issued within 20 weeks is withheld (c).",
        "No target can be forecast: the latest figure of EHC plans issued within 20 weeks is "
        "withheld (c).",
    ]
    assert not any("No measure here has a target" in s for s in said)
    assert assurance_words(SimpleNamespace(on_trajectory=lambda v: "no trajectory"), view) == (
        "Not assessed")


def test_wsoa_summary_says_why_an_area_is_not_forecast():
    """An area whose only measure is withheld (AC02 of the WSoA demo, when its latest quarter
    is withheld): not "Too early", not "No target to forecast", named apart in the exceptions."""
    from sendreport.pack.sections.verdict import exceptions, forecast_words
    from sendreport.pack.verdict import area_word

    view = hand_view(value=40.0, previous=30.0, target=44, suppressed=True)
    area = SimpleNamespace(id="AC02", title="Decisions whether to assess")
    pack = SimpleNamespace(params=HAND_PARAMS, plan=SimpleNamespace(priority_areas=[area]),
                           views_for=lambda a: [view])
    assert area_word(pack, area) == "Not measurable"
    assert forecast_words(pack, area) == "Not forecast: latest withheld"
    assert exceptions(pack) == {"lines": [], "rest": (
        "AC02 cannot be measured against its baseline or forecast this period: the latest "
        "figure of EHC plans issued within 20 weeks is withheld (c).")}

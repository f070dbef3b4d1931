"""What the demo packs print, read as a reader reads it: headings that fit, words that join,
keys that explain only what the table shows."""

from __future__ import annotations

import html
import re

import pytest

from sendreport.pack.sections.scorecard import SCORECARD_UNITS


def _page(demo_runs, name: str) -> str:
    return (demo_runs[name].output_folder / "report.html").read_text(encoding="utf-8")


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


@pytest.mark.parametrize("name", ["demo", "demo-wsoa"])
def test_scorecard_headings_are_short_and_the_caption_gives_period_and_units(demo_runs, name):
    """A heading of a dozen words wrapped into a column of single words in the PDF."""
    table = re.search(r'<table class="scorecard">(.*?)</table>', _page(demo_runs, name), re.S)
    headings = [_text(h) for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>',
                                               table.group(1), re.S)]
    assert headings[:3] == ["Measure", "Latest", "Baseline"]
    assert all(len(h.split()) <= 4 for h in headings), headings
    caption = _text(re.search(r"<caption>(.*?)</caption>", table.group(1), re.S).group(1))
    assert "1 July 2024 to 31 December 2024" in caption and SCORECARD_UNITS in caption
    assert "%" in SCORECARD_UNITS and "weeks" in SCORECARD_UNITS and "count" in SCORECARD_UNITS


def test_a_line_break_beside_an_inline_element_is_a_space():
    from sendreport.pack.templating import join_lines

    assert join_lines("The <code>reason</code> column of\n  <code>kpis.csv</code>\n  says") == (
        "The <code>reason</code> column of <code>kpis.csv</code> says")
    assert join_lines("see\n<a href='#b'>Appendix B</a>\nfor more") == (
        "see <a href='#b'>Appendix B</a> for more")
    assert join_lines("<p>\n<b>x</b>\n</p>") == "<p><b>x</b></p>"


@pytest.mark.parametrize("name", ["demo", "demo-wsoa"])
def test_appendix_b_names_the_reason_column_of_kpis_csv_with_its_spaces(demo_runs, name):
    text = _text(_page(demo_runs, name))
    assert "The reason column of kpis.csv and kpi_series.csv says" in text
    assert "ofkpis" not in text


@pytest.mark.parametrize("params", ["demo.yaml", "demo-wsoa.yaml"])
def test_the_demo_decisions_sought_fall_due_after_the_pack_is_read(params):
    """A decision due by the data extract date is overdue when the pack is read; one due by
    the target date it is about leaves no time to act on it."""
    import datetime as dt
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[2] / "params"
    raw = yaml.safe_load((root / params).read_text(encoding="utf-8"))
    plan = yaml.safe_load((root / raw["plan"]).read_text(encoding="utf-8"))
    extracted = raw["reference_date"]
    targets = {k["target_date"] for area in plan.get("priority_areas", [])
               for k in area.get("kpis", []) if isinstance(k, dict) and "target_date" in k}
    assert plan["decisions"]
    for d in plan["decisions"]:
        assert isinstance(d["by"], dt.date) and d["by"] > extracted, d
        assert d["by"] not in targets, d


def test_appendix_b_names_sen2_rules_in_words_and_says_what_historical_chains_count():
    from sendreport.pack.sections.appendices import RULE_NOTES, rule_words
    from sendreport.validation.rules import Rule

    assert rule_words(Rule.EXPORTED_TO_ANOTHER_LA) == "Exported to another local authority"
    assert rule_words("rows_excluded") == "Rows excluded"
    note = RULE_NOTES[Rule.HISTORICAL_CHAIN]
    assert "each return that repeats it" in note and "never counted as activity" in note
    assert "exceed the rows read" in note

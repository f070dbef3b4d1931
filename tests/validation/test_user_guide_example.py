"""The user guide's worked example of ``split:`` runs as the guide says it does."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from sendreport.inputs import load_inputs
from sendreport.validation import format_quality

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "user-guide.md"
HEADING = "### One column into several fields\n"


def _blocks() -> dict[str, str]:
    """The section's code blocks by language: the extract, the mapping, the summary."""
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    return dict(re.findall(r"```(\w+)\n(.*?)```", section, flags=re.DOTALL))


def test_the_worked_example_prints_what_the_guide_shows(tmp_path):
    blocks = _blocks()
    assert set(blocks) == {"csv", "yaml", "text"}
    mapping = yaml.safe_load(blocks["yaml"])
    (tmp_path / mapping["data"]["requests"]).write_text(blocks["csv"], encoding="utf-8")
    (tmp_path / "plan.yaml").write_text(
        "title: Plan\ntype: priority_action_plan\npriority_areas: []\n", encoding="utf-8")
    params = {"notebook": str(ROOT / "notebooks" / "stocktake.ipynb"), "area_name": "Guideshire",
              "period_start": "2024-01-01", "period_end": "2024-06-30", "plan": "plan.yaml",
              **mapping}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")

    loaded = load_inputs(tmp_path / "params.yaml")

    assert format_quality(loaded) == blocks["text"].rstrip("\n")
    requests = loaded["requests"].set_index("request_id")
    # the last row's en dash and lower case still match 'Assess - Issue plan'
    assert requests.loc["W-106", ["request_outcome", "assessment_outcome"]].tolist() == [
        "assess", "issue_plan"]
    assert requests.loc["W-102", "assessment_outcome"] != requests.loc["W-102",
                                                                       "assessment_outcome"]
    assert str(requests.loc["W-101", "received_date"].date()) == "2024-01-08"

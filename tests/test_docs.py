"""The user guide cannot drift from the code: every key and KPI it must describe is there."""

from __future__ import annotations

from pathlib import Path

from sendreport.metrics.reference import kpi_reference_markdown
from sendreport.params import Params

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_kpi_definitions_page_is_generated_from_the_definitions():
    page = (DOCS / "kpi-definitions.md").read_text(encoding="utf-8")
    assert page == kpi_reference_markdown(), (
        "docs/kpi-definitions.md is out of date: run `make docs`"
    )


def test_every_params_key_is_described_with_an_example():
    page = (DOCS / "params.md").read_text(encoding="utf-8")
    missing = [key for key in Params.model_fields if f"`{key}`" not in page]
    assert missing == []
    example = page.split("```yaml", 1)[1].split("```", 1)[0]
    not_in_example = [key for key in Params.model_fields if f"\n{key}:" not in example]
    assert not_in_example == []


def test_readme_links_the_user_guide():
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert "docs/user-guide.md" in readme


def _plan_fields() -> set[str]:
    """Every field name of the plan model and the models inside it."""
    import typing

    from pydantic import BaseModel

    from sendreport.plan import Plan

    names, seen, stack = set(), set(), [Plan]
    while stack:
        model = stack.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            names.add(field.alias or name)
            types = [field.annotation]
            while types:
                t = types.pop()
                if isinstance(t, type) and issubclass(t, BaseModel):
                    stack.append(t)
                types.extend(typing.get_args(t))
    return names


def test_every_plan_field_is_in_the_plan_reference():
    page = (DOCS / "plan.md").read_text(encoding="utf-8")
    missing = sorted(name for name in _plan_fields() if f"`{name}`" not in page)
    assert missing == []


def test_user_guide_links_every_reference_page():
    guide = (DOCS / "user-guide.md").read_text(encoding="utf-8")
    for page in ("params.md", "input-data.md", "plan.md", "kpi-definitions.md", "sen2.md",
                 "disclosure.md", "benchmarks.md"):
        assert f"]({page})" in guide, page
        assert (DOCS / page).exists(), page

"""The improvement plan: a pydantic model of the plan YAML (SPEC 4.4).

A plan is what the area promised: priority areas, their actions with owners and
due dates, and the KPIs (with baseline, target and trajectory) that should show
the difference for children and families.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from sendreport.errors import ParameterError

STATUSES = ("complete", "on_track", "at_risk", "off_track", "not_started")
"""Canonical action statuses, in the order the report lists them."""

Status = Literal["complete", "on_track", "at_risk", "off_track", "not_started"]
Direction = Literal["increase", "decrease", "neutral"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Quote(_Model):
    """A family voice quote; ``confidential`` quotes go only into the annex."""

    text: str
    attribution: str | None = None
    date: dt.date | None = None
    confidential: bool = False


class YouSaidWeDid(_Model):
    """One "you said, we did, impact" row."""

    you_said: str
    we_did: str
    impact: str | None = None


class StatusChange(_Model):
    """A dated status of an action."""

    date: dt.date
    status: str


class Action(_Model):
    """One action of a priority area."""

    id: str
    title: str
    owner: str
    due_date: dt.date
    status: str
    original_due_date: dt.date | None = None
    completed_date: dt.date | None = None
    status_history: tuple[StatusChange, ...] = ()
    success_criteria: str | None = None
    kpis: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()


class Baseline(_Model):
    """A KPI's baseline value and the period it describes (a label)."""

    value: float
    period: str


class Milestone(_Model):
    """A trajectory milestone: the value the plan expects by ``date``."""

    date: dt.date
    value: float


class PlanKPI(_Model):
    """A KPI the plan uses to show impact (an SPEC 5 id or a measure id)."""

    id: str
    service: str | None = None
    direction: Direction | None = None
    baseline: Baseline | None = None
    target: float | None = None
    target_date: dt.date | None = None
    trajectory: tuple[Milestone, ...] = ()


class PriorityArea(_Model):
    """A priority area (PAP) or area of concern (WSoA)."""

    id: str
    title: str
    what_we_will_do: str
    what_will_be_different: str
    family_voice: tuple[Quote, ...] = ()
    you_said_we_did: tuple[YouSaidWeDid, ...] = ()
    progress: str | None = None
    actions: tuple[Action, ...] = ()
    kpis: tuple[PlanKPI, ...] = ()


class Evidence(_Model):
    """A numbered document the pack cites."""

    id: str
    title: str
    date: dt.date | None = None
    owner: str | None = None


class Intervention(_Model):
    """A dated change drawn as a marker on the charts of its KPIs."""

    date: dt.date
    label: str
    kpis: tuple[str, ...] = ()
    rebase: bool = False
    """With ``rebase: true`` the SPC mean and limits of its KPIs restart at ``date``."""


class Plan(_Model):
    """An improvement plan: Priority Action Plan, WSoA or Accelerated Progress Plan."""

    title: str
    type: Literal[
        "priority_action_plan", "written_statement_of_action", "accelerated_progress_plan"
    ]
    partners: tuple[str, ...] = ()
    inspection_date: dt.date | None = None
    start_date: dt.date | None = None
    version: str | None = None
    status_vocabulary: dict[str, Status] = Field(default_factory=dict)
    priority_areas: tuple[PriorityArea, ...]
    evidence: tuple[Evidence, ...] = ()
    interventions: tuple[Intervention, ...] = ()

    @field_validator("priority_areas")
    @classmethod
    def _at_least_one_area(cls, areas: tuple[PriorityArea, ...]) -> tuple[PriorityArea, ...]:
        # Checked after the areas themselves, so that an invalid area is reported once
        # rather than also as an empty list.
        if not areas:
            raise ValueError("a plan needs at least one priority area")
        return areas

    @model_validator(mode="after")
    def _check_references(self) -> Plan:
        problems = reference_problems(self.model_dump())
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def action_status(self, action: Action) -> Status:
        """Return the canonical status of ``action``, mapping the plan's own vocabulary."""
        return self.status_vocabulary.get(action.status, action.status)  # type: ignore[return-value]

    @property
    def actions(self) -> list[tuple[PriorityArea, Action]]:
        """Every action with its priority area, in plan order."""
        return [(area, action) for area in self.priority_areas for action in area.actions]

    @property
    def kpis(self) -> list[tuple[PriorityArea, PlanKPI]]:
        """Every plan KPI with its priority area, in plan order."""
        return [(area, kpi) for area in self.priority_areas for kpi in area.kpis]

    @property
    def type_label(self) -> str:
        """The plan type in words, as printed on the cover."""
        return {
            "priority_action_plan": "Priority Action Plan",
            "written_statement_of_action": "Written Statement of Action",
            "accelerated_progress_plan": "Accelerated Progress Plan",
        }[self.type]


def reference_problems(plan: Mapping[str, Any]) -> list[str]:
    """List cross-reference problems in a plan: reused ids, unknown statuses, missing evidence.

    Works on a validated plan's ``model_dump()`` and on the raw YAML mapping
    alike (parts of the wrong shape are skipped, the model reports those), so
    that :func:`load_plan` can list these problems next to field errors.

    Parameters
    ----------
    plan
        The plan as a mapping.

    Returns
    -------
    list of str
        One line per problem, in plan order.
    """

    def items(value: Any) -> list:
        return list(value) if isinstance(value, (list, tuple)) else []

    def get(value: Any, key: str) -> Any:
        return value.get(key) if isinstance(value, Mapping) else None

    vocabulary = get(plan, "status_vocabulary")
    known_status = set(STATUSES) | set(vocabulary if isinstance(vocabulary, Mapping) else ())
    evidence_ids = {e["id"] for e in items(get(plan, "evidence")) if isinstance(get(e, "id"), str)}
    problems = []
    seen_areas: set[str] = set()
    seen_actions: set[str] = set()
    for area in items(get(plan, "priority_areas")):
        area_id = get(area, "id")
        if isinstance(area_id, str):
            if area_id in seen_areas:
                problems.append(f"priority area id {area_id!r} is used twice")
            seen_areas.add(area_id)
        for action in items(get(area, "actions")):
            action_id = get(action, "id")
            where = f"action {action_id!r} of priority area {area_id!r}"
            if isinstance(action_id, str):
                if action_id in seen_actions:
                    problems.append(f"action id {action_id!r} is used twice")
                seen_actions.add(action_id)
            history = [get(change, "status") for change in items(get(action, "status_history"))]
            for status in [get(action, "status"), *history]:
                if isinstance(status, str) and status not in known_status:
                    problems.append(
                        f"{where}: status must be one of {', '.join(sorted(known_status))}, "
                        f"not {status!r}"
                    )
            for ev in items(get(action, "evidence")):
                if isinstance(ev, str) and ev not in evidence_ids:
                    problems.append(f"{where}: evidence {ev!r} is not in the evidence list")
    return problems


def format_validation_error(err: ValidationError, source: str) -> list[str]:
    """Turn a pydantic ``ValidationError`` into one readable line per problem.

    Parameters
    ----------
    err
        The error pydantic raised.
    source
        The file name to start each line with.

    Returns
    -------
    list of str
        Lines such as ``"plan.yaml: priority_areas[0].actions[1].due_date: ..."``.
    """
    lines = []
    for e in err.errors():
        loc = ""
        for part in e["loc"]:
            loc += f"[{part}]" if isinstance(part, int) else (f".{part}" if loc else str(part))
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        lines.append(f"{source}: {loc + ': ' if loc else ''}{msg}")
    return lines


def load_plan(path: str | Path) -> Plan:
    """Read and validate an improvement plan YAML file.

    Parameters
    ----------
    path
        The plan file.

    Returns
    -------
    Plan
        The validated plan.

    Raises
    ------
    ParameterError
        If the file is missing, is not YAML, or breaks the plan model; every
        problem is listed.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ParameterError(f"plan file not found: {path}") from err
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise ParameterError(f"{path}: cannot be read as YAML ({err.__class__.__name__})") from err
    if not isinstance(raw, dict):
        raise ParameterError(f"{path}: must be a YAML mapping of plan keys")
    try:
        return Plan.model_validate(raw)
    except ValidationError as err:
        # Field errors stop pydantic before the cross-reference check, so run that
        # check on the raw mapping and list its problems one per line as well.
        lines = [
            line
            for e, line in zip(err.errors(), format_validation_error(err, path.name), strict=True)
            if e["loc"]
        ]
        lines += [f"{path.name}: {problem}" for problem in reference_problems(raw)]
        raise ParameterError(lines) from err

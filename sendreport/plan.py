"""The improvement plan: a pydantic model of the plan YAML (SPEC 4.4).

A plan is what the area promised: priority areas, their actions with owners and
due dates, and the KPIs (with baseline, target and trajectory) that should show
the difference for children and families.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from sendreport.errors import ParameterError
from sendreport.vocabulary import Improvement
from sendreport.yamlfile import load_yaml

STATUSES = ("complete", "on_track", "at_risk", "off_track", "not_started")
"""Canonical action statuses, in the order the report lists them."""

Status = Literal["complete", "on_track", "at_risk", "off_track", "not_started"]
Direction = Improvement
"""Which way a KPI improves (:data:`sendreport.vocabulary.Improvement`)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Quote(_Model):
    """A family voice quote; ``confidential`` quotes go only into the annex."""

    text: str
    attribution: str | None = None
    date: dt.date | None = None
    confidential: bool = False


class YouSaidWeDid(_Model):
    """One "you said, we did, impact" row; ``date`` is when it was added."""

    you_said: str
    we_did: str
    impact: str | None = None
    date: dt.date | None = None


class StatusChange(_Model):
    """A dated status of an action, and optionally its due date on that date.

    ``due_date`` records the due date as it stood then, so that a due date
    moved since the last stocktake shows as slipped.
    """

    date: dt.date
    status: str
    due_date: dt.date | None = None


class KPILink(_Model):
    """An action's link to a plan KPI: its ``id`` and, for a per-service KPI, its ``service``."""

    id: str
    service: str | None = None


class Action(_Model):
    """One action of a priority area.

    ``kpis`` entries are a KPI id or a :class:`KPILink`; :meth:`Plan.linked_kpis`
    resolves them to the plan's KPIs (SPEC 4.4).
    """

    id: str
    title: str
    owner: str
    due_date: dt.date
    status: str
    original_due_date: dt.date | None = None
    completed_date: dt.date | None = None
    status_history: tuple[StatusChange, ...] = ()
    success_criteria: str | None = None
    kpis: tuple[str | KPILink, ...] = ()
    evidence: tuple[str, ...] = ()
    moved_reason: str | None = None


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


class Escalation(_Model):
    """An issue escalated beyond the board: to whom, by whom, and what came of it.

    An escalation with no ``outcome`` whose ``due_date`` is before the period
    end is overdue, and the pack flags it.
    """

    date: dt.date
    issue: str
    to: str
    owner: str
    outcome: str | None = None
    outcome_date: dt.date | None = None
    due_date: dt.date | None = None

    def overdue(self, at: dt.date) -> bool:
        """True when it has no outcome and its ``due_date`` is before ``at``.

        Examples
        --------
        >>> e = Escalation(date="2024-09-17", issue="ADHD capacity", to="ICB executive",
        ...                owner="ICB Director of Commissioning", due_date="2024-11-30")
        >>> e.overdue(dt.date(2024, 12, 31)), e.overdue(dt.date(2024, 11, 30))
        (True, False)
        """
        return self.outcome is None and self.due_date is not None and self.due_date < at


class RiskScale(_Model):
    """How the plan rates risks: ``levels`` (words, lowest first) or ``lowest`` to ``highest``.

    A higher rating is a worse risk. ``description`` says how a rating is
    worked out (for example likelihood times impact).

    Examples
    --------
    >>> RiskScale(lowest=1, highest=25).allows(16), RiskScale(levels=["Low", "High"]).allows(3)
    (True, False)
    >>> RiskScale(levels=["Low", "Medium", "High"]).rank("High")
    2
    """

    description: str | None = None
    levels: tuple[str, ...] = ()
    lowest: int | None = None
    highest: int | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> RiskScale:
        numeric = self.lowest is not None or self.highest is not None
        if bool(self.levels) == numeric or (numeric and None in (self.lowest, self.highest)):
            raise ValueError("risk_scale needs either levels (words, lowest first) or both "
                             "lowest and highest")
        if numeric and self.lowest >= self.highest:  # type: ignore[operator]
            raise ValueError("risk_scale: lowest must be below highest")
        return self

    def allows(self, rating: str | int) -> bool:
        """True when ``rating`` is on the scale."""
        return self.rank(rating) is not None

    def rank(self, rating: str | int | None) -> int | None:
        """The rating's place on the scale, 0 the lowest (``None`` when not on it)."""
        if rating is None or isinstance(rating, bool):
            return None
        if self.levels:
            return self.levels.index(rating) if rating in self.levels else None
        if isinstance(rating, int) and self.lowest <= rating <= self.highest:  # type: ignore[operator]
            return rating - self.lowest  # type: ignore[operator]
        return None

    @property
    def words(self) -> str:
        """The scale in words, for the pack."""
        span = (f"{self.levels[0]} (lowest) to {self.levels[-1]} (highest)" if self.levels
                else f"{self.lowest} (lowest) to {self.highest} (highest)")
        return f"{span}: {self.description}" if self.description else span


class Risk(_Model):
    """A risk on the register: its rating now, at the last stocktake and the target.

    Ratings are on the plan's ``risk_scale``; with a scale declared, a rating
    not on it is a plan error.
    """

    id: str
    title: str
    rating: str | int | None = None
    mitigation: str | None = None
    owner: str | None = None
    rating_at_last_stocktake: str | int | None = None
    target_rating: str | int | None = None


class Decision(_Model):
    """A decision the stocktake is asked to take: what, who owns it, and by when."""

    decision: str
    owner: str
    by: dt.date | None = None


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
    escalations: tuple[Escalation, ...] = ()
    risks: tuple[Risk, ...] = ()
    decisions: tuple[Decision, ...] = ()


class Evidence(_Model):
    """A numbered document the pack cites."""

    id: str
    title: str
    date: dt.date | None = None
    owner: str | None = None


class Intervention(_Model):
    """A dated change drawn as a marker on the charts of its KPIs.

    ``kpis`` entries are a plan KPI's id (every service of it) or a
    :class:`KPILink` (that service only); an entry that names no plan KPI is a
    plan error (SPEC 4.4).
    """

    date: dt.date
    label: str
    kpis: tuple[str | KPILink, ...] = ()
    rebase: bool = False
    """With ``rebase: true`` the SPC mean and limits of its KPIs restart at ``date``."""


class Meeting(_Model):
    """A meeting of the improvement board: what it decided and escalated."""

    date: dt.date
    decisions: tuple[str, ...] = ()
    escalations: tuple[str, ...] = ()

    @field_validator("decisions", "escalations", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class Governance(_Model):
    """The improvement board, its meetings and its risk register."""

    name: str | None = None
    chair: str | None = None
    meetings: tuple[Meeting, ...] = ()
    risks: tuple[Risk, ...] = ()


class Plan(_Model):
    """An improvement plan: Priority Action Plan, WSoA or Accelerated Progress Plan.

    Examples
    --------
    >>> plan = Plan.model_validate({"title": "SEND PAP", "type": "priority_action_plan",
    ...     "priority_areas": [{"id": "PA1", "title": "Timely EHC plans",
    ...                         "what_we_will_do": "Recruit coordinators",
    ...                         "what_will_be_different": "Plans within 20 weeks",
    ...                         "kpis": [{"id": "ehcp_20wk_excl", "target": 60}]}]})
    >>> [(area.id, kpi.id, kpi.target) for area, kpi in plan.kpis]
    [('PA1', 'ehcp_20wk_excl', 60.0)]
    """

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
    governance: Governance | None = None
    risk_scale: RiskScale | None = None
    escalations: tuple[Escalation, ...] = ()
    risks: tuple[Risk, ...] = ()
    decisions: tuple[Decision, ...] = ()
    progress: str | None = None
    """The partnership's own commentary on the whole plan for this stocktake."""

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

    def linked_kpis(self, action: Action) -> list[PlanKPI]:
        """The plan KPIs an action's ``kpis`` entries name, in the action's order (SPEC 4.4).

        A bare id names the KPI of the action's own priority area with that id,
        else the plan's only KPI with that id; ``{id, service}`` names the KPI of
        that service. A loaded plan has no unknown or ambiguous entry (those
        are plan errors), so every entry gives one KPI.

        Examples
        --------
        >>> area = PriorityArea(id="P2", title="t", what_we_will_do="w",
        ...     what_will_be_different="d",
        ...     kpis=[PlanKPI(id="wait_median_open_weeks", service="speech_and_language_therapy"),
        ...           PlanKPI(id="wait_median_open_weeks", service="autism_assessment")],
        ...     actions=[Action(id="2.2", title="t", owner="o", due_date="2024-01-31",
        ...         status="complete", kpis=[{"id": "wait_median_open_weeks",
        ...                                   "service": "autism_assessment"}])])
        >>> plan = Plan(title="p", type="priority_action_plan", priority_areas=[area])
        >>> [(k.id, k.service) for k in plan.linked_kpis(area.actions[0])]
        [('wait_median_open_weeks', 'autism_assessment')]
        """
        area = next(a for a, act in self.actions if act is action or act.id == action.id)
        own = [(k.id, k.service) for k in area.kpis]
        whole = [(k.id, k.service) for _, k in self.kpis]
        found = {(k.id, k.service): k for _, k in reversed(self.kpis)}
        found.update({(k.id, k.service): k for k in reversed(area.kpis)})
        out = []
        for entry in action.kpis:
            kpi_id, service = (entry, None) if isinstance(entry, str) else (entry.id, entry.service)
            key, _ = resolve_kpi_link(kpi_id, service, own, whole)
            if key is not None:
                out.append(found[key])
        return out

    @property
    def type_label(self) -> str:
        """The plan type in words, as printed on the cover."""
        return {
            "priority_action_plan": "Priority Action Plan",
            "written_statement_of_action": "Written Statement of Action",
            "accelerated_progress_plan": "Accelerated Progress Plan",
        }[self.type]


def resolve_kpi_link(
    kpi_id: str,
    service: str | None,
    own: Sequence[tuple[str, str | None]],
    whole: Sequence[tuple[str, str | None]],
) -> tuple[tuple[str, str | None] | None, str | None]:
    """Resolve one action ``kpis`` entry to a plan KPI's ``(id, service)`` (SPEC 4.4).

    Parameters
    ----------
    kpi_id, service
        The entry: a bare id has ``service`` ``None``.
    own, whole
        ``(id, service)`` of the KPIs of the action's priority area, and of the whole plan.

    Returns
    -------
    tuple
        ``(key, None)`` when the entry names exactly one KPI, else ``(None, problem)``.

    Examples
    --------
    >>> own = [("wait_list", "autism_assessment"), ("wait_list", "audiology")]
    >>> resolve_kpi_link("wait_list", "audiology", own, own)
    (('wait_list', 'audiology'), None)
    >>> print(resolve_kpi_link("wait_list", None, own, own)[1])  # doctest: +ELLIPSIS
    KPI 'wait_list' is ambiguous: the plan has it for autism_assessment and audiology; ...
    """
    for keys in (own, whole):
        named = list(dict.fromkeys(k for k in keys if k[0] == kpi_id))
        if service is not None:
            named = [k for k in named if k[1] == service]
        if len(named) == 1:
            return named[0], None
        if len(named) > 1:
            services = " and ".join(str(k[1]) for k in named)
            return None, (
                f"KPI {kpi_id!r} is ambiguous: the plan has it for {services}; name the "
                f"service, as {{id: {kpi_id}, service: {named[0][1]}}}"
            )
    if service is not None and any(k[0] == kpi_id for k in whole):
        services = ", ".join(str(k[1]) for k in dict.fromkeys(k for k in whole if k[0] == kpi_id))
        return None, (
            f"KPI {kpi_id!r} with service {service!r} is not a KPI of the plan "
            f"(the plan has it for {services})"
        )
    known = sorted({k[0] for k in whole})
    close = difflib.get_close_matches(kpi_id, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    listed = ", ".join(known) if known else "none"
    return None, f"KPI {kpi_id!r} names no KPI of the plan{hint} (plan KPIs: {listed})"


def intervention_kpi_problem(
    kpi_id: str, service: str | None, whole: Sequence[tuple[str, str | None]]
) -> str | None:
    """Why an intervention's ``kpis`` entry names no plan KPI (``None`` when it names one).

    An intervention is drawn on the charts of the KPIs it names (SPEC 4.4): a
    bare id names every service of that plan KPI, ``{id, service}`` that
    service only. An entry that names none would be drawn nowhere, so it is a
    plan error.

    Parameters
    ----------
    kpi_id, service
        The entry: a bare id has ``service`` ``None``.
    whole
        ``(id, service)`` of every KPI of the plan.

    Examples
    --------
    >>> whole = [("ehcp_20wk_excl", None), ("wait_list", "audiology"),
    ...          ("wait_list", "autism_assessment")]
    >>> intervention_kpi_problem("wait_list", None, whole) is None
    True
    >>> print(intervention_kpi_problem("ehcp_20wk_exc", None, whole))  # doctest: +ELLIPSIS
    KPI 'ehcp_20wk_exc' names no KPI of the plan; did you mean 'ehcp_20wk_excl'? (plan KPIs: ...)
    >>> print(intervention_kpi_problem("wait_list", "speech", whole))  # doctest: +ELLIPSIS
    KPI 'wait_list' with service 'speech' is not a KPI of the plan (the plan has it for audio...)
    """
    if service is None and any(key[0] == kpi_id for key in whole):
        return None
    return resolve_kpi_link(kpi_id, service, whole, whole)[1]


def reference_problems(plan: Mapping[str, Any]) -> list[str]:
    """List cross-reference problems in a plan: reused ids, unknown statuses, missing evidence.

    Action ``kpis`` entries that name no plan KPI, or several (SPEC 4.4), are
    problems too, and so are intervention ``kpis`` entries that name no plan
    KPI (:func:`intervention_kpi_problem`).

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

    def kpi_keys(area: Any) -> list[tuple[str, str | None]]:
        keys = [(get(k, "id"), get(k, "service")) for k in items(get(area, "kpis"))]
        return [(i, s if isinstance(s, str) else None) for i, s in keys if isinstance(i, str)]

    whole = [key for area in items(get(plan, "priority_areas")) for key in kpi_keys(area)]
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
                        f"not {status!r}; to use the plan's own word, declare it at the top "
                        "of the plan, mapped onto the status it counts as, e.g. "
                        f"status_vocabulary: {{{status!r}: on_track}}; the pack prints your "
                        "word beside it (docs/plan.md)"
                    )
            for ev in items(get(action, "evidence")):
                if isinstance(ev, str) and ev not in evidence_ids:
                    problems.append(f"{where}: evidence {ev!r} is not in the evidence list")
            for entry in items(get(action, "kpis")):
                kpi_id, service = (entry, None) if isinstance(entry, str) else (
                    get(entry, "id"), get(entry, "service"))
                if not isinstance(kpi_id, str) or not isinstance(service, (str, type(None))):
                    continue  # the model reports entries of the wrong shape
                _, problem = resolve_kpi_link(kpi_id, service, kpi_keys(area), whole)
                if problem:
                    problems.append(f"{where}: {problem}")
    problems += risk_problems(plan)
    for intervention in items(get(plan, "interventions")):
        label, date = get(intervention, "label"), get(intervention, "date")
        where = f"intervention {label!r}" + (f" dated {date}" if date is not None else "")
        for entry in items(get(intervention, "kpis")):
            kpi_id, service = (entry, None) if isinstance(entry, str) else (
                get(entry, "id"), get(entry, "service"))
            if not isinstance(kpi_id, str) or not isinstance(service, (str, type(None))):
                continue  # the model reports entries of the wrong shape
            problem = intervention_kpi_problem(kpi_id, service, whole)
            if problem:
                problems.append(f"{where}: {problem}")
    return problems


def risk_problems(plan: Mapping[str, Any]) -> list[str]:
    """List risks whose ratings are not on the plan's ``risk_scale`` (SPEC 4.4).

    Every risk is checked (top level, per priority area and the
    ``governance`` register): its ``rating``, ``rating_at_last_stocktake``
    and ``target_rating``. Risks of the top level or a priority area need a
    declared scale once they carry a rating; the ``governance`` register may
    go without one. Works on the raw mapping, like :func:`reference_problems`.

    Examples
    --------
    >>> plan = {"risk_scale": {"levels": ["Low", "Medium", "High"]},
    ...         "risks": [{"id": "R1", "rating": "High", "target_rating": "Minor"}]}
    >>> risk_problems(plan)
    ["risk 'R1': target_rating 'Minor' is not on the plan's risk_scale (Low, Medium, High)"]
    >>> risk_problems({"risks": [{"id": "R2", "rating": 12}]})
    ["risk 'R2' has a rating but the plan declares no risk_scale"]
    """

    def items(value: Any) -> list:
        return list(value) if isinstance(value, (list, tuple)) else []

    def get(value: Any, key: str) -> Any:
        return value.get(key) if isinstance(value, Mapping) else None

    try:
        raw_scale = get(plan, "risk_scale")
        scale = RiskScale.model_validate(raw_scale) if raw_scale is not None else None
    except ValidationError:
        return []  # the model reports a malformed scale
    governed = items(get(get(plan, "governance"), "risks"))
    accountable = items(get(plan, "risks")) + [
        risk for area in items(get(plan, "priority_areas")) for risk in items(get(area, "risks"))]
    problems = []
    for risk in accountable + governed:
        ratings = [(key, get(risk, key)) for key in (
            "rating", "rating_at_last_stocktake", "target_rating")]
        ratings = [(key, value) for key, value in ratings
                   if isinstance(value, (str, int)) and not isinstance(value, bool)]
        if scale is None:
            if ratings and any(risk is r for r in accountable):
                problems.append(
                    f"risk {get(risk, 'id')!r} has a rating but the plan declares no risk_scale")
            continue
        span = (", ".join(scale.levels) if scale.levels
                else f"{scale.lowest} to {scale.highest}")
        problems += [f"risk {get(risk, 'id')!r}: {key} {value!r} is not on the plan's "
                     f"risk_scale ({span})" for key, value in ratings if not scale.allows(value)]
    return problems


@dataclass(frozen=True)
class PlanAsAt:
    """A plan as it stood at a date, and the entries dated after it that were left out.

    Attributes
    ----------
    plan
        The plan the pack shows.
    later
        One line per entry dated after the date (for ``sendreport validate``).
    """

    plan: Plan
    later: tuple[str, ...]


def plan_as_at(plan: Plan, at: dt.date) -> PlanAsAt:
    """Return the plan as it stood at ``at`` (the period end), as the pack must show it.

    A plan is kept up to date after the period; the pack shows it as at
    ``period_end`` (SPEC 4.4): each action's status is its latest
    ``status_history`` entry dated on or before ``at`` (else ``status``); a
    ``completed_date`` after ``at`` means not complete (the latest earlier
    status that is not complete, else on track, or off track once past due);
    status changes, evidence, family voice quotes, "you said, we did" rows,
    interventions, board meetings and escalations dated after ``at`` are left
    out, and an escalation's outcome dated after ``at`` is not yet known. An
    action still cites evidence left out: its table shows the id as "after this
    period".

    Parameters
    ----------
    plan
        The plan as loaded.
    at
        The period end.

    Returns
    -------
    PlanAsAt
        The plan to show, and one line per entry left out or changed, in plan order.

    Examples
    --------
    >>> a = Action(id="A1", title="t", owner="o", due_date="2024-12-31", status="complete",
    ...            completed_date="2024-11-02", evidence=["E1"],
    ...            status_history=[{"date": "2024-06-30", "status": "at_risk"},
    ...                            {"date": "2024-12-31", "status": "complete"}])
    >>> p = Plan(title="p", type="priority_action_plan", priority_areas=[PriorityArea(
    ...     id="P1", title="t", what_we_will_do="w", what_will_be_different="d", actions=[a])],
    ...     evidence=[{"id": "E1", "title": "Audit", "date": "2025-01-17"}])
    >>> shown = plan_as_at(p, dt.date(2024, 9, 30))
    >>> action = shown.plan.priority_areas[0].actions[0]
    >>> shown.plan.action_status(action), shown.plan.evidence, action.evidence
    ('at_risk', (), ('E1',))
    >>> for line in shown.later:
    ...     print(line)
    action 'A1': status 'complete' dated 2024-12-31 is after the period end
    action 'A1': completed 2024-11-02, after the period end; shown as not complete (at_risk)
    evidence 'E1' (Audit) dated 2025-01-17 is after the period end
    """
    later: list[str] = []
    after = " is after the period end"
    left_out = {e.id for e in plan.evidence if e.date is not None and e.date > at}
    areas = []
    for area in plan.priority_areas:
        actions = [_action_as_at(plan, action, at, later) for action in area.actions]
        quotes = [q for q in area.family_voice if q.date is None or q.date <= at]
        later += [
            f"priority area {area.id!r}: family voice quote dated {q.date}{after}"
            for q in area.family_voice
            if q not in quotes
        ]
        rows = [y for y in area.you_said_we_did if y.date is None or y.date <= at]
        later += [
            f"priority area {area.id!r}: you said, we did {y.you_said[:40]!r} dated {y.date}{after}"
            for y in area.you_said_we_did
            if y not in rows
        ]
        areas.append(area.model_copy(update={
            "actions": tuple(actions), "family_voice": tuple(quotes),
            "you_said_we_did": tuple(rows),
            "escalations": _escalations_as_at(area.escalations, at, later,
                                              f"priority area {area.id!r}: ")}))
    later += [f"evidence {e.id!r} ({e.title}) dated {e.date}{after}"
              for e in plan.evidence if e.id in left_out]
    interventions = tuple(i for i in plan.interventions if i.date <= at)
    later += [f"intervention {i.label!r} dated {i.date}{after}"
              for i in plan.interventions if i not in interventions]
    governance = plan.governance
    if governance is not None:
        meetings = tuple(m for m in governance.meetings if m.date <= at)
        later += [f"governance: board meeting dated {m.date}{after}"
                  for m in governance.meetings if m not in meetings]
        governance = governance.model_copy(update={"meetings": meetings})
    shown = plan.model_copy(update={
        "priority_areas": tuple(areas),
        "evidence": tuple(e for e in plan.evidence if e.id not in left_out),
        "interventions": interventions,
        "governance": governance,
        "escalations": _escalations_as_at(plan.escalations, at, later, ""),
    })
    return PlanAsAt(shown, tuple(later))


def _escalations_as_at(escalations: tuple[Escalation, ...], at: dt.date, later: list[str],
                       where: str) -> tuple[Escalation, ...]:
    shown = []
    for e in escalations:
        if e.date > at:
            later.append(f"{where}escalation {e.issue[:40]!r} dated {e.date} is after the "
                         "period end")
        elif e.outcome_date is not None and e.outcome_date > at:
            later.append(f"{where}escalation {e.issue[:40]!r}: outcome dated {e.outcome_date} "
                         "is after the period end; shown with no outcome yet")
            shown.append(e.model_copy(update={"outcome": None, "outcome_date": None}))
        else:
            shown.append(e)
    return tuple(shown)


def _action_as_at(plan: Plan, action: Action, at: dt.date, later: list[str]) -> Action:
    where = f"action {action.id!r}"
    history = tuple(sorted((s for s in action.status_history if s.date <= at),
                           key=lambda s: s.date))
    later += [f"{where}: status {s.status!r} dated {s.date} is after the period end"
              for s in action.status_history if s.date > at]
    status = history[-1].status if history else action.status
    if action.status_history and not history:
        later.append(f"{where}: no status dated on or before the period end; shown with its "
                     f"current status {action.status!r}")
    completed = action.completed_date
    if completed is not None and completed > at:
        completed = None
        if plan.status_vocabulary.get(status, status) == "complete":
            earlier = [s.status for s in history
                       if plan.status_vocabulary.get(s.status, s.status) != "complete"]
            status = earlier[-1] if earlier else ("on_track" if action.due_date >= at
                                                  else "off_track")
        later.append(f"{where}: completed {action.completed_date}, after the period end; "
                     f"shown as not complete ({plan.status_vocabulary.get(status, status)})")
    return action.model_copy(update={"status": status, "completed_date": completed,
                                     "status_history": history})


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
    r"""Read and validate an improvement plan YAML file.

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

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "plan.yaml"
    >>> _ = path.write_text(
    ...     "title: SEND PAP\ntype: priority_action_plan\npriority_areas:\n"
    ...     "  - {id: PA1, title: Timely plans, what_we_will_do: Recruit,\n"
    ...     "     what_will_be_different: Plans on time}\n")
    >>> [area.id for area in load_plan(path).priority_areas]
    ['PA1']
    """
    path = Path(path)
    if not path.exists():
        raise ParameterError(f"plan file not found: {path}")
    raw = load_yaml(path, what="plan file")
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

"""Improvement plan action KPIs (SPEC 5): complete, overdue, slipped, not started.

And each action against the last stocktake (REPORT page 4): its status then,
its due date then, and whether it slipped since.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sendreport.metrics._helpers import DateLike, as_timestamp, count_rows, finish, percentage_rows
from sendreport.plan import Action, Plan, plan_as_at

__all__ = ["SEVERITY", "Slip", "action_kpis", "action_status_at", "due_date_at", "slip_since",
           "status_word_at"]


def action_status_at(plan: Plan, action: Action, at: DateLike) -> str | None:
    """Return the canonical status of ``action`` on ``at`` from its history (``None`` if unknown).

    The latest ``status_history`` entry dated on or before ``at`` wins; failing
    that, an action completed on or before ``at`` was ``complete``.

    Examples
    --------
    >>> from sendreport.plan import Action, Plan, PriorityArea, StatusChange
    >>> a = Action(id="A1", title="t", owner="o", due_date="2024-06-30", status="complete",
    ...            status_history=[StatusChange(date="2024-01-15", status="on_track")])
    >>> p = Plan(title="p", type="priority_action_plan", priority_areas=[PriorityArea(
    ...     id="P1", title="t", what_we_will_do="w", what_will_be_different="d", actions=[a])])
    >>> action_status_at(p, a, "2024-03-31"), action_status_at(p, a, "2023-12-31")
    ('on_track', None)
    """
    word = status_word_at(action, at)
    return None if word is None else plan.status_vocabulary.get(word, word)


def status_word_at(action: Action, at: DateLike) -> str | None:
    """The status of ``action`` on ``at`` in the plan's own words (``None`` if unknown).

    As :func:`action_status_at`, before the plan's ``status_vocabulary`` maps it.

    Examples
    --------
    >>> from sendreport.plan import Action
    >>> a = Action(id="A1", title="t", owner="o", due_date="2024-06-30", status="Blue",
    ...            completed_date="2024-05-02",
    ...            status_history=[{"date": "2024-01-15", "status": "Green"}])
    >>> status_word_at(a, "2024-03-31"), status_word_at(a, "2023-12-31")
    ('Green', None)
    """
    when = as_timestamp(at, "at").date()
    earlier = [s for s in action.status_history if s.date <= when]
    if earlier:
        return max(earlier, key=lambda s: s.date).status
    if action.completed_date is not None and action.completed_date <= when:
        return "complete"
    return None


SEVERITY = {"complete": 0, "on_track": 1, "not_started": 1, "at_risk": 2, "off_track": 3}
"""How bad each canonical status is: a status of higher severity than before is worse."""


def due_date_at(action: Action, at: DateLike) -> dt.date | None:
    """The action's due date as recorded on ``at`` (``None`` when no record says).

    The latest ``status_history`` entry on or before ``at`` records it in its
    ``due_date``; an entry without one records no due date.

    Examples
    --------
    >>> from sendreport.plan import Action
    >>> a = Action(id="A1", title="t", owner="o", due_date="2025-06-30", status="at_risk",
    ...            status_history=[{"date": "2024-06-30", "status": "on_track",
    ...                             "due_date": "2024-12-31"}])
    >>> due_date_at(a, "2024-09-30"), due_date_at(a, "2024-03-31")
    (datetime.date(2024, 12, 31), None)
    """
    when = as_timestamp(at, "at").date()
    dated = [s for s in action.status_history if s.date <= when]
    return max(dated, key=lambda s: s.date).due_date if dated else None


@dataclass(frozen=True)
class Slip:
    """An action that slipped since the last stocktake.

    Attributes
    ----------
    action
        The action (as at the period end).
    status_then, status_now
        Canonical statuses at the last stocktake and now.
    due_then
        The due date at the last stocktake when it has moved since, else ``None``.
    """

    action: Action
    status_then: str | None
    status_now: str
    due_then: dt.date | None

    @property
    def worse(self) -> bool:
        """True when the status is worse than at the last stocktake."""
        return self.status_then is not None and SEVERITY[self.status_now] > SEVERITY[
            self.status_then]


def slip_since(plan: Plan, action: Action, previous: DateLike) -> Slip | None:
    """How ``action`` slipped since the stocktake of ``previous`` (``None`` when it did not).

    It slipped when its status is worse than its status then
    (:func:`action_status_at`; complete, on track or not started, at risk, off
    track, from best to worst), or when its due date moved since
    (:func:`due_date_at`). ``plan`` and ``action`` are as at the period end.

    Examples
    --------
    >>> from sendreport.plan import Action, Plan, PriorityArea
    >>> a = Action(id="2.3", title="t", owner="o", due_date="2025-06-30", status="at_risk",
    ...            original_due_date="2024-12-31",
    ...            status_history=[{"date": "2024-06-30", "status": "on_track",
    ...                             "due_date": "2024-12-31"},
    ...                            {"date": "2024-12-31", "status": "at_risk"}])
    >>> p = Plan(title="p", type="priority_action_plan", priority_areas=[PriorityArea(
    ...     id="P1", title="t", what_we_will_do="w", what_will_be_different="d", actions=[a])])
    >>> slip = slip_since(p, a, "2024-06-30")
    >>> slip.status_then, slip.status_now, slip.worse, slip.due_then
    ('on_track', 'at_risk', True, datetime.date(2024, 12, 31))
    >>> slip_since(p, a, "2025-01-31") is None
    True
    """
    then = action_status_at(plan, action, previous)
    now = plan.action_status(action)
    due_then = due_date_at(action, previous)
    moved = due_then is not None and due_then != action.due_date
    slip = Slip(action, then, now, due_then if moved else None)
    return slip if slip.worse or moved else None


def action_kpis(plan: Plan, *, at: DateLike, from_history: bool = False) -> pd.DataFrame:
    """Compute the plan's action KPIs.

    ``actions_complete`` (%), ``actions_overdue``, ``actions_slipped`` and
    ``actions_not_started`` (counts).
    ``actions_overdue`` counts actions not complete whose ``due_date`` is
    before ``at``; ``actions_slipped`` those whose ``due_date`` is later than
    their ``original_due_date``.

    Parameters
    ----------
    plan
        The improvement plan; statuses in its own vocabulary are mapped.
    at
        The period end.
    from_history
        False (default): each action's status in the plan as at ``at``
        (:func:`~sendreport.plan.plan_as_at`: its latest ``status_history``
        entry on or before ``at``, else ``status``; a ``completed_date`` after
        ``at`` is not complete). True: reconstruct statuses on ``at`` with
        :func:`action_status_at` (for the previous stocktake); KPIs that need
        a status nobody recorded, and ``actions_slipped`` (the plan does not
        record when a date moved), are then ``NaN``.

    Returns
    -------
    pandas.DataFrame
        ``kpi_id, service, value, numerator, denominator, lower_ci, upper_ci``.

    Examples
    --------
    >>> from sendreport.plan import Action, Plan, PriorityArea
    >>> acts = [Action(id="A1", title="t", owner="o", due_date="2024-01-31", status="on_track",
    ...                original_due_date="2023-12-31"),
    ...         Action(id="A2", title="t", owner="o", due_date="2024-06-30", status="complete")]
    >>> p = Plan(title="p", type="priority_action_plan", priority_areas=[PriorityArea(
    ...     id="P1", title="t", what_we_will_do="w", what_will_be_different="d", actions=acts)])
    >>> action_kpis(p, at="2024-03-31")[["kpi_id", "value", "numerator", "denominator"]]
                    kpi_id  value  numerator  denominator
    0     actions_complete   50.0          1            2
    1      actions_overdue    1.0          1         <NA>
    2      actions_slipped    1.0          1         <NA>
    3  actions_not_started    0.0          0         <NA>
    """
    when = as_timestamp(at, "at").date()
    if not from_history:  # the plan as it stood at ``at``: later completions do not count
        plan = plan_as_at(plan, when).plan
    actions = [action for _, action in plan.actions]
    if from_history:
        statuses = [action_status_at(plan, a, when) for a in actions]
    else:
        statuses = [plan.action_status(a) for a in actions]
    known = all(s is not None for s in statuses)
    nan = np.array([[np.nan]])

    def count(values: list[bool]) -> np.ndarray:
        return np.array([[sum(values)]], dtype="float64") if known else nan

    complete = count([s == "complete" for s in statuses])
    overdue = count(
        [s != "complete" and a.due_date < when for s, a in zip(statuses, actions, strict=True)]
    )
    not_started = count([s == "not_started" for s in statuses])
    slipped = (
        nan
        if from_history
        else np.array(
            [
                [
                    sum(
                        a.original_due_date is not None and a.due_date > a.original_due_date
                        for a in actions
                    )
                ]
            ],
            dtype="float64",
        )
    )
    total = np.array([[len(actions)]], dtype="float64") if known else nan
    return finish(
        [
            percentage_rows("actions_complete", complete, total),
            count_rows("actions_overdue", overdue),
            count_rows("actions_slipped", slipped),
            count_rows("actions_not_started", not_started),
        ]
    )

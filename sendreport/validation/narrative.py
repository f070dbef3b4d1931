"""Narrative checks: the plan's own words against the plan's own data (SPEC 4.4).

A plan's text (``progress``, ``what_we_will_do``, ``what_will_be_different``)
is written once and goes stale while its data move on. Each sentence that
names a date, a trajectory or a status is checked against the plan as the pack
shows it at ``period_end``; ``sendreport validate`` lists what contradicts:

- a slip still to come ("at risk of slipping to 2025") for an action whose due
  date is already there;
- a date an action "slipped" or "moved" to (or from) that is not its due date
  (or its original one);
- a trajectory or milestone named for KPIs (of the services the sentence names,
  else of the area) that have none, or a milestone or target whose value and
  date no KPI has;
- an action named by its id with a status ("action 2.7 is on track") it does
  not have.

The sentence's action is the one its id names ("action 2.3"), else the action
of the area whose title shares most words (two or more) with the sentence.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sendreport.plan import Action, Plan, PlanKPI, PriorityArea
from sendreport.vocabulary import long_date, service_in_sentence

__all__ = ["Period", "narrative_problems", "parse_period"]

_MONTHS = "|".join(calendar.month_name[1:])
_PERIOD = rf"(?:(?:the\s+)?end\s+of\s+)?(?:\d{{1,2}}\s+)?(?:(?:{_MONTHS})\s+)?20\d\d"
_SLIP_TO_COME = re.compile(
    r"\b(?:at risk of (?:slipping|moving|being delayed)|risk of (?:slipping|delay)|"
    r"(?:may|might|could|is likely to|is expected to|will) (?:slip|move|be delayed))"
    rf"\s+(?:to|into|until|beyond)\s+(?P<to>{_PERIOD})",
    re.IGNORECASE,
)
_SLIPPED = re.compile(
    r"\b(?:has|have|had|was|were)?\s*(?:been\s+)?(?:slipped|moved|delayed|put back|"
    r"pushed back|rescheduled)"
    rf"(?:\s+from\s+(?P<from>{_PERIOD}))?\s+(?:to|until)\s+(?P<to>{_PERIOD})",
    re.IGNORECASE,
)
_TRAJECTORY = re.compile(r"\b(?:trajector(?:y|ies)|milestones?)\b", re.IGNORECASE)
_MILESTONE = re.compile(
    rf"(?P<when>{_PERIOD})\s+milestone\s+of\s+(?P<value>\d+(?:\.\d+)?)\s*%?", re.IGNORECASE)
_TARGET = re.compile(
    rf"(?P<value>\d+(?:\.\d+)?)\s*%?\s+target\s+(?:for|by|of)\s+(?P<when>{_PERIOD})",
    re.IGNORECASE)
_ACTION_ID = re.compile(r"\baction\s+(?P<id>[A-Za-z]*\d+(?:\.\d+)*)\b", re.IGNORECASE)
_STATUS_WORDS = {
    "complete": "complete", "completed": "complete", "on track": "on_track",
    "off track": "off_track", "at risk": "at_risk", "not started": "not_started",
}
_STATUS = re.compile(r"(?<!not )\b(?:is|was|now|remains|stays|has been)\s+"
                     r"(?P<status>complete[d]?|on track|off track|at risk|not started)\b",
                     re.IGNORECASE)
_STOP = frozenset(
    "about after again also been before being from have into more most much only over "
    "since some still such than that their them then there these they this those through "
    "under until very were what when where which while will with within would year years "
    "risk slipping slip slipped moved move delayed".split())


@dataclass(frozen=True)
class Period:
    """A date a sentence names: a year, a month of a year, or a day.

    Examples
    --------
    >>> p = parse_period("June 2025")
    >>> p.first, p.last, p.contains(dt.date(2025, 6, 30)), p.words
    (datetime.date(2025, 6, 1), datetime.date(2025, 6, 30), True, 'June 2025')
    >>> parse_period("the end of 2024").last
    datetime.date(2024, 12, 31)
    """

    first: dt.date
    last: dt.date
    words: str

    def contains(self, day: dt.date) -> bool:
        """True when ``day`` falls in the period."""
        return self.first <= day <= self.last


def parse_period(text: str) -> Period:
    """The period of words such as ``2025``, ``March 2025``, ``31 March 2025``.

    Examples
    --------
    >>> parse_period("31 March 2025").first
    datetime.date(2025, 3, 31)
    >>> parse_period("2025").first, parse_period("2025").last
    (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    >>> parse_period("31 February 2025").last
    datetime.date(2025, 2, 28)
    """
    words = " ".join(text.split())
    year = int(re.search(r"20\d\d", words).group())  # type: ignore[union-attr]
    month = next((i for i, name in enumerate(calendar.month_name) if name and re.search(
        rf"\b{name}\b", words, re.IGNORECASE)), None)
    day = re.match(r"(?:(?:the\s+)?end\s+of\s+)?(\d{1,2})\s", words, re.IGNORECASE)
    if month is None:
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), words)
    end = calendar.monthrange(year, month)[1]
    if day is not None and 1 <= int(day.group(1)) <= end:  # else a slip of the pen: the month
        return Period(dt.date(year, month, int(day.group(1))),
                      dt.date(year, month, int(day.group(1))), words)
    return Period(dt.date(year, month, 1), dt.date(year, month, end), words)


def _sentences(text: str) -> Iterator[str]:
    for sentence in re.split(r"(?<=[.!?])\s+", " ".join(text.split())):
        if sentence:
            yield sentence


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) >= 4 and w not in _STOP}


def _named_action(sentence: str, actions: Sequence[Action]) -> list[Action]:
    """The actions a sentence is about: by id, else by most title words shared (two or more)."""
    ids = {m.group("id") for m in _ACTION_ID.finditer(sentence)}
    if ids:
        return [a for a in actions if a.id in ids]
    words = _words(sentence)
    shared = [(len(words & _words(a.title)), a) for a in actions]
    best = max((n for n, _ in shared), default=0)
    return [a for n, a in shared if n == best] if best >= 2 else []


def _service_words(service: str) -> str:
    words = service_in_sentence(service).lower()
    return re.sub(r"\s+(?:assessment|service|services)$", "", words)


def _kpis_named(sentence: str, kpis: Sequence[PlanKPI]) -> list[PlanKPI]:
    """The KPIs of the services a sentence names, else all of ``kpis``."""
    lower = sentence.lower()
    named = [k for k in kpis if k.service and _service_words(k.service) in lower]
    return named or list(kpis)


def _quote(match: re.Match[str]) -> str:
    return f'"...{match.group(0).strip()}"'


def _check_sentence(plan: Plan, sentence: str, actions: Sequence[Action],
                    kpis: Sequence[PlanKPI]) -> Iterator[str]:
    for match in _SLIP_TO_COME.finditer(sentence):
        to = parse_period(match.group("to"))
        for a in _named_action(sentence, actions):
            if a.due_date >= to.first:
                moved = (f" (moved from {long_date(a.original_due_date)})"
                         if a.original_due_date and a.original_due_date != a.due_date else "")
                yield (f"says {_quote(match)}, but action {a.id!r} ({a.title}) is "
                       f"already due {long_date(a.due_date)}{moved}")
    for match in _SLIPPED.finditer(sentence):
        to = parse_period(match.group("to"))
        for a in _named_action(sentence, actions):
            if not to.contains(a.due_date):
                yield (f"says {_quote(match)}, but action {a.id!r} ({a.title}) is "
                       f"due {long_date(a.due_date)}")
            elif match.group("from") and a.original_due_date is not None and not parse_period(
                    match.group("from")).contains(a.original_due_date):
                yield (f"says {_quote(match)}, but action {a.id!r} ({a.title}) was "
                       f"first due {long_date(a.original_due_date)}")
    trajectory = _TRAJECTORY.search(sentence)
    if trajectory:
        named = _kpis_named(sentence, kpis)
        if named and not any(k.trajectory for k in named):
            services = sorted({_service_words(k.service) for k in named if k.service})
            whose = (f"no KPI of {' or '.join(services)} has one" if services and len(
                named) < len(kpis) else "no KPI it can mean has one")
            yield f'names a {trajectory.group(0).lower()} ("{sentence}"), but {whose}'
    for match in _MILESTONE.finditer(sentence):
        when, value = parse_period(match.group("when")), float(match.group("value"))
        if not any(m.value == value and when.contains(m.date)
                   for k in _kpis_named(sentence, kpis) for m in k.trajectory):
            yield (f"says {_quote(match)}, but no KPI has a milestone of "
                   f"{match.group('value')} in {when.words}")
    for match in _TARGET.finditer(sentence):
        when, value = parse_period(match.group("when")), float(match.group("value"))
        if not any(k.target == value and k.target_date is not None and when.contains(
                k.target_date) for k in _kpis_named(sentence, kpis)):
            yield (f"says {_quote(match)}, but no KPI has a target of "
                   f"{match.group('value')} for {when.words}")
    ids = {m.group("id") for m in _ACTION_ID.finditer(sentence)}
    for match in _STATUS.finditer(sentence) if ids else ():
        said = _STATUS_WORDS[match.group("status").lower()]
        for a in actions:
            if a.id in ids and plan.action_status(a) != said:
                yield (f"says {_quote(match)} of action {a.id!r}, but its status at "
                       f"the period end is {plan.action_status(a).replace('_', ' ')}")


def _texts(area: PriorityArea) -> Iterator[tuple[str, str]]:
    for field in ("what_we_will_do", "what_will_be_different", "progress"):
        text = getattr(area, field)
        if text:
            yield field, text


def narrative_problems(plan: Plan) -> list[str]:
    """List sentences of the plan's text that its own data contradict.

    Parameters
    ----------
    plan
        The plan as the pack shows it (:func:`sendreport.plan.plan_as_at`).

    Returns
    -------
    list of str
        One line per contradiction, naming where the text is and what it
        contradicts, in plan order.

    Examples
    --------
    >>> from sendreport.plan import Action, Plan, PlanKPI, PriorityArea
    >>> pathway = Action(id="2.3", title="Launch a single neurodevelopmental pathway",
    ...     owner="o", due_date="2025-06-30", original_due_date="2024-12-31", status="at_risk")
    >>> area = PriorityArea(id="PA2", title="Health", what_we_will_do="w",
    ...     what_will_be_different="d", actions=[pathway],
    ...     kpis=[PlanKPI(id="wait_over_18wk", service="speech_and_language_therapy")],
    ...     progress="The single neurodevelopmental pathway is at risk of slipping to 2025. "
    ...              "Speech and language therapy waits are not yet at the trajectory.")
    >>> plan = Plan(title="p", type="priority_action_plan", priority_areas=[area])
    >>> for line in narrative_problems(plan):
    ...     print(line)  # doctest: +NORMALIZE_WHITESPACE
    priority area 'PA2' progress: says "...at risk of slipping to 2025", but action '2.3'
    (Launch a single neurodevelopmental pathway) is already due 30 June 2025 (moved from
    31 December 2024)
    priority area 'PA2' progress: names a trajectory ("Speech and language therapy waits are
    not yet at the trajectory."), but no KPI it can mean has one
    """
    problems = []
    every_kpi = [k for _, k in plan.kpis]
    every_action = [a for _, a in plan.actions]
    if plan.progress:
        for sentence in _sentences(plan.progress):
            problems += [f"plan progress: {line}" for line in _check_sentence(
                plan, sentence, every_action, every_kpi)]
    for area in plan.priority_areas:
        for field, text in _texts(area):
            for sentence in _sentences(text):
                problems += [f"priority area {area.id!r} {field}: {line}" for line in
                             _check_sentence(plan, sentence, area.actions, area.kpis)]
    return problems

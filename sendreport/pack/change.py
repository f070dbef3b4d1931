"""Material change: the one rule that puts a KPI or service on the verdict page (SPEC 5).

Every KPI and service of ``kpis.csv``, whether or not the plan names it, is
judged against its baseline and its last stocktake. It has changed
materially when its SPC chart shows special cause at the latest month, or
when it moved beyond a stated size (:data:`POINTS` percentage points for a
percentage, :data:`SHARE` of the earlier figure for a count, a wait or any
other unit). A change in the measure's bad direction (each KPI's direction of
improvement: a waiting list growing is worse) is a deterioration; one in its
good direction an improvement. A measure with no direction (requests, plans
issued: demand) is never material; withheld (``c``) and not available
(``x``) figures are never compared. The plan's own action counts (actions
complete, overdue, slipped, not started: :func:`is_action_kpi`) are not
measures of the service: the accountability section reports them, and they
are never a material change.

:func:`judge` is the rule on plain numbers, :func:`material_change` applies it
to one :class:`~sendreport.pack.kpifacts.KPIFact` and :func:`material_changes`
to a whole pack, deteriorations first. :data:`MATERIAL_RULE` is the rule's
text, which Appendix A prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from sendreport.metrics.definitions import KPI_DEFINITIONS, SOURCES
from sendreport.pack.kpifacts import KPIFact
from sendreport.vocabulary import as_printed, format_value, printed_change

if TYPE_CHECKING:
    from sendreport.pack.facts import PackFacts

__all__ = [
    "MATERIAL_RULE",
    "POINTS",
    "SHARE",
    "Change",
    "Side",
    "beyond_size",
    "is_action_kpi",
    "judge",
    "material_change",
    "material_changes",
    "side_of",
]

POINTS = 5.0
"""A percentage has changed materially when it moved by more than this many points."""

SHARE = 0.20
"""A count, a wait or another figure has changed materially when it moved by more than this
share of the earlier figure (from zero, any change is material)."""

SPC_CONCERN = "special_cause_concern"
SPC_IMPROVEMENT = "special_cause_improvement"

MATERIAL_RULE = (
    "Material change: every measure and service in kpis.csv, whether or not the plan names it, "
    "is compared with its baseline and with its last stocktake, each figure as the pack prints "
    "it. It has changed materially when "
    "its SPC chart shows special cause at the latest month, or when it moved by more than "
    f"{POINTS:g} percentage points (percentages) or by more than {SHARE:.0%} of the earlier "
    "figure (counts, waits and other figures; from zero, any rise). A change in the measure's "
    "bad direction (a waiting list or a wait growing, a percentage on time falling) is a "
    "deterioration, in its good direction an improvement; a measure with a deterioration by "
    "either comparison or by its SPC chart is listed as a deterioration. Measures with no "
    "direction of improvement (requests, plans issued) are demand, shown beside the verdict, "
    "never a material change. The plan's own action counts (actions complete, overdue, "
    "slipped and not started) are not measures of the service: the accountability section "
    "reports them, and they are never a material change. The verdict page lists every "
    "material deterioration first, then the material improvements, each with its figures at "
    "the baseline, the last stocktake and now."
)
"""The rule as Appendix A prints it."""


class Side(Enum):
    """Which way a measure moved, in the measure's own direction of improvement."""

    DETERIORATION = "deterioration"
    IMPROVEMENT = "improvement"


def is_action_kpi(kpi_id: str) -> bool:
    """True for a KPI that counts the plan's own actions, which is never a material change.

    Examples
    --------
    >>> is_action_kpi("actions_overdue"), is_action_kpi("wait_list"), is_action_kpi("custom")
    (True, False, False)
    """
    definition = KPI_DEFINITIONS.get(kpi_id)
    return definition is not None and definition.source == SOURCES["plan"]


def side_of(then: float, now: float, improvement: str) -> Side | None:
    """The side ``then -> now`` moved to (``None``: unchanged, or no direction).

    Examples
    --------
    >>> side_of(301, 759, "decrease").value
    'deterioration'
    >>> side_of(4.6, 41.4, "increase").value
    'improvement'
    >>> side_of(1096, 744, "neutral") is None
    True
    """
    if improvement not in ("increase", "decrease") or now == then:
        return None
    up = now > then
    return Side.IMPROVEMENT if up == (improvement == "increase") else Side.DETERIORATION


def beyond_size(then: float, now: float, unit: str) -> bool:
    """True when ``then -> now`` is beyond the stated size for the unit.

    Percentages: more than :data:`POINTS` points; anything else: more than
    :data:`SHARE` of ``then`` (from zero, any change).

    Examples
    --------
    >>> beyond_size(40.0, 45.0, "%"), beyond_size(40.0, 45.1, "%")
    (False, True)
    >>> beyond_size(100, 120, "count"), beyond_size(100, 121, "count"), beyond_size(0, 1, "count")
    (False, True, True)
    >>> beyond_size(31.0, 36.4, "weeks")
    False
    """
    if unit == "%":
        return abs(now - then) > POINTS
    if then == 0:
        return now != 0
    return abs(now - then) > SHARE * abs(then)


def judge(
    now: float,
    against: dict[str, float | None],
    unit: str,
    improvement: str,
    variation: str | None = None,
) -> Side | None:
    """The rule on plain numbers: a material deterioration, improvement, or ``None``.

    Parameters
    ----------
    now
        The latest figure.
    against
        The earlier figures by name (``baseline``, ``last stocktake``); ``None``
        where there is none to compare with (withheld or not available).
    unit, improvement
        The measure's unit and direction of improvement.
    variation
        The SPC point type of the latest month (``None``: no chart).

    Examples
    --------
    >>> judge(759, {"baseline": 301, "last stocktake": 591}, "count", "decrease").value
    'deterioration'
    >>> judge(16.6, {"baseline": 19.3, "last stocktake": 19.3}, "weeks", "decrease") is None
    True
    >>> judge(50.0, {"baseline": 50.0}, "%", "increase", "special_cause_improvement").value
    'improvement'
    >>> judge(10, {"baseline": 1}, "count", "neutral", "special_cause_concern") is None
    True
    """
    if improvement not in ("increase", "decrease"):
        return None
    sides = {side_of(then, now, improvement) for then in against.values()
             if then is not None and beyond_size(then, now, unit)}
    if variation == SPC_CONCERN:
        sides.add(Side.DETERIORATION)
    elif variation == SPC_IMPROVEMENT:
        sides.add(Side.IMPROVEMENT)
    if Side.DETERIORATION in sides:
        return Side.DETERIORATION
    if Side.IMPROVEMENT in sides:
        return Side.IMPROVEMENT
    return None


@dataclass(frozen=True)
class Change:
    """A measure that changed materially, with what the verdict page says of it."""

    fact: KPIFact
    side: Side
    in_plan: bool
    special_cause: bool
    """The SPC chart shows special cause on this side at the latest month."""
    reasons: tuple[str, ...]
    """Each comparison beyond the stated size, in words (``up 152.2% on the baseline``)."""
    size: float
    """The largest move as a share of the earlier figure, for the order of the list."""

    @property
    def name(self) -> str:
        """The measure and service, as every page names them."""
        return self.fact.name

    def figures(self) -> dict[str, str]:
        """The figures the page prints: ``now``, ``last stocktake`` and ``baseline``."""
        f = self.fact
        return {"now": f.latest.shown(), "last stocktake": f.previous.shown(),
                "baseline": f.baseline.shown()}


def _moved(then: float, now: float, unit: str) -> str:
    """``up 152.2%`` or ``down 8.0 percentage points``: the move, as the page words it."""
    word = "up" if now > then else "down"
    moved = abs(printed_change(then, now, unit))
    if unit == "%":
        return f"{word} {format_value(moved, '%')[:-1]} percentage points"
    if then == 0:
        return f"{word} from {format_value(0, unit)}"
    return f"{word} {format_value(moved / abs(then) * 100, '%')}"


def _relative(then: float, now: float) -> float:
    """The move as a share of the earlier figure (from zero: infinite), to order the list."""
    return abs(now - then) / abs(then) if then else float("inf")


def material_change(fact: KPIFact, *, in_plan: bool) -> Change | None:
    """The material change of one KPI's facts, or ``None`` (:func:`judge`).

    Only published figures are compared, each as the page prints it
    (:func:`~sendreport.vocabulary.as_printed`), so the move a page states is
    the move between the figures it prints; the SPC reading is the fact's own
    (:attr:`~sendreport.pack.kpifacts.KPIFact.variation`). A KPI counting the
    plan's own actions is never a material change (:func:`is_action_kpi`).

    Examples
    --------
    >>> from sendreport.pack.kpifacts import kpi_fact
    >>> row = {"value": 759.0, "numerator": 759, "previous": 591.0, "baseline": 301.0,
    ...        "suppressed": False, "reason": ""}
    >>> f = kpi_fact(row, kpi_id="wait_list", service="adhd_assessment",
    ...              name="Waiting list: ADHD assessment", unit="count", improvement="decrease",
    ...              periods={"latest": "2024", "previous": "2024-06", "baseline": "2023"},
    ...              target=None)
    >>> c = material_change(f, in_plan=False)
    >>> c.side.value, c.reasons
    ('deterioration', ('up 152.2% on the baseline', 'up 28.4% since the last stocktake'))
    """
    if not fact.latest.published or is_action_kpi(fact.kpi_id):
        return None
    unit = fact.unit
    now = as_printed(fact.latest.value, unit)
    against = {
        "on the baseline": as_printed(fact.baseline.value, unit)
        if fact.baseline.published else None,
        "since the last stocktake": as_printed(fact.previous.value, unit)
        if fact.previous.published else None,
    }
    side = judge(now, against, fact.unit, fact.improvement, fact.variation)
    if side is None:
        return None
    reasons, sizes = [], [0.0]
    for words, then in against.items():
        if then is None or not beyond_size(then, now, fact.unit):
            continue
        if side_of(then, now, fact.improvement) is side:
            reasons.append(f"{_moved(then, now, fact.unit)} {words}")
            sizes.append(_relative(then, now))
    special = fact.variation == (SPC_CONCERN if side is Side.DETERIORATION else SPC_IMPROVEMENT)
    return Change(fact, side, in_plan, special, tuple(reasons), max(sizes))


def material_changes(pack: PackFacts) -> list[Change]:
    """Every material change of a pack: deteriorations first, then improvements.

    Each KPI and service of the released ``kpis.csv``, plan KPIs by their
    view's facts (the plan's baseline, the scorecard's SPC reading), the
    others by :meth:`~sendreport.pack.facts.PackFacts.any_fact`. Within each
    side a service's measures stay together, the service with the largest
    move (as a share of its earlier figure) first, and its largest move first.
    """
    plan = {}
    for v in pack.views:
        plan.setdefault((v.plan_kpi.id, v.plan_kpi.service or ""), v.fact)
    out = []
    for kpi_id, service in dict.fromkeys(zip(pack.kpis["kpi_id"], pack.kpis["service"],
                                             strict=True)):
        key = (str(kpi_id), str(service or ""))
        fact = plan.get(key) or pack.any_fact(*key)
        change = material_change(fact, in_plan=key in plan)
        if change is not None:
            out.append(change)
    order = {Side.DETERIORATION: 0, Side.IMPROVEMENT: 1}

    def group(c: Change) -> tuple[Side, str]:
        return c.side, c.fact.service or c.fact.kpi_id

    largest: dict[tuple[Side, str], float] = {}
    for c in out:
        largest[group(c)] = max(largest.get(group(c), 0.0), c.size)
    return sorted(out, key=lambda c: (order[c.side], -largest[group(c)], group(c)[1], -c.size,
                                      c.name))

"""Each plan KPI's figures, computed once when the pack is built and frozen.

A :class:`KPIFact` holds every figure the pack prints about one plan KPI (and
service): the latest value, the last stocktake's, the baseline, the target,
the trajectory's planned value now and the England comparator, each a
:class:`Figure` with its :class:`Status` and, when it is not published, why.
It also holds the SPC reading (variation, assurance, or why they are not
assessed) and the :class:`Movement` since the baseline, decided once by
:func:`movement_of`.

The scorecard, the area sections' captions and charts, the verdict, the
headline findings, the families edition and ``kpis.csv`` read these facts; none
works a figure out again or words a status its own way: :data:`SYMBOL` is the
one table of ``c``/``x``/``z``, and :meth:`Figure.shown` the one way a figure
is printed. A contradiction between two pages is then a bug in one place.

This module depends on the tables' number formatter and the disclosure rule's
reasons only, so it can move with the pack's modules unchanged.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Any

from sendreport.disclosure.rule import WithheldReason
from sendreport.metrics.coverage import NotAvailable
from sendreport.tables import format_change
from sendreport.vocabulary import format_value, printed_change

__all__ = [
    "SYMBOL",
    "WORDS",
    "Absent",
    "Figure",
    "KPIFact",
    "Movement",
    "Status",
    "kpi_fact",
    "meets",
    "movement_of",
    "not_available_reason",
    "row_figure",
    "withheld_reason",
]


class Status(Enum):
    """Whether a figure is printed, and if not, which of DfE's symbols stands for it."""

    PUBLISHED = "published"
    WITHHELD = "withheld"
    """Small, or protecting a small figure (SPEC 7): ``c``."""
    NOT_AVAILABLE = "not available"
    """The data do not allow it: ``x``."""
    NOT_APPLICABLE = "not applicable"
    """Nothing to show by design (no target, no national figure exists for the measure): ``z``."""
    NOT_SUPPLIED = "not supplied"
    """A comparator that exists but was not given (no ``benchmarks`` file): ``not supplied``."""


SYMBOL = {Status.WITHHELD: "c", Status.NOT_AVAILABLE: "x", Status.NOT_APPLICABLE: "z",
          Status.NOT_SUPPLIED: "not supplied"}
"""The symbol printed for a figure that is not published (DfE's convention)."""

WORDS = {Status.WITHHELD: "c", Status.NOT_AVAILABLE: "not available",
         Status.NOT_APPLICABLE: "not applicable", Status.NOT_SUPPLIED: "not supplied"}
"""A figure that is not published, said in a sentence or alt text (``c`` is explained by
the key; the words ``not available`` stand for ``x``)."""


class Absent(Enum):
    """Why a figure is not applicable, or not available for want of a plan or params entry.

    Reasons that come from the data (a table's coverage, nothing to measure)
    are :class:`~sendreport.metrics.coverage.NotAvailable` members, with the
    words ``kpis.csv`` gives in :attr:`Figure.reason_text`.
    """

    NO_TARGET = "the plan sets no target"
    NO_TRAJECTORY = "the plan sets no trajectory"
    NO_ENGLAND_FIGURE = "no England figure is published for this measure"
    ENGLAND_NOT_SUPPLIED = (
        "NHS England publishes this measure, but no benchmarks file was given in params"
    )
    PART_YEAR = "the area's data do not cover the whole calendar year"
    ENGLAND_NOT_YET_PUBLISHED = (
        "DfE had published no figure for the measure by the data extract date"
    )
    NO_PREVIOUS_STOCKTAKE = "no previous stocktake given"
    NO_BASELINE = "no baseline in the plan and no baseline period given"
    NO_DIRECTION = "the measure has no direction of improvement"
    NOT_COMPUTED = "not computed"
    NO_DATA = "the data supplied do not allow this measure"


class Movement(Enum):
    """How a KPI moved since its baseline, as every page names it (:func:`movement_of`)."""

    IMPROVED = "improved"
    WORSE = "worse"
    NO_SIGNIFICANT_CHANGE = "no significant change"
    NOT_MEASURABLE = "not measurable against a baseline"


@dataclass(frozen=True)
class Figure:
    """One figure of a KPI: the number, or why it is not shown."""

    value: float | None
    unit: str
    period: str
    """What the figure covers, in words (``2024-07-01 to 2024-12-31``, the plan's label)."""
    status: Status
    reason: WithheldReason | NotAvailable | Absent | None = None
    """Why it is not published: a :class:`WithheldReason` when withheld, a
    :class:`~sendreport.metrics.coverage.NotAvailable` when the data cannot give it, an
    :class:`Absent` when the plan or params leave it out; ``None`` only when
    ``kpis.csv`` says in words of its own (a previous or baseline period not computed)."""
    reason_text: str = ""
    """The reason in words, as ``kpis.csv`` gives it (empty when published)."""
    numerator: float | None = None
    denominator: float | None = None
    comparator: str = ""
    """What it is compared with or who publishes it (``England, 2024``)."""

    @property
    def published(self) -> bool:
        """True when the figure may be printed and counted."""
        return self.status is Status.PUBLISHED

    def said(self) -> str:
        """The figure as a sentence or alt text says it: a number or :data:`WORDS`.

        Examples
        --------
        >>> Figure(None, "%", "2024", Status.NOT_AVAILABLE).said()
        'not available'
        """
        return self.shown() if self.published else WORDS[self.status]

    def shown(self) -> str:
        """The figure as every table and sentence prints it: a number or its symbol.

        Examples
        --------
        >>> Figure(46.25, "%", "2024", Status.PUBLISHED).shown()
        '46.3%'
        >>> Figure(None, "%", "2024", Status.WITHHELD, WithheldReason.SMALL).shown()
        'c'
        """
        if not self.published:
            return SYMBOL[self.status]
        return format_value(self.value, self.unit)


@dataclass(frozen=True)
class KPIFact:
    """Everything the pack says about one plan KPI, computed once."""

    kpi_id: str
    service: str
    name: str
    unit: str
    improvement: str
    latest: Figure
    previous: Figure
    baseline: Figure
    target: Figure
    trajectory: Figure
    england: Figure
    variation: str | None
    """The SPC point type of the latest monthly point (``None``: no SPC chart, or not
    assessed)."""
    assurance: str | None
    change: float | None
    """Latest minus baseline, positive when better (``None`` unless both are published and
    the measure has a direction)."""
    movement: Movement
    not_assessed: str = ""
    """Why the SPC chart's variation and assurance are not assessed, in words (the latest
    point in the period withheld or not available, or a rare-event series:
    :func:`sendreport.spc.reading`); empty when they are, or when there is no SPC chart."""

    @property
    def spc_words(self) -> str:
        """The SPC reading when it is not assessed, as every page says it.

        Examples
        --------
        >>> f = Figure(None, "%", "", Status.NOT_APPLICABLE)
        >>> KPIFact("k", "", "K", "%", "increase", f, f, f, f, f, f, None, None, None,
        ...         Movement.NOT_MEASURABLE,
        ...         not_assessed="the latest month, March 2025, is withheld").spc_words
        'not assessed: the latest month, March 2025, is withheld'
        """
        return f"not assessed: {self.not_assessed}" if self.not_assessed else ""
    england_own: Figure | None = None
    """The area's own figure over the England figure's period (DfE's calendar year), from
    its records: the like-for-like comparison (SPEC 5). ``None``: no England figure."""

    @property
    def since_last(self) -> str:
        """The change since the last stocktake as the scorecard prints it.

        ``c`` when either figure is withheld, ``x`` when either is not available.
        """
        for f in (self.latest, self.previous):
            if f.status is Status.WITHHELD:
                return SYMBOL[Status.WITHHELD]
        for f in (self.latest, self.previous):
            if not f.published:
                return SYMBOL[Status.NOT_AVAILABLE]
        return format_change(printed_change(self.previous.value, self.latest.value, self.unit),
                             self.unit)

    def figures(self) -> dict[str, Figure]:
        """Every figure by name, for checks that go through them all."""
        return {
            "latest": self.latest,
            "previous": self.previous,
            "baseline": self.baseline,
            "target": self.target,
            "trajectory": self.trajectory,
            "england": self.england,
        }


SPC_IMPROVED = "special_cause_improvement"
SPC_WORSE = "special_cause_concern"


def movement_of(change: float | None, variation: str | None) -> Movement:
    """The one rule that names a KPI improved or worse (Appendix A states it).

    A measure with an SPC chart is improved only when its SPC reading is
    special cause improvement and it is better than its baseline, worse only
    when the reading is special cause concern and it is worse than its
    baseline; otherwise there is no significant change, whatever the distance
    from the baseline. A measure without an SPC chart, or whose SPC reading is
    not assessed (``variation`` None: its latest point withheld or not
    available, or a rare-event series), is improved or worse by its latest
    value against its baseline.

    Examples
    --------
    >>> movement_of(36.8, "common_cause").value
    'no significant change'
    >>> movement_of(36.8, "special_cause_improvement").value
    'improved'
    >>> movement_of(-4.0, None).value
    'worse'
    >>> movement_of(None, "special_cause_concern").value
    'not measurable against a baseline'
    """
    if change is None:
        return Movement.NOT_MEASURABLE
    if variation is not None:
        if variation == SPC_IMPROVED and change > 0:
            return Movement.IMPROVED
        if variation == SPC_WORSE and change < 0:
            return Movement.WORSE
        return Movement.NO_SIGNIFICANT_CHANGE
    if change > 0:
        return Movement.IMPROVED
    if change < 0:
        return Movement.WORSE
    return Movement.NO_SIGNIFICANT_CHANGE


def _as_shown(value: float, unit: str) -> Decimal:
    """The number as :func:`~sendreport.vocabulary.format_value` prints it.

    Counts whole, everything else to one decimal place, half away from zero.
    """
    places = 0 if unit == "count" else 1
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places),
                                                rounding=ROUND_HALF_UP)


def meets(value: float, target: float, improvement: str, unit: str) -> bool:
    """True when ``value`` reaches ``target`` in the measure's direction, as both are printed.

    A value equal to its target meets it: the comparison is of the figures
    the page shows, so ``30`` against a target of ``30`` is met however the
    unrounded value falls. The one rule for targets, trajectories and forecasts.

    Examples
    --------
    >>> meets(30.4, 30, "decrease", "count"), meets(30.5, 30, "decrease", "count")
    (True, False)
    >>> meets(59.96, 60, "increase", "%"), meets(59.94, 60, "increase", "%")
    (True, False)
    """
    shown, goal = _as_shown(value, unit), _as_shown(target, unit)
    return shown >= goal if improvement == "increase" else shown <= goal


def _pattern(member: WithheldReason) -> re.Pattern[str]:
    """A member's words with each ``{field}`` (and ``{field:format}``) matching any text."""
    parts = re.split(r"(\{[^}]*\})", member.value)
    return re.compile("".join(".+?" if p.startswith("{") else re.escape(p) for p in parts) + "$")


_WITHHELD = sorted(((m, _pattern(m)) for m in WithheldReason), key=lambda mp: -len(mp[0].value))
"""Each withheld reason's words as a pattern, longest first."""


def withheld_reason(text: str) -> WithheldReason | None:
    """The :class:`WithheldReason` whose words ``text`` is (its ``describe``), else ``None``.

    The release pass writes each reason with :meth:`WithheldReason.describe`;
    this is its inverse, matched against the enum's own templates, so the
    pack's facts hold the member and no page reads the words back.

    Examples
    --------
    >>> withheld_reason("small: from 1 to 4")
    <WithheldReason.SMALL: 'small: from 1 to {top}'>
    >>> withheld_reason("protects a group of 1 to 4 within ehcp_20wk_incl for 2024").name
    'PROTECTS_GROUP'
    >>> withheld_reason("") is None
    True
    """
    return next((member for member, pattern in _WITHHELD if pattern.match(text)), None)


def not_available_reason(text: str) -> NotAvailable | None:
    """The :class:`~sendreport.metrics.coverage.NotAvailable` whose words ``text`` is.

    ``None`` for the words ``kpis.csv`` gives a previous or baseline figure
    that was not computed (``no baseline period given``).

    Examples
    --------
    >>> not_available_reason("needs referrals from April 2021; the data cover from July 2021")
    <NotAvailable.HISTORY_NEEDED: 'needs {table} from {needed:%B %Y}; the data cover from {first:%B %Y}'>
    >>> not_available_reason("no baseline period given") is None
    True
    """  # noqa: E501
    return NotAvailable.from_words(text)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _text(row: Mapping | None, column: str) -> str:
    if row is None or column not in row:
        return ""
    value = row[column]
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _data_figure(
    row: Mapping | None,
    *,
    value: str,
    flag: str,
    reason: str,
    unit: str,
    period: str,
    internal: bool,
    absent: Absent,
    numerator: bool = False,
) -> Figure:
    """A figure of a ``kpis.csv`` row: published, withheld (``flag``) or not available."""
    if row is None:
        return Figure(None, unit, period, Status.NOT_AVAILABLE, absent, absent.value)
    number = _number(row.get(value))
    why = _text(row, reason)
    if bool(_number(row.get(flag)) or False) and not internal:
        return Figure(None, unit, period, Status.WITHHELD, withheld_reason(why), why)
    if number is None:
        if not why:
            return Figure(None, unit, period, Status.NOT_AVAILABLE, absent, absent.value)
        return Figure(None, unit, period, Status.NOT_AVAILABLE, not_available_reason(why), why)
    return Figure(
        number,
        unit,
        period,
        Status.PUBLISHED,
        numerator=_number(row.get("numerator")) if numerator else None,
        denominator=_number(row.get("denominator")) if numerator else None,
    )


def row_figure(row: Mapping | None, *, internal: bool = False, period: str = "",
               count: bool = False) -> Figure:
    """The latest figure of any ``kpis.csv`` row (a service the plan does not name too).

    ``count`` gives the row's numerator as a count instead of its value.

    Examples
    --------
    >>> row_figure({"value": 12.9, "numerator": 114, "unit": "%", "suppressed": False}).shown()
    '12.9%'
    >>> row_figure({"value": 12.9, "numerator": 114, "unit": "%"}, count=True).shown()
    '114'
    >>> row_figure(None).reason is Absent.NO_DATA
    True
    """
    unit = "count" if count else str(row.get("unit", "")) if row is not None else ""
    return _data_figure(row, value="numerator" if count else "value", flag="suppressed",
                        reason="reason", unit=unit, period=period, internal=internal,
                        absent=Absent.NO_DATA, numerator=not count)


def kpi_fact(
    row: Mapping | None,
    *,
    kpi_id: str,
    service: str,
    name: str,
    unit: str,
    improvement: str,
    periods: Mapping[str, str],
    target: float | None,
    target_date: str = "",
    trajectory: float | None = None,
    has_trajectory: bool = False,
    england: tuple[float, int] | Figure | None = None,
    england_own: Figure | None = None,
    variation: str | None = None,
    assurance: str | None = None,
    not_assessed: str = "",
    internal: bool = False,
    plan_baseline: float | None = None,
) -> KPIFact:
    """Build one KPI's facts from its released ``kpis.csv`` row and the plan.

    Parameters
    ----------
    row
        The KPI's row of the released ``kpis.csv`` frame (``None``: no row).
        ``baseline`` there is the plan's baseline, else the KPI over the
        baseline period; withheld figures are already blanked.
    kpi_id, service, name, unit, improvement
        The KPI, its words and which way is better.
    periods
        ``latest``, ``previous`` and ``baseline``: what each figure covers, in words.
    target, target_date
        The plan's target and when it is due (words).
    trajectory, has_trajectory
        The trajectory's planned value at ``period_end``, and whether the plan
        sets a trajectory at all.
    england
        England's figure and its year, for the measures DfE publishes (or the
        :class:`Figure` already made, for a comparator that is not published).
    england_own
        The area's own figure over England's period (SPEC 5: like for like).
    variation, assurance
        The SPC reading (``None``: no SPC chart, not assessed, or no target).
    not_assessed
        Why the SPC reading is not assessed, in words (:attr:`KPIFact.not_assessed`).
    internal
        An internal pack publishes the figures another audience would see withheld.
    plan_baseline
        The plan's own baseline: published as it is when the data give no row.

    Examples
    --------
    >>> row = {"value": 41.4, "numerator": 206, "denominator": 498, "suppressed": False,
    ...        "baseline": None, "baseline_suppressed": True,
    ...        "baseline_reason": "small: from 1 to 4", "previous": 34.4, "reason": ""}
    >>> f = kpi_fact(row, kpi_id="k", service="", name="K", unit="%", improvement="increase",
    ...              periods={"latest": "2024", "previous": "2023", "baseline": "2022"},
    ...              target=60.0, variation="common_cause")
    >>> f.latest.shown(), f.baseline.shown(), f.baseline.reason.name, f.movement.value
    ('41.4%', 'c', 'SMALL', 'not measurable against a baseline')
    >>> f.since_last, f.england.shown(), f.trajectory.shown()
    ('+7.0 pp', 'z', 'z')
    """
    latest = _data_figure(
        row, value="value", flag="suppressed", reason="reason", unit=unit,
        period=periods["latest"], internal=internal, absent=Absent.NO_DATA, numerator=True,
    )
    previous_absent = Absent.NOT_COMPUTED if periods.get("previous") else (
        Absent.NO_PREVIOUS_STOCKTAKE
    )
    previous = _data_figure(
        row, value="previous", flag="previous_suppressed", reason="previous_reason", unit=unit,
        period=periods.get("previous", ""), internal=internal, absent=previous_absent,
    )
    if row is None and previous_absent is Absent.NOT_COMPUTED:
        previous = replace(previous, reason=Absent.NO_DATA, reason_text=Absent.NO_DATA.value)
    if previous_absent is Absent.NO_PREVIOUS_STOCKTAKE and not previous.published:
        previous = Figure(None, unit, "", Status.NOT_APPLICABLE, previous_absent,
                          previous_absent.value)
    baseline = _data_figure(
        row, value="baseline", flag="baseline_suppressed", reason="baseline_reason", unit=unit,
        period=periods.get("baseline", ""), internal=internal, absent=Absent.NO_BASELINE,
    )
    if row is None and plan_baseline is not None:
        baseline = Figure(float(plan_baseline), unit, periods.get("baseline", ""),
                          Status.PUBLISHED)
    if target is None:
        target_figure = Figure(None, unit, "", Status.NOT_APPLICABLE, Absent.NO_TARGET,
                               Absent.NO_TARGET.value)
    else:
        target_figure = Figure(float(target), unit, target_date, Status.PUBLISHED)
    if not has_trajectory or trajectory is None:
        planned = Figure(None, unit, "", Status.NOT_APPLICABLE, Absent.NO_TRAJECTORY,
                         Absent.NO_TRAJECTORY.value)
    else:
        planned = Figure(float(trajectory), unit, periods["latest"], Status.PUBLISHED)
    if isinstance(england, Figure):
        england_figure = england
    elif england is None:
        england_figure = Figure(None, "%", "", Status.NOT_APPLICABLE, Absent.NO_ENGLAND_FIGURE,
                                Absent.NO_ENGLAND_FIGURE.value)
    else:
        england_figure = Figure(float(england[0]), "%", str(england[1]), Status.PUBLISHED,
                                comparator=f"England, {england[1]}")
    change = None
    if latest.published and baseline.published and improvement != "neutral":
        diff = latest.value - baseline.value
        change = diff if improvement == "increase" else -diff
    return KPIFact(
        kpi_id=kpi_id,
        service=service,
        name=name,
        unit=unit,
        improvement=improvement,
        latest=latest,
        previous=previous,
        baseline=baseline,
        target=target_figure,
        trajectory=planned,
        england=england_figure,
        variation=variation,
        assurance=assurance,
        change=change,
        movement=movement_of(change, variation),
        not_assessed=not_assessed,
        england_own=england_own,
    )

"""The verdict: direction, forecast against the targets, worst items, gap to England.

Every sentence comes from the rules in :data:`VERDICT_RULES`, which Appendix A
prints word for word. Figures that are suppressed or not available never count
and are never printed: a KPI whose latest value is either is left out of every
rule, and trends use published points only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sendreport.pack.change import MATERIAL_RULE, Side, material_change, material_changes
from sendreport.pack.facts import KPIFacts, PackFacts
from sendreport.pack.kpifacts import Movement, Status, meets
from sendreport.plan import PriorityArea
from sendreport.vocabulary import as_printed, format_value, printed_change

TREND_MONTHS = 12
"""Months of the monthly series the forecast's straight line is fitted to."""

MANY_AREAS = 4
"""With more priority areas than this, each area's verdict is cut to its single worst item."""

MIN_TREND_POINTS = 6
"""Fewest published months that make a monthly trend."""

VERDICT_RULES = (
    "Baseline: a measure's baseline is the plan's; when the plan gives none, it is the measure "
    "over the baseline period. A baseline that is withheld (c) or not available (x) is shown "
    "as such everywhere and never counted.",
    "Direction: a measure with a baseline is better or worse than it by its "
    "latest value, in the measure's direction of improvement. A plan or area is improving when "
    "more of its measures are better than their baseline than worse and none of them "
    "deteriorated materially (the rule below), getting worse when more are worse, and mixed "
    "otherwise.",
    "Improved and worse: a measure with an SPC chart is called improved only when its SPC "
    "reading at the latest month is special cause improvement and it is better than its "
    "baseline, and worse only when the reading is special cause concern and it is worse than "
    "its baseline; otherwise it shows no significant change, as its chart title and the "
    "scorecard say, however far it is from its baseline. A measure without an SPC chart, or "
    "whose SPC reading is not assessed (its latest point withheld or not available, or a rare "
    "event: at least half its published points 0), is improved or worse by its latest value "
    "against its baseline. Most improved, the worst news "
    "and the worst items name only measures improved or worse by this rule.",
    "Forecast: for each measure with a target and a target date, a straight line is drawn "
    f"through the last {TREND_MONTHS} published months of its monthly series (least squares, "
    f"at least {MIN_TREND_POINTS} months) or, for a measure without one, through its values "
    "at the last stocktake and now (else at the baseline and now), and read at the target "
    "date; the target will be met on the current trend when that reading reaches it. When the "
    "target date has passed, the latest value is compared with the target. Readings stay "
    "within the possible range (0 to 100% for percentages, no negative counts or weeks). "
    "A measure whose SPC chart is assessed at the latest month with an assurance reading that "
    "it will not meet its target (the target beyond its process limits, on the wrong side) is "
    "forecast not to meet it, and one whose reading is that it will consistently meet it is "
    "forecast to meet it, whatever the straight line reads: the forecast and the scorecard's "
    "assurance give one answer. The straight line decides only when the SPC reading is that "
    "the target will be met inconsistently, or there is none. A measure whose latest value is "
    "withheld or not available is not forecast, and the verdict says so.",
    "Worst items: the measures worse by the rule above, furthest from their baseline "
    "relative to the baseline's size (for a baseline of zero, the change itself); when fewer "
    "than two are worse, the measures forecast to miss their target by the "
    "largest share of it follow.",
    "Gap to England: the area's EHC plan 20-week timeliness over a calendar year, computed "
    "from its own records as DfE's SEN2 measure, beside England's figure for the same year, "
    "in percentage points; the year is the latest DfE had published by the data extract date "
    "(DfE publishes a year's figures in June of the next). A gap in points is computed only "
    "between figures of the same months: when the area's figure for that year is withheld or "
    "not available, this period's figure and England's are each given with their own period "
    "and no gap is computed, because the periods differ.",
    MATERIAL_RULE,
    "Figures that are suppressed (c) or not available (x) are never counted, never used in a "
    "trend and never printed.",
)
"""How the verdict and headline findings are written, as Appendix A prints it."""


SPC_ASSURANCE_MEETS = {"consistent_pass": True, "consistent_fail": False}
"""The SPC assurance readings that settle a forecast: whether the target will be met."""


@dataclass(frozen=True)
class Forecast:
    """Where a KPI's current trend reaches by its target date."""

    view: Any
    target: float
    target_date: dt.date
    projected: float
    meets: bool
    method: str
    """``monthly trend``, ``last two stocktakes``, ``baseline and latest``, ``latest`` or
    ``SPC assurance`` (:data:`SPC_ASSURANCE_MEETS`)."""

    @property
    def shortfall(self) -> float:
        """How far short of the target the forecast falls, as a share of the target."""
        if self.method == "SPC assurance":  # the line may reach it: the reading says not
            return 0.0
        gap = abs(self.target - self.projected)
        return 0.0 if self.meets else gap / (abs(self.target) or 1.0)


def available(view: KPIFacts) -> bool:
    """True when the KPI's latest value may be counted and printed (not ``c``, not ``x``)."""
    return view.fact.latest.published


def movement(view: KPIFacts) -> float | None:
    """Signed movement from baseline, positive when better for the KPI's direction.

    ``None`` when the baseline or the latest value is not published (withheld
    or not available) or the KPI has no direction: the fact's
    :attr:`~sendreport.pack.kpifacts.KPIFact.change`.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> movement(NS(fact=NS(change=-63.0)))
    -63.0
    """
    return view.fact.change


def improved(view: KPIFacts) -> bool:
    """True when every page may call the KPI improved (:func:`~.kpifacts.movement_of`)."""
    return view.fact.movement is Movement.IMPROVED


def worse(view: KPIFacts) -> bool:
    """True when every page may call the KPI worse (:func:`~.kpifacts.movement_of`)."""
    return view.fact.movement is Movement.WORSE


def scaled_movement(view: KPIFacts) -> float:
    """Movement relative to the baseline's size, so KPIs of different units can be ranked."""
    m = movement(view) or 0.0
    base = view.fact.baseline
    size = abs(base.value) if base.published else 0.0
    return m / size if size else m


def _clip(value: float, unit: str) -> float:
    if unit == "%":
        return min(max(value, 0.0), 100.0)
    return max(value, 0.0)


def _line(points: list[tuple[dt.date, float]], at: dt.date) -> float:
    """A straight line through dated points (least squares), read at ``at``."""
    x = np.array([d.toordinal() for d, _ in points], dtype=float)
    y = np.array([v for _, v in points], dtype=float)
    slope, intercept = np.polyfit(x, y, 1)
    return float(slope * at.toordinal() + intercept)


def forecast(pack: PackFacts, view: KPIFacts) -> Forecast | None:
    """The KPI's current trend read at its target date (``None``: nothing to forecast).

    Examples of the rule are in :data:`VERDICT_RULES`.
    """
    kpi = view.plan_kpi
    if kpi.target is None or kpi.target_date is None or view.improvement == "neutral":
        return None
    if not available(view):
        return None
    p = pack.params
    f = view.fact
    latest = f.latest.value
    method = "latest"
    projected = latest
    if kpi.target_date > p.period_end:
        points = _monthly_points(pack, view)
        if len(points) >= MIN_TREND_POINTS:
            projected, method = _line(points, kpi.target_date), "monthly trend"
        elif p.previous_period_end and f.previous.published:
            pts = [(p.previous_period_end, f.previous.value), (p.period_end, latest)]
            projected, method = _line(pts, kpi.target_date), "last two stocktakes"
        elif f.baseline.published and p.baseline_period_end:
            pts = [(p.baseline_period_end, f.baseline.value), (p.period_end, latest)]
            projected, method = _line(pts, kpi.target_date), "baseline and latest"
        else:
            return None
        projected = _clip(projected, view.unit)
    met = meets(projected, kpi.target, view.improvement, view.unit)
    settled = SPC_ASSURANCE_MEETS.get(getattr(f, "assurance", None) or "")
    if kpi.target_date > p.period_end and settled is not None and settled != met:
        # one answer per measure: the scorecard's SPC assurance, not the line (VERDICT_RULES)
        met, method = settled, "SPC assurance"
    return Forecast(view, kpi.target, kpi.target_date, projected, met, method)


def _monthly_points(pack: PackFacts, view: KPIFacts) -> list[tuple[dt.date, float]]:
    """The last published months of the KPI's series up to ``period_end``."""
    s = view.series
    if s is None or s.empty:
        return []
    s = s[s["value"].notna()]
    if "suppressed" in s and pack.params.audience != "internal":
        s = s[~s["suppressed"].fillna(False).astype(bool)]
    months = pd.to_datetime(s["month"])
    s = s[months <= pd.Timestamp(pack.params.period_end)]
    s = s.assign(_m=pd.to_datetime(s["month"])).sort_values("_m").tail(TREND_MONTHS)
    return [(m.date(), float(v)) for m, v in zip(s["_m"], s["value"], strict=True)]


def change_phrase(view: KPIFacts) -> str:
    """How a KPI moved since its baseline, in words: ``up 45 since the baseline (to 312)``.

    Only for KPIs with a :func:`movement`.

    Examples
    --------
    >>> from sendreport.pack.kpifacts import Figure, Status
    >>> from types import SimpleNamespace as NS
    >>> view = NS(unit="count", fact=NS(baseline=Figure(243.0, "count", "", Status.PUBLISHED),
    ...                                 latest=Figure(306.0, "count", "", Status.PUBLISHED)))
    >>> change_phrase(view)
    'up 63 or 25.9% since the baseline, to 306'
    """
    base = as_printed(view.fact.baseline.value, view.unit)
    value = view.fact.latest.value
    diff = printed_change(base, value, view.unit)
    word = "up" if diff > 0 else "down"
    if view.unit == "%":
        amount = format_value(abs(diff), "%")[:-1] + " percentage points"
    elif view.unit == "count" and base:
        share = format_value(abs(diff) / abs(base) * 100, "%")
        amount = f"{format_value(abs(diff), 'count')} or {share}"
    else:
        amount = format_value(abs(diff), view.unit)
    if diff == 0:
        return f"unchanged since the baseline at {format_value(value, view.unit)}"
    return f"{word} {amount} since the baseline, to {format_value(value, view.unit)}"


def worst_items(pack: PackFacts, views: list[KPIFacts], n: int = 3) -> list[tuple[KPIFacts, str]]:
    """The worst ``n`` items by the rule of :data:`VERDICT_RULES`, each with why in words."""
    named_worse = sorted((v for v in views if worse(v)), key=scaled_movement)
    out = [(v, change_phrase(v)) for v in named_worse[:n]]
    if len(out) < 2:
        named = {id(v) for v, _ in out}
        misses = [f for f in (forecast(pack, v) for v in views) if f and not f.meets]
        for f in sorted(misses, key=lambda f: f.shortfall, reverse=True):
            if len(out) >= n:
                break
            if id(f.view) not in named:
                out.append((f.view, forecast_phrase(f)))
    return out


def forecast_phrase(f: Forecast) -> str:
    """``on the current trend 38.0% by March 2025 against a target of 60.0%``."""
    unit = f.view.unit
    if f.method == "latest":
        return (
            f"{format_value(f.projected, unit)} against a target of "
            f"{format_value(f.target, unit)} that was due by {f.target_date:%B %Y}"
        )
    if f.method == "SPC assurance":
        return (
            f"its SPC chart's process limits say the target of {format_value(f.target, unit)} "
            f"by {f.target_date:%B %Y} will {'' if f.meets else 'not '}be met"
        )
    return (
        f"on the current trend {format_value(f.projected, unit)} by {f.target_date:%B %Y} "
        f"against a target of {format_value(f.target, unit)}"
    )


def deteriorated(views: list[KPIFacts]) -> list[KPIFacts]:
    """The KPIs that deteriorated materially (:func:`~sendreport.pack.change.material_change`)."""
    out = []
    for v in views:
        change = material_change(v.fact, in_plan=True)
        if change is not None and change.side is Side.DETERIORATION:
            out.append(v)
    return out


def direction(views: list[KPIFacts], *, falling: int = 0) -> tuple[str, int, int, int]:
    """``(word, better, worse, counted)`` for a set of KPIs by the direction rule.

    ``falling`` measures among them deteriorated materially: then none is
    called improving (the word is ``mixed``).

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> direction([NS(fact=NS(change=-63.0))])
    ('getting worse', 0, 1, 1)
    >>> direction([NS(fact=NS(change=5.0)), NS(fact=NS(change=-1.0)), NS(fact=NS(change=2.0))],
    ...           falling=1)[0]
    'mixed'
    >>> direction([])[0]
    'not yet measurable against a baseline'
    """
    moves = [m for m in (movement(v) for v in views) if m is not None]
    better = sum(m > 0 for m in moves)
    worse = sum(m < 0 for m in moves)
    if not moves:
        word = "not yet measurable against a baseline"
    elif better > worse and falling:
        word = "mixed"
    elif better > worse:
        word = "improving"
    elif worse > better:
        word = "getting worse"
    else:
        word = "mixed"
    return word, better, worse, len(moves)


def _period_words(period: str) -> str:
    """``2024-07-01 to 2024-12-31`` as ``1 July 2024 to 31 December 2024`` (else as it is)."""
    from sendreport.vocabulary import long_date

    try:
        start, end = (dt.date.fromisoformat(part) for part in period.split(" to "))
    except ValueError:
        return period
    return f"{long_date(start)} to {long_date(end)}"


def england_gap(views: list[KPIFacts]) -> str | None:
    """The gap to England on EHC plan 20-week timeliness, like for like, in a sentence.

    The area's own figure over the calendar year of England's latest figure
    published by the extract date (SPEC 5), and the gap in points between
    them. When that figure is withheld or not available, the period's figure
    and England's, each with its own period, and no gap: a gap is computed only
    between figures of the same months (:func:`~sendreport.benchmarks.gap_in_points`).
    ``None`` when no England figure is published.
    """
    from sendreport.benchmarks import gap_in_points

    for v in views:
        f = v.fact
        own = f.england_own
        if own is None or not f.england.published:
            continue
        england, year = f.england.value, f.england.period
        england_period = f"calendar year {year}"
        if own.published:
            gap = gap_in_points(own.value, own.period, england, england_period)
            said = f"{format_value(own.value, '%')} in {year} (the area's own records)"
            against = (f"{format_value(england, '%')} for England in {year} "
                       "(DfE's latest published figure)")
        elif f.latest.published:
            why = "withheld" if own.status is Status.WITHHELD else "not available"
            gap = gap_in_points(f.latest.value, f.latest.period, england, england_period)
            if gap is None:
                return (
                    f"{v.name}: {format_value(f.latest.value, '%')} from "
                    f"{_period_words(f.latest.period)}, and "
                    f"{format_value(england, '%')} for England in {england_period} (DfE's "
                    "latest published figure); no gap is computed because the periods "
                    f"differ (the area's own figure for {year} is {why})."
                )
            said = f"{format_value(f.latest.value, '%')} in {england_period}"
            against = f"{format_value(england, '%')} for England in {year}"
        else:
            continue
        if gap is None:
            continue
        side = "above" if gap > 0 else "below"
        words = (
            "level with England"
            if abs(gap) < 0.05
            else f"{format_value(abs(gap), '%')[:-1]} percentage points {side} England"
        )
        return f"{v.name}: {said} against {against}, {words}."
    return None


def unpublished_words(views: list[KPIFacts]) -> str:
    """Why measures are not counted: ``the latest figure of A is withheld (c)`` (empty: none).

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> from sendreport.pack.kpifacts import Figure
    >>> c = Figure(None, "%", "", Status.WITHHELD)
    >>> unpublished_words([NS(name="Decisions within 6 weeks", fact=NS(latest=c))])
    'the latest figure of Decisions within 6 weeks is withheld (c)'
    """
    said = {Status.WITHHELD: "withheld (c)", Status.NOT_AVAILABLE: "not available (x)"}
    out = []
    for status, words in said.items():
        hit = [v.name for v in views if v.fact.latest.status is status]
        if hit:
            verb = "is" if len(hit) == 1 else "are"
            out.append(f"{names(hit)} {verb} {words}")
    if not out:
        return ""
    return ("the latest figure" + ("s" if len(views) > 1 else "") + " of " + "; ".join(out))


def targets_not_forecast(views: list[KPIFacts]) -> list[KPIFacts]:
    """Measures with a target and date left unforecast: their latest value is not published."""
    return [v for v in views
            if v.plan_kpi.target is not None and v.plan_kpi.target_date is not None
            and v.improvement != "neutral" and not available(v)]


def names(items) -> str:
    """Names in a list a sentence reads: ``A``, ``A and B``, ``A, B and C``.

    Every name is given: a forecast or a count names each measure it counts.

    Examples
    --------
    >>> names(["A", "B", "C"]), names(["A"]), names([])
    ('A, B and C', 'A', '')
    """
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if (
        items) else ""


def verdict_text(
    pack: PackFacts, views: list[KPIFacts], *, whole_plan: bool, worst: int = 2, gap: bool = True
) -> list[str]:
    """The verdict's sentences for the whole plan or one area, by :data:`VERDICT_RULES`.

    ``worst`` items are named for an area (three for the whole plan); ``gap``
    says whether the gap to England is repeated.
    """
    subject = "The plan" if whole_plan else "This area"
    falling = deteriorated(views)
    word, better, worse, counted = direction(views, falling=len(falling))
    out = []
    if counted:
        but = ""
        if falling and better > worse:
            but = f", but {names(v.name for v in falling)} deteriorated materially"
        out.append(
            f"{subject} is {word}: {better} of {counted} measures with a baseline are better "
            f"than it and {worse} worse{but}."
        )
    else:
        hidden = [v for v in views if v.fact.baseline.published and not available(v)]
        if hidden:
            out.append(f"{subject} cannot be measured against its baseline this period: "
                       f"{unpublished_words(hidden)}.")
        else:
            out.append(f"{subject} is {word}.")
    forecasts = [f for f in (forecast(pack, v) for v in views) if f is not None]
    if forecasts:
        end = max(f.target_date for f in forecasts)
        met = [f for f in forecasts if f.meets]
        missed = [f for f in forecasts if not f.meets]
        if not missed:
            out.append(
                f"On the current trend it will meet all {len(forecasts)} of its targets "
                f"due by {end:%B %Y}: {names(f.view.name for f in met)}."
            )
        elif not met:
            out.append(
                f"It will not meet its targets due by {end:%B %Y} without change: on the "
                f"current trend none of the {len(forecasts)} is met: "
                f"{names(f.view.name for f in missed)}."
            )
        else:
            out.append(
                f"It will not meet its targets due by {end:%B %Y} without change: on the "
                f"current trend {len(met)} of {len(forecasts)} will be met: "
                f"{names(f.view.name for f in met)}; {len(missed)} will not: "
                f"{names(f.view.name for f in missed)}."
            )
    elif targets_not_forecast(views):
        hidden = targets_not_forecast(views)
        out.append(f"No target can be forecast: {unpublished_words(hidden)}.")
    else:
        out.append("No measure here has a target and date to forecast against.")
    items = worst_items(pack, views, n=3 if whole_plan else worst)
    if items:
        label = "The worst items are: " if len(items) > 1 else "The worst item is "
        out.append(label + "; ".join(f"{v.name}, {why}" for v, why in items) + ".")
    england = england_gap(views) if gap else None
    if england:
        out.append(england)
    return out


def verdict(pack: PackFacts) -> dict[str, Any]:
    """The verdict for the whole plan and each priority area, as data for the template."""
    areas = []
    many = len(pack.plan.priority_areas) > MANY_AREAS
    for area in pack.plan.priority_areas:
        views = pack.views_for(area)
        sentences = []
        if views:
            # with many areas, each names its single worst item; England's gap is the plan's
            sentences = verdict_text(
                pack, views, whole_plan=False, worst=1 if many else 2, gap=not many
            )
        areas.append(
            {
                "area": area,
                "sentences": sentences,
                "commentary": area.progress or "",
            }
        )
    return {
        "plan": verdict_text(pack, list(pack.views), whole_plan=True) + material_sentences(pack),
        "commentary": getattr(pack.plan, "progress", None) or "",
        "areas": areas,
    }


def material_sentences(pack: PackFacts) -> list[str]:
    """How many measures changed materially, in the plan or not (the tables follow).

    Examples of the rule are in :mod:`sendreport.pack.change`.
    """
    changes = material_changes(pack)
    worse = [c for c in changes if c.side is Side.DETERIORATION]
    better = len(changes) - len(worse)
    if not worse:
        return [f"No measure or service has deteriorated materially; {better} improved materially."]
    outside = [c for c in worse if not c.in_plan]
    named = "; ".join(
        f"{c.name}, {c.figures()['baseline']} at baseline, {c.figures()['last stocktake']} at "
        "the last stocktake and " + c.figures()["now"] + " now"
        for c in worse[:2]
    )
    count = f"{len(worse)} measure{'s' if len(worse) != 1 else ''}"
    return [
        f"{count} deteriorated materially ({len(outside)} not named by the plan) and {better} "
        f"improved materially, as listed below; the largest: {named}."
    ]


def area_word(pack: PackFacts, area: PriorityArea) -> str:
    """Progress in a word for one area: Improving, Worse, Mixed, Not measurable or Too early."""
    views = pack.views_for(area)
    word = direction(views, falling=len(deteriorated(views)))[0]
    if word not in ("improving", "getting worse", "mixed") and any(
            v.fact.baseline.published and not available(v) for v in views):
        return "Not measurable"  # a baseline to measure against, its latest figure hidden
    return {
        "improving": "Improving",
        "getting worse": "Worse",
        "mixed": "Mixed",
    }.get(word, "Too early")

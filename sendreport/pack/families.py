"""The families edition: what the plan is for and how it is going, in plain English.

A short document (REPORT.md, "The families edition") written by rules from the
same figures as the technical pack: for each priority area, what has got better
and what has not since the plan started, what that means for families, what
happens next and where to get help. Figures that are suppressed or not
available are never used; there is no scorecard, SPC, code or hash. The
sentences are short on purpose: the text is meant for a reading age of about
11 (the tests measure it). Every target of the plan gets a sentence on where it
stands, with or without a trajectory; each service's wait is said by one
measure, with what it means; numbers are whole; jargon and acronyms follow the
plain-English list of :mod:`sendreport.pack.plain_words`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sendreport.disclosure.rule import is_small
from sendreport.pack.facts import KPIFacts, PackFacts
from sendreport.pack.kpifacts import Status, meets
from sendreport.pack.plain_words import plain, spell_out
from sendreport.pack.verdict import forecast
from sendreport.vocabulary import (
    format_value,
    is_missing,
    long_date,
    read_long_date,
    service_in_sentence,
)

PHRASES = {
    "ehcp_20wk_excl": "The share of new EHC plans ready within 20 weeks",
    "ehcp_20wk_incl": "The share of new EHC plans ready within 20 weeks",
    "ehcp_20_52wk_excl": "The share of new EHC plans that took 20 to 52 weeks",
    "ehcp_over_52wk_excl": "The share of new EHC plans that took more than a year",
    "ehcp_mean_weeks_excl": "The average time to get a new EHC plan",
    "ehcp_issued": "The number of new EHC plans",
    "ehcp_requests": "The number of requests for an EHC plan",
    "ehcp_decision_6wk": (
        "The share of families told within 6 weeks if their child will be assessed"
    ),
    "ehcp_open_over_20wk": (
        "The number of families still waiting for an answer 20 weeks after asking for an "
        "EHC plan"
    ),
    "ar_decision_4wk": "The share of yearly reviews with a decision sent within 4 weeks",
    "ar_meeting_on_time": "The share of yearly reviews held on time",
    "ar_overdue": "The number of yearly reviews that are late",
    "wait_list": "The number of referrals waiting for {service}",
    "wait_children": "The number of children waiting for {service}",
    "wait_over_18wk": "The share of referrals waiting more than 18 weeks for {service}",
    "wait_over_52wk": "The share of referrals waiting more than a year for {service}",
    "wait_over_18wk_count": "The number of referrals waiting more than 18 weeks for {service}",
    "wait_over_52wk_count": "The number of referrals waiting more than a year for {service}",
    "wait_median_open_weeks": "The wait for {service}",
    "wait_median_seen_weeks": "The wait for {service}",
    "wait_p92_seen_weeks": "The longest wait for {service}",
    "autism_13wk": "The share of autism assessments started within 13 weeks",
}
"""Plain words for each KPI, as the subject of a sentence (``{service}`` in words)."""

WAIT_KPIS = (
    "wait_list",
    "wait_children",
    "wait_over_18wk",
    "wait_over_52wk",
    "wait_over_18wk_count",
    "wait_over_52wk_count",
    "wait_median_open_weeks",
    "wait_median_seen_weeks",
    "wait_p92_seen_weeks",
    "autism_13wk",
)

WAIT_WEEKS = {
    "wait_median_open_weeks": "Half of the children still waiting have waited longer than "
    "this so far.",
    "wait_median_seen_weeks": "Half of the children seen {period} had waited longer than this.",
    "wait_p92_seen_weeks": "Only 8 in every 100 children seen {period} had waited longer "
    "than this.",
}
"""The measures of how long a wait is, each with what it means; one is said per service."""

SEEN_WAIT = "wait_median_seen_weeks"
"""The wait said for a service whose plan measures none of :data:`WAIT_WEEKS`."""

AUTISM_SERVICE = {"autism_13wk": "autism_assessment"}
"""KPIs about one service that carry no ``service`` of their own."""

MEANS = {
    "ehcp": "If you ask for an EHC plan for your child, it may still take longer than it should.",
    "ar": "If your child has an EHC plan, their yearly review may be late. Changes after the "
    "review may also take a long time.",
    "family_voice": "Some parents and carers still tell us that things are not good enough.",
}
"""What bad news in each family of measures means for a family."""


@dataclass(frozen=True)
class News:
    """One measure's change since the plan started, in plain words."""

    sentence: str
    better: bool
    size: float
    kind: str
    service: str
    target: bool = False
    """The measure has a target in the plan: its sentence says where it stands against it."""


def whole(value: float, unit: str) -> str:
    """A figure as the families edition says it: a whole number, never a decimal.

    Percentages between 0 and 1, or between 99 and 100, are said as such
    rather than rounded to 0% or 100%.

    Examples
    --------
    >>> whole(41.45, "%"), whole(0.3, "%"), whole(99.7, "%"), whole(0.0, "%")
    ('41%', 'less than 1%', 'more than 99%', '0%')
    >>> whole(28.5, "weeks"), whole(1.2, "weeks"), whole(1234.0, "count")
    ('29 weeks', '1 week', '1,234')
    """
    if unit == "%" and 0 < value < 0.5:
        return "less than 1%"
    if unit == "%" and 99.5 <= value < 100:
        return "more than 99%"
    n = int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if unit == "%":
        return f"{n}%"
    if unit == "weeks":
        return "1 week" if n == 1 else f"{n} weeks"
    if unit == "count":
        return f"{n:,}"
    return f"{n} {unit}"


def service_plain(service: str) -> str:
    """A service code in plain words, for the middle of a sentence.

    Examples
    --------
    >>> service_plain("adhd_assessment")
    'ADHD assessment'
    >>> service_plain("community_paediatrics")
    "children's doctors (community paediatrics)"
    """
    if service == "community_paediatrics":
        return "children's doctors (community paediatrics)"
    return service_in_sentence(service)


def _subject(pack: PackFacts, view: KPIFacts) -> str:
    kpi_id, service = view.plan_kpi.id, view.plan_kpi.service or ""
    if kpi_id in PHRASES:
        return PHRASES[kpi_id].format(service=service_plain(service))
    title = plain(pack.measure_titles.get(kpi_id, (view.name, "", ""))[0])
    if kpi_id in pack.family_voice and view.unit == "%":
        return f'The share of parents and carers who said "{title}"'
    return f'The figure for "{title}"'


def _kind(kpi_id: str, pack: PackFacts) -> str:
    if kpi_id in WAIT_KPIS or kpi_id in WAIT_WEEKS:
        return "wait"
    if kpi_id.startswith("ar_"):
        return "ar"
    if kpi_id.startswith("ehcp_"):
        return "ehcp"
    # only what families told us (SPEC 4.5 kind: family_voice) is "parents and carers tell us"
    return "family_voice" if kpi_id in pack.family_voice else "other"


def _wait_meaning(pack: PackFacts, kpi_id: str) -> str:
    """What a wait in weeks means, for the sentence after its figure (empty for other KPIs)."""
    period = _period_words(pack.params.period_start, pack.params.period_end)
    return WAIT_WEEKS.get(kpi_id, "").format(period=f"from {period}")


def news(pack: PackFacts, view: KPIFacts) -> News | None:
    """What changed for one plan KPI since its baseline, or ``None`` when it cannot be said.

    Nothing is said about a measure that is suppressed, not available, has no
    baseline or no direction: only figures the pack can show are used. A
    measure with a target says where it stands against it (:func:`aim`).
    """
    f = view.fact
    if f.change is None:  # a figure withheld or not available, or no direction
        return None
    now, then = whole(f.latest.value, view.unit), whole(f.baseline.value, view.unit)
    change = f.latest.value - f.baseline.value
    sign = 1 if view.improvement == "increase" else -1
    better = now != then and sign * change > 0
    subject = _subject(pack, view)
    if now == then:  # the same as printed: no change a reader could see
        verb = "has not changed"
    elif better:
        verb = "has got better"
    else:
        verb = "has got worse"
    when = baseline_when(f.baseline.period, getattr(pack.plan, "start_date", None))
    sentence = f"{subject} {verb}. It is now {now}. It was {then} {when}."
    meaning = _wait_meaning(pack, view.plan_kpi.id)
    if meaning:
        sentence += f" {meaning}"
    targeted = has_target(view)
    if targeted:
        sentence += f" {aim(pack, view)}"
    scale = max(abs(f.baseline.value), 1.0)
    return News(
        sentence=sentence,
        better=better,
        size=abs(change) / scale,
        kind=_kind(view.plan_kpi.id, pack),
        service=view.plan_kpi.service or AUTISM_SERVICE.get(view.plan_kpi.id, ""),
        target=targeted,
    )


def has_target(view: KPIFacts) -> bool:
    """True when the plan gives the KPI a target (and a date to reach it)."""
    return view.plan_kpi.target is not None and view.plan_kpi.target_date is not None


LONG_WAY = 0.5
"""A target forecast to be missed is "a long way behind" when less than this share of the
way from the baseline to it has been covered (or the measure has moved away from it)."""


def aim(pack: PackFacts, view: KPIFacts) -> str:
    """The plan's target for a KPI and where it stands against it, in plain words.

    Said for every target, with or without a trajectory: reached; behind or
    on the trajectory the plan set; else by the pack's forecast
    (:func:`sendreport.pack.verdict.forecast`): on course, behind, or a long way
    behind (moved away from the target since the plan started, or less than
    :data:`LONG_WAY` of the way there and forecast to miss).
    """
    k, f = view.plan_kpi, view.fact
    target = whole(k.target, view.unit)
    ended = k.target_date <= pack.params.period_end
    want = (
        f"We wanted it to be {target} by {k.target_date:%B %Y}."
        if ended
        else f"We want it to be {target} by {k.target_date:%B %Y}."
    )
    if not f.latest.published:
        if f.latest.status is Status.WITHHELD:
            return f"{want} We cannot give the figure now, because it is about very few children."
        return f"{want} We cannot give a figure for it yet."
    if view.improvement == "neutral":  # no better or worse: where it stands is its figure
        return f"{want} It is now {whole(f.latest.value, view.unit)}."
    if meets(f.latest.value, k.target, view.improvement, view.unit):  # the pack's one rule
        return f"{want} We have reached it."
    if ended:
        return f"{want} We did not reach it in time."
    far = _long_way(view)
    trajectory = pack.on_trajectory(view)
    if trajectory == "on trajectory":
        return f"{want} So far we are where we planned to be."
    if trajectory == "off trajectory":
        behind = "We are a long way behind where we planned to be by now." if far else (
            "We are behind where we planned to be by now."
        )
        return f"{want} {behind}"
    course = forecast(pack, view)
    if course is not None and course.meets:
        return f"{want} If things go on as they are, we should reach it."
    if far:
        return f"{want} We are a long way behind."
    if course is not None:
        return f"{want} We are behind. If things go on as they are, we will not reach it in time."
    return f"{want} We cannot yet say if we will reach it."


def _long_way(view: KPIFacts) -> bool:
    """Moved away from the target since the baseline, or covered less than :data:`LONG_WAY`."""
    f, target = view.fact, view.plan_kpi.target
    if not (f.baseline.published and f.latest.published):
        return False
    if target == f.baseline.value:  # to hold a figure: any move is away from it
        return f.latest.value != target
    covered = (f.latest.value - f.baseline.value) / (target - f.baseline.value)
    return covered < LONG_WAY


def aim_only(pack: PackFacts, view: KPIFacts) -> str:
    """A target whose KPI has no change to tell (no baseline, or no figure): the target alone."""
    subject = _subject(pack, view)
    return f"{subject}. {aim(pack, view)}"


LIST_GROWTH = 0.10
"""A waiting list this much longer than at the last stocktake is bad news, plan KPI or not."""


def list_growth(pack: PackFacts, named: set[str]) -> list[News]:
    """Waiting lists that grew by :data:`LIST_GROWTH` or more since the last stocktake.

    Every service in the data, not only those the plan names (``named`` are
    left out: the plan's own measures say them). Suppressed figures are never used.
    """
    if pack.params.previous_period_end is None:
        return []
    out = []
    for service in pack.wait_services():
        # children where the pack counts them; else the list, which counts referrals
        kpi = "wait_children"
        row = pack.kpi_row(kpi, service)
        if row is None or bool(row.get("suppressed")) or is_missing(row.get("previous")):
            kpi, row = "wait_list", pack.kpi_row("wait_list", service)
        if service in named or row is None or bool(row.get("suppressed")):
            continue
        now, before = row["value"], row["previous"]
        if is_missing(now) or is_missing(before) or float(before) <= 0:
            continue
        if is_small(float(before), pack.params.suppression_threshold):
            continue  # a small previous count is not shown
        growth = float(now) / float(before) - 1
        if growth < LIST_GROWTH:
            continue
        who = ("children are" if kpi == "wait_children"
               else "referrals (children sent to be seen) are")
        sentence = (
            f"More {who} waiting for {service_plain(service)}. "
            f"There are now {format_value(now, 'count')}. "
            f"There were {format_value(before, 'count')} at the last check, "
            f"{pack.params.previous_period_end:%B %Y}."
        )
        out.append(News(sentence, False, growth, "wait", service))
    return out


def wait_measures(pack: PackFacts) -> dict[str, str]:
    """The one measure of how long the wait is that the edition says for each service.

    The plan's own (the first of :data:`WAIT_WEEKS` it names for the service,
    so that its target and its figure agree), else :data:`SEEN_WAIT`.
    """
    chosen: dict[str, str] = {}
    for view in pack.views:
        k = view.plan_kpi
        if k.id in WAIT_WEEKS and k.service:
            chosen.setdefault(k.service, k.id)
    return {s: chosen.get(s, SEEN_WAIT) for s in pack.wait_services()} | chosen


def _means(pack: PackFacts, bad: list[News], waits: dict[str, str]) -> list[str]:
    out: list[str] = []
    kinds = dict.fromkeys(n.kind for n in bad)
    for kind in kinds:
        if kind in MEANS:
            out.append(MEANS[kind])
    services = list(dict.fromkeys(n.service for n in bad if n.kind == "wait" and n.service))
    p = pack.params
    for service in services[:3]:
        words = service_plain(service)
        out.append(f"If your child is waiting for {words}, the wait may still be long.")
        if waits.get(service, SEEN_WAIT) != SEEN_WAIT:
            continue  # the plan's own wait measure for the service is said with its news
        seen = pack.kpi_figure(SEEN_WAIT, service)
        if seen.published:
            out.append(
                f"Half of the children seen for {words} from "
                f"{_period_words(p.period_start, p.period_end)} had waited longer than "
                f"{whole(seen.value, 'weeks')}."
            )
    return out


COMPACT_AFTER = 6
"""With more priority areas than this, each gets one short block (no sub-headings)."""


def _all_means(areas: list[dict]) -> list[str]:
    """What the news means, once each, across every area (the compact layout)."""
    said = [m for a in areas if a["worse"] for m in a["means"]]
    out = list(dict.fromkeys(said))[:6]
    return out or ["Things are getting better in every part of the plan we can measure."]


def items_per_area(areas: int) -> int:
    """How many good (and bad) items without a target each priority area gets.

    Every measure with a target is said; the others are cut to this many so
    the edition stays short.

    Examples
    --------
    >>> [items_per_area(n) for n in (2, 5, 12)]
    [3, 2, 1]
    """
    if areas <= 3:
        return 3
    return 2 if areas <= 6 else 1


_ISO_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})$")
_MONTH_RANGE = re.compile(r"^([A-Z][a-z]+ \d{4}) to ([A-Z][a-z]+ \d{4})$")
_DAY = re.compile(r"^\d{1,2} [A-Z][a-z]+ \d{4}$")


def baseline_when(period: str, plan_start: dt.date | None = None) -> str:
    """When a baseline was measured, in the words after "It was 5%": its own period.

    A baseline is often measured before the plan starts (the year before it),
    so "when the plan started" would be wrong: the sentence names the period.
    A period that ends before ``plan_start`` adds "before the plan started".

    Examples
    --------
    >>> baseline_when("2022-04-01 to 2023-03-31", dt.date(2023, 6, 1))
    'from April 2022 to March 2023, before the plan started'
    >>> baseline_when("April 2022 to March 2023")
    'from April 2022 to March 2023'
    >>> baseline_when("31 March 2023", dt.date(2023, 3, 31))
    'on 31 March 2023'
    >>> baseline_when("March 2023", dt.date(2023, 6, 1))
    'in March 2023, before the plan started'
    >>> baseline_when("Spring term 2023 parent carer survey")
    'in the Spring term 2023 parent carer survey'
    >>> baseline_when("2022-23")
    'in 2022-23'
    >>> baseline_when("the plan's baseline")
    "at the plan's starting point"
    """
    text = (period or "").strip()
    end: dt.date | None = None
    if m := _ISO_RANGE.match(text):
        start, end = (dt.date.fromisoformat(part) for part in m.groups())
        when = f"from {start:%B %Y} to {end:%B %Y}"
    elif (m := _MONTH_RANGE.match(text)) and _month(m.group(1)) and _month(m.group(2)):
        when, end = f"from {text}", _month_end(_month(m.group(2)))
    elif _DAY.match(text) and read_long_date(text):
        when, end = f"on {text}", read_long_date(text)
    elif _month(text):
        when, end = f"in {text}", _month_end(_month(text))
    elif not text or re.search(r"\bbaseline\b", text, re.I):
        return "at the plan's starting point"
    elif text[0].isdigit() or text.lower().startswith("the "):
        when = f"in {text}"
    else:  # a survey or audit, named as the plan names it
        when = f"in the {text}"
    if end is not None and plan_start is not None and end < plan_start:
        when += ", before the plan started"
    return when


def _month(text: str, form: str = "%B %Y") -> dt.date | None:
    """The date ``text`` names in ``form`` (``March 2023``: its first day; ``None``: not one)."""
    try:
        return dt.datetime.strptime(text, form).date()
    except ValueError:
        return None


def _month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month (a month period ends at its month's end)."""
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _months(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _period_words(start: dt.date, end: dt.date) -> str:
    if start.year == end.year:
        return f"{start:%B} to {end:%B %Y}"
    return f"{start:%B %Y} to {end:%B %Y}"


def title(pack: PackFacts) -> str:
    """The edition's own title.

    Examples
    --------
    >>> from types import SimpleNamespace as N
    >>> title(N(params=N(area_name="Demoshire")))
    'Demoshire: how our SEND plan is going'
    """
    return f"{pack.params.area_name}: how our SEND plan is going"


def area_heading(number: int, title_text: str) -> str:
    """A priority area's heading: our label, then the plan's title in plain words, one colon.

    Examples
    --------
    >>> area_heading(1, "Identify and assess needs: timely EHC plans and annual reviews")
    'Part 1 of the plan: Identify and assess needs \u2013 timely EHC plans and yearly reviews'
    """
    words = re.sub(r"\s*:\s*", " \N{EN DASH} ", plain(title_text))
    return f"Part {number} of the plan: {words}"


def _picked(items: list[News], better: bool, each: int) -> list[News]:
    """Every item with a target, and the biggest others up to ``each``, biggest first."""
    side = sorted((n for n in items if n.better == better), key=lambda n: -n.size)
    others = [n for n in side if not n.target][:each]
    return [n for n in side if n.target or n in others]


def _next(pack: PackFacts) -> list[str]:
    p = pack.params
    months = _months(p.period_start, p.period_end)
    when = (
        f"Our next update will come out by {long_date(p.next_update)}. "
        "It will tell you what has changed."
        if p.next_update is not None
        else "We will tell you what has changed in the next update."
    )
    return [
        f"We check how the plan is going every {months} months. {when}",
        "We leave out figures about very few children, so that no child can be "
        "picked out.",
    ]


def _partners(pack: PackFacts) -> str:
    """Who wrote the plan, in plain words, to start a sentence.

    An NHS body's name becomes "the NHS in our area" (:mod:`~sendreport.pack.plain_words`).
    """
    names = [plain(name) for name in pack.plan.partners]
    names = [n[:1].lower() + n[1:] if n.startswith("The NHS") else n for n in names]
    if not names:
        return f"The council and the NHS in {pack.params.area_name}"
    words = " and ".join(dict.fromkeys(names))
    return words[:1].upper() + words[1:]


def families_edition(pack: PackFacts) -> dict[str, Any]:
    """Everything the families edition says, as plain data for ``families.html.j2``."""
    p, plan = pack.params, pack.plan
    period = _period_words(p.period_start, p.period_end)
    partners = _partners(pack)
    intro = [
        "SEND means special educational needs and disabilities. The NHS is the National "
        "Health Service.",
    ]
    if plan.inspection_date:
        intro.append(
            f"In {plan.inspection_date:%B %Y}, inspectors looked at how well {p.area_name} helps "
            "children and young people with SEND. They found things that must get better."
        )
    intro.append(
        f"{partners} wrote a plan to put things right. This is a short update on how the "
        f"plan is going. It covers {period}."
    )
    intro.append(
        "Some children have an EHC plan. It says what help a child needs at school, "
        "for their health and for their care."
    )
    areas, growth_said = [], False
    waits = wait_measures(pack)
    each = items_per_area(len(plan.priority_areas))
    for number, area in enumerate(plan.priority_areas, start=1):
        views = pack.views_for(area)
        said = [(v, news(pack, v)) for v in views]
        items = [n for _, n in said if n is not None]
        if not growth_said and any(v.plan_kpi.id in WAIT_KPIS for v in views):
            growth_said = True  # the plan's own waiting lists are said in their own parts
            named = {v.plan_kpi.service for v in pack.views if v.plan_kpi.id == "wait_list"}
            items += list_growth(pack, {s for s in named if s})
        good, bad = _picked(items, True, each), _picked(items, False, each)
        means = _means(pack, bad, waits)[: 2 * each]
        if not bad:
            means = ["Things are getting better in this part of the plan. We must keep it so."]
        areas.append(
            {
                "heading": area_heading(number, area.title),
                "better": [n.sentence for n in good],
                "worse": [n.sentence for n in bad],
                "means": means,
                # every target the news above does not say
                "targets": [aim_only(pack, v) for v, n in said if n is None and has_target(v)],
            }
        )
    edition = {
        "title": title(pack),
        "subtitle": f"An update for children, young people and families, {period}",
        "marking": p.classification,
        "intro": intro,
        "areas": areas,
        "compact": len(areas) > COMPACT_AFTER,
        "means": _all_means(areas),
        "next": _next(pack),
        "help": [
            f"The {p.area_name} local offer lists the help and services for children and "
            "young people with SEND. You can find it on the council's website.",
            "Your local parent carer forum is a group of parents and carers. They work with "
            "the council and the NHS to make services better. You can join them and tell "
            "them what you think.",
            "The SENDIASS gives free advice to children, young people and families. It does "
            "not take sides.",
            "You can also talk to your child's school, nursery or college, or to the person "
            "who looks after your child's EHC plan.",
        ],
        "contacts": [{"name": c.name, "contact": c.contact} for c in p.contacts],
    }
    _spell_out_in_order(edition, names=(p.area_name,))
    return edition


def _spell_out_in_order(edition: dict[str, Any], names: tuple[str, ...]) -> None:
    """Spell out each acronym at its first use, in the order the template prints the edition."""
    slots: list[tuple[Any, Any]] = [(edition["intro"], i) for i in range(len(edition["intro"]))]
    keys = ("better", "worse", "targets") if edition["compact"] else (
        "better", "worse", "means", "targets"
    )
    for area in edition["areas"]:
        slots.append((area, "heading"))
        slots += [(area[k], i) for k in keys for i in range(len(area[k]))]
    if edition["compact"]:
        slots += [(edition["means"], i) for i in range(len(edition["means"]))]
    slots += [(edition["next"], i) for i in range(len(edition["next"]))]
    slots += [(edition["help"], i) for i in range(len(edition["help"]))]
    slots += [(c, "name") for c in edition["contacts"]]
    texts = [holder[key] for holder, key in slots]
    spell_out(texts, names)
    for (holder, key), text in zip(slots, texts, strict=True):
        holder[key] = text

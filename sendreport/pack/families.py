"""The families edition: what the plan is for and how it is going, in plain English.

A short document (REPORT.md, "The families edition") written by rules from the
same figures as the technical pack: for each priority area, what has got better
and what has not since the plan started, what that means for families, what
happens next and where to get help. Figures that are suppressed or not
available are never used; there is no scorecard, SPC, code or hash. The
sentences are short on purpose: the text is meant for a reading age of about
11 (the tests measure it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sendreport.disclosure.rule import is_small
from sendreport.pack.facts import KPIFacts, PackFacts
from sendreport.vocabulary import format_value, is_missing, service_in_sentence

EHC_FIRST_USE = "education, health and care plan (EHC plan)"
"""How "EHC plan" is spelt out the first time the edition uses it."""

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
    "ehcp_open_over_20wk": "The number of requests still open after 20 weeks",
    "ar_decision_4wk": "The share of yearly reviews with a decision sent within 4 weeks",
    "ar_meeting_on_time": "The share of yearly reviews held on time",
    "ar_overdue": "The number of yearly reviews that are late",
    "wait_list": "The number of children waiting for {service}",
    "wait_over_18wk": "The share of children waiting more than 18 weeks for {service}",
    "wait_over_52wk": "The share of children waiting more than a year for {service}",
    "wait_median_open_weeks": "The typical wait so far for {service}",
    "wait_median_seen_weeks": "The typical wait to be seen for {service}",
    "wait_p92_seen_weeks": "The longest usual wait to be seen for {service}",
    "autism_13wk": "The share of autism assessments started within 13 weeks",
}
"""Plain words for each KPI, as the subject of a sentence (``{service}`` in words)."""

WAIT_KPIS = (
    "wait_list",
    "wait_over_18wk",
    "wait_over_52wk",
    "wait_median_open_weeks",
    "wait_median_seen_weeks",
    "wait_p92_seen_weeks",
    "autism_13wk",
)

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
    title = pack.measure_titles.get(kpi_id, (view.name, "", ""))[0]
    return f'The figure for "{title}"'


def _kind(kpi_id: str, pack: PackFacts) -> str:
    if kpi_id in WAIT_KPIS:
        return "wait"
    if kpi_id.startswith("ar_"):
        return "ar"
    if kpi_id.startswith("ehcp_"):
        return "ehcp"
    # only what families told us (SPEC 4.5 kind: family_voice) is "parents and carers tell us"
    return "family_voice" if kpi_id in pack.family_voice else "other"


def news(pack: PackFacts, view: KPIFacts) -> News | None:
    """What changed for one plan KPI since its baseline, or ``None`` when it cannot be said.

    Nothing is said about a measure that is suppressed, not available, has no
    baseline or no direction: only figures the pack can show are used.
    """
    f = view.fact
    if f.change is None:  # a figure withheld or not available, or no direction
        return None
    now, then = f.latest.shown(), f.baseline.shown()
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
    sentence = f"{subject} {verb}. It is now {now}. It was {then} when the plan started."
    scale = max(abs(f.baseline.value), 1.0)
    return News(
        sentence=sentence,
        better=better,
        size=abs(change) / scale,
        kind=_kind(view.plan_kpi.id, pack),
        service=view.plan_kpi.service or AUTISM_SERVICE.get(view.plan_kpi.id, ""),
    )


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
        row = pack.kpi_row("wait_list", service)
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
        sentence = (
            f"More children are waiting for {service_plain(service)}. "
            f"There are now {format_value(now, 'count')}. "
            f"There were {format_value(before, 'count')} at the last check, "
            f"{pack.params.previous_period_end:%B %Y}."
        )
        out.append(News(sentence, False, growth, "wait", service))
    return out


def _means(pack: PackFacts, bad: list[News]) -> list[str]:
    out: list[str] = []
    kinds = dict.fromkeys(n.kind for n in bad)
    for kind in kinds:
        if kind in MEANS:
            out.append(MEANS[kind])
    services = list(dict.fromkeys(n.service for n in bad if n.kind == "wait" and n.service))
    for service in services[:3]:
        words = service_plain(service)
        out.append(f"If your child is waiting for {words}, the wait may still be long.")
        seen = pack.kpi_figure("wait_median_seen_weeks", service)
        if seen.published:
            weeks = seen.shown()
            out.append(
                f"Half of the children seen for {words} in this time had waited "
                f"{weeks} or more."
            )
    return out


def _targets(pack: PackFacts, views: list[KPIFacts]) -> list[str]:
    out = []
    for v in views:
        k = v.plan_kpi
        if k.target is None or k.target_date is None or k.target_date <= pack.params.period_end:
            continue
        if k.id not in PHRASES and k.id not in pack.measure_titles:
            continue
        subject = _subject(pack, v)
        subject = subject[:1].lower() + subject[1:]
        target = format_value(k.target, v.unit)
        sentence = f"By {k.target_date:%B %Y}, we want {subject} to be {target}."
        if pack.on_trajectory(v) == "off trajectory":
            sentence += " We are behind where we planned to be by now."
        elif pack.on_trajectory(v) == "on trajectory":
            sentence += " So far we are where we planned to be."
        out.append(sentence)
    return out


COMPACT_AFTER = 6
"""With more priority areas than this, each gets one short block (no sub-headings)."""


def _all_means(areas: list[dict]) -> list[str]:
    """What the news means, once each, across every area (the compact layout)."""
    said = [m for a in areas if a["worse"] for m in a["means"]]
    out = list(dict.fromkeys(said))[:6]
    return out or ["Things are getting better in every part of the plan we can measure."]


def items_per_area(areas: int) -> int:
    """How many good (and bad) items each priority area gets, so the edition stays short.

    Examples
    --------
    >>> [items_per_area(n) for n in (2, 5, 12)]
    [3, 2, 1]
    """
    if areas <= 3:
        return 3
    return 2 if areas <= 6 else 1


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


def families_edition(pack: PackFacts) -> dict[str, Any]:
    """Everything the families edition says, as plain data for ``families.html.j2``."""
    p, plan = pack.params, pack.plan
    period = _period_words(p.period_start, p.period_end)
    partners = (
        " and ".join(plan.partners)
        if plan.partners
        else f"The council and the NHS in {p.area_name}"
    )
    intro = [
        "SEND means special educational needs and disabilities.",
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
        f"Some children have an {EHC_FIRST_USE}. It says what help a child needs at school, "
        "for their health and for their care."
    )
    areas, growth_said = [], False
    each = items_per_area(len(plan.priority_areas))
    for number, area in enumerate(plan.priority_areas, start=1):
        views = pack.views_for(area)
        items = [n for n in (news(pack, v) for v in views) if n is not None]
        if not growth_said and any(v.plan_kpi.id in WAIT_KPIS for v in views):
            growth_said = True
            named = {v.plan_kpi.service for v in views if v.plan_kpi.id == "wait_list"}
            items += list_growth(pack, {s for s in named if s})
        good = sorted((n for n in items if n.better), key=lambda n: -n.size)[:each]
        bad = sorted((n for n in items if not n.better), key=lambda n: -n.size)[:each]
        means = _means(pack, bad)[: 2 * each]
        if not bad:
            means = ["Things are getting better in this part of the plan. We must keep it so."]
        areas.append(
            {
                "heading": f"Part {number} of the plan: {area.title}",
                "better": [n.sentence for n in good],
                "worse": [n.sentence for n in bad],
                "means": means,
                "targets": _targets(pack, views)[: each if each > 1 else 0],
            }
        )
    months = _months(p.period_start, p.period_end)
    return {
        "title": title(pack),
        "subtitle": f"An update for children, young people and families, {period}",
        "marking": p.classification,
        "intro": intro,
        "areas": areas,
        "compact": len(areas) > COMPACT_AFTER,
        "means": _all_means(areas),
        "next": [
            f"We check how the plan is going every {months} months. We will tell you "
            "what has changed in the next update.",
            "We leave out figures about very few children, so that no child can be "
            "picked out.",
        ],
        "help": [
            f"The {p.area_name} local offer lists the help and services for children and "
            "young people with SEND. You can find it on the council's website.",
            "Your local parent carer forum is a group of parents and carers. They work with "
            "the council and the NHS to make services better. You can join them and tell "
            "them what you think.",
            "The SEND Information, Advice and Support Service (SENDIASS) gives free advice "
            "to children, young people and families. It does not take sides.",
            "You can also talk to your child's school, nursery or college, or to the person "
            "who looks after your child's EHC plan.",
        ],
    }

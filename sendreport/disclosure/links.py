"""Which counts each KPI publishes, as sets of atoms its family shares with other KPIs.

A figure a run publishes (a KPI's numerator, denominator or count, for one
period or month) counts the children in a set of *atoms*: the finest groups
any of the KPIs of one family tells apart. Two KPIs of one family share atoms,
so one figure minus another can count a group neither shows. For EHC plans
issued in a span of time the atoms are:

========  ==================================================
``n20``   no 20-week exception, issued within 20 weeks
``n52``   no exception, more than 20 and at most 52 weeks
``n99``   no exception, more than 52 weeks
``e20``   with an exception, issued within 20 weeks
``e99``   with an exception, more than 20 weeks
========  ==================================================

so ``ehcp_issued`` counts all five, the denominator of ``ehcp_20wk_excl``
counts ``n20 n52 n99`` and their difference counts the exceptions. Figures of
different families never share children.

Snapshot KPIs (taken as at a date) count the children on a list at that date:
the same date gives the same atoms; two dates give different ones. A waiting
list counts referrals in three bands (``w18`` up to 18 weeks, ``w52`` 18 to
52 weeks, ``w99`` over 52 weeks): ``wait_list`` all three, the numerator of
``wait_over_18wk`` and the count ``wait_over_18wk_count`` the same two, so a
percentage's numerator withheld is withheld as a count too.

``wait_children`` counts children, not referrals: no set of referral atoms
is the children, so it is a family of its own. But ``wait_list`` minus
``wait_children`` (of one service, as at one date) counts the referrals
beyond a child's first, a handful of children when small (the list is
published as the percentages' denominators too):
:data:`DIFFERENCES` names that pair, and the release pass withholds the
children's count when the difference is small, as it withholds a
percentage whose complement is.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["DIFFERENCES", "NUMERATOR_OF", "SNAPSHOT", "Link", "link_for"]

SNAPSHOT = frozenset(
    {
        "ehcp_open_over_20wk",
        "ar_overdue",
        "wait_list",
        "wait_over_18wk",
        "wait_over_52wk",
        "wait_over_18wk_count",
        "wait_over_52wk_count",
        "wait_children",
        "wait_median_open_weeks",
    }
)
"""KPIs taken as at a date (SPEC 5): a figure per date, not a sum over days."""


@dataclass(frozen=True)
class Link:
    """The counts one KPI publishes: its family, and the atoms of each count column.

    ``parts`` maps a column of the KPI frames (``numerator``, ``denominator``,
    or ``value`` for a count) to the atoms it counts. ``service`` fixes the
    family's service when the KPI has none of its own (``autism_13wk`` counts
    children first seen by the autism assessment service).
    """

    family: str
    parts: dict[str, frozenset[str]]
    service: str | None = None

    @property
    def atoms(self) -> frozenset[str]:
        """Every atom any part of the KPI counts."""
        return frozenset().union(*self.parts.values())


_ISSUED_EXCL = frozenset({"n20", "n52", "n99"})
_ISSUED = _ISSUED_EXCL | {"e20", "e99"}
_WAITING = frozenset({"w18", "w52", "w99"})
_SEEN = frozenset({"s13", "s99"})
_YES_NO = frozenset({"yes", "no"})
_DECISIONS = frozenset({"a_yes", "a_no", "n_yes", "n_no"})


def _pct(family: str, yes: frozenset[str] | set[str], of: frozenset[str]) -> dict:
    return {"numerator": frozenset(yes), "denominator": of}


LINKS: dict[str, Link] = {
    "ehcp_issued": Link("issued", {"value": _ISSUED}),
    "ehcp_20wk_excl": Link("issued", _pct("issued", {"n20"}, _ISSUED_EXCL)),
    "ehcp_20wk_incl": Link("issued", _pct("issued", {"n20", "e20"}, _ISSUED)),
    "ehcp_20_52wk_excl": Link("issued", _pct("issued", {"n52"}, _ISSUED_EXCL)),
    "ehcp_over_52wk_excl": Link("issued", _pct("issued", {"n99"}, _ISSUED_EXCL)),
    "ehcp_mean_weeks_excl": Link("issued", {"denominator": _ISSUED_EXCL}),
    "ehcp_requests": Link("requests", {"value": frozenset({"all"})}),
    # decisions whether to assess: within 6 weeks or not, by outcome (assess or not)
    "ehcp_decision_6wk": Link("decisions", _pct("decisions", {"a_yes", "n_yes"}, _DECISIONS)),
    "ehcp_assessments_agreed": Link("decisions", {"value": frozenset({"a_yes", "a_no"})}),
    "ehcp_open_over_20wk": Link("open_requests", {"value": frozenset({"all"})}),
    "ar_decision_4wk": Link("review_decisions", _pct("review_decisions", {"yes"}, _YES_NO)),
    "ar_meeting_on_time": Link("reviews_due", _pct("reviews_due", {"yes"}, _YES_NO)),
    "ar_overdue": Link("reviews_overdue", {"value": frozenset({"all"})}),
    "wait_list": Link("waiting", {"value": _WAITING}),
    "wait_over_18wk": Link("waiting", _pct("waiting", {"w52", "w99"}, _WAITING)),
    "wait_over_52wk": Link("waiting", _pct("waiting", {"w99"}, _WAITING)),
    "wait_over_18wk_count": Link("waiting", {"value": frozenset({"w52", "w99"})}),
    "wait_over_52wk_count": Link("waiting", {"value": frozenset({"w99"})}),
    "wait_children": Link("waiting_children", {"value": frozenset({"all"})}),
    "wait_median_open_weeks": Link("waiting", {"denominator": _WAITING}),
    "wait_median_seen_weeks": Link("seen", {"denominator": _SEEN}),
    "wait_p92_seen_weeks": Link("seen", {"denominator": _SEEN}),
    "autism_13wk": Link("seen", _pct("seen", {"s13"}, _SEEN), service="autism_assessment"),
}
"""The KPIs of SPEC 5 that count children, by id."""

NUMERATOR_OF: dict[str, str] = {
    "wait_over_18wk_count": "wait_over_18wk",
    "wait_over_52wk_count": "wait_over_52wk",
}
"""A count published as a KPI of its own that is another KPI's numerator (same service,
same date): one figure twice, so the release pass withholds both when it withholds either
(a percentage withheld for its small complement would otherwise keep its numerator in
print as the count)."""

DIFFERENCES: dict[str, tuple[str, frozenset[str]]] = {"wait_children": ("waiting", _WAITING)}
"""A count whose difference from a count of another family (same service, same date)
counts a small group of children when small, by the family and atoms of that count: the
whole waiting list (``wait_list``, and the denominators of ``wait_over_18wk``,
``wait_over_52wk`` and ``wait_median_open_weeks``, in every frame and month) minus
``wait_children`` is the referrals beyond each child's first. The release pass reads that
difference as a figure the count shows, so a difference from 1 to 4 withholds the count
(the list may stay published)."""


def link_for(kpi_id: str, unit: str, numerator: object, denominator: object) -> Link | None:
    """The counts a KPI (or a measure of the ``measures`` table) publishes.

    A measure is its own family: a percentage publishes its numerator and
    denominator, a count its value, a mean or other figure with a denominator
    that denominator. A figure with neither (a rate typed in as a value) counts
    no children the release can see: ``None``.

    Examples
    --------
    >>> sorted(link_for("ehcp_20wk_excl", "%", 1, 2).parts["denominator"])
    ['n20', 'n52', 'n99']
    >>> link_for("survey", "%", 30, 60).parts["numerator"]
    frozenset({'yes'})
    >>> link_for("fte", "FTE", None, None) is None
    True
    """
    if kpi_id in LINKS:
        return LINKS[kpi_id]
    family = f"measure:{kpi_id}"
    if not _missing(numerator) and not _missing(denominator):
        return Link(family, _pct(family, {"yes"}, _YES_NO))
    if unit == "count":
        return Link(family, {"value": frozenset({"all"})})
    if not _missing(denominator):
        return Link(family, {"denominator": frozenset({"all"})})
    return None


def _missing(value: object) -> bool:
    return value is None or bool(pd.isna(value))

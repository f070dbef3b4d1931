"""The KPI definitions of SPEC section 5, as data: title, unit, direction, source.

The report's scorecard takes each KPI's short ``title``; the definitions
appendix prints ``definition`` and ``source``. The order of
:data:`KPI_DEFINITIONS` is the order of ``kpis.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sendreport.vocabulary import Improvement

__all__ = ["KPI_DEFINITIONS", "KPIDefinition", "SOURCES"]

Unit = Literal["%", "count", "weeks"]

SOURCES = {
    "sen2": "DfE SEN2",
    "chs": "NHS England community health services waiting lists",
    "nice": "NICE QS51",
    "plan": "the plan",
}
"""Where each family's definition comes from, as printed in the definitions appendix."""


@dataclass(frozen=True)
class KPIDefinition:
    """One KPI of SPEC section 5.

    Attributes
    ----------
    id
        Stable identifier, e.g. ``ehcp_20wk_excl``.
    title
        Short name for a scorecard row.
    unit
        ``%``, ``count`` or ``weeks``.
    improvement
        Which way is better: ``increase``, ``decrease`` or ``neutral``.
    per_service
        True when computed per health service (``service`` column).
    monthly
        True when :func:`sendreport.metrics.kpi_series` gives a monthly series.
    definition
        Plain-English definition for the appendix.
    source
        Where the definition comes from (see :data:`SOURCES`).
    """

    id: str
    title: str
    unit: Unit
    improvement: Improvement
    per_service: bool
    monthly: bool
    definition: str
    source: str


def _kpi(
    id_: str,
    title: str,
    unit: Unit,
    improvement: Improvement,
    definition: str,
    source: str,
    *,
    per_service: bool = False,
    monthly: bool = False,
) -> KPIDefinition:
    return KPIDefinition(
        id_, title, unit, improvement, per_service, monthly, definition, SOURCES[source]
    )


_LIST = (
    "A referral is on a service's waiting list on a date when it was made on or before that date "
    "and the child had neither a first attended contact for it nor left the list on or before "
    "it. The list counts referrals: a child referred twice to the service counts twice."
)

_ALL = (
    _kpi(
        "ehcp_20wk_excl",
        "EHC plans issued within 20 weeks (excl. exceptions)",
        "%",
        "increase",
        "Of new EHC plans issued in the period where no statutory exception applied, the "
        "percentage issued within 20 weeks (140 days) of the request for assessment. This is "
        "DfE's headline timeliness measure.",
        "sen2",
        monthly=True,
    ),
    _kpi(
        "ehcp_20wk_incl",
        "EHC plans issued within 20 weeks (incl. exceptions)",
        "%",
        "increase",
        "Of all new EHC plans issued in the period, including those where a statutory exception "
        "applied, the percentage issued within 20 weeks (140 days) of the request.",
        "sen2",
        monthly=True,
    ),
    _kpi(
        "ehcp_issued",
        "New EHC plans issued",
        "count",
        "neutral",
        "The number of new EHC plans issued in the period.",
        "sen2",
    ),
    _kpi(
        "ehcp_20_52wk_excl",
        "EHC plans issued in 20 to 52 weeks (excl. exceptions)",
        "%",
        "decrease",
        "Of new EHC plans issued in the period without an exception, the percentage issued more "
        "than 20 weeks but no more than 52 weeks (141 to 364 days) after the request.",
        "sen2",
        monthly=True,
    ),
    _kpi(
        "ehcp_over_52wk_excl",
        "EHC plans issued after more than 52 weeks (excl. exceptions)",
        "%",
        "decrease",
        "Of new EHC plans issued in the period without an exception, the percentage issued more "
        "than 52 weeks (over 364 days) after the request.",
        "sen2",
        monthly=True,
    ),
    _kpi(
        "ehcp_mean_weeks_excl",
        "Average weeks from request to EHC plan (excl. exceptions)",
        "weeks",
        "decrease",
        "The mean time in weeks from request to issue of new EHC plans issued in the period "
        "without an exception.",
        "sen2",
    ),
    _kpi(
        "ehcp_requests",
        "Requests for an EHC needs assessment",
        "count",
        "neutral",
        "The number of requests for an EHC needs assessment received in the period.",
        "sen2",
    ),
    _kpi(
        "ehcp_decision_6wk",
        "Decisions whether to assess made within 6 weeks",
        "%",
        "increase",
        "Of decisions to assess or not to assess made in the period, the percentage made within "
        "6 weeks (42 days) of the request. Withdrawn requests are not decisions.",
        "sen2",
        monthly=True,
    ),
    _kpi(
        "ehcp_assessments_agreed",
        "Decisions to carry out an EHC needs assessment",
        "count",
        "neutral",
        "The number of requests whose decision, made in the period, was to carry out an EHC "
        "needs assessment (request outcome assess): demand reaching assessment.",
        "sen2",
    ),
    _kpi(
        "ehcp_open_over_20wk",
        "Requests open for more than 20 weeks",
        "count",
        "decrease",
        "At the end of the period, the number of requests received more than 20 weeks (140 "
        "days) earlier with no plan issued, not withdrawn and no final decision not to assess or "
        "not to issue a plan.",
        "sen2",
    ),
    _kpi(
        "ar_decision_4wk",
        "Annual review decisions sent within 4 weeks of the meeting",
        "%",
        "increase",
        "Of annual review decisions (maintain, amend or cease) sent in the period after a review "
        "meeting, the percentage sent within 4 weeks (28 days) of the meeting.",
        "sen2",
        monthly=True,
    ),
    _kpi(
        "ar_meeting_on_time",
        "Annual reviews held by the due date",
        "%",
        "increase",
        "Of annual reviews due in the period, the percentage whose meeting was held on or before "
        "the due date.",
        "sen2",
        monthly=True,
    ),
    _kpi(
        "ar_overdue",
        "Annual reviews overdue",
        "count",
        "decrease",
        "At the end of the period, the number of annual reviews due on or before that date with "
        "no meeting held on or before it.",
        "sen2",
    ),
    _kpi(
        "wait_list",
        "Referrals waiting",
        "count",
        "decrease",
        f"At the end of the period, the number of referrals on the service's waiting list "
        f"(referrals, not children: see children waiting). {_LIST}",
        "chs",
        per_service=True,
    ),
    _kpi(
        "wait_over_18wk",
        "Share of referrals waiting more than 18 weeks",
        "%",
        "decrease",
        f"Of referrals on the waiting list at the end of the period, the percentage that had "
        f"waited more than 18 weeks (over 126 days). {_LIST}",
        "chs",
        per_service=True,
        monthly=True,
    ),
    _kpi(
        "wait_over_52wk",
        "Share of referrals waiting more than 52 weeks",
        "%",
        "decrease",
        f"Of referrals on the waiting list at the end of the period, the percentage that had "
        f"waited more than 52 weeks (over 364 days). {_LIST}",
        "chs",
        per_service=True,
        monthly=True,
    ),
    _kpi(
        "wait_over_18wk_count",
        "Referrals waiting more than 18 weeks",
        "count",
        "decrease",
        f"At the end of the period, the number of referrals on the waiting list that had waited "
        f"more than 18 weeks (over 126 days): the count behind the percentage. {_LIST}",
        "chs",
        per_service=True,
        monthly=True,
    ),
    _kpi(
        "wait_over_52wk_count",
        "Referrals waiting more than 52 weeks",
        "count",
        "decrease",
        f"At the end of the period, the number of referrals on the waiting list that had waited "
        f"more than 52 weeks (over 364 days): the count behind the percentage. {_LIST}",
        "chs",
        per_service=True,
        monthly=True,
    ),
    _kpi(
        "wait_children",
        "Children waiting",
        "count",
        "decrease",
        "At the end of the period, the number of children (distinct person identifiers) with at "
        "least one referral on the service's waiting list; a child referred twice counts once. "
        f"{_LIST}",
        "chs",
        per_service=True,
        monthly=True,
    ),
    _kpi(
        "wait_median_open_weeks",
        "Median wait so far of referrals waiting (weeks)",
        "weeks",
        "decrease",
        f"The median time in weeks that referrals on the waiting list at the end of the period "
        f"had waited so far. {_LIST}",
        "chs",
        per_service=True,
    ),
    _kpi(
        "wait_median_seen_weeks",
        "Median wait of children first seen (weeks)",
        "weeks",
        "decrease",
        "Of children first seen in the period, the median time in weeks from referral to first "
        "attended contact.",
        "chs",
        per_service=True,
    ),
    _kpi(
        "wait_p92_seen_weeks",
        "92nd percentile wait of children first seen (weeks)",
        "weeks",
        "decrease",
        "Of children first seen in the period, the wait in weeks from referral to first "
        "attended contact within which 92% were seen (92nd percentile, linear interpolation).",
        "chs",
        per_service=True,
    ),
    _kpi(
        "autism_13wk",
        "Autism assessments started within 13 weeks",
        "%",
        "increase",
        "Of children whose autism assessment started (first attended contact) in the period, "
        "the percentage who started within 13 weeks (91 days) of referral. NICE quality "
        "standard 51 expects assessment to start within 3 months.",
        "nice",
        monthly=True,
    ),
    _kpi(
        "actions_complete",
        "Plan actions complete",
        "%",
        "increase",
        "Of the improvement plan's actions, the percentage with status complete.",
        "plan",
    ),
    _kpi(
        "actions_overdue",
        "Plan actions overdue",
        "count",
        "decrease",
        "The number of the plan's actions not complete whose due date is before the end of the "
        "period.",
        "plan",
    ),
    _kpi(
        "actions_slipped",
        "Plan actions whose due date has moved later",
        "count",
        "decrease",
        "The number of the plan's actions whose due date is later than their original due date.",
        "plan",
    ),
    _kpi(
        "actions_not_started",
        "Plan actions not started",
        "count",
        "decrease",
        "The number of the plan's actions with status not started.",
        "plan",
    ),
)

KPI_DEFINITIONS: dict[str, KPIDefinition] = {k.id: k for k in _ALL}
"""Every KPI of SPEC section 5 by id, in the order of ``kpis.csv``."""

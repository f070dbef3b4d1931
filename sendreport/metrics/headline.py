"""One plain-English sentence per KPI for the scorecard and priority area pages."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from sendreport.metrics.coverage import NotAvailable
from sendreport.metrics.definitions import KPIDefinition
from sendreport.plan import PlanKPI
from sendreport.vocabulary import format_value, service_in_sentence

__all__ = ["headline"]

# "{v}" is the formatted value, "{service}" the service in words; counts of one use the
# singular form when there is one.
_PHRASES: dict[str, str | tuple[str, str]] = {
    "ehcp_20wk_excl": "{v} of new EHC plans were issued within 20 weeks",
    "ehcp_20wk_incl": "{v} of all new EHC plans, exceptions included, were issued within 20 weeks",
    "ehcp_issued": ("{v} new EHC plan was issued", "{v} new EHC plans were issued"),
    "ehcp_20_52wk_excl": "{v} of new EHC plans took more than 20 but no more than 52 weeks",
    "ehcp_over_52wk_excl": "{v} of new EHC plans took more than 52 weeks",
    "ehcp_mean_weeks_excl": "New EHC plans took {v} on average",
    "ehcp_requests": (
        "{v} request for an EHC needs assessment was received",
        "{v} requests for an EHC needs assessment were received",
    ),
    "ehcp_decision_6wk": "{v} of decisions whether to assess were made within 6 weeks",
    "ehcp_assessments_agreed": (
        "{v} request was agreed for an EHC needs assessment",
        "{v} requests were agreed for an EHC needs assessment",
    ),
    "ehcp_open_over_20wk": (
        "{v} request had been open for more than 20 weeks",
        "{v} requests had been open for more than 20 weeks",
    ),
    "ar_decision_4wk": "{v} of annual review decisions were sent within 4 weeks of the meeting",
    "ar_meeting_on_time": "{v} of annual reviews were held by their due date",
    "ar_overdue": ("{v} annual review was overdue", "{v} annual reviews were overdue"),
    "wait_list": (
        "{v} referral was waiting for {service}",
        "{v} referrals were waiting for {service}",
    ),
    "wait_over_18wk": "{v} of referrals waiting for {service} had waited more than 18 weeks",
    "wait_over_52wk": "{v} of referrals waiting for {service} had waited more than 52 weeks",
    "wait_over_18wk_count": (
        "{v} referral waiting for {service} had waited more than 18 weeks",
        "{v} referrals waiting for {service} had waited more than 18 weeks",
    ),
    "wait_over_52wk_count": (
        "{v} referral waiting for {service} had waited more than 52 weeks",
        "{v} referrals waiting for {service} had waited more than 52 weeks",
    ),
    "wait_children": (
        "{v} child was waiting for {service}",
        "{v} children were waiting for {service}",
    ),
    "wait_median_open_weeks": "Referrals waiting for {service} had waited a median of {v}",
    "wait_median_seen_weeks": "Children first seen by {service} had waited a median of {v}",
    "wait_p92_seen_weeks": "92% of children first seen by {service} were seen within {v}",
    "autism_13wk": "{v} of autism assessments started within 13 weeks of referral",
    "actions_complete": "{v} of the plan's actions were complete",
    "actions_overdue": ("{v} plan action was overdue", "{v} plan actions were overdue"),
    "actions_slipped": (
        "{v} plan action had its due date moved later",
        "{v} plan actions had their due dates moved later",
    ),
    "actions_not_started": ("{v} plan action had not started", "{v} plan actions had not started"),
}


def _number(row: Mapping | pd.Series, key: str) -> float:
    value = row.get(key) if hasattr(row, "get") else None
    try:
        return float(value) if value is not None and not pd.isna(value) else math.nan
    except (TypeError, ValueError):
        return math.nan


def _statement(row: Mapping | pd.Series, definition: KPIDefinition, value: str, raw: float) -> str:
    phrase = _PHRASES.get(definition.id, f"{definition.title}: {{v}}")
    if isinstance(phrase, tuple):
        phrase = phrase[0] if raw == 1 else phrase[1]
    service = service_in_sentence(str(row.get("service") or "")) or "the service"
    text = phrase.format(v=value, service=service)
    return text[0].upper() + text[1:]


def _movement(
    now: str, then: str, raw_now: float, raw_then: float, improvement: str, where: str
) -> str:
    if now == then:
        return f"unchanged from {then} {where}"
    up = raw_now > raw_then
    text = f"{'up' if up else 'down'} from {then} {where}"
    if improvement in ("increase", "decrease"):
        better = up == (improvement == "increase")
        text += ", which is better" if better else ", which is worse"
    return text


def headline(
    row: Mapping | pd.Series, *, definition: KPIDefinition, plan_kpi: PlanKPI | None = None
) -> str:
    """One sentence stating a KPI's latest value and its movement, for the report.

    The value is compared with the baseline (the row's ``baseline``, which
    :func:`compute_kpis` takes from the plan when it gives one and the release
    pass blanks when withheld; the plan's when the row has no such column), or
    failing that with ``previous`` (the last stocktake);
    "which is better" or "which is worse" follows the movement using the plan's direction
    or the KPI's. A target, with its date, ends the sentence.

    Parameters
    ----------
    row
        A row of :func:`compute_kpis`: needs ``value``; uses ``service``,
        ``baseline``, ``target``, ``previous``, ``reason`` and ``suppressed``
        when present. A missing value says why (its ``reason``), never "0".
    definition
        The KPI's definition (unit, direction, title).
    plan_kpi
        The plan's entry for the KPI, for the baseline period, target date
        and direction.

    Returns
    -------
    str
        A sentence ending with a full stop.

    Examples
    --------
    >>> from sendreport.metrics.definitions import KPI_DEFINITIONS
    >>> from sendreport.plan import PlanKPI
    >>> k = PlanKPI(id="ehcp_20wk_excl", baseline={"value": 31.0, "period": "2022-23"},
    ...             target=60, target_date="2025-03-31")
    >>> headline({"value": 46.2}, definition=KPI_DEFINITIONS["ehcp_20wk_excl"], plan_kpi=k)
    '46.2% of new EHC plans were issued within 20 weeks, up from 31.0% at baseline (2022-23), which is better; target 60% by March 2025.'
    """  # noqa: E501
    unit = definition.unit
    improvement = (plan_kpi.direction if plan_kpi and plan_kpi.direction else None) or (
        definition.improvement
    )
    flag = row.get("suppressed", False)
    if flag is not None and not pd.isna(flag) and bool(flag):
        return (
            f"{definition.title}: the figure is not shown because it is based on small numbers "
            "that could identify children."
        )
    raw = _number(row, "value")
    if math.isnan(raw):
        subject = definition.title
        if definition.per_service and row.get("service"):
            subject += f" ({service_in_sentence(str(row.get('service')))})"
        reason = row.get("reason")
        reason = "" if reason is None or pd.isna(reason) else str(reason)
        if reason and reason != NotAvailable.NOTHING_TO_MEASURE.describe():
            sentence = f"{subject}: not available ({reason})"
        else:
            sentence = f"{subject}: no figure for this period, as there was nothing to measure"
    else:
        now = format_value(raw, unit)
        sentence = _statement(row, definition, now, raw)
        # a released row's baseline is the plan's unless the disclosure rule withheld it
        base = (
            _number(row, "baseline") if "baseline" in row or not (plan_kpi and plan_kpi.baseline)
            else plan_kpi.baseline.value
        )
        previous = _number(row, "previous")
        if not math.isnan(base):
            then = format_value(base, unit)
            label = f" ({plan_kpi.baseline.period})" if plan_kpi and plan_kpi.baseline else ""
            sentence += ", " + _movement(now, then, raw, base, improvement, f"at baseline{label}")
        elif not math.isnan(previous):
            then = format_value(previous, unit)
            sentence += ", " + _movement(
                now, then, raw, previous, improvement, "at the last stocktake"
            )
    target = plan_kpi.target if plan_kpi and plan_kpi.target is not None else _number(row, "target")
    if target is not None and not (isinstance(target, float) and math.isnan(target)):
        sentence += f"; target {format_value(target, unit, exact=True)}"
        if plan_kpi and plan_kpi.target_date:
            sentence += f" by {plan_kpi.target_date:%B %Y}"
    return sentence + "."

"""Governance (board meetings, escalations, risks, decisions sought) and workforce."""

from __future__ import annotations

from typing import Any

from sendreport.disclosure.rule import figure_is_small
from sendreport.pack.facts import PackFacts
from sendreport.pack.sections.headings import area_heading
from sendreport.pack.templating import render
from sendreport.plan import Plan, PriorityArea, RiskScale
from sendreport.tables import Cell, Table, build_table
from sendreport.vocabulary import format_value, is_missing, long_date


def workforce_measures(pack: PackFacts) -> list[str]:
    """Ids of the ``measures`` table's workforce measures (SPEC 4.5 ``kind: workforce``).

    Data without a ``kind`` column name their workforce returns in ``source``.
    """
    m = pack.tables.get("measures")
    if m is None or m.empty:
        return []
    if "kind" in m:
        mask = m["kind"].astype(str).str.lower() == "workforce"
    else:
        mask = m["source"].astype(str).str.lower().str.contains("workforce")
    return list(dict.fromkeys(m.loc[mask, "measure_id"].astype(str)))


def workforce_table(pack: PackFacts) -> Table | None:
    """Workforce measures: the latest value in the period beside the value a year before."""
    import pandas as pd

    ids = workforce_measures(pack)
    if not ids:
        return None
    m = pack.tables["measures"]
    p = pack.params
    end = pd.Timestamp(p.period_end)
    threshold = p.suppression_threshold
    rows = []
    for mid in ids:
        rows_m = m[(m["measure_id"].astype(str) == mid) & (pd.to_datetime(m["date"]) <= end)]
        rows_m = rows_m.assign(_d=pd.to_datetime(rows_m["date"])).sort_values("_d")
        if rows_m.empty:
            continue
        latest = rows_m.iloc[-1]
        year_before = rows_m[rows_m["_d"] <= latest["_d"] - pd.DateOffset(years=1)]
        unit = str(latest["unit"])

        def shown(r, unit: str = unit) -> str:
            value = r["value"]
            if is_missing(value) and not is_missing(r.get("denominator")):
                value = 100 * r["numerator"] / r["denominator"] if r["denominator"] else None
            counts_people = "people" not in r.index or bool(r["people"]) is not False
            small = figure_is_small(unit, value, r.get("numerator"), r.get("denominator"),
                                    threshold)
            hidden = counts_people and small and p.audience != "internal"
            return format_value(value, "%" if unit == "%" else unit, suppressed=hidden)

        rows.append(
            [
                Cell(str(latest["title"]), header=True),
                Cell(shown(latest), numeric=True),
                long_date(latest["_d"].date()),
                Cell(shown(year_before.iloc[-1]) if len(year_before) else "x", numeric=True),
            ]
        )
    if not rows:
        return None
    return build_table(
        ["Measure", "Latest", "As at", "A year before"],
        rows,
        caption="Staff in post and vacancies: latest and a year before",
        numeric_columns=(1, 3),
        threshold=threshold,
    )


def _area_label(pack: PackFacts, area: PriorityArea | None) -> str:
    return "Whole plan" if area is None else area_heading(pack, area)


def _grouped(pack: PackFacts, items: list[tuple[PriorityArea | None, Any]]
             ) -> list[tuple[int, str]]:
    """Group headings for items of several areas (none when all belong to the whole plan)."""
    if all(area is None for area, _ in items):
        return []
    groups, last = [], object()
    for i, (area, _) in enumerate(items):
        if area is not last:
            groups.append((i, _area_label(pack, area)))
            last = area
    return groups


def accountable(plan: Plan, what: str) -> list[tuple[PriorityArea | None, Any]]:
    """The plan's ``escalations``, ``risks`` or ``decisions``: the whole plan's, then each area's.

    Risks include the ``governance`` register's, first.
    """
    items: list[tuple[PriorityArea | None, Any]] = []
    if what == "risks" and plan.governance is not None:
        items += [(None, r) for r in plan.governance.risks]
    items += [(None, x) for x in getattr(plan, what)]
    items += [(area, x) for area in plan.priority_areas for x in getattr(area, what)]
    return items


def escalations_table(pack: PackFacts) -> tuple[Table | None, list[str]]:
    """Escalations with their outcome, and one line per overdue escalation.

    Overdue: no outcome and a ``due_date`` before the period end (SPEC 4.4).
    """
    items = accountable(pack.plan, "escalations")
    if not items:
        return None, []
    end = pack.params.period_end
    rows, overdue = [], []
    for _, e in items:
        if e.outcome is not None:
            outcome = e.outcome + (f" ({long_date(e.outcome_date)})" if e.outcome_date else "")
        elif e.overdue(end):
            outcome = f"\u25b2 Overdue: no outcome, due {long_date(e.due_date)}"
            overdue.append(f"{e.issue}: escalated to {e.to} on {long_date(e.date)}, owned by "
                           f"{e.owner}; no outcome, due {long_date(e.due_date)}.")
        else:
            outcome = "Awaited" + (f" (due {long_date(e.due_date)})" if e.due_date else "")
        rows.append([Cell(e.issue, header=True), long_date(e.date), e.to, e.owner, outcome])
    table = build_table(
        ["Issue", "Escalated", "To", "Owner", "Outcome"],
        rows,
        caption="Escalations and their outcome",
        groups=_grouped(pack, items),
        threshold=pack.params.suppression_threshold,
    )
    return table, overdue


def risk_trend(scale: RiskScale | None, now: str | int | None, then: str | int | None) -> str:
    """A risk's trend since the last stocktake in words (``x`` when a rating is missing).

    Examples
    --------
    >>> scale = RiskScale(lowest=1, highest=25)
    >>> risk_trend(scale, 20, 16), risk_trend(scale, 12, 16), risk_trend(scale, 16, 16)
    ('Worse', 'Better', 'No change')
    >>> risk_trend(None, 20, 16), risk_trend(scale, 20, None)
    ('x', 'x')
    """
    if scale is None:
        return "x"
    rank_now, rank_then = scale.rank(now), scale.rank(then)
    if rank_now is None or rank_then is None:
        return "x"
    return "Worse" if rank_now > rank_then else "Better" if rank_now < rank_then else "No change"


def risks_table(pack: PackFacts) -> Table | None:
    """Risks: owner, rating now, at the last stocktake and the target, trend, mitigation."""
    items = accountable(pack.plan, "risks")
    if not items:
        return None
    scale = pack.plan.risk_scale

    def rating(value: str | int | None) -> Cell:
        return Cell("x" if value is None else str(value), numeric=True)

    rows = [
        [
            Cell(f"{r.id} {r.title}", header=True),
            r.owner or "x",
            rating(r.rating),
            rating(r.rating_at_last_stocktake),
            rating(r.target_rating),
            risk_trend(scale, r.rating, r.rating_at_last_stocktake),
            r.mitigation or "x",
        ]
        for _, r in items
    ]
    return build_table(
        ["Risk", "Owner", "Now", "At last stocktake", "Target", "Trend", "Mitigation"],
        rows,
        caption="Risk register",
        numeric_columns=(2, 3, 4),
        groups=_grouped(pack, items),
        threshold=pack.params.suppression_threshold,
    )


def decisions_table(pack: PackFacts) -> Table | None:
    """What the stocktake is asked to decide: the decision, its owner and by when."""
    items = accountable(pack.plan, "decisions")
    if not items:
        return None
    return build_table(
        ["Decision sought", "Owner", "By"],
        [[Cell(d.decision, header=True), d.owner, long_date(d.by) or "x"] for _, d in items],
        caption="Decisions, their owners and dates",
        groups=_grouped(pack, items),
        threshold=pack.params.suppression_threshold,
    )


def governance(pack: PackFacts) -> dict[str, Any] | None:
    """Board meetings, escalations, risks, decisions sought and workforce, as data.

    ``None`` when the plan has no ``governance`` block, no escalation, risk
    or decision, and the data no workforce measure.
    """
    plan = pack.plan
    g = getattr(plan, "governance", None)
    threshold = pack.params.suppression_threshold
    meetings = None
    board = ""
    if g is not None:
        # the chair as the plan names them: "(chair: Independent chair)", never "chaired by"
        board = (g.name or "") + (f" (chair: {g.chair})" if g.chair else "")
        if g.meetings:
            meetings = build_table(
                ["Meeting", "Decisions", "Escalations"],
                [
                    [
                        Cell(long_date(m.date), header=True),
                        "; ".join(m.decisions) or "No decision recorded",
                        "; ".join(m.escalations) or "No escalation",
                    ]
                    for m in sorted(g.meetings, key=lambda m: m.date)
                ],
                caption="Board meetings",
                threshold=threshold,
            )
    escalations, overdue = escalations_table(pack)
    risks = risks_table(pack)
    decisions = decisions_table(pack)
    workforce = workforce_table(pack)
    has_governance = g is not None or any(
        x is not None for x in (escalations, risks, decisions))
    if not has_governance and workforce is None:
        return None
    scale = None
    if risks is not None:
        scale = (f"Ratings run from {plan.risk_scale.words}; a higher rating is a worse risk."
                 if plan.risk_scale is not None else "The plan declares no risk scale.")
    return {
        "has_governance": has_governance,
        "board": board,
        "meetings": meetings,
        "escalations": escalations,
        "overdue": overdue,
        "overdue_sentence": (
            f"{len(overdue)} escalation has no outcome past its due date:" if len(overdue) == 1
            else f"{len(overdue)} escalations have no outcome past their due dates:"),
        "risks": risks,
        "risk_scale": scale,
        "decisions": decisions,
        "workforce": workforce,
    }


def governance_html(pack: PackFacts) -> str:
    """The governance and workforce section (empty when the plan and data hold neither)."""
    data = governance(pack)
    return "" if data is None else render("governance.html.j2", **data)

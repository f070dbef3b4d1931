"""Headline findings in plain English, generated from the pack's numbers."""

from __future__ import annotations

from sendreport.pack.facts import PackFacts
from sendreport.pack.verdict import (
    available,
    change_phrase,
    forecast,
    forecast_phrase,
    improved,
    movement,
    scaled_movement,
    worse,
)
from sendreport.vocabulary import format_value, is_missing, long_date

MAX_FINDINGS = 6


def headline_findings(pack: PackFacts) -> list[str]:
    """Three to six headline findings, as sentences that name the measures.

    What improved most, the worst news, what is off trajectory, which targets
    the current trend misses, whether family voice and case data agree, and how
    the actions stand. Suppressed and not-available figures never count
    (:func:`sendreport.pack.verdict.movement`).

    Parameters
    ----------
    pack
        The built pack.

    Returns
    -------
    list of str
        Sentences in the order the summary prints them.
    """
    views = [v for v in pack.views if movement(v) is not None]
    better = sorted((v for v in views if improved(v)), key=scaled_movement, reverse=True)
    worst = sorted((v for v in views if worse(v)), key=scaled_movement)
    findings = []
    if better:
        findings.append(
            "Most improved: " + "; ".join(f"{v.name}, {change_phrase(v)}" for v in better[:2]) + "."
        )
    if worst:
        findings.append(
            "The worst news: " + "; ".join(f"{v.name}, {change_phrase(v)}" for v in worst[:2]) + "."
        )
    elif any(movement(v) < 0 for v in views):
        findings.append("No measure shows a significant deterioration.")
    elif views:
        findings.append("No measure with a baseline is worse than it.")
    off = [v for v in pack.views if available(v) and pack.on_trajectory(v) == "off trajectory"]
    if off:
        end = pack.params.period_end
        parts = [
            f"{v.name} ({v.fact.latest.shown()} against {v.fact.trajectory.shown()} planned)"
            for v in off
        ]  # every measure off trajectory is named, never "and 2 more"
        findings.append(
            f"Off trajectory at {long_date(end)}: " + "; ".join(parts) + "."
        )
    misses = [f for f in (forecast(pack, v) for v in pack.views) if f and not f.meets]
    named = [id(v) for v in off + worst[:2]]  # new information only
    misses = [f for f in misses if id(f.view) not in named]
    if misses:
        misses.sort(key=lambda f: f.shortfall, reverse=True)
        findings.append(
            "Off course for the target: "
            + "; ".join(f"{f.view.name}, {forecast_phrase(f)}" for f in misses[:2])
            + "."
        )
    agreement = voice_vs_data(pack)
    if agreement:
        findings.append(agreement)
    findings.append(actions_finding(pack))
    return findings[:MAX_FINDINGS]


def actions_finding(pack: PackFacts) -> str:
    """One sentence on the plan's actions; counts not available are left out, never ``x``."""
    kpis = pack.kpis[pack.kpis["kpi_id"].str.startswith("actions_")]
    rows = {r.kpi_id: r for r in kpis.itertuples() if not is_missing(r.value)}
    total = len(pack.plan.actions)
    if not total or "actions_complete" not in rows:
        return "The plan lists no actions with a status to report."
    done = rows["actions_complete"]
    parts = [
        f"{format_value(rows[k].value, 'count')} {one if rows[k].value == 1 else many}"
        for k, one, many in (
            ("actions_overdue", "is overdue", "are overdue"),
            ("actions_slipped", "has a moved due date", "have a moved due date"),
            ("actions_not_started", "has not started", "have not started"),
        )
        if k in rows
    ]
    tail = (", ".join(parts[:-1]) + " and " + parts[-1]) if len(parts) > 1 else "".join(parts)
    return (
        f"Actions: {format_value(done.numerator, 'count')} of {total} are complete "
        f"({format_value(done.value, '%')})" + (f"; {tail}." if tail else ".")
    )


def voice_vs_data(pack: PackFacts) -> str | None:
    """Say whether family survey measures and case data moved the same way since baseline."""
    voice = pack.family_voice  # SPEC 4.5: measures of kind family_voice, decided once
    survey = [v for v in pack.views if v.plan_kpi.id in voice and movement(v) is not None]
    case = [
        v
        for v in pack.views
        if v.plan_kpi.id not in pack.measure_titles and movement(v) is not None
    ]
    if not survey or not case:
        return None
    s = survey[0]
    case_better = sum(movement(v) > 0 for v in case)
    survey_better = movement(s) > 0
    majority_better = case_better * 2 >= len(case)
    # "better than at baseline", not "improved": improved is Appendix A's rule, which also
    # asks the SPC reading (kpifacts.movement_of); this sentence counts baseline comparisons
    word = "better" if survey_better else "worse"
    if survey_better == majority_better:
        return (
            f"Family voice and case data agree: “{s.name}” is {word} than at baseline, "
            f"as are {case_better if survey_better else len(case) - case_better} of {len(case)} "
            "case-data measures."
        )
    return (
        f"Family voice and case data disagree: “{s.name}” is {word} than at baseline while "
        f"{len(case) - case_better if survey_better else case_better} of {len(case)} case-data "
        f"measures are {'worse' if survey_better else 'better'}."
    )

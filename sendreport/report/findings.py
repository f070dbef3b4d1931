"""Headline findings in plain English, generated from the pack's numbers."""

from __future__ import annotations

from sendreport.report.facts import KPIFacts, PackFacts
from sendreport.tables import format_value, is_missing

MAX_FINDINGS = 6


def movement(view: KPIFacts) -> float | None:
    """Signed movement from baseline, positive when better for the KPI's direction."""
    base = view.plan_kpi.baseline
    value = view.value("value")
    if base is None or view.suppressed or is_missing(value) or view.improvement == "neutral":
        return None
    diff = float(value) - base.value
    return diff if view.improvement == "increase" else -diff


def _scaled(view: KPIFacts) -> float:
    """Movement relative to the baseline's size, so KPIs of different units can be ranked."""
    m = movement(view) or 0.0
    base = abs(view.plan_kpi.baseline.value) if view.plan_kpi.baseline else 0.0
    return m / base if base else m


def headline_findings(pack: PackFacts) -> list[str]:
    """Generate three to six headline findings from the pack's numbers.

    What improved, what got worse, what is off trajectory, how the actions
    stand, and whether family voice and case data agree.

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
    better = sorted((v for v in views if movement(v) > 0), key=_scaled, reverse=True)
    worse = sorted((v for v in views if movement(v) < 0), key=_scaled)
    findings = []
    if better:
        findings.append(
            f"Improved: {len(better)} of {len(views)} measures with a baseline are better than it. "
            + better[0].headline
        )
    if worse:
        findings.append(
            f"Worse: {len(worse)} of {len(views)} measures with a baseline are worse than it. "
            + worse[0].headline
        )
    off = [v for v in pack.views if pack.on_trajectory(v) == "off trajectory"]
    on = [v for v in pack.views if pack.on_trajectory(v) == "on trajectory"]
    if off or on:
        names = "; ".join(v.name for v in off[:3]) + ("; and others" if len(off) > 3 else "")
        findings.append(
            f"{len(on)} measures are on trajectory and {len(off)} off trajectory"
            + (f" ({names})." if off else ".")
        )
    concern = [v for v in pack.views if v.variation == "special_cause_concern"]
    if concern:
        findings.append(
            "Special cause concern in the latest month: "
            + "; ".join(v.name for v in concern[:3])
            + "."
        )
    findings.append(actions_finding(pack))
    agreement = voice_vs_data(pack)
    if agreement:
        findings.append(agreement)
    return findings[:MAX_FINDINGS]


def actions_finding(pack: PackFacts) -> str:
    """One sentence on the plan's actions."""
    kpis = pack.kpis[pack.kpis["kpi_id"].str.startswith("actions_")]
    rows = {r.kpi_id: r for r in kpis.itertuples()}
    total = len(pack.plan.actions)
    if not total or "actions_complete" not in rows:
        return "The plan lists no actions."

    def count(kpi_id: str) -> str:
        row = rows.get(kpi_id)
        return "x" if row is None else format_value(row.value, "count")

    done = rows["actions_complete"]
    return (
        f"Actions: {format_value(done.numerator, 'count')} of {total} complete "
        f"({format_value(done.value, '%')}); {count('actions_overdue')} overdue, "
        f"{count('actions_slipped')} with a moved due date and "
        f"{count('actions_not_started')} not started."
    )


def voice_vs_data(pack: PackFacts) -> str | None:
    """Say whether family survey measures and case data moved the same way since baseline."""
    survey = [
        v for v in pack.views if v.plan_kpi.id in pack.family_voice and movement(v) is not None
    ]
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
    if survey_better == majority_better:
        word = "improved" if survey_better else "worsened"
        return (
            f"Family voice and case data agree: “{s.name}” has {word} since baseline, "
            f"as have {case_better if survey_better else len(case) - case_better} of {len(case)} "
            "case-data measures."
        )
    return (
        f"Family voice and case data disagree: “{s.name}” has "
        f"{'improved' if survey_better else 'worsened'} since baseline while "
        f"{len(case) - case_better if survey_better else case_better} of {len(case)} case-data "
        f"measures have {'worsened' if survey_better else 'improved'}."
    )


def plain_english_summary(pack: PackFacts) -> list[str]:
    """Short plain-English sentences for families: the better, the worse, and what happens next."""
    out = []
    views = [v for v in pack.views if movement(v) is not None]
    for v in sorted(views, key=_scaled, reverse=True)[:3]:
        word = "better" if movement(v) > 0 else "worse"
        out.append(f"{v.name}: {word} than when the plan started. {v.headline}")
    out.append(actions_finding(pack))
    out.append(
        "Figures about fewer than "
        f"{pack.params.suppression_threshold} children are hidden (shown as c) to protect privacy."
    )
    return out

"""An attacker of a run's release, written from the KPI definitions (SPEC 5), not the code.

It knows what each published count of EHC plans issued means, in terms of
groups of plans it counts directly from the request rows: month of issue x
(exception or not) x (within 20 weeks, 20 to 52 weeks, over 52 weeks). It
then tries every sum and difference of published counts, and the period
totals minus the months published inside them, and reports what it learns.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

GROUPS = [(e, b) for e in (False, True) for b in ("le20", "20_52", "gt52")]
"""(exception, band): the finest groups the attacker tells apart in a month."""

# The groups each published count of a KPI holds (SPEC 5), by column.
EXCL = {(False, b) for b in ("le20", "20_52", "gt52")}
ALL = set(GROUPS)
MEANING = {
    ("ehcp_issued", "value"): ALL,
    ("ehcp_20wk_excl", "numerator"): {(False, "le20")},
    ("ehcp_20wk_excl", "denominator"): EXCL,
    ("ehcp_20wk_incl", "numerator"): {(False, "le20"), (True, "le20")},
    ("ehcp_20wk_incl", "denominator"): ALL,
    ("ehcp_20_52wk_excl", "numerator"): {(False, "20_52")},
    ("ehcp_20_52wk_excl", "denominator"): EXCL,
    ("ehcp_over_52wk_excl", "numerator"): {(False, "gt52")},
    ("ehcp_over_52wk_excl", "denominator"): EXCL,
    ("ehcp_mean_weeks_excl", "denominator"): EXCL,
}


def truth(requests: pd.DataFrame, months: pd.DatetimeIndex) -> np.ndarray:
    """Plans issued per (month, group), counted straight from the rows."""
    issued = requests.dropna(subset=["plan_issued_date"])
    days = (issued["plan_issued_date"] - issued["received_date"]).dt.days
    band = np.where(days <= 140, "le20", np.where(days <= 364, "20_52", "gt52"))
    month = issued["plan_issued_date"].dt.to_period("M").dt.start_time
    counts = np.zeros((len(months), len(GROUPS)))
    for m, e, b in zip(month, issued["exception_20wk"], band, strict=True):
        if m in months:
            counts[months.get_loc(m), GROUPS.index((bool(e), b))] += 1
    return counts.ravel()


def vector(months: pd.DatetimeIndex, first, last, groups) -> np.ndarray:
    """The 0/1 vector over (month, group) of a count over ``first..last``."""
    v = np.zeros((len(months), len(GROUPS)))
    first = pd.Timestamp(first).to_period("M").start_time
    inside = (months >= first) & (months <= pd.Timestamp(last))
    for g in groups:
        v[inside, GROUPS.index(g)] = 1
    return v.ravel()


def figures(frame: pd.DataFrame, months, *, scope: str, span=None) -> list[dict]:
    """Every count of the issued family a frame shows (published) or holds (withheld)."""
    out = []
    for r in frame.itertuples(index=False):
        for column in ("value", "numerator", "denominator"):
            groups = MEANING.get((r.kpi_id, column))
            if groups is None:
                continue
            if scope == "series":
                months_in = 3 if r.grain == "quarter" else 1
                first, last = r.month, r.month + pd.offsets.MonthEnd(months_in)
            else:
                first, last = span or (r.period_start, r.period_end)
            value = getattr(r, column)
            out.append({"scope": scope, "kpi_id": r.kpi_id, "column": column, "first": first,
                        "vector": vector(months, first, last, groups),
                        "value": None if pd.isna(value) else float(value),
                        "withheld": bool(getattr(r, "suppressed", False)),
                        "reason": str(getattr(r, "reason", "") or "")})
    return out


def attack(published: list[dict], hidden: np.ndarray, threshold: int) -> list[str]:
    """Every small group, and every withheld count, the published counts give back.

    Parameters
    ----------
    published
        The counts the release shows, as :func:`figures` returns them.
    hidden
        The true count of every (month, group).
    threshold
        The suppression threshold.

    Returns
    -------
    list of str
        What was learnt; empty when nothing was.
    """
    shown = [f for f in published if f["value"] is not None and not f["withheld"]]
    found = []
    for f in shown:  # the release is consistent with the rows (the attacker's model holds)
        assert abs(f["vector"] @ hidden - f["value"]) < 1e-9, f
    vectors = [f["vector"] for f in shown]

    def learnt(v: np.ndarray, how: str) -> None:
        if not v.any() or not np.isin(v, (0.0, 1.0)).all():
            return
        n = v @ hidden
        if 1 <= n < threshold:
            found.append(f"{how} counts {int(n)} plans")

    for (i, a), (j, b) in itertools.combinations(enumerate(vectors), 2):
        learnt(a - b, f"{_name(shown[i])} minus {_name(shown[j])}")
        learnt(b - a, f"{_name(shown[j])} minus {_name(shown[i])}")
        learnt(a + b, f"{_name(shown[i])} plus {_name(shown[j])}")
    for i, total in enumerate(vectors):  # a total minus every count of the same KPI inside it
        for column in ("value", "numerator", "denominator"):
            parts = [
                v for f, v in zip(shown, vectors, strict=True)
                if f["kpi_id"] == shown[i]["kpi_id"] and f["column"] == column
                and f is not shown[i] and not (v > total).any() and v.any()
            ]
            parts = _disjoint(parts)
            if parts and shown[i]["column"] == column:
                learnt(total - np.sum(parts, axis=0), f"{_name(shown[i])} minus its parts")
    span = np.array(vectors) if vectors else np.zeros((0, hidden.size))
    rank = np.linalg.matrix_rank(span) if len(span) else 0
    for f in published:  # exact recovery of a withheld count by any linear combination
        n = f["vector"] @ hidden
        confidential = f["column"] != "denominator" or 1 <= n < threshold
        if f["withheld"] and confidential and n and rank:
            if np.linalg.matrix_rank(np.vstack([span, f["vector"]])) == rank:
                found.append(f"withheld {_name(f)} is a combination of published counts")
    return found


def _disjoint(vectors: list[np.ndarray]) -> list[np.ndarray]:
    chosen: list[np.ndarray] = []
    for v in vectors:
        if not any((v * c).any() for c in chosen):
            chosen.append(v)
    return chosen


def _name(f: dict) -> str:
    return f"{f['kpi_id']}.{f['column']} ({f['scope']} {pd.Timestamp(f['first']):%Y-%m})"


# Waiting lists: counts as at a date, by band (SPEC 5) --------------------------------

BANDS = ("up_to_18", "18_to_52", "over_52", "beyond_first")
"""Referrals waiting by band, and the referrals beyond each child's first (any band)."""
REFERRALS = {"up_to_18": 1, "18_to_52": 1, "over_52": 1}
WAITING = {
    ("wait_list", "value"): REFERRALS,
    ("wait_over_18wk", "numerator"): {"18_to_52": 1, "over_52": 1},
    ("wait_over_18wk", "denominator"): REFERRALS,
    ("wait_over_52wk", "numerator"): {"over_52": 1},
    ("wait_over_52wk", "denominator"): REFERRALS,
    ("wait_over_18wk_count", "value"): {"18_to_52": 1, "over_52": 1},
    ("wait_over_52wk_count", "value"): {"over_52": 1},
    # children: the referrals, less those beyond a child's first
    ("wait_children", "value"): {**REFERRALS, "beyond_first": -1},
    ("wait_median_open_weeks", "denominator"): REFERRALS,
}
"""What each waiting-list count holds (SPEC 5), as coefficients of :data:`BANDS`."""


def waiting_truth(referrals: pd.DataFrame, dates: list[pd.Timestamp]) -> np.ndarray:
    """Referrals waiting at each date by band, and those beyond each child's first."""
    counts = np.zeros((len(dates), len(BANDS)))
    stop = referrals["first_contact_date"].fillna(referrals["removed_date"])
    for i, t in enumerate(dates):
        waiting = (referrals["referral_date"] <= t) & ~(stop <= t)
        days = (t - referrals.loc[waiting, "referral_date"]).dt.days
        children = referrals.loc[waiting, "person_id"].nunique()
        counts[i] = [(days <= 126).sum(), ((days > 126) & (days <= 364)).sum(), (days > 364).sum(),
                     int(waiting.sum()) - children]
    return counts.ravel()


def waiting_figures(frame: pd.DataFrame, dates: list[pd.Timestamp], *, scope: str) -> list[dict]:
    """Every waiting-list count a frame shows or holds, as a vector over (date, band)."""
    out = []
    for r in frame.itertuples(index=False):
        for column in ("value", "numerator", "denominator"):
            bands = WAITING.get((r.kpi_id, column))
            if bands is None:
                continue
            if scope == "series":
                at = r.month + pd.offsets.MonthEnd(3 if r.grain == "quarter" else 1)
            else:
                at = pd.Timestamp(r.period_end)
            v = np.zeros((len(dates), len(BANDS)))
            for b, sign in bands.items():
                v[dates.index(at), BANDS.index(b)] = sign
            value = getattr(r, column)
            out.append({"scope": scope, "kpi_id": r.kpi_id, "column": column, "first": at,
                        "vector": v.ravel(),
                        "value": None if pd.isna(value) else float(value),
                        "withheld": bool(getattr(r, "suppressed", False))})
    return out


def small_classes(published: list[dict], hidden: np.ndarray, threshold: int) -> list[str]:
    """Groups of plans the published counts tell apart that hold 1 to ``threshold - 1``.

    Whatever an attacker derives from the published counts is a sum of such
    groups (the (month, group) cells every published count either holds or
    not), so while one holds 1 to ``threshold - 1`` a small figure may come
    back from some combination, even when no sum or difference :func:`attack`
    tries gives it. This is the exposure the release pass removes; publishing
    one more count that opens one is what the pass may not do.

    Returns
    -------
    list of str
        One line per such group, naming the published counts that hold it.
    """
    shown = [f for f in published if f["value"] is not None and not f["withheld"]]
    if not shown:
        return []
    sig = np.array([f["vector"] for f in shown]) > 0
    found = []
    for pattern in {tuple(col) for col in sig.T if col.any()}:
        cells = (sig == np.array(pattern)[:, None]).all(axis=0)
        n = hidden[cells].sum()
        if 1 <= n < threshold:
            holders = [_name(f) for f, on in zip(shown, pattern, strict=True) if on]
            found.append(f"{int(n)} plans held by {', '.join(holders[:3])}")
    return found

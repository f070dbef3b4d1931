"""One disclosure pass over everything a run publishes (SPEC 7: one run, one release).

Suppressing figure by figure is not enough: a month shown as ``c`` comes back
as the period total minus the other months, and the number of plans issued
minus the denominator of ``ehcp_20wk_excl`` counts the plans with a 20-week
exception. This pass looks at every count a run publishes at once: the
period's KPIs (``kpis.csv``), the previous period and the baseline, the
monthly series (``kpi_series.csv`` and the charts) and any other period the
pack prints (calendar years beside DfE's figures).

The method (the user guide, ``docs/disclosure.md``, gives the reasoning):

1. Each published count (numerator, denominator or count of one KPI over one
   span of time, or as at one date) is a set of *atoms*: the finest groups of
   children its family tells apart, in each stretch of time between the
   boundaries of any span (:mod:`sendreport.disclosure.links`).
2. Primary suppression: an *item* (one KPI's row for one period, month or
   date) is withheld when a count it shows, or the complement of its
   numerator (denominator minus numerator), is from 1 to ``threshold - 1``.
3. Complementary suppression: the atoms are grouped into *classes* by the set
   of published counts they belong to. Whatever sums and differences an
   attacker forms, every count they can derive is a sum of whole classes, so
   if every class holds 0 or at least ``threshold`` children, no derived count
   is from 1 to ``threshold - 1``, and no withheld item (which holds such a
   count) can be derived at all. A class counts even when it cannot be
   derived alone (a half year's total against a quarterly series); only one
   that no published count holds is left out. A class whose size not even
   the withheld counts fix (decisions to assess made late, where decisions
   are split by timeliness and, apart, by outcome) is no derivable count:
   only a union of such classes whose size the counts fix is, and a small one
   counts as a small class (``_small_unions``). While a class holds 1 to
   ``threshold - 1``, one more item is withheld, chosen to merge that class
   with a neighbour: the one that costs readers least
   (:func:`~sendreport.disclosure.rule.withholding_cost`: secondary figures
   and months before the headline counts and the plan's KPIs of the period),
   the smallest first among equal costs.
   Then every item withheld this way is offered back, the costliest first,
   and published if no class is small without it: no complementary item is
   withheld that could be published on its own.
   Each withheld item says why (:class:`~sendreport.disclosure.rule.WithheldReason`):
   small itself, or the small figure (KPI and time) or group it protects.
4. Coarser periods: when more than a quarter of a family's months with data
   would be withheld, its series is published by calendar quarter instead,
   and the pass runs again.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from threadpoolctl import ThreadpoolController

from sendreport.disclosure.cells import NOT_ABOUT_CHILDREN
from sendreport.disclosure.links import DIFFERENCES, LINKS, NUMERATOR_OF, SNAPSHOT, link_for
from sendreport.disclosure.rule import (
    WithheldReason,
    as_numbers,
    blank,
    check_audience,
    check_threshold,
    is_small,
    protect_lines,
    withholding_cost,
)
from sendreport.metrics.compute import EMPTY_REASON
from sendreport.metrics.coverage import NotAvailable
from sendreport.validation.rules import Rule

__all__ = [
    "OTHER_REASONS",
    "QUARTER_SHARE",
    "Release",
    "disclose_release",
    "quality_counts_people",
    "suppress_quality",
]

_THREADPOOLS = ThreadpoolController()
# The process's BLAS libraries, found once, as this module is imported. Finding them walks
# the loaded libraries (dl_iterate_phdr with a Python callback), which deadlocks beside an
# import of a compiled module in another thread; limiting them later does not walk again.

QUARTER_SHARE = 0.25
"""A family's series goes by quarter when more than this share of its months is withheld."""

_TIME = {"series": "month", "extra": "year", "previous": "previous", "baseline": "baseline",
         "kpis": "period"}
_BLANK = ("value", "numerator", "denominator", "lower_ci", "upper_ci")


@dataclass
class Release:
    """The figures one run publishes, after the disclosure pass.

    Attributes
    ----------
    kpis
        The ``kpis.csv`` frame: ``suppressed`` says the period's figure is
        withheld, ``previous_suppressed`` and ``baseline_suppressed`` the same
        for those columns. For the ``shared`` and ``families`` audiences the
        withheld values are missing. A withheld figure's ``reason`` (and
        ``previous_reason``, ``baseline_reason``) says why, in the words of
        :class:`~sendreport.disclosure.rule.WithheldReason`.
    series
        The ``kpi_series.csv`` frame (before SPC): one row per KPI, service and
        month, or quarter where a family's series goes by quarter (``grain``);
        ``suppressed`` flags withheld points, ``reason`` says why.
    extra
        Each further period the pack prints (by name), as a KPI frame with
        ``suppressed`` and ``reason``.
    """

    kpis: pd.DataFrame
    series: pd.DataFrame
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass
class _Item:
    frame: str
    row: int
    cost: int
    family: tuple[str, str]
    time: tuple
    figures: list[tuple[frozenset[str], float]]
    shown: list[float]
    size: float
    name: str
    when: str
    kpi_id: str = ""


def disclose_release(
    kpis: pd.DataFrame,
    series: pd.DataFrame,
    *,
    previous: pd.DataFrame | None = None,
    baseline: pd.DataFrame | None = None,
    extra: Mapping[str, pd.DataFrame] | None = None,
    threshold: int = 5,
    audience: str = "shared",
    not_people: Collection[str] = NOT_ABOUT_CHILDREN,
    charted: Collection[tuple[str, str]] = (),
    quarter_share: float = QUARTER_SHARE,
) -> Release:
    """Suppress the figures of one run so that no withheld figure can be derived.

    Parameters
    ----------
    kpis
        :func:`sendreport.metrics.compute_kpis` for the period, unsuppressed.
        Its ``previous`` and ``baseline`` columns are checked through
        ``previous`` and ``baseline``.
    series
        :func:`sendreport.metrics.kpi_series`, unsuppressed.
    previous
        ``compute_kpis`` for the previous period (the figures behind the
        ``previous`` column), or ``None`` when there is none.
    baseline
        ``compute_kpis`` for the baseline period when the ``baseline`` column
        comes from data. A baseline the plan states is its own published
        figure: only a count of children from 1 to ``threshold - 1`` is
        withheld.
    extra
        Other periods the pack prints (name to ``compute_kpis`` frame).
    threshold
        The smallest count that may be shown (params ``suppression_threshold``).
    audience
        ``"shared"`` or ``"families"`` blank what is withheld; ``"internal"``
        keeps every value and flags what a shared pack withholds. Both get the
        same series grain, so their SPC charts are computed on the same points.
    not_people
        KPI and measure ids that count no children (plan actions, measures
        with ``people: false``): never suppressed.
    charted
        ``(kpi_id, service)`` of the KPIs the plan tracks, whose series the pack
        charts: withholding any of their figures costs as much as a
        headline's (:func:`~sendreport.disclosure.rule.withholding_cost`), and
        a family's series goes by quarter when too many of their months would
        be withheld (by default, or when the family has none, all its series
        count).
    quarter_share
        See :data:`QUARTER_SHARE`.

    Returns
    -------
    Release

    Examples
    --------
    Three plans in August: the month is withheld and, since the period total
    minus July would give it back, so is July (the smaller other month):

    >>> k = pd.DataFrame({"kpi_id": ["ehcp_20wk_incl"], "service": [""],
    ...     "period_start": pd.Timestamp("2024-07-01"), "period_end": pd.Timestamp("2024-08-31"),
    ...     "value": [50.0], "numerator": [7], "denominator": [14], "unit": ["%"],
    ...     "lower_ci": [None], "upper_ci": [None], "baseline": [None], "target": [None],
    ...     "previous": [None]})
    >>> s = pd.DataFrame({"kpi_id": ["ehcp_20wk_incl"] * 3, "service": [""] * 3,
    ...     "month": pd.to_datetime(["2024-06-01", "2024-07-01", "2024-08-01"]),
    ...     "value": [50.0, 54.5, 33.3], "numerator": [5, 6, 1], "denominator": [10, 11, 3],
    ...     "lower_ci": None, "upper_ci": None})
    >>> r = disclose_release(k, s, quarter_share=1.0)
    >>> r.series["suppressed"].tolist(), bool(r.kpis["suppressed"].iloc[0])
    ([False, True, True], False)
    """
    check_audience(audience)
    check_threshold(threshold)
    not_people = frozenset(not_people)
    charted = frozenset(charted)
    frames = {"kpis": kpis.reset_index(drop=True)}
    if previous is not None:
        frames["previous"] = previous.reset_index(drop=True)
    if baseline is not None:
        frames["baseline"] = baseline.reset_index(drop=True)
    for name, frame in (extra or {}).items():
        frames[f"extra:{name}"] = frame.reset_index(drop=True)
    months = pd.to_datetime(series["month"]).reset_index(drop=True)
    monthly = series.reset_index(drop=True).assign(
        grain="month", span_first=months, span_last=months + pd.offsets.MonthEnd(0)
    )
    quarterly: set[tuple[str, str]] = set()
    while True:
        published = _series_at_grain(monthly, quarterly)
        frames["series"] = published
        withheld = _solve(frames, threshold, not_people, charted)
        more = _families_to_coarsen(published, withheld, quarter_share, charted) - quarterly
        if not more:
            break
        quarterly |= more
    return _publish(frames, withheld, kpis, threshold, audience, not_people)


# ----- items and their figures ------------------------------------------------------


def _items(
    frames: Mapping[str, pd.DataFrame], not_people: frozenset[str], charted: frozenset
) -> list[_Item]:
    units = dict(zip(frames["kpis"]["kpi_id"], frames["kpis"]["unit"], strict=True))
    out = []
    series = frames["series"]
    for name, frame in frames.items():
        kind = name.split(":")[0]
        for i, r in enumerate(frame.itertuples(index=False)):
            if r.kpi_id in not_people:
                continue
            unit = getattr(r, "unit", None) or units.get(r.kpi_id, "")
            link = link_for(r.kpi_id, unit, r.numerator, r.denominator)
            if link is None:
                continue
            family = (link.family, link.service if link.service is not None else r.service)
            parts = {}
            for column, atoms in link.parts.items():
                value = getattr(r, column)
                if value is not None and not pd.isna(value):
                    parts[column] = (atoms, float(value))
            if not parts:
                continue
            figures = list(parts.values())
            shown = [v for _, v in figures]
            if "numerator" in parts and "denominator" in parts:
                shown.append(parts["denominator"][1] - parts["numerator"][1])
            cost = withholding_cost(r.kpi_id, _TIME[kind],
                                    plan_kpi=(r.kpi_id, r.service) in charted)
            time = _time(r, name, kind, series)
            label = f"{r.kpi_id} ({r.service})" if r.service else str(r.kpi_id)
            out.append(_Item(name, i, cost, family, time, figures, shown,
                             max(v for _, v in figures), label, _when(r, kind), str(r.kpi_id)))
    _show_differences(out)
    return out


def _show_differences(items: list[_Item]) -> None:
    """Add to each count of :data:`DIFFERENCES` its difference from its partner, as shown.

    The partner is any figure of the partner family with the partner atoms, of
    the same service as at the same date, in any frame (a month end of the
    series is the period's end too; a list is also a percentage's denominator).
    """
    partners = set(DIFFERENCES.values())
    counts = {}
    for it in items:
        for atoms, value in it.figures:
            if (it.family[0], atoms) in partners:
                counts[(it.family[0], atoms, it.family[1], it.time)] = value
    for it in items:
        partner = DIFFERENCES.get(it.kpi_id)
        if partner is None:
            continue
        other = counts.get((*partner, it.family[1], it.time))
        if other is not None:
            it.shown.append(other - it.figures[0][1])


def _when(r, kind: str) -> str:
    """The time an item covers, as a reason names it: ``2024-07-01 to 2024-12-31``."""
    first, last = (r.span_first, r.span_last) if kind == "series" else (r.period_start,
                                                                         r.period_end)
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    if r.kpi_id in SNAPSHOT:
        return f"as at {last:%Y-%m-%d}"
    return f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"


def _time(r, name: str, kind: str, series: pd.DataFrame) -> tuple:
    """The time an item covers: ``("span", first, last)`` days or ``("at", date)``."""
    if kind == "series":
        if _is_measure(r.kpi_id):
            return ("at", pd.Timestamp(r.month))
        if r.kpi_id in SNAPSHOT:
            return ("at", pd.Timestamp(r.span_last))
        return ("span", pd.Timestamp(r.span_first), pd.Timestamp(r.span_last))
    start, end = pd.Timestamp(r.period_start), pd.Timestamp(r.period_end)
    if _is_measure(r.kpi_id):
        in_period = (series["kpi_id"] == r.kpi_id) & series["month"].between(start, end)
        dates = series.loc[in_period, "month"]
        return ("at", pd.Timestamp(dates.max())) if len(dates) else ("own", name, r.kpi_id)
    return ("at", end) if r.kpi_id in SNAPSHOT else ("span", start, end)


def _is_measure(kpi_id: str) -> bool:
    return kpi_id not in LINKS


# ----- the pass -----------------------------------------------------------------------


def _solve(
    frames: Mapping[str, pd.DataFrame], threshold: int, not_people: frozenset[str],
    charted: frozenset,
) -> dict[tuple[str, int], str]:
    """Return the (frame, row) of every withheld item, with the reason it is withheld."""
    items = _items(frames, not_people, charted)
    withheld: dict[tuple[str, int], str] = {}
    groups: dict[tuple[str, str], list[_Item]] = {}
    for item in items:
        groups.setdefault(item.family, []).append(item)
    # Small matrices: one BLAS thread is many times faster than a contended pool.
    with _THREADPOOLS.limit(limits=1, user_api="blas"):
        for group in groups.values():
            withheld.update(_solve_matrix(group, threshold))
    withheld.update(_with_numerators(items, withheld, threshold))
    return withheld


def _with_numerators(
    items: list[_Item], withheld: Mapping[tuple[str, int], str], threshold: int
) -> dict[tuple[str, int], str]:
    """Withhold the counts of ``NUMERATOR_OF`` and their percentages together.

    Each published item of a pair (same service and time, any frame) one of
    whose items is withheld, with the reason that it protects that one.
    Withholding more never makes a withheld figure derivable (the classes
    only merge).
    """
    pairs: dict[tuple, list[_Item]] = {}
    percentages = set(NUMERATOR_OF.values())
    for it in items:
        if it.kpi_id in NUMERATOR_OF or it.kpi_id in percentages:
            key = (NUMERATOR_OF.get(it.kpi_id, it.kpi_id), it.family, it.time)
            pairs.setdefault(key, []).append(it)
    out = {}
    for group in pairs.values():
        hidden = [it for it in group if (it.frame, it.row) in withheld]
        if not hidden:
            continue
        first = min(hidden, key=lambda it: (-it.cost, it.frame, it.row))
        reason = WithheldReason.PROTECTS.describe(threshold, first.name, first.when)
        for it in group:
            if (it.frame, it.row) not in withheld:
                out[(it.frame, it.row)] = reason
    return out


def _solve_matrix(items: list[_Item], threshold: int) -> dict[tuple[str, int], str]:
    _, fig_item, matrix, values = _matrix(items)
    pinv = np.linalg.pinv(matrix)
    x = pinv @ values
    projector = pinv @ matrix
    nonneg = _no_negative_atoms(matrix, values)
    primary = np.array([bool(is_small(list(it.shown), threshold).any()) for it in items])
    open_ = ~primary
    order = sorted(range(len(items)), key=lambda i: (items[i].cost, items[i].size, i))
    rank = np.empty(len(items), dtype=int)
    rank[order] = np.arange(len(items))

    def bad(open_items: np.ndarray) -> list[tuple[np.ndarray, int]]:
        sig = matrix[open_items[fig_item]]
        if not len(sig):
            return []
        keys = np.packbits(sig.astype(bool), axis=0).T
        _, label = np.unique(keys, axis=0, return_inverse=True)
        label = label.ravel()
        member = label[None, :] == np.arange(label.max() + 1)[:, None]
        # A class some published count holds is part of a derivable count, even when it
        # cannot be derived alone; its size is what every figure (withheld too) fixes, and
        # a size they leave open is treated as small.
        seen = (member.astype(np.int64) @ sig.any(axis=0)) > 0
        known = np.abs(member @ projector - member).max(axis=1) <= 1e-6
        counts = np.rint(member @ x).astype(int)
        small = known & is_small(counts, threshold)
        out = [(member[k], int(counts[k])) for k in np.flatnonzero(seen & small)]
        return out + _small_unions(member[seen & ~known], projector, nonneg, threshold)

    while True:
        trouble = bad(open_)
        if not trouble:
            break
        members, _ = trouble[0]
        first = int(np.flatnonzero(members)[0])
        touching = np.unique(fig_item[(matrix[:, members].any(axis=1)) & open_[fig_item]])
        candidates = _neighbours(open_, fig_item, matrix, members)
        candidates = sorted(set(candidates) | set(touching.tolist()), key=lambda i: rank[i])
        # Only the cheapest items are tried: the one whose loss alone mends the class if
        # there is one, else the least of them (the next round goes on).
        lowest = [i for i in candidates if items[i].cost == items[candidates[0]].cost]
        choice = lowest[0]
        for i in lowest:
            trial = open_.copy()
            trial[i] = False
            if not any(m[first] for m, _ in bad(trial)):
                choice = i
                break
        open_[choice] = False
    # Greedy choices made early can prove needless once later ones are made: offer back
    # every withheld item, the costliest first, and publish it if it leaves no class small.
    # What stays withheld is minimal: publishing any one complementary item alone would
    # leave a class small.
    for i in sorted(np.flatnonzero(~open_ & ~primary), key=lambda i: -rank[i]):
        open_[i] = True
        if bad(open_):
            open_[i] = False
    reasons = {(items[i].frame, items[i].row): WithheldReason.SMALL.describe(threshold)
               for i in np.flatnonzero(primary)}
    small_sets = _small_sets(items, primary, fig_item, matrix, values, threshold)
    for i in np.flatnonzero(~open_ & ~primary):
        trial = open_.copy()
        trial[i] = True
        members, _ = bad(trial)[0]
        reasons[(items[i].frame, items[i].row)] = _protects(
            members, small_sets, items, trial, fig_item, matrix, threshold
        )
    return reasons


UNION_LIMIT = 20_000
"""How many unions of classes of open size one check tries before it treats them all as small."""


def _small_unions(member: np.ndarray, projector: np.ndarray, lowest: np.ndarray | None,
                  threshold: int) -> list[tuple[np.ndarray, int]]:
    """The unions of classes of open size that the figures may fix at 1 to ``threshold - 1``.

    A class whose size no set of figures fixes (decisions to assess made
    late, where the figures split decisions by timeliness and, apart, by
    outcome) cannot be derived alone, and its size is no count to withhold.
    What could be derived is a union of such classes whose indicator lies in
    the figures' row space; its size is then the same under every count of
    the atoms the figures allow, ``lowest`` among them, one with no negative
    atom. A small union is therefore made of classes that ``lowest`` gives
    fewer than ``threshold`` children between them, with any classes it gives
    none: every set of the first kind adding up to 1 to ``threshold - 1`` is
    tried, and kept (as ``(atoms, count)``) when the second kind could
    complete it to a union in the row space (a real combination, which
    errs on the side of withholding). Without ``lowest``, or past
    :data:`UNION_LIMIT` sets, every class is treated as small.
    """
    if not len(member):
        return []
    member = member.astype(float)
    if lowest is None:
        return [(m > 0, 0) for m in member]
    gap = member @ projector - member  # classes x atoms: zero where a size is fixed
    sizes = member @ lowest
    top = threshold - 1 + 1e-6
    light = np.flatnonzero((sizes > 1e-6) & (sizes <= top))
    empty = np.flatnonzero(sizes <= 1e-6)
    rest = gap[empty].T  # atoms x empty classes
    out: list[tuple[np.ndarray, int]] = []
    tried = 0
    stack = [((), 0.0, 0)]
    while stack:
        chosen, total, start = stack.pop()
        for j in range(start, len(light)):
            k = light[j]
            if total + sizes[k] > top:
                continue
            tried += 1
            if tried > UNION_LIMIT:
                return [(m > 0, 0) for m in member]
            now, size = (*chosen, k), total + sizes[k]
            stack.append((now, size, j + 1))
            count = int(np.rint(size))
            if abs(size - count) > 1e-6 or not is_small(count, threshold):
                continue
            need = -gap[list(now)].sum(axis=0)
            if len(empty):
                fill = np.linalg.lstsq(rest, need, rcond=None)[0]
                need = need - rest @ fill
            if np.abs(need).max() <= 1e-6:
                out.append((member[list(now)].sum(axis=0) > 0, count))
    return out


def _no_negative_atoms(matrix: np.ndarray, values: np.ndarray) -> np.ndarray | None:
    """A count of every atom that gives every figure, as far from zero as the figures allow.

    The smallest count of an atom that no figure of 0 holds is made as large
    as it can be (a linear programme), so that an atom is 0 only where the
    figures leave it no room; ``None`` when no count without a negative atom
    gives every figure.
    """
    if not matrix.size:
        return None
    free = ~(matrix[values <= 0] > 0).any(axis=0)  # atoms no figure of 0 holds
    n = matrix.shape[1]
    floor = np.zeros((int(free.sum()), n + 1))
    floor[np.arange(len(floor)), np.flatnonzero(free)] = -1.0
    floor[:, n] = 1.0  # t <= every free atom
    found = linprog(
        np.r_[np.zeros(n), -1.0], A_ub=floor if len(floor) else None,
        b_ub=np.zeros(len(floor)) if len(floor) else None,
        A_eq=np.c_[matrix, np.zeros(len(matrix))], b_eq=values,
        bounds=[(0, None)] * n + [(0, max(1.0, float(values.max())))], method="highs",
    )
    return found.x[:n] if found.status == 0 else None


def _small_sets(items, primary, fig_item, matrix, values,
                threshold) -> list[tuple[int, np.ndarray]]:
    """Each small count a withheld item shows, as (item, its atoms)."""
    out = []
    for i in np.flatnonzero(primary):
        rows = np.flatnonzero(fig_item == i)
        for r in rows:
            if is_small(values[r], threshold):
                out.append((int(i), matrix[r] > 0))
        if len(rows) == 2 and len(items[i].shown) > 2:  # numerator, denominator, complement
            numerator, denominator = rows[0], rows[1]
            if is_small(values[denominator] - values[numerator], threshold):
                out.append((int(i), (matrix[denominator] > 0) & ~(matrix[numerator] > 0)))
    return out


def _protects(members, small_sets, items, open_, fig_item, matrix, threshold) -> str:
    """The reason of an item that, published, would leave the class ``members`` small."""
    members = members.astype(bool)
    inside = [(int(s.sum()), i) for i, s in small_sets if not (members & ~s).any()]
    meeting = [(-int((members & s).sum()), int(s.sum()), i) for i, s in small_sets
               if (members & s).any()]
    if inside or meeting:
        i = min(inside)[1] if inside else min(meeting)[2]
        return WithheldReason.PROTECTS.describe(threshold, items[i].name, items[i].when)
    # A group no withheld figure shows: name the smallest published figure that holds it,
    # else (a group only a difference of published figures fixes) the smallest that meets it
    rows = np.flatnonzero(open_[fig_item] & ~(members & ~(matrix > 0)).any(axis=1))
    if not len(rows):
        rows = np.flatnonzero(open_[fig_item] & (matrix[:, members] > 0).any(axis=1))
    if not len(rows):
        return WithheldReason.PROTECTS_GROUP.describe(
            threshold, "the figures published beside it", "the same dates")
    item = items[fig_item[min(rows, key=lambda r: (matrix[r].sum(), r))]]
    return WithheldReason.PROTECTS_GROUP.describe(threshold, item.name, item.when)


def _neighbours(open_: np.ndarray, fig_item: np.ndarray, matrix: np.ndarray,
                members: np.ndarray) -> list[int]:
    """Items whose removal alone merges the class with another class (or hides it)."""
    rows = np.flatnonzero(open_[fig_item])
    sig = matrix[rows]
    mine = sig[:, np.flatnonzero(members)[0]]
    # For each other atom, the items of the counts that tell it apart from the class:
    # when they are all one item, withholding that item merges the two.
    differ = sig != mine[:, None]
    owner = fig_item[rows][:, None]
    none = np.iinfo(np.int64).max
    low = np.where(differ, owner, none).min(axis=0, initial=none)
    high = np.where(differ, owner, -1).max(axis=0, initial=-1)
    one = differ.any(axis=0) & (low == high) & ~members.astype(bool)
    return sorted({int(i) for i in low[one]})


def _matrix(items: list[_Item]):
    """Atoms of a family (time stretch x group), and one 0/1 row per published count."""
    groups = sorted(frozenset().union(*(a for it in items for a, _ in it.figures)))
    cuts = sorted({t for it in items if it.time[0] == "span" for t in (it.time[1],
                   it.time[2] + pd.Timedelta(days=1))})
    points = sorted({tuple(map(str, it.time)) for it in items if it.time[0] != "span"})
    stretches = [("span", a, b) for a, b in zip(cuts, cuts[1:], strict=False)]
    times = stretches + [("point", p) for p in points]
    atoms = [(t, g) for t in range(len(times)) for g in groups]
    index = {a: j for j, a in enumerate(atoms)}
    rows, fig_item, values = [], [], []
    for i, it in enumerate(items):
        if it.time[0] == "span":
            end = it.time[2] + pd.Timedelta(days=1)
            covered = [t for t, s in enumerate(stretches) if s[1] >= it.time[1] and s[2] <= end]
        else:
            covered = [len(stretches) + points.index(tuple(map(str, it.time)))]
        for group_atoms, value in it.figures:
            row = np.zeros(len(atoms))
            for t in covered:
                for g in group_atoms:
                    row[index[(t, g)]] = 1.0
            rows.append(row)
            fig_item.append(i)
            values.append(value)
    return atoms, np.array(fig_item, dtype=int), np.array(rows), np.array(values)


# ----- series grain --------------------------------------------------------------------


def _series_at_grain(monthly: pd.DataFrame, quarterly: set[tuple[str, str]]) -> pd.DataFrame:
    """The series as published: those of the families in ``quarterly`` by calendar quarter.

    The quarters of every series of those families are formed together, in
    one pass over their months. A count over days is the quarter's sum:
    ``numerator`` and ``denominator`` the months' sums (missing where every
    month's is), ``value`` their percentage (missing unless the denominator
    is above 0) with no interval, spanning the quarter's months. A count as
    at a date (:data:`~sendreport.disclosure.links.SNAPSHOT`) is its last
    month's row (the last in ``monthly``'s order), as at that month's end.
    With a ``reason`` column, a quarter
    with a month the data do not cover
    (:meth:`~sendreport.metrics.coverage.NotAvailable.uncovered`) has no
    figures and that month's reason (the first such month's), a summed
    quarter whose denominator is 0 has nothing to measure, and any other
    quarter's reason is ``""``.

    Parameters
    ----------
    monthly
        The monthly series with ``grain``, ``span_first`` and ``span_last``,
        as :func:`disclose_release` makes it.
    quarterly
        ``(family, service)`` of the families published by quarter
        (:func:`_family_keys`).

    Returns
    -------
    pandas.DataFrame
        ``monthly``'s columns; a quarter's row has ``grain`` ``"quarter"``
        and its first day as ``month``. Series in the order they first appear
        in ``monthly``, each by ``month``; a fresh index. ``monthly`` itself
        when ``quarterly`` is empty.

    Examples
    --------
    >>> m = pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"])
    >>> s = pd.DataFrame({"kpi_id": "ehcp_20wk_excl", "service": "", "month": m,
    ...     "value": [50.0, 0.0, 100.0, 100.0], "numerator": pd.array([1, 0, 3, 2], "Int64"),
    ...     "denominator": pd.array([2, 1, 3, 2], "Int64"), "lower_ci": 0.0, "upper_ci": 1.0,
    ...     "grain": "month", "span_first": m, "span_last": m + pd.offsets.MonthEnd(0)})
    >>> q = _series_at_grain(s, {("issued", "")})
    >>> q[["month", "numerator", "denominator", "value", "upper_ci", "grain", "span_last"]]
           month  numerator  denominator       value  upper_ci    grain  span_last
    0 2024-01-01          4            6   66.666667       NaN  quarter 2024-03-31
    1 2024-04-01          2            2  100.000000       NaN  quarter 2024-04-30
    """
    if not quarterly or monthly.empty:
        return monthly
    # Each series' place in ``monthly`` orders the result; it rides along as a column.
    monthly = monthly.assign(
        _rank=monthly.groupby(["kpi_id", "service"], sort=False, dropna=False).ngroup()
    )
    coarse = _family_keys(monthly).isin(quarterly).to_numpy()
    as_at = monthly["kpi_id"].isin(SNAPSHOT).to_numpy()
    parts = [monthly[~coarse]]
    for rows, quarters in ((coarse & ~as_at, _summed_quarters), (coarse & as_at, _last_months)):
        if rows.any():
            parts.append(quarters(monthly[rows])[list(monthly.columns)])
    out = pd.concat(parts, ignore_index=True)
    for col in ("numerator", "denominator"):
        out[col] = out[col].astype("Int64")
    return (out.sort_values(["_rank", "month"], kind="stable")
            .drop(columns="_rank").reset_index(drop=True))


def _quarter_runs(rows: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """``rows`` sorted into runs, one per quarter of a series (``_rank``).

    Returns the sorted rows, each one's quarter (its first day) and where
    each run starts. The sort is stable: a run keeps its months in the order
    of ``rows``.

    Examples
    --------
    >>> r = pd.DataFrame({"_rank": [0, 1, 0], "month": pd.to_datetime(
    ...     ["2024-01-01", "2024-01-01", "2024-04-01"])})
    >>> runs, quarter, first = _quarter_runs(r)
    >>> runs.index.tolist(), first.tolist()
    ([0, 2, 1], [0, 1, 2])
    """
    quarter = rows["month"].dt.to_period("Q").dt.start_time.to_numpy()
    series = rows["_rank"].to_numpy()
    order = np.lexsort((quarter, series))
    quarter, series = quarter[order], series[order]
    new = np.r_[True, (quarter[1:] != quarter[:-1]) | (series[1:] != series[:-1])]
    return rows.iloc[order], quarter, np.flatnonzero(new)


def _summed_quarters(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per quarter of each series of a count over days: the sums of its months."""
    rows, quarter, first = _quarter_runs(rows)
    counts = {}
    for column in ("numerator", "denominator"):
        values = as_numbers(rows[column])
        known = ~np.isnan(values)
        total = np.add.reduceat(np.where(known, values, 0.0), first)
        counts[column] = np.where(np.add.reduceat(known, first) > 0, total, np.nan)
    num, den = counts["numerator"], counts["denominator"]
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(den > 0, 100 * num / den, np.nan)
    reasons = {}
    if "reason" in rows:
        reason, kind = _uncovered_reasons(rows, first)
        gone = reason != ""
        value, num, den = (np.where(gone, np.nan, v) for v in (value, num, den))
        empty = ~gone & (den == 0)
        reason[empty] = EMPTY_REASON
        kind[empty] = NotAvailable.NOTHING_TO_MEASURE
        reasons = {"reason": pd.Series(reason, dtype=object).astype(str), "not_available": kind}
    return pd.DataFrame({
        "_rank": rows["_rank"].to_numpy()[first],
        "kpi_id": rows["kpi_id"].to_numpy()[first],
        "service": rows["service"].to_numpy()[first],
        "month": quarter[first],
        "value": value, "numerator": num, "denominator": den,
        "lower_ci": np.nan, "upper_ci": np.nan, "grain": "quarter",
        "span_first": np.minimum.reduceat(rows["span_first"].to_numpy(), first),
        "span_last": np.maximum.reduceat(rows["span_last"].to_numpy(), first),
        **reasons,
    })


def _last_months(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per quarter of each series of a count as at a date: its last month's row."""
    rows, quarter, first = _quarter_runs(rows)
    last = np.r_[first[1:], len(rows)] - 1
    out = rows.iloc[last].copy()
    out["month"] = quarter[last]
    out["span_first"] = out["span_last"]
    out["grain"] = "quarter"
    if "reason" in rows:
        reason, kind = _uncovered_reasons(rows, first)
        out["reason"] = pd.Series(reason, index=out.index, dtype=object).astype(str)
        out["not_available"] = pd.Series(kind, index=out.index, dtype=object)
        gone = reason != ""
        if gone.any():
            out.loc[gone, ["value", "numerator", "denominator"]] = np.nan
    return out


def _uncovered_reasons(rows: pd.DataFrame, first: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each run's first month the data do not cover: its ``reason`` and kind (``""``, None if none).

    Examples
    --------
    >>> r = pd.DataFrame({"reason": ["", "nothing to measure", "no data", "none yet"],
    ...     "not_available": [None, NotAvailable.NOTHING_TO_MEASURE,
    ...                       NotAvailable.HISTORY_NEEDED, NotAvailable.HISTORY_NEEDED]})
    >>> reason, kind = _uncovered_reasons(r, np.array([0, 2]))
    >>> reason.tolist(), [k and k.name for k in kind]
    (['', 'no data'], [None, 'HISTORY_NEEDED'])
    """
    n = len(rows)
    kinds = (rows["not_available"].to_numpy(dtype=object) if "not_available" in rows
             else np.full(n, None, dtype=object))
    uncovered = np.array([NotAvailable.uncovered(k) for k in kinds], dtype=bool)
    at = np.minimum.reduceat(np.where(uncovered, np.arange(n), n), first)
    found = at < n
    reason = np.full(len(first), "", dtype=object)
    reason[found] = rows["reason"].fillna("").astype(str).to_numpy(dtype=object)[at[found]]
    kind = np.full(len(first), None, dtype=object)
    kind[found] = kinds[at[found]]
    return reason, kind


def _family_keys(series: pd.DataFrame) -> pd.Series:
    keys = []
    for kpi_id, service, num, den in zip(series["kpi_id"], series["service"],
                                         series["numerator"], series["denominator"], strict=True):
        link = link_for(kpi_id, "", num, den)
        family = link.family if link is not None else f"measure:{kpi_id}"
        svc = link.service if link is not None and link.service is not None else service
        keys.append((family, svc))
    return pd.Series(keys, index=series.index, dtype="object")


def _families_to_coarsen(
    series: pd.DataFrame, withheld: set[tuple[str, int]], share: float, charted: frozenset
) -> set[tuple[str, str]]:
    if series.empty:
        return set()
    monthly = (series["grain"] == "month").to_numpy()
    measure = np.array([_is_measure(k) for k in series["kpi_id"]])
    den = as_numbers(series["denominator"])
    has_data = monthly & ~measure & (den > 0)
    flags = np.array([("series", i) in withheld for i in range(len(series))])
    keys = _family_keys(series)
    out = set()
    is_charted = np.array([k in charted for k in zip(series["kpi_id"], series["service"],
                                                         strict=True)], dtype=bool)
    for key in set(keys[has_data]):
        mine = has_data & (keys == key).to_numpy()
        if (mine & is_charted).any():
            mine &= is_charted
        if flags[mine].sum() > share * mine.sum():
            out.add(key)
    return out


# ----- publishing ------------------------------------------------------------------------


def _publish(frames, withheld, kpis, threshold, audience, not_people) -> Release:
    hide = audience != "internal"

    def flagged(name: str) -> np.ndarray:
        frame = frames[name]
        return np.array([(name, i) in withheld for i in range(len(frame))], dtype=bool)

    def why(name: str, frame: pd.DataFrame, column: str = "reason") -> pd.Series:
        """``column`` of ``frame`` with the reason of each withheld row of frame ``name``."""
        old = frame[column] if column in frame else pd.Series("", index=frame.index)
        new = [withheld.get((name, i)) for i in range(len(frame))]
        return pd.Series([n if n is not None else o for n, o in zip(new, old, strict=True)],
                         index=frame.index, dtype="object")

    out = frames["kpis"]
    flag = flagged("kpis")
    if hide:
        out = out.assign(**{c: blank(out[c], flag) for c in _BLANK if c in out})
    out = out.assign(suppressed=flag, reason=why("kpis", out))
    previous_flag, previous_reason = _column_flag(frames, "previous", out, withheld)
    out = out.assign(previous_suppressed=previous_flag)
    base, base_reason = _column_flag(frames, "baseline", out, withheld)
    stated = ~_keys_in(out, frames.get("baseline"))
    people = ~out["kpi_id"].isin(list(not_people)).to_numpy(dtype=bool)
    small = (out["unit"] == "count").to_numpy(dtype=bool) & people & stated
    small &= is_small(as_numbers(out["baseline"]), threshold)
    base_reason[small & ~base] = WithheldReason.SMALL.describe(threshold)
    base |= small
    out = out.assign(baseline_suppressed=base)
    out = out.assign(**{
        column: [r if r is not None else o for r, o in zip(
            reasons, out[column] if column in out else [""] * len(out), strict=True)]
        for column, reasons in (("previous_reason", previous_reason),
                                ("baseline_reason", base_reason))
    })
    if hide:
        out = out.assign(previous=blank(out["previous"], out["previous_suppressed"].to_numpy()),
                         baseline=blank(out["baseline"], base))
    series = frames["series"].drop(columns=["span_first", "span_last"])
    sflag = flagged("series")
    if hide:
        series = series.assign(**{c: blank(series[c], sflag) for c in _BLANK if c in series})
    series = series.assign(suppressed=sflag, reason=why("series", series))
    extra = {}
    for name in frames:
        if name.startswith("extra:"):
            f = frames[name]
            ef = flagged(name)
            if hide:
                f = f.assign(**{c: blank(f[c], ef) for c in _BLANK if c in f})
            extra[name.split(":", 1)[1]] = f.assign(suppressed=ef, reason=why(name, f))
    return Release(out, series, extra)


def _keys_in(kpis: pd.DataFrame, other: pd.DataFrame | None) -> np.ndarray:
    if other is None:
        return np.zeros(len(kpis), dtype=bool)
    keys = set(zip(other["kpi_id"], other["service"], strict=True))
    return np.array([k in keys for k in zip(kpis["kpi_id"], kpis["service"], strict=True)])


def _column_flag(frames, name, kpis, withheld) -> tuple[np.ndarray, np.ndarray]:
    """For the rows of ``kpis``: their figure in frame ``name`` is withheld, and why."""
    flag = np.zeros(len(kpis), dtype=bool)
    reasons = np.full(len(kpis), None, dtype=object)
    if name not in frames:
        return flag, reasons
    other = frames[name]
    why = {k: withheld[(name, i)] for i, k in enumerate(zip(other["kpi_id"], other["service"],
                                                             strict=True)) if (name, i) in withheld}
    for j, k in enumerate(zip(kpis["kpi_id"], kpis["service"], strict=True)):
        if k in why:
            flag[j], reasons[j] = True, why[k]
    return flag, reasons


LEFT_OUT = Rule.LEFT_OUT.value
"""Prefix of the ``data_quality.csv`` rules that count the analyst's exclusions by reason."""

OTHER_REASONS = Rule.LEFT_OUT.of("other reasons")
"""The one row that replaces, in a shared or families pack, every withheld exclusion reason."""

NOT_PEOPLE_TABLES = frozenset({"measures"})
"""Input tables whose rows are not records of children (a measure's row is a published figure)."""

NOT_PEOPLE_RULES = frozenset({Rule.BLANK_ROW})
"""``data_quality.csv`` rules that count no record of a child (an empty line carries none)."""

SAME_AS_ROWS_READ = frozenset({Rule.ENCODING_WINDOWS_1252})
"""Rules whose count is the file's ``rows_read`` again: withheld with it."""

_NOT_EXCLUDING = frozenset({
    Rule.ROWS_READ, Rule.ROWS_EXCLUDED, Rule.ROWS_USED, Rule.BLANK_ROW, Rule.DUPLICATE_ROW,
    Rule.VALUE_NORMALISED, Rule.VALUE_RECODED, Rule.LEFT_OUT_ID_NOT_FOUND, Rule.UNRECOGNISED_TAG,
    *SAME_AS_ROWS_READ,
    # a SEN2 return's notes that keep the record (sendreport.sen2.tables)
    Rule.HISTORICAL_CHAIN, Rule.REFUSAL_OVERTURNED, Rule.PLAN_NOT_YET_ISSUED,
    Rule.EXPORTED_TO_ANOTHER_LA, Rule.WITHDRAWN_WITHOUT_DATE, Rule.REPEATED_ELEMENT,
})
"""Rules that are not part of ``rows_excluded`` (the others are, or are treated as if)."""

_NOT_COUNTED_FAMILIES = (Rule.LEFT_OUT, Rule.QUERY, Rule.NON_CANONICAL)
"""Families of rules outside ``rows_excluded``: exclusions by reason, queries, codes mapped."""


def suppress_quality(
    quality: pd.DataFrame, *, threshold: int = 5, audience: str = "shared"
) -> pd.DataFrame:
    """Apply the disclosure rule to every count of ``data_quality.csv`` (and Appendix B).

    A count of records in a table of children's records (``requests``,
    ``reviews``, ``referrals``) counts children: an unreadable date, a
    duplicate, a record to query, a reason an analyst left a record out, rows
    read, excluded and used. Each from 1 to ``threshold - 1`` is withheld
    (:func:`~sendreport.disclosure.rule.is_small`). Only the rows of the
    ``measures`` table (each a published figure, not a child) and blank lines
    (:data:`NOT_PEOPLE_RULES`) count no child.

    Complementary suppression: a file's counts add up (rows read = blank
    lines + records left out + rows excluded + exact copies + rows used, and
    rows excluded = the records of each excluding rule), so while one of those
    sums has a single withheld member, or withheld members adding up to 1 to
    ``threshold - 1`` beside a published total, the next smallest member is
    withheld too (or the total). For the ``shared`` and ``families`` audiences
    the withheld exclusion reasons are not named: they become one row,
    :data:`OTHER_REASONS`, itself withheld.

    Parameters
    ----------
    quality
        ``LoadedData.quality``: ``table, file, column, rule, count``.
    threshold, audience
        As for :func:`disclose_release`.

    Returns
    -------
    pandas.DataFrame
        ``quality`` with a boolean ``suppressed`` column; for the ``shared`` and
        ``families`` audiences suppressed counts are missing and withheld
        reasons grouped. Appendix B prints this frame as it is.

    Examples
    --------
    >>> q = pd.DataFrame({"table": "requests", "file": "r.csv", "column": "",
    ...     "rule": ["rows_read", "left_out: moved away", "rows_excluded", "rows_used"],
    ...     "count": [100, 2, 0, 98]})
    >>> out = suppress_quality(q)
    >>> out["rule"].tolist()
    ['rows_read', 'left_out: other reasons', 'rows_excluded', 'rows_used']
    >>> out["count"].tolist()
    [100, <NA>, 0, <NA>]
    """
    check_audience(audience)
    check_threshold(threshold)
    out = quality.reset_index(drop=True)
    count = as_numbers(out["count"])
    rule = out["rule"].astype(str)
    flag = quality_counts_people(out) & is_small(count, threshold)
    lines = []
    for _, rows in out.groupby(["table", "file"], sort=False):
        lines += _quality_lines(rows.index.to_numpy(), rule.to_numpy())
    protect_lines(count, flag, lines, threshold)
    if audience == "internal":
        return out.assign(suppressed=flag)
    out = out.assign(count=blank(out["count"], flag), suppressed=flag)
    return _group_withheld_reasons(out)


def quality_counts_people(quality: pd.DataFrame) -> np.ndarray:
    """True for the rows of ``data_quality.csv`` that count records of children.

    Examples
    --------
    >>> q = pd.DataFrame({"table": ["requests", "requests", "measures"],
    ...                   "rule": ["invalid_date", "blank_row", "rows_read"]})
    >>> quality_counts_people(q).tolist()
    [True, False, False]
    """
    rule = quality["rule"].astype(str)
    return ~(quality["table"].isin(list(NOT_PEOPLE_TABLES)) | rule.isin(list(NOT_PEOPLE_RULES))
             ).to_numpy(dtype=bool)


def _quality_lines(idx: np.ndarray, rule: np.ndarray) -> list[tuple[list[int], int]]:
    """The sums one file's counts make, as (members, total) positions."""
    mine = {r: [int(i) for i in idx if rule[i] == r] for r in (Rule.ROWS_READ, Rule.ROWS_EXCLUDED)}
    if len(mine[Rule.ROWS_READ]) != 1:
        return []
    read = mine[Rule.ROWS_READ][0]
    excluded = mine[Rule.ROWS_EXCLUDED][:1]
    left = [int(i) for i in idx if Rule.LEFT_OUT.holds(rule[i])]
    parts = [int(i) for i in idx if rule[i] in (Rule.BLANK_ROW, Rule.DUPLICATE_ROW, Rule.ROWS_USED)]
    failing = [int(i) for i in idx if rule[i] not in _NOT_EXCLUDING
               and not any(f.holds(rule[i]) for f in _NOT_COUNTED_FAMILIES)]
    lines = [([int(i) for i in idx if rule[i] in SAME_AS_ROWS_READ], read)] if any(
        rule[i] in SAME_AS_ROWS_READ for i in idx) else []
    lines.append((left + excluded + parts, read))
    if excluded and failing:
        # rows excluded is the records of the excluding rules (exactly, unless a record
        # broke two), and so is rows read less everything else
        lines.append((failing, excluded[0]))
        lines.append((left + failing + parts, read))
    return [(m, t) for m, t in lines if m]


def _group_withheld_reasons(out: pd.DataFrame) -> pd.DataFrame:
    """One withheld ``left_out: other reasons`` row per file in place of the withheld reasons."""
    gone = out["rule"].astype(str).str.startswith(LEFT_OUT).to_numpy(dtype=bool) & out[
        "suppressed"].to_numpy(dtype=bool)
    if not gone.any():
        return out
    first = out[gone].groupby(["table", "file"], sort=False).head(1).index
    out = out.copy()
    out.loc[first, "rule"] = OTHER_REASONS
    keep = ~gone
    keep[first.to_numpy()] = True
    return out[keep].reset_index(drop=True)

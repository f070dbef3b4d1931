"""Statistical process control in the NHS England Making Data Count style.

An XmR ("plot the dots") chart per series: the mean, process limits from the
mean moving range, and four rules that flag special cause variation
(SPEC section 6). All series are computed at once with array operations, so
thousands of facets cost little more than one.

The NHS-R Community's R package NHSRplotthedots is the reference
implementation; ``tests/data/ptd`` holds its expected results and the tests
reproduce them. Where SPEC 6 is explicit we follow it, which differs from the
package only at edges:

- two of three: SPEC asks for points strictly between the 2 sigma line and the
  process limit, so a point exactly on a limit is neither outside nor close
  (the package counts it as close). The rule is called ``two_of_three``
  (the package says "2 in 3").
- the 2 sigma line is ``2 / 3 * 2.66`` mean moving ranges, as in the package;
  SPEC's 1.7733 is that number rounded.
- ``run_length`` may be 6 (the package has 7 only); it applies to trends and
  shifts alike.

Where SPEC is silent we chose what an analyst would expect:

- missing values (suppressed months) are skipped for the mean, moving ranges
  are taken only between consecutive observed points, and a missing month
  breaks every run. The package assumes no gaps: a missing value there ends
  runs too, but its trend helper can fail on one. Their ``point_type`` is
  missing (the package would call them common cause).
- a series whose moving ranges are all 0 keeps limits equal to its mean (the
  package screens every range out, since 0 >= 0, and leaves no limits). Its
  points all lie on the mean, so none is outside the limits or part of a
  shift: a constant series (21 months at 0%, say) is common cause throughout.
- a long run at 0% inside a series that later rises is a different matter:
  its points lie below the mean of the whole series (lifted by the later
  months), so the shift rule flags them, as the package does. :func:`xmr`
  itself follows the package; the pack then takes such a series out of XmR
  altogether (:func:`rare_events`, below).

Rare events (SPEC 6): a series whose published points are at least half
exactly 0 (:data:`RARE_EVENT_SHARE`, :func:`is_rare`) is not given XmR limits
or rules: limits on percentages near 0 collapse, and the first rise is then
flagged as the wrong kind of special cause (22 months at 0% then a rise read
as "improvement" in its first month). Making Data Count's rare-event charts
(a t or g chart of the time between events) need the dates of the events
themselves and about 20 of them; a monthly share of a list gives neither, so
:func:`rare_events` draws the series as a run chart with no limits and no
special-cause colouring, and :func:`reading` says its variation and
assurance are not assessed ("rare events: ... judged by the latest value
against the baseline"), the rule the pack then applies.

The reading of a series (:func:`reading`) is taken at its latest point in
the period only: when that point is withheld or not available, variation and
assurance are not assessed, with the reason, never read from an older point.
- ``fix_after_n_points`` counts observed points (the package counts rows).
- a rebase date starts a new group at the first point on or after it (the
  package needs the exact date of a point).
- trial limits are a column, not a warning: a rebase group with fewer than 12
  observed points (or fewer than ``fix_after_n_points``, when smaller) has
  trial limits, as the package's warning says.
- a point shared by a rising and a falling trend takes the direction of the
  later trend, as the package does (it differs only where the next step is 0).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sendreport.errors import DataValidationError, ParameterError
from sendreport.vocabulary import IMPROVEMENTS, Improvement

__all__ = [
    "CREATES",
    "POINT_TYPES",
    "RARE_EVENT_SHARE",
    "RULES",
    "Reading",
    "assurance",
    "is_rare",
    "rare_events",
    "reading",
    "variation",
    "xmr",
]

LIMIT = 2.66
"""Process limits sit ``LIMIT`` mean moving ranges from the mean (3 sigma)."""
NEAR_LIMIT = 2 * LIMIT / 3
"""The 2 sigma line used by the two-of-three rule (1.7733 mean moving ranges)."""
SCREEN = 3.267
"""Moving ranges at or above ``SCREEN`` times their mean are screened out."""
TRIAL_POINTS = 12
"""Limits from fewer points than this are trial limits."""
RARE_EVENT_SHARE = 0.5
"""A series with at least this share of its published points exactly 0 is a rare event."""

RUN_LENGTHS = (6, 7)
RULES = ("outside_limits", "trend", "two_of_three", "shift")
"""Values of ``special_cause_rule``, in order of precedence."""
POINT_TYPES = (
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
)
CREATES = (
    "mean",
    "lpl",
    "upl",
    "near_lpl",
    "near_upl",
    "rebase_group",
    "trial_limits",
    "special_cause_rule",
    "point_type",
)
"""Columns that :func:`xmr` adds to its input."""

def _check_option(name: str, value: Any, allowed: Sequence[Any]) -> None:
    if value not in allowed:
        quoted = [repr(a) for a in allowed]
        choices = ", ".join(quoted[:-1]) + " or " + quoted[-1]
        raise ParameterError(f"{name} must be {choices}, not {value!r}")


def _check_columns(df: pd.DataFrame, needed: Sequence[str]) -> None:
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise ParameterError(
            f"xmr requires missing columns: {', '.join(missing)}. "
            f"Found: {', '.join(map(str, df.columns))}"
        )


def _rebase_groups(
    dates: np.ndarray,
    series: np.ndarray,
    keys: pd.DataFrame,
    rebase: Sequence[Any] | Mapping[Any, Sequence[Any]],
) -> np.ndarray:
    """Count the rebase dates on or before each point, numbered densely per series."""
    count = np.zeros(len(dates), dtype=np.int64)
    if isinstance(rebase, Mapping):
        if keys.shape[1] == 0:
            raise ParameterError(
                "rebase can only be a mapping of series to dates when by is given; "
                "pass a list of dates instead"
            )
        row_key = _series_keys(keys)
        for key, key_dates in rebase.items():
            mask = np.array([k == key for k in row_key], dtype=bool)
            if not mask.any():
                raise ParameterError(f"rebase names a series that is not in the data: {key!r}")
            cut = np.sort(pd.to_datetime(pd.Series(list(key_dates))).to_numpy("datetime64[ns]"))
            count[mask] = np.searchsorted(cut, dates[mask], side="right")
    elif len(rebase):
        cut = np.sort(pd.to_datetime(pd.Series(list(rebase))).to_numpy("datetime64[ns]"))
        count = np.searchsorted(cut, dates, side="right").astype(np.int64)
    # dense numbering from 0 within each series
    new = np.ones(len(dates), dtype=bool)
    new[1:] = (series[1:] != series[:-1]) | (count[1:] != count[:-1])
    first = np.ones(len(dates), dtype=bool)
    first[1:] = series[1:] != series[:-1]
    step = np.where(first, 0, new.astype(np.int64))
    group = np.cumsum(step)
    start = np.maximum.accumulate(np.where(first, np.arange(len(dates)), 0))
    return group - group[start]


def _seg_sum(seg: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(seg, weights=values, minlength=n)


def _runs(key: np.ndarray, breaks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Run id and run length for consecutive equal ``key`` not split by ``breaks``."""
    start = np.ones(len(key), dtype=bool)
    start[1:] = (key[1:] != key[:-1]) | breaks[1:]
    run = np.cumsum(start) - 1
    length = np.bincount(run)[run] if len(run) else np.zeros(0, np.int64)
    return run, length


def _mark_ranges(n: int, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Boolean mask of the union of inclusive index ranges ``[first, last]``."""
    diff = np.zeros(n + 1, dtype=np.int64)
    np.add.at(diff, first, 1)
    np.add.at(diff, last + 1, -1)
    return np.cumsum(diff[:-1]) > 0


def _special_causes(
    v: np.ndarray,
    seg: np.ndarray,
    mean: np.ndarray,
    lpl: np.ndarray,
    upl: np.ndarray,
    near_lpl: np.ndarray,
    near_upl: np.ndarray,
    run_length: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Rule (index into RULES, -1 for none) and direction (+1 high, -1 low) per point."""
    n = len(v)
    observed = ~np.isnan(v)
    seg_break = np.ones(n, dtype=bool)
    seg_break[1:] = seg[1:] != seg[:-1]
    with np.errstate(invalid="ignore"):
        side = np.where(observed, np.sign(v - mean), 0.0)
        side = np.nan_to_num(side, nan=0.0)
        above = v > upl
        below = v < lpl
        close = ((v > near_upl) & (v < upl)) | ((v < near_lpl) & (v > lpl))

    # Rule 1: a point outside the process limits.
    outside = above | below

    # Rule 2: a trend, run_length points each strictly above (below) the one before.
    step = np.zeros(n)
    with np.errstate(invalid="ignore"):
        step[1:] = np.sign(v[1:] - v[:-1])
    step = np.nan_to_num(step, nan=0.0)
    step[seg_break] = 0.0
    run, length = _runs(step, seg_break | (step == 0))
    qualifies = (step != 0) & (length >= run_length - 1)
    idx = np.flatnonzero(qualifies)
    run_first = np.full(n, n, dtype=np.int64)
    run_last = np.full(n, -1, dtype=np.int64)
    np.minimum.at(run_first, run[idx], idx)
    np.maximum.at(run_last, run[idx], idx)
    up_runs = np.unique(run[idx][step[idx] > 0])
    down_runs = np.unique(run[idx][step[idx] < 0])
    # a run of k rising steps covers the point before its first step too
    up = _mark_ranges(n, run_first[up_runs] - 1, run_last[up_runs])
    down = _mark_ranges(n, run_first[down_runs] - 1, run_last[down_runs])
    next_step = np.zeros(n)
    next_step[:-1] = step[1:]
    trend_dir = np.where(up & down, next_step, np.where(up, 1.0, np.where(down, -1.0, 0.0)))
    trend = up | down

    # Rule 3: two of three consecutive points beyond 2 sigma, all three on one side.
    two_of_three = np.zeros(n, dtype=bool)
    if n >= 3:
        same_seg = (seg[2:] == seg[:-2]) & (seg[1:-1] == seg[:-2])
        side_sum = side[:-2] + side[1:-1] + side[2:]
        close_sum = close[:-2].astype(int) + close[1:-1] + close[2:]
        window = same_seg & (np.abs(side_sum) == 3) & (close_sum >= 2)
        for offset in range(3):
            two_of_three[offset : n - 2 + offset] |= window
        two_of_three &= close

    # Rule 4: a shift, run_length points in a row on one side of the mean.
    _, side_len = _runs(side, seg_break | (side == 0))
    shift = (side != 0) & (side_len >= run_length)

    rule = np.select([outside, trend, two_of_three, shift], [0, 1, 2, 3], default=-1)
    direction = np.where(rule == 1, trend_dir, side)
    direction = np.where(rule == -1, 0.0, direction)
    return rule, direction


def xmr(
    df: pd.DataFrame,
    *,
    value: str = "value",
    date: str = "month",
    by: Sequence[str] | str = (),
    improvement: Improvement = "increase",
    screen_outliers: bool = True,
    run_length: int = 7,
    rebase: Sequence[Any] | Mapping[Any, Sequence[Any]] = (),
    fix_after_n_points: int | None = None,
    target: float | Mapping[Any, float] | None = None,
) -> pd.DataFrame:
    """Add XmR limits and Making Data Count point types to one or more series.

    Each series (one per combination of ``by``) is ordered by ``date``. The
    mean and the mean moving range come from the observed values of each
    rebase group (optionally only its first ``fix_after_n_points``); moving
    ranges of ``SCREEN`` times their mean or more are screened out first when
    ``screen_outliers``. Process limits are ``mean +/- 2.66`` mean moving
    ranges. Special cause rules, in precedence order: a point outside the
    limits; ``run_length`` points each strictly above (below) the one before,
    all flagged; two of three consecutive points beyond 2 sigma with all three
    on one side of the mean, the close points flagged; ``run_length`` points
    in a row on one side of the mean (a point on the mean breaks the run).

    Missing values (suppressed months) are skipped: they do not count towards
    the mean, moving ranges are taken only between consecutive observed
    points, every run is broken by them, and their ``point_type`` and
    ``special_cause_rule`` are missing. Their rows keep the limits of their
    rebase group so that charts draw the limits across the gap.

    Parameters
    ----------
    df
        One row per series and date. Required columns: ``value``, ``date``
        and the ``by`` columns.
    value, date
        Names of the value and date columns.
    by
        Columns that identify a series; empty for a single series.
    improvement
        ``"increase"``, ``"decrease"`` or ``"neutral"``: which direction of
        special cause is an improvement.
    screen_outliers
        Screen large moving ranges before computing the limits.
    run_length
        Points needed for a trend or a shift: 7 (default) or 6.
    rebase
        Dates from which the mean, limits and rules restart: a list for every
        series, or a mapping from a series key (the ``by`` value, a tuple when
        ``by`` has several columns) to its list. A rebase date starts a new
        group at the first point on or after it.
    fix_after_n_points
        Compute each rebase group's limits from its first n observed points
        only and extend them to the rest.
    target
        A target for every series, or a mapping from series key to target.
        When given, adds ``target`` and ``assurance`` columns (see
        :func:`assurance`).

    Returns
    -------
    pandas.DataFrame
        The input rows, sorted by ``by`` then ``date`` with a fresh
        ``RangeIndex``, plus ``mean``, ``lpl``, ``upl``, ``near_lpl``,
        ``near_upl``, ``rebase_group`` (0, 1, ... within each series),
        ``trial_limits`` (True when the limits rest on fewer than 12 points),
        ``special_cause_rule`` (one of :data:`RULES`, missing when none) and
        ``point_type`` (one of :data:`POINT_TYPES`).

    Raises
    ------
    ParameterError
        For an unknown option value or a missing column.
    DataValidationError
        When a series has the same date twice or values are not numeric.

    Examples
    --------
    >>> df = pd.DataFrame({"month": pd.date_range("2024-01-01", periods=4, freq="MS"),
    ...                    "value": [1.0, 3.0, 2.0, 4.0]})
    >>> r = xmr(df)
    >>> float(r["mean"][0]), float(r["upl"][0]), r["point_type"].tolist()[0]
    (2.5, 6.933333333333334, 'common_cause')
    """
    _check_option("improvement", improvement, IMPROVEMENTS)
    _check_option("run_length", run_length, RUN_LENGTHS)
    if fix_after_n_points is not None and (
        isinstance(fix_after_n_points, bool)
        or not isinstance(fix_after_n_points, (int, np.integer))
        or fix_after_n_points < 2
    ):
        raise ParameterError(
            f"fix_after_n_points must be a whole number of at least 2 or None, "
            f"not {fix_after_n_points!r}"
        )
    by = (by,) if isinstance(by, str) else tuple(by)
    _check_columns(df, [value, date, *by])
    if not (pd.api.types.is_numeric_dtype(df[value]) or df[value].isna().all()):
        raise DataValidationError(
            f"xmr requires numeric values in column {value!r}; found dtype {df[value].dtype}"
        )

    order = list(by) + [date]
    out = df.sort_values(order, kind="stable").reset_index(drop=True)
    dates = pd.to_datetime(out[date]).to_numpy("datetime64[ns]")
    if by:
        series = out.groupby(list(by), sort=False, dropna=False).ngroup().to_numpy()
    else:
        series = np.zeros(len(out), dtype=np.int64)
    dup = np.zeros(len(out), dtype=bool)
    dup[1:] = (series[1:] == series[:-1]) & (dates[1:] == dates[:-1])
    if dup.any():
        rows = out.loc[dup, order].drop_duplicates().head(3).to_dict("records")
        raise DataValidationError(
            f"xmr requires one row per series and {date!r}; found duplicates such as {rows}"
        )

    v = out[value].to_numpy(dtype=float, na_value=np.nan)
    n = len(out)
    rebase_group = _rebase_groups(dates, series, out[list(by)], rebase)
    seg_start = np.ones(n, dtype=bool)
    seg_start[1:] = (series[1:] != series[:-1]) | (rebase_group[1:] != rebase_group[:-1])
    seg = np.cumsum(seg_start) - 1
    n_seg = int(seg[-1]) + 1 if n else 0

    observed = ~np.isnan(v)
    rank = np.cumsum(observed)
    first = np.flatnonzero(seg_start)
    before = np.concatenate(([0], rank))[first]
    rank = rank - before[seg]  # 1-based rank of each observed point in its group
    n_obs = _seg_sum(seg, observed.astype(float), n_seg)
    used = observed & (rank <= (fix_after_n_points or np.inf))
    vz = np.where(used, v, 0.0)
    n_used = _seg_sum(seg, used.astype(float), n_seg)
    with np.errstate(invalid="ignore", divide="ignore"):
        seg_mean = _seg_sum(seg, vz, n_seg) / n_used
        pair = np.zeros(n, dtype=bool)
        pair[1:] = used[1:] & used[:-1] & ~seg_start[1:]
        mr = np.zeros(n)
        mr[1:] = np.abs(vz[1:] - vz[:-1])
        mr = np.where(pair, mr, 0.0)
        n_mr = _seg_sum(seg, pair.astype(float), n_seg)
        amr = _seg_sum(seg, mr, n_seg) / n_mr
        if screen_outliers:
            keep = pair & ((mr < SCREEN * amr[seg]) | (amr[seg] == 0))
            amr = _seg_sum(seg, np.where(keep, mr, 0.0), n_seg) / _seg_sum(
                seg, keep.astype(float), n_seg
            )
    mean = seg_mean[seg]
    half, near = LIMIT * amr[seg], NEAR_LIMIT * amr[seg]
    lpl, upl = mean - half, mean + half
    near_lpl, near_upl = mean - near, mean + near

    rule, direction = _special_causes(v, seg, mean, lpl, upl, near_lpl, near_upl, run_length)
    if improvement == "neutral":
        kinds = np.where(direction > 0, POINT_TYPES[3], POINT_TYPES[4])
    else:
        sign = 1.0 if improvement == "increase" else -1.0
        kinds = np.where(direction * sign > 0, POINT_TYPES[1], POINT_TYPES[2])
    point_type = np.where(rule >= 0, kinds, POINT_TYPES[0]).astype(object)
    point_type[~observed] = None
    rule_name = np.array(RULES + (None,), dtype=object)[rule]

    trial_below = min(TRIAL_POINTS, fix_after_n_points or TRIAL_POINTS)
    out = out.assign(
        mean=mean,
        lpl=lpl,
        upl=upl,
        near_lpl=near_lpl,
        near_upl=near_upl,
        rebase_group=rebase_group.astype(np.int64),
        trial_limits=(n_obs < trial_below)[seg] if n else np.zeros(0, bool),
        special_cause_rule=pd.array(rule_name, dtype="str"),
        point_type=pd.array(point_type, dtype="str"),
    )
    if target is not None:
        out = _add_assurance(out, by, target, improvement)
    return out


def _series_keys(keys: pd.DataFrame) -> list[Any]:
    """Series key of each row: the ``by`` value, or a tuple of them."""
    rows = list(keys.itertuples(index=False, name=None))
    return [r[0] if len(r) == 1 else r for r in rows]


def _add_assurance(
    out: pd.DataFrame,
    by: tuple[str, ...],
    target: float | Mapping[Any, float],
    improvement: Improvement,
) -> pd.DataFrame:
    if isinstance(target, Mapping) and not by:
        raise ParameterError(
            "target can only be a mapping of series to targets when by is given; "
            "pass a number instead"
        )
    if by:
        series = out.groupby(list(by), sort=False, dropna=False).ngroup().to_numpy()
    else:
        series = np.zeros(len(out), dtype=np.int64)
    last = np.flatnonzero(np.append(series[1:] != series[:-1], True)) if len(out) else []
    keys = _series_keys(out[list(by)].iloc[last]) if by else [None] * len(last)
    if isinstance(target, Mapping):
        targets = np.array([np.nan if target.get(k) is None else target[k] for k in keys], float)
    else:
        targets = np.full(len(last), float(target))
    lpl = out["lpl"].to_numpy()[last]
    upl = out["upl"].to_numpy()[last]
    above, below = targets > upl, targets < lpl
    if improvement == "decrease":
        above, below = below, above
    known = ~(np.isnan(targets) | np.isnan(lpl) | np.isnan(upl)) & (improvement != "neutral")
    status = np.select(
        [~known, above, below], [None, "consistent_fail", "consistent_pass"], "inconsistent"
    ).astype(object)
    return out.assign(
        target=targets[series] if len(out) else np.zeros(0),
        assurance=pd.array(status[series] if len(out) else [], dtype="str"),
    )


def assurance(result: pd.DataFrame, target: float | None, improvement: Improvement) -> str | None:
    """Say whether a series will reliably meet its target.

    Uses the process limits of the last rebase group of one series (the last
    row of an :func:`xmr` result). For ``improvement="increase"`` a target
    above the upper limit will consistently be failed and one below the lower
    limit consistently passed; ``"decrease"`` is the reverse; otherwise the
    target will be met inconsistently.

    Parameters
    ----------
    result
        The :func:`xmr` result of one series.
    target
        The target value, or None.
    improvement
        ``"increase"``, ``"decrease"`` or ``"neutral"``.

    Returns
    -------
    str or None
        ``"consistent_pass"``, ``"consistent_fail"`` or ``"inconsistent"``;
        None when there is no target, the direction is neutral or the limits
        are unknown.

    Raises
    ------
    ParameterError
        For an unknown ``improvement`` or a result without ``lpl``/``upl``.

    Examples
    --------
    >>> r = pd.DataFrame({"lpl": [40.0], "upl": [55.0]})
    >>> assurance(r, 60.0, "increase")
    'consistent_fail'
    """
    _check_option("improvement", improvement, IMPROVEMENTS)
    missing = [c for c in ("lpl", "upl") if c not in result.columns]
    if missing:
        raise ParameterError(
            f"assurance requires missing columns: {', '.join(missing)}. "
            f"Found: {', '.join(map(str, result.columns))}"
        )
    if target is None or improvement == "neutral" or len(result) == 0 or pd.isna(target):
        return None
    lpl, upl = float(result["lpl"].iloc[-1]), float(result["upl"].iloc[-1])
    if np.isnan(lpl) or np.isnan(upl):
        return None
    increase = improvement == "increase"
    if target > upl:
        return "consistent_fail" if increase else "consistent_pass"
    if target < lpl:
        return "consistent_pass" if increase else "consistent_fail"
    return "inconsistent"


def variation(result: pd.DataFrame) -> str:
    """Return the variation of a series: the point type of its last observed point.

    Parameters
    ----------
    result
        The :func:`xmr` result of one series.

    Returns
    -------
    str
        One of :data:`POINT_TYPES`.

    Raises
    ------
    ParameterError
        When ``result`` has no ``point_type`` column or no observed point.

    Examples
    --------
    >>> variation(pd.DataFrame({"point_type": ["common_cause", "special_cause_concern"]}))
    'special_cause_concern'
    """
    if "point_type" not in result.columns:
        raise ParameterError(
            "variation requires missing columns: point_type. "
            f"Found: {', '.join(map(str, result.columns))}"
        )
    types = result["point_type"].dropna()
    if types.empty:
        raise ParameterError("variation needs at least one observed point; found none")
    return str(types.iloc[-1])


def is_rare(values: Sequence[float] | pd.Series | np.ndarray) -> bool:
    """Whether a series is a rare event: at least half of its published points exactly 0.

    Missing values (withheld or not available) are not points and do not
    count either way; a series with no published point is not rare.

    Examples
    --------
    >>> is_rare([0, 0, 0, 1.3, 2.7]), is_rare([0, 0, 1.3, 2.7, 4.2]), is_rare([0, 0, None, 5])
    (True, False, True)
    """
    v = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").dropna()
    return bool(len(v)) and bool((v == 0).sum() >= RARE_EVENT_SHARE * len(v))


_BLANKED = ("mean", "lpl", "upl", "near_lpl", "near_upl")


def rare_events(
    result: pd.DataFrame, *, by: Sequence[str] | str = (), value: str = "value"
) -> pd.DataFrame:
    """Take rare-event series out of XmR: no limits and no point types (SPEC 6).

    A series (one per combination of ``by``) is a rare event when
    :func:`is_rare` holds for its values. Its rows get ``rare_events`` true
    and lose their mean, limits, ``special_cause_rule``, ``point_type`` (and
    ``assurance``): it is charted as a run chart, and :func:`reading` says
    why it is not judged by SPC. Other series are returned unchanged, with
    ``rare_events`` false.

    Parameters
    ----------
    result
        An :func:`xmr` result.
    by
        The columns that identify a series, as given to :func:`xmr`.
    value
        The value column.

    Returns
    -------
    pandas.DataFrame
        ``result`` with a ``rare_events`` column.

    Examples
    --------
    >>> months = pd.date_range("2022-01-01", periods=10, freq="MS")
    >>> r = rare_events(xmr(pd.DataFrame({"month": months,
    ...                                    "value": [0.0] * 6 + [1.0, 2.5, 4.0, 6.0]}),
    ...                     improvement="decrease"))
    >>> [bool(r[c].all()) for c in ("rare_events",)] + [
    ...     bool(r[c].isna().all()) for c in ("point_type", "upl")]
    [True, True, True]
    """
    by = [by] if isinstance(by, str) else list(by)
    if result.empty:
        return result.assign(rare_events=pd.Series(dtype=bool))
    if by:
        rare = result.groupby(by, sort=False, dropna=False)[value].transform(is_rare)
    else:
        rare = pd.Series(is_rare(result[value]), index=result.index)
    rare = rare.astype(bool)
    out = result.assign(rare_events=rare)
    if not rare.any():
        return out
    for column in (*_BLANKED, "special_cause_rule", "point_type", "assurance"):
        if column in out:
            out[column] = out[column].mask(rare)
    return out


@dataclass(frozen=True)
class Reading:
    """A series' SPC reading at its latest point, or why there is none.

    ``variation`` is the latest point's type (:data:`POINT_TYPES`) and
    ``assurance`` its assurance against the target; both are ``None`` when
    there is no SPC chart (``not_assessed`` empty) or when they are not
    assessed (``not_assessed`` gives the reason in words).
    """

    variation: str | None = None
    assurance: str | None = None
    not_assessed: str = ""

    @property
    def charted(self) -> bool:
        """True when the series has an SPC chart (assessed or not)."""
        return self.variation is not None or bool(self.not_assessed)


def _when(month: Any, grain: str) -> str:
    """A point's period in words: ``December 2024``, or ``October to December 2024``."""
    start = pd.Timestamp(month)
    if grain != "quarter":
        return f"{start:%B %Y}"
    end = start + pd.DateOffset(months=2)
    if end.year == start.year:
        return f"{start:%B} to {end:%B %Y}"
    return f"{start:%B %Y} to {end:%B %Y}"


def reading(
    result: pd.DataFrame,
    *,
    target: float | None = None,
    improvement: Improvement = "increase",
    value: str = "value",
    date: str = "month",
) -> Reading:
    """Read one series' variation and assurance at its latest point in the period.

    ``result`` is the series as charted (rows up to the period's end, an
    :func:`xmr` result with :func:`rare_events` applied, and ``suppressed``
    when the disclosure pass ran). The reading is the latest row's, never an
    older one's:

    - fewer than two published points: no SPC chart, an empty reading;
    - the latest point withheld (``suppressed``, even where an internal pack
      shows its value: SPC is the same for every audience) or not available
      (no value): not assessed, "the latest month, December 2024, is withheld";
    - a rare-event series (``rare_events``): not assessed, judged instead by
      the latest value against the baseline;
    - otherwise the latest point's type (:func:`variation`) and
      :func:`assurance` against ``target``.

    Parameters
    ----------
    result
        One series.
    target
        The target, or None.
    improvement
        ``"increase"``, ``"decrease"`` or ``"neutral"``.
    value, date
        Names of the value and date columns.

    Returns
    -------
    Reading

    Examples
    --------
    >>> months = pd.date_range("2024-01-01", periods=4, freq="MS")
    >>> r = xmr(pd.DataFrame({"month": months, "value": [1.0, 3.0, 2.0, None],
    ...                       "suppressed": [False, False, False, True]}))
    >>> reading(r, target=5.0).not_assessed
    'the latest month, April 2024, is withheld'
    >>> reading(r.iloc[:3], target=5.0)
    Reading(variation='common_cause', assurance='inconsistent', not_assessed='')
    """
    _check_option("improvement", improvement, IMPROVEMENTS)
    if result.empty or result[value].notna().sum() < 2:
        return Reading()
    data = result.sort_values(date, key=pd.to_datetime, kind="stable")
    last = data.iloc[-1]
    grain = "quarter" if "grain" in data and (data["grain"] == "quarter").all() else "month"
    # an internal pack shows a withheld point's value, but SPC is the shared pack's
    withheld = "suppressed" in data and bool(last["suppressed"])
    if withheld or pd.isna(last[value]):
        status = "withheld" if withheld else "not available"
        return Reading(not_assessed=f"the latest {grain}, {_when(last[date], grain)}, is {status}")
    if "rare_events" in data and bool(data["rare_events"].fillna(False).any()):
        shown = data[value].dropna()
        zeros = int((shown == 0).sum())
        return Reading(
            not_assessed=(
                f"rare events ({zeros} of {len(shown)} {grain}s at zero): judged by the latest "
                "value against the baseline, not by SPC limits"
            )
        )
    if "point_type" not in data or pd.isna(last["point_type"]):
        return Reading()
    kind = str(last["point_type"])
    sure = None
    if target is not None and improvement != "neutral":
        sure = assurance(data, target, improvement)
    return Reading(variation=kind, assurance=sure)

"""Shared machinery of the KPI families: periods, day numbers, counting, Wilson intervals.

Every family computes its KPIs for many periods at once (one period for
``compute_kpis``, every calendar month for ``kpi_series``), so the monthly
series and the period figures come from the same code. Dates become float day
numbers (days since 1970-01-01, ``NaN`` for missing), so a difference of two
dates is ``d(a, b)`` of SPEC 5 and comparisons with ``NaN`` are false.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from sendreport.errors import DataValidationError, ParameterError
from sendreport.vocabulary import TRUE_WORDS

Z95 = 1.959963984540054
"""The 97.5th percentile of the standard normal distribution."""

ROW_COLUMNS = ("kpi_id", "service", "value", "numerator", "denominator", "lower_ci", "upper_ci")
"""Columns of the rows every family function returns, in order."""

_EPOCH = np.datetime64("1970-01-01", "D")


_TICKS_PER_DAY = {"D": 1, "h": 24, "m": 1440, "s": 86_400, "ms": 86_400_000}
_TICKS_PER_DAY |= {"us": 86_400_000_000, "ns": 86_400_000_000_000}
_EXACT_TICKS = 86_400_000_000
"""Up to microseconds, a date's tick count is a whole number a float holds exactly."""

DateLike = str | dt.date | pd.Timestamp
"""Dates given as arguments: ISO strings, dates or Timestamps."""


def as_timestamp(value: str | dt.date | pd.Timestamp, name: str) -> pd.Timestamp:
    """Return ``value`` (ISO string, date or Timestamp) as a midnight Timestamp."""
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as err:
        raise ParameterError(
            f"{name} must be a date (ISO string, date or Timestamp), not {value!r}"
        ) from err
    if pd.isna(ts):
        raise ParameterError(
            f"{name} must be a date (ISO string, date or Timestamp), not {value!r}"
        )
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def single_period(period_start: DateLike, period_end: DateLike) -> Periods:
    """Return the period ``period_start..period_end``, checked to end on or after its start."""
    start = as_timestamp(period_start, "period_start")
    end = as_timestamp(period_end, "period_end")
    if end < start:
        raise ParameterError(
            f"period_end must be on or after period_start ({start.date()}), not {end.date()}"
        )
    return Periods.single(start, end)


def day_number(ts: pd.Timestamp) -> float:
    """Return the day number of a Timestamp."""
    return float((np.datetime64(ts.date(), "D") - _EPOCH).astype("int64"))


@dataclass(frozen=True)
class Periods:
    """Sorted, non-overlapping inclusive periods as day numbers."""

    starts: np.ndarray
    ends: np.ndarray

    @classmethod
    def single(cls, start: pd.Timestamp, end: pd.Timestamp) -> Periods:
        """One period from ``start`` to ``end`` inclusive."""
        return cls(np.array([day_number(start)]), np.array([day_number(end)]))

    @classmethod
    def months(cls, start: pd.Timestamp, end: pd.Timestamp) -> Periods:
        """Every calendar month from the month of ``start`` to that of ``end``."""
        firsts = pd.date_range(start.to_period("M").start_time, end, freq="MS")
        lasts = firsts + pd.offsets.MonthEnd(0)
        return cls(
            np.array([day_number(t) for t in firsts], dtype="float64"),
            np.array([day_number(t) for t in lasts], dtype="float64"),
        )

    def __len__(self) -> int:
        return len(self.starts)

    @cached_property
    def _tables(self) -> dict[object, np.ndarray]:
        """Lookup tables over the days the periods span, each built once (a table may be large)."""
        return {}

    def _table(self, key: object, build: Callable[[], np.ndarray]) -> np.ndarray:
        if key not in self._tables:
            self._tables[key] = build()
        return self._tables[key]

    def _first_ends(self, first: float, last: float) -> np.ndarray:
        """Index of the first period end on or after each day from ``first`` to ``last``."""
        return self._table(
            ("first end", first, last),
            lambda: np.searchsorted(self.ends, np.arange(first, last + 1), side="left"),
        )

    def locate(self, days: np.ndarray) -> np.ndarray:
        """Index of the period holding each day, or -1 (missing days are never held)."""
        if len(self.starts) == 1:
            held = (days >= self.starts[0]) & (days <= self.ends[0])
            return np.where(held, 0, -1)
        # a lookup table over the days the periods span, -1 just outside: one gather
        first, last = self.starts[0] - 1, self.ends[-1] + 1

        def build() -> np.ndarray:
            span = np.arange(first, last + 1)
            idx = np.searchsorted(self.starts, span, side="right") - 1
            return np.where((idx >= 0) & (span <= self.ends[np.maximum(idx, 0)]), idx, -1)

        return self._table("locate", build)[_offsets(days, first, last)]

    def _first_end_from(self, days: np.ndarray) -> np.ndarray:
        """Index of the first period end on or after each day (``len`` if none; NaN -> ``len``)."""
        first, last = self.ends[0] - 1, self.ends[-1] + 1
        return self._first_ends(first, last)[_offsets(days, first, last)]

    def end_indices(self, days: np.ndarray, shifts: Sequence[int]) -> list[np.ndarray]:
        """:meth:`end_index` of ``days + shift`` for each shift, from one pass over ``days``."""
        low, high = min(shifts), max(shifts)
        first, last = self.ends[0] - 1 - high, self.ends[-1] + 1 - low
        offsets = _offsets(days, first, last)
        # one table from first + low to last + high: entry offsets + shift - low is day + shift
        table = self._first_ends(first + low, last + high)
        return [table[offsets + (shift - low)] for shift in shifts]

    def end_index(self, days: np.ndarray) -> np.ndarray:
        """Index of the first period end on or after each day (missing days: past the last)."""
        if len(self.ends) == 1:
            return (days > self.ends[0]).astype("int64") + np.isnan(days)
        return self._first_end_from(days)

    def open_at_ends(
        self, since: np.ndarray, until: np.ndarray, *, until_index: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """For each record open over ``[since, until)``, the slice of period ends it is open at.

        Returns ``(lo, hi)``: the record is counted at every period end
        ``ends[k]`` with ``lo <= k < hi``. Missing ``until`` means still open;
        missing ``since`` means never open. ``until_index`` is
        :meth:`end_index` of ``until`` when already known.
        """
        hi = self.end_index(until) if until_index is None else until_index
        lo = self.end_index(since)
        # never open (no start): an empty slice; hi below lo: an empty slice too
        return lo, np.maximum(hi, lo)


def _offsets(days: np.ndarray, first: float, last: float) -> np.ndarray:
    """``days`` clipped to ``first..last`` (missing: ``last``), less ``first``, as integers."""
    out = np.fmin(days, last)  # fmin takes the number where a day is missing
    np.maximum(out, first, out=out)
    out -= first
    return out.astype(np.intp)


def check_columns(df: pd.DataFrame, required: Sequence[str], name: str) -> None:
    """Raise ``DataValidationError`` naming every column of ``required`` missing from ``df``."""
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataValidationError(
            f"{name} requires missing columns: {', '.join(missing)}. "
            f"Found: {', '.join(map(str, df.columns)) or 'no columns'}"
        )


class Columns:
    """Numpy views of a table's columns, each computed once and kept (the table is not copied).

    Family functions read dates as day numbers (:meth:`days`), flags and code
    matches as boolean arrays, so one ``Columns`` serves every KPI family and
    every period computed from the same table.
    """

    def __init__(self, df: pd.DataFrame):
        self.df = df
        self._memo: dict[object, object] = {}

    def __len__(self) -> int:
        return len(self.df)

    @property
    def columns(self) -> pd.Index:
        """The table's column names."""
        return self.df.columns

    def memo(self, key: object, compute: Callable[[], object]) -> object:
        """Return ``compute()``, computed once per ``key``."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def days(self, column: str) -> np.ndarray:
        """Day numbers of a date column (``NaN`` where missing or if the column is absent)."""
        return self.memo(("days", column), lambda: _days(self.df, column))  # type: ignore[return-value]

    def flags(self, column: str) -> np.ndarray:
        """Return a boolean column (missing and absent mean false; text as ``true``, ``yes``...)."""

        def compute() -> np.ndarray:
            if column not in self.df.columns:
                return np.zeros(len(self.df), dtype=bool)
            values = self.df[column]
            if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
                return values.fillna(False).astype(bool).to_numpy()
            text = values.astype("string").str.strip().str.lower()
            return text.isin(TRUE_WORDS).to_numpy(dtype=bool, na_value=False)

        return self.memo(("flags", column), compute)  # type: ignore[return-value]

    def codes(self, column: str) -> tuple[np.ndarray, list[str]]:
        """Integer code of each row's value (``-1`` where missing) and the values, in first order.

        Text columns are read once: :meth:`isin` and :meth:`groups` work on the codes.
        """

        def factorize() -> tuple[np.ndarray, list[str]]:
            codes, uniques = pd.factorize(self.df[column])
            return codes, [str(u) for u in uniques]

        return self.memo(("codes", column), factorize)  # type: ignore[return-value]

    def isin(self, column: str, values: tuple[str, ...]) -> np.ndarray:
        """Return True where a text column holds one of ``values`` (false if absent or missing)."""

        def compute() -> np.ndarray:
            if column not in self.df.columns:
                return np.zeros(len(self.df), dtype=bool)
            codes, uniques = self.codes(column)
            # one entry per value, and a last one (false) that code -1 (missing) picks
            table = np.array([u in values for u in uniques] + [False], dtype=bool)
            return table[codes]

        return self.memo(("isin", column, values), compute)  # type: ignore[return-value]

    def groups(self, column: str, extra: Sequence[str] = ()) -> tuple[np.ndarray, list[str]]:
        """Integer group of each row and the sorted group names (with ``extra`` names added).

        A missing value is the group ``""``.
        """
        key = ("groups", column, tuple(sorted(extra)))
        return self.memo(key, lambda: self._groups(column, extra))  # type: ignore[return-value]

    def _groups(self, column: str, extra: Sequence[str]) -> tuple[np.ndarray, list[str]]:
        if column in self.df.columns:
            codes, uniques = self.codes(column)
            missing = self.memo(("missing", column), lambda: bool((codes < 0).any()))
        else:
            codes, uniques, missing = np.full(len(self), -1, dtype=np.intp), [], True
        used = set(uniques) | ({""} if missing else set())
        every = sorted(used | set(extra))
        position = {name: i for i, name in enumerate(every)}
        # code -1 (missing) picks the last entry: the group ""
        remap = np.array([position[u] for u in uniques] + [position.get("", 0)], dtype=np.intp)
        return remap[codes], every


def as_columns(table: pd.DataFrame | Columns) -> Columns:
    """Wrap a DataFrame in :class:`Columns` (a ``Columns`` is returned as it is)."""
    return table if isinstance(table, Columns) else Columns(table)


def _days(df: pd.DataFrame, column: str) -> np.ndarray:
    if column not in df.columns:
        return np.full(len(df), np.nan)
    values = df[column]
    if not pd.api.types.is_datetime64_any_dtype(values):
        values = pd.to_datetime(values)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    arr = values.to_numpy()
    per_day = _TICKS_PER_DAY.get(np.datetime_data(arr.dtype)[0])
    if per_day is None:
        arr = arr.astype("datetime64[D]")
        per_day = 1
    ticks = arr.view("int64")
    # whole days since 1970-01-01 (floor, so times of day and dates before 1970 are right)
    if per_day > _EXACT_TICKS:  # nanoseconds: beyond float precision, divide as integers first
        out = np.floor_divide(ticks, per_day).astype("float64")
    else:  # ticks are exact as floats: one division, then floor
        out = np.divide(ticks, per_day, dtype="float64")
        np.floor(out, out=out)
    out[ticks == np.iinfo("int64").min] = np.nan  # NaT
    return out


def count_by(group: np.ndarray, period: np.ndarray, n_groups: int, n_periods: int) -> np.ndarray:
    """Count records per (group, period) where ``period >= 0``; shape ``(groups, periods)``."""
    # period -1 (none) goes to a column of its own, dropped: no masking of the inputs
    width = n_periods + 1
    flat = period + 1 if n_groups == 1 else group * width + (period + 1)
    counts = np.bincount(flat, minlength=n_groups * width).reshape(n_groups, width)
    return counts[:, 1:]


def count_split(period: np.ndarray, kind: np.ndarray, n_kinds: int, n_periods: int) -> np.ndarray:
    """Count records per (kind, period) where ``period >= 0`` in one pass: ``(kinds, periods)``.

    ``kind`` is an integer from 0 to ``n_kinds - 1`` per record (for example
    1 when on time, 0 when late), so one ``bincount`` gives every count a
    percentage KPI needs.
    """
    flat = (period + 1) * n_kinds + kind
    counts = np.bincount(flat, minlength=(n_periods + 1) * n_kinds)
    return counts.reshape(n_periods + 1, n_kinds)[1:].T


def count_open(
    group: np.ndarray, span: np.ndarray, n_groups: int, n_periods: int, *, scaled: bool = False
) -> np.ndarray:
    """Count records per (group, period end) open there; ``span`` from ``open_at_ends``.

    ``scaled``: ``group`` is already multiplied by ``n_periods + 1`` (computed
    once for several counts of the same records).
    """
    lo, hi = span
    held = np.flatnonzero(lo < hi)  # a record open at no period end adds nothing
    if len(held) < len(lo):
        lo, hi = lo[held], hi[held]
        group = group if n_groups == 1 else group[held]
    width = n_periods + 1
    size = n_groups * width
    if n_groups == 1:
        base = None  # one group: every record's group is 0
    else:
        base = group if scaled else group * width
    starts = lo if base is None else base + lo
    stops = hi if base is None else base + hi
    diff = np.bincount(starts, minlength=size) - np.bincount(stops, minlength=size)
    return np.cumsum(diff.reshape(n_groups, width), axis=1)[:, :n_periods]


def quantiles_by(
    key: np.ndarray, values: np.ndarray, n_keys: int, qs: Sequence[float]
) -> np.ndarray:
    """Quantiles ``qs`` of ``values`` per integer ``key``: shape ``(len(qs), n_keys)``.

    Linear interpolation between the two nearest values, as pandas'
    ``quantile`` and ``median`` give (the same numbers: values here are whole
    days); missing values are left out; ``NaN`` where a key has no value.
    Whole values in a moderate range are sorted as one packed integer (key,
    value), much faster than sorting by two keys.

    >>> quantiles_by(np.array([0, 0, 0, 1]), np.array([1.0, 3.0, 2.0, np.nan]), 3, (0.5, 0.92))
    array([[2.  ,  nan,  nan],
           [2.84,  nan,  nan]])
    """
    present = ~np.isnan(values)
    key, values = key[present], values[present]
    out = np.full((len(qs), n_keys), np.nan)
    if not len(values):
        return out
    low = float(values.min())
    width = float(values.max()) - low + 1
    if n_keys * width < 2.0**53 and np.array_equal(values, np.floor(values)):
        packed = np.sort(key * np.int64(width) + (values - low).astype(np.int64))
        ordered = (packed % np.int64(width)).astype("float64") + low
    else:
        ordered = values[np.lexsort((values, key))]
    counts = np.bincount(key, minlength=n_keys)
    has = np.flatnonzero(counts)
    n, first = counts[has], (np.cumsum(counts) - counts)[has]
    for row, q in zip(out, qs, strict=True):
        h = q * (n - 1)
        below = np.floor(h)
        at = first + below.astype(np.int64)
        value = ordered[at]
        frac = h - below
        upper = ordered[np.where(frac > 0, at + 1, at)]
        row[has] = value + (upper - value) * frac
    return out


def wilson(numerator: np.ndarray, denominator: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score 95% interval of ``numerator / denominator``, in per cent (``NaN`` if empty).

    >>> lo, hi = wilson(np.array([5.0]), np.array([10.0]))
    >>> round(float(lo[0]), 2), round(float(hi[0]), 2)
    (23.66, 76.34)
    """
    num = np.asarray(numerator, dtype="float64")
    den = np.asarray(denominator, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        p = num / den
        z2 = Z95 * Z95
        centre = (p + z2 / (2 * den)) / (1 + z2 / den)
        half = Z95 * np.sqrt(p * (1 - p) / den + z2 / (4 * den * den)) / (1 + z2 / den)
    empty = ~(den > 0)
    lo = np.where(empty, np.nan, np.where(num <= 0, 0.0, np.clip(centre - half, 0, 1) * 100))
    hi = np.where(empty, np.nan, np.where(num >= den, 100.0, np.clip(centre + half, 0, 1) * 100))
    return lo, hi


def _frame(
    kpi_id: str, services: Sequence[str], n_periods: int, **cols: np.ndarray
) -> pd.DataFrame:
    n_groups = len(services)
    out = pd.DataFrame(
        {
            "period": np.tile(np.arange(n_periods), n_groups),
            "kpi_id": kpi_id,
            "service": np.repeat(np.asarray(services, dtype=object), n_periods),
        }
    )
    for name, values in cols.items():
        out[name] = np.asarray(values, dtype="float64").reshape(-1)
    return out


def percentage_rows(
    kpi_id: str, numerator: np.ndarray, denominator: np.ndarray, services: Sequence[str] = ("",)
) -> pd.DataFrame:
    """Rows of a percentage KPI from ``(groups, periods)`` counts; ``NaN`` where empty."""
    num = np.asarray(numerator, dtype="float64")
    den = np.asarray(denominator, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(den > 0, 100 * num / den, np.nan)
    lo, hi = wilson(num, den)
    return _frame(
        kpi_id,
        services,
        num.shape[-1],
        value=value,
        numerator=num,
        denominator=den,
        lower_ci=lo,
        upper_ci=hi,
    )


def count_rows(kpi_id: str, count: np.ndarray, services: Sequence[str] = ("",)) -> pd.DataFrame:
    """Rows of a count KPI: ``value`` and ``numerator`` are the count, no denominator."""
    count = np.asarray(count, dtype="float64")
    nan = np.full(count.shape, np.nan)
    return _frame(
        kpi_id,
        services,
        count.shape[-1],
        value=count,
        numerator=count,
        denominator=nan,
        lower_ci=nan,
        upper_ci=nan,
    )


def statistic_rows(
    kpi_id: str, value: np.ndarray, n: np.ndarray, services: Sequence[str] = ("",)
) -> pd.DataFrame:
    """Rows of a mean, median or percentile: ``denominator`` is the number of records."""
    n = np.asarray(n, dtype="float64")
    nan = np.full(n.shape, np.nan)
    value = np.where(n > 0, np.asarray(value, dtype="float64"), np.nan)
    return _frame(
        kpi_id,
        services,
        n.shape[-1],
        value=value,
        numerator=nan,
        denominator=n,
        lower_ci=nan,
        upper_ci=nan,
    )


def finish(rows: Sequence[pd.DataFrame], *, keep_period: bool = False) -> pd.DataFrame:
    """Concatenate family rows into the public shape (``ROW_COLUMNS``, nullable integer counts)."""
    if rows:
        out = pd.concat(rows, ignore_index=True)
    else:
        out = pd.DataFrame({c: pd.Series(dtype="float64") for c in ("period", *ROW_COLUMNS)})
    for col in ("numerator", "denominator"):
        out[col] = _to_int(out[col])
    for col in ("value", "lower_ci", "upper_ci"):
        if col not in out.columns:
            out[col] = np.nan
    out["kpi_id"] = out["kpi_id"].astype("str")
    out["service"] = out["service"].astype("str")
    cols = (["period"] if keep_period else []) + list(ROW_COLUMNS)
    return out.loc[:, cols].reset_index(drop=True)


def _to_int(values: pd.Series) -> pd.Series:
    """Whole-number floats to nullable ``Int64`` (left as float if any value is fractional)."""
    arr = pd.to_numeric(values, errors="coerce").astype("float64")
    finite = arr.dropna()
    if (finite == finite.round()).all():
        return arr.astype("Int64")
    return arr.astype("Float64")

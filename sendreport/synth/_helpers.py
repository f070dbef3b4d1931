"""Building blocks shared by the synthetic table generators.

Dates are handled as integer day numbers (days since 1970-01-01) while the
tables are built, because numpy arithmetic on them is fast and exact; they
become ``datetime64`` columns (``NaT`` for missing) only at the end.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

NA_DAY = np.iinfo(np.int64).min
"""Sentinel day number for a missing date (becomes ``NaT``)."""

DATE_DTYPE = "datetime64[us]"
"""The dtype of date columns, as ``pandas.read_csv`` produces it."""


def day(iso: str) -> int:
    """Return the day number of an ISO date string."""
    return int(np.datetime64(iso, "D").astype(np.int64))


def curve(days: np.ndarray, knots: Sequence[tuple[str, float]]) -> np.ndarray:
    """Interpolate a piecewise-linear story curve at ``days``.

    Parameters
    ----------
    days
        Day numbers.
    knots
        ``(ISO date, value)`` pairs in date order; values are held flat before
        the first knot and after the last. Two knots on consecutive days make
        a step.

    Returns
    -------
    numpy.ndarray
        The curve's value on each day.
    """
    x = np.array([day(d) for d, _ in knots], dtype=np.float64)
    y = np.array([v for _, v in knots], dtype=np.float64)
    return np.interp(days.astype(np.float64), x, y)


def daily_arrivals(
    rng: np.random.Generator,
    *,
    start: str,
    end: str,
    per_year: float,
    growth: float,
    month_factor: Sequence[float] | None = None,
    weekday_factor: float = 1.0,
) -> np.ndarray:
    """Draw arrival days from a Poisson process with trend and seasonality.

    Parameters
    ----------
    rng
        The random generator.
    start, end
        First and last day (ISO dates, inclusive).
    per_year
        Expected arrivals per year at 2022-01-01.
    growth
        Yearly growth factor, e.g. ``1.15`` for 15% a year.
    month_factor
        Twelve relative rates for January to December (normalised to mean 1).
    weekday_factor
        Rate on Monday to Friday relative to the mean; the weekend takes the rest.

    Returns
    -------
    numpy.ndarray
        Sorted int64 day numbers, one per arrival.
    """
    days = np.arange(day(start), day(end) + 1, dtype=np.int64)
    rate = per_year / 365.25 * growth ** ((days - day("2022-01-01")) / 365.25)
    dates = days.astype("datetime64[D]")
    if month_factor is not None:
        mf = np.asarray(month_factor, dtype=np.float64)
        months = dates.astype("datetime64[M]").astype(np.int64) % 12
        rate = rate * (mf / mf.mean())[months]
    weekday = (days + 3) % 7  # 0 = Monday
    weekend_factor = (7.0 - 5.0 * weekday_factor) / 2.0
    rate = rate * np.where(weekday < 5, weekday_factor, weekend_factor)
    return np.repeat(days, rng.poisson(rate))


def pseudonyms(index: np.ndarray, *, prefix: str, digits: int, key: tuple[int, int]) -> pd.Series:
    """Turn person numbers into pseudonymous ids such as ``DS-0012345``.

    The map ``i -> (a * i + b) mod 10**digits`` is a bijection when ``a`` is
    coprime with 10, so distinct people always get distinct ids, and the ids
    carry no order.

    Parameters
    ----------
    index
        Non-negative person numbers, below ``10**digits``.
    prefix
        Text before the number, e.g. ``"DS-"``.
    digits
        Width of the number.
    key
        ``(a, b)``; ``a`` must end in 1, 3, 7 or 9.

    Returns
    -------
    pandas.Series
        The ids, dtype ``str``.
    """
    modulus = 10**digits
    a, b = key
    nums = (index.astype(np.int64) * (a % modulus) + b) % modulus
    return serial_ids(prefix, nums, digits=digits)


def serial_ids(prefix: str, numbers: np.ndarray, *, digits: int) -> pd.Series:
    """Format ``numbers`` as zero-padded ids, e.g. ``REQ-000001``, as a ``str`` Series.

    The ids are written straight into an Arrow string buffer (every id has the
    same width), which is much faster than formatting millions of Python strings.
    """
    numbers = np.asarray(numbers, dtype=np.int64)
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    width = head.size + digits
    buf = np.empty((numbers.size, width), dtype=np.uint8)
    buf[:, : head.size] = head
    for i in range(digits):
        buf[:, head.size + i] = (numbers // 10 ** (digits - 1 - i)) % 10 + ord("0")
    offsets = np.arange(numbers.size + 1, dtype=np.int32) * width
    ids = pa.StringArray.from_buffers(
        numbers.size, pa.py_buffer(offsets.tobytes()), pa.py_buffer(buf.tobytes())
    )
    return pd.Series(pd.array(ids, dtype="str"))


def id_width(n: int) -> int:
    """Digits needed for ``n`` serial ids, at least six."""
    return max(6, len(str(n)))


def key_for(rng: np.random.Generator, digits: int) -> tuple[int, int]:
    """Draw a pseudonymisation key for :func:`pseudonyms`."""
    modulus = 10**digits
    a = int(rng.integers(modulus // 10, modulus)) // 10 * 10 + int(rng.choice([1, 3, 7, 9]))
    return a, int(rng.integers(0, modulus))


def to_dates(days: np.ndarray) -> np.ndarray:
    """Convert day numbers (``NA_DAY`` for missing) to ``datetime64[us]``."""
    out = days.astype("datetime64[D]").astype(DATE_DTYPE)
    out[days == NA_DAY] = np.datetime64("NaT")
    return out


def str_column(
    labels: Sequence[str], codes: np.ndarray, missing: np.ndarray | None = None
) -> pd.Series:
    """Build a ``str`` Series of ``labels[codes]``, with ``missing`` positions NA."""
    text = pa.array(list(labels), type=pa.string()).take(pa.array(np.asarray(codes, np.int64)))
    if missing is not None:
        text = pc.if_else(pa.array(np.asarray(missing, bool)), pa.scalar(None, pa.string()), text)
    return pd.Series(pd.array(text, dtype="str"))


def choose(
    rng: np.random.Generator, labels: Sequence[str], p: Sequence[float], n: int
) -> np.ndarray:
    """Draw ``n`` codes (as indices into ``labels``) with probabilities ``p``."""
    cum = np.cumsum(np.asarray(p, dtype=np.float64))
    cum /= cum[-1]
    return np.searchsorted(cum, rng.random(n), side="right").clip(0, len(labels) - 1)

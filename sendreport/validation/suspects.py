"""Records an analyst should query: valid by every rule, yet unlikely to be right.

These rows are counted, never excluded (only the analyst can confirm a test
record or a duplicate, and leave it out with ``exclude``). Each check gives the
positions of the rows it flags; ``load_data`` counts them in the data quality
table and names their row numbers in the analyst's summary, never their content.

``query_duplicate``
    a row equal to an earlier one in every column but its id (same person,
    same dates, same codes): the first is not flagged, its copies are.
``query_many_records``
    one person with implausibly many records of a kind in a short time: more
    than :data:`MANY` allows within its window (for example more than two
    annual reviews due, or held, within 183 days), or more referrals open at
    once than there are canonical services.
``query_long_duration``
    a wait or duration far outside the rest of its column: beyond the upper
    quartile plus :data:`FENCE` times the interquartile range (Tukey's "far
    out" fence), and over a year (for example six requests "issued" exactly
    1,000 days after they were received, where the rest take under a year).
``query_before_coverage``
    a record isolated before the table's coverage: before the first month
    from which every month has records at the table's usual rate (the rule
    stated in :mod:`sendreport.metrics.coverage`), with a month of no record
    between it and that start
    (:func:`sendreport.metrics.coverage.isolated_before`); or more than a year
    before ``data_from`` when the params give one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pandas as pd

from sendreport.metrics.coverage import PLACED_BY, isolated_before
from sendreport.validation.rules import Rule
from sendreport.validation.schemas import SERVICES

MANY: dict[str, tuple[tuple[str, int, int], ...]] = {
    "requests": (("received_date", 365, 3),),
    "reviews": (("review_due_date", 183, 2), ("review_meeting_date", 183, 2)),
    "referrals": (("referral_date", 91, len(SERVICES)),),
}
"""Per table: ``(date column, window in days, most records one person may have in it)``."""

DURATIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "requests": (("received_date", "request_outcome_date"),
                 ("received_date", "assessment_outcome_date"),
                 ("received_date", "plan_issued_date")),
    "reviews": (("review_meeting_date", "review_decision_date"),),
    "referrals": (("referral_date", "first_contact_date"), ("referral_date", "removed_date")),
}
"""Per table: ``(start, end)`` date columns whose gap in days is checked."""

FENCE = 3.0
MIN_DURATIONS = 20
"""Columns with fewer durations than this are not checked for outliers."""
MIN_DAYS = 365


def query_checks(frame: pd.DataFrame, table: str, key: str, *,
                 data_from: dt.date | None = None) -> Iterator[tuple[str, str, np.ndarray]]:
    """Yield ``(column, rule, positions)`` for each check that flags rows of a table.

    Parameters
    ----------
    frame
        A validated table (canonical columns and dtypes).
    table
        Its name: ``requests``, ``reviews`` or ``referrals`` (others have no checks).
    key
        Its id column, ignored when looking for duplicates.
    data_from
        The first date the export covers, when the params give one.

    Yields
    ------
    tuple
        The column the rule is about, the rule name, and the sorted positions
        (``iloc``) of the rows flagged.

    Examples
    --------
    >>> f = pd.DataFrame({"referral_id": ["F1", "F2", "F3"], "person_id": ["P1", "P1", "P2"],
    ...                   "service": ["audiology"] * 3,
    ...                   "referral_date": pd.to_datetime(["2024-01-10"] * 3),
    ...                   "first_contact_date": pd.to_datetime([None] * 3),
    ...                   "removed_date": pd.to_datetime([None] * 3)})
    >>> [(c, str(r), p.tolist()) for c, r, p in query_checks(f, "referrals", "referral_id")]
    [('person_id', 'query_duplicate', [1])]
    """
    if table not in PLACED_BY or frame.empty:
        return
    dated = [c for c in PLACED_BY[table] if c in frame]
    if not dated:
        return
    placed_by = next((c for c in dated if frame[c].notna().any()), dated[0])
    person = pd.factorize(frame["person_id"], use_na_sentinel=True)[0].astype("int64")
    checks = (
        ("person_id", Rule.QUERY_DUPLICATE, _duplicates(frame, key, person, placed_by)),
        ("person_id", Rule.QUERY_MANY_RECORDS, _many(frame, table, person)),
    )
    for column, rule, mask in checks:
        if mask.any():
            yield column, rule, np.flatnonzero(mask)
    for start, end in DURATIONS[table]:
        if start not in frame or end not in frame:
            continue
        mask = _long(frame[start], frame[end])
        if mask.any():
            yield end, Rule.QUERY_LONG_DURATION, np.flatnonzero(mask)
    mask = _before_coverage(frame[placed_by], data_from, table, frame)
    if mask.any():
        yield placed_by, Rule.QUERY_BEFORE_COVERAGE, np.flatnonzero(mask)


def _duplicates(frame: pd.DataFrame, key: str, person: np.ndarray, date: str) -> np.ndarray:
    out = np.zeros(len(frame), dtype=bool)
    # only rows sharing a person and a date can be copies: compare whole rows among those
    day = frame[date].to_numpy().astype("datetime64[D]").astype("int64")
    pair = pd.Series(person * (1 << 32) + (day - day.min() if len(day) else day))
    maybe = np.flatnonzero(pair.duplicated(keep=False).to_numpy() & (person >= 0))
    if len(maybe):
        others = [c for c in frame.columns if c != key]
        out[maybe] = frame.iloc[maybe].duplicated(subset=others, keep="first").to_numpy()
    return out


def _many(frame: pd.DataFrame, table: str, person: np.ndarray) -> np.ndarray:
    flagged = np.zeros(len(frame), dtype=bool)
    for column, window, most in MANY[table]:
        if column in frame:
            flagged |= _crowded(person, frame[column], window, most)
    if table == "referrals":
        open_now = (frame["first_contact_date"].isna() & frame["removed_date"].isna()).to_numpy()
        counted = open_now & (person >= 0)
        per_person = np.bincount(person[counted], minlength=int(person.max()) + 1)
        flagged |= counted & (per_person[np.maximum(person, 0)] > len(SERVICES))
    return flagged


def _crowded(person: np.ndarray, dates: pd.Series, window: int, most: int) -> np.ndarray:
    """Rows in some window of ``window`` days holding more than ``most`` rows of one person.

    ``person`` holds integer codes, negative for a missing person.

    Examples
    --------
    >>> d = pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-09-01"])
    >>> _crowded(np.array([0, 0, 0, 0]), pd.Series(d), 30, 2).tolist()
    [True, True, True, False]
    """
    out = np.zeros(len(person), dtype=bool)
    ok = (person >= 0) & dates.notna().to_numpy()
    if ok.sum() <= most:
        return out
    codes = person[ok]
    days = (dates[ok].to_numpy().astype("datetime64[D]").astype("int64"))
    span = int(days.max() - days.min()) + window + 1
    combined = codes * span + (days - days.min())
    order = np.argsort(combined, kind="stable")
    keys = combined[order]
    ends = np.searchsorted(keys, keys + window, side="right")  # rows within [d, d + window]
    crowded = (ends - np.arange(len(keys))) > most
    marks = np.zeros(len(keys) + 1, dtype="int64")
    np.add.at(marks, np.flatnonzero(crowded), 1)
    np.add.at(marks, ends[crowded], -1)
    inside = np.cumsum(marks[:-1]) > 0
    positions = np.flatnonzero(ok)[order]
    out[positions[inside]] = True
    return out


def _long(start: pd.Series, end: pd.Series) -> np.ndarray:
    days = (end - start).dt.days
    known = days.dropna()
    if len(known) < MIN_DURATIONS:
        return np.zeros(len(days), dtype=bool)
    q1, q3 = np.percentile(known.to_numpy(dtype="float64"), [25, 75])
    fence = max(q3 + FENCE * (q3 - q1), MIN_DAYS)
    return (days > fence).fillna(False).to_numpy(dtype=bool)


def _before_coverage(dates: pd.Series, data_from: dt.date | None, table: str,
                     frame: pd.DataFrame) -> np.ndarray:
    if data_from is not None:
        start = pd.Timestamp(data_from) - pd.Timedelta(days=365)
    else:
        start = isolated_before(table, frame)
        if start is None:
            return np.zeros(len(dates), dtype=bool)
    return (dates < start).fillna(False).to_numpy(dtype=bool)

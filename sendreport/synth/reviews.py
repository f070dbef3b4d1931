"""Synthetic EHC plan annual reviews (SPEC 4.2) for the plans in place.

Two groups of plans are reviewed: those in place before the requests table
starts (``STOCK`` of them, reviewed on their anniversary each year) and the
plans issued from the requests table (first due 12 months after issue). A
review ending in ``cease``, or a child moving away, ends the later reviews.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sendreport.synth._helpers import (
    NA_DAY,
    choose,
    curve,
    day,
    id_width,
    serial_ids,
    str_column,
    to_dates,
)

FIRST_DUE, LAST_DUE = "2022-01-01", "2024-12-31"
STOCK = 3200
YEARS = 3
OUTCOMES = ("maintain", "amend", "cease")
OUTCOME_SHARE = (0.66, 0.29, 0.05)
MOVED_AWAY = 0.03
# Share of meetings held late (after the due date), by due date.
LATE_MEETING = [("2022-01-01", 0.22), ("2023-01-01", 0.28), ("2024-12-31", 0.15)]
# Probability the decision is sent within 4 weeks of the meeting, by meeting date.
DECISION_4WK = [("2022-01-01", 0.36), ("2023-06-01", 0.40), ("2024-12-31", 0.50)]


def reviews_table(
    rng: np.random.Generator,
    *,
    volume: float,
    extract: str,
    issued_people: np.ndarray,
    issued_days: np.ndarray,
    stock_offset: int,
) -> pd.DataFrame:
    """Generate the reviews table.

    Parameters
    ----------
    rng
        The random generator.
    volume
        Multiplier on the Demoshire volume.
    extract
        Data extract date: later meetings and decisions are not yet known.
    issued_people, issued_days
        Person numbers and issue day numbers of plans issued from requests.
    stock_offset
        First person number for plans already in place.

    Returns
    -------
    pandas.DataFrame
        The table, with ``person_id`` still as integer person numbers.
    """
    first, last, ext = day(FIRST_DUE), day(LAST_DUE), day(extract)
    n_stock = int(round(STOCK * volume))
    people = np.concatenate([np.arange(stock_offset, stock_offset + n_stock), issued_people])
    first_due = np.concatenate(
        [first + rng.integers(0, 365, n_stock), issued_days.astype(np.int64) + 365]
    )
    due = first_due[:, None] + 365 * np.arange(YEARS)[None, :]
    outcome = choose(rng, OUTCOMES, OUTCOME_SHARE, due.size).reshape(due.shape)
    stops = (outcome == 2) | (rng.random(due.shape) < MOVED_AWAY)
    alive = np.cumprod(np.concatenate([np.ones((due.shape[0], 1), bool), ~stops[:, :-1]], 1), 1)
    keep = alive.astype(bool) & (due >= first) & (due <= last)

    people = np.broadcast_to(people[:, None], due.shape)[keep]
    due, outcome = due[keep], outcome[keep]
    order = np.lexsort((people, due))
    people, due, outcome = people[order], due[order], outcome[order]
    n = due.size

    late = rng.random(n) < curve(due, LATE_MEETING)
    offset = np.where(
        late,
        rng.integers(8, 30, n) + rng.gamma(1.5, 30.0, n).astype(np.int64),
        np.rint(rng.normal(-12.0, 10.0, n)).astype(np.int64).clip(-60, 7),
    )
    meeting = due + offset
    held = (meeting <= ext) & (rng.random(n) >= 0.02)
    on_time = rng.random(n) < curve(meeting, DECISION_4WK)
    decision = meeting + np.where(
        on_time, rng.integers(1, 29, n), 29 + rng.gamma(2.0, 14.0, n).astype(np.int64)
    )
    decided = held & (decision <= ext)
    recorded = decided & (rng.random(n) >= 0.06)

    return pd.DataFrame(
        {
            "review_id": serial_ids("REV-", np.arange(1, n + 1), digits=id_width(n)),
            "person_id": people,
            "review_due_date": to_dates(due),
            "review_meeting_date": to_dates(np.where(held, meeting, NA_DAY)),
            "review_decision_date": to_dates(np.where(recorded, decision, NA_DAY)),
            "review_outcome": str_column(OUTCOMES, outcome, missing=~decided),
        }
    )

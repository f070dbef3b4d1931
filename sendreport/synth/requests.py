"""Synthetic requests for EHC needs assessment (SPEC 4.1) telling the Demoshire story.

Timeliness is driven by the probability that a plan is issued within 20 weeks,
set by the date the plan would be issued on time (received + 125 days), so the
curve read by issue month follows the story: healthy in 2021, collapsing in
early 2022, flat until mid-2023, then a step when EHC coordinators were
recruited (September 2023) and a steady climb to about 40% by late 2024.
Late plans take longer while the backlog is worst (received in 2022), which
keeps the issue-month figure low after the collapse.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sendreport.synth._helpers import (
    NA_DAY,
    choose,
    curve,
    daily_arrivals,
    day,
    id_width,
    serial_ids,
    str_column,
    to_dates,
)

START, END = "2021-07-01", "2024-12-31"
PER_YEAR = 1000.0
GROWTH = 1.15
MONTH_FACTOR = (1.05, 1.05, 1.1, 0.95, 1.05, 1.0, 0.9, 0.6, 1.1, 1.15, 1.1, 0.95)

# Probability of an assess / not_assess decision within 6 weeks, by received date.
DECISION_6WK = [
    ("2021-07-01", 0.76),
    ("2021-12-01", 0.72),
    ("2022-06-01", 0.58),
    ("2023-06-01", 0.60),
    ("2023-10-01", 0.70),
    ("2024-12-31", 0.80),
]
# Probability that a plan is issued within 20 weeks, by its on-time issue date.
ON_TIME_20WK = [
    ("2021-07-01", 0.40),
    ("2021-10-15", 0.38),
    ("2021-12-15", 0.12),
    ("2022-02-15", 0.04),
    ("2023-06-30", 0.04),
    ("2023-08-31", 0.10),
    ("2023-09-01", 0.36),
    ("2024-12-31", 0.55),
]
# Median days beyond 20 weeks for a late plan, by received date.
LATE_MEDIAN_DAYS = [
    ("2021-07-01", 40),
    ("2021-10-01", 120),
    ("2022-06-01", 160),
    ("2023-03-01", 150),
    ("2023-09-01", 90),
    ("2024-06-01", 60),
]

REQUEST_OUTCOMES = ("assess", "not_assess", "withdrawn", "ongoing")
ASSESSMENT_OUTCOMES = ("issue_plan", "not_issue_plan", "withdrawn", "ongoing")
NEEDS = ("ASD", "SLCN", "SEMH", "MLD", "SLD", "SPLD", "PD", "OTH", "HI", "DS", "PMLD", "VI", "MSI")
NEED_SHARE = (0.30, 0.20, 0.18, 0.09, 0.05, 0.04, 0.04, 0.03, 0.02, 0.02, 0.015, 0.01, 0.005)
# Age in whole years at request, 0 to 25: mostly 3 to 16.
AGE_WEIGHT = np.array(
    [1, 3, 6, 12, 12, 11, 10, 9, 8, 7, 7, 7, 6, 5, 5, 4, 3, 2, 1.5, 1, 0.6, 0.4, 0.3, 0.2, 0.1, 0.1]
)


def requests_table(
    rng: np.random.Generator, *, volume: float, extract: str
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Generate the requests table.

    Parameters
    ----------
    rng
        The random generator.
    volume
        Multiplier on the Demoshire volume (1 for one area).
    extract
        Data extract date: later outcomes are not yet known.

    Returns
    -------
    tuple
        The table (person numbers in ``person_id`` still as integers), the
        person numbers of plans issued and their issue day numbers.
    """
    received = daily_arrivals(
        rng,
        start=START,
        end=END,
        per_year=PER_YEAR * volume,
        growth=GROWTH,
        month_factor=MONTH_FACTOR,
        weekday_factor=1.3,
    )
    n = received.size
    ext = day(extract)

    outcome = choose(rng, REQUEST_OUTCOMES[:3], (0.645, 0.325, 0.03), n)
    on_time_decision = rng.random(n) < curve(received, DECISION_6WK)
    decision = np.where(
        on_time_decision,
        rng.integers(14, 43, n),
        43 + rng.gamma(2.0, 12.0, n).astype(np.int64),
    )
    decision = np.where(outcome == 2, rng.integers(5, 60, n), decision)
    request_date = received + decision

    assessed = outcome == 0
    a_outcome = choose(rng, ASSESSMENT_OUTCOMES[:3], (0.925, 0.055, 0.02), n)
    on_time_plan = rng.random(n) < curve(received + 125, ON_TIME_20WK)
    on_time_days = 140 - rng.gamma(2.0, 7.0, n).astype(np.int64)
    late_days = 141 + rng.lognormal(np.log(curve(received, LATE_MEDIAN_DAYS)), 0.55, n).astype(
        np.int64
    )
    earliest = decision + 28
    duration = np.where(on_time_plan & (on_time_days >= earliest), on_time_days, late_days)
    duration = np.maximum(duration, earliest)
    exception = assessed & (a_outcome == 0) & (rng.random(n) < 0.04)
    duration = duration + np.where(exception, rng.integers(28, 120, n), 0)
    duration = np.where(a_outcome == 2, decision + rng.integers(14, 100, n), duration)
    assessment_date = received + duration

    # What the extract knows.
    request_known = request_date <= ext
    assessment_known = assessed & request_known & (assessment_date <= ext)
    outcome = np.where(request_known, outcome, 3)
    a_code = np.where(assessment_known, a_outcome, 3)
    issued = assessment_known & (a_outcome == 0)

    people = _people(rng, outcome, received)
    age = choose(rng, [str(a) for a in range(AGE_WEIGHT.size)], AGE_WEIGHT, n)
    birth = received - (age * 365.25).astype(np.int64) - rng.integers(0, 365, n)
    need = choose(rng, NEEDS, NEED_SHARE, n)
    # A person asking again keeps their date of birth and primary need.
    first = _first_row(people)
    birth, need = birth[first], need[first]

    table = pd.DataFrame(
        {
            "request_id": serial_ids("REQ-", np.arange(1, n + 1), digits=id_width(n)),
            "person_id": people,
            "received_date": to_dates(received),
            "request_outcome": str_column(REQUEST_OUTCOMES, outcome),
            "request_outcome_date": to_dates(np.where(request_known, request_date, NA_DAY)),
            "assessment_outcome": str_column(
                ASSESSMENT_OUTCOMES, a_code, missing=~(assessed & request_known)
            ),
            "assessment_outcome_date": to_dates(
                np.where(assessment_known, assessment_date, NA_DAY)
            ),
            "plan_issued_date": to_dates(np.where(issued, assessment_date, NA_DAY)),
            "exception_20wk": exception & issued,
            "primary_need": str_column(NEEDS, need, missing=rng.random(n) < 0.01),
            "date_of_birth": to_dates(birth),
        }
    )
    return table, people[issued], assessment_date[issued]


def _people(rng: np.random.Generator, outcome: np.ndarray, received: np.ndarray) -> np.ndarray:
    """Give each request a person number; about 4% are earlier refused requesters again."""
    n = outcome.size
    people = np.arange(n, dtype=np.int64)
    refused = np.flatnonzero(outcome == 1)
    again = np.flatnonzero(rng.random(n) < 0.04)
    # The latest refusal at least 90 days earlier, then step back a random few.
    cut = np.searchsorted(received[refused], received[again] - 90, side="right")
    back = rng.integers(0, 40, again.size)
    pick = cut - 1 - back
    ok = pick >= 0
    people[again[ok]] = people[refused[pick[ok]]]
    return people


def _first_row(people: np.ndarray) -> np.ndarray:
    """For each row, the index of the first row with the same person."""
    _, first, inverse = np.unique(people, return_index=True, return_inverse=True)
    return first[inverse]

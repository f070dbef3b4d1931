"""Synthetic referrals to children's health services (SPEC 4.3).

Each service is a queue. Referrals arrive as a Poisson process growing each
year; a few urgent ones are seen within weeks; the rest are seen in order of a
clinical priority key (arrival date plus noise) by a service whose capacity
(people seen a year) changes on given dates. For a fluid server of cumulative
capacity ``C(t)``, the ``k``-th person in priority order is seen when
``C(t) = k + 1 + max_{j <= k}(C(p_j) - j)``, which numpy computes with a
cumulative maximum, so the whole queue is simulated without a loop. Where
demand outgrows capacity (speech and language therapy, autism and ADHD
assessment, equipment) the list and the waits grow, until the extra capacity
commissioned in January 2024 brings them down. A few leave the list without
being seen; referrals still waiting at the extract date stay open.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sendreport.synth._helpers import (
    NA_DAY,
    daily_arrivals,
    day,
    id_width,
    serial_ids,
    str_column,
    to_dates,
)

FIRST_KEPT = "2021-07-01"
"""The extract holds referrals open or active on or after this day."""
END = "2024-12-31"


@dataclass(frozen=True)
class Service:
    """How one service's referrals arrive and are seen."""

    name: str
    per_year: float  # referrals a year at 2022-01-01
    growth: float  # yearly growth factor of referrals
    start: str  # first referral generated (a warm-up before the extract window)
    capacity: tuple[tuple[str, float], ...] = ()  # (from date, non-urgent seen a year); () = none
    booking: tuple[float, float] = (2.0, 7.0)  # gamma shape, scale: days to book once reached
    urgent: float = 0.05
    priority_sd: float = 21.0  # days of clinical priority noise
    removed: float = 0.06


SERVICES = (
    Service(
        "speech_and_language_therapy",
        1100,
        1.10,
        "2019-01-01",
        (("2019-01-01", 900), ("2020-04-01", 500), ("2021-01-01", 840), ("2024-01-01", 1510)),
        urgent=0.06,
    ),
    Service(
        "autism_assessment",
        650,
        1.12,
        "2017-01-01",
        (("2017-01-01", 400), ("2020-04-01", 200), ("2021-04-01", 400), ("2024-01-01", 1100)),
        urgent=0.04,
        priority_sd=28.0,
    ),
    Service(
        "adhd_assessment",
        420,
        1.20,
        "2018-01-01",
        (("2018-01-01", 300), ("2020-04-01", 200), ("2021-01-01", 330), ("2024-01-01", 360)),
        urgent=0.03,
    ),
    Service("community_paediatrics", 800, 1.06, "2020-07-01", booking=(2.0, 40.0), urgent=0.1),
    Service("occupational_therapy", 400, 1.08, "2020-07-01", booking=(2.5, 38.0)),
    Service("physiotherapy", 350, 1.03, "2020-07-01", booking=(2.0, 25.0), urgent=0.1),
    Service("audiology", 450, 1.02, "2020-07-01", booking=(2.0, 16.0), urgent=0.08),
    Service(
        "equipment",
        180,
        1.08,
        "2020-01-01",
        (("2020-01-01", 150), ("2021-01-01", 150), ("2024-01-01", 236)),
        booking=(2.0, 10.0),
        urgent=0.1,
    ),
)


def referrals_table(rng: np.random.Generator, *, volume: float, extract: str) -> pd.DataFrame:
    """Generate the referrals table.

    Parameters
    ----------
    rng
        The random generator.
    volume
        Multiplier on the Demoshire volume.
    extract
        Data extract date: later contacts and removals are not yet known.

    Returns
    -------
    pandas.DataFrame
        The table, with ``person_id`` still as integer person numbers from 0.
    """
    ext = day(extract)
    parts = [_service(rng, s, volume=volume) for s in SERVICES]
    code = np.concatenate([np.full(p[0].size, i) for i, p in enumerate(parts)])
    referred, seen, removed = (np.concatenate([p[k] for p in parts]) for k in range(3))
    seen = np.where(seen <= ext, seen, NA_DAY)
    removed = np.where(removed <= ext, removed, NA_DAY)
    closed = np.maximum(seen, removed)
    keep = (referred >= day(FIRST_KEPT)) | (closed == NA_DAY) | (closed >= day(FIRST_KEPT))
    code, referred, seen, removed = code[keep], referred[keep], seen[keep], removed[keep]
    order = np.lexsort((code, referred))
    code, referred, seen, removed = code[order], referred[order], seen[order], removed[order]
    n = referred.size
    # About 1.3 referrals a person: some children are referred to several services.
    people = rng.integers(0, int(n / 1.3) + 1, n)
    names = [s.name for s in SERVICES]
    return pd.DataFrame(
        {
            "referral_id": serial_ids("REF-", np.arange(1, n + 1), digits=id_width(n)),
            "person_id": people,
            "service": str_column(names, code),
            "referral_date": to_dates(referred),
            "first_contact_date": to_dates(seen),
            "removed_date": to_dates(removed),
        }
    )


def _service(
    rng: np.random.Generator, service: Service, *, volume: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Referral, first contact and removal day numbers for one service."""
    referred = daily_arrivals(
        rng,
        start=service.start,
        end=END,
        per_year=service.per_year * volume,
        growth=service.growth,
        weekday_factor=1.3,
    )
    n = referred.size
    urgent = rng.random(n) < service.urgent
    booking = rng.gamma(service.booking[0], service.booking[1], n)
    reached = referred.astype(np.float64)
    if service.capacity:
        queue = np.flatnonzero(~urgent)
        key = referred[queue] + rng.normal(0.0, service.priority_sd, queue.size)
        order = np.argsort(key, kind="stable")
        reached[queue[order]] = _fluid_queue(key[order], service.capacity, volume=volume)
    seen = np.maximum(reached, referred) + booking
    seen = np.where(urgent, referred + rng.integers(3, 42, n), seen).astype(np.int64)
    wait = seen - referred
    leaves = (rng.random(n) < service.removed) & (wait > 28)
    removed = np.where(
        leaves, referred + (wait * rng.uniform(0.2, 0.95, n)).astype(np.int64), NA_DAY
    )
    seen = np.where(leaves, NA_DAY, seen)
    return referred, seen, removed


def _fluid_queue(
    key: np.ndarray, capacity: tuple[tuple[str, float], ...], *, volume: float
) -> np.ndarray:
    """Day each person (in priority order ``key``, sorted) is reached by the service."""
    grid = np.arange(int(key[0]) - 1, day("2032-12-31"), dtype=np.int64)
    starts = np.array([day(d) for d, _ in capacity])
    rates = np.array([r for _, r in capacity]) * volume / 365.25
    per_day = rates[np.searchsorted(starts, grid, side="right").clip(1) - 1]
    cumulative = np.concatenate([[0.0], np.cumsum(per_day[:-1])])
    at_key = np.interp(key, grid, cumulative)
    position = np.arange(key.size, dtype=np.float64)
    target = position + 1.0 + np.maximum.accumulate(at_key - position)
    return np.interp(target, cumulative, grid.astype(np.float64))

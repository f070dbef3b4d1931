"""Synthetic measured evidence (SPEC 4.5): surveys, audits and workforce returns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sendreport.synth._helpers import DATE_DTYPE, curve


def _termly() -> list[str]:
    """Parent carer survey dates: the end of each school term, 2022 to 2024."""
    return [f"{y}-{md}" for y in (2022, 2023, 2024) for md in ("03-31", "07-15", "12-15")]


def _quarterly() -> list[str]:
    """Quarter ends, 2022 to 2024."""
    return [f"{y}-{md}" for y in (2022, 2023, 2024) for md in ("03-31", "06-30", "09-30", "12-31")]


def _monthly() -> list[str]:
    """Month ends, January 2022 to December 2024."""
    months = pd.period_range("2022-01", "2024-12", freq="M")
    return [str(m.end_time.date()) for m in months]


MEASURES = (
    # id, title, source, unit, dates, story knots, denominator range (None: a value), kind
    (
        "pcf_plan_reflects_needs",
        "My child's EHC plan reflects their needs",
        "parent carer survey",
        "%",
        _termly,
        [("2022-03-31", 0.33), ("2023-03-31", 0.35), ("2023-12-15", 0.42), ("2024-12-15", 0.52)],
        (150, 251),
        "family_voice",
    ),
    (
        "ehcp_quality_good",
        "EHC plans rated good or better in the multi-agency audit",
        "multi-agency audit",
        "%",
        _quarterly,
        [("2022-03-31", 0.38), ("2023-06-30", 0.36), ("2024-12-31", 0.62)],
        (30, 61),
        "audit",
    ),
    (
        "ep_advice_6wk",
        "Educational psychology advice provided within 6 weeks",
        "educational psychology service return",
        "%",
        _monthly,
        [("2022-01-31", 0.55), ("2022-09-30", 0.18), ("2023-06-30", 0.2), ("2024-12-31", 0.72)],
        (45, 96),
        "other",
    ),
    (
        "ehc_coordinators_fte",
        "EHC coordinators in post (full-time equivalent)",
        "workforce return",
        "FTE",
        _quarterly,
        [("2022-03-31", 14.0), ("2023-06-30", 11.5), ("2023-09-01", 22.0), ("2024-12-31", 24.0)],
        None,
        "workforce",
    ),
    (
        "ep_vacancies",
        "Educational psychologist vacancies",
        "workforce return",
        "count",
        _quarterly,
        [("2022-03-31", 4.0), ("2023-06-30", 5.0), ("2024-03-31", 2.0), ("2024-12-31", 1.0)],
        None,
        "workforce",
    ),
)
"""The demo measures. Workforce figures count staff, not children (``people`` false)."""

RESPONSE_RATE = 0.35
"""Share of the families asked who answer the parent carer survey."""


def measures_table(rng: np.random.Generator, *, volume: float) -> pd.DataFrame:
    """Generate the measures table: one row per measure and date.

    Parameters
    ----------
    rng
        The random generator.
    volume
        Multiplier on respondents, audited plans and staff.

    Returns
    -------
    pandas.DataFrame
        Columns ``measure_id, title, source, date, numerator, denominator,
        value, unit, kind, people, invited``; ``value`` is empty where a
        numerator and denominator give a percentage; ``invited`` (families
        asked) is given for the survey only.
    """
    frames = []
    for measure_id, title, source, unit, dates, knots, size, kind in MEASURES:
        when = np.array(dates(), dtype="datetime64[D]")
        level = curve(when.astype(np.int64), knots)
        n = when.size
        invited = pd.array([pd.NA] * n, dtype="Int64")
        if size is None and unit == "count":
            numerator = denominator = pd.array([pd.NA] * n, dtype="Int64")
            value = np.round(level * volume).astype(float)
        elif size is None:
            numerator = denominator = pd.array([pd.NA] * n, dtype="Int64")
            value = np.round(level * volume + rng.normal(0.0, 0.4, n) * np.sqrt(volume), 1)
        else:
            den = np.round(rng.integers(size[0], size[1], n) * volume).astype(np.int64)
            numerator = pd.array(rng.binomial(den, level), dtype="Int64")
            denominator = pd.array(den, dtype="Int64")
            value = np.full(n, np.nan)
            if kind == "family_voice":
                invited = pd.array(np.round(den / RESPONSE_RATE).astype(np.int64), dtype="Int64")
        frames.append(
            pd.DataFrame(
                {
                    "measure_id": measure_id,
                    "title": title,
                    "source": source,
                    "date": when.astype(DATE_DTYPE),
                    "numerator": numerator,
                    "denominator": denominator,
                    "value": value,
                    "unit": unit,
                    "kind": kind,
                    "people": kind != "workforce",
                    "invited": invited,
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    return table.astype({c: "str" for c in ("measure_id", "title", "source", "unit", "kind")})

"""Coverage from continuity: stray early records never make a table look covered earlier."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sendreport.metrics.coverage import (
    USUAL_SHARE,
    continuous_from,
    coverage_start,
    isolated_until,
    resolve_data_from,
)

APRIL_2023 = 2023 * 12 + 3


def days_of(months: list[int], per_month: list[int]) -> np.ndarray:
    """Day numbers: ``per_month[i]`` records on distinct days of month ``months[i]``."""
    out = []
    for month, n in zip(months, per_month, strict=True):
        first = pd.Timestamp(year=month // 12, month=month % 12 + 1, day=1)
        out += [first + pd.Timedelta(days=d % 28) for d in range(n)]
    return (pd.DatetimeIndex(out).values.astype("datetime64[D]").astype("int64")
            .astype("float64"))


@settings(max_examples=60, deadline=None)
@given(steady=st.lists(st.integers(20, 60), min_size=6, max_size=24),
       stray=st.lists(st.integers(1, 4), min_size=1, max_size=6),
       gap=st.integers(1, 30))
def test_a_stray_cluster_before_a_gap_never_moves_the_start_earlier(steady, stray, gap):
    months = list(range(APRIL_2023, APRIL_2023 + len(steady)))
    early = list(range(APRIL_2023 - gap - len(stray), APRIL_2023 - gap))
    days = np.concatenate([days_of(early, stray), days_of(months, steady)])
    # every steady month has at least 20 records, at least a quarter of the median (60 at most)
    assert continuous_from(days) == APRIL_2023
    assert isolated_until(days) == APRIL_2023  # the stray records are isolated: to query


@settings(max_examples=60, deadline=None)
@given(steady=st.lists(st.integers(20, 60), min_size=3, max_size=24))
def test_records_at_their_usual_rate_cover_from_their_first_month(steady):
    months = list(range(APRIL_2023, APRIL_2023 + len(steady)))
    days = days_of(months, steady)
    assert min(steady) >= USUAL_SHARE * np.median(steady)
    assert continuous_from(days) == APRIL_2023
    assert isolated_until(days) is None


def test_the_default_data_from_makes_a_baseline_before_the_start_not_available():
    from sendreport.metrics import compute_kpis

    months = list(range(APRIL_2023, APRIL_2023 + 18))
    days = np.concatenate([days_of([2021 * 12 + 2], [6]), days_of(months, [25] * 18)])
    received = pd.to_datetime(days.astype("int64"), unit="D")
    requests = pd.DataFrame({"request_id": [f"R{i}" for i in range(len(days))],
                             "person_id": [f"P{i}" for i in range(len(days))],
                             "received_date": received, "request_outcome": "ongoing"})
    assert coverage_start("requests", requests) == pd.Timestamp("2023-04-01")
    assert resolve_data_from({"requests": requests}) == {"requests": pd.Timestamp("2023-04-01")}
    kpis = compute_kpis({"requests": requests}, period_start="2024-04-01",
                        period_end="2024-09-30", baseline_period_start="2023-01-01",
                        baseline_period_end="2023-06-30").set_index("kpi_id")
    assert np.isnan(kpis.loc["ehcp_requests", "baseline"])
    assert kpis.loc["ehcp_requests", "baseline_reason"] == (
        "needs requests from January 2023; the data cover from April 2023")
    assert kpis.loc["ehcp_requests", "value"] == 150

"""Our timeliness KPIs reproduce DfE's published figures from record-level requests.

For each published row we build requests whose aggregates are DfE's counts
(plans issued in the calendar year, with and without 20-week exceptions, and
how many within 20 weeks), add requests that must not count, and check that
``ehcp_20wk_excl`` and ``ehcp_20wk_incl`` give the published percentages.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sendreport.benchmarks import load_dfe_timeliness
from sendreport.metrics import compute_kpis

# Copied from DfE, Education, health and care plans (SEN2), 2025 release
# (Open Government Licence v3.0): year, area, plans issued, within 20 weeks, %,
# plans issued excluding exceptions, within 20 weeks, %.
PUBLISHED = [
    (2023, "England", 80945, 39784, 49.1, 76506, 38471, 50.3),
    (2024, "England", 90392, 41448, 45.9, 84866, 39407, 46.4),
    (2024, "Kent", 2424, 784, 32.3, 2354, 783, 33.3),
    (2024, "Birmingham", 1382, 369, 26.7, 1290, 344, 26.7),
    (2023, "Luton", 505, 158, 31.3, 489, 157, 32.1),
]


def requests_for(
    year: int, plans: int, within: int, plans_excl: int, within_excl: int, seed: int = 0
) -> pd.DataFrame:
    """Requests whose plans issued in ``year`` have exactly the published counts."""
    rng = np.random.default_rng(seed)
    exceptions, exceptions_within = plans - plans_excl, within - within_excl
    groups = [  # (number, exception, on time)
        (within_excl, False, True),
        (plans_excl - within_excl, False, False),
        (exceptions_within, True, True),
        (exceptions - exceptions_within, True, False),
    ]
    exception = np.concatenate([np.full(n, e) for n, e, _ in groups])
    on_time = np.concatenate([np.full(n, t) for n, _, t in groups])
    n = len(exception)
    days_in_year = (pd.Timestamp(f"{year}-12-31") - pd.Timestamp(f"{year}-01-01")).days + 1
    issued = pd.Timestamp(f"{year}-01-01") + pd.to_timedelta(
        rng.integers(0, days_in_year, n), unit="D"
    )
    # on time: 1 to 140 days (140 included); late: 141 days to two years
    wait = np.where(on_time, rng.integers(1, 141, n), rng.integers(141, 731, n))
    wait[:2] = np.where(on_time[:2], 140, 141)
    records = pd.DataFrame(
        {
            "received_date": issued - pd.to_timedelta(wait, unit="D"),
            "plan_issued_date": issued,
            "exception_20wk": exception,
        }
    )
    # plans issued just outside the year, and requests with no plan: none may count
    outside = pd.DataFrame(
        {
            "received_date": pd.to_datetime(
                [f"{year - 1}-06-01", f"{year}-06-01", f"{year}-06-01"]
            ),
            "plan_issued_date": pd.to_datetime([f"{year - 1}-12-31", f"{year + 1}-01-01", None]),
            "exception_20wk": [False, False, False],
        }
    )
    return pd.concat([records, outside], ignore_index=True)


@pytest.mark.parametrize("published", PUBLISHED, ids=[f"{p[1]}-{p[0]}" for p in PUBLISHED])
def test_our_timeliness_matches_dfe(published):
    year, _, plans, within, pct_incl, plans_excl, within_excl, pct_excl = published
    requests = requests_for(year, plans, within, plans_excl, within_excl, seed=year)
    # the plans issued in one year, not an export: their requests thin out two years back,
    # which continuity would read as no coverage, so the test says where they start
    kpis = compute_kpis(
        {"requests": requests}, period_start=f"{year}-01-01", period_end=f"{year}-12-31",
        data_from={"requests": f"{year - 2}-01-01"},
    ).set_index("kpi_id")
    excl, incl = kpis.loc["ehcp_20wk_excl"], kpis.loc["ehcp_20wk_incl"]
    assert (excl["numerator"], excl["denominator"]) == (within_excl, plans_excl)
    assert (incl["numerator"], incl["denominator"]) == (within, plans)
    assert kpis.loc["ehcp_issued", "value"] == plans
    # published to one decimal place: full precision within half a unit of it
    assert abs(excl["value"] - pct_excl) <= 0.05 + 1e-9
    assert abs(incl["value"] - pct_incl) <= 0.05 + 1e-9


def test_england_headline_figures():
    assert round(100 * 38471 / 76506, 1) == 50.3
    assert round(100 * 39407 / 84866, 1) == 46.4


@pytest.mark.parametrize("published", PUBLISHED, ids=[f"{p[1]}-{p[0]}" for p in PUBLISHED])
def test_package_data_holds_the_published_rows(published):
    year, area, *figures = published
    dfe = load_dfe_timeliness()
    where = (dfe["year"] == year) & (
        (dfe["la_name"] == area) if area != "England" else (dfe["geographic_level"] == "National")
    )
    row = dfe.loc[where].iloc[0]
    assert [
        row[c]
        for c in (
            "plans_issued",
            "within_20wk",
            "pct_incl",
            "plans_issued_excl",
            "within_20wk_excl",
            "pct_excl",
        )
    ] == figures

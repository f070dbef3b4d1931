"""Funnel limits and overdispersion, checked against values computed another way.

The limits are compared with binomial quantiles from scipy taken one at a time
(``binom.ppf`` and ``binom.cdf`` per size, not the module's vectorised call), with
sums of ``math.comb`` terms for small sizes, and with the normal approximation
for large ones.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from sendreport.compare import funnel


def exact_limit_by_hand(n: int, p0: float, p: float) -> float:
    """Spiegelhalter's interpolated limit from cumulative sums of binomial terms."""
    terms = [math.comb(n, k) * p0**k * (1 - p0) ** (n - k) for k in range(n + 1)]
    total = 0.0
    for r, term in enumerate(terms):
        total += term
        if total >= p:
            return min(1.0, max(0.0, (r - (total - p) / term) / n))  # a rate lies in [0, 1]
    return 1.0


def exact_limit_from_scipy(n: int, p0: float, p: float) -> float:
    r = stats.binom.ppf(p, n, p0)
    f_r, f_before = stats.binom.cdf(r, n, p0), stats.binom.cdf(r - 1, n, p0)
    return min(1.0, max(0.0, float((r - (f_r - p) / (f_r - f_before)) / n)))


@pytest.mark.parametrize("n", [5, 12, 40, 97])
@pytest.mark.parametrize("p0", [0.1, 0.464, 0.9])
@pytest.mark.parametrize("p", [0.001, 0.025, 0.975, 0.999])
def test_limits_match_sums_of_binomial_terms(n, p0, p):
    assert funnel.binomial_limit(n, p0, p)[0] == pytest.approx(
        exact_limit_by_hand(n, p0, p), abs=1e-9)


@pytest.mark.parametrize("n", [30, 250, 1000, 4000])
@pytest.mark.parametrize("p0", [0.3, 0.503])
def test_limits_match_scipy_quantiles_taken_one_at_a_time(n, p0):
    curves = funnel.limits([n], p0)
    for name, (low, high) in funnel.LEVELS.items():
        assert curves[f"{name} lower"][0] == pytest.approx(exact_limit_from_scipy(n, p0, low))
        assert curves[f"{name} upper"][0] == pytest.approx(exact_limit_from_scipy(n, p0, high))


def test_large_sizes_come_close_to_the_normal_approximation():
    n, p0 = 20000, 0.464
    sd = math.sqrt(p0 * (1 - p0) / n)
    curves = funnel.limits([n], p0)
    assert curves["95% upper"][0] == pytest.approx(p0 + 1.959964 * sd, abs=4e-4)
    assert curves["99.8% lower"][0] == pytest.approx(p0 - 3.090232 * sd, abs=4e-4)


@settings(max_examples=150, deadline=None)
@given(n=st.integers(1, 3000), p0=st.floats(0.01, 0.99))
def test_limits_are_ordered_and_hold_their_probability(n, p0):
    # below about one expected event the interpolated limits are degenerate (an upper limit
    # can fall under p0); the authorities compared issue tens to thousands of plans
    assume(n * min(p0, 1 - p0) >= 2)
    c = {k: float(v[0]) for k, v in funnel.limits([n], p0).items()}
    assert c["99.8% lower"] <= c["95% lower"] <= p0 + 1e-12
    assert p0 - 1e-12 <= c["95% upper"] <= c["99.8% upper"]
    # the interpolation moves a limit within the step of its quantile only: a count
    # below the step of the lower limit, or above the step of the upper, has probability
    # at most 2.5%
    below = math.ceil(n * c["95% lower"] - 1e-9) - 1
    above = math.ceil(n * c["95% upper"] - 1e-9)
    assert stats.binom.cdf(below, n, p0) <= 0.025 + 1e-9
    assert stats.binom.sf(above, n, p0) <= 0.025 + 1e-9


def test_phi_and_tau2_by_hand():
    r, n, p0 = np.array([30, 60, 45, 80, 20, 55]), np.array([100, 150, 90, 200, 60, 120]), 0.45
    s = 1 / (2 * np.sqrt(n))
    z = (np.arcsin(np.sqrt(r / n)) - np.arcsin(np.sqrt(p0))) / s
    lo, hi = np.percentile(z, [10, 90])
    phi = np.mean(np.minimum(np.maximum(z, lo), hi) ** 2)
    w = 1 / s**2
    tau2 = (len(n) * phi - (len(n) - 1)) / (w.sum() - (w**2).sum() / w.sum())
    d = funnel.dispersion(r, n, p0)
    assert d.phi == pytest.approx(phi)
    assert d.overdispersed == (len(n) * phi > stats.chi2.ppf(0.95, len(n) - 1))
    assert d.tau2 == pytest.approx(tau2 if d.overdispersed else 0.0)


def test_binomial_spread_is_not_called_overdispersed():
    rng = np.random.default_rng(7)
    n = rng.integers(50, 2000, size=150)
    r = rng.binomial(n, 0.46)
    assert not funnel.dispersion(r, n, 0.46).overdispersed


def test_overdispersed_limits_are_wider_and_hold_tau2():
    spread = funnel.Dispersion(phi=5.0, tau2=0.004, overdispersed=True, units=40)
    plain, wide = funnel.limits([400], 0.46), funnel.limits([400], 0.46, spread)
    assert wide["95% upper"][0] > plain["95% upper"][0]
    t0 = math.asin(math.sqrt(0.46))
    expected = math.sin(t0 + 1.959964 * math.sqrt(1 / 1600 + 0.004)) ** 2
    assert wide["95% upper"][0] == pytest.approx(expected, abs=1e-6)

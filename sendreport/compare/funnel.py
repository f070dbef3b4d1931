"""Funnel plot limits for a proportion, and the overdispersion check (SPEC 8).

Each authority's rate ``r / n`` is plotted against its size ``n``; the limits
are those of a rate drawn at random from ``Binomial(n, p0)`` around the
comparator rate ``p0``:

- **Exact binomial limits** (Spiegelhalter 2005, "Funnel plots for comparing
  institutional performance", appendix A.1.1): ``r_p`` is the smallest count
  with ``P(R <= r_p) >= p``; the limit is ``(r_p - alpha) / n`` with
  ``alpha = (P(R <= r_p) - p) / P(R = r_p)``, which turns the steps of the
  discrete distribution into a smooth curve. 95% limits use ``p`` = 0.025 and
  0.975, 99.8% limits 0.001 and 0.999.
- **Overdispersion** (Spiegelhalter 2005, "Handling over-dispersion of
  performance indicators"; the NHS-R Community's FunnelPlotR does the same for
  proportions): on the arcsine square-root scale (``y = asin(sqrt(rate))``,
  standard error ``1 / (2 sqrt(n))``) each authority's z-score is
  winsorised at 10% at each end; ``phi`` is the mean of their squares. The
  points are overdispersed when ``I x phi`` is above the 95th percentile of
  chi-squared on ``I - 1`` degrees of freedom. Then the additive random
  effects model is used: ``tau^2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w)``
  with ``w = 1 / s^2`` (DerSimonian-Laird), and the limits are
  ``sin(t0 +/- z sqrt(s^2 + tau^2))^2`` with ``z`` the normal quantile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

LEVELS: dict[str, tuple[float, float]] = {"95%": (0.025, 0.975), "99.8%": (0.001, 0.999)}
"""The two pairs of limits every funnel plot draws, by name."""
WINSOR = 0.10
"""The share of z-scores winsorised at each end before ``phi`` is estimated."""

__all__ = ["LEVELS", "WINSOR", "Dispersion", "binomial_limit", "dispersion", "limits", "position"]


def binomial_limit(n, p0: float, p: float) -> np.ndarray:
    """The exact binomial control limit of a proportion, interpolated (Spiegelhalter 2005).

    Parameters
    ----------
    n
        Sizes (plans issued), one or many, each at least 1.
    p0
        The comparator rate, strictly between 0 and 1.
    p
        The probability of the limit (0.025 for the lower 95% limit, 0.999 for
        the upper 99.8% limit).

    Returns
    -------
    numpy.ndarray
        The limits as proportions, one per size.

    Examples
    --------
    With ``n = 10`` and ``p0 = 0.5``, ``P(R <= 8) = 0.989`` is the first
    cumulative probability at least 0.975, and ``P(R = 8) = 0.0439``:

    so ``alpha = (0.98926 - 0.975) / 0.04395 = 0.3244`` and the limit is
    ``(8 - 0.3244) / 10``:

    >>> float(np.round(binomial_limit(10, 0.5, 0.975)[0], 4))
    0.7676

    For large sizes the limits come close to the normal approximation
    (``0.46 - 1.96 sqrt(0.46 x 0.54 / 1000) = 0.4291``):

    >>> [round(float(x), 4) for x in binomial_limit([100, 1000], 0.46, 0.025)]
    [0.3576, 0.4286]
    """
    n = np.atleast_1d(np.asarray(n, dtype=float))
    if not 0 < p0 < 1:
        raise ValueError(f"the comparator rate must be strictly between 0 and 1, not {p0}")
    r = stats.binom.ppf(p, n, p0)
    below = stats.binom.cdf(r, n, p0)
    alpha = (below - p) / stats.binom.pmf(r, n, p0)
    return np.clip((r - alpha) / n, 0.0, 1.0)


@dataclass(frozen=True)
class Dispersion:
    """Whether the points are overdispersed around the comparator, and by how much.

    Attributes
    ----------
    phi
        The mean squared winsorised z-score (1 when the binomial explains the spread).
    tau2
        The between-authority variance on the arcsine square-root scale (0 unless overdispersed).
    overdispersed
        ``I x phi`` above the 95th percentile of chi-squared on ``I - 1`` degrees of freedom.
    units
        The number of authorities ``I`` the estimate rests on.
    """

    phi: float
    tau2: float
    overdispersed: bool
    units: int

    def describe(self) -> str:
        """One sentence for the edition's method note.

        Examples
        --------
        >>> Dispersion(phi=1.0, tau2=0.0, overdispersed=False, units=10).describe()
        'No overdispersion (phi 1.00 over 10 authorities): exact binomial limits.'
        """
        if not self.overdispersed:
            return (f"No overdispersion (phi {self.phi:.2f} over {self.units} authorities): "
                    "exact binomial limits.")
        return (f"Overdispersed (phi {self.phi:.2f} over {self.units} authorities, "
                f"tau\u00b2 {self.tau2:.5f}): limits widened by the additive random effects "
                "model on the arcsine square-root scale.")


def dispersion(r, n, p0: float) -> Dispersion:
    """Estimate overdispersion of rates ``r / n`` around ``p0`` (see the module's text).

    Parameters
    ----------
    r, n
        Numerators and sizes of the authorities (sizes at least 1).
    p0
        The comparator rate.

    Returns
    -------
    Dispersion

    Examples
    --------
    Rates spread far wider than a binomial would spread them (z-scores
    -9.27, -6.44, 0, 6.44 and 9.27, winsorised to -8.14 and 8.14 at the ends):

    >>> d = dispersion([10, 90, 20, 80, 50], [100] * 5, 0.5)
    >>> d.overdispersed, round(d.phi, 1), d.tau2 > 0
    (True, 43.1, True)
    >>> dispersion([50, 51, 49, 50], [100] * 4, 0.5).overdispersed
    False
    """
    r = np.asarray(r, dtype=float)
    n = np.asarray(n, dtype=float)
    units = len(n)
    s = 1 / (2 * np.sqrt(n))
    z = (np.arcsin(np.sqrt(r / n)) - np.arcsin(np.sqrt(p0))) / s
    low, high = np.quantile(z, [WINSOR, 1 - WINSOR])
    phi = float(np.mean(np.clip(z, low, high) ** 2))
    if units < 2:
        return Dispersion(phi=phi, tau2=0.0, overdispersed=False, units=units)
    overdispersed = units * phi > stats.chi2.ppf(0.95, units - 1)
    w = 1 / s**2
    tau2 = max(0.0, (units * phi - (units - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    return Dispersion(phi=phi, tau2=float(tau2) if overdispersed else 0.0,
                      overdispersed=bool(overdispersed), units=units)


def limits(n, p0: float, spread: Dispersion | None = None) -> dict[str, np.ndarray]:
    """The four funnel limits at each size: exact binomial, or widened when overdispersed.

    Parameters
    ----------
    n
        Sizes.
    p0
        The comparator rate.
    spread
        From :func:`dispersion`; ``None`` or not overdispersed gives exact binomial limits.

    Returns
    -------
    dict
        ``"95% lower"``, ``"95% upper"``, ``"99.8% lower"``, ``"99.8% upper"``:
        arrays of proportions.

    Examples
    --------
    >>> out = limits([10, 1000], 0.5)
    >>> [round(float(x), 3) for x in out["95% upper"]]
    [0.768, 0.53]
    >>> wide = limits([1000], 0.5, Dispersion(phi=9, tau2=0.01, overdispersed=True, units=20))
    >>> round(float(wide["95% upper"][0]), 3)  # sin(asin(sqrt(0.5)) + 1.96 x sqrt(1/4000 + 0.01))^2
    0.693
    """
    n = np.atleast_1d(np.asarray(n, dtype=float))
    out: dict[str, np.ndarray] = {}
    for name, (lower, upper) in LEVELS.items():
        if spread is not None and spread.overdispersed:
            t0 = np.arcsin(np.sqrt(p0))
            z = stats.norm.ppf(upper)
            half = z * np.sqrt(1 / (4 * n) + spread.tau2)
            out[f"{name} lower"] = np.sin(np.clip(t0 - half, 0, np.pi / 2)) ** 2
            out[f"{name} upper"] = np.sin(np.clip(t0 + half, 0, np.pi / 2)) ** 2
        else:
            out[f"{name} lower"] = binomial_limit(n, p0, lower)
            out[f"{name} upper"] = binomial_limit(n, p0, upper)
    return out


def position(rate: float, bounds: dict[str, float]) -> str:
    """Where a rate lies: ``"above 99.8%"``, ``"above 95%"``, ``"within"``, ``"below 95%"``...

    Outside the 99.8% limits is an alarm, outside the 95% limits an alert.

    Examples
    --------
    >>> b = {"95% lower": 0.4, "95% upper": 0.6, "99.8% lower": 0.3, "99.8% upper": 0.7}
    >>> [position(x, b) for x in (0.2, 0.35, 0.5, 0.65, 0.8)]
    ['below 99.8%', 'below 95%', 'within', 'above 95%', 'above 99.8%']
    """
    for name in ("99.8%", "95%"):
        if rate < bounds[f"{name} lower"]:
            return f"below {name}"
        if rate > bounds[f"{name} upper"]:
            return f"above {name}"
    return "within"

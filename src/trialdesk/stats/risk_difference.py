"""Score-based confidence intervals for a difference of two independent proportions."""

from __future__ import annotations

import math

from scipy.optimize import brentq
from scipy.stats import chi2, norm

__all__ = ["miettinen_nurminen_ci", "newcombe_hybrid_score_ci", "wilson_ci"]


def wilson_ci(x: int, n: int, *, alpha: float = 0.05) -> tuple[float, float]:
    r"""Wilson score interval for one proportion (R's ``prop.test(x, n, correct = FALSE)``).

    .. math::

        \frac{x + z^2/2 \pm z\sqrt{x(n-x)/n + z^2/4}}{n + z^2}
    """
    z = float(norm.ppf(1.0 - alpha / 2.0))
    centre = (x + z * z / 2.0) / (n + z * z)
    half = z * math.sqrt(x * (n - x) / n + z * z / 4.0) / (n + z * z)
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_hybrid_score_ci(
    x1: int, n1: int, x2: int, n2: int, *, alpha: float = 0.05
) -> tuple[float, float]:
    r"""Newcombe's hybrid score interval for :math:`p_1 - p_2` (his method 10).

    With Wilson limits :math:`(l_i, u_i)` for each proportion,

    .. math::

        \left(\hat p_1 - \hat p_2 - \sqrt{(\hat p_1 - l_1)^2 + (u_2 - \hat p_2)^2},\;
              \hat p_1 - \hat p_2 + \sqrt{(u_1 - \hat p_1)^2 + (\hat p_2 - l_2)^2}\right)

    References
    ----------
    Newcombe RG. Interval estimation for the difference between independent proportions:
    comparison of eleven methods. Stat Med 1998;17:873-890.
    """
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_ci(x1, n1, alpha=alpha)
    l2, u2 = wilson_ci(x2, n2, alpha=alpha)
    difference = p1 - p2
    return (
        difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


def _restricted_mle(p1: float, p2: float, theta: float, delta: float) -> tuple[float, float]:
    """Maximum-likelihood (p1, p2) under p1 - p2 = delta (Farrington–Manning closed form)."""
    a = 1.0 + theta
    b = -(1.0 + theta + p1 + theta * p2 + delta * (theta + 2.0))
    c = delta * delta + delta * (2.0 * p1 + theta + 1.0) + p1 + theta * p2
    d = -p1 * delta * (1.0 + delta)
    v = b**3 / (27.0 * a**3) - b * c / (6.0 * a * a) + d / (2.0 * a)
    u_squared = max(0.0, b * b / (9.0 * a * a) - c / (3.0 * a))
    u = math.copysign(math.sqrt(u_squared), v) if v != 0.0 else math.sqrt(u_squared)
    ratio = 0.0 if u == 0.0 else max(-1.0, min(1.0, v / u**3))
    w = (math.pi + math.acos(ratio)) / 3.0
    restricted_p1 = 2.0 * u * math.cos(w) - b / (3.0 * a)
    restricted_p1 = min(1.0, max(0.0, restricted_p1))
    restricted_p2 = min(1.0, max(0.0, restricted_p1 - delta))
    return restricted_p1, restricted_p2


def miettinen_nurminen_ci(
    x1: int, n1: int, x2: int, n2: int, *, alpha: float = 0.05
) -> tuple[float, float]:
    r"""Miettinen–Nurminen score interval for :math:`\delta = p_1 - p_2`.

    The interval collects every :math:`\delta` that the score test does not reject:

    .. math::

        \frac{(\hat p_1 - \hat p_2 - \delta)^2}
             {\left(\frac{\tilde p_1(1-\tilde p_1)}{n_1} + \frac{\tilde p_2(1-\tilde p_2)}{n_2}
              \right)\frac{N}{N-1}} \le \chi^2_{1,1-\alpha},

    where :math:`\tilde p_i` are the maximum-likelihood estimates restricted to
    :math:`\tilde p_1 - \tilde p_2 = \delta` and :math:`N = n_1 + n_2`.

    References
    ----------
    Miettinen O, Nurminen M. Comparative analysis of two rates. Stat Med 1985;4:213-226.
    Farrington CP, Manning G. Test statistics and sample size formulae for comparative binomial
    trials with null hypothesis of non-zero risk difference or non-unity relative risk.
    Stat Med 1990;9:1447-1454.
    """
    p1, p2 = x1 / n1, x2 / n2
    theta, total = n2 / n1, n1 + n2
    critical = float(chi2.ppf(1.0 - alpha, 1))
    difference = p1 - p2

    def excess(delta: float) -> float:
        t1, t2 = _restricted_mle(p1, p2, theta, delta)
        variance = (t1 * (1.0 - t1) / n1 + t2 * (1.0 - t2) / n2) * total / (total - 1.0)
        distance = (difference - delta) ** 2
        if variance <= 0.0:
            return math.inf if distance > 0.0 else -critical
        return distance / variance - critical

    edge = 1.0 - 1e-12
    lower = -1.0 if excess(-edge) <= 0.0 else brentq(excess, -edge, difference, xtol=1e-14)
    upper = 1.0 if excess(edge) <= 0.0 else brentq(excess, difference, edge, xtol=1e-14)
    return float(lower), float(upper)

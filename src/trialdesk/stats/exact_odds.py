"""Fisher's exact test and the conditional (exact) odds ratio of a 2×2 table."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq
from scipy.stats import hypergeom

__all__ = ["ConditionalOddsRatio", "conditional_odds_ratio", "fisher_exact_p_value"]

# R's fisher.test counts tables whose probability is within this relative margin of the
# observed table's as "equally extreme", so floating-point noise cannot drop a tied table.
_RELATIVE_TIE = 1.0 + 1e-7
# Bracket for the root searches on the log odds-ratio scale; e^±60 covers any real table.
_LOG_BRACKET = 60.0


@dataclass(frozen=True, slots=True)
class _Conditional:
    """The conditional distribution of the first cell given all four margins."""

    support: NDArray[np.int64]
    log_null: NDArray[np.float64]

    @classmethod
    def of(cls, x1: int, n1: int, x2: int, n2: int) -> _Conditional:
        total = x1 + x2
        support = np.arange(max(0, total - n2), min(n1, total) + 1, dtype=np.int64)
        return cls(support, np.asarray(hypergeom.logpmf(support, n1 + n2, n1, total)))

    def density(self, log_psi: float) -> NDArray[np.float64]:
        log_d = self.log_null + log_psi * self.support
        d = np.exp(log_d - log_d.max())
        return np.asarray(d / d.sum())

    def mean(self, log_psi: float) -> float:
        return float(np.dot(self.support, self.density(log_psi)))


@dataclass(frozen=True, slots=True)
class ConditionalOddsRatio:
    """Conditional maximum-likelihood odds ratio with its exact confidence limits."""

    estimate: float
    ci: tuple[float, float]


def fisher_exact_p_value(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of Fisher's exact test, as R's ``fisher.test``.

    The p-value sums the null probabilities of all tables with the same margins that are no
    more probable than the observed one.
    """
    conditional = _Conditional.of(x1, n1, x2, n2)
    d = conditional.density(0.0)
    observed = d[x1 - conditional.support[0]]
    return float(min(1.0, d[d <= observed * _RELATIVE_TIE].sum()))


def conditional_odds_ratio(
    x1: int, n1: int, x2: int, n2: int, *, alpha: float = 0.05
) -> ConditionalOddsRatio:
    r"""Conditional MLE of the odds ratio and its exact (Cornfield) confidence interval.

    Given the margins, the first cell follows Fisher's noncentral hypergeometric distribution
    with odds ratio :math:`\psi`. The estimate solves :math:`E_\psi[X] = x_1`; the limits solve

    .. math::

        P_{\psi_L}(X \ge x_1) = \alpha/2, \qquad P_{\psi_U}(X \le x_1) = \alpha/2,

    with :math:`\psi_L = 0` when :math:`x_1` is the smallest possible value and
    :math:`\psi_U = \infty` when it is the largest (so a table whose margins allow only one
    value reports 0 with the interval (0, inf), as R does). This is what R's ``fisher.test``
    reports, solved to machine precision (R stops its root search at about 1e-4).

    References
    ----------
    Cornfield J. A statistical problem arising from retrospective studies. Proc Third Berkeley
    Symp 1956;4:135-148.
    """
    conditional = _Conditional.of(x1, n1, x2, n2)
    lo, hi = int(conditional.support[0]), int(conditional.support[-1])
    at_x = x1 - lo

    def solve(f: Callable[[float], float]) -> float:
        root = brentq(f, -_LOG_BRACKET, _LOG_BRACKET, xtol=1e-14, rtol=1e-15, maxiter=500)
        return math.exp(float(root))

    if x1 == lo:
        estimate = 0.0
    elif x1 == hi:
        estimate = math.inf
    else:
        estimate = solve(lambda lp: conditional.mean(lp) - x1)
    half = alpha / 2.0
    lower = 0.0 if x1 == lo else solve(lambda lp: conditional.density(lp)[at_x:].sum() - half)
    upper = (
        math.inf if x1 == hi else solve(lambda lp: conditional.density(lp)[: at_x + 1].sum() - half)
    )
    return ConditionalOddsRatio(estimate, (lower, upper))

"""Comparison of two independent proportions: differences, odds ratios and their tests."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from trialdesk.domain.errors import InputError
from trialdesk.stats._checks import as_count, check_alpha
from trialdesk.stats._result import StatisticalResult, plain_dict
from trialdesk.stats.exact_odds import conditional_odds_ratio, fisher_exact_p_value
from trialdesk.stats.risk_difference import miettinen_nurminen_ci, newcombe_hybrid_score_ci

__all__ = ["ProportionsComparison", "compare_proportions"]

# Haldane–Anscombe correction: added to every cell of a table with a zero cell, so the Woolf
# interval stays finite and informative instead of collapsing to (0, inf).
_HALDANE = 0.5


def _pearson(table: np.ndarray[Any, Any], yates: bool) -> tuple[float, float]:
    """Pearson's chi-square (optionally with Yates' correction as R applies it) and p-value."""
    total = table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / total
    if np.any(expected == 0):
        return math.nan, math.nan  # a zero margin: the test is undefined, as in R
    deviation = np.abs(table - expected)
    if yates:
        # R never lets the correction exceed the deviation itself.
        deviation = deviation - np.minimum(0.5, deviation)
    statistic = float(np.sum(deviation**2 / expected))
    return statistic, float(chi2.sf(statistic, 1))


@dataclass(frozen=True)
class ProportionsComparison(StatisticalResult):
    r"""Comparison of :math:`x_1/n_1` (group 1) with :math:`x_2/n_2` (group 2).

    Attributes
    ----------
    risk_difference, risk_difference_ci, risk_difference_ci_mn
        :math:`\hat p_1 - \hat p_2` with Newcombe's hybrid score interval (method 10) and the
        Miettinen–Nurminen score interval.
    odds_ratio, odds_ratio_ci
        Sample odds ratio :math:`x_1(n_2-x_2) / ((n_1-x_1)x_2)` (0 or inf with a zero cell)
        and Woolf's logit interval
        :math:`\exp(\log\widehat{OR} \pm z\sqrt{1/a+1/b+1/c+1/d})`; when any cell is zero the
        interval uses the Haldane–Anscombe table (0.5 added to every cell).
    odds_ratio_conditional, odds_ratio_ci_exact
        Conditional MLE and exact interval, as R's ``fisher.test`` reports them.
    p_value_chi2, p_value_chi2_yates, p_value_fisher
        Pearson's chi-square test without and with Yates' continuity correction (R's
        ``chisq.test``) and Fisher's exact test, all two-sided; the chi-square p-values are NaN
        when a margin is zero.
    """

    x1: int
    n1: int
    x2: int
    n2: int
    alpha: float
    risk_difference: float
    risk_difference_ci: tuple[float, float]
    risk_difference_ci_mn: tuple[float, float]
    odds_ratio: float
    odds_ratio_ci: tuple[float, float]
    odds_ratio_conditional: float
    odds_ratio_ci_exact: tuple[float, float]
    chi2: float
    p_value_chi2: float
    chi2_yates: float
    p_value_chi2_yates: float
    p_value_fisher: float

    title = "Comparison of two proportions"

    @property
    def p1(self) -> float:
        """Observed proportion in group 1."""
        return self.x1 / self.n1

    @property
    def p2(self) -> float:
        """Observed proportion in group 2."""
        return self.x2 / self.n2

    def _summary_frame(self) -> pd.DataFrame:
        rows = [
            ("risk difference (Newcombe)", self.risk_difference, *self.risk_difference_ci),
            ("risk difference (Miettinen–Nurminen)", self.risk_difference,
             *self.risk_difference_ci_mn),
            ("odds ratio (Woolf)", self.odds_ratio, *self.odds_ratio_ci),
            ("odds ratio (conditional, exact)", self.odds_ratio_conditional,
             *self.odds_ratio_ci_exact),
        ]  # fmt: skip
        frame = pd.DataFrame(rows, columns=["measure", "estimate", "lower", "upper"])
        tests = pd.DataFrame(
            [
                ("chi-square (Pearson)", self.chi2, self.p_value_chi2),
                ("chi-square (Yates)", self.chi2_yates, self.p_value_chi2_yates),
                ("Fisher's exact", math.nan, self.p_value_fisher),
            ],
            columns=["measure", "statistic", "p"],
        )
        return pd.concat([frame, tests], ignore_index=True).set_index("measure")

    def to_dict(self) -> dict[str, Any]:
        """All estimates, intervals and p-values as plain Python values."""
        return plain_dict(
            {
                "x1": self.x1, "n1": self.n1, "x2": self.x2, "n2": self.n2,
                "p1": self.p1, "p2": self.p2, "confidence_level": 1.0 - self.alpha,
                "risk_difference": self.risk_difference,
                "risk_difference_ci": self.risk_difference_ci,
                "risk_difference_ci_mn": self.risk_difference_ci_mn,
                "odds_ratio": self.odds_ratio, "odds_ratio_ci": self.odds_ratio_ci,
                "odds_ratio_conditional": self.odds_ratio_conditional,
                "odds_ratio_ci_exact": self.odds_ratio_ci_exact,
                "chi2": self.chi2, "p_value_chi2": self.p_value_chi2,
                "chi2_yates": self.chi2_yates, "p_value_chi2_yates": self.p_value_chi2_yates,
                "p_value_fisher": self.p_value_fisher,
            }
        )  # fmt: skip


def _check_table(x1: Any, n1: Any, x2: Any, n2: Any) -> tuple[int, int, int, int]:
    counts = {name: as_count(v, name) for name, v in (("x1", x1), ("n1", n1), ("x2", x2),
                                                      ("n2", n2))}  # fmt: skip
    for x_name, n_name in (("x1", "n1"), ("x2", "n2")):
        if counts[n_name] == 0:
            raise InputError.single(n_name, "must be > 0 (a group with no subjects)")
        if counts[x_name] > counts[n_name]:
            raise InputError.single(
                x_name,
                f"{counts[x_name]} responders exceed the {counts[n_name]} subjects ({n_name})",
            )
    return counts["x1"], counts["n1"], counts["x2"], counts["n2"]


def _woolf(a: float, b: float, c: float, d: float, z: float) -> tuple[float, float]:
    if min(a, b, c, d) == 0:
        a, b, c, d = a + _HALDANE, b + _HALDANE, c + _HALDANE, d + _HALDANE
    log_or = math.log(a * d / (b * c))
    half = z * math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return math.exp(log_or - half), math.exp(log_or + half)


def _sample_odds_ratio(a: int, b: int, c: int, d: int) -> float:
    numerator, denominator = a * d, b * c
    if denominator == 0:
        return math.nan if numerator == 0 else math.inf
    return numerator / denominator


def compare_proportions(
    x1: int, n1: int, x2: int, n2: int, *, alpha: float = 0.05
) -> ProportionsComparison:
    """Compare the proportions ``x1/n1`` and ``x2/n2`` (group 1 minus group 2).

    Parameters
    ----------
    x1, n1 : int
        Responders and subjects in group 1 (e.g. the experimental arm).
    x2, n2 : int
        Responders and subjects in group 2 (e.g. the control arm).
    alpha : float
        Two-sided significance level of the intervals (default 0.05 for 95 %).

    Returns
    -------
    ProportionsComparison

    Raises
    ------
    InputError
        A negative or fractional count, an empty group, or more responders than subjects;
        the message names the argument.

    Examples
    --------
    >>> result = compare_proportions(56, 70, 48, 80)
    >>> [round(v, 4) for v in result.risk_difference_ci]
    [0.0524, 0.3339]
    """
    x1, n1, x2, n2 = _check_table(x1, n1, x2, n2)
    alpha = check_alpha(alpha)
    z = float(norm.ppf(1.0 - alpha / 2.0))
    a, b, c, d = x1, n1 - x1, x2, n2 - x2
    table = np.array([[a, b], [c, d]], dtype=np.float64)
    chi2_plain, p_plain = _pearson(table, yates=False)
    chi2_yates, p_yates = _pearson(table, yates=True)
    exact = conditional_odds_ratio(x1, n1, x2, n2, alpha=alpha)
    return ProportionsComparison(
        x1=x1,
        n1=n1,
        x2=x2,
        n2=n2,
        alpha=alpha,
        risk_difference=x1 / n1 - x2 / n2,
        risk_difference_ci=newcombe_hybrid_score_ci(x1, n1, x2, n2, alpha=alpha),
        risk_difference_ci_mn=miettinen_nurminen_ci(x1, n1, x2, n2, alpha=alpha),
        odds_ratio=_sample_odds_ratio(a, b, c, d),
        odds_ratio_ci=_woolf(a, b, c, d, z),
        odds_ratio_conditional=exact.estimate,
        odds_ratio_ci_exact=exact.ci,
        chi2=chi2_plain,
        p_value_chi2=p_plain,
        chi2_yates=chi2_yates,
        p_value_chi2_yates=p_yates,
        p_value_fisher=fisher_exact_p_value(x1, n1, x2, n2),
    )

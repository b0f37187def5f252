"""Common risk difference over 2×2 strata: Mantel–Haenszel with Sato's variance, stratified
Newcombe (Yan & Su) and stratified Miettinen–Nurminen score intervals, all with the CMH weights."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.optimize import brentq
from scipy.stats import norm

from trialdesk.stats._checks import check_alpha
from trialdesk.stats._result import StatisticalResult, plain_dict
from trialdesk.stats.breslow_day import as_strata_counts, informative_strata
from trialdesk.stats.risk_difference import _restricted_mle

__all__ = ["StratifiedRiskDifference", "stratified_risk_difference"]

_NAN_PAIR = (math.nan, math.nan)


@dataclass(frozen=True)
class StratifiedRiskDifference(StatisticalResult):
    """Common risk difference, group 1 minus group 2 (see :func:`stratified_risk_difference`).

    ``estimable`` is false, with ``reason`` in words, when no stratum holds both groups.
    """

    n_strata: int
    strata_used: tuple[int, ...]
    dropped: tuple[str, ...]
    alpha: float
    weights: tuple[float, ...]
    proportions: tuple[float, float]
    estimate: float
    se_sato: float
    ci_sato: tuple[float, float]
    p_value_sato: float
    ci_newcombe: tuple[float, float]
    ci_mn: tuple[float, float]
    estimable: bool = True
    reason: str = ""

    title = "Stratified risk difference (CMH weights)"

    def _summary_frame(self) -> pd.DataFrame:
        intervals = (self.ci_sato, self.ci_newcombe, self.ci_mn)
        return pd.DataFrame(
            {
                "estimate": [self.estimate] * 3,
                "lower": [ci[0] for ci in intervals],
                "upper": [ci[1] for ci in intervals],
                "p": [self.p_value_sato, math.nan, math.nan],
            },
            index=pd.Index(
                ["Mantel–Haenszel, Sato variance", "stratified Newcombe (Yan–Su)",
                 "stratified Miettinen–Nurminen"], name="interval",
            ),
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """Estimate, intervals and the strata used, as plain Python values."""
        return plain_dict(
            {
                "estimable": self.estimable,
                "reason": self.reason or None,
                "n_strata": self.n_strata,
                "strata_used": list(self.strata_used),
                "dropped": list(self.dropped),
                "confidence_level": 1.0 - self.alpha,
                "weights": list(self.weights),
                "proportions": list(self.proportions),
                "risk_difference": self.estimate,
                "se_sato": self.se_sato,
                "ci_sato": self.ci_sato,
                "p_value_sato": self.p_value_sato,
                "ci_newcombe": self.ci_newcombe,
                "ci_mn": self.ci_mn,
            }
        )


def _wilson(
    x: NDArray[np.float64], n: NDArray[np.float64], z: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    centre = (x + z * z / 2.0) / (n + z * z)
    half = z * np.sqrt(x * (n - x) / n + z * z / 4.0) / (n + z * z)
    return np.maximum(0.0, centre - half), np.minimum(1.0, centre + half)


def _stratified_wilson(
    x: NDArray[np.float64], n: NDArray[np.float64], w: NDArray[np.float64], z: float
) -> tuple[float, float, float]:
    """Yan & Su's stratified Wilson interval for :math:`\\sum_k w_k p_k`: each stratum's Wilson
    limits at the common quantile :math:`z^* = z\\sqrt{\\sum w_k^2 V_k}/\\sum w_k\\sqrt{V_k}`
    (:math:`V_k = \\hat p_k(1-\\hat p_k)/n_k`), averaged with the weights."""
    p = x / n
    v = p * (1.0 - p) / n
    spread = float((w * np.sqrt(v)).sum())
    # With every stratum at 0 % or 100 % there is no variance to pool: plain z then.
    z_star = z * math.sqrt(float((w * w * v).sum())) / spread if spread > 0 else z
    lower, upper = _wilson(x, n, z_star)
    return float((w * p).sum()), float((w * lower).sum()), float((w * upper).sum())


def _score_interval(
    x1: NDArray[np.float64], n1: NDArray[np.float64], x2: NDArray[np.float64],
    n2: NDArray[np.float64], w: NDArray[np.float64], estimate: float, z: float,
) -> tuple[float, float]:  # fmt: skip
    """Every δ the stratified score statistic does not reject (see the module's function)."""
    total = n1 + n2
    p1, p2, theta = x1 / n1, x2 / n2, n2 / n1

    def excess(delta: float) -> float:
        variance = 0.0
        for k in range(len(w)):
            t1, t2 = _restricted_mle(float(p1[k]), float(p2[k]), float(theta[k]), delta)
            stratum = (t1 * (1.0 - t1) / n1[k] + t2 * (1.0 - t2) / n2[k]) * total[k]
            variance += float(w[k] ** 2 * stratum / (total[k] - 1.0))
        distance = (estimate - delta) ** 2
        if variance <= 0.0:
            return math.inf if distance > 0.0 else -z * z
        return distance / variance - z * z

    edge = 1.0 - 1e-12
    lower = -1.0 if excess(-edge) <= 0.0 else brentq(excess, -edge, estimate, xtol=1e-14)
    upper = 1.0 if excess(edge) <= 0.0 else brentq(excess, estimate, edge, xtol=1e-14)
    return float(lower), float(upper)


def stratified_risk_difference(tables: Any, *, alpha: float = 0.05) -> StratifiedRiskDifference:
    r"""Common risk difference :math:`p_1 - p_2` over K strata with three intervals.

    Each table is ``[[a, b], [c, d]]`` (rows the groups, columns response yes / no); with
    :math:`n_{1k}=a_k+b_k`, :math:`n_{2k}=c_k+d_k`, :math:`N_k` the stratum's size and the
    Mantel–Haenszel (CMH) weights :math:`w_k = n_{1k}n_{2k}/N_k` (normalised to sum to 1):

    * **Mantel–Haenszel** estimate :math:`\hat d = \sum_k w_k(\hat p_{1k}-\hat p_{2k})` with
      Sato's variance
      :math:`\hat\sigma^2 = (\hat d\sum_k P_k + \sum_k Q_k)/(\sum_k n_{1k}n_{2k}/N_k)^2`,
      :math:`P_k = (n_{1k}^2c_k - n_{2k}^2a_k + n_{1k}n_{2k}(n_{2k}-n_{1k})/2)/N_k^2`,
      :math:`Q_k = (a_k(n_{2k}-c_k) + c_k(n_{1k}-a_k))/(2N_k)`; interval
      :math:`\hat d \pm z\hat\sigma` and Wald p-value of :math:`d = 0`.
    * **Stratified Newcombe** (Yan & Su): stratified Wilson limits :math:`(L_i, U_i)` of each
      group's weighted proportion :math:`\hat P_i`, combined as Newcombe's hybrid score
      interval :math:`\hat d - \sqrt{(\hat P_1-L_1)^2+(U_2-\hat P_2)^2}`,
      :math:`\hat d + \sqrt{(U_1-\hat P_1)^2+(\hat P_2-L_2)^2}`.
    * **Stratified Miettinen–Nurminen** score interval: every δ with
      :math:`(\hat d-\delta)^2 \le z^2\sum_k w_k^2\tilde V_k(\delta)`,
      :math:`\tilde V_k = \left(\frac{\tilde p_{1k}(1-\tilde p_{1k})}{n_{1k}} +
      \frac{\tilde p_{2k}(1-\tilde p_{2k})}{n_{2k}}\right)\frac{N_k}{N_k-1}` at the stratum's
      maximum-likelihood estimates restricted to :math:`p_{1k}-p_{2k}=\delta` (SAS PROC FREQ
      ``COMMONRISKDIFF(CL=SCORE)`` with Mantel–Haenszel weights).

    A stratum without one of the groups has weight 0 and is left out, with a sentence in
    ``dropped``; with none left the result is not estimable.

    References
    ----------
    Greenland S, Robins JM. Estimation of a common effect parameter from sparse follow-up
    data. Biometrics 1985;41:55-68.
    Sato T. On the variance estimator for the Mantel-Haenszel risk difference. Biometrics
    1989;45:1323-1324.
    Yan X, Su XG. Stratified Wilson and Newcombe confidence intervals for multiple binomial
    proportions. Stat Biopharm Res 2010;2:329-335.
    Miettinen O, Nurminen M. Comparative analysis of two rates. Stat Med 1985;4:213-226.
    """
    x = as_strata_counts(tables)
    alpha = check_alpha(alpha)
    used, dropped = informative_strata(x, need_both_outcomes=False)
    strata = tuple(k + 1 for k in used)
    if not used:
        return StratifiedRiskDifference(
            n_strata=len(x), strata_used=strata, dropped=tuple(dropped), alpha=alpha,
            weights=(), proportions=_NAN_PAIR, estimate=math.nan, se_sato=math.nan,
            ci_sato=_NAN_PAIR, p_value_sato=math.nan, ci_newcombe=_NAN_PAIR, ci_mn=_NAN_PAIR,
            estimable=False, reason="not estimable: no stratum has subjects in both groups",
        )  # fmt: skip
    a, b, c, d = (x[used, i, j] for i, j in ((0, 0), (0, 1), (1, 0), (1, 1)))
    n1, n2 = a + b, c + d
    total = n1 + n2
    raw = n1 * n2 / total
    w = raw / raw.sum()
    estimate = float((w * (a / n1 - c / n2)).sum())
    p_sum = float(((n1 * n1 * c - n2 * n2 * a + n1 * n2 * (n2 - n1) / 2.0) / total**2).sum())
    q_sum = float(((a * (n2 - c) + c * (n1 - a)) / (2.0 * total)).sum())
    # Sato's estimator is a sum of signed terms; rounding can leave -0 at a degenerate table.
    se = math.sqrt(max(0.0, (estimate * p_sum + q_sum) / float(raw.sum()) ** 2))
    z = float(norm.ppf(1.0 - alpha / 2.0))
    p_value = float(2.0 * norm.sf(abs(estimate) / se)) if se > 0 else math.nan
    p1, l1, u1 = _stratified_wilson(a, n1, w, z)
    p2, l2, u2 = _stratified_wilson(c, n2, w, z)
    newcombe = (estimate - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
                estimate + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))  # fmt: skip
    return StratifiedRiskDifference(
        n_strata=len(x), strata_used=strata, dropped=tuple(dropped), alpha=alpha,
        weights=tuple(float(v) for v in w), proportions=(p1, p2), estimate=estimate,
        se_sato=se, ci_sato=(estimate - z * se, estimate + z * se), p_value_sato=p_value,
        ci_newcombe=newcombe, ci_mn=_score_interval(a, n1, c, n2, w, estimate, z),
    )  # fmt: skip

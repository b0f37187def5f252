"""Stratified 2×2 analysis: the Cochran–Mantel–Haenszel test and the common odds ratio."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import chi2, norm

from trialdesk.domain.errors import InputError
from trialdesk.stats._checks import check_alpha
from trialdesk.stats._result import StatisticalResult, plain_dict

__all__ = ["MantelHaenszelResult", "mantel_haenszel", "stratified_tables"]


@dataclass(frozen=True)
class MantelHaenszelResult(StatisticalResult):
    """Cochran–Mantel–Haenszel test and Mantel–Haenszel common odds ratio (see
    :func:`mantel_haenszel`)."""

    n_strata: int
    alpha: float
    statistic: float
    p_value: float
    statistic_corrected: float
    p_value_corrected: float
    common_odds_ratio: float
    common_odds_ratio_ci: tuple[float, float]

    title = "Cochran–Mantel–Haenszel test"

    def _summary_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "estimate": [self.common_odds_ratio, math.nan, math.nan],
                "lower": [self.common_odds_ratio_ci[0], math.nan, math.nan],
                "upper": [self.common_odds_ratio_ci[1], math.nan, math.nan],
                "statistic": [math.nan, self.statistic, self.statistic_corrected],
                "p": [math.nan, self.p_value, self.p_value_corrected],
            },
            index=pd.Index(
                ["common odds ratio (MH, RBG interval)", "CMH test", "CMH test (corrected)"],
                name="measure",
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        """Estimates and tests as plain Python values."""
        return plain_dict(
            {
                "n_strata": self.n_strata,
                "confidence_level": 1.0 - self.alpha,
                "statistic": self.statistic,
                "p_value": self.p_value,
                "statistic_corrected": self.statistic_corrected,
                "p_value_corrected": self.p_value_corrected,
                "common_odds_ratio": self.common_odds_ratio,
                "common_odds_ratio_ci": self.common_odds_ratio_ci,
            }
        )


def _as_tables(tables: Any) -> NDArray[np.float64]:
    try:
        array = np.asarray(tables, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError.single("tables", "must contain counts only") from None
    if array.ndim != 3 or array.shape[1:] != (2, 2):
        raise InputError.single("tables", "must be a list of 2×2 tables (shape K×2×2)")
    if not np.all(np.isfinite(array)) or np.any(array < 0) or np.any(array != np.round(array)):
        raise InputError.single("tables", "cells must be whole numbers >= 0")
    sizes = array.sum(axis=(1, 2))
    if np.any(sizes < 2):
        stratum = int(np.argmax(sizes < 2))
        raise InputError.single(f"tables[{stratum}]", "each stratum needs at least 2 subjects")
    return array


def mantel_haenszel(tables: Any, *, alpha: float = 0.05) -> MantelHaenszelResult:
    r"""Cochran–Mantel–Haenszel test and common odds ratio over K strata (as R's
    ``mantelhaen.test``).

    Each table is ``[[a, b], [c, d]]``: rows are the two groups, columns response yes / no.
    With :math:`n_k` subjects in stratum k,

    .. math::

        X^2_{MH} = \frac{\left(|\sum_k a_k - \sum_k E[a_k]| - c\right)^2}{\sum_k V[a_k]},\quad
        E[a_k] = \frac{(a_k+b_k)(a_k+c_k)}{n_k},\quad
        V[a_k] = \frac{(a_k+b_k)(c_k+d_k)(a_k+c_k)(b_k+d_k)}{n_k^2(n_k-1)},

    with continuity correction :math:`c = 1/2` (only when the deviation is at least 1/2) or 0.
    The common odds ratio is
    :math:`\hat\psi_{MH} = \sum_k a_k d_k/n_k \,/\, \sum_k b_k c_k/n_k`, and its interval uses
    the Robins–Breslow–Greenland variance of :math:`\log\hat\psi_{MH}`.

    Parameters
    ----------
    tables : array-like of shape (K, 2, 2)
    alpha : float
        Two-sided significance level of the interval.

    References
    ----------
    Mantel N, Haenszel W. J Natl Cancer Inst 1959;22:719-748.
    Robins J, Breslow N, Greenland S. Estimators of the Mantel-Haenszel variance consistent in
    both sparse data and large-strata limiting models. Biometrics 1986;42:311-323.
    """
    x = _as_tables(tables)
    alpha = check_alpha(alpha)
    a, b, c, d = x[:, 0, 0], x[:, 0, 1], x[:, 1, 0], x[:, 1, 1]
    n = a + b + c + d
    expected = (a + b) * (a + c) / n
    variance = (a + b) * (c + d) * (a + c) * (b + d) / (n * n * (n - 1.0))
    deviation = abs(float(a.sum() - expected.sum()))
    total_variance = float(variance.sum())

    def test(correction: float) -> tuple[float, float]:
        if total_variance == 0.0:
            return math.nan, math.nan
        statistic = (deviation - correction) ** 2 / total_variance
        return statistic, float(chi2.sf(statistic, 1))

    statistic, p_value = test(0.0)
    statistic_corrected, p_value_corrected = test(0.5 if deviation >= 0.5 else 0.0)

    r, s = a * d / n, b * c / n
    big_r, big_s = float(r.sum()), float(s.sum())
    estimate = big_r / big_s if big_s > 0 else math.inf
    if 0 < estimate < math.inf:
        # The Robins–Breslow–Greenland variance divides by both sums: it exists only for a
        # finite, non-zero common odds ratio (R's interval is NaN otherwise, and so is this).
        p, q = (a + d) / n, (b + c) / n
        log_variance = (
            float((p * r).sum()) / (2 * big_r**2)
            + float((p * s + q * r).sum()) / (2 * big_r * big_s)
            + float((q * s).sum()) / (2 * big_s**2)
        )
        z = float(norm.ppf(1.0 - alpha / 2.0))
        half = z * math.sqrt(log_variance)
        ci = (estimate * math.exp(-half), estimate * math.exp(half))
    else:
        ci = (math.nan, math.nan)
    return MantelHaenszelResult(
        n_strata=int(x.shape[0]),
        alpha=alpha,
        statistic=statistic,
        p_value=p_value,
        statistic_corrected=statistic_corrected,
        p_value_corrected=p_value_corrected,
        common_odds_ratio=estimate,
        common_odds_ratio_ci=ci,
    )


def stratified_tables(response: Any, group: Any, strata: Any) -> NDArray[np.int64]:
    """Cross-tabulate subject-level data into the K×2×2 tables :func:`mantel_haenszel` takes.

    ``response`` is coded 1/0 and ``group`` has exactly two values; the larger group value
    forms the first row (e.g. arm 1 = experimental). Strata are sorted by their value.
    """
    frame = pd.DataFrame({"response": response, "group": group, "stratum": strata})
    if frame.isna().any().any():
        missing = next(c for c in frame.columns if frame[c].isna().any())
        raise InputError.single(missing, "must not contain missing values")
    if not frame["response"].isin([0, 1]).all():
        raise InputError.single("response", "must be coded 1 (response) or 0 (no response)")
    groups = sorted(frame["group"].unique(), reverse=True)
    if len(groups) != 2:
        raise InputError.single("group", f"must have exactly 2 values, found {len(groups)}")
    levels = sorted(frame["stratum"].unique())
    out = np.zeros((len(levels), 2, 2), dtype=np.int64)
    for k, level in enumerate(levels):
        stratum = frame[frame["stratum"] == level]
        for row, value in enumerate(groups):
            in_group = stratum["response"][stratum["group"] == value]
            out[k, row] = (int((in_group == 1).sum()), int((in_group == 0).sum()))
    return out

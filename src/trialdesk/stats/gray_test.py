"""Gray's K-sample test for equal cumulative incidence of one cause among groups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import chi2

from trialdesk.domain.errors import InputError
from trialdesk.stats._checks import as_status, as_times, check_same_length
from trialdesk.stats._result import StatisticalResult, plain_dict
from trialdesk.stats._risksets import grouped_event_table

__all__ = ["GrayTestResult", "gray_test"]


@dataclass(frozen=True)
class GrayTestResult(StatisticalResult):
    """Gray's test for one cause: score statistic, degrees of freedom and p-value."""

    cause: int
    groups: tuple[str, ...]
    statistic: float
    df: int
    p_value: float

    title = "Gray's test"

    def _summary_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {"statistic": [self.statistic], "df": [self.df], "p": [self.p_value]},
            index=pd.Index([self.cause], name="cause"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The test as plain Python values."""
        return plain_dict(
            {
                "cause": self.cause,
                "groups": list(self.groups),
                "statistic": self.statistic,
                "df": self.df,
                "p_value": self.p_value,
            }
        )


def _shift(values: NDArray[np.float64], first: float) -> NDArray[np.float64]:
    """Values just before each row: the previous row's, ``first`` for the first row."""
    out = np.empty_like(values)
    out[0] = first
    out[1:] = values[:-1]
    return out


def _stratum_score(
    time: NDArray[np.float64], mark: NDArray[np.int64], group: NDArray[np.int64], k: int, rho: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Score vector and its covariance (all K groups) for one stratum; mark 1 = cause, 2 = other."""
    table = grouped_event_table(time, mark, group, k, 3)
    with_events = table.events[:, :, 1:].sum(axis=(1, 2)) > 0
    rs = table.at_risk[with_events]
    d1 = table.events[with_events, :, 1]
    d2 = table.events[with_events, :, 2]
    active = rs > 0
    safe_rs = np.where(active, rs, 1.0)
    nd1 = d1.sum(axis=1).astype(np.float64)
    skm = np.cumprod(np.where(active, (rs - d1 - d2) / safe_rs, 1.0), axis=0).astype(np.float64)
    skmm = _shift(skm, 1.0)
    f1m = _shift(np.cumsum(np.where(active, skmm * d1 / safe_rs, 0.0), axis=0), 0.0)
    weight = np.where(active, rs / np.where(skmm > 0, skmm, 1.0), 0.0)  # R_g / S_g(t-)
    tr = weight.sum(axis=1)
    tq = (weight * (1.0 - f1m)).sum(axis=1)
    f = np.cumsum(nd1 / tr)
    fm = _shift(f, 0.0)
    fb = (1.0 - fm) ** rho
    eye = np.eye(k)
    a = fb[:, None, None] * (
        weight[:, :, None] * eye[None] - weight[:, :, None] * weight[:, None, :] / tr[:, None, None]
    )
    c = np.cumsum(a * (nd1 / (tr * (1.0 - fm)))[:, None, None], axis=0)
    score = (fb[:, None] * np.where(active, d1 - nd1[:, None] * weight * (1.0 - f1m) / tq[:, None],
                                    0.0)).sum(axis=0)  # fmt: skip

    # Variance contributions of the cause-of-interest events (rows with nd1 > 0) ...
    has1 = (nd1 > 0)[:, None] & active
    t4 = np.where(skm > 0, 1.0 - (1.0 - f)[:, None] / np.where(skm > 0, skm, 1.0), 1.0)
    denominator = tr[:, None] * skmm - 1.0
    t5 = np.where(
        (nd1 > 1)[:, None], 1.0 - (nd1[:, None] - 1.0) / np.where(denominator != 0, denominator,
                                                                  1.0), 1.0
    )  # fmt: skip
    t3 = np.where(has1, t5 * skmm * nd1[:, None] / (tr[:, None] * safe_rs), 0.0)
    v3 = (t4 * t4 * t3).sum(axis=0)
    t1 = a - t4[:, None, :] * c
    v2 = np.einsum("tik,tk->ik", t1, t4 * t3)
    v = np.einsum("tik,tjk,tk->ij", t1, t1, t3)

    # ... and of the competing events (rows and groups with d2 > 0).
    has2 = (skm > 0) & (d2 > 0)
    t4b = np.where(has2, (1.0 - f)[:, None] / np.where(skm > 0, skm, 1.0), 0.0)
    t5b = np.where(d2 > 1, 1.0 - (d2 - 1.0) / np.where(rs > 1, rs - 1.0, 1.0), 1.0)
    t3b = np.where(has2, t5b * skmm * skmm * d2 / (safe_rs * safe_rs), 0.0)
    v3 += (t4b * t4b * t3b).sum(axis=0)
    v2 -= np.einsum("tik,tk->ik", c, t4b * t4b * t3b)
    v += np.einsum("tik,tjk,tk->ij", c, c, t4b * t4b * t3b)

    c_end = c[-1]
    v += (c_end * v3[None, :]) @ c_end.T + c_end @ v2.T + v2 @ c_end.T
    return score, v


def gray_test(
    time: Any, status: Any, group: Any, *, cause: int = 1, strata: Any = None, rho: float = 0.0
) -> GrayTestResult:
    r"""Gray's test that the cumulative incidence of ``cause`` is equal in K groups.

    With :math:`R_k(t)` subjects of group k at risk, :math:`\hat S_k` the all-cause
    Kaplan–Meier curve and :math:`\hat F_{1k}` the cumulative incidence of the cause in group k,
    the score for group k compares its events with their share of the pooled events,

    .. math::

        s_k = \sum_t w(t)\left\{d_{1k}(t) - d_1(t)\,
              \frac{\tilde R_k(t)}{\sum_g \tilde R_g(t)}\right\},\qquad
        \tilde R_k(t) = R_k(t)\,\frac{1 - \hat F_{1k}(t-)}{\hat S_k(t-)},\qquad
        w(t) = \{1 - \hat F_1(t-)\}^\rho,

    summed over strata; :math:`s^\top \hat V^{-1} s` over the first K-1 groups is chi-square
    on K-1 degrees of freedom (NaN when :math:`\hat V` is singular).
    Computed exactly as ``cmprsk::cuminc`` computes its ``Tests`` (Gray's variance estimator),
    vectorised over the distinct times.

    Parameters
    ----------
    time, status : array-like
        Follow-up time and status (0 censored, 1..k cause of failure).
    group : array-like
        Group of each subject (at least two distinct values).
    cause : int
        The cause whose cumulative incidence is compared.
    strata : array-like, optional
        Stratum of each subject; scores and variances are summed over strata.
    rho : float
        Power of the weight :math:`\{1 - \bar F_1(t-)\}^\rho` (0 as cuminc's default).

    References
    ----------
    Gray RJ. A class of K-sample tests for comparing the cumulative incidence of a competing
    risk. Ann Stat 1988;16:1141-1154.
    """
    times = as_times(time)
    statuses = as_status(status)
    groups = pd.Series(np.asarray(group))
    check_same_length(time=times, status=statuses, group=groups)
    if groups.isna().any():
        raise InputError.single("group", "must not contain missing values")
    codes, levels = pd.factorize(groups, sort=True)
    k = len(levels)
    if k < 2:
        raise InputError.single("group", "needs at least 2 groups to compare")
    if strata is None:
        strata_codes = np.zeros(len(times), dtype=np.int64)
    else:
        strata_series = pd.Series(np.asarray(strata))
        check_same_length(time=times, strata=strata_series)
        strata_codes = pd.factorize(strata_series, sort=True)[0]
    mark = np.where(statuses == 0, 0, np.where(statuses == cause, 1, 2)).astype(np.int64)
    score = np.zeros(k)
    variance = np.zeros((k, k))
    for stratum in np.unique(strata_codes):
        members = strata_codes == stratum
        s, v = _stratum_score(times[members], mark[members], codes[members].astype(np.int64),
                              k, rho)  # fmt: skip
        score += s
        variance += v
    s, v = score[:-1], variance[:-1, :-1]
    if np.linalg.matrix_rank(v) < k - 1:
        statistic = float("nan")
    else:
        statistic = float(s @ np.linalg.solve(v, s))
    return GrayTestResult(
        cause=int(cause),
        groups=tuple(str(level) for level in levels),
        statistic=statistic,
        df=k - 1,
        p_value=float(chi2.sf(statistic, k - 1)),
    )

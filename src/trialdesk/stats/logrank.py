"""The log-rank test comparing survival between K groups, optionally stratified."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import chi2

from trialdesk.domain.errors import InputError
from trialdesk.stats._checks import as_event_indicator, as_times, check_same_length
from trialdesk.stats._result import StatisticalResult, plain_dict
from trialdesk.stats._risksets import grouped_event_table

__all__ = ["LogRankResult", "logrank_test"]


@dataclass(frozen=True)
class LogRankResult(StatisticalResult):
    """Log-rank test: observed and expected events per group, chi-square and p-value."""

    groups: tuple[str, ...]
    observed: tuple[float, ...]
    expected: tuple[float, ...]
    statistic: float
    df: int
    p_value: float
    n_strata: int

    title = "Log-rank test"

    def _summary_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {"observed": self.observed, "expected": self.expected},
            index=pd.Index(self.groups, name="group"),
        )

    @property
    def conclusion(self) -> str:
        """One line: the chi-square statistic, its degrees of freedom and the p-value."""
        return f"chi-square = {self.statistic:.4f} on {self.df} df, p = {self.p_value:.4g}"

    def summary_text(self, decimals: int = 4) -> str:
        """The per-group table followed by the test."""
        return f"{super().summary_text(decimals)}\n{self.conclusion}"

    def to_dict(self) -> dict[str, Any]:
        """Test statistic, p-value and per-group counts as plain Python values."""
        return plain_dict(
            {
                "groups": list(self.groups),
                "observed": list(self.observed),
                "expected": list(self.expected),
                "statistic": self.statistic,
                "df": self.df,
                "p_value": self.p_value,
                "n_strata": self.n_strata,
            }
        )


def _codes(values: Any, name: str) -> tuple[NDArray[np.int64], list[Any]]:
    series = pd.Series(np.asarray(values))
    if series.isna().any():
        raise InputError.single(name, "must not contain missing values")
    codes, levels = pd.factorize(series, sort=True)
    return codes.astype(np.int64), list(levels)


def logrank_test(time: Any, event: Any, group: Any, strata: Any = None) -> LogRankResult:
    r"""Log-rank test of equal survival in K groups, as R's ``survdiff`` (``rho = 0``).

    At each distinct event time :math:`t` (within each stratum) with :math:`d_t` events among
    :math:`n_t` at risk, :math:`n_{gt}` of them in group g,

    .. math::

        E_g = \sum_t d_t\frac{n_{gt}}{n_t},\qquad
        V_{gh} = \sum_t d_t\frac{n_t-d_t}{n_t-1}\,\frac{n_{gt}}{n_t}
                 \left(\delta_{gh} - \frac{n_{ht}}{n_t}\right),

    summed over strata, and :math:`X^2 = (O-E)^\top V^{-}(O-E)` on K-1 degrees of freedom
    (K counting only the groups with someone at risk at an event time, as R does),
    using the groups after the first.

    References
    ----------
    Mantel N. Evaluation of survival data and two new rank order statistics arising in its
    consideration. Cancer Chemother Rep 1966;50:163-170. Peto R, Peto J. J R Stat Soc A
    1972;135:185-207.
    """
    times = as_times(time)
    events = as_event_indicator(event)
    group_codes, levels = _codes(group, "group")
    check_same_length(time=times, event=events, group=group_codes)
    if len(levels) < 2:
        raise InputError.single("group", "needs at least 2 groups to compare")
    if strata is None:
        strata_codes, n_strata = np.zeros(len(times), dtype=np.int64), 1
    else:
        strata_codes, strata_levels = _codes(strata, "strata")
        check_same_length(time=times, strata=strata_codes)
        n_strata = len(strata_levels)
    k = len(levels)
    observed = np.zeros(k)
    expected = np.zeros(k)
    variance = np.zeros((k, k))
    for stratum in range(n_strata):
        members = strata_codes == stratum
        table = grouped_event_table(
            times[members], events[members].astype(np.int64), group_codes[members], k, 2
        )
        n_g = table.at_risk
        d_g = table.events[:, :, 1]
        n = n_g.sum(axis=1)
        d = d_g.sum(axis=1)
        share = n_g / n[:, None]
        observed += d_g.sum(axis=0)
        expected += (d[:, None] * share).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            spread = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
        variance += np.einsum("t,tg,gh->gh", spread, share, np.eye(k)) - np.einsum(
            "t,tg,th->gh", spread, share, share
        )
    used = expected > 0
    difference = (observed - expected)[used][1:]
    reduced = variance[np.ix_(used, used)][1:, 1:]
    statistic = float(difference @ np.linalg.solve(reduced, difference)) if used.sum() > 1 else 0.0
    # As R's survdiff: a group with nobody at risk at any event time adds nothing to the test
    # (its expected count is 0) and no degree of freedom.
    df = max(int(used.sum()) - 1, 0)
    return LogRankResult(
        groups=tuple(str(level) for level in levels),
        observed=tuple(float(v) for v in observed),
        expected=tuple(float(v) for v in expected),
        statistic=statistic,
        df=df,
        p_value=float(chi2.sf(statistic, df)) if df > 0 else math.nan,
        n_strata=n_strata,
    )

"""Kaplan–Meier estimator with log-log confidence intervals and median survival."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import norm

from trialdesk.stats._checks import as_event_indicator, as_times, check_alpha, check_same_length
from trialdesk.stats._result import StatisticalResult, plain_dict
from trialdesk.stats._risksets import grouped_event_table

__all__ = ["KaplanMeier", "survival_quantile"]

# R compares survival probabilities with 0.5 using this tolerance when a curve sits exactly on
# the median; without it, rounding decides whether a flat stretch at 0.5 counts.
_TOLERANCE = math.sqrt(np.finfo(float).eps)


def survival_quantile(times: NDArray[np.float64], curve: NDArray[np.float64], p: float) -> float:
    """The first time the step function ``curve`` falls to ``1 - p`` or below (R's rule).

    When the curve lies exactly on ``1 - p`` over an interval, the midpoint between the start
    of that interval and the next drop is returned, as R's ``quantile.survfit`` does; a flat
    stretch that runs to the end of follow-up ends at the last time observed (event or
    censoring), so events at 1-4 and censorings at 5-8 give a median of 6, as in R. NaN means
    the curve never gets there.
    """
    target = 1.0 - p
    last = float(times[-1]) if times.size else math.nan  # the end of follow-up, censored or not
    finite = np.isfinite(curve)
    times, curve = times[finite], curve[finite]
    if times.size == 0:  # e.g. the interval limits of a curve without events: never defined
        return math.nan
    keep = np.concatenate(([True], np.diff(curve) != 0))  # the time of each distinct level
    times, curve = times[keep], curve[keep]
    below = np.flatnonzero(curve <= target + _TOLERANCE)
    if below.size == 0:
        return math.nan
    first = int(below[0])
    if abs(curve[first] - target) < _TOLERANCE:
        end = float(times[first + 1]) if first + 1 < len(times) else last
        return (float(times[first]) + end) / 2.0
    return float(times[first])


class KaplanMeier(StatisticalResult):
    r"""Kaplan–Meier survival curve with Greenwood variance and log-log intervals.

    .. math::

        \hat S(t) = \prod_{t_i \le t}\left(1 - \frac{d_i}{n_i}\right),\qquad
        \widehat{\mathrm{se}}\{\log\hat S(t)\} = \sqrt{\sum_{t_i\le t}\frac{d_i}{n_i(n_i-d_i)}},

    and the log-log interval
    :math:`\hat S(t)^{\exp(\pm z\,\widehat{\mathrm{se}}/\log\hat S(t))}`, which is what R's
    ``survfit(..., conf.type = "log-log")`` reports (undefined where :math:`\hat S` is 0 or 1).
    The median and its interval are the times the curve and its limits first reach 0.5.

    Parameters
    ----------
    alpha : float
        Two-sided significance level of the intervals.

    Attributes
    ----------
    table_ : pandas.DataFrame
        One row per distinct time: ``n_risk``, ``n_event``, ``survival``, ``std_err`` (of
        :math:`\log\hat S`), ``lower``, ``upper``.
    median_ : float
        Median survival time (NaN when the curve stays above 0.5).
    median_ci_ : tuple of float
        Interval for the median from the pointwise limits (NaN when a limit is not reached).

    References
    ----------
    Kaplan EL, Meier P. J Am Stat Assoc 1958;53:457-481. Kalbfleisch JD, Prentice RL. The
    Statistical Analysis of Failure Time Data, 2nd ed. Wiley 2002, §1.3 (log-log intervals).
    Brookmeyer R, Crowley J. A confidence interval for the median survival time. Biometrics
    1982;38:29-41.
    """

    title = "Kaplan–Meier estimate"

    def __init__(self, alpha: float = 0.05, label: str = "all") -> None:
        self.alpha = check_alpha(alpha)
        self.label = label

    def fit(self, time: Any, event: Any) -> KaplanMeier:
        """Estimate the curve from follow-up times and event indicators (1 event, 0 censored)."""
        times = as_times(time)
        events = as_event_indicator(event)
        check_same_length(time=times, event=events)
        table = grouped_event_table(
            times, events.astype(np.int64), np.zeros(len(times), dtype=np.int64), 1, 2
        )
        n = table.at_risk[:, 0]
        d = table.events[:, 0, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            survival = np.cumprod(1.0 - d / n)
            std_err = np.sqrt(np.cumsum(d / (n * (n - d))))
            z = float(norm.ppf(1.0 - self.alpha / 2.0))
            log_s = np.log(survival)
            defined = (survival > 0) & (survival < 1)
            bound_a = np.where(defined, survival ** np.exp(z * std_err / log_s), np.nan)
            bound_b = np.where(defined, survival ** np.exp(-z * std_err / log_s), np.nan)
        self.table_ = pd.DataFrame(
            {
                "time": table.times,
                "n_risk": n,
                "n_event": d,
                "survival": survival,
                "std_err": std_err,
                "lower": np.fmin(bound_a, bound_b),
                "upper": np.fmax(bound_a, bound_b),
            }
        )
        self.n_ = len(times)
        self.median_ = survival_quantile(table.times, survival.astype(np.float64), 0.5)
        self.median_ci_ = (
            survival_quantile(table.times, self.table_["lower"].to_numpy(dtype=np.float64), 0.5),
            survival_quantile(table.times, self.table_["upper"].to_numpy(dtype=np.float64), 0.5),
        )
        return self

    def survival_at(self, times: Any) -> NDArray[np.float64]:
        """The estimated survival probability at each of ``times`` (right-continuous steps)."""
        query = as_times(times, "times")
        index = np.searchsorted(self.table_["time"].to_numpy(), query, side="right") - 1
        curve = np.concatenate(([1.0], self.table_["survival"].to_numpy()))
        return np.asarray(curve[index + 1])

    def __repr__(self) -> str:
        fitted = f"fitted on {self.n_} subjects" if hasattr(self, "n_") else "not fitted"
        return f"<KaplanMeier {self.label!r}: {fitted}>"

    def _summary_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "n": [self.n_],
                "events": [int(self.table_["n_event"].sum())],
                "median": [self.median_],
                "lower": [self.median_ci_[0]],
                "upper": [self.median_ci_[1]],
            },
            index=pd.Index([self.label], name="group"),
        )

    def to_dict(self) -> dict[str, Any]:
        """Median with interval and the full curve as plain Python values."""
        return plain_dict(
            {
                "label": self.label,
                "n": self.n_,
                "events": int(self.table_["n_event"].sum()),
                "confidence_level": 1.0 - self.alpha,
                "median": self.median_,
                "median_ci": self.median_ci_,
                "curve": {c: self.table_[c].to_numpy() for c in self.table_.columns},
            }
        )

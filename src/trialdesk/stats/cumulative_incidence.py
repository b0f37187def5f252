"""Cumulative incidence of competing events (Aalen–Johansen) with Gray's variance."""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import norm

from trialdesk.domain.errors import InputError
from trialdesk.stats._checks import (
    as_float_vector,
    as_status,
    as_times,
    check_alpha,
    check_same_length,
)
from trialdesk.stats._result import StatisticalResult, plain_dict
from trialdesk.stats._risksets import grouped_event_table
from trialdesk.stats.gray_test import GrayTestResult, gray_test

__all__ = ["CumulativeIncidence"]


def _tie_factor(d: NDArray[np.float64], n: NDArray[np.float64]) -> NDArray[np.float64]:
    """``1 - (d-1)/(n-1)``: the hypergeometric correction for ``d`` tied events among ``n``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d > 1, 1.0 - (d - 1.0) / (n - 1.0), 1.0)


def _curve(
    time: NDArray[np.float64], is_cause: NDArray[np.bool_], failed: NDArray[np.bool_]
) -> pd.DataFrame:
    """Cumulative incidence and variance at each distinct event time of the cause (one group)."""
    mark = np.where(is_cause, 1, np.where(failed, 2, 0)).astype(np.int64)
    table = grouped_event_table(time, mark, np.zeros(len(time), dtype=np.int64), 1, 3)
    rs = table.at_risk[:, 0]
    d1 = table.events[:, 0, 1]
    d2 = table.events[:, 0, 2]
    survival = np.cumprod(1.0 - (d1 + d2) / rs)  # all-cause Kaplan–Meier, after each time
    before = np.concatenate(([1.0], survival[:-1]))  # ... and just before it
    incidence = np.cumsum(before * d1 / rs)
    with np.errstate(divide="ignore", invalid="ignore"):
        inverse_after = np.where(survival > 0, 1.0 / survival, 0.0)
    # Gray's delta-method variance: three running sums, each a cumulative sum over time.
    competing = np.where((d2 > 0) & (survival > 0), before**2 * _tie_factor(d2, rs) * d2 / rs**2,
                         0.0)  # fmt: skip
    own = np.where(d1 > 0, before**2 * _tie_factor(d1, rs) * d1 / rs**2, 0.0)
    ratio = incidence * inverse_after
    lead = 1.0 + inverse_after * incidence
    v1 = np.cumsum(ratio**2 * competing + lead**2 * own)
    v2 = np.cumsum(inverse_after * ratio * competing + inverse_after * lead * own)
    v3 = np.cumsum(inverse_after**2 * (competing + own))
    variance = v1 + incidence**2 * v3 - 2.0 * incidence * v2
    steps = d1 > 0
    if not steps.any():
        # A cause nobody in this group had: its curve is 0 with variance 0 from time 0, as
        # cmprsk reports it, rather than missing from the tables and the tests' companions.
        return pd.DataFrame({"time": [0.0], "estimate": [0.0], "variance": [0.0]})
    return pd.DataFrame(
        {"time": table.times[steps], "estimate": incidence[steps], "variance": variance[steps]}
    )


def log_log_limits(
    estimate: NDArray[np.float64], variance: NDArray[np.float64], z: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Pointwise interval of a cumulative incidence on the log(-log) scale:
    ``F^exp(±z·se/(F·log F))``, inside (0, 1) by construction; undefined (NaN) where the
    estimate is 0 or 1 (no event yet, or everyone has had it)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        defined = (estimate > 0) & (estimate < 1) & np.isfinite(variance)
        spread = z * np.sqrt(variance) / (estimate * np.log(estimate))
        lower = np.where(defined, estimate ** np.exp(-spread), np.nan)
        upper = np.where(defined, estimate ** np.exp(spread), np.nan)
    return np.fmin(lower, upper), np.fmax(lower, upper)


class CumulativeIncidence(StatisticalResult):
    r"""Cumulative incidence functions of each cause, by group, as ``cmprsk::cuminc``.

    For cause j, with all-cause Kaplan–Meier :math:`\hat S`, :math:`d_{ji}` events of cause j
    and :math:`n_i` at risk at time :math:`t_i`,

    .. math::

        \hat F_j(t) = \sum_{t_i \le t} \hat S(t_{i-1})\,\frac{d_{ji}}{n_i},

    the Aalen–Johansen estimator. The variance is Gray's delta-method estimator, the one
    ``cuminc`` reports. Pointwise intervals are formed on the log(-log) scale,
    :math:`\hat F^{\exp(\pm z\,\mathrm{se}/(\hat F\log\hat F))}` (cmprsk prints none; this
    transform keeps the limits inside (0, 1) and is the one commonly reported).
    When there are two or more groups, Gray's test (:func:`~trialdesk.stats.gray_test`)
    is run for every cause.

    Attributes
    ----------
    curves_ : pandas.DataFrame
        Long table with ``group``, ``cause``, ``time``, ``estimate``, ``variance``, ``lower``,
        ``upper`` at every event time of the cause.
    tests_ : list of GrayTestResult
        One test per cause (empty with a single group).

    References
    ----------
    Kalbfleisch JD, Prentice RL. The Statistical Analysis of Failure Time Data. Wiley 1980.
    Gray RJ. Ann Stat 1988;16:1141-1154. Aalen OO, Johansen S. Scand J Stat 1978;5:141-150.
    """

    title = "Cumulative incidence"

    def __init__(self, rho: float = 0.0, alpha: float = 0.05) -> None:
        self.rho = float(rho)
        self.alpha = check_alpha(alpha)
        self._z = float(norm.ppf(1.0 - self.alpha / 2.0))

    def fit(self, time: Any, status: Any, group: Any = None, strata: Any = None) -> Self:
        """Estimate every cause's curve in every group; ``status`` 0 is censoring."""
        times = as_times(time)
        statuses = as_status(status)
        check_same_length(time=times, status=statuses)
        groups = pd.Series(np.zeros(len(times), dtype=np.int64) if group is None else
                           np.asarray(group))  # fmt: skip
        check_same_length(time=times, group=groups)
        if groups.isna().any():
            raise InputError.single("group", "must not contain missing values")
        self.causes_ = sorted(int(c) for c in np.unique(statuses[statuses > 0]))
        if not self.causes_:
            raise InputError.single("status", "has no events (every subject is censored)")
        self.groups_ = sorted(groups.unique().tolist())
        frames = []
        for level in self.groups_:
            members = (groups == level).to_numpy()
            for cause in self.causes_:
                curve = _curve(times[members], statuses[members] == cause, statuses[members] > 0)
                curve.insert(0, "cause", cause)
                curve.insert(0, "group", str(level))
                frames.append(curve)
        curves = pd.concat(frames, ignore_index=True)
        curves["lower"], curves["upper"] = log_log_limits(
            curves["estimate"].to_numpy(dtype=np.float64),
            curves["variance"].to_numpy(dtype=np.float64),
            self._z,
        )
        self.curves_ = curves
        self._max_time = {str(level): float(times[(groups == level).to_numpy()].max())
                          for level in self.groups_}  # fmt: skip
        self.tests_: list[GrayTestResult] = []
        if len(self.groups_) > 1:
            self.tests_ = [
                gray_test(times, statuses, groups, cause=cause, strata=strata, rho=self.rho)
                for cause in self.causes_
            ]
        self.n_ = len(times)
        return self

    def at(self, times: Any) -> pd.DataFrame:
        """Estimates and variances at the given times, as ``cmprsk::timepoints``, with the
        log(-log) interval (``lower``, ``upper``).

        The value at t is the step function's value at t; times beyond a group's last
        follow-up time (or negative) give NaN.
        """
        query = np.sort(np.unique(as_float_vector(times, "times")))
        rows = []
        for (group, cause), curve in self.curves_.groupby(["group", "cause"], sort=False):
            index = np.searchsorted(curve["time"].to_numpy(), query, side="right") - 1
            estimate = np.concatenate(([0.0], curve["estimate"].to_numpy()))[index + 1]
            variance = np.concatenate(([0.0], curve["variance"].to_numpy()))[index + 1]
            undefined = (query < 0) | (query > self._max_time[str(group)])
            estimate = np.where(undefined, np.nan, estimate)
            variance = np.where(undefined, np.nan, variance)
            lower, upper = log_log_limits(estimate, variance, self._z)
            for t, e, v, lo, up in zip(query, estimate, variance, lower, upper, strict=True):
                rows.append({"group": group, "cause": cause, "time": t, "estimate": e,
                             "variance": v, "std_err": np.sqrt(v), "lower": lo,
                             "upper": up})  # fmt: skip
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        fitted = f"fitted on {self.n_} subjects" if hasattr(self, "n_") else "not fitted"
        return f"<CumulativeIncidence: {fitted}>"

    def _summary_frame(self) -> pd.DataFrame:
        last = self.curves_.groupby(["group", "cause"]).tail(1)
        return last.set_index(["group", "cause"])

    def to_dict(self) -> dict[str, Any]:
        """Curves and tests as plain Python values."""
        return plain_dict(
            {
                "n": self.n_,
                "confidence_level": 1.0 - self.alpha,
                "interval": "log(-log)",
                "groups": [str(g) for g in self.groups_],
                "causes": self.causes_,
                "curves": self.curves_.to_dict(orient="list"),
                "tests": [t.to_dict() for t in self.tests_],
            }
        )

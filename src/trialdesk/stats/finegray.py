"""Fine–Gray proportional subdistribution-hazards regression in O(n log n)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import norm

from trialdesk.domain.errors import InputError
from trialdesk.stats._checks import as_float_vector, as_status, as_times, check_alpha
from trialdesk.stats._estimability import aliased_columns, diverging_reason
from trialdesk.stats._result import StatisticalResult, plain_dict
from trialdesk.stats._risksets import reverse_cumsum

__all__ = ["FineGray"]

Array = NDArray[np.float64]


def _exclusive_cumsum(values: Array) -> Array:
    """``out[i] = sum(values[:i])`` along the first axis."""
    out = np.cumsum(values, axis=0)
    return np.concatenate((np.zeros_like(out[:1]), out[:-1]), axis=0)


def _count(index: NDArray[np.int64], weights: Array, n_times: int) -> Array:
    """Sum ``weights`` into their distinct-time bins."""
    return np.bincount(index, weights=weights, minlength=n_times).astype(np.float64)


def _per_time(values: Array, index: NDArray[np.int64], n_times: int) -> Array:
    """Sum rows of ``values`` (subjects) into their distinct-time bins."""
    flat = values.reshape(len(values), -1)
    out = np.empty((n_times, flat.shape[1]))
    for column in range(flat.shape[1]):
        out[:, column] = np.bincount(index, weights=flat[:, column], minlength=n_times)
    return out.reshape((n_times, *values.shape[1:]))


@dataclass(frozen=True, slots=True)
class _Data:
    """Subjects grouped by distinct time, with the censoring distribution just before each."""

    x: Array  # covariates (n × p)
    time_index: NDArray[np.int64]  # each subject's distinct-time index
    cause: NDArray[np.bool_]  # failed from the cause of interest
    competing: NDArray[np.bool_]  # failed from another cause
    censored: NDArray[np.bool_]
    d: Array  # cause-of-interest failures per distinct time
    c: Array  # censorings per distinct time
    at_risk: Array  # subjects with time >= each distinct time
    g_before: Array  # censoring Kaplan–Meier just before each distinct time

    @classmethod
    def build(cls, time: Array, status: NDArray[np.int64], x: Array, cause: int) -> _Data:
        times, raw_index = np.unique(time, return_inverse=True)
        index = raw_index.astype(np.int64)
        n_times = len(times)
        is_cause, is_censored = status == cause, status == 0
        d = _count(index, is_cause.astype(np.float64), n_times)
        c = _count(index, is_censored.astype(np.float64), n_times)
        at_risk = reverse_cumsum(_count(index, np.ones(len(index)), n_times))
        g_after = np.cumprod(1.0 - c / at_risk)
        g_before = np.concatenate(([1.0], g_after[:-1]))
        return cls(x, index, is_cause, ~is_cause & ~is_censored, is_censored, d, c, at_risk,
                   g_before)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _RiskSums:
    """Weighted risk-set sums S0, S1, S2 at every distinct time (see :class:`FineGray`)."""

    s0: Array
    s1: Array
    s2: Array
    q0: Array  # IPCW sums over earlier competing failures: sum w_j / G(t_j-)
    q1: Array


def _risk_sums(data: _Data, beta: Array, second_order: bool) -> _RiskSums:
    n_times = len(data.d)
    w = np.exp(data.x @ beta)
    x = data.x
    # Subjects still under observation: a reverse cumulative sum over distinct times.
    r0 = reverse_cumsum(_count(data.time_index, w, n_times))
    r1 = reverse_cumsum(_per_time(w[:, None] * x, data.time_index, n_times))
    # Subjects who failed from another cause earlier stay in the risk set with weight
    # G(t-)/G(t_j-): an exclusive cumulative sum of w_j / G(t_j-), scaled by G(t-).
    ipcw = np.where(data.competing, w / data.g_before[data.time_index], 0.0)
    q0 = _exclusive_cumsum(_count(data.time_index, ipcw, n_times))
    q1 = _exclusive_cumsum(_per_time(ipcw[:, None] * x, data.time_index, n_times))
    s0 = r0 + data.g_before * q0
    s1 = r1 + data.g_before[:, None] * q1
    s2 = np.empty(0)
    if second_order:
        outer = x[:, :, None] * x[:, None, :]
        r2 = reverse_cumsum(_per_time(w[:, None, None] * outer, data.time_index, n_times))
        q2 = _exclusive_cumsum(_per_time(ipcw[:, None, None] * outer, data.time_index, n_times))
        s2 = r2 + data.g_before[:, None, None] * q2
    return _RiskSums(s0, s1, s2, q0, q1)


def _likelihood(data: _Data, beta: Array) -> tuple[float, Array, Array, _RiskSums]:
    """Log pseudo-likelihood, score and information at ``beta``."""
    sums = _risk_sums(data, beta, second_order=True)
    at = data.d > 0
    d, s0, s1, s2 = data.d[at], sums.s0[at], sums.s1[at], sums.s2[at]
    failed_x = data.x[data.cause]
    loglik = float((failed_x @ beta).sum() - (d * np.log(s0)).sum())
    xbar = s1 / s0[:, None]
    score = failed_x.sum(axis=0) - (d[:, None] * xbar).sum(axis=0)
    information = np.einsum("t,tij->ij", d / s0, s2) - np.einsum("t,ti,tj->ij", d, xbar, xbar)
    return loglik, score, information, sums


def _robust_meat(data: _Data, beta: Array, sums: _RiskSums) -> Array:
    """Sum of outer products of each subject's influence (eta + psi), as Fine and Gray."""
    w = np.exp(data.x @ beta)
    x, ti = data.x, data.time_index
    safe_s0 = np.where(data.d > 0, sums.s0, 1.0)
    xbar = sums.s1 / safe_s0[:, None]
    jump = data.d / safe_s0  # d Lambda_1 at each distinct time
    a = np.cumsum(jump)
    b = np.cumsum(jump[:, None] * xbar, axis=0)
    weighted = jump * data.g_before
    c_ge = reverse_cumsum(weighted)  # sums over failure times >= t
    d_ge = reverse_cumsum(weighted[:, None] * xbar)
    c_gt, d_gt = c_ge - weighted, d_ge - weighted[:, None] * xbar  # ... and > t
    eta = np.where(data.cause[:, None], x - xbar[ti], 0.0)
    eta -= w[:, None] * (x * a[ti][:, None] - b[ti])
    ipcw = np.where(data.competing, w / data.g_before[ti], 0.0)
    eta -= ipcw[:, None] * (x * c_gt[ti][:, None] - d_gt[ti])
    # psi: how estimating the censoring distribution moves the score.
    q = sums.q1 * c_ge[:, None] - sums.q0[:, None] * d_ge
    running = np.cumsum((data.c / data.at_risk**2)[:, None] * q, axis=0)
    psi = -running[ti] + np.where(data.censored[:, None], q[ti] / data.at_risk[ti][:, None], 0.0)
    influence = eta + psi
    return np.asarray(influence.T @ influence)


class FineGray(StatisticalResult):
    r"""Fine–Gray regression of the subdistribution hazard of one cause, as ``cmprsk::crr``.

    The model is :math:`\lambda_1(t\mid x) = \lambda_{10}(t)\exp(\beta^\top x)` for the
    subdistribution hazard of cause 1 (the chosen cause). Subjects who failed from another
    cause stay in the risk set with inverse-probability-of-censoring weight
    :math:`w_j(t) = \hat G(t-)/\hat G(t_j-)`, where :math:`\hat G` is the Kaplan–Meier estimate
    of the censoring distribution. :math:`\hat\beta` maximises

    .. math::

        \ell(\beta) = \sum_{i: \epsilon_i = 1}\left[\beta^\top x_i -
        \log \sum_j w_j(t_i) Y_j(t_i) e^{\beta^\top x_j}\right]

    by Newton–Raphson with step halving. The standard errors are Fine and Gray's robust
    sandwich :math:`I^{-1}\left(\sum_i (\eta_i + \psi_i)^{\otimes 2}\right)I^{-1}`, whose
    :math:`\psi_i` accounts for estimating :math:`\hat G`.

    Every risk-set sum (:math:`S_0, S_1, S_2`, and the sums in :math:`\eta_i, \psi_i`) is a
    cumulative sum over the sorted distinct times: the subjects still under observation are a
    reverse cumulative sum, and the earlier competing failures an exclusive cumulative sum of
    :math:`e^{\beta^\top x_j}/\hat G(t_j-)` scaled by :math:`\hat G(t-)`. Fitting therefore
    costs O(n log n) (the sort) instead of the O(n²) of a direct double loop.

    Parameters
    ----------
    alpha : float
        Two-sided significance level of the intervals.
    max_iter : int
        Newton–Raphson iterations allowed.
    tol : float
        Convergence when every score component is below ``tol`` × max(1, \|log-likelihood\|).

    Attributes
    ----------
    coefficients_ : pandas.DataFrame
        One row per covariate: ``coef``, ``se``, ``hazard_ratio``, ``lower``, ``upper``, ``z``,
        ``p``.
    covariance_ : numpy.ndarray
        Robust covariance of the coefficients.
    log_likelihood_ : float
        Log pseudo-likelihood at the estimate.
    converged_ : bool
        False when the iterations ran out or a coefficient diverges (monotone likelihood).
    estimable_ : bool
        False when a coefficient runs off to ±∞; ``reasons_`` says which and why, and its row
        of ``coefficients_`` has ``estimable`` false, coefficient ±∞ and no interval.
    n_iter_ : int

    References
    ----------
    Fine JP, Gray RJ. A proportional hazards model for the subdistribution of a competing risk.
    J Am Stat Assoc 1999;94:496-509. Kawaguchi ES, Shih JH, Hou L, Suchard MA, Li G. A fast
    algorithm for the Fine-Gray model with large-scale competing risks data (linear-time risk
    set sums). Stat Med 2021;40:3003-3018.
    """

    title = "Fine–Gray subdistribution hazards model"

    def __init__(self, alpha: float = 0.05, max_iter: int = 50, tol: float = 1e-10) -> None:
        self.alpha = check_alpha(alpha)
        if max_iter < 1:
            raise InputError.single("max_iter", "must be >= 1")
        self.max_iter = max_iter
        self.tol = tol

    def fit(
        self, time: Any, status: Any, covariates: Any, *, cause: int = 1,
        names: Sequence[str] | None = None,
    ) -> Self:  # fmt: skip
        """Fit the model; ``status`` is 0 (censored) or the cause number of each subject."""
        times = as_times(time)
        statuses = as_status(status)
        x = np.asarray(covariates, dtype=np.float64) if not isinstance(covariates, pd.DataFrame) \
            else covariates.to_numpy(dtype=np.float64)  # fmt: skip
        if x.ndim == 1:
            x = x[:, None]
        if x.ndim != 2 or len(x) != len(times):
            raise InputError.single("covariates", f"must have one row per subject ({len(times)})")
        for column in range(x.shape[1]):
            as_float_vector(x[:, column], f"covariates[{column}]")
        if len(statuses) != len(times):
            raise InputError.single("status", f"has {len(statuses)} values, time {len(times)}")
        if not np.any(statuses == cause):
            raise InputError.single("cause", f"no subject failed from cause {cause}")
        if names is None:
            names = list(covariates.columns) if isinstance(covariates, pd.DataFrame) else [
                f"x{i + 1}" for i in range(x.shape[1])]  # fmt: skip
        spread = np.ptp(x, axis=0)
        if np.any(spread == 0):
            constant = names[int(np.argmax(spread == 0))]
            raise InputError.single(
                "covariates", f"{constant} is constant; it has no effect to fit"
            )
        aliased = aliased_columns(x, list(names))
        if aliased:
            index, reason = next(iter(aliased.items()))
            raise InputError.single(
                "covariates", f"{names[index]} is {reason.removeprefix('not estimable: ')}"
            )
        data = _Data.build(times, statuses, x, cause)
        beta, loglik, information, sums, diverging = self._newton(data, x.shape[1])
        fine = ~diverging
        self.covariance_ = np.full((x.shape[1], x.shape[1]), np.nan)
        block = np.ix_(fine, fine)
        if fine.any():
            if np.linalg.cond(information[block]) > 1e12:
                # No information at all (e.g. the only event happens to the last subject at
                # risk): there is no estimate to speak of, with or without a direction.
                raise InputError.single(
                    "covariates",
                    "are collinear or separate the events; the model cannot be estimated",
                )
            bread = np.linalg.inv(information[block])
            self.covariance_[block] = bread @ _robust_meat(data, beta, sums)[block] @ bread
        coef = np.where(diverging, np.copysign(np.inf, beta), beta)
        se = np.sqrt(np.diag(self.covariance_))
        reasons = [diverging_reason(x[:, j], data.cause, bool(beta[j] > 0)) if diverging[j]
                   else "" for j in range(x.shape[1])]  # fmt: skip
        z = float(norm.ppf(1.0 - self.alpha / 2.0))
        with np.errstate(invalid="ignore", over="ignore"):
            self.coefficients_ = pd.DataFrame(
                {
                    "coef": coef,
                    "se": se,
                    "hazard_ratio": np.exp(coef),
                    "lower": np.exp(coef - z * se),
                    "upper": np.exp(coef + z * se),
                    "z": coef / se,
                    "p": 2.0 * norm.sf(np.abs(coef / se)),
                    "estimable": fine,
                    "reason": reasons,
                },
                index=pd.Index(list(names), name="covariate"),
            )
        self.reasons_ = [f"{name}: {r}" for name, r in zip(names, reasons, strict=True) if r]
        self.estimable_ = not self.reasons_
        self.log_likelihood_ = loglik
        self.cause_ = int(cause)
        self.n_ = len(times)
        self.n_events_ = int(data.d.sum())
        self.n_competing_ = int(data.competing.sum())
        return self

    def _newton(
        self, data: _Data, n_covariates: int
    ) -> tuple[Array, float, Array, _RiskSums, NDArray[np.bool_]]:
        """Newton–Raphson with step halving from beta = 0; sets ``converged_`` and ``n_iter_``.

        With separation (every event of the cause in one group) the pseudo-likelihood rises
        towards a supremum at infinity: the score vanishes and crr's criterion is met while the
        coefficient is still growing by about one unit per step. So the step that would come
        next is examined too: a coefficient it would still move is diverging (returned mask),
        and the fit is then neither converged nor estimable.
        """
        beta = np.zeros(n_covariates)
        loglik, score, information, sums = _likelihood(data, beta)
        self.converged_, self.n_iter_ = False, 0
        for iteration in range(self.max_iter + 1):
            # crr's criterion: the score, scaled by the coefficients, against the log-likelihood.
            gradient = float(np.max(np.abs(score) * np.maximum(np.abs(beta), 1.0)))
            if gradient < max(abs(loglik), 1.0) * self.tol:
                self.converged_ = True
                break
            if iteration == self.max_iter:
                break
            step = np.linalg.lstsq(information, score, rcond=None)[0]
            for _ in range(30):  # halve the step until the pseudo-likelihood improves
                candidate = _likelihood(data, beta + step)
                if math.isfinite(candidate[0]) and candidate[0] >= loglik - 1e-12 * abs(loglik):
                    break
                step = step / 2.0
            beta = beta + step
            change = candidate[0] - loglik
            loglik, score, information, sums = candidate
            self.n_iter_ = iteration + 1
            if abs(change) <= 1e-13 * max(abs(loglik), 1.0):
                # The pseudo-likelihood no longer rises: at its maximum (converged to machine
                # precision, which a covariate on a large scale may need) or diverging.
                self.converged_ = True
                break
        step = np.linalg.lstsq(information, score, rcond=None)[0]
        diverging = np.abs(step) > 1e-4 * np.maximum(np.abs(beta), 1.0)
        if diverging.any():
            self.converged_ = False
        return beta, loglik, information, sums, np.asarray(diverging, dtype=np.bool_)

    def __repr__(self) -> str:
        fitted = f"fitted on {self.n_} subjects" if hasattr(self, "n_") else "not fitted"
        return f"<FineGray: {fitted}>"

    def _summary_frame(self) -> pd.DataFrame:
        return self.coefficients_.drop(columns=["reason"])

    def summary_text(self, decimals: int = 4) -> str:
        """The coefficients, then what could not be estimated and why."""
        lines = [super().summary_text(decimals)]
        if not self.converged_:
            lines.append("The model did not converge.")
        return "\n".join([*lines, *(f"Not estimable - {r}" for r in self.reasons_)])

    def to_dict(self) -> dict[str, Any]:
        """Coefficients, subdistribution hazard ratios and fit statistics as plain values."""
        return plain_dict(
            {
                "cause": self.cause_,
                "n": self.n_,
                "events": self.n_events_,
                "competing_events": self.n_competing_,
                "confidence_level": 1.0 - self.alpha,
                "log_likelihood": self.log_likelihood_,
                "converged": self.converged_,
                "iterations": self.n_iter_,
                "estimable": self.estimable_,
                "reasons": self.reasons_,
                "coefficients": self.coefficients_.reset_index().to_dict(orient="records"),
            }
        )

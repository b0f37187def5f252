"""Cox proportional-hazards regression: hazard ratios, global tests and estimability."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import chi2, norm

from trialdesk.domain.errors import InputError
from trialdesk.stats._checks import as_event_indicator, as_float_vector, as_times, check_alpha
from trialdesk.stats._estimability import aliased_columns, diverging_reason
from trialdesk.stats._result import StatisticalResult, plain_dict

__all__ = ["CoxPH"]

_TIES = ("efron", "breslow")

Array = NDArray[np.float64]


def _strata_key(data: pd.DataFrame, columns: Sequence[str]) -> NDArray[np.int64] | None:
    """One integer per subject naming its stratum: the combination of ``columns`` (R's
    ``strata(a, b)`` is the interaction of its arguments)."""
    if not columns:
        return None
    combined = data[list(columns)].astype(str).agg("\x1f".join, axis=1)
    return pd.factorize(combined, sort=True)[0].astype(np.int64)


class CoxPH(StatisticalResult):
    r"""Cox proportional-hazards model :math:`h(t\mid x) = h_0(t)\exp(\beta^\top x)`.

    :math:`\hat\beta` maximises the partial likelihood (stratified: one baseline hazard per
    stratum, R's ``strata()``); tied event times use Efron's approximation (R's ``coxph``
    default) or Breslow's. Hazard ratios are :math:`e^{\hat\beta}` with Wald intervals
    :math:`e^{\hat\beta\pm z\,\mathrm{se}}` and Wald p-values; the likelihood-ratio, Wald and
    score (log-rank) global tests are those of ``summary(coxph(...))``. statsmodels' ``PHReg``
    evaluates the partial likelihood; the Newton–Raphson iterations are run here so that
    their path can be inspected.

    Estimability, reported rather than hidden behind a number:

    * a covariate that is a linear combination of earlier ones (within strata) is *aliased*:
      not estimable, as R's ``NA``; the others are fitted without it;
    * a coefficient that keeps moving once the log-likelihood has stopped rising (R's warning
      "Loglik converged before variable …; coefficient may be infinite") has a *monotone
      likelihood*: its estimate is ±∞, with no standard error, interval or Wald test.

    Parameters
    ----------
    alpha : float
        Two-sided significance level of the intervals.
    ties : {"efron", "breslow"}
        Handling of tied event times.
    max_iter : int
        Newton–Raphson iterations allowed.

    Attributes
    ----------
    coefficients_ : pandas.DataFrame
        One row per covariate: ``coef``, ``se``, ``hazard_ratio``, ``lower``, ``upper``, ``z``,
        ``p``, ``estimable`` and ``reason`` (empty when estimable).
    tests_ : pandas.DataFrame
        Rows ``likelihood_ratio``, ``wald``, ``score``: ``statistic``, ``df``, ``p``.
    log_likelihood_, log_likelihood_null_ : float
        Log partial likelihood at the estimate and at :math:`\beta = 0`.
    estimable_ : bool
        False when any coefficient is not estimable (see ``reasons_``).
    converged_ : bool
        The log-likelihood stopped rising within ``max_iter`` iterations (as R's ``coxph``,
        also when a coefficient diverges: ``estimable_`` tells that apart).
    n_iter_ : int

    References
    ----------
    Cox DR. Regression models and life-tables. J R Stat Soc B 1972;34:187-220.
    Efron B. The efficiency of Cox's likelihood function for censored data. J Am Stat Assoc
    1977;72:557-565. Heinze G, Schemper M. A solution to the problem of monotone likelihood in
    Cox regression. Biometrics 2001;57:114-119.
    """

    title = "Cox proportional-hazards model"

    def __init__(self, alpha: float = 0.05, ties: str = "efron", max_iter: int = 50) -> None:
        self.alpha = check_alpha(alpha)
        if ties not in _TIES:
            raise InputError.single("ties", f"must be one of {', '.join(_TIES)}, got {ties!r}")
        if max_iter < 1:
            raise InputError.single("max_iter", "must be >= 1")
        self.ties = ties
        self.max_iter = max_iter

    def fit(
        self,
        data: pd.DataFrame,
        *,
        time: str,
        event: str,
        covariates: Sequence[str],
        strata: str | Sequence[str] | None = None,
    ) -> CoxPH:
        """Fit the model to ``data`` (one row per subject); returns ``self``."""
        from statsmodels.duration.hazard_regression import PHReg

        if not covariates:
            raise InputError.single("covariates", "name at least one covariate")
        strata_columns = [strata] if isinstance(strata, str) else list(strata or [])
        for column in (time, event, *covariates, *strata_columns):
            if column not in data.columns:
                raise InputError.single(column, "no such column in the data")
        times = as_times(data[time].to_numpy(), time)
        events = as_event_indicator(data[event].to_numpy(), event)
        design = np.column_stack([as_float_vector(data[c].to_numpy(), c) for c in covariates])
        for index, name in enumerate(covariates):
            if np.ptp(design[:, index]) == 0:
                raise InputError.single(name, "is constant; it has no effect to fit")
        if not events.any():
            raise InputError.single(event, "has no events (every subject is censored)")
        stratum = _strata_key(data, strata_columns)
        aliased = aliased_columns(design, list(covariates), stratum)
        kept = [i for i in range(len(covariates)) if i not in aliased]
        if not kept:
            raise InputError.single("covariates", "none can be estimated within the strata")
        model = PHReg(times, design[:, kept], status=events.astype(float), ties=self.ties,
                      strata=stratum)  # fmt: skip
        beta, diverging = self._newton(model, len(kept))
        self._tabulate(model, beta, diverging, kept, aliased, list(covariates), design, events)
        self.n_ = len(times)
        self.n_events_ = int(events.sum())
        self.strata_ = strata_columns
        self.n_strata_ = 1 if stratum is None else int(stratum.max()) + 1
        return self

    def _newton(self, model: Any, p: int) -> tuple[Array, NDArray[np.bool_]]:
        """Newton–Raphson with step halving from 0, stopped as R stops (the log-likelihood no
        longer rises); then the coefficients still moving are the ones running off to ±∞."""
        beta = np.zeros(p)
        loglik = float(model.loglike(beta))
        self.log_likelihood_null_ = loglik
        self.converged_, self.n_iter_ = False, 0
        for iteration in range(1, self.max_iter + 1):
            step = np.linalg.lstsq(-model.hessian(beta), model.score(beta), rcond=None)[0]
            for _ in range(30):
                candidate = float(model.loglike(beta + step))
                if math.isfinite(candidate) and candidate >= loglik - 1e-12 * abs(loglik):
                    break
                step = step / 2.0
            beta = beta + step
            change, loglik = abs(candidate - loglik), candidate
            self.n_iter_ = iteration
            if change <= 1e-13 * max(abs(loglik), 1.0):
                self.converged_ = True
                break
        step = np.linalg.lstsq(-model.hessian(beta), model.score(beta), rcond=None)[0]
        diverging = np.abs(step) > 1e-4 * np.maximum(np.abs(beta), 1.0)
        if not diverging.any():
            for _ in range(5):  # polish: quadratic convergence to machine precision
                beta = beta + step
                step = np.linalg.solve(-model.hessian(beta), model.score(beta))
                if np.all(np.abs(step) <= 1e-13 * np.maximum(np.abs(beta), 1.0)):
                    break
            loglik = float(model.loglike(beta))
        self.log_likelihood_ = loglik
        return beta, np.asarray(diverging, dtype=np.bool_)

    def _tabulate(
        self, model: Any, beta: Array, diverging: NDArray[np.bool_], kept: list[int],
        aliased: dict[int, str], names: list[str], design: Array, events: NDArray[np.bool_],
    ) -> None:  # fmt: skip
        """Coefficient table and the three global tests, with the reasons for what is missing."""
        p = len(names)
        coef, se = np.full(p, np.nan), np.full(p, np.nan)
        reasons = [""] * p
        for index, reason in aliased.items():
            reasons[index] = reason
        information = -np.asarray(model.hessian(beta), dtype=float)
        fine = ~diverging
        covariance = np.full((len(kept), len(kept)), np.nan)
        if fine.any():
            covariance[np.ix_(fine, fine)] = np.linalg.inv(information[np.ix_(fine, fine)])
        for position, index in enumerate(kept):
            if diverging[position]:
                coef[index] = math.copysign(math.inf, beta[position])
                reasons[index] = diverging_reason(design[:, index], events, beta[position] > 0)
            else:
                coef[index] = beta[position]
                se[index] = math.sqrt(covariance[position, position])
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
                    "estimable": [not r for r in reasons],
                    "reason": reasons,
                },
                index=pd.Index(names, name="covariate"),
            )
        self.reasons_ = [f"{names[i]}: {r}" for i, r in enumerate(reasons) if r]
        self.estimable_ = not self.reasons_
        df = len(kept)
        zero = np.zeros(len(kept))
        u0 = np.asarray(model.score(zero), dtype=float)
        score = float(u0 @ np.linalg.lstsq(-model.hessian(zero), u0, rcond=None)[0])
        wald = math.nan
        if not diverging.any():
            wald = float(beta @ information @ beta)
        lr = 2.0 * (self.log_likelihood_ - self.log_likelihood_null_)
        statistics = {"likelihood_ratio": lr, "wald": wald, "score": score}
        self.tests_ = pd.DataFrame(
            {
                "statistic": list(statistics.values()),
                "df": [df] * 3,
                "p": [float(chi2.sf(s, df)) for s in statistics.values()],
            },
            index=pd.Index(list(statistics), name="test"),
        )
        self.wald_reason_ = (
            "not estimable: a coefficient is infinite, so the Wald statistic is meaningless "
            "(use the likelihood-ratio or score test)"
            if diverging.any()
            else ""
        )

    def __repr__(self) -> str:
        fitted = f"fitted on {self.n_} subjects" if hasattr(self, "n_") else "not fitted"
        return f"<CoxPH ties={self.ties!r}: {fitted}>"

    def _summary_frame(self) -> pd.DataFrame:
        return self.coefficients_.drop(columns=["reason"])

    def summary_text(self, decimals: int = 4) -> str:
        """Coefficients, then the global tests and what could not be estimated."""
        lines = [super().summary_text(decimals), "", self.tests_.round(decimals).to_string()]
        lines += [f"Not estimable - {reason}" for reason in self.reasons_]
        if self.wald_reason_:
            lines.append(f"Wald test {self.wald_reason_}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Coefficients, hazard ratios, global tests and fit statistics as plain values."""
        tests = {name: {"statistic": row["statistic"], "df": int(row["df"]), "p": row["p"]}
                 for name, row in self.tests_.iterrows()}  # fmt: skip
        if self.wald_reason_:
            tests["wald"]["reason"] = self.wald_reason_
        return plain_dict(
            {
                "n": self.n_,
                "events": self.n_events_,
                "ties": self.ties,
                "strata": self.strata_,
                "confidence_level": 1.0 - self.alpha,
                "log_likelihood": self.log_likelihood_,
                "log_likelihood_null": self.log_likelihood_null_,
                "converged": self.converged_,
                "iterations": self.n_iter_,
                "estimable": self.estimable_,
                "reasons": self.reasons_,
                "tests": tests,
                "coefficients": self.coefficients_.reset_index().to_dict(orient="records"),
            }
        )

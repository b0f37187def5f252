"""Cox proportional-hazards regression with hazard ratios and Wald intervals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm
from statsmodels.duration.hazard_regression import PHReg

from trialdesk.domain.errors import InputError
from trialdesk.stats._checks import as_event_indicator, as_float_vector, as_times, check_alpha
from trialdesk.stats._result import StatisticalResult, plain_dict

__all__ = ["CoxPH"]

_TIES = ("efron", "breslow")


class CoxPH(StatisticalResult):
    r"""Cox proportional-hazards model :math:`h(t\mid x) = h_0(t)\exp(\beta^\top x)`.

    :math:`\hat\beta` maximises the partial likelihood; tied event times use Efron's
    approximation (R's ``coxph`` default) or Breslow's. Hazard ratios are
    :math:`e^{\hat\beta}` with Wald intervals :math:`e^{\hat\beta\pm z\,\mathrm{se}}` and Wald
    p-values, as ``summary(coxph(...))`` reports. statsmodels' ``PHReg`` does the fitting.

    Parameters
    ----------
    alpha : float
        Two-sided significance level of the intervals.
    ties : {"efron", "breslow"}
        Handling of tied event times.

    Attributes
    ----------
    coefficients_ : pandas.DataFrame
        One row per covariate: ``coef``, ``se``, ``hazard_ratio``, ``lower``, ``upper``, ``p``.
    log_likelihood_ : float
        Maximised log partial likelihood.

    References
    ----------
    Cox DR. Regression models and life-tables. J R Stat Soc B 1972;34:187-220.
    Efron B. The efficiency of Cox's likelihood function for censored data. J Am Stat Assoc
    1977;72:557-565.
    """

    title = "Cox proportional-hazards model"

    def __init__(self, alpha: float = 0.05, ties: str = "efron") -> None:
        self.alpha = check_alpha(alpha)
        if ties not in _TIES:
            raise InputError.single("ties", f"must be one of {', '.join(_TIES)}, got {ties!r}")
        self.ties = ties

    def fit(
        self,
        data: pd.DataFrame,
        *,
        time: str,
        event: str,
        covariates: Sequence[str],
        strata: str | None = None,
    ) -> CoxPH:
        """Fit the model to ``data`` (one row per subject); returns ``self``."""
        if not covariates:
            raise InputError.single("covariates", "name at least one covariate")
        for column in (time, event, *covariates, *([strata] if strata else [])):
            if column not in data.columns:
                raise InputError.single(column, "no such column in the data")
        times = as_times(data[time].to_numpy(), time)
        events = as_event_indicator(data[event].to_numpy(), event)
        design = np.column_stack([as_float_vector(data[c].to_numpy(), c) for c in covariates])
        for index, name in enumerate(covariates):
            if np.ptp(design[:, index]) == 0:
                raise InputError.single(name, "is constant; it has no effect to fit")
        model = PHReg(
            times,
            design,
            status=events.astype(float),
            ties=self.ties,
            strata=None if strata is None else data[strata].to_numpy(),
        )
        fitted = model.fit(method="newton", tol=1e-12, maxiter=100, disp=False)
        coef = np.asarray(fitted.params, dtype=float)
        se = np.asarray(fitted.bse, dtype=float)
        z = float(norm.ppf(1.0 - self.alpha / 2.0))
        self.coefficients_ = pd.DataFrame(
            {
                "coef": coef,
                "se": se,
                "hazard_ratio": np.exp(coef),
                "lower": np.exp(coef - z * se),
                "upper": np.exp(coef + z * se),
                "p": 2.0 * norm.sf(np.abs(coef / se)),
            },
            index=pd.Index(list(covariates), name="covariate"),
        )
        self.log_likelihood_ = float(fitted.llf)
        self.n_ = len(times)
        self.n_events_ = int(events.sum())
        return self

    def __repr__(self) -> str:
        fitted = f"fitted on {self.n_} subjects" if hasattr(self, "n_") else "not fitted"
        return f"<CoxPH ties={self.ties!r}: {fitted}>"

    def _summary_frame(self) -> pd.DataFrame:
        return self.coefficients_

    def to_dict(self) -> dict[str, Any]:
        """Coefficients, hazard ratios and fit statistics as plain Python values."""
        return plain_dict(
            {
                "n": self.n_,
                "events": self.n_events_,
                "ties": self.ties,
                "confidence_level": 1.0 - self.alpha,
                "log_likelihood": self.log_likelihood_,
                "coefficients": self.coefficients_.reset_index().to_dict(orient="records"),
            }
        )

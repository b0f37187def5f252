"""Logistic regression of a binary response on treatment, adjusted for stratification factors."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.stats import norm
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from trialdesk.domain.errors import InputError
from trialdesk.stats._checks import check_alpha
from trialdesk.stats._result import StatisticalResult, plain_dict

__all__ = ["StratifiedLogisticRegression"]


class StratifiedLogisticRegression(StatisticalResult):
    r"""Logistic model :math:`\operatorname{logit} P(Y=1) = \beta_0 + \beta_T T + \sum_j
    \gamma_j S_j`, with each stratification factor entered as indicator variables.

    The treatment effect is the adjusted odds ratio :math:`e^{\beta_T}` with the Wald interval
    :math:`e^{\hat\beta_T \pm z\,\mathrm{se}}` and Wald p-value — what R's
    ``glm(y ~ treatment + factor(s1) + ..., family = binomial)`` reports. statsmodels fits the
    model (IRLS); factor levels are sorted and the first is the reference, as in R.

    Parameters
    ----------
    alpha : float
        Two-sided significance level of the intervals.

    Attributes
    ----------
    coefficients_ : pandas.DataFrame
        One row per term: ``coef``, ``se``, ``odds_ratio``, ``lower``, ``upper``, ``p``.
    treatment_ : str
        The treatment column's name (the row of interest in ``coefficients_``).
    n_ : int
        Subjects in the fit.

    References
    ----------
    Hosmer DW, Lemeshow S, Sturdivant RX. Applied Logistic Regression, 3rd ed. Wiley 2013.
    """

    title = "Logistic regression adjusted for strata"

    def __init__(self, alpha: float = 0.05) -> None:
        self.alpha = check_alpha(alpha)

    def fit(
        self,
        data: pd.DataFrame,
        *,
        response: str,
        treatment: str,
        strata: Sequence[str] = (),
    ) -> StratifiedLogisticRegression:
        """Fit the model on ``data`` (one row per subject); returns ``self``."""
        for column in (response, treatment, *strata):
            if column not in data.columns:
                raise InputError.single(column, "no such column in the data")
        frame = data[[response, treatment, *strata]]
        if frame.isna().any().any():
            raise InputError.single(
                next(c for c in frame.columns if frame[c].isna().any()), "has missing values"
            )
        y = frame[response]
        if not y.isin([0, 1]).all():
            raise InputError.single(response, "must be coded 1 (response) or 0 (no response)")
        design = pd.DataFrame({"(Intercept)": 1.0, treatment: frame[treatment].astype(float)})
        for factor in strata:
            levels = sorted(frame[factor].unique())
            for level in levels[1:]:
                design[f"{factor}[{level}]"] = (frame[factor] == level).astype(float)
        if frame[treatment].nunique() < 2:
            raise InputError.single(treatment, "has a single value; there is nothing to compare")
        model = sm.GLM(y.astype(float).to_numpy(), design.to_numpy(), family=sm.families.Binomial())
        with warnings.catch_warnings():
            # Separation leaves the odds ratio unidentified (infinite): refuse rather than print
            # a meaningless estimate.
            warnings.simplefilter("error", PerfectSeparationWarning)
            try:
                fitted = model.fit(tol=1e-12, maxiter=100)
            except PerfectSeparationWarning:
                raise InputError.single(
                    response,
                    "is perfectly predicted by the model terms (separation); the odds ratios "
                    "cannot be estimated — compare the proportions exactly instead",
                ) from None
        coef = np.asarray(fitted.params, dtype=float)
        se = np.asarray(fitted.bse, dtype=float)
        z = float(norm.ppf(1.0 - self.alpha / 2.0))
        # A stratum where everybody (or nobody) responds drives its own term towards infinity
        # (quasi-separation, which statsmodels does not flag): that term's odds ratio and
        # limits overflow to 0 or inf, as in R, while the treatment term stays estimable.
        with np.errstate(over="ignore"):
            self.coefficients_ = pd.DataFrame(
                {
                    "coef": coef,
                    "se": se,
                    "odds_ratio": np.exp(coef),
                    "lower": np.exp(coef - z * se),
                    "upper": np.exp(coef + z * se),
                    "p": 2.0 * norm.sf(np.abs(coef / se)),
                },
                index=pd.Index(list(design.columns), name="term"),
            )
        self.treatment_ = treatment
        self.n_ = len(frame)
        return self

    def __repr__(self) -> str:
        fitted = f"fitted on {self.n_} subjects" if hasattr(self, "n_") else "not fitted"
        return f"<StratifiedLogisticRegression: {fitted}>"

    def _summary_frame(self) -> pd.DataFrame:
        return self.coefficients_

    def to_dict(self) -> dict[str, Any]:
        """Coefficients and the treatment odds ratio as plain Python values."""
        row = self.coefficients_.loc[self.treatment_]
        return plain_dict(
            {
                "n": self.n_,
                "confidence_level": 1.0 - self.alpha,
                "treatment": self.treatment_,
                "odds_ratio": float(row["odds_ratio"]),
                "odds_ratio_ci": [float(row["lower"]), float(row["upper"])],
                "p_value": float(row["p"]),
                "coefficients": self.coefficients_.reset_index().to_dict(orient="records"),
            }
        )

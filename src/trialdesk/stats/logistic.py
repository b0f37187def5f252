"""Logistic regression of a binary response on treatment, adjusted for stratification factors."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.stats import norm
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

from trialdesk.domain.errors import InputError
from trialdesk.stats._checks import check_alpha
from trialdesk.stats._result import StatisticalResult, plain_dict
from trialdesk.stats.logistic_separation import describe_separation, find_separation

__all__ = ["StratifiedLogisticRegression"]


def _independent_columns(design: pd.DataFrame, treatment: str) -> list[str]:
    """The columns kept in order, the intercept and strata first, each only when it adds to the
    rank (an aliased stratum term is left out, its coefficient NaN, as R's NA); the treatment
    last, so it is dropped exactly when the strata determine it."""
    order = [c for c in design.columns if c != treatment] + [treatment]
    kept: list[str] = []
    for column in order:
        trial = design[[*kept, column]].to_numpy()
        if np.linalg.matrix_rank(trial) == len(kept) + 1:
            kept.append(column)
    return [c for c in design.columns if c in kept]


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
        One row per term: ``coef``, ``se``, ``odds_ratio``, ``lower``, ``upper``, ``p`` and
        ``estimable`` (false for a term whose estimate runs off to infinity, or is aliased).
    estimable_ : bool
        Whether the treatment odds ratio has a finite estimate. Complete and quasi-complete
        separation (a stratum where one arm has no responder, say) are found exactly by linear
        programming before the fit (:func:`~trialdesk.stats.logistic_separation.find_separation`);
        a treatment confounded with the strata is not estimable either. The coefficients are
        then NaN and ``reason_`` says why in words: "not estimable: no responder in arm B in
        stratum 2 (quasi-complete separation)". A stratum term that diverges on its own (a
        stratum where nobody responds) leaves the treatment odds ratio estimable.
    reason_ : str
        Empty when estimable.
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
        labels: Mapping[Any, str] | None = None,
    ) -> StratifiedLogisticRegression:
        """Fit the model on ``data`` (one row per subject); returns ``self``.

        ``labels`` names the treatment values in the reason given when the odds ratio is not
        estimable (``{1: "Arm A", 0: "Arm B"}``).
        """
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
        if frame[treatment].nunique() < 2:
            raise InputError.single(treatment, "has a single value; there is nothing to compare")
        design = pd.DataFrame({"(Intercept)": 1.0, treatment: frame[treatment].astype(float)})
        for factor in strata:
            levels = sorted(frame[factor].unique())
            for level in levels[1:]:
                design[f"{factor}[{level}]"] = (frame[factor] == level).astype(float)
        self.treatment_ = treatment
        self.n_ = len(frame)
        self.estimable_, self.reason_ = True, ""
        kept = _independent_columns(design, treatment)
        if treatment not in kept:
            return self._not_estimable(
                design, "not estimable: the treatment is confounded with the strata (within "
                "each stratum every subject has the same treatment)"
            )  # fmt: skip
        outcome = np.asarray(y, dtype=np.float64)
        separation = find_separation(design[kept].to_numpy(), outcome)
        direction = dict(zip(kept, separation.directions, strict=True))
        if direction[treatment]:
            reason = describe_separation(
                frame, response=response, treatment=treatment, strata=strata,
                direction=direction[treatment], complete=separation.complete, labels=labels,
            )  # fmt: skip
            return self._not_estimable(design, reason)
        model = sm.GLM(outcome, design[kept].to_numpy(), family=sm.families.Binomial())
        with warnings.catch_warnings():
            # A stratum where everybody (or nobody) responds drives its own term to infinity
            # (found above; statsmodels warns when the fitted probabilities reach 0 or 1): the
            # treatment term, the one reported, stays estimable and converges.
            warnings.simplefilter("ignore", PerfectSeparationWarning)
            warnings.simplefilter("ignore", ConvergenceWarning)
            fitted = model.fit(tol=1e-12, maxiter=100)
        coef = pd.Series(np.nan, index=design.columns)
        se = pd.Series(np.nan, index=design.columns)
        coef[kept] = np.asarray(fitted.params, dtype=float)
        se[kept] = np.asarray(fitted.bse, dtype=float)
        if not (np.isfinite(coef[treatment]) and np.isfinite(se[treatment])):
            return self._not_estimable(
                design, "not estimable: the model fit did not converge for the treatment term"
            )
        z = float(norm.ppf(1.0 - self.alpha / 2.0))
        # A diverging stratum term's odds ratio and limits overflow to 0 or inf, as in R.
        with np.errstate(over="ignore", invalid="ignore"):
            self.coefficients_ = pd.DataFrame(
                {
                    "coef": coef,
                    "se": se,
                    "odds_ratio": np.exp(coef),
                    "lower": np.exp(coef - z * se),
                    "upper": np.exp(coef + z * se),
                    "p": 2.0 * norm.sf(np.abs(coef / se)),
                    "estimable": [c in kept and not direction[c] for c in design.columns],
                },
                index=pd.Index(list(design.columns), name="term"),
            )
        return self

    def _not_estimable(self, design: pd.DataFrame, reason: str) -> StratifiedLogisticRegression:
        """No coefficient is reported when the treatment term has no finite estimate."""
        self.estimable_, self.reason_ = False, reason
        columns = ["coef", "se", "odds_ratio", "lower", "upper", "p"]
        self.coefficients_ = pd.DataFrame(
            np.nan, index=pd.Index(list(design.columns), name="term"), columns=columns
        ).assign(estimable=False)
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
                "estimable": self.estimable_,
                "reason": self.reason_ or None,
                "confidence_level": 1.0 - self.alpha,
                "treatment": self.treatment_,
                "odds_ratio": float(row["odds_ratio"]),
                "odds_ratio_ci": [float(row["lower"]), float(row["upper"])],
                "p_value": float(row["p"]),
                "coefficients": self.coefficients_.reset_index().to_dict(orient="records"),
            }
        )

"""Confidence intervals for one proportion, checked: Wilson (score) and Clopper–Pearson (exact).

The report gives both for every response proportion of an arm, so a reader sees the score
interval the difference's Newcombe interval is built from and the exact interval a regulator
may ask for with small arms.
"""

from __future__ import annotations

from scipy.stats import beta

from trialdesk.domain.errors import InputError
from trialdesk.stats._checks import as_count, check_alpha
from trialdesk.stats.risk_difference import wilson_ci

__all__ = ["clopper_pearson_ci", "proportion_cis"]


def _check(x: int, n: int, alpha: float) -> tuple[int, int, float]:
    x, n = as_count(x, "x"), as_count(n, "n")
    if n == 0:
        raise InputError.single("n", "must be > 0 (a group with no subjects)")
    if x > n:
        raise InputError.single("x", f"{x} responders exceed the {n} subjects (n)")
    return x, n, check_alpha(alpha)


def clopper_pearson_ci(x: int, n: int, *, alpha: float = 0.05) -> tuple[float, float]:
    """Clopper–Pearson exact interval for ``x`` responders of ``n`` (R's ``binom.test``).

    The limits are the beta quantiles ``B(α/2; x, n−x+1)`` and ``B(1−α/2; x+1, n−x)``, with
    0 for ``x = 0`` and 1 for ``x = n``.
    """
    x, n, alpha = _check(x, n, alpha)
    lower = 0.0 if x == 0 else float(beta.ppf(alpha / 2.0, x, n - x + 1))
    upper = 1.0 if x == n else float(beta.ppf(1.0 - alpha / 2.0, x + 1, n - x))
    return lower, upper


def proportion_cis(x: int, n: int, *, alpha: float = 0.05) -> dict[str, tuple[float, float]]:
    """Both intervals for ``x`` of ``n``: ``{"wilson": …, "clopper_pearson": …}``."""
    x, n, alpha = _check(x, n, alpha)
    return {"wilson": wilson_ci(x, n, alpha=alpha),
            "clopper_pearson": clopper_pearson_ci(x, n, alpha=alpha)}  # fmt: skip

"""Why a regression coefficient cannot be estimated, in words a statistician would write.

Two shapes of data defeat a partial likelihood: a covariate that is a linear combination of
others (aliased: R reports ``NA``), and a covariate that separates the events (every event in
one group: the likelihood keeps rising as the coefficient grows, its maximum is at ±∞).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["MONOTONE", "aliased_columns", "diverging_reason"]

#: The reason given when the events are separated by a two-level covariate.
MONOTONE = "not estimable: every event is in one group (monotone likelihood)"

# A column whose part not explained by the earlier columns carries less than this share of its
# spread is aliased. R's Cholesky tolerance (machine epsilon^0.75 on the information matrix)
# is of the same order on the sum-of-squares scale.
_ALIAS_TOLERANCE = 1e-10


def _centred(design: NDArray[np.float64], stratum: NDArray[np.int64] | None) -> NDArray[np.float64]:
    """Columns minus their mean within each stratum: a partial likelihood compares subjects
    only within a stratum, so a shift of a covariate by a constant per stratum is invisible."""
    if stratum is None:
        return np.asarray(design - design.mean(axis=0))
    centred = design.copy()
    for level in np.unique(stratum):
        rows = stratum == level
        centred[rows] -= design[rows].mean(axis=0)
    return centred


def aliased_columns(
    design: NDArray[np.float64], names: list[str], stratum: NDArray[np.int64] | None = None
) -> dict[int, str]:
    """Columns (by position) that are linear combinations of earlier columns, with the reason.

    As in R, the later of two collinear covariates is the one dropped.
    """
    centred = _centred(design, stratum)
    kept: list[int] = []
    aliased: dict[int, str] = {}
    for index in range(design.shape[1]):
        column = centred[:, index]
        spread = float(column @ column)
        scale = float(np.sum((design[:, index] - design[:, index].mean()) ** 2))
        if spread <= _ALIAS_TOLERANCE * max(scale, 1e-300):
            aliased[index] = "not estimable: constant within every stratum"
            continue
        if kept:
            basis = centred[:, kept]
            weights = np.linalg.lstsq(basis, column, rcond=None)[0]
            residual = column - basis @ weights
            if float(residual @ residual) <= _ALIAS_TOLERANCE * spread:
                partners = [names[k] for k, w in zip(kept, weights, strict=True)
                            if abs(w) > 1e-8]  # fmt: skip
                aliased[index] = (
                    f"not estimable: a linear combination of {', '.join(partners)} "
                    "(collinear covariates)"
                )
                continue
        kept.append(index)
    return aliased


def diverging_reason(covariate: NDArray[np.float64], events: NDArray[np.bool_], up: bool) -> str:
    """The reason for a coefficient running off to +∞ (``up``) or -∞."""
    levels = np.unique(covariate)
    if len(levels) == 2 and len(np.unique(covariate[events])) == 1:
        return MONOTONE
    direction = "+∞" if up else "-∞"
    return (
        f"not estimable: the likelihood keeps rising as the coefficient goes to {direction} "
        "(monotone likelihood: this covariate separates the events)"
    )

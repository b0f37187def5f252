"""Tipping-point analysis of a difference of two proportions over the missing outcomes.

Each arm has observed responders among its subjects with an outcome and a number of subjects
whose outcome is missing. For every number of responders imputed among the missing of each arm
(0 … all), the difference of proportions over all subjects and the two-sided Pearson
chi-square p-value (R's ``prop.test(correct = FALSE)``) are computed; the cells where the
conclusion at level α differs from the one with no imputed responder (missing = failure) are
the tipping points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import chi2

from trialdesk.domain.errors import InputError
from trialdesk.stats._checks import as_count, check_alpha

__all__ = ["TippingPoint", "tipping_point"]


@dataclass(frozen=True, slots=True)
class TippingPoint:
    """Grids indexed ``[k1, k2]``: ``k1`` responders imputed among the ``m1`` missing of
    group 1, ``k2`` among the ``m2`` of group 2."""

    m1: int
    m2: int
    alpha: float
    difference: NDArray[np.float64]
    p_value: NDArray[np.float64]
    significant: NDArray[np.bool_]

    @property
    def flips(self) -> NDArray[np.bool_]:
        """Cells whose conclusion differs from the one with every missing outcome a failure."""
        return np.asarray(self.significant != self.significant[0, 0], dtype=np.bool_)


def tipping_point(
    x1: int, n1: int, m1: int, x2: int, n2: int, m2: int, *, alpha: float = 0.05
) -> TippingPoint:
    """The grid for group 1 (``x1`` responders of ``n1`` subjects, ``m1`` of them with the
    outcome missing and not counted in ``x1``) against group 2 likewise.

    A p-value is NaN where a margin of the table is empty (every subject a responder, or none);
    such a cell is not significant.
    """
    given = {"x1": x1, "n1": n1, "m1": m1, "x2": x2, "n2": n2, "m2": m2}
    counts = {name: as_count(value, name) for name, value in given.items()}
    for x, n, m in (("x1", "n1", "m1"), ("x2", "n2", "m2")):
        if counts[n] == 0:
            raise InputError.single(n, "must be > 0 (a group with no subjects)")
        if counts[x] + counts[m] > counts[n]:
            raise InputError.single(
                m, f"{counts[x]} responders and {counts[m]} missing exceed the {counts[n]} "
                f"subjects ({n})"
            )  # fmt: skip
    alpha = check_alpha(alpha)
    k1 = np.arange(counts["m1"] + 1, dtype=np.float64)[:, None]
    k2 = np.arange(counts["m2"] + 1, dtype=np.float64)[None, :]
    n1f, n2f = float(counts["n1"]), float(counts["n2"])
    a, c = counts["x1"] + k1, counts["x2"] + k2
    b, d = n1f - a, n2f - c
    difference = a / n1f - c / n2f
    total = n1f + n2f
    margins = (a + c) * (b + d) * n1f * n2f
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.where(margins > 0, total * (a * d - b * c) ** 2 / margins, np.nan)
    p_value = np.asarray(chi2.sf(statistic, 1), dtype=np.float64)
    significant = np.asarray(np.nan_to_num(p_value, nan=1.0) < alpha, dtype=np.bool_)
    return TippingPoint(counts["m1"], counts["m2"], alpha, np.asarray(difference, np.float64),
                        p_value, significant)  # fmt: skip

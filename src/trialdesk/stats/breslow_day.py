"""Breslow–Day test (with Tarone's correction) of equal odds ratios across 2×2 strata."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import chi2

from trialdesk.domain.errors import InputError
from trialdesk.stats._result import StatisticalResult, plain_dict

__all__ = ["BreslowDayResult", "as_strata_counts", "breslow_day", "informative_strata"]


@dataclass(frozen=True)
class BreslowDayResult(StatisticalResult):
    """Breslow–Day homogeneity test of the odds ratios (see :func:`breslow_day`).

    ``estimable`` is false, with ``reason`` in words, when the test cannot be computed (fewer
    than two strata with every margin filled, or a common odds ratio of 0 or ∞); the numbers
    are then NaN.
    """

    n_strata: int
    strata_used: tuple[int, ...]
    dropped: tuple[str, ...]
    common_odds_ratio: float
    statistic: float
    df: int
    p_value: float
    statistic_tarone: float
    p_value_tarone: float
    estimable: bool = True
    reason: str = ""
    expected: tuple[float, ...] = field(default=())

    title = "Breslow–Day test of homogeneous odds ratios"

    def _summary_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "statistic": [self.statistic, self.statistic_tarone],
                "df": [self.df, self.df],
                "p": [self.p_value, self.p_value_tarone],
            },
            index=pd.Index(["Breslow–Day", "Breslow–Day–Tarone"], name="test"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The test, the strata it used and why any were left out, as plain Python values."""
        return plain_dict(
            {
                "estimable": self.estimable,
                "reason": self.reason or None,
                "n_strata": self.n_strata,
                "strata_used": list(self.strata_used),
                "dropped": list(self.dropped),
                "common_odds_ratio": self.common_odds_ratio,
                "statistic": self.statistic,
                "df": self.df,
                "p_value": self.p_value,
                "statistic_tarone": self.statistic_tarone,
                "p_value_tarone": self.p_value_tarone,
            }
        )


def as_strata_counts(tables: Any) -> NDArray[np.float64]:
    """K×2×2 counts ``[[a, b], [c, d]]`` (rows the groups, columns response yes / no)."""
    try:
        array = np.asarray(tables, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError.single("tables", "must contain counts only") from None
    if array.ndim != 3 or array.shape[1:] != (2, 2) or array.shape[0] == 0:
        raise InputError.single("tables", "must be a list of 2×2 tables (shape K×2×2)")
    if not np.all(np.isfinite(array)) or np.any(array < 0) or np.any(array != np.round(array)):
        raise InputError.single("tables", "cells must be whole numbers >= 0")
    return array


def informative_strata(
    x: NDArray[np.float64], *, need_both_outcomes: bool
) -> tuple[list[int], list[str]]:
    """Indices of the strata with both groups (and, when asked, both outcomes) present, and a
    sentence for every stratum left out: such a stratum says nothing about the comparison."""
    used, dropped = [], []
    for k, table in enumerate(x):
        rows, columns = table.sum(axis=1), table.sum(axis=0)
        if rows[0] == 0 or rows[1] == 0:
            group = "first" if rows[0] == 0 else "second"
            if rows.sum() == 0:
                dropped.append(f"stratum {k + 1}: no subjects")
            else:
                dropped.append(f"stratum {k + 1}: no subject in the {group} group")
        elif need_both_outcomes and (columns[0] == 0 or columns[1] == 0):
            outcome = "no responder" if columns[0] == 0 else "no non-responder"
            dropped.append(f"stratum {k + 1}: {outcome} in either group")
        else:
            used.append(k)
    return used, dropped


def _fitted_a(n1: float, n2: float, m1: float, psi: float) -> float:
    """The a cell with the table's margins whose odds ratio is ``psi``: the root inside
    ``(max(0, m1 - n2), min(n1, m1))`` of ``(1-ψ)A² + (n2 - m1 + ψ(n1 + m1))A - ψ n1 m1 = 0``."""
    low, high = max(0.0, m1 - n2), min(n1, m1)
    qa, qb, qc = 1.0 - psi, n2 - m1 + psi * (n1 + m1), -psi * n1 * m1
    if abs(qa) < 1e-12:
        return -qc / qb
    root = math.sqrt(qb * qb - 4.0 * qa * qc)
    # The numerically stable pair of roots; exactly one lies strictly inside the support.
    q = -0.5 * (qb + math.copysign(root, qb))
    candidates = [q / qa, qc / q] if q != 0.0 else [-qb / (2.0 * qa)]
    inside = [r for r in candidates if low - 1e-9 <= r <= high + 1e-9]
    return min(max(inside[0], low), high)


def breslow_day(tables: Any) -> BreslowDayResult:
    r"""Breslow–Day test that the odds ratios of K 2×2 tables are equal, with Tarone's
    correction (as SAS PROC FREQ ``CMH`` and DescTools ``BreslowDayTest``).

    With the Mantel–Haenszel common odds ratio :math:`\hat\psi`, each stratum's fitted cell
    :math:`\tilde a_k` keeps the stratum's margins and has odds ratio :math:`\hat\psi` (the root
    of a quadratic inside the cell's range), and

    .. math::

        X^2_{BD} = \sum_k \frac{(a_k - \tilde a_k)^2}{\operatorname{Var}(a_k)},\quad
        \operatorname{Var}(a_k) = \left(\frac1{\tilde a_k} + \frac1{\tilde b_k} +
        \frac1{\tilde c_k} + \frac1{\tilde d_k}\right)^{-1},\quad
        X^2_{BDT} = X^2_{BD} - \frac{(\sum_k a_k - \sum_k \tilde a_k)^2}
        {\sum_k \operatorname{Var}(a_k)},

    both referred to :math:`\chi^2_{K'-1}`, :math:`K'` the strata used. A stratum with an empty
    row or column (one group absent, or nobody / everybody responding) carries no information
    on its odds ratio and is left out, each with a sentence in ``dropped``. The test is not
    estimable with fewer than two strata left, or when the common odds ratio is 0 or ∞ (every
    stratum's odds ratio is then on the boundary and no fitted table exists).

    References
    ----------
    Breslow NE, Day NE. Statistical Methods in Cancer Research I. IARC 1980, pp. 142-143.
    Tarone RE. On heterogeneity tests based on efficient scores. Biometrika 1985;72:91-95.
    """
    x = as_strata_counts(tables)
    used, dropped = informative_strata(x, need_both_outcomes=True)
    a, b, c, d = (x[used, i, j] for i, j in ((0, 0), (0, 1), (1, 0), (1, 1)))
    n = a + b + c + d
    big_r, big_s = float((a * d / n).sum()), float((b * c / n).sum())
    psi = big_r / big_s if big_s > 0 else (math.inf if big_r > 0 else math.nan)

    def refused(reason: str) -> BreslowDayResult:
        return BreslowDayResult(
            n_strata=len(x), strata_used=tuple(k + 1 for k in used), dropped=tuple(dropped),
            common_odds_ratio=psi, statistic=math.nan, df=max(len(used) - 1, 0),
            p_value=math.nan, statistic_tarone=math.nan, p_value_tarone=math.nan,
            estimable=False, reason=reason,
        )  # fmt: skip

    if len(used) < 2:
        return refused(
            f"not estimable: {len(used)} stratum with both groups and both outcomes; "
            "comparing odds ratios needs at least 2"
        )
    if not 0.0 < psi < math.inf:
        first, second = ("no responder", "no non-responder")
        if psi > 0.0:
            first, second = second, first
        return refused(
            f"not estimable: the common odds ratio is {'0' if psi == 0.0 else 'infinite'} "
            f"(in every stratum the first group has {first} or the second group {second}), "
            "so no table with the strata's margins has that odds ratio"
        )
    n1, n2, m1 = a + b, c + d, a + c
    fitted = np.array([_fitted_a(*v, psi) for v in zip(n1, n2, m1, strict=True)])
    variance = 1.0 / (
        1.0 / fitted + 1.0 / (n1 - fitted) + 1.0 / (m1 - fitted) + 1.0 / (n2 - m1 + fitted)
    )
    statistic = float(((a - fitted) ** 2 / variance).sum())
    tarone = statistic - float((a.sum() - fitted.sum()) ** 2 / variance.sum())
    df = len(used) - 1
    return BreslowDayResult(
        n_strata=len(x), strata_used=tuple(k + 1 for k in used), dropped=tuple(dropped),
        common_odds_ratio=psi, statistic=statistic, df=df, p_value=float(chi2.sf(statistic, df)),
        statistic_tarone=tarone, p_value_tarone=float(chi2.sf(tarone, df)),
        expected=tuple(float(v) for v in fitted),
    )  # fmt: skip

"""Which logistic-model coefficients have no finite estimate (complete or quasi-complete
separation), found exactly by linear programming, and the reason said in words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.optimize import linprog

__all__ = ["Separation", "describe_separation", "find_separation"]

#: A direction component below this counts as zero (the LP is solved to about 1e-9).
_TOLERANCE = 1e-7


@dataclass(frozen=True)
class Separation:
    """For every column of the design: +1 / -1 when its coefficient runs to +∞ / -∞ on the
    way to the likelihood's supremum, 0 when it stays finite; ``complete`` when some direction
    separates every observation strictly."""

    directions: tuple[int, ...]
    complete: bool

    @property
    def any(self) -> bool:
        """Whether the maximum-likelihood estimate fails to exist for some coefficient."""
        return any(self.directions)


def find_separation(design: NDArray[np.float64], y: NDArray[np.float64]) -> Separation:
    r"""Directions :math:`v` with :math:`(2y_i-1)\,x_i^\top v \ge 0` for every observation form
    a cone; the maximum-likelihood estimate of coefficient j is finite exactly when
    :math:`v_j = 0` on the whole cone (Albert & Anderson 1984). Each :math:`v_j` is maximised
    and minimised over the cone cut to the box :math:`|v| \le 1` (Konis 2007's linear
    programs, as R's ``detectseparation``); ``design`` must have full column rank.

    References
    ----------
    Albert A, Anderson JA. On the existence of maximum likelihood estimates in logistic
    regression models. Biometrika 1984;71:1-10.
    Konis K. Linear programming algorithms for detecting separated data in binary logistic
    regression models. DPhil thesis, University of Oxford, 2007.
    """
    # Only the distinct (covariates, outcome) patterns constrain v: a trial's design has a few
    # dozen of them however many subjects there are, which keeps the programs small.
    signed = np.unique((2.0 * y - 1.0)[:, None] * design, axis=0)
    n, p = signed.shape
    bounds = [(-1.0, 1.0)] * p
    directions = []
    for j in range(p):
        extremes = []
        for sign in (-1.0, 1.0):
            objective = np.zeros(p)
            objective[j] = sign  # linprog minimises: -1 finds the largest v_j, +1 the smallest
            fit = linprog(objective, A_ub=-signed, b_ub=np.zeros(n), bounds=bounds,
                          method="highs")  # fmt: skip
            extremes.append(float(fit.x[j]) if fit.success else 0.0)
        largest, smallest = extremes
        directions.append(1 if largest > _TOLERANCE else -1 if smallest < -_TOLERANCE else 0)
    # Complete separation: a direction with every observation strictly on its side (t > 0).
    objective = np.zeros(p + 1)
    objective[-1] = -1.0
    strict = linprog(
        objective,
        A_ub=np.hstack([-signed, np.ones((n, 1))]),
        b_ub=np.zeros(n),
        bounds=[*bounds, (0.0, 1.0)],
        method="highs",
    )
    complete = bool(strict.success and -strict.fun > _TOLERANCE)
    return Separation(tuple(directions), complete)


def _cell_name(strata: Sequence[str], levels: Any) -> str:
    values = levels if isinstance(levels, tuple) else (levels,)
    return ", ".join(
        f"stratum {value}" if name.lower() == "stratum" else f"{name} {value}"
        for name, value in zip(strata, values, strict=True)
    )


def describe_separation(
    frame: pd.DataFrame,
    *,
    response: str,
    treatment: str,
    strata: Sequence[str],
    direction: int,
    complete: bool,
    labels: Mapping[Any, str] | None = None,
) -> str:
    """Why the treatment odds ratio is not estimable, in the data's own terms: in which strata
    one arm has no responder (or only responders)."""
    kind = "complete separation" if complete else "quasi-complete separation"
    values = sorted(frame[treatment].unique())
    names = dict(labels or {})

    def arm(value: Any) -> str:
        return str(names.get(value, f"{treatment} = {value}"))

    if len(values) != 2:
        return f"not estimable: {treatment} separates responders from non-responders ({kind})"
    # The odds ratio runs to infinity when the higher arm never fails or the lower never
    # responds (and to zero the other way round), in every stratum that carries information.
    high, low = values[1], values[0]
    winner, loser = (high, low) if direction > 0 else (low, high)
    cells = frame.groupby(list(strata), sort=True) if strata else [((), frame)]
    silent: list[str] = []  # strata where the losing arm has no responder
    perfect: list[str] = []  # strata where every subject of the winning arm responded
    for levels, cell in cells:
        y = cell[response]
        if cell[treatment].nunique() < 2 or y.nunique() < 2:
            continue  # no information on the treatment effect in this cell
        where = _cell_name(strata, levels) if strata else ""
        if not (y[cell[treatment] == loser] == 1).any():
            silent.append(where)
        if not (y[cell[treatment] == winner] == 0).any():
            perfect.append(where)

    def within(places: list[str]) -> str:
        named = [p for p in places if p]
        if not named:
            return ""
        listed = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
        return f" in {listed}"

    phrases = []
    if silent:
        phrases.append(f"no responder in {arm(loser)}{within(silent)}")
    if perfect:
        phrases.append(f"every subject in {arm(winner)} responded{within(perfect)}")
    if not phrases:
        return (
            "not estimable: no stratum has both arms and both responders and non-responders "
            f"({kind})"
        )
    return f"not estimable: {'; '.join(phrases)} ({kind})"

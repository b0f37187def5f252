"""Newcombe's hybrid score interval for many 2×2 tables at once.

The simulator analyses thousands of replicate trials per second; calling the scalar
:func:`~trialdesk.stats.risk_difference.newcombe_hybrid_score_ci` once per replicate would cost
more than simulating the trial. These functions compute the same intervals (same formulas,
tested against the scalar ones) on numpy arrays of counts.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm

from trialdesk.domain.errors import FieldError, InputError

__all__ = ["newcombe_hybrid_score_ci_arrays", "newcombe_rejects", "wilson_ci_arrays"]


def _problems(x: ArrayLike, n: ArrayLike, name: str) -> list[FieldError]:
    events, totals = np.asarray(x, dtype=np.float64), np.asarray(n, dtype=np.float64)
    problems = []
    if np.any(totals < 1):
        problems.append(FieldError(f"n{name}", "every group needs at least 1 subject"))
    if np.any((events < 0) | (events > totals)):
        problems.append(FieldError(f"x{name}", f"must lie between 0 and n{name}"))
    return problems


def _counts(
    *groups: tuple[ArrayLike, ArrayLike, str],
) -> list[NDArray[np.float64]]:
    """Events and sizes as float arrays, after checking every group (all problems at once)."""
    problems = [p for x, n, name in groups for p in _problems(x, n, name)]
    if problems:
        raise InputError(problems)
    return [np.asarray(a, dtype=np.float64) for x, n, _ in groups for a in (x, n)]


def _wilson(
    x: NDArray[np.float64], n: NDArray[np.float64], z: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    centre = (x + z * z / 2.0) / (n + z * z)
    half = z * np.sqrt(x * (n - x) / n + z * z / 4.0) / (n + z * z)
    return np.maximum(0.0, centre - half), np.minimum(1.0, centre + half)


def wilson_ci_arrays(
    x: ArrayLike, n: ArrayLike, *, alpha: float = 0.05
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Wilson score limits for each proportion ``x / n`` (arrays broadcast together).

    Parameters
    ----------
    x, n : int arrays
        Events and group sizes.
    alpha : float
        Two-sided level; the interval has coverage ``1 - alpha``.

    Returns
    -------
    lower, upper : float arrays
    """
    events, totals = _counts((x, n, ""))
    return _wilson(events, totals, float(norm.ppf(1.0 - alpha / 2.0)))


def newcombe_hybrid_score_ci_arrays(
    x1: ArrayLike, n1: ArrayLike, x2: ArrayLike, n2: ArrayLike, *, alpha: float = 0.05
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Newcombe's hybrid score interval for ``p1 - p2`` of every table (method 10).

    Parameters
    ----------
    x1, n1, x2, n2 : int arrays
        Events and sizes of group 1 and group 2; they broadcast together.
    alpha : float
        Two-sided level.

    Returns
    -------
    lower, upper : float arrays
        Equal to :func:`~trialdesk.stats.newcombe_hybrid_score_ci` element by element.
    """
    e1, t1, e2, t2 = _counts((x1, n1, "1"), (x2, n2, "2"))
    z = float(norm.ppf(1.0 - alpha / 2.0))
    p1, p2 = e1 / t1, e2 / t2
    l1, u1 = _wilson(e1, t1, z)
    l2, u2 = _wilson(e2, t2, z)
    difference = p1 - p2
    lower = difference - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = difference + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return lower, upper


def newcombe_rejects(
    x1: ArrayLike, n1: ArrayLike, x2: ArrayLike, n2: ArrayLike, *, alpha: float = 0.05
) -> NDArray[np.bool_]:
    """True where the two-sided test at level ``alpha`` rejects ``p1 = p2``.

    The test inverts the interval: it rejects when the ``1 - alpha`` Newcombe interval
    excludes 0.
    """
    lower, upper = newcombe_hybrid_score_ci_arrays(x1, n1, x2, n2, alpha=alpha)
    return np.asarray((lower > 0.0) | (upper < 0.0))

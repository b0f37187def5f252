"""Pocock–Simon minimization with a random element.

For a new subject, each arm k is scored by the imbalance the allocation *would* leave::

    G_k = Σ_i w_i · D( n_i,l_i,1 / r_1 , … , n_i,l_i,A / r_A )   after adding the subject to arm k

where ``n_i,l_i,j`` counts subjects already in arm j at the new subject's level ``l_i`` of factor
``i``, ``r_j`` is arm j's ratio weight, ``w_i`` the factor's weight and ``D`` the imbalance
measure: range (max − min), variance (sample variance across arms, denominator A − 1, as in
Pocock & Simon 1975) or its square root (sd).

Arms with the smallest G are *preferred*. The subject goes to the preferred arms with probability
``p_preferred`` and to the others with ``1 − p_preferred``; within each group the probability is
shared in proportion to the ratio weights, which also breaks ties at random. When every arm ties
(the first subject, or a perfectly balanced margin) the allocation is simple randomization with the
ratio's probabilities.

Unequal ratios use this simple weighted approach (counts divided by ratio weights). It is known not
to reproduce the target ratio exactly in every setting (Kuznetsova & Tymofyeyev 2012); Han, Enas &
McEntegart (Stat Med 2009) give biased-coin probabilities that preserve it — a possible later
option. For 1:1, the protocol default, both approaches coincide.

The core functions work on arrays with leading batch axes, so the design simulator runs thousands
of virtual trials through the same code that allocates one real subject.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from trialdesk.domain.randomization.spec import ImbalanceMeasure, RandomizationSpec
from trialdesk.domain.randomization.strata import subject_levels
from trialdesk.domain.randomization.validation import validate_spec

__all__ = [
    "MinimizationDecision",
    "MinimizationState",
    "arm_scores",
    "assignment_probabilities",
    "choose_arms",
    "imbalance",
    "minimize",
]

# Scores are sums of a few small ratios; differences below this are rounding, i.e. ties.
_TIE_TOLERANCE = 1e-9


def imbalance(adjusted_counts: np.ndarray, measure: ImbalanceMeasure) -> np.ndarray:
    """Imbalance over the last axis (arms) of ratio-adjusted counts."""
    counts = np.asarray(adjusted_counts, dtype=float)
    measure = ImbalanceMeasure(measure)  # a plain "range" from a caller must not fall through
    if measure is ImbalanceMeasure.RANGE:
        return np.asarray(counts.max(axis=-1) - counts.min(axis=-1))
    variance = np.asarray(counts.var(axis=-1, ddof=1))
    return variance if measure is ImbalanceMeasure.VARIANCE else np.sqrt(variance)


def arm_scores(
    level_counts: np.ndarray,
    factor_weights: np.ndarray,
    ratio_weights: np.ndarray,
    measure: ImbalanceMeasure,
) -> np.ndarray:
    """Total weighted imbalance G_k for each candidate arm k.

    Parameters
    ----------
    level_counts : ndarray, shape (..., F, A)
        Subjects already allocated to each arm at the new subject's level of each factor.
    factor_weights : ndarray, shape (F,)
    ratio_weights : ndarray, shape (A,)
    measure : ImbalanceMeasure

    Returns
    -------
    ndarray, shape (..., A)
    """
    counts = np.asarray(level_counts, dtype=float)
    arms = counts.shape[-1]
    # Candidate axis k before the factor axis: hypothetical[..., k, f, j] = counts + [j == k].
    hypothetical = counts[..., np.newaxis, :, :] + np.eye(arms)[:, np.newaxis, :]
    per_factor = imbalance(hypothetical / np.asarray(ratio_weights, dtype=float), measure)
    return np.asarray((per_factor * np.asarray(factor_weights, dtype=float)).sum(axis=-1))


def assignment_probabilities(
    scores: np.ndarray, ratio_weights: np.ndarray, p_preferred: float
) -> np.ndarray:
    """Probability of each arm given its score (shape (..., A) in and out)."""
    scores = np.asarray(scores, dtype=float)
    ratio = np.broadcast_to(np.asarray(ratio_weights, dtype=float), scores.shape)
    preferred = scores <= scores.min(axis=-1, keepdims=True) + _TIE_TOLERANCE
    all_tied = preferred.all(axis=-1, keepdims=True)
    in_pref = np.where(preferred, ratio, 0.0)
    in_rest = np.where(preferred, 0.0, ratio)
    rest_total = np.where(all_tied, 1.0, in_rest.sum(axis=-1, keepdims=True))
    biased = (
        p_preferred * in_pref / in_pref.sum(axis=-1, keepdims=True)
        + (1.0 - p_preferred) * in_rest / rest_total
    )
    simple = ratio / ratio.sum(axis=-1, keepdims=True)
    return np.asarray(np.where(all_tied, simple, biased))


def choose_arms(probabilities: np.ndarray, uniforms: npt.ArrayLike) -> np.ndarray:
    """Arm index drawn from ``probabilities`` (..., A) with one uniform in [0, 1) per row."""
    cumulative = np.cumsum(probabilities, axis=-1)
    chosen = (np.asarray(uniforms)[..., np.newaxis] >= cumulative).sum(axis=-1)
    # Rounding can leave the last cumulative sum a hair under 1; never index past the last arm.
    return np.asarray(np.minimum(chosen, probabilities.shape[-1] - 1))


@dataclass(frozen=True, slots=True)
class MinimizationState:
    """Counts per (factor, level) and arm; updated purely by :meth:`after`.

    ``counts[(factor, level)]`` is a tuple of counts in the order of ``arms``.
    """

    arms: tuple[str, ...]
    counts: Mapping[tuple[str, str], tuple[int, ...]] = field(default_factory=dict)
    total: int = 0

    @classmethod
    def empty(cls, spec: RandomizationSpec) -> MinimizationState:
        return cls(arms=tuple(arm for arm, _ in spec.ratio))

    def level_counts(self, factor: str, level: str) -> tuple[int, ...]:
        return self.counts.get((factor, level), (0,) * len(self.arms))

    def with_allocation(self, levels: Mapping[str, str], arm: str) -> MinimizationState:
        """A new state with one more subject at ``levels`` (factor → level) in ``arm``."""
        index = self.arms.index(arm)
        counts = dict(self.counts)
        for factor, level in levels.items():
            row = list(self.level_counts(factor, level))
            row[index] += 1
            counts[(factor, level)] = tuple(row)
        return MinimizationState(self.arms, counts, self.total + 1)

    def after(self, decision: MinimizationDecision) -> MinimizationState:
        return self.with_allocation(decision.levels, decision.arm)


@dataclass(frozen=True, slots=True)
class MinimizationDecision:
    """The arm chosen and what led to it, for the audit trail (never shown to sites)."""

    arm: str
    levels: Mapping[str, str]
    scores: tuple[tuple[str, float], ...]
    probabilities: tuple[tuple[str, float], ...]
    preferred: tuple[str, ...]

    @property
    def went_to_preferred(self) -> bool:
        return self.arm in self.preferred


def minimize(
    spec: RandomizationSpec,
    state: MinimizationState,
    subject: Mapping[str, object],
    rng: np.random.Generator,
) -> MinimizationDecision:
    """Allocate one subject by minimization.

    ``subject`` holds raw field values (``site``, ``baseline_grade``, …); each minimization
    factor's level is looked up as for strata, and a missing or unknown value raises
    :class:`InputError` naming the field before any randomness is used.
    """
    validate_spec(spec)
    settings = spec.minimization
    assert settings is not None  # validate_spec refuses minimization without settings
    factors = [f.factor for f in settings.factors]
    levels = subject_levels(factors, subject)
    level_counts = np.array([state.level_counts(f.code, levels[f.code]) for f in factors])
    ratio = np.array([weight for _, weight in spec.ratio], dtype=float)
    scores = arm_scores(
        level_counts, np.array([f.weight for f in settings.factors]), ratio, settings.imbalance
    )
    probabilities = assignment_probabilities(scores, ratio, settings.p_preferred)
    arm_index = int(choose_arms(probabilities, rng.random()))
    arms = state.arms
    preferred = scores <= scores.min() + _TIE_TOLERANCE
    return MinimizationDecision(
        arm=arms[arm_index],
        levels=levels,
        scores=tuple(zip(arms, scores.tolist(), strict=True)),
        probabilities=tuple(zip(arms, probabilities.tolist(), strict=True)),
        preferred=tuple(arm for arm, best in zip(arms, preferred.tolist(), strict=True) if best),
    )

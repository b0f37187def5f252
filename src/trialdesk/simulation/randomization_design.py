"""Operating characteristics of a randomization design, by Monte-Carlo simulation.

Replicate trials of ``subjects`` patients are drawn from a covariate mix (sites with unequal
accrual, baseline grade, lower-GI involvement) and allocated through the domain's own algorithms:
:func:`~trialdesk.domain.randomization.draw_blocks` per stratum for permuted blocks, and the
batched :func:`~trialdesk.domain.randomization.arm_scores` /
:func:`~trialdesk.domain.randomization.assignment_probabilities` for minimization (one subject at a
time, all replicates at once). Simple randomization is included as the reference.

Imbalance is measured on ratio-adjusted counts ``n_j / r_j`` as a range (for 1:1 this is
``|n_A − n_B|``), overall and within each stratum of the protocol's strata. Predictability is the
proportion of correct guesses of the next arm by an observer using the convergence strategy: guess
the arm with the fewest (ratio-adjusted) allocations so far in the subject's stratum (blocks,
simple) or summed over the subject's levels of the minimization factors (minimization). A tie
earns the expected score of a random guess among the tied arms (1/m), which has the same
expectation as guessing at random and less Monte-Carlo noise.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from trialdesk.domain.errors import FieldError, InputError
from trialdesk.domain.randomization import (
    RandomizationSpec,
    StratificationFactor,
    arm_scores,
    assignment_probabilities,
    choose_arms,
    draw_blocks,
    level_code,
    validate_spec,
)
from trialdesk.simulation.covariate_mix import CovariateMix

__all__ = [
    "CovariateMix",
    "DesignMethod",
    "DesignSimulation",
    "MetricSummary",
    "ReplicateMetrics",
    "simulate_design",
    "simulate_replicates",
    "summarise",
]

_TIE_TOLERANCE = 1e-9


class DesignMethod(enum.StrEnum):
    BLOCKS = "blocks"
    MINIMIZATION = "minimization"
    SIMPLE = "simple"


@dataclass(frozen=True, slots=True)
class ReplicateMetrics:
    """One value per replicate trial for each characteristic, and the allocations themselves."""

    #: Arm index (into the ratio) of each subject, shape (replicates, subjects).
    arms: np.ndarray
    overall_imbalance: np.ndarray
    max_stratum_imbalance: np.ndarray
    mean_stratum_imbalance: np.ndarray
    predictability: np.ndarray


@dataclass(frozen=True, slots=True)
class MetricSummary:
    mean: float
    sd: float
    q05: float
    q25: float
    median: float
    q75: float
    q95: float
    max: float

    @classmethod
    def of(cls, values: np.ndarray) -> MetricSummary:
        q05, q25, median, q75, q95 = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95]).tolist()
        sd = float(values.std(ddof=1)) if values.size > 1 else 0.0
        return cls(float(values.mean()), sd, q05, q25, median, q75, q95, float(values.max()))


@dataclass(frozen=True, slots=True)
class DesignSimulation:
    """Summary of a design simulation (what ``trialdesk randomization simulate`` prints)."""

    method: DesignMethod
    subjects: int
    replicates: int
    strata: tuple[str, ...]
    overall_imbalance: MetricSummary
    max_stratum_imbalance: MetricSummary
    mean_stratum_imbalance: MetricSummary
    predictability: MetricSummary


def _level_indices(
    factor: StratificationFactor, raw: np.ndarray, site_codes: Sequence[str]
) -> tuple[np.ndarray, int]:
    """Level index of each raw value (through the domain's own mapping) and the level count."""
    levels = [lv.code for lv in factor.levels] or list(site_codes)
    values, inverse = np.unique(raw, return_inverse=True)
    mapped = []
    for value in values.tolist():
        code = level_code(factor, value)
        if code is None or code not in levels:
            raise InputError.single(factor.source_field, f"simulated value {value!r} has no level")
        mapped.append(levels.index(code))
    return np.asarray(mapped, dtype=np.int64)[inverse].reshape(raw.shape), len(levels)


def _factor_indices(
    factors: Sequence[StratificationFactor], raw: dict[str, np.ndarray], mix: CovariateMix
) -> tuple[np.ndarray, list[int]]:
    """Level indices, shape (R, N, F), and the number of levels of each factor."""
    sites = [code for code, _ in mix.site_weights]
    columns, sizes = [], []
    for factor in factors:
        if factor.source_field not in raw:
            raise InputError.single(factor.source_field, "is not a simulated covariate")
        index, size = _level_indices(factor, raw[factor.source_field], sites)
        columns.append(index)
        sizes.append(size)
    shape = (*next(iter(raw.values())).shape, 0)
    return (np.stack(columns, axis=-1) if columns else np.zeros(shape, np.int64)), sizes


def _guess_credit(adjusted_before: np.ndarray, arm: np.ndarray) -> np.ndarray:
    """Score of the convergence guess: 1/m when the actual arm is among m least-allocated arms."""
    least = adjusted_before <= adjusted_before.min(axis=-1, keepdims=True) + _TIE_TOLERANCE
    hit = np.take_along_axis(least, arm[..., np.newaxis], axis=-1)[..., 0]
    return np.asarray(hit / least.sum(axis=-1))


def _allocate_blocks(
    spec: RandomizationSpec, cell: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    arms = np.empty(cell.shape, dtype=np.int64)
    for r in range(cell.shape[0]):
        for c in np.unique(cell[r]).tolist():
            where = np.flatnonzero(cell[r] == c)
            blocks = draw_blocks(spec.ratio, spec.block_sizes, where.size, rng)
            arms[r, where] = blocks.arm_index[: where.size]
    return arms


def _allocate_minimization(
    spec: RandomizationSpec,
    raw: dict[str, np.ndarray],
    mix: CovariateMix,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    settings = spec.minimization
    assert settings is not None  # validate_spec requires it for minimization
    levels, sizes = _factor_indices([f.factor for f in settings.factors], raw, mix)
    ratio = np.array([w for _, w in spec.ratio], dtype=float)
    weights = np.array([f.weight for f in settings.factors], dtype=float)
    replicates, subjects, factors = levels.shape
    counts = np.zeros((replicates, factors, max(sizes), ratio.size))
    rows, cols = np.arange(replicates)[:, np.newaxis], np.arange(factors)[np.newaxis, :]
    arms = np.empty((replicates, subjects), dtype=np.int64)
    credit = np.empty((replicates, subjects))
    for i in range(subjects):
        at_levels = counts[rows, cols, levels[:, i, :]]  # (R, F, A)
        scores = arm_scores(at_levels, weights, ratio, settings.imbalance)
        probabilities = assignment_probabilities(scores, ratio, settings.p_preferred)
        arms[:, i] = choose_arms(probabilities, rng.random(replicates))
        credit[:, i] = _guess_credit(at_levels.sum(axis=1) / ratio, arms[:, i])
        counts[rows, cols, levels[:, i, :], arms[:, i, np.newaxis]] += 1
    return arms, credit


def _stratum_metrics(
    arms: np.ndarray, cell: np.ndarray, cells: int, ratio: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per replicate: max and mean within-stratum imbalance; per subject: the guess credit."""
    one_hot = (arms[..., np.newaxis] == np.arange(ratio.size)).astype(float)
    credit = np.empty(arms.shape)
    imbalance = np.zeros((arms.shape[0], cells))
    occupied = np.zeros((arms.shape[0], cells), dtype=bool)
    for c in range(cells):
        inside = (cell == c)[..., np.newaxis]
        running = np.cumsum(one_hot * inside, axis=1)
        before = (running - one_hot * inside) / ratio
        credit = np.where(inside[..., 0], _guess_credit(before, arms), credit)
        final = running[:, -1, :] / ratio
        imbalance[:, c] = final.max(axis=-1) - final.min(axis=-1)
        occupied[:, c] = inside[..., 0].any(axis=1)
    mean = imbalance.sum(axis=1) / np.maximum(occupied.sum(axis=1), 1)
    return imbalance.max(axis=1), mean, credit


def simulate_replicates(
    spec: RandomizationSpec,
    method: DesignMethod,
    subjects: int,
    replicates: int,
    rng: np.random.Generator,
    mix: CovariateMix | None = None,
) -> ReplicateMetrics:
    """Simulate ``replicates`` trials and return each replicate's characteristics.

    Parameters
    ----------
    spec : RandomizationSpec
        Ratio, block sizes, strata and minimization settings (the method field is ignored: the
        ``method`` argument chooses the algorithm, so one protocol can compare both).
    method : DesignMethod
    subjects, replicates : int
        Patients per trial (≥ 1) and number of virtual trials (≥ 1).
    rng : numpy.random.Generator
        The only source of randomness; the same generator state gives the same result.
    mix : CovariateMix, optional
        Covariate distribution; :class:`CovariateMix` defaults when omitted.
    """
    validate_spec(spec)
    mix = mix or CovariateMix()
    mix.validate()
    problems = [
        FieldError(name, f"must be ≥ 1, not {value}")
        for name, value in (("subjects", subjects), ("replicates", replicates))
        if value < 1
    ]
    if method is DesignMethod.MINIMIZATION and spec.minimization is None:
        problems.append(FieldError("randomization.minimization", "is required for minimization"))
    if problems:
        raise InputError(problems)
    ratio = np.array([w for _, w in spec.ratio], dtype=float)
    raw = mix.draw(replicates, subjects, rng)
    strata, sizes = _factor_indices(spec.strata, raw, mix)
    # One integer per stratum: mixed-radix number of the factors' level indices.
    cell = np.zeros((replicates, subjects), dtype=np.int64)
    for f, size in enumerate(sizes):
        cell = cell * size + strata[..., f]
    cells = int(np.prod(sizes)) if sizes else 1
    if method is DesignMethod.BLOCKS:
        arms = _allocate_blocks(spec, cell, rng)
    elif method is DesignMethod.MINIMIZATION:
        arms, minimization_credit = _allocate_minimization(spec, raw, mix, rng)
    else:
        simple = np.broadcast_to(ratio / ratio.sum(), (*cell.shape, ratio.size))
        arms = choose_arms(simple, rng.random(cell.shape))
    max_stratum, mean_stratum, credit = _stratum_metrics(arms, cell, cells, ratio)
    if method is DesignMethod.MINIMIZATION:
        credit = minimization_credit
    totals = (arms[..., np.newaxis] == np.arange(ratio.size)).sum(axis=1) / ratio
    return ReplicateMetrics(
        arms=arms,
        overall_imbalance=totals.max(axis=-1) - totals.min(axis=-1),
        max_stratum_imbalance=max_stratum,
        mean_stratum_imbalance=mean_stratum,
        predictability=credit.mean(axis=1),
    )


def summarise(
    metrics: ReplicateMetrics, spec: RandomizationSpec, method: DesignMethod, subjects: int
) -> DesignSimulation:
    """Mean, sd and quantiles of each characteristic across replicates."""
    return DesignSimulation(
        method=method,
        subjects=subjects,
        replicates=int(metrics.predictability.size),
        strata=tuple(factor.code for factor in spec.strata),
        overall_imbalance=MetricSummary.of(metrics.overall_imbalance),
        max_stratum_imbalance=MetricSummary.of(metrics.max_stratum_imbalance),
        mean_stratum_imbalance=MetricSummary.of(metrics.mean_stratum_imbalance),
        predictability=MetricSummary.of(metrics.predictability),
    )


def simulate_design(
    spec: RandomizationSpec,
    method: DesignMethod,
    subjects: int,
    replicates: int,
    rng: np.random.Generator,
    mix: CovariateMix | None = None,
) -> DesignSimulation:
    """Simulate and summarise in one call; see :func:`simulate_replicates`."""
    metrics = simulate_replicates(spec, method, subjects, replicates, rng, mix)
    return summarise(metrics, spec, method, subjects)

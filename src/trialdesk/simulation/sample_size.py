"""Sample size by simulation: the smallest n per arm whose simulated power reaches the target.

Outcomes are binomial with the design's probabilities and each replicate is analysed with the
trial's primary test (the two-sided Newcombe interval,
:func:`~trialdesk.stats.risk_difference_arrays.newcombe_rejects`), so the answer accounts for
that test's exact behaviour rather than its normal approximation.
"""

from __future__ import annotations

import numpy as np

from trialdesk.domain.errors import InputError
from trialdesk.stats.risk_difference_arrays import (
    newcombe_hybrid_score_ci_arrays,
    newcombe_rejects,
)
from trialdesk.stats.sample_size import TwoProportionDesign, per_arm_normal

__all__ = ["simulated_per_arm", "simulated_power"]


def simulated_power(
    design: TwoProportionDesign, per_arm: int, replicates: int, rng: np.random.Generator
) -> float:
    """Share of ``replicates`` trials with ``per_arm`` patients per arm that reject."""
    if per_arm < 1 or replicates < 1:
        raise InputError.single("per_arm" if per_arm < 1 else "replicates", "must be ≥ 1")
    treated = rng.binomial(per_arm, design.p_treatment, size=replicates)
    controls = rng.binomial(per_arm, design.p_control, size=replicates)
    if design.sides == 2:
        rejected = newcombe_rejects(treated, per_arm, controls, per_arm, alpha=design.alpha)
    else:
        # A one-sided test at α is the lower limit of the two-sided 1 − 2α interval.
        lower, upper = newcombe_hybrid_score_ci_arrays(
            treated, per_arm, controls, per_arm, alpha=2.0 * design.alpha
        )
        rejected = lower > 0.0 if design.p_treatment > design.p_control else upper < 0.0
    return float(np.mean(rejected))


def simulated_per_arm(
    design: TwoProportionDesign, replicates: int, rng: np.random.Generator
) -> int:
    """Smallest n per arm with simulated power ≥ ``design.power`` (bisection from the normal n).

    Each candidate n is simulated with its own ``replicates`` trials; near the answer the power
    curve is flat, so the result can move by an arm size or two between seeds.
    """
    low, high = 1, 2 * per_arm_normal(design, continuity_correction=True)
    while simulated_power(design, high, replicates, rng) < design.power:
        low, high = high, 2 * high
        if high > 1_000_000:
            raise InputError.single("power", "is not reached with a million patients per arm")
    while high - low > 1:
        middle = (low + high) // 2
        if simulated_power(design, middle, replicates, rng) >= design.power:
            high = middle
        else:
            low = middle
    return high

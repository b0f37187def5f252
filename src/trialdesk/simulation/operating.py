"""Operating characteristics of the trial: many replicate trials, in seeded batches.

Replicates are cut into batches of :data:`BATCH_SIZE`; batch ``i`` draws from the ``i``-th child
of ``numpy.random.SeedSequence(seed)``. The batches, and so the results, are therefore the same
whether they run one after another here or on any number of Dask workers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from trialdesk.domain.errors import InputError
from trialdesk.domain.protocol import Protocol
from trialdesk.simulation.scenario import Scenario
from trialdesk.simulation.trial import TrialOutcomes, simulate_trials

__all__ = [
    "BATCH_SIZE",
    "Batch",
    "OperatingCharacteristics",
    "combine",
    "plan_batches",
    "run_batch",
    "simulate_locally",
    "summarise",
]

#: Replicates per batch: small enough to spread over workers, large enough to stay vectorised.
BATCH_SIZE = 500
_QUANTILES = (0.025, 0.25, 0.5, 0.75, 0.975)

ProgressCallback = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Batch:
    """One unit of work: how many replicates and the seed they draw from."""

    index: int
    replicates: int
    seed: np.random.SeedSequence


def plan_batches(replicates: int, seed: int, batch_size: int = BATCH_SIZE) -> list[Batch]:
    """Split ``replicates`` into batches with independent child seeds of ``seed``."""
    if replicates < 1:
        raise InputError.single("replicates", "must be ≥ 1")
    if seed < 0:
        raise InputError.single("seed", "must be ≥ 0")
    sizes = [batch_size] * (replicates // batch_size)
    if replicates % batch_size:
        sizes.append(replicates % batch_size)
    children = np.random.SeedSequence(seed).spawn(len(sizes))
    return [Batch(i, n, child) for i, (n, child) in enumerate(zip(sizes, children, strict=True))]


def run_batch(protocol: Protocol, scenario: Scenario, batch: Batch) -> TrialOutcomes:
    """Simulate one batch (the function Dask workers run)."""
    return simulate_trials(protocol, scenario, batch.replicates, np.random.default_rng(batch.seed))


def combine(parts: Sequence[TrialOutcomes]) -> TrialOutcomes:
    """Concatenate batch results in batch order."""
    first = parts[0]
    values: dict[str, object] = {"arms": first.arms}
    for field in fields(TrialOutcomes):
        name = field.name
        if name == "arms":
            continue
        head = getattr(first, name)
        if isinstance(head, tuple):
            values[name] = tuple(
                (code, np.concatenate([dict(getattr(p, name))[code] for p in parts]))
                for code, _ in head
            )
        else:
            values[name] = np.concatenate([getattr(p, name) for p in parts])
    return TrialOutcomes(**values)  # type: ignore[arg-type]


def simulate_locally(
    protocol: Protocol,
    scenario: Scenario,
    batches: Iterable[Batch],
    progress: ProgressCallback | None = None,
) -> TrialOutcomes:
    """Run the batches one after another in this process."""
    parts = []
    for batch in batches:
        parts.append(run_batch(protocol, scenario, batch))
        if progress is not None:
            progress(batch.replicates)
    return combine(parts)


@dataclass(frozen=True, slots=True)
class ArmSummary:
    """Expected values per randomized patient of one arm, over all replicates."""

    arm: str
    mean_randomized: float
    complete_response: float
    overall_response: float
    switched: float
    repeated_course: float
    #: Intervention code → mean doses per patient.
    mean_doses: dict[str, float]
    death_by_week_52: float
    chronic_gvhd_by_week_52: float
    relapse_by_week_52: float


@dataclass(frozen=True, slots=True)
class OperatingCharacteristics:
    """What a statistician reads off a simulation of the trial."""

    scenario: str
    replicates: int
    seed: int
    subjects: int
    alpha: float
    #: Share of replicates whose primary test rejects: power, or type I error under a null.
    rejection_rate: float
    rejection_rate_mc_se: float
    difference_mean: float
    difference_sd: float
    #: Quantile (as a string, e.g. "0.025") → estimated CR difference (experimental − control).
    difference_quantiles: dict[str, float]
    expected_accrual_months: float
    arms: tuple[ArmSummary, ...]


def _rate(values: NDArray[np.generic], randomized: NDArray[np.int64], arm: int) -> float:
    return float(values[:, arm].sum() / randomized[:, arm].sum())


def summarise(
    outcomes: TrialOutcomes, scenario: Scenario, seed: int, alpha: float
) -> OperatingCharacteristics:
    """Summarise replicate outcomes into operating characteristics."""
    replicates = outcomes.rejected.size
    rate = float(outcomes.rejected.mean())
    randomized = outcomes.randomized
    arms = tuple(
        ArmSummary(
            arm=code,
            mean_randomized=float(randomized[:, a].mean()),
            complete_response=_rate(outcomes.complete_responses, randomized, a),
            overall_response=_rate(outcomes.overall_responses, randomized, a),
            switched=_rate(outcomes.switched, randomized, a),
            repeated_course=_rate(outcomes.repeated_course, randomized, a),
            mean_doses={c: _rate(d, randomized, a) for c, d in outcomes.doses},
            death_by_week_52=_rate(outcomes.deaths_by_week_52, randomized, a),
            chronic_gvhd_by_week_52=_rate(outcomes.chronic_gvhd_by_week_52, randomized, a),
            relapse_by_week_52=_rate(outcomes.relapse_by_week_52, randomized, a),
        )
        for a, code in enumerate(outcomes.arms)
    )
    quantiles = np.quantile(outcomes.difference, _QUANTILES)
    return OperatingCharacteristics(
        scenario=scenario.name,
        replicates=replicates,
        seed=seed,
        subjects=scenario.subjects,
        alpha=alpha,
        rejection_rate=rate,
        rejection_rate_mc_se=float(np.sqrt(rate * (1.0 - rate) / replicates)),
        difference_mean=float(outcomes.difference.mean()),
        difference_sd=float(outcomes.difference.std(ddof=1)) if replicates > 1 else 0.0,
        difference_quantiles={
            f"{q:g}": float(v) for q, v in zip(_QUANTILES, quantiles, strict=True)
        },
        expected_accrual_months=scenario.subjects / scenario.accrual.patients_per_month,
        arms=arms,
    )

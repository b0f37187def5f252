"""Virtual patients: baseline organ stages, raw weekly measurements, and their allocation.

Everything here is vectorised over a leading (replicate, patient) shape. Raw measurements are
drawn *inside* the measurement range of each latent organ stage, so that the domain's own
staging (:func:`~trialdesk.domain.gvhd.stage_arrays`) turns them back into stages: the simulator
never stages GVHD itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from trialdesk.domain.errors import InputError
from trialdesk.domain.gvhd import MeasurementArrays, grade_arrays
from trialdesk.domain.randomization import RandomizationSpec, choose_arms, level_code
from trialdesk.simulation.scenario import Baseline

__all__ = ["allocate_blocks", "baseline_stages", "raw_measurements", "stratum_cells"]

# Lower and upper ends of the raw value drawn for each stage 0-4 (MAGIC, adult thresholds).
_SKIN_BSA = np.array([[0.0, 0.0], [1.0, 24.0], [25.0, 50.0], [51.0, 100.0], [51.0, 100.0]])
_BILIRUBIN = np.array([[0.3, 1.9], [2.0, 3.0], [3.1, 6.0], [6.1, 15.0], [15.1, 30.0]])
_STOOL_ML = np.array([[0.0, 499.0], [500.0, 999.0], [1000.0, 1500.0], [1501.0, 3000.0], [0, 3000]])


def baseline_stages(
    baseline: Baseline, shape: tuple[int, ...], rng: np.random.Generator
) -> NDArray[np.int8]:
    """Organ stages at randomization, shape ``(*shape, 4)``, all of an eligible grade.

    Organs are drawn independently from the scenario's stage probabilities; patients whose MAGIC
    grade (the domain's :func:`~trialdesk.domain.gvhd.grade_arrays`) is below the minimum are
    drawn again until none is left.
    """
    stages = np.empty((*shape, 4), dtype=np.int8)
    todo = np.ones(shape, dtype=bool)
    for _ in range(1000):
        count = int(todo.sum())
        if count == 0:
            return stages
        draws = np.stack(
            [
                rng.choice(len(p), size=count, p=np.asarray(p) / sum(p))
                for p in baseline.organ_stage_probabilities
            ],
            axis=-1,
        ).astype(np.int8)
        stages[todo] = draws
        todo &= grade_arrays(stages) < baseline.minimum_grade
    raise InputError.single(
        "baseline.organ_stage_probabilities",
        f"almost never gives grade {baseline.minimum_grade} or higher",
    )


def _within(
    table: NDArray[np.float64], stage: NDArray[np.int8], u: NDArray[np.float64]
) -> NDArray[np.float64]:
    low, high = table[stage, 0], table[stage, 1]
    return np.asarray(low + u * (high - low))


def raw_measurements(stages: NDArray[np.int8], rng: np.random.Generator) -> MeasurementArrays:
    """Raw organ measurements whose MAGIC stages are ``stages`` (shape ``(..., 4)``)."""
    shape = stages.shape[:-1]
    u = rng.random((4, *shape))
    skin, liver, upper, lower = (stages[..., i] for i in range(4))
    skin_four = skin == 4
    lower_four = lower == 4
    return MeasurementArrays(
        skin_bsa_pct=_within(_SKIN_BSA, skin, u[0]),
        bullae=skin_four,
        desquamation_bsa_pct=np.where(skin_four, 6.0 + 20.0 * u[0], 0.0),
        bilirubin_mg_dl=_within(_BILIRUBIN, liver, u[1]),
        upper_gi_persistent=upper == 1,
        stool_ml_per_day=_within(_STOOL_ML, lower, u[3]),
        # Episodes are not counted in the virtual ward: volume alone stages the lower GI tract.
        stool_episodes_per_day=np.full(shape, np.nan),
        severe_abdominal_pain=lower_four,
        bloody_stool=np.zeros(shape, dtype=bool),
    )


def stratum_cells(
    spec: RandomizationSpec, raw: dict[str, NDArray[np.str_]], site_codes: Sequence[str]
) -> tuple[NDArray[np.int64], int]:
    """Stratum number of every patient from raw covariates, mapped by the domain's levels."""
    cell = np.zeros(next(iter(raw.values())).shape, dtype=np.int64)
    cells = 1
    for factor in spec.strata:
        levels = [lv.code for lv in factor.levels] or list(site_codes)
        if factor.source_field not in raw:
            raise InputError.single(factor.source_field, "is not a simulated covariate")
        values, inverse = np.unique(raw[factor.source_field], return_inverse=True)
        mapped = []
        for value in values.tolist():
            code = level_code(factor, value)
            if code is None or code not in levels:
                raise InputError.single(factor.source_field, f"value {value!r} has no level")
            mapped.append(levels.index(code))
        index = np.asarray(mapped, dtype=np.int64)[inverse].reshape(cell.shape)
        cell = cell * len(levels) + index
        cells *= len(levels)
    return cell, cells


def allocate_blocks(
    spec: RandomizationSpec, cell: NDArray[np.int64], cells: int, rng: np.random.Generator
) -> NDArray[np.int64]:
    """Permuted-block allocation within strata, one patient at a time for all replicates.

    Equivalent in distribution to drawing whole blocks with
    :func:`~trialdesk.domain.randomization.draw_blocks`: a block's size is drawn uniformly from
    the allowed sizes, and each next patient gets an arm with probability proportional to the
    arm's places left in the block — which makes every order of the block equally likely. The
    arm itself is chosen by the domain's :func:`~trialdesk.domain.randomization.choose_arms`.
    Looping over patients instead of (replicate, stratum) pairs keeps 10,000 replicates fast.

    Returns
    -------
    int array, shape of ``cell``
        Arm index into ``spec.ratio``.
    """
    weights = np.array([w for _, w in spec.ratio], dtype=np.int64)
    sizes = np.array(spec.block_sizes, dtype=np.int64)
    replicates, subjects = cell.shape
    left = np.zeros((replicates, cells, weights.size), dtype=np.int64)
    rows = np.arange(replicates)
    arms = np.empty(cell.shape, dtype=np.int64)
    for i in range(subjects):
        places = left[rows, cell[:, i]]
        empty = places.sum(axis=1) == 0
        if empty.any():
            size = sizes[rng.integers(sizes.size, size=int(empty.sum()))]
            places[empty] = weights * (size // weights.sum())[:, np.newaxis]
        chosen = choose_arms(places / places.sum(axis=1, keepdims=True), rng.random(replicates))
        places[rows, chosen] -= 1
        left[rows, cell[:, i]] = places
        arms[:, i] = chosen
    return arms

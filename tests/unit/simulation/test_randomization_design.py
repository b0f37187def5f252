"""The design simulator: imbalance and predictability of blocks, minimization and simple."""

import dataclasses

import numpy as np
import pytest

from trialdesk.domain.errors import InputError
from trialdesk.domain.randomization import MinimizationState, StratificationFactor, minimize
from trialdesk.simulation.randomization_design import (
    CovariateMix,
    DesignMethod,
    simulate_design,
    simulate_replicates,
)

REPLICATES = 400


@pytest.fixture
def spec(randomization_spec):
    return randomization_spec()


def _run(spec, method, seed=11, subjects=130, replicates=REPLICATES, mix=None):
    return simulate_replicates(spec, method, subjects, replicates, np.random.default_rng(seed), mix)


def test_blocks_never_let_a_stratum_drift_beyond_half_the_largest_block(spec) -> None:
    metrics = _run(spec, DesignMethod.BLOCKS)
    assert metrics.max_stratum_imbalance.max() <= 2
    # Overall imbalance is the sum of at most 12 open blocks' imbalances.
    assert metrics.overall_imbalance.max() <= 2 * 12


def test_blocks_and_minimization_balance_far_better_than_simple_randomization(spec) -> None:
    simple = _run(spec, DesignMethod.SIMPLE).overall_imbalance.mean()
    # Simple randomization of 130: E|n_A − n_B| ≈ sqrt(2 · 130 / π) ≈ 9.1.
    assert simple == pytest.approx(np.sqrt(2 * 130 / np.pi), rel=0.1)
    assert _run(spec, DesignMethod.BLOCKS).overall_imbalance.mean() < simple / 3
    assert _run(spec, DesignMethod.MINIMIZATION).overall_imbalance.mean() < simple / 3


def test_simple_randomization_is_unpredictable(spec) -> None:
    predictability = _run(spec, DesignMethod.SIMPLE).predictability
    guesses = REPLICATES * 130
    assert abs(predictability.mean() - 0.5) < 4 * np.sqrt(0.25 / guesses)


def test_blocks_of_two_are_predictable_three_times_out_of_four(randomization_spec) -> None:
    # First of each pair is a coin flip (credit 1/2), the second is certain; an unfinished pair
    # in each of the 12 strata can pull a trial's mean below 3/4 by at most 12 · 1/4 / 130.
    predictability = _run(randomization_spec(block_sizes=(2,)), DesignMethod.BLOCKS).predictability
    assert predictability.max() <= 0.75
    assert predictability.min() >= 0.75 - 12 * 0.25 / 130


def test_mixed_blocks_and_minimization_are_predictable_but_less_than_pairs(spec) -> None:
    for method in (DesignMethod.BLOCKS, DesignMethod.MINIMIZATION):
        mean = _run(spec, method).predictability.mean()
        assert 0.6 < mean < 0.75


def test_the_simulator_allocates_exactly_as_the_one_subject_minimization(spec) -> None:
    subjects = 60
    metrics = _run(spec, DesignMethod.MINIMIZATION, seed=5, subjects=subjects, replicates=1)
    rng = np.random.default_rng(5)
    raw = CovariateMix().draw(1, subjects, rng)
    state = MinimizationState.empty(spec)
    arms = []
    for i in range(subjects):
        subject = {field: values[0, i] for field, values in raw.items()}
        decision = minimize(spec, state, subject, rng)
        state = state.after(decision)
        arms.append(("msc_cd25", "cd25").index(decision.arm))
    assert metrics.arms[0].tolist() == arms
    assert metrics.overall_imbalance[0] == abs(arms.count(0) - arms.count(1))


def test_the_same_seed_gives_the_same_summary_and_another_seed_does_not(spec) -> None:
    first = simulate_design(spec, DesignMethod.BLOCKS, 130, 50, np.random.default_rng(3))
    again = simulate_design(spec, DesignMethod.BLOCKS, 130, 50, np.random.default_rng(3))
    other = simulate_design(spec, DesignMethod.BLOCKS, 130, 50, np.random.default_rng(4))
    assert first == again
    assert first != other
    assert first.replicates == 50
    assert first.strata == ("site", "baseline_grade")
    summary = first.overall_imbalance
    assert summary.q05 <= summary.q25 <= summary.median <= summary.q75 <= summary.q95 <= summary.max


def test_unequal_ratio_is_measured_on_ratio_adjusted_counts(randomization_spec) -> None:
    spec = randomization_spec(ratio=(("msc_cd25", 2), ("cd25", 1)), block_sizes=(3, 6))
    metrics = _run(spec, DesignMethod.BLOCKS, subjects=120, replicates=100)
    # Within a stratum an open block of 6 can be off by at most 2 (4 vs 2 → 2 − 2, or 0 vs 2 → 2).
    assert metrics.max_stratum_imbalance.max() <= 2


def test_a_single_replicate_reports_a_zero_sd(spec) -> None:
    summary = simulate_design(spec, DesignMethod.SIMPLE, 10, 1, np.random.default_rng(0))
    assert summary.predictability.sd == 0.0


def test_bad_sizes_and_missing_minimization_settings_are_named(spec) -> None:
    with pytest.raises(InputError) as caught:
        _run(
            dataclasses.replace(spec, minimization=None),
            DesignMethod.MINIMIZATION,
            subjects=0,
            replicates=-1,
        )
    assert [e.field for e in caught.value.errors] == [
        "subjects",
        "replicates",
        "randomization.minimization",
    ]


def test_a_factor_the_simulator_does_not_draw_is_refused(spec) -> None:
    extra = StratificationFactor("age_group", "Age", "age_group")
    with pytest.raises(InputError, match="age_group: is not a simulated covariate"):
        _run(dataclasses.replace(spec, strata=(extra,)), DesignMethod.BLOCKS, replicates=2)


def test_a_simulated_value_outside_the_protocol_levels_is_refused(spec) -> None:
    only_ii = dataclasses.replace(spec.strata[1], levels=spec.strata[1].levels[:1])
    with pytest.raises(InputError, match="baseline_grade: simulated value '3' has no level"):
        _run(dataclasses.replace(spec, strata=(only_ii,)), DesignMethod.BLOCKS, replicates=5)


def test_an_unusable_covariate_mix_is_refused_naming_each_parameter(spec) -> None:
    mix = CovariateMix(site_weights=(("S01", 1.0), ("S01", 0.0)), p_gi_involvement=1.5)
    with pytest.raises(InputError) as caught:
        _run(spec, DesignMethod.BLOCKS, mix=mix)
    assert [e.field for e in caught.value.errors] == [
        "site_weights",
        "site_weights",
        "p_gi_involvement",
    ]


def test_no_strata_means_one_stratum_the_whole_trial(spec) -> None:
    metrics = _run(dataclasses.replace(spec, strata=()), DesignMethod.BLOCKS, replicates=50)
    np.testing.assert_array_equal(metrics.max_stratum_imbalance, metrics.overall_imbalance)
    assert metrics.overall_imbalance.max() <= 2

"""The trial simulator: calibration, type I error, power, reproducibility and the domain rules."""

import math

import numpy as np
import pytest

from trialdesk.adapters.scenario_file import builtin_scenario_path, read_scenario_file
from trialdesk.bootstrap import load_protocol
from trialdesk.domain.errors import InputError
from trialdesk.domain.gvhd import grade_arrays, stage_arrays
from trialdesk.domain.protocol import Protocol
from trialdesk.simulation.operating import (
    OperatingCharacteristics,
    plan_batches,
    simulate_locally,
    summarise,
)
from trialdesk.simulation.patients import allocate_blocks, baseline_stages, raw_measurements
from trialdesk.simulation.scenario import Scenario
from trialdesk.simulation.trial import simulate_trials
from trialdesk.stats.sample_size import TwoProportionDesign, analytic_power

REPLICATES = 4000


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return load_protocol()


def _scenario(name: str) -> Scenario:
    return read_scenario_file(builtin_scenario_path(name))


def _run(protocol: Protocol, name: str, seed: int) -> OperatingCharacteristics:
    scenario = _scenario(name)
    outcomes = simulate_locally(protocol, scenario, plan_batches(REPLICATES, seed))
    return summarise(outcomes, scenario, seed, protocol.analysis.alpha)


@pytest.fixture(scope="module")
def default_run(protocol: Protocol) -> OperatingCharacteristics:
    return _run(protocol, "default", 20260)


@pytest.fixture(scope="module")
def null_run(protocol: Protocol) -> OperatingCharacteristics:
    return _run(protocol, "null", 20261)


def _within_monte_carlo_error(observed: float, expected: float, patients: float) -> bool:
    # Four standard errors, plus 0.002 for rounding the calibrated weekly probabilities.
    return abs(observed - expected) <= 4 * math.sqrt(expected * (1 - expected) / patients) + 0.002


def test_the_default_scenario_is_calibrated_to_cr_075_with_msc_and_050_without(
    default_run: OperatingCharacteristics,
) -> None:
    msc, control = default_run.arms
    assert (msc.arm, control.arm) == ("msc_cd25", "cd25")
    for arm, target in ((msc, 0.75), (control, 0.50)):
        assert _within_monte_carlo_error(
            arm.complete_response, target, arm.mean_randomized * REPLICATES
        ), (arm.arm, arm.complete_response)


def test_the_null_scenario_gives_cr_050_in_both_arms(null_run: OperatingCharacteristics) -> None:
    for arm in null_run.arms:
        assert _within_monte_carlo_error(
            arm.complete_response, 0.50, arm.mean_randomized * REPLICATES
        )


def test_type_i_error_under_the_null_is_005_within_monte_carlo_error(
    null_run: OperatingCharacteristics,
) -> None:
    se = math.sqrt(0.05 * 0.95 / REPLICATES)
    assert abs(null_run.rejection_rate - 0.05) <= 3 * se, null_run.rejection_rate


def test_power_of_the_default_scenario_agrees_with_the_analytic_power(
    default_run: OperatingCharacteristics,
) -> None:
    per_arm = default_run.subjects / 2
    expected = analytic_power(TwoProportionDesign(0.50, 0.75), per_arm)
    se = math.sqrt(expected * (1 - expected) / REPLICATES)
    assert abs(default_run.rejection_rate - expected) <= 3 * se, (
        default_run.rejection_rate,
        expected,
    )
    assert default_run.difference_mean == pytest.approx(0.25, abs=0.01)


def test_response_rates_and_doses_follow_the_protocol(
    default_run: OperatingCharacteristics,
) -> None:
    for arm in default_run.arms:
        assert arm.complete_response < arm.overall_response <= 1
        # One course gives at most 5 anti-CD25 doses, a repeated course 5 more.
        assert 0 < arm.mean_doses["anti_cd25"] <= 5 + 5 * arm.repeated_course
    msc, control = default_run.arms
    assert control.mean_doses["uc_msc"] == 0
    assert 0 < msc.mean_doses["uc_msc"] <= 4 + 4 * msc.repeated_course
    # More failures without MSC: more switches after PD or NR.
    assert control.switched > msc.switched


def test_the_same_seed_gives_identical_results_and_another_seed_does_not(
    protocol: Protocol,
) -> None:
    scenario = _scenario("default")
    first = simulate_locally(protocol, scenario, plan_batches(1200, 5))
    again = simulate_locally(protocol, scenario, plan_batches(1200, 5))
    other = simulate_locally(protocol, scenario, plan_batches(1200, 6))
    assert np.array_equal(first.complete_responses, again.complete_responses)
    assert np.array_equal(first.difference, again.difference)
    assert not np.array_equal(first.difference, other.difference)


def test_batches_are_seeded_independently_of_how_they_are_run(protocol: Protocol) -> None:
    scenario = _scenario("default")
    batches = plan_batches(1100, 9)
    assert [b.replicates for b in batches] == [500, 500, 100]
    whole = simulate_locally(protocol, scenario, batches)
    last_alone = simulate_locally(protocol, scenario, batches[2:])
    assert np.array_equal(whole.difference[1000:], last_alone.difference)


def test_raw_measurements_stage_back_to_the_latent_stages_through_the_domain() -> None:
    rng = np.random.default_rng(3)
    stages = baseline_stages(_scenario("default").baseline, (200, 130), rng)
    assert grade_arrays(stages).min() >= 2
    assert np.array_equal(stage_arrays(raw_measurements(stages, rng)).stages, stages)


def test_block_allocation_balances_every_completed_block(protocol: Protocol) -> None:
    rng = np.random.default_rng(8)
    cell = rng.integers(0, 3, size=(500, 130))
    arms = allocate_blocks(protocol.randomization, cell, 3, rng)
    for c in range(3):
        inside = cell == c
        running = np.cumsum(np.where(inside, 2 * arms - 1, 0), axis=1)
        # Blocks of 2 and 4: within a stratum the arms never drift more than 2 apart.
        assert np.abs(running).max() <= 2
    assert abs(arms.mean() - 0.5) < 0.01


def test_a_trial_simulation_refuses_zero_replicates(protocol: Protocol) -> None:
    with pytest.raises(InputError, match="replicates"):
        simulate_trials(protocol, _scenario("default"), 0, np.random.default_rng(1))

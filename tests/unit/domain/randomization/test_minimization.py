"""Pocock–Simon minimization: hand-computed scores, the biased coin, and balance it buys."""

import numpy as np
import pytest

from trialdesk.domain.errors import InputError
from trialdesk.domain.randomization import (
    ImbalanceMeasure,
    MinimizationState,
    RandomizationMethod,
    arm_scores,
    assignment_probabilities,
    choose_arms,
    imbalance,
    minimize,
)

# Counts at the new subject's levels: site level [3, 1], grade level [2, 2]; weights 1 and 2.
LEVEL_COUNTS = np.array([[3, 1], [2, 2]])
WEIGHTS = np.array([1.0, 2.0])
ONE_TO_ONE = np.array([1.0, 1.0])


@pytest.mark.parametrize(
    ("measure", "expected"),
    [
        # Arm A: site [4,1], grade [3,2]; arm B: site [3,2], grade [2,3].
        (ImbalanceMeasure.RANGE, [1 * 3 + 2 * 1, 1 * 1 + 2 * 1]),
        # Sample variance of two counts is (a − b)² / 2.
        (ImbalanceMeasure.VARIANCE, [1 * 4.5 + 2 * 0.5, 1 * 0.5 + 2 * 0.5]),
        (ImbalanceMeasure.SD, [np.sqrt(4.5) + 2 * np.sqrt(0.5), np.sqrt(0.5) + 2 * np.sqrt(0.5)]),
    ],
)
def test_each_imbalance_measure_matches_a_hand_computed_example(measure, expected) -> None:
    scores = arm_scores(LEVEL_COUNTS, WEIGHTS, ONE_TO_ONE, measure)
    np.testing.assert_allclose(scores, expected)


def test_imbalance_of_three_arms_by_hand() -> None:
    counts = np.array([2.0, 0.0, 1.0])  # mean 1, squared deviations 1 + 1 + 0
    assert imbalance(counts, ImbalanceMeasure.RANGE) == 2
    assert imbalance(counts, ImbalanceMeasure.VARIANCE) == pytest.approx(1.0)
    assert imbalance(counts, ImbalanceMeasure.SD) == pytest.approx(1.0)


def test_unequal_ratio_counts_are_compared_after_dividing_by_the_weights() -> None:
    # 2:1 with 4 vs 2 already is balanced; adding to the 2-weight arm gives 5/2 vs 2 (0.5),
    # adding to the other gives 2 vs 3 (1.0), so the 2-weight arm is preferred.
    scores = arm_scores(np.array([[4, 2]]), np.array([1.0]), np.array([2.0, 1.0]), "range")
    np.testing.assert_allclose(scores, [0.5, 1.0])


def test_probabilities_follow_the_biased_coin_and_the_ratio_on_ties() -> None:
    np.testing.assert_allclose(
        assignment_probabilities(np.array([3.0, 5.0]), ONE_TO_ONE, 0.8), [0.8, 0.2]
    )
    np.testing.assert_allclose(
        assignment_probabilities(np.array([1.0, 1.0]), np.array([2.0, 1.0]), 0.8), [2 / 3, 1 / 3]
    )
    # Three arms, two tied for best: p shared between them, the rest to the third.
    np.testing.assert_allclose(
        assignment_probabilities(np.array([1.0, 1.0, 2.0]), np.array([1.0, 1.0, 1.0]), 0.9),
        [0.45, 0.45, 0.1],
    )


def test_choose_arms_maps_uniforms_onto_cumulative_probabilities() -> None:
    probabilities = np.array([[0.8, 0.2]] * 4)
    assert choose_arms(probabilities, np.array([0.0, 0.79, 0.8, 0.999999])).tolist() == [0, 0, 1, 1]
    almost = np.array([0.3, 0.3, 0.3999999])  # cumulative sum a hair below 1
    assert choose_arms(almost, np.array(0.9999999999)) == 2


def _subject(site: str = "S01", grade: int = 3, gi: str = "yes") -> dict[str, object]:
    return {"site": site, "baseline_grade": grade, "gi_involvement": gi}


def test_first_subject_is_simple_randomization_with_the_scores_recorded(randomization_spec) -> None:
    spec = randomization_spec(method=RandomizationMethod.MINIMIZATION)
    decision = minimize(spec, MinimizationState.empty(spec), _subject(), np.random.default_rng(1))
    assert decision.preferred == ("msc_cd25", "cd25")
    assert decision.probabilities == (("msc_cd25", 0.5), ("cd25", 0.5))
    assert decision.scores == (("msc_cd25", 3.0), ("cd25", 3.0))
    assert decision.levels == {"site": "S01", "baseline_grade": "III-IV", "gi_involvement": "yes"}
    assert decision.went_to_preferred


def test_first_subjects_go_to_both_arms(randomization_spec) -> None:
    spec = randomization_spec(method=RandomizationMethod.MINIMIZATION)
    rng = np.random.default_rng(3)
    arms = {minimize(spec, MinimizationState.empty(spec), _subject(), rng).arm for _ in range(50)}
    assert arms == {"msc_cd25", "cd25"}


def test_the_preferred_arm_is_chosen_with_probability_p(randomization_spec) -> None:
    spec = randomization_spec(method=RandomizationMethod.MINIMIZATION, p_preferred=0.8)
    state = MinimizationState.empty(spec).with_allocation(
        {"site": "S01", "baseline_grade": "III-IV", "gi_involvement": "yes"}, "cd25"
    )
    rng = np.random.default_rng(20250301)
    draws = 4000
    decisions = [minimize(spec, state, _subject(), rng) for _ in range(draws)]
    assert {d.preferred for d in decisions} == {("msc_cd25",)}
    share = np.mean([d.arm == "msc_cd25" for d in decisions])
    assert abs(share - 0.8) < 4 * np.sqrt(0.8 * 0.2 / draws)  # 4 binomial standard deviations


def test_p_of_one_is_deterministic_minimization(randomization_spec) -> None:
    spec = randomization_spec(method=RandomizationMethod.MINIMIZATION, p_preferred=1.0)
    state = MinimizationState.empty(spec).with_allocation({"site": "S01"}, "msc_cd25")
    rng = np.random.default_rng(0)
    assert {minimize(spec, state, _subject(), rng).arm for _ in range(200)} == {"cd25"}


def test_state_updates_are_pure(randomization_spec) -> None:
    spec = randomization_spec(method=RandomizationMethod.MINIMIZATION)
    empty = MinimizationState.empty(spec)
    decision = minimize(
        spec, empty, _subject(site="S02", grade=2, gi=False), np.random.default_rng(9)
    )
    after = empty.after(decision)
    assert empty.total == 0
    assert empty.level_counts("site", "S02") == (0, 0)
    assert after.total == 1
    expected = (1, 0) if decision.arm == "msc_cd25" else (0, 1)
    assert after.level_counts("site", "S02") == expected
    assert after.level_counts("gi_involvement", "no") == expected
    assert after.level_counts("baseline_grade", "II") == expected
    assert after.level_counts("baseline_grade", "III-IV") == (0, 0)


def test_a_subject_with_missing_factor_values_is_refused(randomization_spec) -> None:
    spec = randomization_spec(method=RandomizationMethod.MINIMIZATION)
    with pytest.raises(InputError) as caught:
        minimize(spec, MinimizationState.empty(spec), {"site": "S01"}, np.random.default_rng(0))
    assert [e.field for e in caught.value.errors] == ["baseline_grade", "gi_involvement"]


def _worst_margin(state: MinimizationState) -> int:
    return max(abs(a - b) for a, b in state.counts.values())


def test_minimization_keeps_margins_tighter_than_simple_randomization(randomization_spec) -> None:
    spec = randomization_spec(method=RandomizationMethod.MINIMIZATION)
    rng = np.random.default_rng(42)
    minimized, simple = [], []
    for _ in range(30):
        state = coin = MinimizationState.empty(spec)
        for _ in range(130):
            subject = _subject(
                site=f"S0{rng.integers(1, 5)}",
                grade=int(rng.integers(2, 5)),
                gi=bool(rng.random() < 0.6),
            )
            decision = minimize(spec, state, subject, rng)
            state = state.after(decision)
            coin = coin.with_allocation(decision.levels, ("msc_cd25", "cd25")[rng.integers(2)])
        minimized.append(_worst_margin(state))
        simple.append(_worst_margin(coin))
    # Simple randomization's worst margin over 8 levels of 130 subjects is typically 10–15;
    # minimization with p = 0.8 holds it to a few subjects.
    assert np.mean(minimized) < np.mean(simple) / 2
    assert max(minimized) <= 6

"""A randomization spec is refused with every problem named by its field."""

import dataclasses

import pytest

from trialdesk.domain.errors import InputError
from trialdesk.domain.randomization import (
    MAX_SEED,
    MinimizationFactor,
    RandomizationMethod,
    StratificationFactor,
    StratumLevel,
    validate_list_seed,
    validate_spec,
)


def _fields(error: InputError) -> dict[str, str]:
    return {e.field: e.message for e in error.errors}


def test_the_protocol_default_spec_is_valid(randomization_spec) -> None:
    validate_spec(randomization_spec())
    validate_spec(randomization_spec(method=RandomizationMethod.MINIMIZATION))


def test_block_size_that_is_not_a_multiple_of_the_ratio_sum_is_refused(randomization_spec) -> None:
    spec = randomization_spec(ratio=(("a", 2), ("b", 1)), block_sizes=(3, 4, 6))
    with pytest.raises(InputError) as caught:
        validate_spec(spec)
    assert _fields(caught.value) == {
        "randomization.block_sizes[1]": "4 is not a multiple of the ratio's sum 3"
    }


def test_non_positive_duplicate_or_missing_block_sizes_are_refused(randomization_spec) -> None:
    with pytest.raises(InputError) as caught:
        validate_spec(randomization_spec(block_sizes=(0, 2, 2)))
    fields = _fields(caught.value)
    assert "must be a positive integer" in fields["randomization.block_sizes[0]"]
    assert fields["randomization.block_sizes"] == "lists a block size twice"
    with pytest.raises(InputError, match="needs at least one block size"):
        validate_spec(randomization_spec(block_sizes=()))


def test_ratio_needs_two_distinct_arms_with_integer_weights(randomization_spec) -> None:
    with pytest.raises(InputError) as caught:
        validate_spec(randomization_spec(ratio=(("a", 0),), block_sizes=(2,)))
    fields = _fields(caught.value)
    assert fields["randomization.ratio"] == "needs at least two arms"
    assert fields["randomization.ratio[0]"] == "weight of 'a' must be an integer ≥ 1"
    with pytest.raises(InputError, match="names an arm twice"):
        validate_spec(randomization_spec(ratio=(("a", 1), ("a", 1))))
    with pytest.raises(InputError, match=r"ratio\[1\]: arm code is empty"):
        validate_spec(randomization_spec(ratio=(("a", 1), ("", 1))))


@pytest.mark.parametrize("p", [0.5, 0.2, 1.01, float("nan")])
def test_p_preferred_outside_half_open_interval_is_refused(randomization_spec, p) -> None:
    with pytest.raises(InputError) as caught:
        validate_spec(randomization_spec(p_preferred=p))
    assert "must be in (0.5, 1]" in _fields(caught.value)["randomization.minimization.p_preferred"]


def test_p_preferred_of_one_means_deterministic_minimization_and_is_allowed(
    randomization_spec,
) -> None:
    validate_spec(randomization_spec(p_preferred=1.0))


@pytest.mark.parametrize("weight", [0.0, -1.0, float("inf")])
def test_factor_weight_must_be_positive_and_finite(randomization_spec, weight) -> None:
    with pytest.raises(InputError) as caught:
        validate_spec(randomization_spec(weights=(1.0, weight, 1.0)))
    assert _fields(caught.value) == {
        "randomization.minimization.factors[1].weight": f"must be > 0, not {weight}"
    }


def test_minimization_needs_settings_and_at_least_one_factor(randomization_spec) -> None:
    spec = randomization_spec(method=RandomizationMethod.MINIMIZATION)
    with pytest.raises(InputError, match="minimization: is required for minimization"):
        validate_spec(dataclasses.replace(spec, minimization=None))
    empty = dataclasses.replace(spec.minimization, factors=())
    with pytest.raises(InputError, match="factors: needs at least one factor"):
        validate_spec(dataclasses.replace(spec, minimization=empty))


def test_factors_with_duplicate_codes_levels_or_values_are_refused(randomization_spec) -> None:
    broken = StratificationFactor(
        "",
        "Broken",
        "",
        (StratumLevel("x", "X", ("1", "2")), StratumLevel("x", "X again", ("2",))),
    )
    spec = randomization_spec()
    spec = dataclasses.replace(spec, strata=(spec.strata[0], spec.strata[0], broken))
    with pytest.raises(InputError) as caught:
        validate_spec(spec)
    fields = _fields(caught.value)
    assert fields["randomization.strata"] == "names a factor twice"
    assert fields["randomization.strata[2].code"] == "is empty"
    assert fields["randomization.strata[2].source_field"] == "is empty"
    messages = [
        e.message for e in caught.value.errors if e.field == "randomization.strata[2].levels"
    ]
    assert messages == ["names a level twice", "value '2' is in two levels"]


def test_minimization_factor_problems_are_named_under_minimization(randomization_spec) -> None:
    spec = randomization_spec()
    unnamed = MinimizationFactor(StratificationFactor("", "?", "x"), 1.0)
    minimization = dataclasses.replace(spec.minimization, factors=(unnamed,))
    with pytest.raises(InputError, match=r"minimization\.factors\[0\]\.code: is empty"):
        validate_spec(dataclasses.replace(spec, minimization=minimization))


@pytest.mark.parametrize("seed", [-1, MAX_SEED + 1, 1.5, True, "42"])
def test_list_seed_must_be_an_integer_of_at_most_128_bits(seed) -> None:
    with pytest.raises(InputError, match="seed: must be an integer between 0 and 2"):
        validate_list_seed(seed)


def test_list_seed_bounds_are_accepted() -> None:
    assert validate_list_seed(0) == 0
    assert validate_list_seed(MAX_SEED) == MAX_SEED

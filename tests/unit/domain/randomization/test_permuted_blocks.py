"""Stratified permuted blocks: balanced blocks, bounded imbalance, reproducible lists."""

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialdesk.domain.errors import InputError
from trialdesk.domain.randomization import (
    MAX_SEED,
    RandomizationMethod,
    RandomizationSpec,
    StratumKey,
    draw_blocks,
    generate_list,
    generate_stratum_list,
    stratum_generator,
)

STRATUM = StratumKey((("site", "S01"), ("baseline_grade", "II")))


@st.composite
def designs(draw, *, one_to_one: bool = False):
    weights = [1, 1] if one_to_one else draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    total = sum(weights)
    multiples = draw(st.sets(st.integers(1, 4), min_size=1, max_size=3))
    ratio = tuple((f"arm{i}", w) for i, w in enumerate(weights))
    return ratio, tuple(sorted(m * total for m in multiples))


@settings(max_examples=150, deadline=None)
@given(design=designs(), length=st.integers(0, 120), seed=st.integers(0, MAX_SEED))
def test_every_completed_block_holds_each_arm_exactly_in_the_ratio(design, length, seed) -> None:
    ratio, sizes = design
    blocks = draw_blocks(ratio, sizes, length, np.random.default_rng(seed))
    assert len(blocks) >= length
    assert len(blocks) - length < max(sizes)  # only whole blocks, and no block more than needed
    total = sum(w for _, w in ratio)
    for number in np.unique(blocks.block_number):
        inside = blocks.block_number == number
        size = int(blocks.block_size[inside][0])
        assert size in sizes
        assert inside.sum() == size
        counts = np.bincount(blocks.arm_index[inside], minlength=len(ratio))
        assert counts.tolist() == [w * size // total for _, w in ratio]


@settings(max_examples=150, deadline=None)
@given(design=designs(one_to_one=True), length=st.integers(1, 150), seed=st.integers(0, 2**64))
def test_within_stratum_imbalance_never_exceeds_half_the_largest_block(
    design, length, seed
) -> None:
    _, sizes = design
    entries = generate_stratum_list(_spec_with(sizes), seed, "L1", STRATUM, length)
    running = np.cumsum([1 if e.arm == "msc_cd25" else -1 for e in entries])
    assert np.abs(running).max() <= max(sizes) // 2
    block_ends = [e.position for e in entries if e.position == _last_position(entries, e)]
    assert all(running[end - 1] == 0 for end in block_ends)


def _spec_with(sizes):
    return RandomizationSpec(
        RandomizationMethod.STRATIFIED_BLOCKS, (("msc_cd25", 1), ("cd25", 1)), sizes, (), None
    )


def _last_position(entries, entry):
    return max(e.position for e in entries if e.block_number == entry.block_number)


def test_the_same_seed_list_and_stratum_reproduce_the_same_list(randomization_spec) -> None:
    spec = randomization_spec()
    first = generate_stratum_list(spec, 123456789, "prod-1", STRATUM, 60)
    again = generate_stratum_list(spec, 123456789, "prod-1", STRATUM.code, 60)
    assert first == again
    assert [e.position for e in first] == list(range(1, len(first) + 1))
    assert {e.stratum for e in first} == {"site=S01/baseline_grade=II"}


def test_different_seeds_lists_or_strata_give_different_lists(randomization_spec) -> None:
    spec = randomization_spec()

    def arms(seed: int, list_id: str, stratum: str) -> list[str]:
        return [e.arm for e in generate_stratum_list(spec, seed, list_id, stratum, 80)]

    base = arms(1, "prod-1", "site=S01/baseline_grade=II")
    assert arms(2, "prod-1", "site=S01/baseline_grade=II") != base
    assert arms(1, "test-1", "site=S01/baseline_grade=II") != base
    assert arms(1, "prod-1", "site=S02/baseline_grade=II") != base


def test_a_stratum_opened_later_gets_the_same_list_as_if_generated_up_front(
    randomization_spec,
) -> None:
    spec = randomization_spec()
    strata = ["site=S01/baseline_grade=II", "site=S01/baseline_grade=III-IV"]
    up_front = generate_list(spec, 99, "prod-1", [*strata, "site=S07/baseline_grade=II"], 20)
    later = generate_stratum_list(spec, 99, "prod-1", "site=S07/baseline_grade=II", 20)
    assert [e for e in up_front if e.stratum.startswith("site=S07")] == later


def test_a_longer_list_starts_with_the_shorter_one(randomization_spec) -> None:
    spec = randomization_spec()
    short = generate_stratum_list(spec, 5, "prod-1", STRATUM, 10)
    long = generate_stratum_list(spec, 5, "prod-1", STRATUM, 100)
    assert long[: len(short)] == short


def test_block_sizes_vary_and_both_sizes_occur_about_equally(randomization_spec) -> None:
    entries = generate_stratum_list(randomization_spec(), 2024, "prod-1", STRATUM, 3000)
    sizes = Counter(e.block_size for e in entries if e.position == _first_of_block(entries, e))
    blocks = sum(sizes.values())
    assert set(sizes) == {2, 4}
    # Each size is chosen with probability 1/2: allow 4 binomial standard deviations.
    assert abs(sizes[2] / blocks - 0.5) < 4 * np.sqrt(0.25 / blocks)


def _first_of_block(entries, entry):
    return min(e.position for e in entries if e.block_number == entry.block_number)


def test_unequal_ratio_blocks_hold_two_to_one(randomization_spec) -> None:
    spec = randomization_spec(ratio=(("msc_cd25", 2), ("cd25", 1)), block_sizes=(3, 6))
    entries = generate_stratum_list(spec, 7, "prod-1", STRATUM, 300)
    counts = Counter(e.arm for e in entries)
    assert counts["msc_cd25"] == 2 * counts["cd25"]


def test_zero_length_gives_an_empty_list_and_negative_length_is_refused(
    randomization_spec,
) -> None:
    spec = randomization_spec()
    assert generate_stratum_list(spec, 1, "prod-1", STRATUM, 0) == []
    with pytest.raises(InputError, match="length: must be ≥ 0"):
        generate_stratum_list(spec, 1, "prod-1", STRATUM, -1)
    with pytest.raises(InputError, match="list_id: is empty"):
        generate_stratum_list(spec, 1, "", STRATUM, 4)


def test_an_out_of_range_seed_is_refused_before_any_list_is_made() -> None:
    with pytest.raises(InputError, match="seed"):
        stratum_generator(-5, "prod-1", STRATUM)


def test_an_invalid_spec_is_refused_before_generating(randomization_spec) -> None:
    with pytest.raises(InputError, match=r"block_sizes\[0\]"):
        generate_stratum_list(randomization_spec(block_sizes=(3,)), 1, "prod-1", STRATUM, 4)

"""Verification regenerates lists from the seed and checks allocations against them."""

import dataclasses
import datetime as dt

import pytest

from trialdesk.domain.errors import IntegrityError
from trialdesk.domain.randomization import (
    AllocationRecord,
    generate_list,
    verify_allocations,
    verify_list,
)

SEED = 31337
STRATA = ["site=S01/baseline_grade=II", "site=S01/baseline_grade=III-IV"]


@pytest.fixture
def stored(randomization_spec):
    return generate_list(randomization_spec(), SEED, "prod-1", STRATA, 12)


def _allocations(entries, count):
    at = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
    return [
        AllocationRecord(f"P{i:03d}", e.arm, e.stratum, e.list_id, e.position, at, "coordinator")
        for i, e in enumerate(entries[:count])
    ]


def test_an_untouched_list_verifies(randomization_spec, stored) -> None:
    report = verify_list(randomization_spec(), SEED, "prod-1", stored)
    assert report.ok
    assert report.checked == len(stored)
    report.raise_if_failed()


def test_a_changed_arm_is_found_at_its_position(randomization_spec, stored) -> None:
    victim = stored[3]
    flipped = "cd25" if victim.arm == "msc_cd25" else "msc_cd25"
    tampered = [*stored[:3], dataclasses.replace(victim, arm=flipped), *stored[4:]]
    report = verify_list(randomization_spec(), SEED, "prod-1", tampered)
    assert [(d.stratum, d.position) for d in report.discrepancies] == [
        (victim.stratum, victim.position)
    ]
    assert f"arm is {flipped!r}, the seed gives {victim.arm!r}" in str(report.discrepancies[0])
    with pytest.raises(IntegrityError, match="list prod-1 failed verification"):
        report.raise_if_failed()


def test_the_wrong_seed_fails_verification(randomization_spec, stored) -> None:
    assert not verify_list(randomization_spec(), SEED + 1, "prod-1", stored).ok


def test_removed_duplicated_and_foreign_entries_are_reported(randomization_spec, stored) -> None:
    first = [e for e in stored if e.stratum == STRATA[0]]
    foreign = dataclasses.replace(first[0], list_id="test-1")
    tampered = [first[0], first[0], *first[2:], foreign]
    problems = [
        str(d) for d in verify_list(randomization_spec(), SEED, "prod-1", tampered).discrepancies
    ]
    assert f"{STRATA[0]} #1: belongs to list 'test-1'" in problems
    assert f"{STRATA[0]} #1: is used twice" in problems
    assert f"{STRATA[0]}: positions skipped: 2" in problems


def test_a_list_cut_inside_a_block_or_beyond_its_end_is_reported(randomization_spec) -> None:
    spec = randomization_spec(block_sizes=(4,))
    full = generate_list(spec, SEED, "prod-1", STRATA[:1], 8)
    problems = [str(d) for d in verify_list(spec, SEED, "prod-1", full[:6]).discrepancies]
    assert problems == [f"{STRATA[0]}: ends inside block 2"]
    beyond = [*full, dataclasses.replace(full[0], position=0)]
    problems = [str(d) for d in verify_list(spec, SEED, "prod-1", beyond).discrepancies]
    assert f"{STRATA[0]} #0: is not a list position" in problems


def test_allocations_that_follow_the_list_verify(stored) -> None:
    report = verify_allocations("prod-1", stored, _allocations(stored, 8))
    assert report.ok
    assert report.checked == 8


def test_allocations_off_the_list_are_reported(stored) -> None:
    allocations = _allocations(stored, 4)
    wrong_arm = "cd25" if allocations[1].arm == "msc_cd25" else "msc_cd25"
    allocations[1] = dataclasses.replace(allocations[1], arm=wrong_arm)
    allocations.append(dataclasses.replace(allocations[0], subject_id="P999", position=500))
    allocations.append(dataclasses.replace(allocations[0], subject_id="X", list_id="test-1"))
    problems = [str(d) for d in verify_allocations("prod-1", stored, allocations).discrepancies]
    assert problems[0].startswith(f"{STRATA[0]} #2: subject P001 got {wrong_arm!r}")
    assert f"{STRATA[0]} #500: is not a position of the list" in problems


def test_allocations_that_skip_reuse_or_reorder_positions_are_reported(stored) -> None:
    a = _allocations(stored, 4)
    problems = [
        str(d) for d in verify_allocations("prod-1", stored, [a[0], a[2], a[1], a[2]]).discrepancies
    ]
    assert f"{STRATA[0]} #2: used out of list order" in problems
    assert f"{STRATA[0]} #3: is used twice" in problems
    problems = [str(d) for d in verify_allocations("prod-1", stored, [a[0], a[3]]).discrepancies]
    assert problems == [f"{STRATA[0]}: positions skipped: 2, 3"]


def test_an_integrity_error_names_at_most_five_discrepancies(stored) -> None:
    a = _allocations(stored, 1)
    report = verify_allocations("prod-1", stored, [a[0]] * 8)
    with pytest.raises(IntegrityError, match=r"\(and 2 more\)$"):
        report.raise_if_failed()

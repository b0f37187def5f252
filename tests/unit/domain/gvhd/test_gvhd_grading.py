"""Overall grade 0–IV: MAGIC (clinical.md §1.2) and modified Glucksberg (§1.3)."""

import itertools

import numpy as np
import pytest

from trialdesk.domain.errors import InputError
from trialdesk.domain.gvhd import GradingSystem, OrganStages, grade, grade_arrays, grade_label

MAGIC = GradingSystem.MAGIC
GLUCKSBERG = GradingSystem.GLUCKSBERG

ALL_STAGES = [
    (s, li, u, g) for s, li, u, g in itertools.product(range(5), range(5), range(2), range(5))
]


@pytest.mark.parametrize(
    ("stages", "expected"),
    [
        ((3, 0, 0, 0), 2),
        ((0, 0, 0, 2), 3),
        ((2, 0, 1, 0), 2),
        ((1, 0, 0, 0), 1),
        ((4, 0, 0, 0), 4),
        ((3, 3, 1, 3), 3),
        ((0, 0, 1, 0), 2),
    ],
)
def test_magic_grade_matches_every_reference_case(
    stages: tuple[int, int, int, int], expected: int
) -> None:
    assert grade(OrganStages(*stages), MAGIC) == expected


def _magic_table_row(skin: int, liver: int, upper: int, lower: int) -> int:
    """The §1.2 table read literally: check IV down to 0, first match wins."""
    if 4 in (skin, liver, lower):
        return 4
    if liver in (2, 3) or lower in (2, 3):
        return 3
    if skin == 3 or liver == 1 or upper == 1 or lower == 1:
        return 2
    if skin in (1, 2):
        return 1
    return 0


def test_magic_grade_agrees_with_the_table_read_from_iv_down_for_all_stage_combinations() -> None:
    expected = [_magic_table_row(*stages) for stages in ALL_STAGES]
    assert grade_arrays(np.array(ALL_STAGES), MAGIC).tolist() == expected


def test_magic_grade_is_not_the_maximum_stage() -> None:
    assert grade(OrganStages(3, 0, 0, 0)) == 2
    assert grade(OrganStages(0, 0, 0, 2)) == 3


@pytest.mark.parametrize(
    ("stages", "expected"),
    [
        ((0, 0, 0, 0), 0),
        ((1, 0, 0, 0), 1),
        ((2, 0, 0, 0), 1),
        ((3, 0, 0, 0), 2),
        ((0, 1, 0, 0), 2),
        ((0, 0, 0, 1), 2),
        ((0, 2, 0, 0), 3),
        ((0, 3, 0, 0), 3),
        ((0, 0, 0, 2), 3),
        ((0, 0, 0, 3), 3),
        ((0, 0, 0, 4), 3),  # gut stage 4 is grade III under Glucksberg, IV under MAGIC
        ((4, 0, 0, 0), 4),
        ((0, 4, 0, 0), 4),
        ((2, 1, 0, 3), 3),
    ],
)
def test_glucksberg_grade_follows_the_keystone_table(
    stages: tuple[int, int, int, int], expected: int
) -> None:
    assert grade(OrganStages(*stages), GLUCKSBERG) == expected


def test_gut_stage_4_is_grade_iv_under_magic() -> None:
    assert grade(OrganStages(0, 0, 0, 4), MAGIC) == 4


@pytest.mark.parametrize("system", [MAGIC, GLUCKSBERG])
def test_grade_never_decreases_when_one_organ_stage_increases(system: GradingSystem) -> None:
    grades = dict(zip(ALL_STAGES, grade_arrays(np.array(ALL_STAGES), system).tolist(), strict=True))
    for stages, value in grades.items():
        for organ in range(4):
            higher = list(stages)
            higher[organ] += 1
            if tuple(higher) in grades:
                assert grades[tuple(higher)] >= value, (stages, organ)


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        (np.array([1, 2, 3]), "needs 4 stages"),
        (np.array([0, 0, 2, 0]), r"^stages\.upper_gi: must be between 0 and 1, got 2$"),
        (
            np.array([[0, 0, 0, 0], [5, 0, 0, 0]]),
            r"^stages\[1\]\.skin: must be between 0 and 4, got 5$",
        ),
        (np.array([0.5, 0, 0, 0]), "whole numbers"),
        (np.array(3), "needs 4 stages"),
    ],
)
def test_grade_arrays_refuses_impossible_stages(stages: np.ndarray, message: str) -> None:
    with pytest.raises(InputError, match=message):
        grade_arrays(stages)


def test_grade_arrays_keeps_the_leading_shape() -> None:
    stages = np.zeros((2, 3, 4), dtype=np.int8)
    assert grade_arrays(stages).shape == (2, 3)
    assert grade_arrays(np.zeros((0, 4), dtype=np.int8)).shape == (0,)


@pytest.mark.parametrize(("value", "label"), [(0, "0"), (1, "I"), (2, "II"), (3, "III"), (4, "IV")])
def test_grade_label_is_roman(value: int, label: str) -> None:
    assert grade_label(value) == label

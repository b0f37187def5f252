"""Response against baseline under the CSH and international rule sets (clinical.md §2.1)."""

import numpy as np
import pytest

from trialdesk.domain.errors import InputError
from trialdesk.domain.gvhd import (
    RESPONSE_BY_CODE,
    Organ,
    OrganStages,
    Response,
    ResponseRuleSet,
    assess_response,
    classify_response,
    is_overall_response,
)

CSH = ResponseRuleSet.CSH
INTL = ResponseRuleSet.INTERNATIONAL

# (baseline, current, CSH, international): skin, liver, upper GI, lower GI.
CASES = [
    ((2, 0, 1, 3), (0, 0, 0, 0), Response.CR, Response.CR),
    ((2, 1, 0, 0), (1, 0, 0, 0), Response.PR, Response.PR),  # every involved organ improved
    ((2, 1, 0, 0), (1, 1, 0, 0), Response.NR, Response.PR),  # only one of two improved
    ((2, 1, 0, 0), (1, 2, 0, 0), Response.PD, Response.MR),  # one improved, one worsened
    ((2, 1, 0, 0), (2, 2, 0, 0), Response.PD, Response.PD),  # worsened only
    ((2, 0, 0, 0), (1, 0, 0, 1), Response.PD, Response.MR),  # new organ involved = worsening
    ((0, 0, 0, 3), (0, 0, 1, 3), Response.PD, Response.PD),
    ((2, 1, 0, 0), (2, 1, 0, 0), Response.NR, Response.NR),  # identical stages
    ((0, 0, 0, 0), (0, 0, 0, 0), Response.NR, Response.NR),  # nothing to respond
    ((0, 0, 0, 0), (1, 0, 0, 0), Response.PD, Response.PD),
    ((3, 0, 0, 4), (0, 0, 0, 1), Response.PR, Response.PR),  # one organ still involved: not CR
]


@pytest.mark.parametrize(("baseline", "current", "csh", "international"), CASES)
def test_response_category_under_each_rule_set(
    baseline: tuple[int, ...], current: tuple[int, ...], csh: Response, international: Response
) -> None:
    before, now = OrganStages(*baseline), OrganStages(*current)
    assert assess_response(before, now, CSH).response is csh
    assert assess_response(before, now, INTL).response is international


def test_the_same_patient_is_pd_under_csh_and_mr_under_international_rules() -> None:
    before, now = OrganStages(3, 2, 0, 0), OrganStages(1, 3, 0, 0)
    assert assess_response(before, now, CSH).response is Response.PD
    assert assess_response(before, now, INTL).response is Response.MR


@pytest.mark.parametrize("rules", [CSH, INTL])
def test_death_is_no_response_under_both_rule_sets(rules: ResponseRuleSet) -> None:
    result = assess_response(OrganStages(2, 1, 0, 0), OrganStages(0, 0, 0, 0), rules, died=True)
    assert result.response is Response.NR
    assert result.died
    assert not result.overall_response


def test_assessment_reports_rule_set_and_change_per_organ() -> None:
    result = assess_response(OrganStages(3, 2, 0, 0), OrganStages(1, 3, 1, 0), "csh")  # type: ignore[arg-type]
    assert result.rules is CSH
    assert result.organ_changes == {
        Organ.SKIN: -2,
        Organ.LIVER: 1,
        Organ.UPPER_GI: 1,
        Organ.LOWER_GI: 0,
    }


@pytest.mark.parametrize(
    ("response", "counts"),
    [(Response.CR, True), (Response.PR, True), (Response.MR, False), (Response.NR, False)],
)
def test_overall_response_is_cr_or_pr(response: Response, counts: bool) -> None:
    code = RESPONSE_BY_CODE.index(response)
    assert bool(is_overall_response(code)) is counts


def test_not_evaluable_code_is_not_an_overall_response() -> None:
    assert is_overall_response(np.array([-1, 0, 1, 4])).tolist() == [False, True, True, False]


def test_classify_response_handles_many_rows_at_once() -> None:
    baseline = np.array([case[0] for case in CASES])
    current = np.array([case[1] for case in CASES])
    for rules, column in ((CSH, 2), (INTL, 3)):
        codes = classify_response(baseline, current, rules)
        assert [RESPONSE_BY_CODE[c] for c in codes] == [case[column] for case in CASES]


def test_classify_response_applies_death_per_row() -> None:
    baseline = np.array([[2, 0, 0, 0], [2, 0, 0, 0]])
    current = np.zeros((2, 4), dtype=np.int64)
    codes = classify_response(baseline, current, CSH, np.array([False, True]))
    assert [RESPONSE_BY_CODE[c] for c in codes] == [Response.CR, Response.NR]


@pytest.mark.parametrize(
    ("baseline", "current", "died", "field"),
    [
        (np.zeros((2, 4), int), np.zeros((3, 4), int), None, "current"),
        (np.zeros((2, 4), int), np.zeros((2, 3), int), None, "current"),
        (np.array([0, 2, 0, 0]), np.array([0, 0, 2, 0]), None, "current.upper_gi"),
        (np.zeros((2, 4), int), np.array([[0, 0, 0, 0], [0, 5, 0, 0]]), None, "current[1].liver"),
        (np.zeros((2, 4), int), np.zeros((2, 4), int), np.array([1, 0]), "died"),
        (np.zeros((2, 4), int), np.zeros((2, 4), int), np.array([True]), "died"),
    ],
)
def test_classify_response_refuses_bad_input_naming_the_field(
    baseline: np.ndarray, current: np.ndarray, died: np.ndarray | None, field: str
) -> None:
    with pytest.raises(InputError) as caught:
        classify_response(baseline, current, CSH, died)
    assert caught.value.errors[0].field == field


def test_unknown_rule_set_is_refused() -> None:
    with pytest.raises(InputError, match="rules: unknown rule set 'who'"):
        classify_response(np.zeros(4, int), np.zeros(4, int), "who")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("stages", "field"),
    [((0, 0, 2, 0), "upper_gi"), ((5, 0, 0, 0), "skin"), ((0, -1, 0, 0), "liver")],
)
def test_organ_stages_refuse_impossible_stages_naming_the_organ(
    stages: tuple[int, ...], field: str
) -> None:
    with pytest.raises(InputError) as caught:
        OrganStages(*stages)
    assert [e.field for e in caught.value.errors] == [field]


@pytest.mark.parametrize("value", [1.5, "2", True, None])
def test_organ_stages_must_be_whole_numbers(value: object) -> None:
    with pytest.raises(InputError, match="lower_gi: must be a whole number"):
        OrganStages(0, 0, 0, value)  # type: ignore[arg-type]


def test_organ_stages_accept_numpy_integers_as_plain_ints() -> None:
    stages = OrganStages(np.int8(1), np.int64(2), 0, 0)  # type: ignore[arg-type]
    assert type(stages.skin) is int
    assert stages.as_tuple() == (1, 2, 0, 0)


def test_organ_stages_from_sequence_needs_four_values() -> None:
    assert OrganStages.from_sequence([1, 2, 1, 0]) == OrganStages(1, 2, 1, 0)
    with pytest.raises(InputError, match="needs 4 stages"):
        OrganStages.from_sequence([1, 2, 3])

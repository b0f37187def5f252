"""CTCAE grades, ICH E2A seriousness, causality per product and SUSAR determination."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialdesk.domain.errors import InputError
from trialdesk.domain.safety import (
    Causality,
    CtcaeGrade,
    ProductAssessment,
    SeriousnessCriterion,
    ctcae_grade,
    is_serious,
    susar_products,
)

C = Causality
S = SeriousnessCriterion


@pytest.mark.parametrize(
    ("grade", "words"),
    [
        (1, "mild"),
        (2, "instrumental activities"),
        (3, "hospitalization"),
        (4, "life-threatening"),
        (5, "death"),
    ],
)
def test_each_ctcae_grade_carries_its_meaning(grade, words) -> None:
    assert words in ctcae_grade(grade).meaning


@pytest.mark.parametrize("bad", [0, 6, -1, True])
def test_a_grade_outside_one_to_five_is_refused_naming_the_field(bad) -> None:
    with pytest.raises(InputError, match=r"^grade: must be a CTCAE grade from 1 to 5"):
        ctcae_grade(bad)


def test_a_term_can_restrict_its_grades() -> None:
    assert ctcae_grade(3, {1, 2, 3}) is CtcaeGrade.SEVERE
    with pytest.raises(InputError, match=r"ae\.grade: grade 4 is not defined .*allowed: 1, 2, 3"):
        ctcae_grade(4, {3, 1, 2}, field_name="ae.grade")


def test_a_term_allowing_no_grade_says_so() -> None:
    with pytest.raises(InputError, match="allowed: none"):
        ctcae_grade(1, set())


def test_an_event_without_criteria_is_not_serious() -> None:
    assert not is_serious(frozenset())


@pytest.mark.parametrize("criterion", list(SeriousnessCriterion))
def test_any_single_ich_criterion_makes_an_event_serious(criterion) -> None:
    assert is_serious({criterion})


@pytest.mark.parametrize(
    ("causality", "related"),
    [(C.UNRELATED, False), (C.UNLIKELY, False), (C.POSSIBLE, True), (C.PROBABLE, True),
     (C.DEFINITE, True)],
)  # fmt: skip
def test_possible_or_above_counts_as_related(causality, related) -> None:
    assert causality.is_related is related


# (investigator, sponsor, causality that counts)
DISAGREEMENTS = [
    (C.UNLIKELY, None, C.UNLIKELY),
    (C.UNLIKELY, C.POSSIBLE, C.POSSIBLE),
    (C.PROBABLE, C.UNRELATED, C.PROBABLE),
    (C.UNRELATED, C.UNLIKELY, C.UNLIKELY),
    (C.DEFINITE, C.DEFINITE, C.DEFINITE),
]


@pytest.mark.parametrize(("investigator", "sponsor", "counts"), DISAGREEMENTS)
def test_the_more_cautious_causality_of_investigator_and_sponsor_counts(
    investigator, sponsor, counts
) -> None:
    assessment = ProductAssessment("uc_msc", investigator, expected=False, sponsor=sponsor)
    assert assessment.causality is counts


# (criteria, [(product, investigator, sponsor, expected)], SUSAR products)
SUSAR_CASES = [
    ("not serious", set(), [("uc_msc", C.DEFINITE, None, False)], ()),
    ("serious, related, unexpected", {S.HOSPITALIZATION}, [("uc_msc", C.POSSIBLE, None, False)],
     ("uc_msc",)),
    ("serious, related, expected", {S.HOSPITALIZATION}, [("uc_msc", C.PROBABLE, None, True)], ()),
    ("serious, unrelated, unexpected", {S.DEATH}, [("uc_msc", C.UNLIKELY, None, False)], ()),
    ("sponsor cannot rule it out", {S.DISABILITY}, [("uc_msc", C.UNLIKELY, C.POSSIBLE, False)],
     ("uc_msc",)),
    ("investigator cannot rule it out", {S.DISABILITY},
     [("anti_cd25", C.POSSIBLE, C.UNRELATED, False)], ("anti_cd25",)),
    ("expected for one product, not the other", {S.LIFE_THREATENING},
     [("uc_msc", C.POSSIBLE, None, False), ("anti_cd25", C.PROBABLE, None, True)], ("uc_msc",)),
    ("related to both, unexpected for both", {S.IMPORTANT_MEDICAL_EVENT},
     [("uc_msc", C.POSSIBLE, None, False), ("anti_cd25", C.DEFINITE, None, False)],
     ("uc_msc", "anti_cd25")),
    ("no product assessed yet", {S.HOSPITALIZATION}, [], ()),
]  # fmt: skip


@pytest.mark.parametrize(
    ("criteria", "products", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in SUSAR_CASES],
)
def test_a_susar_is_serious_unexpected_and_related_to_some_product(
    criteria, products, expected
) -> None:
    assessments = [ProductAssessment(p, inv, exp, spo) for p, inv, spo, exp in products]
    assert susar_products(criteria, assessments) == expected


causalities = st.sampled_from(list(Causality))


@given(causalities, st.one_of(st.none(), causalities))
def test_a_sponsor_opinion_never_lowers_the_causality_that_counts(investigator, sponsor) -> None:
    assessment = ProductAssessment("uc_msc", investigator, expected=False, sponsor=sponsor)
    assert assessment.causality.rank >= investigator.rank
    if sponsor is not None:
        assert assessment.causality.rank >= sponsor.rank

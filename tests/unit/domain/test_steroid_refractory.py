"""Steroid-refractory, -dependent and -intolerant classification (EBMT–NIH–CIBMTR 2018)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialdesk.domain.corticosteroids import (
    PREDNISONE_EQUIVALENCE,
    Corticosteroid,
    prednisone_equivalent,
)
from trialdesk.domain.errors import InputError
from trialdesk.domain.steroid_refractory import (
    DEFINITIONS,
    EBMT_NIH_CIBMTR_2018,
    MSB_GVHD001,
    THOMAS_TEXTBOOK,
    DiseaseStatus,
    DoseChange,
    DrugConvention,
    GradeAssessment,
    RefractoryCriterion,
    RefractoryDefinition,
    StatusAssessment,
    SteroidCourse,
    SteroidResponse,
    classify_steroid_response,
    refractory_definition,
)

START = dt.date(2024, 3, 1)
PROG = DiseaseStatus.PROGRESSED
SAME = DiseaseStatus.UNCHANGED
BETTER = DiseaseStatus.IMPROVED
GONE = DiseaseStatus.RESOLVED


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def statuses(*pairs: tuple[int, DiseaseStatus]) -> list[StatusAssessment]:
    return [StatusAssessment(day(n), s) for n, s in pairs]


def course(dose: float = 2.0, *taper: tuple[int, float], intolerance: str | None = None):
    return SteroidCourse(START, dose, tuple(DoseChange(day(n), mg) for n, mg in taper), intolerance)


@pytest.mark.parametrize(
    ("drug", "mg", "expected"),
    [
        (Corticosteroid.PREDNISONE, 2.0, 2.0),
        (Corticosteroid.PREDNISOLONE, 2.0, 2.0),
        (Corticosteroid.METHYLPREDNISOLONE, 1.6, 2.0),
        (Corticosteroid.DEXAMETHASONE, 0.3, 2.0),
        (Corticosteroid.HYDROCORTISONE, 8.0, 2.0),
    ],
)
def test_prednisone_equivalent_follows_the_potency_table(drug, mg, expected) -> None:
    assert prednisone_equivalent(drug, mg) == pytest.approx(expected)


def test_prednisone_equivalent_accepts_a_protocol_specific_table() -> None:
    convention = {**PREDNISONE_EQUIVALENCE, Corticosteroid.METHYLPREDNISOLONE: 1.0}
    assert prednisone_equivalent(Corticosteroid.METHYLPREDNISOLONE, 2.0, convention) == 2.0


def test_prednisone_equivalent_refuses_a_negative_dose_naming_the_field() -> None:
    with pytest.raises(InputError, match="dose_mg_per_kg_day: must be ≥ 0"):
        prednisone_equivalent(Corticosteroid.PREDNISONE, -1.0)


def test_prednisone_equivalent_refuses_a_drug_missing_from_the_table() -> None:
    with pytest.raises(InputError, match="drug: no prednisone equivalence"):
        prednisone_equivalent(Corticosteroid.DEXAMETHASONE, 1.0, {Corticosteroid.PREDNISONE: 1})


# (case, starting dose, taper, history, expected result, expected criteria)
CASES = [
    ("progression on day 3", 2.0, (), [(3, PROG)], SteroidResponse.REFRACTORY, ["a"]),
    ("progression on day 5", 2.0, (), [(5, PROG)], SteroidResponse.REFRACTORY, ["a", "b"]),
    ("progression on day 2 is too early for (a)", 2.0, (), [(2, PROG)], "insufficient_data", []),
    ("unchanged on day 6", 2.0, (), [(6, SAME)], SteroidResponse.REFRACTORY, ["b"]),
    ("progressed on day 7", 2.0, (), [(7, PROG)], SteroidResponse.REFRACTORY, ["b"]),
    ("improved on day 7 after none on 5", 2.0, (), [(5, SAME), (7, BETTER)], "not_established", []),
    ("improved by day 5", 2.0, (), [(5, BETTER)], "not_established", []),
    ("unchanged on day 8 only", 2.0, (), [(8, SAME)], "insufficient_data", []),
    ("not resolved on day 29", 2.0, (), [(6, BETTER), (29, BETTER)], "refractory", ["c"]),
    ("resolved on day 29", 2.0, (), [(6, BETTER), (29, GONE)], "not_established", []),
    ("a taper after day 29 does not hide (c)", 2.0, ((40, 1.0),), [(6, BETTER), (29, BETTER)],
     SteroidResponse.REFRACTORY, ["c"]),
    ("still active on day 28", 2.0, (), [(6, BETTER), (28, BETTER)], "not_established", []),
    ("low dose: (a) cannot fire", 1.0, (), [(3, PROG)], "insufficient_data", []),
    ("low dose, day 29 active", 1.0, (), [(29, SAME)], SteroidResponse.REFRACTORY, ["c"]),
    ("steroids stopped before day 29", 2.0, ((20, 0.0),), [(6, BETTER), (29, BETTER)],
     "not_established", []),
    ("flare during taper", 2.0, ((10, 1.0),), [(6, BETTER), (9, GONE), (14, BETTER)],
     SteroidResponse.DEPENDENT, ["dependent_recurrence"]),
    ("taper without flare", 2.0, ((10, 1.0),), [(6, BETTER), (9, GONE), (14, GONE)],
     "not_established", []),
    ("dose raised back to 2 after going under", 2.0, ((10, 1.0), (15, 2.0)),
     [(6, BETTER), (9, BETTER)], SteroidResponse.DEPENDENT, ["dependent_taper_failed"]),
    ("dose raised but still under 2", 2.0, ((10, 0.5), (15, 1.0)), [(6, BETTER)],
     "not_established", []),
    ("taper begun too early to count", 2.0, ((4, 1.0),), [(3, BETTER), (6, BETTER), (8, SAME)],
     "not_established", []),
    ("no improvement ever: no dependence", 2.0, ((10, 1.0), (15, 2.0)), [(3, SAME), (4, SAME)],
     "insufficient_data", []),
]  # fmt: skip


@pytest.mark.parametrize(
    ("dose", "taper", "history", "expected", "criteria"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_the_2018_definition_classifies_each_reference_history(
    dose, taper, history, expected, criteria
) -> None:
    result = classify_steroid_response(course(dose, *taper), statuses(*history))
    assert result.result == expected
    assert [c.value for c in result.criteria] == criteria
    assert result.definition == "ebmt_nih_cibmtr_2018"
    assert result.screening_aid


@pytest.mark.parametrize(
    ("drug", "mg"),
    [
        (Corticosteroid.METHYLPREDNISOLONE, 1.6),
        (Corticosteroid.DEXAMETHASONE, 0.3),
        (Corticosteroid.HYDROCORTISONE, 8.0),
    ],
)
def test_a_converted_dose_at_the_threshold_counts_as_reaching_it(drug, mg) -> None:
    converted = SteroidCourse(START, prednisone_equivalent(drug, mg))
    result = classify_steroid_response(converted, statuses((4, PROG)))
    assert result.criterion is RefractoryCriterion.A_PROGRESSION


def test_a_dose_a_rounding_error_under_the_threshold_counts_as_reaching_it() -> None:
    result = classify_steroid_response(course(2.0 - 1e-12), statuses((4, PROG)))
    assert result.criterion is RefractoryCriterion.A_PROGRESSION
    clearly_under = classify_steroid_response(course(1.99), statuses((4, PROG)))
    assert clearly_under.criterion is None


def test_every_criterion_met_is_reported_and_the_first_one_decides() -> None:
    result = classify_steroid_response(
        course(2.0, intolerance="psychosis"), statuses((4, PROG), (6, PROG), (30, PROG))
    )
    assert result.result is SteroidResponse.REFRACTORY
    assert result.criterion is RefractoryCriterion.A_PROGRESSION
    assert [c.value for c in result.criteria] == ["a", "b", "c", "intolerant"]
    assert any("day 4" in reason for reason in result.reasons)
    assert any("psychosis" in reason for reason in result.reasons)


def test_intolerance_alone_makes_the_course_steroid_intolerant() -> None:
    result = classify_steroid_response(
        course(2.0, intolerance="uncontrolled hyperglycaemia"), statuses((6, BETTER))
    )
    assert result.result is SteroidResponse.INTOLERANT
    assert result.criterion is RefractoryCriterion.INTOLERANT


def test_without_any_finding_there_is_no_deciding_criterion() -> None:
    result = classify_steroid_response(course(), statuses((6, BETTER)))
    assert result.criterion is None


def test_reasons_explain_why_data_are_insufficient() -> None:
    result = classify_steroid_response(course(1.5), [])
    assert result.result is SteroidResponse.INSUFFICIENT_DATA
    assert any("below 2" in reason for reason in result.reasons)


# Grades: baseline is the last grade on or before the start.
GRADE_CASES = [
    ("grade rises on day 4", [(0, 2), (4, 3)], SteroidResponse.REFRACTORY, ["a"]),
    ("grade unchanged on day 7", [(-1, 2), (7, 2)], SteroidResponse.REFRACTORY, ["b"]),
    ("grade falls by day 6", [(0, 3), (6, 2)], "not_established", []),
    ("grade 0 on day 29", [(0, 3), (6, 1), (29, 0)], "not_established", []),
    ("no baseline grade", [(4, 3)], "insufficient_data", []),
    ("later baseline wins", [(-2, 3), (0, 2), (6, 2)], SteroidResponse.REFRACTORY, ["b"]),
]


@pytest.mark.parametrize(
    ("history", "expected", "criteria"),
    [pytest.param(*case[1:], id=case[0]) for case in GRADE_CASES],
)
def test_dated_magic_grades_are_compared_with_the_baseline_grade(
    history, expected, criteria
) -> None:
    grades = [GradeAssessment(day(n), g) for n, g in history]
    result = classify_steroid_response(course(), grades)
    assert result.result == expected
    assert [c.value for c in result.criteria] == criteria


def test_a_missing_baseline_grade_is_named_in_the_reasons() -> None:
    result = classify_steroid_response(course(), [GradeAssessment(day(4), 3)])
    assert "no MAGIC grade on or before the steroid start" in result.reasons[0]


def test_a_grade_flare_during_the_taper_is_steroid_dependence() -> None:
    grades = [GradeAssessment(day(n), g) for n, g in [(0, 3), (6, 1), (9, 1), (14, 2)]]
    result = classify_steroid_response(course(2.0, (10, 1.0)), grades)
    assert result.result is SteroidResponse.DEPENDENT
    assert "during the taper begun on day 10" in result.reasons[-1]


DEFINITION_CASES = [
    ("Thomas: PD on day 3", THOMAS_TEXTBOOK, [(3, PROG)], ["a"]),
    ("Thomas: PD on day 4 is not (a)", THOMAS_TEXTBOOK, [(4, PROG)], []),
    ("Thomas: no CR on day 14", THOMAS_TEXTBOOK, [(7, BETTER), (14, BETTER)], ["c"]),
    ("2018: no CR on day 14 is fine", EBMT_NIH_CIBMTR_2018, [(7, BETTER), (14, BETTER)], []),
    ("MSB: PD on day 2", MSB_GVHD001, [(2, PROG)], ["a"]),
    ("MSB: unchanged on day 6 not judged", MSB_GVHD001, [(6, SAME)], []),
    ("MSB: unchanged on day 7", MSB_GVHD001, [(7, SAME)], ["b"]),
    ("MSB: no (c)", MSB_GVHD001, [(7, BETTER), (40, BETTER)], []),
]


@pytest.mark.parametrize(
    ("definition", "history", "criteria"),
    [pytest.param(*case[1:], id=case[0]) for case in DEFINITION_CASES],
)
def test_alternative_definitions_are_configurations(definition, history, criteria) -> None:
    result = classify_steroid_response(course(), statuses(*history), definition)
    assert [c.value for c in result.criteria] == criteria
    assert result.definition == definition.name


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"progression_window": (5, 3)}, "progression_window"),
        ({"no_improvement_window": (-1, 7)}, "no_improvement_window"),
        ({"incomplete_after_days": -1}, "incomplete_after_days"),
        ({"min_dose_mg_per_kg_day": 0.0}, "min_dose_mg_per_kg_day"),
        ({"dependence_dose_mg_per_kg_day": -2.0}, "dependence_dose_mg_per_kg_day"),
        ({"min_successful_days": -7}, "min_successful_days"),
    ],
)
def test_a_definition_with_impossible_thresholds_is_refused(kwargs, field) -> None:
    with pytest.raises(InputError, match=f"^{field}: "):
        RefractoryDefinition(name="broken", **kwargs)


@pytest.mark.parametrize(
    ("steroids", "history", "field"),
    [
        (course(0.0), statuses((6, BETTER)), "course.initial_mg_per_kg_day"),
        (course(2.0, (0, 1.0)), statuses((6, BETTER)), r"course.taper\[0\].on"),
        (course(2.0, (10, 1.0), (9, 0.5)), statuses((6, BETTER)), r"course.taper\[1\].on"),
        (course(2.0, (10, -1.0)), statuses((6, BETTER)), r"course.taper\[0\].mg_per_kg_day"),
        (course(), statuses((6, BETTER), (5, BETTER)), r"assessments\[1\].on"),
        (course(), statuses((6, BETTER), (6, SAME)), r"assessments\[1\].on"),
        (course(), statuses((0, BETTER)), r"assessments\[0\].on"),
        (course(), [GradeAssessment(day(0), 5)], r"assessments\[0\].grade"),
        (course(), [GradeAssessment(day(0), 0)], "assessments: baseline grade"),
        (
            course(),
            [GradeAssessment(day(0), 2), StatusAssessment(day(4), SAME)],
            "assessments: mixes",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field(steroids, history, field) -> None:
    with pytest.raises(InputError, match=field):
        classify_steroid_response(steroids, history)


histories = st.lists(
    st.tuples(st.integers(1, 60), st.sampled_from(list(DiseaseStatus))),
    unique_by=lambda pair: pair[0],
    max_size=8,
).map(lambda pairs: statuses(*sorted(pairs)))


@given(histories)
def test_a_course_without_a_taper_is_never_steroid_dependent(history) -> None:
    result = classify_steroid_response(course(), history)
    assert result.result is not SteroidResponse.DEPENDENT


@given(histories)
def test_refractory_exactly_when_a_refractory_criterion_is_listed(history) -> None:
    result = classify_steroid_response(course(2.0, (12, 1.0), (18, 2.0)), history)
    refractory = {"a", "b", "c"} & {c.value for c in result.criteria}
    assert (result.result is SteroidResponse.REFRACTORY) == bool(refractory)
    assert len(result.reasons) >= len(result.criteria)


@given(histories, st.integers(1, 60))
def test_adding_a_progression_never_takes_refractoriness_away(history, extra_day) -> None:
    if any(a.on == day(extra_day) for a in history):
        return
    before = classify_steroid_response(course(), history)
    extended = sorted([*history, StatusAssessment(day(extra_day), PROG)], key=lambda a: a.on)
    after = classify_steroid_response(course(), extended)
    if before.result is SteroidResponse.REFRACTORY:
        assert after.result is SteroidResponse.REFRACTORY


# Definition sets by name and a protocol's own thresholds (assessment.steroid_refractory).

MP_1MG = RefractoryDefinition(
    name="mp_1mg",
    min_dose_mg_per_kg_day=1.0,
    dependence_dose_mg_per_kg_day=1.0,
    drug_convention=DrugConvention.MG_FOR_MG,
)


@pytest.mark.parametrize(
    ("name", "definition"),
    [
        ("ebmt_nih_cibmtr_2018", EBMT_NIH_CIBMTR_2018),
        ("thomas_textbook", THOMAS_TEXTBOOK),
        ("msb_gvhd001", MSB_GVHD001),
        (" MSB_GVHD001 ", MSB_GVHD001),
    ],
)
def test_published_definition_sets_are_found_by_name(name, definition) -> None:
    assert refractory_definition(name) is definition
    assert DEFINITIONS[definition.name] is definition


def test_an_unknown_definition_name_is_refused_listing_the_known_ones() -> None:
    with pytest.raises(InputError, match="definition: unknown definition 'reach2'; use one of: "):
        refractory_definition("reach2")


@pytest.mark.parametrize(
    ("convention", "drug", "mg", "expected"),
    [
        (DrugConvention.POTENCY, Corticosteroid.METHYLPREDNISOLONE, 1.0, 1.25),
        (DrugConvention.MG_FOR_MG, Corticosteroid.METHYLPREDNISOLONE, 1.0, 1.0),
        (DrugConvention.MG_FOR_MG, Corticosteroid.PREDNISONE, 1.0, 1.0),
        (DrugConvention.MG_FOR_MG, Corticosteroid.DEXAMETHASONE, 0.15, 1.0),
    ],
)
def test_a_definition_converts_doses_by_its_drug_convention(convention, drug, mg, expected):
    definition = RefractoryDefinition(name="x", drug_convention=convention)
    assert definition.prednisone_equivalent(drug, mg) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("mp_mg_per_kg", "expected", "criteria"),
    [
        (0.99, SteroidResponse.INSUFFICIENT_DATA, []),  # just below the threshold
        (1.0, SteroidResponse.REFRACTORY, ["b"]),  # at it
        (1.01, SteroidResponse.REFRACTORY, ["b"]),  # just above
    ],
)
def test_a_methylprednisolone_1_mg_per_kg_definition_judges_typical_chinese_first_line(
    mp_mg_per_kg, expected, criteria
) -> None:
    dose = MP_1MG.prednisone_equivalent(Corticosteroid.METHYLPREDNISOLONE, mp_mg_per_kg)
    history = statuses((6, SAME))
    result = classify_steroid_response(course(dose), history, MP_1MG)
    assert result.result == expected
    assert [c.value for c in result.criteria] == criteria
    assert result.definition == "mp_1mg"
    # The same course under the 2018 default (prednisone 2 mg/kg/day) cannot be judged yet.
    default = classify_steroid_response(course(dose), history)
    assert default.result is SteroidResponse.INSUFFICIENT_DATA


def test_a_definition_with_an_unknown_drug_convention_is_refused() -> None:
    with pytest.raises(InputError, match=r"^drug_convention: "):
        RefractoryDefinition(name="broken", drug_convention="equal")  # type: ignore[arg-type]

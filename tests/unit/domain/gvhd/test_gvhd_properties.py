"""Properties of the GVHD rules that must hold for every input, checked with hypothesis."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from trialdesk.domain.gvhd import (
    RESPONSE_BY_CODE,
    BilirubinUnit,
    GradingSystem,
    MeasurementArrays,
    Organ,
    OrganMeasurements,
    OrganStages,
    Response,
    ResponseRuleSet,
    StageDriver,
    assess_response,
    classify_response,
    grade,
    grade_arrays,
    stage,
    stage_arrays,
)
from trialdesk.domain.gvhd.staging import DRIVER_BY_CODE

stage_values = st.tuples(
    st.integers(0, 4), st.integers(0, 4), st.integers(0, 1), st.integers(0, 4)
).map(lambda s: OrganStages(*s))
rule_sets = st.sampled_from(list(ResponseRuleSet))
systems = st.sampled_from(list(GradingSystem))
percent = st.floats(0, 100, allow_nan=False)
optional_amount = st.none() | st.floats(0, 3000, allow_nan=False)

measurements = st.builds(
    OrganMeasurements,
    skin_bsa_pct=percent,
    bilirubin=st.floats(0, 400, allow_nan=False),
    bilirubin_unit=st.sampled_from(list(BilirubinUnit)),
    bullae=st.booleans(),
    desquamation_bsa_pct=percent,
    upper_gi_persistent=st.booleans(),
    stool_ml_per_day=optional_amount,
    stool_episodes_per_day=st.none() | st.integers(0, 20).map(float),
    severe_abdominal_pain=st.booleans(),
    bloody_stool=st.booleans(),
)


@given(stages=stage_values, organ=st.sampled_from(list(Organ)))
def test_magic_grade_never_decreases_when_one_organ_stage_increases(
    stages: OrganStages, organ: Organ
) -> None:
    values = list(stages.as_tuple())
    index = list(Organ).index(organ)
    values[index] = min(values[index] + 1, 1 if organ is Organ.UPPER_GI else 4)
    assert grade(OrganStages(*values)) >= grade(stages)


@given(stages=stage_values, rules=rule_sets)
def test_response_of_identical_stages_is_no_response(
    stages: OrganStages, rules: ResponseRuleSet
) -> None:
    assert assess_response(stages, stages, rules).response is Response.NR


@given(baseline=stage_values, current=stage_values, rules=rule_sets)
def test_complete_response_iff_all_current_stages_zero_with_baseline_involvement(
    baseline: OrganStages, current: OrganStages, rules: ResponseRuleSet
) -> None:
    expected = any(baseline.as_tuple()) and not any(current.as_tuple())
    assert (assess_response(baseline, current, rules).response is Response.CR) == expected


@given(baseline=stage_values, current=stage_values)
def test_csh_never_reports_a_mixed_response(baseline: OrganStages, current: OrganStages) -> None:
    assert assess_response(baseline, current, ResponseRuleSet.CSH).response is not Response.MR


@given(baseline=stage_values, current=stage_values)
def test_csh_partial_response_is_also_an_international_partial_response(
    baseline: OrganStages, current: OrganStages
) -> None:
    csh = assess_response(baseline, current, ResponseRuleSet.CSH).response
    international = assess_response(baseline, current, ResponseRuleSet.INTERNATIONAL).response
    if csh is Response.PR:
        assert international is Response.PR


@given(m=measurements, system=systems)
def test_every_staged_organ_names_a_driver_and_stage_0_names_none(
    m: OrganMeasurements, system: GradingSystem
) -> None:
    result = stage(m, system)
    for organ, value in zip(Organ, result.stages.as_tuple(), strict=True):
        assert (result.drivers[organ] is None) == (value == 0)
    if result.stages.lower_gi == 4 and system is GradingSystem.MAGIC:
        assert result.drivers[Organ.LOWER_GI] in {
            StageDriver.SEVERE_PAIN,
            StageDriver.BLOODY_STOOL,
            StageDriver.SEVERE_PAIN_AND_BLOODY_STOOL,
        }


def _to_arrays(batch: list[OrganMeasurements]) -> MeasurementArrays:
    rows = [m.to_arrays() for m in batch]
    names = MeasurementArrays.__dataclass_fields__
    return MeasurementArrays(**{name: np.array([getattr(r, name) for r in rows]) for name in names})


@given(
    batch=st.lists(measurements, min_size=1, max_size=20),
    baselines=st.lists(stage_values, min_size=20, max_size=20),
    system=systems,
    rules=rule_sets,
)
def test_array_and_one_patient_apis_agree(
    batch: list[OrganMeasurements],
    baselines: list[OrganStages],
    system: GradingSystem,
    rules: ResponseRuleSet,
) -> None:
    staged = stage_arrays(_to_arrays(batch), system)
    grades = grade_arrays(staged.stages, system)
    baseline = np.array([b.as_tuple() for b in baselines[: len(batch)]])
    codes = classify_response(baseline, staged.stages, rules)
    for i, m in enumerate(batch):
        one = stage(m, system)
        assert one.stages.as_tuple() == tuple(staged.stages[i].tolist())
        assert [one.drivers[o] for o in Organ] == [DRIVER_BY_CODE[c] for c in staged.drivers[i]]
        assert grade(one.stages, system) == grades[i]
        response = assess_response(baselines[i], one.stages, rules).response
        assert response is RESPONSE_BY_CODE[codes[i]]

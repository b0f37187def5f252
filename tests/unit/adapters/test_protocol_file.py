"""The protocol file reader: the built-in protocol, and broken files refused by path."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from trialdesk.adapters.protocol_file import builtin_protocol_path, parse_protocol
from trialdesk.bootstrap import load_protocol
from trialdesk.domain.errors import ProtocolError
from trialdesk.domain.gvhd.types import GradingSystem, LiverStaging, Response, ResponseRuleSet
from trialdesk.domain.protocol import ArmType, Attester, CriterionKind, DoseBasis, VisitPhase
from trialdesk.domain.randomization.spec import RandomizationMethod
from trialdesk.domain.refractory_definitions import (
    EBMT_NIH_CIBMTR_2018,
    THOMAS_TEXTBOOK,
    DrugConvention,
    refractory_definition,
)

BUILTIN: dict[str, Any] = yaml.safe_load(builtin_protocol_path().read_text(encoding="utf-8"))


def _errors_of(mutate: Callable[[dict[str, Any]], None]) -> list[str]:
    document = copy.deepcopy(BUILTIN)
    mutate(document)
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(yaml.safe_dump(document, allow_unicode=True))
    return [str(e) for e in caught.value.errors]


def test_builtin_protocol_states_the_registry_record() -> None:
    protocol = load_protocol()
    ident = protocol.identification
    assert (ident.nct_id, ident.sponsor_protocol_id) == ("NCT04738981", "GVHD-PKU2021")
    assert ident.sponsor == "Peking University"
    assert (ident.phase, ident.status, ident.study_type) == (
        "Phase 3",
        "Completed",
        "Interventional",
    )
    assert ident.conditions == ("Graft Vs Host Disease",)
    assert protocol.population.target_enrollment == 130
    assert (protocol.population.min_age_years, protocol.population.max_age_years) == (18, 70)
    assert protocol.population.healthy_volunteers is False
    assert protocol.design.allocation == "randomized"
    assert protocol.design.masking.startswith("none")
    assert protocol.ratio_label == "1:1"


def test_builtin_arms_give_msc_per_kg_and_anti_cd25_fixed_for_four_weeks() -> None:
    protocol = load_protocol()
    experimental, comparator = protocol.arms
    assert (experimental.code, experimental.type) == ("msc_cd25", ArmType.EXPERIMENTAL)
    assert (comparator.code, comparator.type) == ("cd25", ArmType.ACTIVE_COMPARATOR)
    msc, antibody = experimental.interventions
    assert (msc.code, msc.dose, msc.dose_basis, msc.unit, msc.route) == (
        "uc_msc",
        1e6,
        DoseBasis.PER_KG,
        "cells",
        "iv",
    )
    assert msc.days == (1, 8, 15, 22)
    assert (antibody.code, antibody.dose, antibody.dose_basis, antibody.unit) == (
        "anti_cd25",
        20,
        DoseBasis.FIXED,
        "mg",
    )
    assert antibody.days[:2] == (1, 4)  # twice in the first week
    assert [iv.code for iv in comparator.interventions] == ["anti_cd25"]
    assert protocol.course.length_days == 28
    assert msc.dose_label == "1×10^6 cells/kg"


def test_builtin_course_repeats_after_pr_and_stops_on_progression_or_no_response() -> None:
    course = load_protocol().course
    assert course.repeat_on == (Response.PR,)
    assert course.max_courses == 2
    stops = {rule.code: rule for rule in course.stop_rules}
    assert stops["progression_within_3_weeks"].responses == (Response.PD,)
    assert Response.NR in stops["no_response_week_4"].responses


def test_builtin_criteria_quote_the_registry_text_and_compute_the_lab_limits() -> None:
    protocol = load_protocol()
    by_id = {c.id: c for c in protocol.criteria}
    assert [c.kind for c in protocol.criteria].count(CriterionKind.EXCLUSION) == 6
    assert by_id["IN2"].text == "Neutrophile granulocyte (ANC) ≥ 0.5 x 10^9/L."
    assert by_id["IN2"].rule is not None
    assert by_id["IN2"].rule.text == "anc_10e9_per_l >= 0.5"
    assert by_id["IN3"].rule is not None
    assert by_id["IN3"].rule.text == "creatinine_x_uln < 2"
    assert by_id["AGE"].rule is not None
    assert by_id["AGE"].rule.text == "18 <= age_years <= 70"
    assert by_id["EX6"].attestation is not None


def test_builtin_judgement_criteria_are_reserved_to_the_investigator() -> None:
    protocol = load_protocol()
    reserved = [c.id for c in protocol.criteria if c.investigator_only]
    assert reserved == ["IN1", "EX1", "EX2", "EX4", "EX6"]
    by_id = {c.id: c for c in protocol.criteria}
    assert by_id["IN4"].attested_by is Attester.DATA_ENTRY  # consent on file is a fact
    assert "criteria[0].attested_by" in {a.path for a in protocol.assumptions}


def test_builtin_randomization_is_stratified_blocks_with_a_minimization_alternative() -> None:
    spec = load_protocol().randomization
    assert spec.method is RandomizationMethod.STRATIFIED_BLOCKS
    assert spec.ratio == (("msc_cd25", 1), ("cd25", 1))
    assert spec.block_sizes == (2, 4)
    assert [f.code for f in spec.strata] == ["site", "baseline_grade"]
    grade = spec.strata[1]
    assert [(lv.code, lv.values) for lv in grade.levels] == [("II", ("2",)), ("III-IV", ("3", "4"))]
    assert spec.minimization is not None
    assert spec.minimization.p_preferred == 0.8
    assert [f.factor.code for f in spec.minimization.factors] == [
        "site",
        "baseline_grade",
        "gi_involvement",
    ]


def test_builtin_schedule_endpoints_analysis_and_safety() -> None:
    protocol = load_protocol()
    visits = {v.code: v for v in protocol.visits}
    assert (visits["D29"].day, visits["D29"].window_before, visits["D29"].window_after) == (
        29,
        2,
        2,
    )
    assert visits["W52"].phase is VisitPhase.FOLLOW_UP
    assert visits["W52"].window_before == 14
    assert protocol.primary_endpoint.code == "cr_week4"
    assert protocol.primary_endpoint.visit == "D29"
    assert protocol.assessment.response_rules is ResponseRuleSet.CSH
    assert protocol.assessment.grading_system is GradingSystem.MAGIC
    assert protocol.assessment.liver_staging is LiverStaging.MG_DL
    assert (protocol.analysis.alpha, protocol.analysis.sides) == (0.05, 2)
    assert protocol.safety.terminology == "CTCAE v5.0"
    assert (protocol.safety.susar_fatal_days, protocol.safety.susar_other_days) == (7, 15)


def test_builtin_assumptions_cover_what_the_registry_leaves_open() -> None:
    paths = {a.path for a in load_protocol().assumptions}
    for required in (
        "arms[0].interventions[1].days",
        "visits",
        "assessment.response_rules",
        "assessment.liver_staging",
        "assessment.steroid_refractory",
        "randomization.strata",
        "randomization.method",
        "course.max_courses",
        "analysis",
        "effective_date",
        "randomization.ratio",
        "arms[0].interventions[1].name",
        "arms[0].interventions[0].min_gap_days",
        "endpoints[1]",
        "safety.terminology",
        "safety.susar_fatal_days",
        "form_settings.steroid_re_escalation",
        "forms",
    ):
        assert required in paths
    assert all(a.reason for a in load_protocol().assumptions)


def test_builtin_sites_show_times_in_china_standard_time_unless_they_set_their_own() -> None:
    assert load_protocol().time_zone == "Asia/Shanghai"
    without = copy.deepcopy(BUILTIN)
    del without["time_zone"]
    without["assumptions"] = [a for a in without["assumptions"] if a["path"] != "time_zone"]
    assert parse_protocol(yaml.safe_dump(without, allow_unicode=True)).time_zone == "UTC"


def test_builtin_protocol_version_and_effective_date_are_recorded() -> None:
    version = load_protocol().version
    assert version.version == "1.0"
    assert version.effective_date.year == 2021


def test_repository_root_protocols_link_points_at_the_packaged_file() -> None:
    root = Path(__file__).resolve().parents[3]
    assert (
        root / "protocols" / "nct04738981.yaml"
    ).read_bytes() == builtin_protocol_path().read_bytes()


def test_liver_staging_is_read_from_the_file_and_defaults_to_mg_dl() -> None:
    table = copy.deepcopy(BUILTIN)
    table["assessment"]["liver_staging"] = "umol_l_table"
    parsed = parse_protocol(yaml.safe_dump(table, allow_unicode=True))
    assert parsed.assessment.liver_staging is LiverStaging.UMOL_L_TABLE
    unset = copy.deepcopy(BUILTIN)
    del unset["assessment"]["liver_staging"]
    unset["assumptions"] = [
        a for a in unset["assumptions"] if a["path"] != "assessment.liver_staging"
    ]
    parsed = parse_protocol(yaml.safe_dump(unset, allow_unicode=True))
    assert parsed.assessment.liver_staging is LiverStaging.MG_DL


def test_builtin_steroid_refractory_definition_is_the_2018_windows_at_methylprednisolone_1mg():
    definition = load_protocol().assessment.steroid_refractory
    assert definition.name == "ebmt_2018_methylprednisolone_1mg"
    assert definition.min_dose_mg_per_kg_day == definition.dependence_dose_mg_per_kg_day == 1.0
    assert definition.drug_convention is DrugConvention.MG_FOR_MG
    assert (definition.progression_window, definition.no_improvement_window) == ((3, 5), (5, 7))
    assert definition.incomplete_after_days == 28


@pytest.mark.parametrize("name", ["ebmt_nih_cibmtr_2018", "thomas_textbook", "msb_gvhd001"])
def test_steroid_refractory_may_name_a_published_set(name: str) -> None:
    document = copy.deepcopy(BUILTIN)
    document["assessment"]["steroid_refractory"] = name
    parsed = parse_protocol(yaml.safe_dump(document, allow_unicode=True))
    assert parsed.assessment.steroid_refractory is refractory_definition(name)


def test_steroid_refractory_block_overrides_only_what_it_sets_and_null_drops_criterion_c():
    document = copy.deepcopy(BUILTIN)
    document["assessment"]["steroid_refractory"] = {
        "name": "own",
        "based_on": "thomas_textbook",
        "no_improvement_window": [5, 7],
        "incomplete_after_days": None,
    }
    definition = parse_protocol(yaml.safe_dump(document)).assessment.steroid_refractory
    assert definition.name == "own"
    assert definition.progression_window == THOMAS_TEXTBOOK.progression_window
    assert definition.no_improvement_window == (5, 7)
    assert definition.incomplete_after_days is None
    assert definition.min_dose_mg_per_kg_day == 2.0
    assert definition.drug_convention is DrugConvention.POTENCY


def test_steroid_refractory_defaults_to_the_2018_definition_when_absent() -> None:
    document = copy.deepcopy(BUILTIN)
    del document["assessment"]["steroid_refractory"]
    document["assumptions"] = [
        a for a in document["assumptions"] if a["path"] != "assessment.steroid_refractory"
    ]
    parsed = parse_protocol(yaml.safe_dump(document, allow_unicode=True))
    assert parsed.assessment.steroid_refractory is EBMT_NIH_CIBMTR_2018


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation that sets ``a.b[1].c`` in the raw document."""

    def mutate(document: dict[str, Any]) -> None:
        node: Any = document
        parts = path.replace("[", ".").replace("]", "").split(".")
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node[part]
        last = parts[-1]
        if last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def _delete(section: str, key: str) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        del document[section][key]

    return mutate


def _minimization_without_settings(document: dict[str, Any]) -> None:
    document["randomization"]["method"] = "minimization"
    document["randomization"]["minimization"] = None


BROKEN_FILES = [
    pytest.param(
        _set("arms[1].interventions[0].dose", -20),
        "arms[1].interventions[0].dose: must be > 0",
        id="negative dose",
    ),
    pytest.param(
        _set("arms[0].interventions[0].colour", "blue"),
        "arms[0].interventions[0].colour: unknown key",
        id="unknown nested key",
    ),
    pytest.param(_set("sponsr", "x"), "sponsr: unknown key", id="unknown top-level key"),
    pytest.param(
        _delete("identification", "sponsor"),
        "identification.sponsor: is required",
        id="missing key",
    ),
    pytest.param(
        _set("criteria[1].rule.field", "neutrophils"),
        "criteria[1].rule.field: 'neutrophils' is not defined in screening_fields",
        id="criterion on an undefined field",
    ),
    pytest.param(
        _set("criteria[0].attestation.field", "signed"),
        "criteria[0].attestation.field: 'signed' is not defined in screening_fields",
        id="attestation on an undefined field",
    ),
    pytest.param(
        _set("visits[3].day", 40),
        "visits[3].day: must be within the course (days 1–29)",
        id="visit outside the course",
    ),
    pytest.param(
        _set("arms[0].interventions[0].days", [1, 8, 15, 30]),
        "arms[0].interventions[0].days[3]: must be within the course (days 1–28)",
        id="administration outside the course",
    ),
    pytest.param(
        _set("arms[0].interventions[1].days", [1, 8, 4]),
        "arms[0].interventions[1].days[2]: days must be in increasing order",
        id="administration days out of order",
    ),
    pytest.param(
        _set("arms[0].interventions[1].days", [1, 2, 8]),
        "arms[0].interventions[1].days[1]: must be >= min_gap_days (2) after the previous dose",
        id="doses closer than the minimum gap",
    ),
    pytest.param(
        _set("randomization.ratio", {"msc_cd25": 2, "cd25": 1}),
        "randomization.block_sizes[0]: 2 is not a multiple of the ratio's sum 3",
        id="block size not a multiple of the ratio sum",
    ),
    pytest.param(
        _set("randomization.ratio", {"msc_cd25": 1, "placebo": 1}),
        "randomization.ratio.placebo: not an arm (msc_cd25, cd25)",
        id="ratio names an arm that does not exist",
    ),
    pytest.param(
        _set("randomization.ratio", {"msc_cd25": 1, "placebo": 1}),
        "randomization.ratio: arm 'cd25' has no ratio weight",
        id="an arm without a ratio weight",
    ),
    pytest.param(
        _set("arms[1].code", "msc_cd25"),
        "arms[1].code: duplicate 'msc_cd25' (also at arms[0].code)",
        id="duplicate arm code",
    ),
    pytest.param(
        _set("criteria[2].id", "IN1"),
        "criteria[2].id: duplicate 'IN1' (also at criteria[0].id)",
        id="duplicate criterion id",
    ),
    pytest.param(
        _set("visits[2].code", "D1"),
        "visits[2].code: duplicate 'D1' (also at visits[1].code)",
        id="duplicate visit code",
    ),
    pytest.param(
        _set("arms[0].type", "experimentall"),
        "arms[0].type: must be one of 'experimental', 'active_comparator', "
        "'placebo_comparator', 'no_intervention' or 'other'",
        id="unknown arm type",
    ),
    pytest.param(
        _set("criteria[1].rule.value", "high"),
        "criteria[1].rule.value: must be a number",
        id="rule value of the wrong type",
    ),
    pytest.param(
        _set("effective_date", "yesterday"),
        "effective_date: must be a date (YYYY-MM-DD)",
        id="effective date that is not a date",
    ),
    pytest.param(
        _set("identification.nct_id", "NCT123"),
        r"identification.nct_id: must match the pattern ^NCT\d{8}$",
        id="malformed NCT id",
    ),
    pytest.param(_set("arms", []), "arms: must have at least 1 item(s)", id="no arms"),
    pytest.param(_set("analysis.alpha", 1.5), "analysis.alpha: must be < 1", id="alpha above 1"),
    pytest.param(
        _set("course.length_days", "four weeks"),
        "course.length_days: must be a whole number",
        id="course length that is not a number",
    ),
    pytest.param(
        _set("course.decision_visit", "W8"),
        "course.decision_visit: must be the code of a course visit (D1, D15, D22, D29, D4, D8)",
        id="decision at a visit outside the course",
    ),
    pytest.param(
        _set("course.stop_rules[0].visits", ["D8", "D99"]),
        "course.stop_rules[0].visits[1]: must be the code of a course visit "
        "(D1, D15, D22, D29, D4, D8)",
        id="stop rule at an unknown visit",
    ),
    pytest.param(
        _set("visits[0].day", 1),
        "visits[0].day: a screening visit must be before day 1",
        id="screening visit on day 1",
    ),
    pytest.param(
        _set("visits[7].day", 0),
        "visits[7].day: a follow-up visit must be on or after day 1",
        id="follow-up visit before day 1",
    ),
    pytest.param(
        _set("population.min_age_years", 80),
        "population.max_age_years: must be >= min_age_years",
        id="age limits reversed",
    ),
    pytest.param(
        _set("dosing.weight_kg_min", 300),
        "dosing.weight_kg_max: must be > weight_kg_min",
        id="weight limits reversed",
    ),
    pytest.param(
        _set("screening_fields[3].min", 0),
        "screening_fields[3]: a boolean field has no min/max",
        id="range on a boolean field",
    ),
    pytest.param(
        _set("screening_fields[1].min", 500),
        "screening_fields[1].max: must be >= min",
        id="field range reversed",
    ),
    pytest.param(
        _set("criteria[1].attestation", {"field": "consent_signed", "statement": "x"}),
        "criteria[1]: needs exactly one of rule or attestation",
        id="criterion with rule and attestation",
    ),
    pytest.param(
        _set("criteria[0].attestation.field", "anc_10e9_per_l"),
        "criteria[0].attestation.field: must be a boolean screening field",
        id="attestation on a number field",
    ),
    pytest.param(
        _set("criteria[4].rule", {"field": "age_years", "op": "between", "low": 18}),
        "criteria[4].rule: 'between' needs low and high and no value",
        id="between without an upper bound",
    ),
    pytest.param(
        _set("criteria[4].rule", {"field": "age_years", "op": "between", "low": 70, "high": 18}),
        "criteria[4].rule.high: must be >= low",
        id="between with reversed bounds",
    ),
    pytest.param(
        _set("criteria[1].rule", {"field": "anc_10e9_per_l", "op": ">="}),
        "criteria[1].rule: '>=' needs a value and no low/high",
        id="comparison without a value",
    ),
    pytest.param(
        _set("criteria[7].rule.value", 1),
        "criteria[7].rule.value: must be true or false (boolean field)",
        id="number compared with a boolean field",
    ),
    pytest.param(
        _set("criteria[7].rule.op", ">="),
        "criteria[7].rule.op: a boolean field allows only == and !=",
        id="ordering on a boolean field",
    ),
    pytest.param(
        _set("criteria[1].rule.value", True),
        "criteria[1].rule.value: must be a number (number field)",
        id="boolean compared with a number field",
    ),
    pytest.param(
        _set("endpoints[1].kind", "primary"),
        "endpoints: needs exactly 1 primary endpoint, not 2",
        id="two primary endpoints",
    ),
    pytest.param(
        _set("endpoints[0].visit", "D30"),
        "endpoints[0].visit: is not a visit code",
        id="endpoint at an unknown visit",
    ),
    pytest.param(
        _set("analysis.primary_endpoint", "orr_week4"),
        "analysis.primary_endpoint: must be the primary endpoint 'cr_week4'",
        id="analysis of a secondary endpoint as primary",
    ),
    pytest.param(
        _set("analysis.primary_population", "mitt"),
        "analysis.primary_population: is not defined in analysis.populations",
        id="undefined analysis population",
    ),
    pytest.param(
        _set("randomization.strata", ["site", "centre"]),
        "randomization.strata[1]: 'centre' is not defined in randomization.factors",
        id="stratum that is not a factor",
    ),
    pytest.param(
        _set("randomization.minimization.factors[2].factor", "gi"),
        "randomization.minimization.factors[2].factor: "
        "'gi' is not defined in randomization.factors",
        id="minimization factor that is not a factor",
    ),
    pytest.param(
        _set("randomization.minimization.p_preferred", 0.4),
        "randomization.minimization.p_preferred: must be >= 0.5",
        id="preferred-arm probability below one half",
    ),
    pytest.param(
        _set("assumptions[0].path", "arms[0].interventions[7].days"),
        "assumptions[0].path: 'arms[0].interventions[7].days' is not in this file",
        id="assumption about a setting that does not exist",
    ),
    pytest.param(
        _set("criteria[1].attested_by", "investigator"),
        "criteria[1].attested_by: only an attestation can be reserved to the investigator",
        id="computed criterion reserved to the investigator",
    ),
    pytest.param(
        _set("criteria[0].attested_by", "nurse"),
        "criteria[0].attested_by: must be one of 'data_entry' or 'investigator'",
        id="unknown attester",
    ),
    pytest.param(
        _set("criteria[3].attestation.field", "suitable_for_study"),
        "criteria[3].attested_by: field 'suitable_for_study' is reserved to the investigator"
        " by criteria[10]",
        id="investigator's field answered through another criterion",
    ),
    pytest.param(
        _set("assumptions[0].path", "arms..days"),
        "assumptions[0].path: 'arms..days' is not in this file",
        id="assumption with a malformed path",
    ),
    pytest.param(
        _set("arms[0].interventions", []),
        "arms[0].interventions: must have at least 1 item",
        id="arm without interventions",
    ),
    pytest.param(
        _set("assessment.liver_staging", "umol"),
        "assessment.liver_staging: must be one of 'mg_dl' or 'umol_l_table'",
        id="unknown liver staging",
    ),
    pytest.param(
        _set("assessment.steroid_refractory.progression_window", [5, 3]),
        "assessment.steroid_refractory.progression_window: must be [first day, last day] with"
        " first ≤ last, got [5, 3]",
        id="steroid-refractory window out of order",
    ),
    pytest.param(
        _set("assessment.steroid_refractory.min_dose_mg_per_kg_day", 0),
        "assessment.steroid_refractory.min_dose_mg_per_kg_day: must be > 0",
        id="steroid-refractory dose threshold of zero",
    ),
    pytest.param(
        _set("assessment.steroid_refractory", "reach2"),
        "assessment.steroid_refractory: must be one of 'ebmt_nih_cibmtr_2018', 'thomas_textbook'"
        " or 'msb_gvhd001'",
        id="unknown steroid-refractory definition",
    ),
    pytest.param(
        _minimization_without_settings,
        "randomization.minimization: is required for minimization",
        id="minimization without its settings",
    ),
    pytest.param(
        _set("time_zone", "China/Beijing"),
        "time_zone: 'China/Beijing' is not a time zone; use an IANA name such as Asia/Shanghai"
        " or UTC",
        id="unknown time zone",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), BROKEN_FILES)
def test_broken_file_is_refused_naming_the_offending_path(
    mutate: Callable[[dict[str, Any]], None], expected: str
) -> None:
    assert expected in _errors_of(mutate)


def test_every_problem_of_a_file_is_reported_at_once() -> None:
    def two_problems(document: dict[str, Any]) -> None:
        document["arms"][1]["interventions"][0]["dose"] = 0
        document["population"]["target_enrollment"] = -1

    errors = _errors_of(two_problems)
    assert "arms[1].interventions[0].dose: must be > 0" in errors
    assert "population.target_enrollment: must be > 0" in errors


def test_yaml_syntax_error_names_the_line() -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_protocol("format: 1\nversion: [1.0\nidentification: {}\n")
    (error,) = caught.value.errors
    assert error.field.startswith("line 3")
    assert error.message.startswith("invalid YAML")


def test_file_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(ProtocolError, match="file: must be a mapping of protocol sections"):
        parse_protocol("- just\n- a list\n")


def test_missing_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ProtocolError) as caught:
        load_protocol(missing)
    assert str(caught.value.errors[0]) == f"{missing}: no such protocol file"


def test_unreadable_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ProtocolError, match="cannot read"):
        load_protocol(binary)


def test_builtin_safety_compares_no_term_and_names_the_cell_specific_reaction() -> None:
    safety = load_protocol().safety
    assert safety.compare_arms == ()
    assert safety.product_specific_terms == (("uc_msc", ("Infusion related reaction",)),)


def test_safety_terms_must_be_ctcae_terms_or_socs_of_the_protocols_products() -> None:
    def bad(document: dict[str, Any]) -> None:
        document["safety"]["compare_arms"] = ["Sepsis", "Cardiac disorders", "Pneumonia"]
        document["safety"]["product_specific_terms"] = {"uc_msc": ["Fever", "Cell fever"],
                                                        "aspirin": ["Fever"]}  # fmt: skip

    errors = _errors_of(bad)
    assert "safety.compare_arms[2]: 'Pneumonia' is not a CTCAE v5.0 term or MedDRA SOC" in errors
    assert (
        "safety.product_specific_terms.uc_msc[1]: 'Cell fever' is not a CTCAE v5.0 term" in errors
    )
    assert (
        "safety.product_specific_terms.aspirin: 'aspirin' is not an intervention of this protocol"
        in errors
    )
    assert len(errors) == 3

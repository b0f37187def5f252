"""Checks across fields of a protocol file, each reported at the path of the offending value.

The randomization settings themselves (block sizes against the ratio, levels, minimization
weights) are checked by the domain's ``validate_spec`` once the file is converted; here only
what refers to other parts of the file is checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from trialdesk.adapters.protocol_file.forms import check_forms
from trialdesk.adapters.protocol_file.schema import (
    ArmModel,
    CourseModel,
    CriterionModel,
    EditCheckModel,
    ProtocolDocument,
    RandomizationModel,
    ScreeningFieldModel,
    VisitModel,
)
from trialdesk.domain.display import time_zone
from trialdesk.domain.errors import FieldError, InputError
from trialdesk.domain.protocol.edit_checks import DATE_FIELDS, NUMBER_FIELDS
from trialdesk.domain.safety.terminology import ctcae_terminology

__all__ = ["check_document"]

_PATH = re.compile(r"[A-Za-z_]\w*(\[\d+\])*(\.[A-Za-z_]\w*(\[\d+\])*)*")
_PATH_PART = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")


def check_document(doc: ProtocolDocument, raw: dict[str, Any]) -> list[FieldError]:
    """Every cross-field problem of a schema-valid document (empty when the file is sound)."""
    errors: list[FieldError] = []
    course_codes = {v.code for v in doc.visits if v.phase == "course"}
    errors += _check_unique(doc)
    errors += _check_time_zone(doc.time_zone)
    errors += _check_population(doc)
    for i, arm in enumerate(doc.arms):
        errors += _check_arm(f"arms[{i}]", arm, doc.course.length_days)
    errors += _check_course(doc.course, course_codes)
    errors += _check_visits(doc.visits, doc.course.length_days)
    errors += _check_fields(doc.screening_fields)
    fields = {f.name: f for f in doc.screening_fields}
    for i, criterion in enumerate(doc.criteria):
        errors += _check_criterion(f"criteria[{i}]", criterion, fields)
    errors += _check_reserved_fields(doc.criteria)
    errors += _check_safety_terms(doc)
    errors += _check_randomization(doc.randomization, [a.code for a in doc.arms])
    errors += _check_endpoints_and_analysis(doc)
    errors += _check_baseline_visit(doc)
    errors += _check_steroid_refractory(doc)
    errors += _duplicates("edit_checks", [c.code for c in doc.edit_checks])
    for i, check in enumerate(doc.edit_checks):
        errors += _check_edit_check(f"edit_checks[{i}]", check)
    errors += check_forms(doc.forms, {v.code for v in doc.visits}, {a.code for a in doc.arms})
    for i, assumption in enumerate(doc.assumptions):
        if not _path_exists(raw, assumption.path):
            errors.append(
                FieldError(f"assumptions[{i}].path", f"{assumption.path!r} is not in this file")
            )
    return errors


def _duplicates(section: str, codes: Sequence[str], key: str = "code") -> Iterable[FieldError]:
    first: dict[str, int] = {}
    for i, code in enumerate(codes):
        if code in first:
            where = f"{section}[{first[code]}].{key}"
            yield FieldError(f"{section}[{i}].{key}", f"duplicate {code!r} (also at {where})")
        else:
            first[code] = i


def _check_safety_terms(doc: ProtocolDocument) -> list[FieldError]:
    """The safety section names CTCAE v5.0 terms (or SOCs) and the protocol's products."""
    terminology = ctcae_terminology()
    socs = set(terminology.socs)
    errors = [
        FieldError(f"safety.compare_arms[{i}]", f"{name!r} is not a CTCAE v5.0 term or MedDRA SOC")
        for i, name in enumerate(doc.safety.compare_arms)
        if terminology.by_name(name) is None and name not in socs
    ]
    products = {i.code for arm in doc.arms for i in arm.interventions}
    for code, terms in doc.safety.product_specific_terms.items():
        path = f"safety.product_specific_terms.{code}"
        if code not in products:
            errors.append(FieldError(path, f"{code!r} is not an intervention of this protocol"))
        errors += [
            FieldError(f"{path}[{i}]", f"{term!r} is not a CTCAE v5.0 term")
            for i, term in enumerate(terms)
            if terminology.by_name(term) is None
        ]
    return errors


def _check_time_zone(name: str) -> list[FieldError]:
    try:
        time_zone(name)
    except InputError as error:
        return list(error.errors)
    return []


def _check_unique(doc: ProtocolDocument) -> list[FieldError]:
    errors = list(_duplicates("arms", [a.code for a in doc.arms]))
    for i, arm in enumerate(doc.arms):
        codes = [iv.code for iv in arm.interventions]
        errors += _duplicates(f"arms[{i}].interventions", codes)
    errors += _duplicates("screening_fields", [f.name for f in doc.screening_fields], "name")
    errors += _duplicates("criteria", [c.id for c in doc.criteria], "id")
    errors += _duplicates("visits", [v.code for v in doc.visits])
    errors += _duplicates("endpoints", [e.code for e in doc.endpoints])
    errors += _duplicates("course.stop_rules", [r.code for r in doc.course.stop_rules])
    errors += _duplicates("randomization.factors", [f.code for f in doc.randomization.factors])
    errors += _duplicates("analysis.populations", [p.code for p in doc.analysis.populations])
    return errors


def _check_population(doc: ProtocolDocument) -> list[FieldError]:
    errors: list[FieldError] = []
    if doc.population.min_age_years > doc.population.max_age_years:
        errors.append(FieldError("population.max_age_years", "must be >= min_age_years"))
    if doc.dosing.weight_kg_min >= doc.dosing.weight_kg_max:
        errors.append(FieldError("dosing.weight_kg_max", "must be > weight_kg_min"))
    return errors


def _check_arm(path: str, arm: ArmModel, length_days: int) -> list[FieldError]:
    errors: list[FieldError] = []
    if not arm.interventions:
        errors.append(FieldError(f"{path}.interventions", "must have at least 1 item"))
    for j, iv in enumerate(arm.interventions):
        base = f"{path}.interventions[{j}]"
        for k, day in enumerate(iv.days):
            if day > length_days:
                errors.append(
                    FieldError(
                        f"{base}.days[{k}]", f"must be within the course (days 1–{length_days})"
                    )
                )
            if k and day <= iv.days[k - 1]:
                errors.append(FieldError(f"{base}.days[{k}]", "days must be in increasing order"))
            elif k and day - iv.days[k - 1] < iv.min_gap_days:
                errors.append(
                    FieldError(
                        f"{base}.days[{k}]",
                        f"must be >= min_gap_days ({iv.min_gap_days}) after the previous dose",
                    )
                )
    return errors


def _check_course(course: CourseModel, course_visits: set[str]) -> list[FieldError]:
    errors: list[FieldError] = []
    if course.decision_visit not in course_visits:
        errors.append(FieldError("course.decision_visit", _not_a_course_visit(course_visits)))
    for i, rule in enumerate(course.stop_rules):
        for j, visit in enumerate(rule.visits):
            if visit not in course_visits:
                errors.append(
                    FieldError(
                        f"course.stop_rules[{i}].visits[{j}]", _not_a_course_visit(course_visits)
                    )
                )
    return errors


def _not_a_course_visit(course_visits: set[str]) -> str:
    known = ", ".join(sorted(course_visits)) or "none"
    return f"must be the code of a course visit ({known})"


def _check_visits(visits: Sequence[VisitModel], length_days: int) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, visit in enumerate(visits):
        path = f"visits[{i}].day"
        if visit.phase == "course" and not 1 <= visit.day <= length_days + 1:
            errors.append(FieldError(path, f"must be within the course (days 1–{length_days + 1})"))
        elif visit.phase == "screening" and visit.day >= 1:
            errors.append(FieldError(path, "a screening visit must be before day 1"))
        elif visit.phase == "follow_up" and visit.day < 1:
            errors.append(FieldError(path, "a follow-up visit must be on or after day 1"))
    return errors


def _check_fields(fields: Sequence[ScreeningFieldModel]) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, field in enumerate(fields):
        if field.type == "boolean" and (field.min is not None or field.max is not None):
            errors.append(FieldError(f"screening_fields[{i}]", "a boolean field has no min/max"))
        elif field.min is not None and field.max is not None and field.min > field.max:
            errors.append(FieldError(f"screening_fields[{i}].max", "must be >= min"))
    return errors


def _criterion_field(criterion: CriterionModel) -> str | None:
    if criterion.attestation is not None:
        return criterion.attestation.field
    return None if criterion.rule is None else criterion.rule.field


def _check_reserved_fields(criteria: Sequence[CriterionModel]) -> list[FieldError]:
    """A field the investigator answers cannot also be answered by others through another
    criterion: who may record a value is decided per field."""
    reserved = {
        _criterion_field(c): i for i, c in enumerate(criteria) if c.attested_by == "investigator"
    }
    return [
        FieldError(
            f"criteria[{i}].attested_by",
            f"field {field!r} is reserved to the investigator by criteria[{reserved[field]}]",
        )
        for i, c in enumerate(criteria)
        if c.attested_by != "investigator" and (field := _criterion_field(c)) in reserved
    ]


def _check_criterion(
    path: str, criterion: CriterionModel, fields: dict[str, ScreeningFieldModel]
) -> list[FieldError]:
    if (criterion.rule is None) == (criterion.attestation is None):
        return [FieldError(path, "needs exactly one of rule or attestation")]
    if criterion.attested_by == "investigator" and criterion.attestation is None:
        # A rule is computed from a measured value anyone may enter; only judgements are reserved.
        return [
            FieldError(
                f"{path}.attested_by", "only an attestation can be reserved to the investigator"
            )
        ]
    if criterion.attestation is not None:
        field = fields.get(criterion.attestation.field)
        if field is None:
            return [
                FieldError(f"{path}.attestation.field", _undefined(criterion.attestation.field))
            ]
        if field.type != "boolean":
            return [FieldError(f"{path}.attestation.field", "must be a boolean screening field")]
        return []
    rule = criterion.rule
    assert rule is not None  # one of the two is set, checked above
    field = fields.get(rule.field)
    if field is None:
        return [FieldError(f"{path}.rule.field", _undefined(rule.field))]
    if rule.op == "between":
        if rule.low is None or rule.high is None or rule.value is not None:
            return [FieldError(f"{path}.rule", "'between' needs low and high and no value")]
        if rule.low > rule.high:
            return [FieldError(f"{path}.rule.high", "must be >= low")]
        return []
    if rule.value is None or rule.low is not None or rule.high is not None:
        return [FieldError(f"{path}.rule", f"{rule.op!r} needs a value and no low/high")]
    if field.type == "boolean":
        if not isinstance(rule.value, bool):
            return [FieldError(f"{path}.rule.value", "must be true or false (boolean field)")]
        if rule.op not in ("==", "!="):
            return [FieldError(f"{path}.rule.op", "a boolean field allows only == and !=")]
    elif isinstance(rule.value, bool):
        return [FieldError(f"{path}.rule.value", f"must be a number ({field.type} field)")]
    return []


def _undefined(name: str) -> str:
    return f"{name!r} is not defined in screening_fields"


def _check_randomization(rand: RandomizationModel, arm_codes: list[str]) -> list[FieldError]:
    errors: list[FieldError] = []
    for code in rand.ratio:
        if code not in arm_codes:
            known = ", ".join(arm_codes)
            errors.append(FieldError(f"randomization.ratio.{code}", f"not an arm ({known})"))
    for code in arm_codes:
        if code not in rand.ratio:
            errors.append(FieldError("randomization.ratio", f"arm {code!r} has no ratio weight"))
    factor_codes = {f.code for f in rand.factors}
    for i, stratum in enumerate(rand.strata):
        if stratum not in factor_codes:
            errors.append(FieldError(f"randomization.strata[{i}]", _undefined_factor(stratum)))
    if rand.minimization is not None:
        for i, weighted in enumerate(rand.minimization.factors):
            if weighted.factor not in factor_codes:
                path = f"randomization.minimization.factors[{i}].factor"
                errors.append(FieldError(path, _undefined_factor(weighted.factor)))
    return errors


def _undefined_factor(code: str) -> str:
    return f"{code!r} is not defined in randomization.factors"


def _check_endpoints_and_analysis(doc: ProtocolDocument) -> list[FieldError]:
    errors: list[FieldError] = []
    visit_codes = {v.code for v in doc.visits}
    primaries = [e.code for e in doc.endpoints if e.kind == "primary"]
    if len(primaries) != 1:
        errors.append(
            FieldError("endpoints", f"needs exactly 1 primary endpoint, not {len(primaries)}")
        )
    for i, endpoint in enumerate(doc.endpoints):
        if endpoint.visit is not None and endpoint.visit not in visit_codes:
            errors.append(FieldError(f"endpoints[{i}].visit", "is not a visit code"))
    if primaries and doc.analysis.primary_endpoint != primaries[0]:
        errors.append(
            FieldError(
                "analysis.primary_endpoint", f"must be the primary endpoint {primaries[0]!r}"
            )
        )
    if doc.analysis.primary_population not in {p.code for p in doc.analysis.populations}:
        errors.append(
            FieldError("analysis.primary_population", "is not defined in analysis.populations")
        )
    return errors


def _path_exists(raw: Any, path: str) -> bool:
    """Whether ``a.b[2].c`` names a value in the raw document."""
    if not _PATH.fullmatch(path):
        return False
    node = raw
    for match in _PATH_PART.finditer(path):
        key, index = match.group(1), match.group(2)
        if key is not None and isinstance(node, dict) and key in node:
            node = node[key]
        elif index is not None and isinstance(node, list) and int(index) < len(node):
            node = node[int(index)]
        else:
            return False
    return True


def _check_baseline_visit(doc: ProtocolDocument) -> list[FieldError]:
    named = doc.assessment.baseline_visit
    staging = {
        v.code for v in doc.visits if v.phase == "course" and "gvhd_staging" in v.assessments
    }
    if named is None or named in staging:
        return []
    known = ", ".join(sorted(staging)) or "none"
    return [
        FieldError(
            "assessment.baseline_visit", f"must be a course visit with gvhd_staging ({known})"
        )
    ]


def _check_steroid_refractory(doc: ProtocolDocument) -> list[FieldError]:
    own = doc.assessment.steroid_refractory
    return [
        FieldError(
            f"assessment.steroid_refractory.{name}",
            f"must be [first day, last day] with first ≤ last, got {list(window)}",
        )
        for name in ("progression_window", "no_improvement_window")
        if (window := getattr(own, name)) is not None and window[0] > window[1]
    ]


_DOSE_VALUE = {"dose_administrations": ("dose_value",)}
#: The fields each rule may be declared on, and the parameters it takes.
_EDIT_RULES: dict[str, tuple[Mapping[str, tuple[str, ...]], frozenset[str]]] = {
    "dose_ratio": (_DOSE_VALUE, frozenset({"factor"})),
    "dose_deviation": (_DOSE_VALUE, frozenset({"tolerance"})),
    "min_gap": ({"dose_administrations": ("administered_on",)}, frozenset()),
    "not_after_today": (DATE_FIELDS, frozenset()),
    "not_before_randomization": (DATE_FIELDS, frozenset()),
    "not_after_death": (DATE_FIELDS, frozenset()),
    "not_before_consent": (DATE_FIELDS, frozenset()),
    "visit_window": (
        {"visits": ("visit_date",), "gvhd_assessments": ("assessed_on",)},
        frozenset(),
    ),
    "plausible_range": (NUMBER_FIELDS, frozenset({"unit_field", "unit", "min", "max"})),
    "duplicate_within": (
        {
            name: (*dates, "term", "product", "visit_code", "kind", "name")
            for name, dates in DATE_FIELDS.items()
        },
        frozenset({"seconds"}),
    ),
}
_PARAMETERS = ("factor", "tolerance", "unit_field", "unit", "min", "max", "seconds")


def _check_edit_check(path: str, check: EditCheckModel) -> list[FieldError]:
    """Targets the rule can check, and exactly the parameters the rule needs."""
    fields, takes = _EDIT_RULES[check.rule]
    errors: list[FieldError] = []
    for j, target in enumerate(check.applies_to):
        where = f"{path}.applies_to[{j}]"
        if target.collection not in fields:
            known = ", ".join(fields)
            errors.append(FieldError(f"{where}.collection", f"{check.rule} checks only {known}"))
        elif target.field not in fields[target.collection]:
            known = ", ".join(fields[target.collection])
            errors.append(FieldError(f"{where}.field", f"{check.rule} checks only {known} here"))
        if (check.rule == "duplicate_within") != bool(target.keys):
            errors.append(FieldError(f"{where}.keys", "needed by duplicate_within only"))
    for name in _PARAMETERS:
        given = getattr(check, name) is not None
        if given and name not in takes:
            errors.append(FieldError(f"{path}.{name}", f"not used by {check.rule}"))
    required = {
        "dose_ratio": "factor",
        "dose_deviation": "tolerance",
        "duplicate_within": "seconds",
    }
    if check.rule in required and getattr(check, required[check.rule]) is None:
        errors.append(FieldError(f"{path}.{required[check.rule]}", f"{check.rule} needs it"))
    if check.rule == "plausible_range":
        errors += _check_range(path, check)
    return errors


def _check_range(path: str, check: EditCheckModel) -> list[FieldError]:
    errors: list[FieldError] = []
    if check.min is None and check.max is None:
        errors.append(FieldError(path, "plausible_range needs min, max or both"))
    elif check.min is not None and check.max is not None and check.min > check.max:
        errors.append(FieldError(f"{path}.max", "must be >= min"))
    if (check.unit is None) != (check.unit_field is None):
        errors.append(FieldError(f"{path}.unit", "give unit and unit_field together, or neither"))
    return errors

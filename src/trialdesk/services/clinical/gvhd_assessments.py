"""GVHD assessments: raw organ measurements in, stages, grade and response derived and saved.

The rules are the domain's (:mod:`trialdesk.domain.gvhd`); this module stages the measurements
before the saving transaction (they need nothing stored), derives the response against the
baseline inside it, and answers a save with the visit and the protocol's next step.

The user may name the visit of an assessment (``visit_code``); the calendar keeps that choice.
The baseline is the assessment of the protocol's baseline visit
(:func:`trialdesk.domain.visit_matching.baseline_assessment`); when a save makes another
assessment the baseline, the subject's other responses are re-derived in the same transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from trialdesk import __version__
from trialdesk.domain.access import Action
from trialdesk.domain.decisions import ProtocolDecision
from trialdesk.domain.errors import FieldError, InputError
from trialdesk.domain.gvhd import (
    BilirubinUnit,
    OrganMeasurements,
    OrganStages,
    apply_attribution,
    assess_response,
    check_additional_therapy,
    grade,
    parse_attribution,
    stage,
)
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.visit_matching import STAGING_ASSESSMENT, has_response
from trialdesk.services.accounts.access import Actor, load_actor, require_subject
from trialdesk.services.clinical.edit_checks import check_record
from trialdesk.services.clinical.recording import insert_audited, update_audited
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.subjects.course_progress import (
    CourseProgress,
    assessment_ref,
    baseline_row,
    load_baseline,
    load_course_progress,
)

__all__ = [
    "MEASUREMENT_FIELDS",
    "SavedAssessment",
    "baseline_stages",
    "derive_gvhd",
    "derive_response",
    "derive_stages",
    "record_gvhd_assessment",
    "rederive_responses",
    "save_gvhd_assessment",
    "stages_of",
]

#: The raw measurements a GVHD assessment accepts; anything else (a stage, a grade) is refused.
MEASUREMENT_FIELDS = frozenset(f.name for f in dataclasses.fields(OrganMeasurements))


def _measurements(raw: Mapping[str, Any]) -> OrganMeasurements:
    unknown = sorted(set(raw) - MEASUREMENT_FIELDS)
    if unknown:
        raise InputError(
            FieldError(
                f"measurements.{name}", "not a raw measurement (derived values are computed)"
            )
            for name in unknown
        )
    values = dict(raw)
    if "bilirubin_unit" in values:
        values["bilirubin_unit"] = BilirubinUnit.parse(str(values["bilirubin_unit"]))
    try:
        return OrganMeasurements(**values)
    except TypeError as error:  # a required measurement is missing
        raise InputError.single("measurements", str(error)) from None


def _as_checked(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The measurements as the edit checks see them: the bilirubin unit always stated."""
    unit = _measurements(raw).bilirubin_unit
    return {**raw, "bilirubin_unit": unit.value}


def derive_gvhd(
    raw: Mapping[str, Any],
    baseline: OrganStages | None,
    protocol: Protocol,
    attribution: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Stages, grade and (against the baseline) response of one assessment, with their rules."""
    return derive_response(derive_stages(raw, protocol, attribution), baseline, protocol)


#: What the user enters per organ; a stored attribution adds the derived stage and reason.
_ENTERED_KEYS = ("biopsy", "causes", "attributed_to_other_cause")


def _entered(attribution: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The attribution as entered, also when read back from a stored (derived) record."""
    if not isinstance(attribution, Mapping):
        return attribution
    return {
        organ: {k: v for k, v in entry.items() if k in _ENTERED_KEYS}
        if isinstance(entry, Mapping)
        else entry
        for organ, entry in attribution.items()
    }


def derive_stages(
    raw: Mapping[str, Any], protocol: Protocol, attribution: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Stages and grade of one assessment's measurements: they need nothing from the database.

    An organ the ``attribution`` block attributes to another cause is staged 0 as GVHD
    (:mod:`trialdesk.domain.gvhd.attribution`); the stored ``attribution`` says why.
    """
    rules = protocol.assessment
    measured = stage(_measurements(raw), rules.grading_system, rules.liver_staging)
    stages, record = apply_attribution(measured.stages, parse_attribution(_entered(attribution)))
    return {
        "skin_stage": stages.skin,
        "liver_stage": stages.liver,
        "upper_gi_stage": stages.upper_gi,
        "lower_gi_stage": stages.lower_gi,
        "attribution": record or None,
        "grade": grade(stages, rules.grading_system),
        "grading_system": rules.grading_system.value,
        "rules_version": f"trialdesk {__version__}; protocol {protocol.version.version}",
    }


def derive_response(
    staged: Mapping[str, Any], baseline: OrganStages | None, protocol: Protocol
) -> dict[str, Any]:
    """:func:`derive_stages`' values with the response to the baseline (``None``: no baseline)."""
    rules = protocol.assessment
    response = (
        None
        if baseline is None
        else assess_response(baseline, stages_of(staged), rules.response_rules).response.value
    )
    return {
        **staged,
        "response": response,
        "response_rule_set": None if baseline is None else rules.response_rules.value,
    }


def stages_of(row: Mapping[str, Any]) -> OrganStages:
    """The organ stages stored in an assessment row."""
    return OrganStages(
        row["skin_stage"], row["liver_stage"], row["upper_gi_stage"], row["lower_gi_stage"]
    )


@dataclass(frozen=True, slots=True)
class SavedAssessment:
    """A just-saved assessment with what was derived from it, in the transaction that saved it."""

    id: int
    assessed_on: dt.date
    stages: dict[str, int]
    grade: int
    response: str | None
    grading_system: str
    response_rule_set: str | None
    #: Additional systemic GVHD therapy since the last assessment (None: not asked), and which.
    additional_therapy: bool | None
    additional_therapy_names: str | None
    #: Per organ with an attribution entry: biopsy, causes, measured and counted stage, reason.
    attribution: dict[str, Any] | None
    #: The staging visit and course the assessment was matched to, once the calendar is known.
    visit: str | None
    course: int | None
    #: The protocol's next step for the subject after this save.
    next_step: ProtocolDecision | None


def record_gvhd_assessment(
    uow: UnitOfWork,
    *,
    as_user: int,
    subject_id: int,
    assessed_on: dt.date,
    measurements: Mapping[str, Any],
    protocol: Protocol,
    visit_code: str | None = None,
    confirm: Collection[str] = (),
    confirm_reason: str | None = None,
    additional_therapy: bool | None = None,
    additional_therapy_names: str | None = None,
    attribution: Mapping[str, Any] | None = None,
) -> int:
    """Record raw organ measurements, at the visit the user chose (``visit_code``) if any.

    ``confirm`` and ``confirm_reason`` confirm soft edit-check warnings (see
    :mod:`trialdesk.services.clinical.edit_checks`). ``additional_therapy`` (systemic GVHD therapy
    since the last assessment; ``additional_therapy_names`` when yes) is required once the
    subject is randomized; ``attribution`` is the optional per-organ attribution block.
    """
    context = _Context(additional_therapy, additional_therapy_names, attribution)
    row = _insert_assessment(
        uow, as_user, subject_id, assessed_on, measurements, protocol, visit_code,
        (confirm, confirm_reason), context,
    )  # fmt: skip
    return int(row["id"])


def save_gvhd_assessment(
    uow: UnitOfWork,
    *,
    as_user: int,
    subject_id: int,
    assessed_on: dt.date,
    measurements: Mapping[str, Any],
    protocol: Protocol,
    read_after: UnitOfWork,
    visit_code: str | None = None,
    confirm: Collection[str] = (),
    confirm_reason: str | None = None,
    additional_therapy: bool | None = None,
    additional_therapy_names: str | None = None,
    attribution: Mapping[str, Any] | None = None,
) -> SavedAssessment:
    """:func:`record_gvhd_assessment`, answered with its derived values and the next step.

    The visit and the next step are read in ``read_after`` (which may be read-only) once the
    assessment is committed: on SQLite the saving transaction holds the database's one write
    lock, and deciding the next step needs the subject's allocation and doses besides.
    """
    row = _insert_assessment(
        uow,
        as_user,
        subject_id,
        assessed_on,
        measurements,
        protocol,
        visit_code,
        (confirm, confirm_reason),
        _Context(additional_therapy, additional_therapy_names, attribution),
    )
    with read_after:
        assessments = sorted(
            read_after.records.find("gvhd_assessments", subject_id=subject_id),
            key=lambda r: (r["assessed_on"], r["id"]),
        )
        progress = load_course_progress(read_after, protocol, subject_id, assessments)
    visit = progress.matched.get(row["id"])
    return SavedAssessment(
        id=row["id"], assessed_on=assessed_on,
        stages={"skin": row["skin_stage"], "liver": row["liver_stage"],
                "upper_gi": row["upper_gi_stage"], "lower_gi": row["lower_gi_stage"]},
        grade=row["grade"], response=row["response"],
        grading_system=row["grading_system"], response_rule_set=row["response_rule_set"],
        additional_therapy=row["additional_therapy"],
        additional_therapy_names=row["additional_therapy_names"],
        attribution=row["attribution"],
        visit=row["visit_code"] or (visit.visit if visit else None),
        course=visit.course if visit else None,
        next_step=progress.decision,
    )  # fmt: skip


def _insert_assessment(
    uow: UnitOfWork,
    as_user: int,
    subject_id: int,
    assessed_on: dt.date,
    measurements: Mapping[str, Any],
    protocol: Protocol,
    visit_code: str | None,
    confirmation: tuple[Collection[str], str | None] = ((), None),
    context: _Context | None = None,
) -> dict[str, Any]:
    """Derive and insert one assessment (audited, committed); returns the row with its id.

    ``confirmation`` is the (codes, reason) that confirm soft edit-check warnings.
    """
    context = context or _Context()
    # Staged before the transaction: the stages need no stored data, and on SQLite a write
    # transaction holds the database's one write lock from its first statement to its commit.
    staged = derive_stages(measurements, protocol, context.attribution)
    chosen = _chosen_visit(protocol, visit_code)
    with uow:
        actor = load_actor(uow, as_user)
        require_subject(uow, actor, subject_id, Action.ENTER_DATA)
        therapy = check_additional_therapy(
            context.additional_therapy,
            context.additional_therapy_names,
            required=_randomized(uow, subject_id),
        )
        checked = check_record(
            uow, protocol, "gvhd_assessments",
            {"assessed_on": assessed_on, "measurements": _as_checked(measurements),
             "visit_code": chosen},
            subject_id=subject_id, confirm=confirmation[0], reason=confirmation[1],
        )  # fmt: skip
        earlier = uow.records.find("gvhd_assessments", subject_id=subject_id)
        draft = {"id": _DRAFT_ID, "subject_id": subject_id, "assessed_on": assessed_on,
                 "visit_code": chosen, "measurements": dict(measurements), **staged,
                 "additional_therapy": therapy.given,
                 "additional_therapy_names": therapy.names,
                 "response": None, "response_rule_set": None}  # fmt: skip
        rows = sorted([*earlier, draft], key=lambda r: (r["assessed_on"], r["id"]))
        progress = load_course_progress(uow, protocol, subject_id, rows)
        _refuse_taken_visit(progress, earlier, draft)
        baseline = baseline_row(progress, rows)
        row = {k: v for k, v in draft.items() if k != "id"}
        row.update(derive_response(staged, baseline_stages(draft, baseline), protocol))
        row["id"] = insert_audited(uow, actor, "gvhd_assessments", row, subject_id=subject_id)
        if baseline is not None and baseline["id"] == _DRAFT_ID:
            reason = f"the assessment of {assessed_on.isoformat()} is the baseline for response"
            rederive_responses(uow, actor, protocol, subject_id, reason)
        checked.raise_queries(uow, actor, row["id"])
        uow.commit()
    return row


@dataclass(frozen=True, slots=True)
class _Context:
    """What is recorded with the measurements: additional therapy and organ attribution."""

    additional_therapy: bool | None = None
    additional_therapy_names: str | None = None
    attribution: Mapping[str, Any] | None = None


def _randomized(uow: UnitOfWork, subject_id: int) -> bool:
    """Whether the subject has a standing allocation: the therapy question is then required."""
    return any(not a["is_error"] for a in uow.records.find("allocations", subject_id=subject_id))


#: Stands for the assessment being saved: after every stored id, as the latest one recorded.
_DRAFT_ID = 2**62


def _chosen_visit(protocol: Protocol, visit_code: str | None) -> str | None:
    """The chosen visit's code, if it is a GVHD-staging visit of the protocol."""
    if visit_code is None or not visit_code.strip():
        return None
    code = visit_code.strip()
    staging = [v.code for v in protocol.visits if STAGING_ASSESSMENT in v.assessments]
    if code not in staging:
        raise InputError.single(
            "visit_code", f"{code!r} is not a GVHD-staging visit; use one of: {', '.join(staging)}"
        )
    return code


def _refuse_taken_visit(progress: CourseProgress, earlier: list[Record], draft: Record) -> None:
    """A chosen visit already holding another assessment of the subject is refused."""
    if draft["visit_code"] is None:
        return
    same = [r for r in earlier if r.get("visit_code") == draft["visit_code"]]
    free = _DRAFT_ID in progress.matched if progress.calendar is not None else not same
    if free:
        return
    code = draft["visit_code"]
    if not same:
        raise InputError.single("visit_code", f"{code} is not in this subject's plan")
    taken = ", ".join(r["assessed_on"].isoformat() for r in same)
    raise InputError.single(
        "visit_code", f"{code} already has the assessment of {taken}; correct that one instead"
    )


def baseline_stages(row: Record, baseline: Record | None) -> OrganStages | None:
    """The baseline's stages if ``row`` is compared with it (not the baseline, not before it)."""
    if baseline is None or not has_response(assessment_ref(row), assessment_ref(baseline)):
        return None
    return stages_of(baseline)


def rederive_responses(
    uow: UnitOfWork, actor: Actor, protocol: Protocol, subject_id: int, reason: str
) -> None:
    """Bring every stored response of the subject in line with its current baseline (audited).

    Runs in the caller's transaction: after a save that made another assessment the baseline,
    and after the first study dose, which fixes study day 1 and with it the baseline visit.
    """
    rows = uow.records.find("gvhd_assessments", subject_id=subject_id)
    baseline = load_baseline(uow, protocol, subject_id, rows)
    for row in rows:
        derived = derive_response(row, baseline_stages(row, baseline), protocol)
        changes = {k: derived[k] for k in ("response", "response_rule_set")}
        update_audited(
            uow, actor, "gvhd_assessments", row, changes, reason=reason, subject_id=subject_id
        )

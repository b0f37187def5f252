"""Clinical records: visits, doses, GVHD assessments, adverse events, therapies and outcomes.

Derived values (planned dose, organ stages, grade, response, seriousness, SUSAR status and
reporting deadlines) come from the domain at save time and are never accepted as input.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Collection, Mapping

from trialdesk.domain.access import Action
from trialdesk.domain.calendar import dose_for_weight
from trialdesk.domain.errors import FieldError, InputError
from trialdesk.domain.lifecycle import SubjectState, require_study_treatment
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.protocol.treatment import Intervention
from trialdesk.domain.safety.terminology import code_adverse_event_term
from trialdesk.services.accounts.access import load_actor, require_subject
from trialdesk.services.clinical.edit_checks import check_record
from trialdesk.services.clinical.gvhd_assessments import (
    MEASUREMENT_FIELDS,
    SavedAssessment,
    derive_gvhd,
    derive_response,
    derive_stages,
    record_gvhd_assessment,
    save_gvhd_assessment,
    stages_of,
)
from trialdesk.services.clinical.recording import insert_audited
from trialdesk.services.ports import UnitOfWork
from trialdesk.services.safety.adverse_event_records import (
    adverse_event_values,
    build_adverse_event,
)
from trialdesk.services.safety.adverse_event_records import choice as _enum
from trialdesk.services.subjects.lifecycle_events import follow_dose
from trialdesk.services.subjects.subjects import apply_transition

__all__ = [
    "MEASUREMENT_FIELDS",
    "OutcomeKind",
    "SavedAssessment",
    "TherapyKind",
    "check_outcome",
    "check_therapy",
    "derive_gvhd",
    "derive_response",
    "derive_stages",
    "find_intervention",
    "outcome_state",
    "record_dose",
    "record_gvhd_assessment",
    "record_outcome",
    "record_therapy",
    "record_visit",
    "report_adverse_event",
    "save_gvhd_assessment",
    "stages_of",
]


class TherapyKind(enum.StrEnum):
    OTHER = "other"
    RESCUE = "rescue"


class OutcomeKind(enum.StrEnum):
    DEATH = "death"
    RELAPSE = "relapse"
    CHRONIC_GVHD = "chronic_gvhd"
    END_OF_STUDY_TREATMENT = "end_of_study_treatment"
    WITHDRAWAL = "withdrawal"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up"


#: Outcomes that also move the subject through the lifecycle.
_OUTCOME_STATES = {
    OutcomeKind.DEATH: SubjectState.DIED,
    OutcomeKind.END_OF_STUDY_TREATMENT: SubjectState.OFF_STUDY_TREATMENT,
    OutcomeKind.WITHDRAWAL: SubjectState.WITHDRAWN,
    OutcomeKind.LOST_TO_FOLLOW_UP: SubjectState.LOST_TO_FOLLOW_UP,
}


def record_visit(
    uow: UnitOfWork,
    *,
    as_user: int,
    subject_id: int,
    visit_code: str,
    visit_date: dt.date,
    protocol: Protocol | None = None,
    confirm: Collection[str] = (),
    confirm_reason: str | None = None,
) -> int:
    """Record that a visit took place.

    Every create use case here runs the protocol's edit checks (:mod:`.edit_checks`) in its
    transaction: ``confirm`` and ``confirm_reason`` confirm soft warnings; without a protocol
    only "no date after today" is checked.
    """
    if not visit_code.strip():
        raise InputError.single("visit_code", "must not be empty")
    with uow:
        actor = load_actor(uow, as_user)
        require_subject(uow, actor, subject_id, Action.ENTER_DATA)
        values = {
            "subject_id": subject_id,
            "visit_code": visit_code.strip(),
            "visit_date": visit_date,
        }
        checked = check_record(
            uow,
            protocol,
            "visits",
            values,
            subject_id=subject_id,
            confirm=confirm,
            reason=confirm_reason,
        )
        visit_id = insert_audited(uow, actor, "visits", values, subject_id=subject_id)
        checked.raise_queries(uow, actor, visit_id)
        uow.commit()
    return visit_id


def find_intervention(protocol: Protocol, product: str) -> Intervention:
    """The protocol's study product with this code."""
    for arm in protocol.arms:
        for intervention in arm.interventions:
            if intervention.code == product:
                return intervention
    known = sorted({i.code for arm in protocol.arms for i in arm.interventions})
    raise InputError.single("product", f"unknown product {product!r}; use one of: {known}")


def record_dose(
    uow: UnitOfWork,
    *,
    as_user: int,
    subject_id: int,
    product: str,
    administered_on: dt.date,
    weight_kg: float,
    dose_value: float,
    dose_unit: str,
    protocol: Protocol,
    confirm: Collection[str] = (),
    confirm_reason: str | None = None,
) -> int:
    """Record one administration; the planned dose for the weight comes from the protocol.

    Refused with a :class:`StateError` naming the state once the subject is off study
    treatment, in follow-up, or the study has ended for them. The first study dose moves the
    subject to ``on_treatment``, the first dose of course 2 to ``course_2`` (same transaction).
    """
    intervention = find_intervention(protocol, product)
    errors = []
    if dose_unit != intervention.unit:
        errors.append(
            FieldError("dose_unit", f"{product} is dosed in {intervention.unit}, not {dose_unit}")
        )
    if not math.isfinite(dose_value) or dose_value <= 0:
        errors.append(FieldError("dose_value", f"must be > 0, not {dose_value:g}"))
    if errors:
        raise InputError(errors)
    planned = dose_for_weight(intervention, weight_kg, protocol.weight_limits)
    with uow:
        actor = load_actor(uow, as_user)
        subject = require_subject(uow, actor, subject_id, Action.ENTER_DATA, for_update=True)
        require_study_treatment(subject["state"])
        values = {
            "subject_id": subject_id,
            "product": product,
            "administered_on": administered_on,
            "weight_kg": weight_kg,
            "dose_value": dose_value,
            "dose_unit": dose_unit,
            "planned_dose_value": planned.amount,
        }
        checked = check_record(
            uow,
            protocol,
            "dose_administrations",
            values,
            subject_id=subject_id,
            confirm=confirm,
            reason=confirm_reason,
        )
        dose_id = insert_audited(uow, actor, "dose_administrations", values, subject_id=subject_id)
        checked.raise_queries(uow, actor, dose_id)
        follow_dose(uow, actor, subject, dose_id, protocol)
        uow.commit()
    return dose_id


def report_adverse_event(
    uow: UnitOfWork,
    *,
    as_user: int,
    subject_id: int,
    ctcae_grade: int,
    onset_on: dt.date,
    aware_at: dt.datetime,
    outcome: str,
    term: str | None = None,
    meddra_code: int | None = None,
    other_term: str | None = None,
    soc: str | None = None,
    seriousness: frozenset[str] = frozenset(),
    products: Mapping[str, tuple[str, bool]] | None = None,
    protocol: Protocol | None = None,
    confirm: Collection[str] = (),
    confirm_reason: str | None = None,
) -> int:
    """Record an AE; seriousness, SUSAR status and reporting deadlines are derived.

    The term is a CTCAE v5.0 term (``meddra_code``), or "Other, specify" (``other_term`` with its
    ``soc``); a bare ``term`` is coded when it names a CTCAE term exactly, else kept uncoded
    (:func:`trialdesk.domain.safety.terminology.code_adverse_event_term`).
    ``products`` maps a product code to (investigator causality, expected). The derivation is
    the one every follow-up uses (:mod:`trialdesk.services.safety.adverse_event_records`).
    """
    coded = code_adverse_event_term(
        meddra_code=meddra_code, other_term=other_term, soc=soc, term=term
    )
    event = build_adverse_event(
        term=coded.term, ctcae_grade=ctcae_grade, onset_on=onset_on, aware_at=aware_at,
        outcome=outcome, seriousness=seriousness, products=products or {},
    )  # fmt: skip
    values = adverse_event_values(event, learnt_at=aware_at, started={})
    values.update(meddra_code=coded.meddra_code, soc=coded.soc)
    with uow:
        actor = load_actor(uow, as_user)
        require_subject(uow, actor, subject_id, Action.ENTER_DATA)
        values = {"subject_id": subject_id, **values}
        checked = check_record(
            uow,
            protocol,
            "adverse_events",
            values,
            subject_id=subject_id,
            confirm=confirm,
            reason=confirm_reason,
        )
        if aware_at > uow.clock.now():
            raise InputError.single("aware_at", f"{aware_at.isoformat()} is in the future")
        event_id = insert_audited(uow, actor, "adverse_events", values, subject_id=subject_id)
        checked.raise_queries(uow, actor, event_id)
        uow.commit()
    return event_id


def check_therapy(
    kind: str, name: str, started_on: dt.date, stopped_on: dt.date | None
) -> TherapyKind:
    """A therapy's kind, once its values hang together (also checked when one is corrected)."""
    therapy_kind = _enum(TherapyKind, kind, "kind")
    if not name.strip():
        raise InputError.single("name", "must not be empty")
    if stopped_on is not None and stopped_on < started_on:
        raise InputError.single("stopped_on", "must not be before started_on")
    return therapy_kind


def record_therapy(
    uow: UnitOfWork,
    *,
    as_user: int,
    subject_id: int,
    kind: str,
    name: str,
    started_on: dt.date,
    stopped_on: dt.date | None = None,
    indication: str | None = None,
    protocol: Protocol | None = None,
    confirm: Collection[str] = (),
    confirm_reason: str | None = None,
) -> int:
    """Record another (concomitant) or a rescue therapy."""
    therapy_kind = check_therapy(kind, name, started_on, stopped_on)
    with uow:
        actor = load_actor(uow, as_user)
        require_subject(uow, actor, subject_id, Action.ENTER_DATA)
        values = {
            "subject_id": subject_id,
            "kind": therapy_kind.value,
            "name": name.strip(),
            "started_on": started_on,
            "stopped_on": stopped_on,
            "indication": indication,
        }
        checked = check_record(
            uow,
            protocol,
            "therapies",
            values,
            subject_id=subject_id,
            confirm=confirm,
            reason=confirm_reason,
        )
        therapy_id = insert_audited(uow, actor, "therapies", values, subject_id=subject_id)
        checked.raise_queries(uow, actor, therapy_id)
        uow.commit()
    return therapy_id


def check_outcome(kind: str, cause: str | None) -> OutcomeKind:
    """An outcome's kind, once its values hang together (also checked when one is corrected)."""
    outcome = _enum(OutcomeKind, kind, "kind")
    if outcome is OutcomeKind.DEATH and not (cause or "").strip():
        raise InputError.single("cause", "a death needs its cause")
    return outcome


def outcome_state(kind: str) -> SubjectState | None:
    """The lifecycle state an outcome of this kind moves the subject to, if it moves it."""
    return _OUTCOME_STATES.get(OutcomeKind(kind))


def record_outcome(
    uow: UnitOfWork,
    *,
    as_user: int,
    subject_id: int,
    kind: str,
    occurred_on: dt.date,
    cause: str | None = None,
    details: str | None = None,
    protocol: Protocol | None = None,
    confirm: Collection[str] = (),
    confirm_reason: str | None = None,
) -> int:
    """Record an outcome; death, withdrawal, loss and end of treatment also move the lifecycle."""
    outcome = check_outcome(kind, cause)
    with uow:
        actor = load_actor(uow, as_user)
        subject = require_subject(uow, actor, subject_id, Action.ENTER_DATA, for_update=True)
        values = {
            "subject_id": subject_id,
            "kind": outcome.value,
            "occurred_on": occurred_on,
            "cause": cause,
            "details": details,
        }
        checked = check_record(
            uow,
            protocol,
            "outcomes",
            values,
            subject_id=subject_id,
            confirm=confirm,
            reason=confirm_reason,
        )
        outcome_id = insert_audited(uow, actor, "outcomes", values, subject_id=subject_id)
        checked.raise_queries(uow, actor, outcome_id)
        if outcome in _OUTCOME_STATES:
            apply_transition(uow, actor, subject, _OUTCOME_STATES[outcome], f"outcome: {kind}")
        uow.commit()
    return outcome_id

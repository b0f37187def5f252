"""A subject's clinical records: doses, visits, assessments, AEs, therapies, outcomes, signatures.

Each save goes through its service (one transaction, audited); the answer carries the derived
values, so the client shows what the protocol computed: an assessment's come from the
transaction that saved it, the other records' are read back through the subject view.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from trialdesk.domain.errors import AuthenticationError, InputError, NotFoundError
from trialdesk.entrypoints.api.deps import ApiUser, ContextDep
from trialdesk.entrypoints.api.routes.subjects import SubjectId
from trialdesk.entrypoints.api.schemas.clinical import (
    AdverseEventCreate,
    AdverseEventRead,
    AssessmentCreate,
    AssessmentSaved,
    DoseCreate,
    DoseRead,
    OutcomeCreate,
    RecordRead,
    SignatureCreate,
    SignatureRead,
    TherapyCreate,
    VisitCreate,
    VisitRead,
)
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.entrypoints.api.subject_reads import (
    adverse_event_read,
    current_subject,
    fields_under,
    next_step_read,
)
from trialdesk.services.clinical import clinical
from trialdesk.services.clinical.clinical import MEASUREMENT_FIELDS
from trialdesk.services.review import review
from trialdesk.services.subjects import subject_view

__all__ = ["router", "sign_as"]

router = APIRouter(prefix="/subjects", tags=["clinical"], responses=ERROR_RESPONSES)
_CREATED = status.HTTP_201_CREATED


def _page(context: ContextDep, principal: ApiUser, subject_id: int) -> subject_view.SubjectPage:
    return subject_view.load_subject_page(
        context.store.new_read_uow(), as_user=principal.user_id, subject_id=subject_id,
        protocol=context.protocol,
    )  # fmt: skip


def sign_as(
    context: ContextDep, user_id: int, entity: str, record_id: int, password: str, meaning: str
) -> review.SignatureRead:
    """Sign through the review service; a wrong password is a problem with the password field."""
    try:
        return review.sign_record(
            context.store.new_uow(), as_user=user_id, entity=entity, record_id=record_id,
            password=password, meaning=meaning,
        )  # fmt: skip
    except AuthenticationError as error:
        # Re-entering the password is part of the form; the session itself is still good.
        raise InputError.single("password", error.message) from None


def _missing(what: str, record_id: int) -> NotFoundError:
    return NotFoundError(f"{what} {record_id} not found")


@router.post("/{subject_id}/doses", response_model=DoseRead, status_code=_CREATED)
def record_dose(
    body: DoseCreate, context: ContextDep, principal: ApiUser, subject_id: int = SubjectId
) -> DoseRead:
    """Record one administration; the planned dose for the recorded weight is derived."""
    dose_id = clinical.record_dose(
        context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
        product=body.product, administered_on=body.administered_on, weight_kg=body.weight_kg,
        dose_value=body.dose_value, dose_unit=body.dose_unit, protocol=context.protocol,
        confirm=body.confirm, confirm_reason=body.reason,
    )  # fmt: skip
    row = next((d for d in _page(context, principal, subject_id).doses if d["id"] == dose_id), None)
    if row is None:
        raise _missing("dose", dose_id)
    return DoseRead.model_validate(row, from_attributes=False)


@router.post("/{subject_id}/visits", response_model=VisitRead, status_code=_CREATED)
def record_visit(
    body: VisitCreate, context: ContextDep, principal: ApiUser, subject_id: int = SubjectId
) -> VisitRead:
    """Record a visit; a date outside its window is saved and flagged (``window``)."""
    visit_id = clinical.record_visit(
        context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
        visit_code=body.visit_code, visit_date=body.visit_date, protocol=context.protocol,
        confirm=body.confirm, confirm_reason=body.reason,
    )  # fmt: skip
    page = _page(context, principal, subject_id)
    window = next(
        (
            item.window
            for item in page.timeline
            if item.kind == "visit" and item.code == body.visit_code
            and item.done_on == body.visit_date
        ),
        None,
    )  # fmt: skip
    return VisitRead(
        id=visit_id, visit_code=body.visit_code, visit_date=body.visit_date, window=window
    )


@router.post("/{subject_id}/assessments", response_model=AssessmentSaved, status_code=_CREATED)
def record_assessment(
    body: AssessmentCreate, context: ContextDep, principal: ApiUser, subject_id: int = SubjectId
) -> AssessmentSaved:
    """Record raw GVHD measurements; stages, grade, response and the next step are derived."""
    with fields_under("measurements", MEASUREMENT_FIELDS):
        saved = clinical.save_gvhd_assessment(
            context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
            assessed_on=body.assessed_on, measurements=body.measurements.model_dump(mode="json"),
            protocol=context.protocol, read_after=context.store.new_read_uow(),
            visit_code=body.visit_code,
            confirm=body.confirm, confirm_reason=body.reason,
            additional_therapy=body.additional_therapy,
            additional_therapy_names=body.additional_therapy_names,
            attribution=None if body.attribution is None
            else body.attribution.model_dump(mode="json", exclude_none=True),
        )  # fmt: skip
    return AssessmentSaved(
        id=saved.id, assessed_on=saved.assessed_on, visit=saved.visit, course=saved.course,
        stages=saved.stages, grade=saved.grade, response=saved.response,
        next_step=next_step_read(saved.next_step), grading_system=saved.grading_system,
        response_rule_set=saved.response_rule_set,
        additional_therapy=saved.additional_therapy,
        additional_therapy_names=saved.additional_therapy_names,
        attribution=saved.attribution,
    )  # fmt: skip


@router.post("/{subject_id}/adverse-events", response_model=AdverseEventRead, status_code=_CREATED)
def report_adverse_event(
    body: AdverseEventCreate, context: ContextDep, principal: ApiUser, subject_id: int = SubjectId
) -> AdverseEventRead:
    """Report an AE; seriousness, SUSAR status and the reporting clocks are derived."""
    event_id = clinical.report_adverse_event(
        context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
        term=body.term, meddra_code=body.meddra_code, other_term=body.other_term,
        soc=body.soc, ctcae_grade=body.ctcae_grade, onset_on=body.onset_on,
        aware_at=body.aware_at, outcome=body.outcome.value,
        seriousness=frozenset(c.value for c in body.seriousness),
        products={p.product: (p.causality.value, p.expected) for p in body.products},
        protocol=context.protocol, confirm=body.confirm, confirm_reason=body.reason,
    )  # fmt: skip
    page = _page(context, principal, subject_id)
    view = next((e for e in page.adverse_events if e.id == event_id), None)
    if view is None:
        raise _missing("adverse event", event_id)
    return adverse_event_read(view)


@router.post("/{subject_id}/therapies", response_model=RecordRead, status_code=_CREATED)
def record_therapy(
    body: TherapyCreate, context: ContextDep, principal: ApiUser, subject_id: int = SubjectId
) -> RecordRead:
    """Record another (concomitant) or a rescue therapy."""
    therapy_id = clinical.record_therapy(
        context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
        kind=body.kind.value, name=body.name, started_on=body.started_on,
        stopped_on=body.stopped_on, indication=body.indication, protocol=context.protocol,
        confirm=body.confirm, confirm_reason=body.reason,
    )  # fmt: skip
    subject = current_subject(
        context.store.new_read_uow, as_user=principal.user_id, subject_id=subject_id
    )
    return RecordRead(id=therapy_id, subject=subject)


@router.post("/{subject_id}/outcomes", response_model=RecordRead, status_code=_CREATED)
def record_outcome(
    body: OutcomeCreate, context: ContextDep, principal: ApiUser, subject_id: int = SubjectId
) -> RecordRead:
    """Record an outcome; death, withdrawal, loss and end of treatment also change the state."""
    outcome_id = clinical.record_outcome(
        context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
        kind=body.kind.value, occurred_on=body.occurred_on, cause=body.cause,
        details=body.details, protocol=context.protocol, confirm=body.confirm,
        confirm_reason=body.reason,
    )  # fmt: skip
    subject = current_subject(
        context.store.new_read_uow, as_user=principal.user_id, subject_id=subject_id
    )
    return RecordRead(id=outcome_id, subject=subject)


@router.post("/{subject_id}/signatures", response_model=SignatureRead, status_code=_CREATED)
def sign_record(
    body: SignatureCreate, context: ContextDep, principal: ApiUser, subject_id: int = SubjectId
) -> SignatureRead:
    """Sign one of the subject's records: re-enter your password; the manifest is returned."""
    # The record must belong to the subject in the path; otherwise it is "not found".
    page = _page(context, principal, subject_id)
    owned = {
        "gvhd_assessments": {a.id for a in page.assessments},
        "adverse_events": {e.id for e in page.adverse_events},
        "dose_administrations": {d["id"] for d in page.doses},
        "consents": {c["id"] for c in page.consents},
        "visits": {v["id"] for v in page.visits},
        "therapies": {t["id"] for t in page.therapies},
        "outcomes": {o["id"] for o in page.outcomes},
    }
    if body.record_id not in owned.get(body.entity, set()):
        raise NotFoundError(f"{body.entity} {body.record_id} not found")
    signed = sign_as(context, principal.user_id, body.entity, body.record_id, body.password,
                     body.meaning)  # fmt: skip
    return SignatureRead(
        id=signed.id, entity=body.entity, entity_id=body.record_id,
        printed_name=signed.printed_name, signed_at=signed.signed_at, meaning=signed.meaning,
        is_valid=signed.is_valid,
    )  # fmt: skip

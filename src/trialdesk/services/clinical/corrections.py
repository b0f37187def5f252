"""Corrections and deletions of saved clinical records: always with a reason, always audited.

Derived values are recomputed from the corrected raw values through the same domain functions
used at first save (:mod:`correction_rules`); a correction to a signed record invalidates the
signature. A GVHD response is derived against the subject's baseline assessment
(:mod:`gvhd_baseline`), so correcting or deleting an assessment re-derives every assessment of
that subject whose derived values change; the subject's state follows its corrected screening,
consent and outcome records (:mod:`correction_state`). All of it happens in the correction's
transaction, audited with its reason.

A deletion is logical: the row stays, marked with who deleted it, when and why, and one
``delete`` audit entry keeps its whole content. A deleted record cannot be corrected or deleted
again ("not found"); a locked one refuses both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trialdesk.domain.access import Action
from trialdesk.domain.errors import InputError, NotFoundError, PermissionDeniedError
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.refusals import refusal_message
from trialdesk.services.accounts.access import Actor, load_actor, require_subject
from trialdesk.services.clinical.correction_rules import EDITABLE_FIELDS, corrected_record
from trialdesk.services.clinical.correction_state import settle_state, state_facts
from trialdesk.services.clinical.edit_checks import check_correction
from trialdesk.services.clinical.gvhd_baseline import derive_against_baseline, rederive_assessments
from trialdesk.services.clinical.recording import (
    ChangeSet,
    delete_audited,
    require_reason,
    update_audited,
)
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.review.lock_lookup import LockedError, covering_lock
from trialdesk.services.review.query_opening import answer_by_correction, query_to_answer
from trialdesk.services.subjects.investigator_criteria import check_answer_rights
from trialdesk.services.subjects.subjects import screening_values

__all__ = [
    "COLLECTIONS",
    "EDITABLE_FIELDS",
    "correct_record",
    "delete_record",
    "load_subject_record",
]

#: The record kinds as the API and the pages name them (``/subjects/{id}/{collection}/…``).
COLLECTIONS: Mapping[str, str] = {
    "screenings": "screening_records",
    "consents": "consents",
    "visits": "visits",
    "doses": "dose_administrations",
    "assessments": "gvhd_assessments",
    "adverse-events": "adverse_events",
    "therapies": "therapies",
    "outcomes": "outcomes",
    "forms": "form_records",
}


def load_subject_record(
    uow: UnitOfWork,
    actor: Actor,
    entity: str,
    record_id: int,
    action: Action,
    *,
    for_update: bool = False,
) -> Record:
    """A record of a subject the actor may act on; otherwise "not found", whatever the cause.

    ``for_update=True`` reads the owning subject for update (see :func:`require_subject`) and
    then reads the record again: a change of the same record that held the subject's row lock
    has committed by then, and what follows (audit "old" values, re-derivations) must start from
    its result, not from the copy read before the wait.
    """
    if entity not in EDITABLE_FIELDS:
        raise InputError.single("entity", f"unknown record type {entity!r}")
    record = uow.records.get(entity, record_id)
    try:
        if record is None:
            raise NotFoundError("missing")
        require_subject(uow, actor, record["subject_id"], action, for_update=for_update)
        if for_update:
            record = uow.records.get(entity, record_id)
            if record is None:  # deleted while this request waited for the subject's row
                raise NotFoundError("missing")
    except NotFoundError:
        raise NotFoundError(f"{entity} {record_id} not found") from None
    return record


def _record_to_change(
    uow: UnitOfWork, actor: Actor, entity: str, record_id: int, subject_id: int | None
) -> Record:
    """The live record, read after its subject's row, if this actor may change it now.

    Another subject's record (``subject_id`` given), a deleted record or one the actor may not
    see is "not found"; a role that sees it but may not enter data is refused; so is a locked
    record, whatever the change.
    """
    record = load_subject_record(
        uow, actor, entity, record_id, Action.VIEW_SUBJECT, for_update=True
    )
    if record.get("deleted_at") is not None or (
        subject_id is not None and record["subject_id"] != subject_id
    ):
        raise NotFoundError(f"{entity} {record_id} not found")
    subject = uow.records.get("subjects", record["subject_id"])
    assert subject is not None
    if not actor.may(Action.ENTER_DATA, subject["site_id"]):
        raise PermissionDeniedError(
            refusal_message(Action.ENTER_DATA, subject_id=record["subject_id"])
        )
    lock = covering_lock(uow, entity, record_id, record["subject_id"], subject["site_id"])
    if lock is not None:
        raise LockedError(lock)
    return record


def _attest_corrected_answers(
    uow: UnitOfWork,
    actor: Actor,
    protocol: Protocol,
    record: Record,
    corrected: Record,
    subject: Record,
) -> None:
    """Investigator-only answers are corrected by an investigator at the site, who attests them.

    A removed answer counts as changed: a coordinator may not withdraw an investigator's
    judgement either.
    """
    old, new = record["answers"], corrected["answers"]
    changed = {k: new.get(k, "(removed)") for k in set(old) | set(new) if old.get(k) != new.get(k)}
    check_answer_rights(actor, subject["site_id"], protocol, changed)
    corrected.update(
        screening_values(
            protocol, new, actor=actor, at=uow.clock.now(), attested_now=changed,
            earlier=record["criteria_results"],
        )
    )  # fmt: skip


def correct_record(
    uow: UnitOfWork,
    *,
    as_user: int,
    entity: str,
    record_id: int,
    changes: Mapping[str, Any],
    reason: str | None,
    protocol: Protocol,
    subject_id: int | None = None,
    query_id: int | None = None,
) -> ChangeSet:
    """Correct fields of a saved record; returns each changed field's (old, new) value, and in
    ``sdv_reset`` the source-verification marks the correction reset.

    With ``subject_id`` the record must belong to that subject. Everything derived from the
    record (its own derived values, the responses of the subject's assessments, the subject's
    state) is re-derived in the same transaction. With ``query_id`` the correction answers that
    query (open or re-opened, on this record) in the same transaction too: both are saved, or
    neither.
    """
    why = require_reason(reason)
    if entity not in EDITABLE_FIELDS:
        raise InputError.single("entity", f"unknown record type {entity!r}")
    with uow:
        actor = load_actor(uow, as_user)
        record = _record_to_change(uow, actor, entity, record_id, subject_id)
        query = None if query_id is None else query_to_answer(uow, query_id, entity, record_id)
        corrected = corrected_record(uow, entity, record, changes, protocol)
        if entity == "gvhd_assessments":
            corrected.update(derive_against_baseline(uow, corrected, protocol))
        owner = int(record["subject_id"])
        subject = uow.records.get("subjects", owner)
        assert subject is not None
        if entity == "screening_records":
            _attest_corrected_answers(uow, actor, protocol, record, corrected, subject)
        facts = state_facts(uow, entity, record, corrected, subject)
        check_correction(uow, actor, protocol, entity, record_id, corrected, reason=why)
        diff = update_audited(
            uow, actor, entity, record, {k: v for k, v in corrected.items() if k != "id"},
            reason=why, subject_id=owner,
        )  # fmt: skip
        if diff:
            # A dose date moves study day 1 and with it the baseline visit.
            if entity in {"gvhd_assessments", "dose_administrations"}:
                rederive_assessments(uow, actor, owner, why, protocol)
            settle_state(uow, actor, entity, owner, facts, why)
        if query is not None:
            answer_by_correction(
                uow, actor, query, table=entity, before=record, after=corrected, reason=why,
                protocol=protocol,
            )  # fmt: skip
        uow.commit()
    return diff


def delete_record(
    uow: UnitOfWork,
    *,
    as_user: int,
    entity: str,
    record_id: int,
    reason: str | None,
    protocol: Protocol | None = None,
    subject_id: int | None = None,
    query_id: int | None = None,
) -> None:
    """Delete a record entered in error (logically); the audit trail keeps its full content.

    With ``query_id`` the deletion answers that query in its transaction, like a correction.

    Deleting a GVHD assessment needs the protocol: the subject's remaining assessments are
    re-derived, since the deleted one may have been the baseline. Deleting a screening, consent
    or outcome record puts the subject's state back in line with what remains.
    """
    why = require_reason(reason)
    if entity == "gvhd_assessments" and protocol is None:
        raise InputError.single(
            "protocol", "deleting a GVHD assessment re-derives the others' responses; give it"
        )
    with uow:
        actor = load_actor(uow, as_user)
        record = _record_to_change(uow, actor, entity, record_id, subject_id)
        query = None if query_id is None else query_to_answer(uow, query_id, entity, record_id)
        owner = int(record["subject_id"])
        subject = uow.records.get("subjects", owner)
        assert subject is not None
        facts = state_facts(uow, entity, record, None, subject)
        delete_audited(uow, actor, entity, record, reason=why, subject_id=owner)
        if protocol is not None and entity in {"gvhd_assessments", "dose_administrations"}:
            rederive_assessments(uow, actor, owner, why, protocol)
        settle_state(uow, actor, entity, owner, facts, why)
        if query is not None:
            answer_by_correction(
                uow, actor, query, table=entity, before=record, after=None, reason=why,
                protocol=protocol,
            )  # fmt: skip
        uow.commit()

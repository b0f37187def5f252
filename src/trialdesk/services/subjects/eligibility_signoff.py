"""The investigator's part of eligibility: judgement criteria and the eligibility signature.

ICH E6 makes eligibility the investigator's responsibility. Criteria the protocol reserves to the
investigator (``attested_by: investigator``) are answered only by an investigator at the subject's
site: a screening saved by anyone else leaves them pending, and the investigator attests them later
on the same screening record. The investigator then signs the screening record (21 CFR 11 signature,
password re-entered) with :data:`ELIGIBILITY_MEANING`; a later change of the record invalidates the
signature (``services/clinical/recording.py``), and randomization refuses while the latest screening
has no signature that still holds.

Who attested each judgement is kept twice: in the record's ``criteria_results`` row of the
criterion (``attested_by``, ``attested_at``) and in the audit trail of the change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from trialdesk.domain.access import Action
from trialdesk.domain.eligibility import (
    EligibilityResult,
    evaluate_eligibility,
    investigator_fields,
)
from trialdesk.domain.errors import FieldError, InputError, PermissionDeniedError, StateError
from trialdesk.domain.lifecycle import SubjectState
from trialdesk.domain.protocol import Protocol
from trialdesk.services.accounts.access import Actor, load_actor, require_subject
from trialdesk.services.clinical.recording import require_reason, update_audited
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.review.review import SignatureRead, signature_holds, write_signature
from trialdesk.services.subjects.investigator_criteria import may_attest, screening_results
from trialdesk.services.subjects.subjects import apply_transition

__all__ = [
    "ELIGIBILITY_MEANING",
    "EligibilitySignature",
    "EligibilitySignoff",
    "attest_criteria",
    "eligibility_signature",
    "load_signoff",
    "sign_eligibility",
]

#: The meaning of the investigator's eligibility signature (21 CFR 11.50).
ELIGIBILITY_MEANING = "I confirm this subject meets all eligibility criteria"
_ENTITY = "screening_records"


def _latest_screening(uow: UnitOfWork, subject_id: int) -> Record | None:
    """The screening record in force: the last one saved (randomization reads the same one)."""
    found = uow.records.find(_ENTITY, subject_id=subject_id)
    return found[-1] if found else None


def eligibility_signature(uow: UnitOfWork, screening: Record) -> Record | None:
    """The investigator's eligibility signature on this screening record, if one still holds."""
    for signature in reversed(
        uow.records.find("signatures", entity=_ENTITY, entity_id=screening["id"], is_valid=True)
    ):
        if signature["meaning"] == ELIGIBILITY_MEANING and signature_holds(signature, screening):
            return signature
    return None


def _require_investigator(uow: UnitOfWork, actor: Actor, subject_id: int, doing: str) -> Record:
    """The subject's row, locked, for an investigator at its site.

    Another site's subject is "not found"; a colleague at the subject's own site who is not an
    investigator is told that the act is the investigator's.
    """
    subject = require_subject(uow, actor, subject_id, Action.VIEW_SUBJECT, for_update=True)
    if not may_attest(actor, subject["site_id"]):
        raise PermissionDeniedError(f"only an investigator at this site may {doing}")
    return subject


def _require_screening(uow: UnitOfWork, subject_id: int) -> Record:
    screening = _latest_screening(uow, subject_id)
    if screening is None:
        raise StateError("no screening record yet: save the screening first")
    return screening


def attest_criteria(
    uow: UnitOfWork,
    *,
    as_user: int,
    subject_id: int,
    answers: Mapping[str, bool],
    protocol: Protocol,
    reason: str | None = None,
) -> EligibilityResult:
    """The investigator answers investigator-only criteria on the latest screening record.

    The record is updated in place (audited), its eligibility re-evaluated; a judgement that
    keeps the patient out makes the subject a screen failure, as at screening. Changing an
    attestation already given needs a reason; any change invalidates an eligibility signature.
    """
    reserved = investigator_fields(protocol)
    unknown = [name for name in answers if name not in reserved]
    if unknown:
        raise InputError(
            FieldError(f"answers.{name}", "is not a criterion reserved to the investigator")
            for name in unknown
        )
    if not answers:
        raise InputError.single("answers", "answer at least one investigator criterion")
    with uow:
        actor = load_actor(uow, as_user)
        subject = _require_investigator(uow, actor, subject_id, "attest eligibility criteria")
        screening = _require_screening(uow, subject_id)
        old_answers: Mapping[str, object] = screening["answers"]
        changed = {k: v for k, v in answers.items() if old_answers.get(k) != v}
        revised = [k for k in changed if old_answers.get(k) is not None]
        why = require_reason(reason) if revised else (reason or "investigator attestation")
        merged = {**old_answers, **answers}
        result = evaluate_eligibility(protocol, merged)
        rows = screening_results(
            result, protocol, actor, uow.clock.now(), changed, screening["criteria_results"]
        )
        update_audited(
            uow, actor, _ENTITY, screening,
            {"answers": merged, "criteria_results": rows, "eligible": result.eligible},
            reason=why, subject_id=subject_id, require_reason_for_change=False,
        )  # fmt: skip
        if result.excluded and subject["state"] == SubjectState.SCREENING.value:
            apply_transition(
                uow, actor, subject, SubjectState.SCREEN_FAILED, "screening: not eligible"
            )
        uow.commit()
    return result


@dataclass(frozen=True, slots=True)
class EligibilitySignature:
    """The signature manifest and the screening record it signs."""

    screening_id: int
    signature: SignatureRead


def sign_eligibility(
    uow: UnitOfWork, *, as_user: int, subject_id: int, password: str
) -> EligibilitySignature:
    """The investigator signs the latest screening record: the subject meets every criterion."""
    if not password:
        raise InputError.single("password", "signing requires re-entering your password")
    with uow:
        actor = load_actor(uow, as_user)
        _require_investigator(uow, actor, subject_id, "sign eligibility")
        screening = _require_screening(uow, subject_id)
        failed = [
            f"{row['criterion']} {row['status'].replace('_', ' ')}"
            for row in screening["criteria_results"]
            if row["status"] not in {"met", "attested"}
        ]
        if failed:
            raise StateError(
                "cannot sign eligibility: not every criterion is met (" + ", ".join(failed) + ")"
            )
        existing = eligibility_signature(uow, screening)
        if existing is not None:
            raise StateError(
                f"eligibility is already signed by {existing['printed_name']} "
                f"at {existing['signed_at']:%Y-%m-%d %H:%M} UTC"
            )
        signed = write_signature(
            uow, actor, _ENTITY, screening, password=password, meaning=ELIGIBILITY_MEANING
        )
        uow.commit()
    return EligibilitySignature(int(screening["id"]), signed)


@dataclass(frozen=True, slots=True)
class EligibilitySignoff:
    """What the screening and randomize pages show of the investigator's part."""

    #: The user is an investigator at the subject's site.
    may_attest: bool
    screening_id: int | None
    #: Investigator-only criteria still without an answer on the latest screening.
    awaiting: tuple[str, ...]
    #: criterion id → (username, ISO time) of its attestation.
    attested: Mapping[str, tuple[str, str]]
    #: Every criterion of the latest screening is met or attested.
    complete: bool
    signature: Record | None

    @property
    def ready_to_sign(self) -> bool:
        return self.complete and self.signature is None


def load_signoff(
    uow: UnitOfWork, *, as_user: int, subject_id: int, protocol: Protocol
) -> EligibilitySignoff:
    """The eligibility sign-off state of a subject the user may see."""
    reserved = {c.id for c in protocol.criteria if c.investigator_only}
    with uow:
        actor = load_actor(uow, as_user)
        subject = require_subject(uow, actor, subject_id, Action.VIEW_SUBJECT)
        investigator = may_attest(actor, subject["site_id"])
        screening = _latest_screening(uow, subject_id)
        if screening is None:
            return EligibilitySignoff(investigator, None, tuple(sorted(reserved)), {}, False, None)
        rows = screening["criteria_results"]
        return EligibilitySignoff(
            may_attest=investigator,
            screening_id=screening["id"],
            awaiting=tuple(
                r["criterion"]
                for r in rows
                if r["criterion"] in reserved and r["status"] == "missing"
            ),
            attested={
                r["criterion"]: (r["attested_by"], r["attested_at"])
                for r in rows
                if "attested_by" in r
            },
            complete=all(r["status"] in {"met", "attested"} for r in rows),
            signature=eligibility_signature(uow, screening),
        )

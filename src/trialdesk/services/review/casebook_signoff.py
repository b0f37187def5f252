"""Casebook sign-off: the site's investigator signs a subject's whole casebook (21 CFR 11.50).

The signature re-checks the password, keeps the manifest (printed name, UTC time, meaning) and is
bound to a fingerprint over every live record of the casebook tables. Any later write to one of
those tables invalidates it (see :mod:`trialdesk.services.clinical.recording`) and puts the subject
back on the investigator's worklist (:func:`awaiting_signature`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from trialdesk.domain.access import Action
from trialdesk.domain.audit import AuditAction
from trialdesk.domain.errors import InputError, StateError
from trialdesk.domain.lifecycle import SubjectState
from trialdesk.domain.source_verification import CASEBOOK_TABLES, casebook_fingerprint
from trialdesk.services.accounts.access import load_actor, require_action_anywhere, require_subject
from trialdesk.services.accounts.accounts import verify_password
from trialdesk.services.clinical.recording import audit_event
from trialdesk.services.ports import Record, UnitOfWork

__all__ = [
    "SIGNABLE_STATES",
    "AwaitingSignature",
    "CasebookSignature",
    "awaiting_signature",
    "casebook_signature",
    "sign_casebook",
]

#: A casebook is complete enough to sign once the subject was randomized (or got further).
SIGNABLE_STATES = frozenset(SubjectState) - {
    SubjectState.SCREENING,
    SubjectState.ELIGIBLE,
    SubjectState.SCREEN_FAILED,
}


@dataclass(frozen=True, slots=True)
class CasebookSignature:
    """The latest casebook signature of a subject and whether it still holds."""

    id: int
    subject_id: int
    printed_name: str
    signed_at: dt.datetime
    meaning: str
    is_valid: bool
    invalidated_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class AwaitingSignature:
    """A subject on the investigator's sign-off worklist; ``invalidated_at`` if signed before."""

    subject_id: int
    subject_code: str
    site_code: str
    invalidated_at: dt.datetime | None


def _fingerprint(uow: UnitOfWork, subject_id: int) -> str:
    return casebook_fingerprint(
        {table: uow.records.find(table, subject_id=subject_id) for table in CASEBOOK_TABLES}
    )


def _read(row: Record) -> CasebookSignature:
    return CasebookSignature(
        id=int(row["id"]), subject_id=int(row["entity_id"]), printed_name=row["printed_name"],
        signed_at=row["signed_at"], meaning=row["meaning"], is_valid=bool(row["is_valid"]),
        invalidated_at=row["invalidated_at"],
    )  # fmt: skip


def sign_casebook(
    uow: UnitOfWork, *, as_user: int, subject_id: int, password: str, meaning: str
) -> CasebookSignature:
    """Sign the subject's casebook as it is now (the site's investigator, password re-entered)."""
    why = meaning.strip()
    if not why:
        raise InputError.single("meaning", "must not be empty")
    if not password:
        raise InputError.single("password", "signing requires re-entering your password")
    with uow:
        actor = load_actor(uow, as_user)
        subject = require_subject(uow, actor, subject_id, Action.SIGN, for_update=True)
        if subject["state"] not in SIGNABLE_STATES:
            raise StateError("the casebook can be signed once the subject is randomized")
        user = uow.records.get("users", as_user)
        assert user is not None
        verify_password(uow, user, password)
        if any(
            row["is_valid"]
            for row in uow.records.find("signatures", entity="subjects", entity_id=subject_id)
        ):
            raise StateError("the casebook is already signed and unchanged since")
        values = {
            "subject_id": subject_id, "entity": "subjects", "entity_id": subject_id,
            "user_id": as_user, "printed_name": user["full_name"], "meaning": why,
            "signed_at": uow.clock.now(), "record_hash": _fingerprint(uow, subject_id),
            "is_valid": True, "invalidated_at": None,
        }  # fmt: skip
        signature_id = uow.records.add("signatures", values)
        audit_event(
            uow, actor, AuditAction.SIGN, "subjects", subject_id, subject_id=subject_id,
            new={"signature": signature_id, "printed_name": user["full_name"], "meaning": why,
                 "record_hash": values["record_hash"]},
        )  # fmt: skip
        uow.commit()
    return _read({**values, "id": signature_id})


def casebook_signature(
    uow: UnitOfWork, *, as_user: int | None, subject_id: int
) -> CasebookSignature | None:
    """The subject's latest casebook signature; it holds only while the casebook is unchanged."""
    with uow:
        actor = load_actor(uow, as_user)
        require_subject(uow, actor, subject_id, Action.VIEW_SUBJECT)
        rows = uow.records.find("signatures", entity="subjects", entity_id=subject_id)
        if not rows:
            return None
        latest = _read(rows[-1])
        holds = latest.is_valid and rows[-1]["record_hash"] == _fingerprint(uow, subject_id)
        if latest.is_valid and not holds:
            return dataclasses.replace(latest, is_valid=False)
        return latest


def awaiting_signature(uow: UnitOfWork, *, as_user: int) -> list[AwaitingSignature]:
    """Subjects of the investigator's sites whose casebook awaits (re-)signing, by site."""
    with uow:
        actor = load_actor(uow, as_user)
        require_action_anywhere(actor, Action.SIGN)
        sites = {int(s["id"]): s["code"] for s in uow.records.find("sites")}
        waiting: list[AwaitingSignature] = []
        for subject in uow.records.find("subjects"):
            if subject["state"] not in SIGNABLE_STATES:
                continue
            if not actor.may(Action.SIGN, int(subject["site_id"])):
                continue
            rows = uow.records.find("signatures", entity="subjects", entity_id=subject["id"])
            if rows and rows[-1]["is_valid"]:
                continue
            waiting.append(
                AwaitingSignature(
                    subject_id=int(subject["id"]),
                    subject_code=subject["subject_code"] or subject["screening_number"],
                    site_code=sites.get(int(subject["site_id"]), ""),
                    invalidated_at=rows[-1]["invalidated_at"] if rows else None,
                )
            )
    waiting.sort(key=lambda w: (w.site_code, w.subject_code))
    return waiting

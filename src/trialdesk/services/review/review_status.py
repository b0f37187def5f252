"""What the record page shows of a form's review: its SDV marks, the lock over it, who may act.

Read-only and in one transaction, so the page shows one consistent state of marks and locks.
"""

from __future__ import annotations

from dataclasses import dataclass

from trialdesk.domain.access import Action
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.record_fields import field_paths
from trialdesk.services.accounts.access import load_actor, require_subject
from trialdesk.services.clinical.corrections import load_subject_record
from trialdesk.services.ports import UnitOfWork
from trialdesk.services.review import casebook_signoff
from trialdesk.services.review.casebook_signoff import CasebookSignature
from trialdesk.services.review.lock_lookup import CoveringLock, covering_lock
from trialdesk.services.review.source_verification import SdvMarkRead, mark_read, required_records

__all__ = [
    "CasebookReview",
    "FormReview",
    "LockReadiness",
    "casebook_review",
    "form_review",
    "lock_readiness",
]


@dataclass(frozen=True, slots=True)
class FormReview:
    """The form's SDV marks (live and reset, oldest first), its covering lock, and rights."""

    marks: tuple[SdvMarkRead, ...]
    lock: CoveringLock | None
    #: The lock's own id when it is this form's lock (unlockable from the form's page).
    form_lock_id: int | None
    paths: tuple[str, ...]
    may_verify: bool
    may_lock: bool

    @property
    def form_mark(self) -> SdvMarkRead | None:
        """The live whole-form mark, if any."""
        return next((m for m in self.marks if m.field is None and m.reset_at is None), None)

    def field_mark(self, path: str) -> SdvMarkRead | None:
        """The latest mark of a field (live or reset)."""
        return next((m for m in reversed(self.marks) if m.field == path), None)


def form_review(uow: UnitOfWork, *, as_user: int | None, table: str, record_id: int) -> FormReview:
    with uow:
        actor = load_actor(uow, as_user)
        record = load_subject_record(uow, actor, table, record_id, Action.VIEW_SUBJECT)
        subject = uow.records.get("subjects", int(record["subject_id"]))
        assert subject is not None
        site_id = int(subject["site_id"])
        marks = tuple(
            mark_read(uow, m)
            for m in uow.records.find("sdv_marks", entity=table, entity_id=record_id)
        )
        lock = covering_lock(uow, table, record_id, int(record["subject_id"]), site_id)
        return FormReview(
            marks=marks,
            lock=lock,
            form_lock_id=lock.lock_id if lock is not None and lock.level == "form" else None,
            paths=tuple(field_paths(table, record)),
            may_verify=actor.may(Action.VERIFY_SOURCE, site_id),
            may_lock=actor.may(Action.LOCK, site_id),
        )


@dataclass(frozen=True, slots=True)
class CasebookReview:
    """What the subject page shows of the casebook: its signature, its lock, who may act."""

    signature: CasebookSignature | None
    signable: bool
    may_sign: bool
    lock: CoveringLock | None
    subject_lock_id: int | None
    may_lock: bool


def casebook_review(uow: UnitOfWork, *, as_user: int | None, subject_id: int) -> CasebookReview:
    signature = casebook_signoff.casebook_signature(uow, as_user=as_user, subject_id=subject_id)
    with uow:
        actor = load_actor(uow, as_user)
        subject = require_subject(uow, actor, subject_id, Action.VIEW_SUBJECT)
        site_id = int(subject["site_id"])
        lock = covering_lock(uow, "subjects", subject_id, subject_id, site_id)
        return CasebookReview(
            signature=signature,
            signable=subject["state"] in casebook_signoff.SIGNABLE_STATES,
            may_sign=actor.may(Action.SIGN, site_id),
            lock=lock,
            subject_lock_id=lock.lock_id if lock is not None and lock.level == "subject" else None,
            may_lock=actor.may(Action.LOCK, site_id),
        )


@dataclass(frozen=True, slots=True)
class LockReadiness:
    """Whether a subject is ready to lock, and if not, why (for the data manager)."""

    subject_id: int
    subject_code: str
    site_code: str
    reasons: tuple[str, ...]

    @property
    def ready(self) -> bool:
        return not self.reasons


def lock_readiness(
    uow: UnitOfWork, *, as_user: int | None, protocol: Protocol
) -> list[LockReadiness]:
    """Per subject of the data manager's sites: open queries, records the SDV plan requires
    that are not verified, a missing or invalidated casebook signature."""
    unverified: dict[int, int] = {}
    for _site, subject, _table, _record, done in required_records(
        uow, as_user=as_user, protocol=protocol, action=Action.LOCK
    ):
        if not done:
            unverified[int(subject["id"])] = unverified.get(int(subject["id"]), 0) + 1
    with uow:
        actor = load_actor(uow, as_user)
        sites = {int(s["id"]): s["code"] for s in uow.records.find("sites")}
        found: list[LockReadiness] = []
        for subject in uow.records.find("subjects"):
            site_id = int(subject["site_id"])
            if not actor.may(Action.LOCK, site_id):
                continue
            subject_id = int(subject["id"])
            open_queries = sum(
                1
                for q in uow.records.find("queries", subject_id=subject_id)
                if q["status"] != "closed"
            )
            signatures = uow.records.find("signatures", entity="subjects", entity_id=subject_id)
            reasons = []
            if open_queries:
                reasons.append(f"{open_queries} open queries")
            if unverified.get(subject_id):
                reasons.append(f"{unverified[subject_id]} required records not verified")
            if not signatures or not signatures[-1]["is_valid"]:
                reasons.append("casebook not signed by the investigator")
            found.append(
                LockReadiness(
                    subject_id=subject_id,
                    subject_code=subject["subject_code"] or subject["screening_number"],
                    site_code=sites.get(site_id, ""),
                    reasons=tuple(reasons),
                )
            )
    found.sort(key=lambda r: (r.site_code, r.subject_code))
    return found

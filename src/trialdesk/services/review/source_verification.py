"""Source data verification: the monitor's marks, the worklist and per-site progress.

A mark stores the fingerprint of what was verified: the whole record for a form-level mark, the
field's value for a field-level one (paths as :func:`field_paths` names them). A later correction
resets the marks it touches (see :mod:`trialdesk.services.clinical.recording`). Verifying is not an
edit, so it is allowed under a lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from trialdesk.domain.access import Action
from trialdesk.domain.audit import AuditAction, record_fingerprint
from trialdesk.domain.errors import InputError, NotFoundError, StateError
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.record_fields import field_paths
from trialdesk.domain.source_verification import (
    CASEBOOK_TABLES,
    SdvProgress,
    field_fingerprint,
    field_value,
    requires_sdv,
)
from trialdesk.services.accounts.access import (
    Actor,
    load_actor,
    require_action_anywhere,
    require_subject,
)
from trialdesk.services.clinical.corrections import load_subject_record
from trialdesk.services.clinical.recording import audit_event, require_reason
from trialdesk.services.ports import Record, UnitOfWork

__all__ = [
    "SdvMarkRead",
    "WorklistItem",
    "mark_read",
    "mark_verified",
    "marks_of_subject",
    "progress_by_site",
    "required_records",
    "unverify",
    "worklist",
]


@dataclass(frozen=True, slots=True)
class SdvMarkRead:
    """One SDV mark: what (form or field), by whom, when; reset time and why if undone."""

    id: int
    subject_id: int
    entity: str
    entity_id: int
    field: str | None
    verified_by_name: str
    verified_at: dt.datetime
    reset_at: dt.datetime | None
    reset_reason: str | None


@dataclass(frozen=True, slots=True)
class WorklistItem:
    """A record the plan requires verified that has no live form-level mark."""

    site_code: str
    subject_id: int
    subject_code: str
    entity: str
    record_id: int
    created_at: dt.datetime | None


def _live_record(
    uow: UnitOfWork, actor: Actor, table: str, record_id: int, subject_id: int | None
) -> Record:
    """The live record (of ``subject_id`` when given) the monitor may verify; else not found."""
    if table not in CASEBOOK_TABLES:
        raise InputError.single("entity", f"unknown record type {table!r}")
    record = load_subject_record(uow, actor, table, record_id, Action.VERIFY_SOURCE)
    if record.get("deleted_at") is not None or (
        subject_id is not None and record["subject_id"] != subject_id
    ):
        raise NotFoundError(f"{table} {record_id} not found")
    return record


def _live_marks(uow: UnitOfWork, table: str, record_id: int) -> list[Record]:
    return [
        mark
        for mark in uow.records.find("sdv_marks", entity=table, entity_id=record_id)
        if mark["reset_at"] is None
    ]


def mark_verified(
    uow: UnitOfWork,
    *,
    as_user: int | None,
    table: str,
    record_id: int,
    field: str | None = None,
    subject_id: int | None = None,
) -> int:
    """Mark a form (``field`` None) or one field verified against source; the mark's id."""
    with uow:
        actor = load_actor(uow, as_user)
        record = _live_record(uow, actor, table, record_id, subject_id)
        if field is None:
            fingerprint = record_fingerprint(table, record)
        else:
            if field not in set(field_paths(table, record)):
                raise InputError.single("field", f"this record has no field {field!r}")
            fingerprint = field_fingerprint(field, field_value(record, field))
        if any(mark["field"] == field for mark in _live_marks(uow, table, record_id)):
            raise StateError("already verified")
        subject_id = int(record["subject_id"])
        mark_id = uow.records.add(
            "sdv_marks",
            {"subject_id": subject_id, "entity": table, "entity_id": record_id, "field": field,
             "verified_hash": fingerprint, "verified_at": uow.clock.now(),
             "verified_by": actor.user_id, "reset_at": None, "reset_reason": None},
        )  # fmt: skip
        audit_event(
            uow, actor, AuditAction.SDV_VERIFIED, table, record_id, subject_id=subject_id,
            field=field, new=fingerprint,
        )  # fmt: skip
        uow.commit()
    return mark_id


def unverify(
    uow: UnitOfWork,
    *,
    as_user: int | None,
    table: str,
    record_id: int,
    field: str | None = None,
    reason: str | None,
    subject_id: int | None = None,
) -> None:
    """Withdraw a mark (a verification made in error); the reason is required and audited."""
    why = require_reason(reason)
    with uow:
        actor = load_actor(uow, as_user)
        record = _live_record(uow, actor, table, record_id, subject_id)
        marks = [m for m in _live_marks(uow, table, record_id) if m["field"] == field]
        if not marks:
            raise StateError("not verified")
        for mark in marks:
            uow.records.update(
                "sdv_marks", mark["id"], {"reset_at": uow.clock.now(), "reset_reason": why}
            )
        audit_event(
            uow, actor, AuditAction.SDV_UNVERIFIED, table, record_id,
            subject_id=int(record["subject_id"]), field=field, reason=why,
        )  # fmt: skip
        uow.commit()


def mark_read(uow: UnitOfWork, mark: Record) -> SdvMarkRead:
    user = uow.records.get("users", int(mark["verified_by"]))
    return SdvMarkRead(
        id=int(mark["id"]), subject_id=int(mark["subject_id"]), entity=mark["entity"],
        entity_id=int(mark["entity_id"]), field=mark["field"],
        verified_by_name=user["full_name"] if user else "unknown",
        verified_at=mark["verified_at"], reset_at=mark["reset_at"],
        reset_reason=mark["reset_reason"],
    )  # fmt: skip


def marks_of_subject(uow: UnitOfWork, *, as_user: int | None, subject_id: int) -> list[SdvMarkRead]:
    """Every SDV mark of the subject, live and reset, in the order they were made."""
    with uow:
        actor = load_actor(uow, as_user)
        require_subject(uow, actor, subject_id, Action.VIEW_SUBJECT)
        return [mark_read(uow, m) for m in uow.records.find("sdv_marks", subject_id=subject_id)]


def _required(
    uow: UnitOfWork, actor: Actor, protocol: Protocol, action: Action
) -> Iterator[tuple[Record, Record, str, Record, bool]]:
    """(site, subject, table, record, verified) for each live record the plan requires."""
    verified = {
        (m["entity"], int(m["entity_id"]))
        for m in uow.records.find("sdv_marks")
        if m["reset_at"] is None and m["field"] is None
    }
    sites = {int(s["id"]): s for s in uow.records.find("sites")}
    primary = protocol.primary_visits
    for subject in uow.records.find("subjects"):
        site = sites.get(int(subject["site_id"]))
        if site is None or not actor.may(action, int(site["id"])):
            continue
        code = subject["subject_code"] or subject["screening_number"]
        for table in CASEBOOK_TABLES:
            for record in uow.records.find(table, subject_id=subject["id"]):
                if requires_sdv(protocol.sdv, table, record, code, site["code"], primary):
                    done = (table, int(record["id"])) in verified
                    yield site, subject, table, record, done


def worklist(
    uow: UnitOfWork,
    *,
    as_user: int | None,
    protocol: Protocol,
    site_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[WorklistItem], int]:
    """The monitor's records to verify, oldest first, per site; one page and the total."""
    if offset < 0 or limit < 1:
        raise InputError.single("limit", "offset must be ≥ 0 and limit ≥ 1")
    with uow:
        actor = load_actor(uow, as_user)
        require_action_anywhere(actor, Action.VERIFY_SOURCE)
        items = [
            WorklistItem(
                site_code=site["code"],
                subject_id=int(subject["id"]),
                subject_code=subject["subject_code"] or subject["screening_number"],
                entity=table,
                record_id=int(record["id"]),
                created_at=record.get("created_at"),
            )
            for site, subject, table, record, done in _required(
                uow, actor, protocol, Action.VERIFY_SOURCE
            )
            if not done and (site_id is None or int(site["id"]) == site_id)
        ]
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    items.sort(key=lambda i: (i.site_code, i.created_at or epoch, i.entity, i.record_id))
    return items[offset : offset + limit], len(items)


def required_records(
    uow: UnitOfWork, *, as_user: int | None, protocol: Protocol, action: Action
) -> list[tuple[Record, Record, str, Record, bool]]:
    """(site, subject, table, record, verified) of every record the plan requires, at the
    sites where the user may perform ``action``."""
    with uow:
        actor = load_actor(uow, as_user)
        return list(_required(uow, actor, protocol, action))


def progress_by_site(
    uow: UnitOfWork, *, as_user: int | None, protocol: Protocol
) -> dict[str, SdvProgress]:
    """Required and verified records per site code, for the sites the user may see.

    Counts name no subject, so the sponsor administrator (who sees no subject) gets every site's
    progress too: the trial's oversight needs it (ICH E6 5.18).
    """
    with uow:
        actor = load_actor(uow, as_user)
        action = (
            Action.MANAGE_ACCOUNTS
            if actor.may_anywhere(Action.MANAGE_ACCOUNTS)
            else Action.VIEW_SUBJECT
        )
        progress: dict[str, SdvProgress] = {}
        for site in uow.records.find("sites"):
            if actor.may(action, int(site["id"])):
                progress[site["code"]] = SdvProgress(0, 0)
        for site, _subject, _table, _record, done in _required(uow, actor, protocol, action):
            progress[site["code"]] += SdvProgress(1, int(done))
    return dict(sorted(progress.items()))

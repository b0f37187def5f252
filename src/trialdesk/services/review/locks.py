"""Locks and freezes at form, subject, site and study level (the data manager's use cases).

A lock refuses corrections, deletions and new data entry under it (see
:mod:`trialdesk.services.clinical.recording`), and the refusal names who locked what and when.
Queries and source verification go on under a lock: neither edits the data. Locking may give a
reason; unlocking must. Both are audited with their reasons.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from trialdesk.domain.access import Action, role_allows
from trialdesk.domain.audit import AuditAction
from trialdesk.domain.errors import InputError, NotFoundError, PermissionDeniedError, StateError
from trialdesk.domain.refusals import refusal_message
from trialdesk.services.accounts.access import Actor, load_actor, require_subject
from trialdesk.services.clinical.corrections import COLLECTIONS, load_subject_record
from trialdesk.services.clinical.recording import audit_event, require_reason
from trialdesk.services.ports import Record, UnitOfWork

__all__ = ["LEVELS", "LockRead", "active_locks", "lock", "unlock"]

#: Lock levels and the entity their lock rows name (a form's entity is its table).
LEVELS = ("form", "subject", "site", "study")


@dataclass(frozen=True, slots=True)
class LockRead:
    """An active lock as the lists show it."""

    id: int
    level: str
    entity: str
    entity_id: int
    subject_id: int | None
    site_id: int | None
    locked_by_name: str
    locked_at: dt.datetime
    lock_reason: str | None


def _level_of(entity: str) -> str:
    return {"subjects": "subject", "sites": "site", "study": "study"}.get(entity, "form")


def _require_study_lock(actor: Actor) -> None:
    """The study is locked only by a data manager whose role is study-wide (no site)."""
    study_wide = {role for role, site in actor.grants if site is None}
    if not (actor.is_system or role_allows(study_wide, Action.LOCK)):
        raise PermissionDeniedError(refusal_message(Action.LOCK))


def _require_site(uow: UnitOfWork, actor: Actor, site_id: int) -> Record:
    site = uow.records.get("sites", site_id)
    if site is None or not actor.may(Action.VIEW_SUBJECT, site_id):
        raise NotFoundError(f"site {site_id} not found")
    if not actor.may(Action.LOCK, site_id):
        raise PermissionDeniedError(refusal_message(Action.LOCK))
    return site


def _target(
    uow: UnitOfWork, actor: Actor, level: str, collection: str | None, target_id: int
) -> tuple[str, int, int | None]:
    """(entity, entity_id, subject_id) of what is locked, after the access check."""
    if level == "study":
        _require_study_lock(actor)
        return "study", 0, None
    if level == "site":
        _require_site(uow, actor, target_id)
        return "sites", target_id, None
    if level == "subject":
        require_subject(uow, actor, target_id, Action.LOCK, for_update=True)
        return "subjects", target_id, target_id
    if level == "form":
        table = COLLECTIONS.get(collection or "")
        if table is None:
            raise InputError.single("collection", f"unknown record collection {collection!r}")
        record = load_subject_record(uow, actor, table, target_id, Action.LOCK, for_update=True)
        if record.get("deleted_at") is not None:
            raise NotFoundError(f"{table} {target_id} not found")
        return table, target_id, int(record["subject_id"])
    raise InputError.single("level", f"must be one of {', '.join(LEVELS)}")


def lock(
    uow: UnitOfWork,
    *,
    as_user: int | None,
    level: str,
    target_id: int = 0,
    collection: str | None = None,
    reason: str | None = None,
) -> int:
    """Lock a form (``collection`` + record id), a subject, a site or the study; the lock id.

    A target already covered by its own active lock is refused (a second row would need two
    unlocks); a narrower lock under a broader one is allowed, so lifting a study freeze does
    not unlock the forms a data manager had locked one by one.
    """
    why = reason.strip() if reason and reason.strip() else None
    with uow:
        actor = load_actor(uow, as_user)
        entity, entity_id, subject_id = _target(uow, actor, level, collection, target_id)
        if any(
            row["unlocked_at"] is None
            for row in uow.records.find("locks", entity=entity, entity_id=entity_id)
        ):
            raise StateError(f"{_level_of(entity)} is already locked")
        lock_id = uow.records.add(
            "locks",
            {"subject_id": subject_id, "entity": entity, "entity_id": entity_id,
             "locked_at": uow.clock.now(), "locked_by": actor.user_id, "lock_reason": why,
             "unlocked_at": None, "unlocked_by": None, "unlock_reason": None},
        )  # fmt: skip
        audit_event(
            uow, actor, AuditAction.LOCK, entity, entity_id, subject_id=subject_id, reason=why
        )
        uow.commit()
    return lock_id


def _check_may_manage(uow: UnitOfWork, actor: Actor, row: Record) -> None:
    entity, entity_id = str(row["entity"]), int(row["entity_id"])
    try:
        if entity == "study":
            _require_study_lock(actor)
        elif entity == "sites":
            _require_site(uow, actor, entity_id)
        else:
            require_subject(uow, actor, int(row["subject_id"]), Action.LOCK, for_update=True)
    except NotFoundError:
        raise NotFoundError(f"lock {row['id']} not found") from None


def unlock(uow: UnitOfWork, *, as_user: int | None, lock_id: int, reason: str | None) -> None:
    """Lift a lock; the reason is required and recorded with the lock and in the trail."""
    why = require_reason(reason)
    with uow:
        actor = load_actor(uow, as_user)
        row = uow.records.get("locks", lock_id)
        if row is None:
            raise NotFoundError(f"lock {lock_id} not found")
        _check_may_manage(uow, actor, row)
        row = uow.records.get("locks", lock_id)
        assert row is not None
        if row["unlocked_at"] is not None:
            raise StateError(f"lock {lock_id} was already lifted")
        uow.records.update(
            "locks", lock_id,
            {"unlocked_at": uow.clock.now(), "unlocked_by": actor.user_id, "unlock_reason": why},
        )  # fmt: skip
        audit_event(
            uow, actor, AuditAction.UNLOCK, row["entity"], row["entity_id"],
            subject_id=row["subject_id"], reason=why,
        )  # fmt: skip
        uow.commit()


def active_locks(
    uow: UnitOfWork, *, as_user: int | None, level: str | None = None, site_id: int | None = None
) -> list[LockRead]:
    """The active locks the user may see (their sites' and the study's), oldest first."""
    if level is not None and level not in LEVELS:
        raise InputError.single("level", f"must be one of {', '.join(LEVELS)}")
    with uow:
        actor = load_actor(uow, as_user)
        found: list[LockRead] = []
        for row in uow.records.find("locks"):
            if row["unlocked_at"] is not None:
                continue
            row_site = _site_of(uow, row)
            if row_site is not None and not actor.may(Action.VIEW_SUBJECT, row_site):
                continue
            if row_site is None and not actor.may_anywhere(Action.VIEW_SUBJECT):
                continue
            if (level is not None and _level_of(row["entity"]) != level) or (
                site_id is not None and row_site != site_id
            ):
                continue
            user = uow.records.get("users", int(row["locked_by"]))
            found.append(
                LockRead(
                    id=int(row["id"]),
                    level=_level_of(row["entity"]),
                    entity=row["entity"],
                    entity_id=int(row["entity_id"]),
                    subject_id=row["subject_id"],
                    site_id=row_site,
                    locked_by_name=user["full_name"] if user else "unknown",
                    locked_at=row["locked_at"],
                    lock_reason=row["lock_reason"],
                )
            )
        return found


def _site_of(uow: UnitOfWork, row: Record) -> int | None:
    if row["entity"] == "sites":
        return int(row["entity_id"])
    if row["subject_id"] is None:
        return None
    subject = uow.records.get("subjects", int(row["subject_id"]))
    return None if subject is None else int(subject["site_id"])

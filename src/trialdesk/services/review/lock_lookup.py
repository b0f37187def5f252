"""Which lock covers a record: the form's own, its subject's, its site's or the study's.

Kept apart from :mod:`trialdesk.services.review.locks` (the data manager's use cases) because every
audited write asks it (:mod:`trialdesk.services.clinical.recording`), and the writer must not depend
on the use cases built on top of it. The answer carries who locked it and when, so a refusal can say
so rather than just "locked".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from trialdesk.domain.errors import StateError
from trialdesk.domain.labels import label
from trialdesk.services.ports import Record, UnitOfWork

__all__ = ["STUDY", "CoveringLock", "LockedError", "covering_lock"]

#: The study-level lock's entity and id (there is one study per installation).
STUDY = ("study", 0)


@dataclass(frozen=True, slots=True)
class CoveringLock:
    """An active lock, described for a person: level, what it names, who and when."""

    lock_id: int
    level: str  # form | subject | site | study
    target: str  # "subject 01-003", "site 02", "the study", "this GVHD assessment"
    locked_by_name: str
    locked_at: dt.datetime
    lock_reason: str | None

    def message(self, when: str | None = None) -> str:
        """The refusal as a person reads it; ``when`` is the time as shown (default UTC)."""
        utc = self.locked_at.astimezone(dt.UTC)
        shown = when or f"{utc.day} {utc:%b %Y %H:%M} (UTC)"
        return (
            f"Locked: {self.target} was locked by {self.locked_by_name} on {shown}; "
            "a data manager must unlock it with a reason"
        )


class LockedError(StateError):
    """A write refused because a lock covers it (HTTP 409); carries the lock for the pages."""

    def __init__(self, lock: CoveringLock) -> None:
        super().__init__(lock.message())
        self.lock = lock


def _lock_targets(
    table: str | None, record_id: int | None, subject_id: int | None, site_id: int | None
) -> list[tuple[str, int]]:
    """The (entity, id) pairs whose lock would cover a record, narrowest first."""
    targets: list[tuple[str, int]] = []
    if table is not None and record_id is not None:
        targets.append((table, record_id))
    if subject_id is not None and (table, record_id) != ("subjects", subject_id):
        targets.append(("subjects", subject_id))
    if site_id is not None:
        targets.append(("sites", site_id))
    targets.append(STUDY)
    return targets


def _describe(uow: UnitOfWork, lock: Record) -> CoveringLock:
    entity, entity_id = str(lock["entity"]), int(lock["entity_id"])
    if entity == "study":
        level, target = "study", "the study"
    elif entity == "sites":
        site = uow.records.get("sites", entity_id)
        level, target = "site", f"site {site['code'] if site else entity_id}"
    elif entity == "subjects":
        subject = uow.records.get("subjects", entity_id)
        code = (subject["subject_code"] or subject["screening_number"]) if subject else entity_id
        level, target = "subject", f"subject {code}"
    else:
        level, target = "form", f"this {label('entity', entity).lower()}"
    user = uow.records.get("users", int(lock["locked_by"]))
    return CoveringLock(
        lock_id=int(lock["id"]),
        level=level,
        target=target,
        locked_by_name=user["full_name"] if user else "unknown",
        locked_at=lock["locked_at"],
        lock_reason=lock.get("lock_reason"),
    )


def covering_lock(
    uow: UnitOfWork,
    table: str | None,
    record_id: int | None,
    subject_id: int | None,
    site_id: int | None = None,
) -> CoveringLock | None:
    """The broadest active lock covering the record (study, site, subject, then form), if any.

    The site is looked up from the subject when not given. The cheap, cached yes/no check runs
    first; the lock rows are only read when something is locked.
    """
    if site_id is None and subject_id is not None:
        subject = uow.records.get("subjects", subject_id)
        site_id = None if subject is None else int(subject["site_id"])
    targets = _lock_targets(table, record_id, subject_id, site_id)
    if not uow.records.has_active_lock(targets):
        return None
    for entity, entity_id in reversed(targets):
        for lock in uow.records.find("locks", entity=entity, entity_id=entity_id):
            if lock["unlocked_at"] is None:
                return _describe(uow, lock)
    return None

"""One saved record of a subject, as the record page and the correction answer show it.

Read with the same rules as a correction: the record must belong to the subject named, a deleted
record is "not found", and so is one of a subject the user may not see. Whether the user may
correct it (their role at the site, and no lock on the record or the subject) comes with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from trialdesk.domain.access import Action
from trialdesk.domain.errors import NotFoundError
from trialdesk.services.accounts.access import load_actor
from trialdesk.services.clinical.corrections import load_subject_record
from trialdesk.services.clinical.recording import is_locked
from trialdesk.services.ports import Record, UnitOfWork

__all__ = ["SubjectRecord", "read_subject_record"]


@dataclass(frozen=True, slots=True)
class SubjectRecord:
    entity: str
    record: Record
    locked: bool
    #: The user enters data at the subject's site and the record is not locked.
    may_correct: bool


def read_subject_record(
    uow: UnitOfWork, *, as_user: int, subject_id: int, entity: str, record_id: int
) -> SubjectRecord:
    """The live record ``record_id`` of ``entity`` if it belongs to the subject and may be seen."""
    with uow:
        actor = load_actor(uow, as_user)
        record = load_subject_record(uow, actor, entity, record_id, Action.VIEW_SUBJECT)
        if record.get("deleted_at") is not None or record["subject_id"] != subject_id:
            raise NotFoundError(f"{entity} {record_id} not found")
        subject = uow.records.get("subjects", subject_id)
        assert subject is not None
        locked = is_locked(uow, entity, record_id, subject_id)
        may_enter = actor.may(Action.ENTER_DATA, subject["site_id"])
        return SubjectRecord(entity, record, locked, may_enter and not locked)

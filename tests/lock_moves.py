"""Locking one record or one subject in tests, through the data manager's lock use cases.

Tests name what they lock by its table and id, as the audit trail does; the use cases take a
level and the record's collection (``services/review/locks.py``), and an unlock names the lock.
"""

from __future__ import annotations

from trialdesk.bootstrap import Store
from trialdesk.services.clinical.corrections import COLLECTIONS
from trialdesk.services.ports import UnitOfWork
from trialdesk.services.review import locks

__all__ = ["active_lock_id", "lock_record", "unlock_record"]


def lock_record(uow: UnitOfWork, *, as_user: int | None, entity: str, record_id: int) -> int:
    """Lock a subject (``entity="subjects"``) or one record of a subject; the lock's id."""
    if entity == "subjects":
        return locks.lock(uow, as_user=as_user, level="subject", target_id=record_id)
    collection = next(name for name, table in COLLECTIONS.items() if table == entity)
    return locks.lock(
        uow, as_user=as_user, level="form", collection=collection, target_id=record_id
    )


def active_lock_id(store: Store, entity: str, record_id: int) -> int:
    """The id of the active lock on this subject or record."""
    with store.new_uow() as uow:
        active = [
            row["id"]
            for row in uow.records.find("locks", entity=entity, entity_id=record_id)
            if row["unlocked_at"] is None
        ]
    assert len(active) == 1, f"{entity} {record_id} has {len(active)} active locks"
    return int(active[0])


def unlock_record(
    store: Store, *, as_user: int | None, entity: str, record_id: int, reason: str | None
) -> None:
    """Lift the active lock on this subject or record, with the reason given."""
    locks.unlock(
        store.new_uow(), as_user=as_user, lock_id=active_lock_id(store, entity, record_id),
        reason=reason,
    )  # fmt: skip

"""Locking and unlocking one record at once: the second request sees the first, never doubles it.

Lock and unlock read the owning subject *for update* (PostgreSQL; SQLite serialises whole
transactions with ``BEGIN IMMEDIATE``, so the interleaving below cannot arise there). The tests
replay the race deterministically: the first request reads the record's locks, then waits until
the second has read them too (the race) or is waiting for the subject's row lock (the fix); the
second, once it has read the locks, waits until the first has committed. Without the row lock two
lock requests both find the record unlocked and both insert an active lock, and a lock requested
during an unlock is refused as "already locked" although the unlock commits first.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

import lock_moves
from db_fixtures import SettableClock
from race_gates import (
    PATIENCE,
    Gate,
    GatedUnitOfWork,
    assert_waited,
    postgres_only,
    run_both,
    someone_waits_for_a_lock,
    subject_read,
    wait_until,
)
from trial_world import TODAY, TrialWorld, build_world
from trialdesk.bootstrap import Store
from trialdesk.domain.access import Role
from trialdesk.domain.audit import AuditAction
from trialdesk.domain.errors import StateError
from trialdesk.services.clinical import clinical
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.review import locks
from trialdesk.services.review.audit_trail import verify_audit_trail

Move = Callable[[UnitOfWork], object]


def _target(world: TrialWorld, entity: str) -> int:
    if entity == "subjects":
        return world.subject_id
    return clinical.record_visit(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        visit_code="D1", visit_date=TODAY - dt.timedelta(days=2),
    )  # fmt: skip


def _lock(world: TrialWorld, entity: str, record_id: int) -> Move:
    manager = world.user(Role.DATA_MANAGER)
    return lambda uow: lock_moves.lock_record(
        uow, as_user=manager, entity=entity, record_id=record_id
    )


def _unlock(world: TrialWorld, entity: str, record_id: int) -> Move:
    manager = world.user(Role.DATA_MANAGER)
    lock_id = lock_moves.active_lock_id(world.store, entity, record_id)
    return lambda uow: locks.unlock(
        uow, as_user=manager, lock_id=lock_id, reason="query 7 needs a fix"
    )


def _replay(
    engine: Engine,
    clock: SettableClock,
    first: Move,
    second: Move,
    first_checks_at: tuple[str, str] = ("find", "locks"),
) -> tuple[list[BaseException], list[BaseException]]:
    """Both requests read the record's locks before either commits, unless one has to wait.

    ``first_checks_at`` is the first request's read after which it has checked (an unlock reads
    its lock by id, then takes the subject's row: it has checked once it holds that row).
    """
    first_has_checked, second_has_checked, first_committed = (threading.Event() for _ in range(3))

    def let_the_second_catch_up() -> None:
        first_has_checked.set()
        wait_until(lambda: second_has_checked.is_set() or someone_waits_for_a_lock(engine))

    def wait_for_the_first_to_commit() -> None:
        second_has_checked.set()
        assert first_committed.wait(PATIENCE)

    first_uow = GatedUnitOfWork(
        engine, clock, Gate(*first_checks_at, after=let_the_second_catch_up)
    )
    second_uow = GatedUnitOfWork(
        engine, clock,
        subject_read(before=lambda: assert_waited(first_has_checked)),
        Gate("find", "locks", after=wait_for_the_first_to_commit),
    )  # fmt: skip

    def first_then_signal() -> None:
        try:
            first(first_uow)
        finally:
            first_committed.set()

    return run_both(first_then_signal, lambda: second(second_uow))


def _locks(store: Store, entity: str, record_id: int) -> list[Record]:
    with store.new_uow() as uow:
        return uow.records.find("locks", entity=entity, entity_id=record_id)


def _lock_actions(store: Store, world: TrialWorld, entity: str) -> list[AuditAction]:
    with store.new_uow() as uow:
        entries = uow.audit.entries(subject_id=world.subject_id)
        return [
            e.action
            for e in entries
            if e.entity == entity and e.action in (AuditAction.LOCK, AuditAction.UNLOCK)
        ]


@postgres_only
@pytest.mark.parametrize("entity", ["visits", "subjects"])
def test_two_lock_requests_at_once_make_one_lock_and_refuse_the_second_as_already_locked(
    store: Store, bounded_engine: Engine, clock: SettableClock, entity: str
) -> None:
    world = build_world(store)
    record_id = _target(world, entity)
    lock = _lock(world, entity, record_id)

    first_failures, second_failures = _replay(bounded_engine, clock, lock, lock)

    assert first_failures == []
    assert len(second_failures) == 1
    refusal = second_failures[0]
    assert isinstance(refusal, StateError)
    assert str(refusal) == f"{'subject' if entity == 'subjects' else 'form'} is already locked"
    active = [row for row in _locks(store, entity, record_id) if row["unlocked_at"] is None]
    assert len(active) == 1
    assert _lock_actions(store, world, entity) == [AuditAction.LOCK]
    assert verify_audit_trail(store.new_uow()).intact


@postgres_only
def test_a_lock_requested_during_an_unlock_waits_for_it_and_then_locks_the_record_again(
    store: Store, bounded_engine: Engine, clock: SettableClock
) -> None:
    world = build_world(store)
    visit_id = _target(world, "visits")
    lock_moves.lock_record(
        store.new_uow(), as_user=world.user(Role.DATA_MANAGER), entity="visits", record_id=visit_id
    )

    failures = _replay(
        bounded_engine, clock,
        _unlock(world, "visits", visit_id), _lock(world, "visits", visit_id),
        first_checks_at=("get_with_lock_state", "subjects"),
    )  # fmt: skip

    assert failures == ([], [])
    locks = sorted(_locks(store, "visits", visit_id), key=lambda row: row["id"])
    assert [row["unlocked_at"] is None for row in locks] == [False, True]
    assert locks[0]["unlock_reason"] == "query 7 needs a fix"
    assert _lock_actions(store, world, "visits") == [
        AuditAction.LOCK, AuditAction.UNLOCK, AuditAction.LOCK,
    ]  # fmt: skip
    assert verify_audit_trail(store.new_uow()).intact

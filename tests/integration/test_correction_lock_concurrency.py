"""Correcting or deleting a record while it is being locked: the lock, once committed, holds.

Corrections, deletions, locks and unlocks all read the owning subject *for update* (PostgreSQL;
SQLite serialises whole transactions with ``BEGIN IMMEDIATE``, so the interleaving below cannot
arise there). The tests replay the race deterministically: the first request checks the record's
locks and, just before it writes, waits until the second has checked them too (the race) or is
waiting for the subject's row lock (the fix); the second, just before it writes, waits until the
first has committed. Without the row lock a correction started while a lock is being taken finds
the record unlocked and commits its edit right after the lock: an edit to a locked record.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass

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
from trialdesk.services.clinical import clinical, corrections
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.review.audit_trail import verify_audit_trail

VISIT_DATE = TODAY - dt.timedelta(days=2)


@dataclass(frozen=True, slots=True)
class Move:
    """A request, and the repository call with which it writes once it has checked the locks."""

    run: Callable[[UnitOfWork], object]
    writes_with: tuple[str, str]


def _visit(world: TrialWorld) -> int:
    return clinical.record_visit(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        visit_code="D1", visit_date=VISIT_DATE,
    )  # fmt: skip


def _lock(world: TrialWorld, visit_id: int) -> Move:
    manager = world.user(Role.DATA_MANAGER)
    return Move(
        lambda uow: lock_moves.lock_record(
            uow, as_user=manager, entity="visits", record_id=visit_id
        ),
        ("add", "locks"),
    )


def _correct(world: TrialWorld, visit_id: int) -> Move:
    return Move(
        lambda uow: corrections.correct_record(
            uow, as_user=world.coordinator, entity="visits", record_id=visit_id,
            changes={"visit_date": VISIT_DATE - dt.timedelta(days=1)},
            reason="date transcribed from the wrong page", protocol=world.protocol,
        ),
        ("update", "visits"),
    )  # fmt: skip


def _delete(world: TrialWorld, visit_id: int) -> Move:
    return Move(
        lambda uow: corrections.delete_record(
            uow, as_user=world.coordinator, entity="visits", record_id=visit_id,
            reason="entered for the wrong subject",
        ),
        ("update", "visits"),  # a deletion is logical: it marks the row
    )  # fmt: skip


def _replay(
    engine: Engine, clock: SettableClock, first: Move, second: Move
) -> tuple[list[BaseException], list[BaseException]]:
    """Both requests check the record's locks before either writes, unless one has to wait."""
    first_has_checked, second_has_checked, first_committed = (threading.Event() for _ in range(3))

    def let_the_second_catch_up() -> None:
        first_has_checked.set()
        wait_until(lambda: second_has_checked.is_set() or someone_waits_for_a_lock(engine))

    def wait_for_the_first_to_commit() -> None:
        second_has_checked.set()
        assert first_committed.wait(PATIENCE)

    first_uow = GatedUnitOfWork(
        engine, clock, Gate(*first.writes_with, before=let_the_second_catch_up)
    )
    second_uow = GatedUnitOfWork(
        engine, clock,
        subject_read(before=lambda: assert_waited(first_has_checked)),
        Gate(*second.writes_with, before=wait_for_the_first_to_commit),
    )  # fmt: skip

    def first_then_signal() -> None:
        try:
            first.run(first_uow)
        finally:
            first_committed.set()

    return run_both(first_then_signal, lambda: second.run(second_uow))


def _visit_row(store: Store, visit_id: int) -> Record | None:
    with store.new_uow() as uow:
        return uow.records.get("visits", visit_id)


def _audit_actions(store: Store, world: TrialWorld) -> list[AuditAction]:
    with store.new_uow() as uow:
        return [entry.action for entry in uow.audit.entries(subject_id=world.subject_id)]


@postgres_only
@pytest.mark.parametrize("edit", [_correct, _delete], ids=["correction", "deletion"])
def test_an_edit_requested_while_the_record_is_being_locked_waits_and_is_refused_as_locked(
    store: Store,
    bounded_engine: Engine,
    clock: SettableClock,
    edit: Callable[[TrialWorld, int], Move],
) -> None:
    world = build_world(store)
    visit_id = _visit(world)
    before = _visit_row(store, visit_id)
    audited_before = _audit_actions(store, world)

    lock_failures, edit_failures = _replay(
        bounded_engine, clock, _lock(world, visit_id), edit(world, visit_id)
    )

    assert lock_failures == []
    assert len(edit_failures) == 1
    refusal = edit_failures[0]
    assert isinstance(refusal, StateError)
    assert str(refusal) == (
        "Locked: this visit was locked by Dr Datamanagerbj01 on 2 Mar 2026 09:00 (UTC); "
        "a data manager must unlock it with a reason"
    )
    assert _visit_row(store, visit_id) == before
    assert _audit_actions(store, world) == [*audited_before, AuditAction.LOCK]
    assert verify_audit_trail(store.new_uow()).intact


@postgres_only
def test_a_lock_requested_during_a_correction_waits_for_it_and_then_locks_the_corrected_record(
    store: Store, bounded_engine: Engine, clock: SettableClock
) -> None:
    world = build_world(store)
    visit_id = _visit(world)
    audited_before = _audit_actions(store, world)

    failures = _replay(bounded_engine, clock, _correct(world, visit_id), _lock(world, visit_id))

    assert failures == ([], [])
    after = _visit_row(store, visit_id)
    assert after is not None
    assert after["visit_date"] == VISIT_DATE - dt.timedelta(days=1)
    assert _audit_actions(store, world) == [*audited_before, AuditAction.UPDATE, AuditAction.LOCK]
    with pytest.raises(StateError, match="Locked: "):  # the lock holds from now on
        _delete(world, visit_id).run(store.new_uow())
    assert verify_audit_trail(store.new_uow()).intact

"""Audit entries are held by the unit of work and written, hash-chained, just before commit.

The chain head is therefore the last lock any transaction takes, so audited writes never deadlock
on it (PostgreSQL). One transaction appends an audit entry, then updates a row; another updates the
same row, then appends its entry. If appending locked the chain head at once, a barrier between
each transaction's first and second lock would leave each waiting for the other: PostgreSQL aborts
one with a deadlock (40P01). (The subject use cases no longer meet this way, since each locks the
subject's row as it reads it; the order still protects any use case that writes an entry before a
row.) SQLite serialises whole transactions with ``BEGIN IMMEDIATE``, so the interleaving cannot
arise.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Self

import pytest
from sqlalchemy import Engine

from db_fixtures import FAST_PASSWORDS, SettableClock
from trial_world import TrialWorld, build_world
from trialdesk.adapters.db.engine import create_db_engine
from trialdesk.adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from trialdesk.bootstrap import Store
from trialdesk.domain.audit import AuditAction
from trialdesk.services.ports import AuditDraft, RecordRepository
from trialdesk.services.review.audit_trail import verify_audit_trail

#: Seconds any one wait may take before the test gives up instead of hanging.
PATIENCE = 10


class _GatedRecords:
    """A record repository that runs hooks around every update of a subject row."""

    def __init__(
        self, inner: RecordRepository, before: Callable[[], None], after: Callable[[], None]
    ) -> None:
        self._inner = inner
        self._before = before
        self._after = after

    def update(self, table: str, record_id: int, values: Mapping[str, Any]) -> None:
        if table == "subjects":
            self._before()
        self._inner.update(table, record_id, values)
        if table == "subjects":
            self._after()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _GatedUnitOfWork(SqlAlchemyUnitOfWork):
    """The store's real unit of work, with hooks around the subject-row update."""

    def __init__(
        self,
        engine: Engine,
        clock: SettableClock,
        *,
        before: Callable[[], None] = lambda: None,
        after: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(engine, clock=clock, passwords=FAST_PASSWORDS)
        self._hooks = (before, after)

    def __enter__(self) -> Self:
        super().__enter__()
        self.records = _GatedRecords(self.records, *self._hooks)
        return self


@pytest.fixture
def bounded_engine(db_url: str) -> Iterator[Engine]:
    """Connections that give up waiting for a lock after ``PATIENCE`` seconds, never hang."""
    engine = create_db_engine(
        db_url, connect_args={"options": f"-c lock_timeout={PATIENCE * 1000}"}
    )
    yield engine
    engine.dispose()


def _run(work: Callable[[], object], failures: list[BaseException]) -> threading.Thread:
    def guarded() -> None:
        try:
            work()
        except BaseException as error:  # reported by the test, not lost in the thread
            failures.append(error)

    thread = threading.Thread(target=guarded)
    thread.start()
    return thread


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_an_entry_then_a_row_and_that_row_then_an_entry_at_once_both_commit(
    store: Store, bounded_engine: Engine, clock: SettableClock
) -> None:
    world: TrialWorld = build_world(store)
    # Both have taken their first lock (entry first: its audit entry, if appending locked the
    # head; row first: the subject row) before either asks for its second.
    both_hold_their_first_lock = threading.Barrier(2, timeout=PATIENCE)
    entry_first = _GatedUnitOfWork(
        bounded_engine, clock, before=lambda: both_hold_their_first_lock.wait()
    )
    row_first = _GatedUnitOfWork(
        bounded_engine, clock, after=lambda: both_hold_their_first_lock.wait()
    )

    def append_then_update() -> None:
        with entry_first as uow:
            uow.audit.append([_about_subject(world, "entry first")])
            uow.records.update("subjects", world.subject_id, {"birth_year": 1980})
            uow.commit()

    def update_then_append() -> None:
        with row_first as uow:
            uow.records.update("subjects", world.subject_id, {"sex": "female"})
            uow.audit.append([_about_subject(world, "row first")])
            uow.commit()

    failures: list[BaseException] = []
    threads = [_run(append_then_update, failures), _run(update_then_append, failures)]
    for thread in threads:
        thread.join(timeout=3 * PATIENCE)
    assert not any(thread.is_alive() for thread in threads)

    assert failures == []
    with store.new_uow() as uow:
        subject = uow.records.get("subjects", world.subject_id)
        about_subject = list(uow.audit.entries(subject_id=world.subject_id))
    assert subject is not None
    assert (subject["birth_year"], subject["sex"]) == (1980, "female")
    written = [e.reason for e in about_subject[1:]]  # after registration
    assert sorted(written, key=str) == ["entry first", "row first"]
    assert verify_audit_trail(store.new_uow()).intact


def _about_subject(world: TrialWorld, reason: str) -> AuditDraft:
    return AuditDraft(
        user_id=None, username="system", action=AuditAction.UPDATE, entity="subjects",
        entity_id=str(world.subject_id), reason=reason, subject_id=world.subject_id,
    )  # fmt: skip


def _draft(what: str) -> AuditDraft:
    return AuditDraft(user_id=None, username="system", action=AuditAction.EXPORT, entity=what)


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_an_uncommitted_audit_entry_does_not_hold_up_other_writers(
    store: Store, bounded_engine: Engine, clock: SettableClock
) -> None:
    slow = _GatedUnitOfWork(bounded_engine, clock)
    with slow:
        slow.audit.append([_draft("first appended")])
        with _GatedUnitOfWork(bounded_engine, clock) as quick:
            quick.audit.append([_draft("first committed")])
            quick.commit()
        slow.commit()
    with store.new_uow() as uow:
        assert [(e.seq, e.entity) for e in uow.audit.entries()] == [
            (1, "first committed"),
            (2, "first appended"),
        ]
    assert verify_audit_trail(store.new_uow()).intact


def test_entries_are_written_at_commit_in_the_order_they_were_appended(store: Store) -> None:
    with store.new_uow() as uow:
        uow.audit.append([_draft("a"), _draft("b")])
        uow.audit.append([_draft("c")])
        uow.commit()
    with store.new_uow() as uow:
        entries = list(uow.audit.entries())
    assert [(e.seq, e.entity) for e in entries] == [(1, "a"), (2, "b"), (3, "c")]
    assert verify_audit_trail(store.new_uow()).intact


def test_a_transaction_reads_its_own_audit_entries_before_commit(store: Store) -> None:
    with store.new_uow() as uow:
        uow.audit.append([_draft("pending")])
        assert [e.entity for e in uow.audit.entries()] == ["pending"]
        assert uow.audit.head()[0] == 1
        uow.audit.append([_draft("after the read")])
        uow.commit()
    with store.new_uow() as uow:
        assert [e.entity for e in uow.audit.entries()] == ["pending", "after the read"]
    assert verify_audit_trail(store.new_uow()).intact


def test_entries_appended_before_a_rollback_are_never_written(store: Store) -> None:
    with store.new_uow() as uow:
        uow.audit.append([_draft("rolled back")])
        uow.rollback()
        uow.audit.append([_draft("kept")])
        uow.commit()
    with store.new_uow() as uow:
        uow.audit.append([_draft("never committed")])
    with store.new_uow() as uow:
        assert [e.entity for e in uow.audit.entries()] == ["kept"]
    assert verify_audit_trail(store.new_uow()).intact

"""Replies to one query at once: each status move is computed from the status the one before left.

A site's reply marks a query ``answered``, a reviewer's reopens it; the move and its audit entry
(old → new) are computed from the status the reply reads. The query row is read *for update*
(PostgreSQL; SQLite serialises whole write transactions), so 32 parallel replies leave a chain
of status entries in which each one starts where the previous one ended, and the query's stored
status is the last one's. Without the lock, replies that read the same status audited moves
from a value another reply had already replaced, and some moves were not audited at all.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from db_fixtures import FAST_PASSWORDS, SettableClock
from race_gates import (
    Gate,
    GatedUnitOfWork,
    assert_waited,
    postgres_only,
    run_both,
    someone_waits_for_a_lock,
    wait_until,
)
from trial_world import TODAY, TrialWorld, build_world
from trialdesk.adapters.db.engine import create_db_engine
from trialdesk.adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from trialdesk.bootstrap import Store
from trialdesk.domain.access import Role
from trialdesk.domain.audit import AuditAction
from trialdesk.services.clinical import clinical
from trialdesk.services.review import review
from trialdesk.services.review.audit_trail import verify_audit_trail

CLIENTS = 32


@pytest.fixture
def client_engine(db_url: str) -> Iterator[Engine]:
    """One connection per client thread, so every reply has its own session."""
    engine = create_db_engine(db_url, pool_size=CLIENTS + 1, max_overflow=0)
    yield engine
    engine.dispose()


def _open_query(world: TrialWorld) -> int:
    visit_id = clinical.record_visit(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        visit_code="D1", visit_date=TODAY - dt.timedelta(days=2),
    )  # fmt: skip
    return review.raise_query(
        world.store.new_uow(), as_user=world.user(Role.MONITOR), entity="visits",
        record_id=visit_id, field="visit_date", message="Date differs from the source document",
    )  # fmt: skip


def _status_moves(world: TrialWorld, query_id: int) -> list[tuple[str, str]]:
    with world.store.new_uow() as uow:
        return [
            (json.loads(e.old_value or "null"), json.loads(e.new_value or "null"))
            for e in uow.audit.entries(subject_id=world.subject_id)
            if (e.action, e.entity, e.entity_id, e.field)
            == (AuditAction.UPDATE, "queries", str(query_id), "status")
        ]


def _assert_consistent(world: TrialWorld, query_id: int, moves: list[tuple[str, str]]) -> None:
    """Every move starts where the previous ended; the stored status is where the last ended."""
    status = "open"
    for old, new in moves:
        assert old == status, moves
        assert new != old
        status = new
    with world.store.new_uow() as uow:
        query = uow.records.get("queries", query_id)
    assert query is not None
    assert query["status"] == status


def test_32_parallel_replies_to_one_query_leave_a_consistent_chain_of_status_moves(
    store: Store, client_engine: Engine, clock: SettableClock
) -> None:
    world = build_world(store)
    query_id = _open_query(world)
    # Alternating site answers and reviewer reopenings, so nearly every reply moves the status.
    repliers = [world.coordinator if n % 2 else world.user(Role.MONITOR) for n in range(CLIENTS)]
    start = threading.Barrier(CLIENTS)
    failures: list[BaseException] = []
    answered: list[review.QueryStatus] = []

    def reply(user_id: int, n: int) -> None:
        start.wait()
        try:
            answered.append(
                review.reply_to_query(
                    SqlAlchemyUnitOfWork(client_engine, clock=clock, passwords=FAST_PASSWORDS),
                    as_user=user_id,
                    query_id=query_id,
                    message=f"reply {n}",
                )
            )
        except BaseException as error:  # reported below, with the others
            failures.append(error)

    threads = [threading.Thread(target=reply, args=(user, n)) for n, user in enumerate(repliers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    assert len(answered) == CLIENTS
    assert world.count("query_messages") == CLIENTS + 1  # the opening message and every reply
    moves = _status_moves(world, query_id)
    assert moves  # the site's answers moved it at least once
    _assert_consistent(world, query_id, moves)
    assert verify_audit_trail(world.store.new_uow()).intact


@postgres_only
def test_a_reply_racing_another_waits_for_it_and_moves_from_the_status_it_left(
    store: Store, bounded_engine: Engine, clock: SettableClock
) -> None:
    world = build_world(store)
    query_id = _open_query(world)
    first_has_read, second_has_read, first_committed = (threading.Event() for _ in range(3))

    def let_the_second_catch_up() -> None:
        first_has_read.set()
        wait_until(lambda: second_has_read.is_set() or someone_waits_for_a_lock(bounded_engine))

    def wait_for_the_first_to_commit() -> None:
        second_has_read.set()
        assert first_committed.wait(10)

    query_read = "get_with_lock_state", "queries"
    answering = GatedUnitOfWork(
        bounded_engine, clock, Gate(*query_read, after=let_the_second_catch_up)
    )
    reopening = GatedUnitOfWork(
        bounded_engine, clock,
        Gate(*query_read, before=lambda: assert_waited(first_has_read),
             after=wait_for_the_first_to_commit),
    )  # fmt: skip

    def answer() -> None:
        review.reply_to_query(
            answering, as_user=world.coordinator, query_id=query_id, message="Corrected"
        )
        first_committed.set()

    def reopen() -> None:
        review.reply_to_query(
            reopening, as_user=world.user(Role.MONITOR), query_id=query_id,
            message="Please attach the source",
        )  # fmt: skip

    assert run_both(answer, reopen) == ([], [])
    assert _status_moves(world, query_id) == [("open", "answered"), ("answered", "reopened")]
    assert verify_audit_trail(world.store.new_uow()).intact

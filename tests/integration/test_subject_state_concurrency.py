"""Two status changes of one subject at once: the second sees the first, never overwrites it.

A use case that changes a subject reads its row *for update* (PostgreSQL; SQLite serialises whole
transactions with ``BEGIN IMMEDIATE``, so the interleaving below cannot arise there). The tests
replay the race deterministically: the first transaction reads the subject, then waits until the
second has read it too (the lost update) or is waiting for the row lock (the fix); the second,
once it has read, waits until the first has committed. Without the lock both read ``screening``
and the second overwrites the first's ``withdrawn`` with ``screen_failed``, its audit entry naming
``screening`` as the previous state.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Self

import pytest
from sqlalchemy import Engine, text

from db_fixtures import FAST_PASSWORDS, SettableClock
from trial_world import ELIGIBLE_ANSWERS, TODAY, TrialWorld, build_world
from trialdesk.adapters.db.engine import create_db_engine
from trialdesk.adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from trialdesk.bootstrap import Store
from trialdesk.domain.audit import AuditAction, AuditEntry
from trialdesk.domain.errors import StateError
from trialdesk.domain.lifecycle import SubjectState
from trialdesk.services import subjects
from trialdesk.services.audit_trail import verify_audit_trail
from trialdesk.services.ports import RecordRepository, UnitOfWork

#: Seconds any one wait may take before the test gives up instead of hanging.
PATIENCE = 10

postgres_only = pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


class _GatedRecords:
    """A record repository that runs hooks around every read of a subject row with lock state."""

    def __init__(
        self, inner: RecordRepository, before: Callable[[], None], after: Callable[[], None]
    ) -> None:
        self._inner = inner
        self._before = before
        self._after = after

    def get_with_lock_state(self, table: str, record_id: int, **options: Any) -> Any:
        if table == "subjects":
            self._before()
        found = self._inner.get_with_lock_state(table, record_id, **options)
        if table == "subjects":
            self._after()
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _GatedUnitOfWork(SqlAlchemyUnitOfWork):
    """The store's real unit of work, with hooks around the subject-row read."""

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


def _someone_waits_for_a_lock(engine: Engine) -> bool:
    with engine.connect() as connection:
        waiting = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        ).scalar_one()
    return bool(waiting)


def _wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the other transaction neither read the subject nor waited for it")
        time.sleep(0.01)


def _assert_waited(event: threading.Event) -> None:
    assert event.wait(PATIENCE)


def _run(work: Callable[[], object], failures: list[BaseException]) -> threading.Thread:
    def guarded() -> None:
        try:
            work()
        except BaseException as error:  # reported by the test, not lost in the thread
            failures.append(error)

    thread = threading.Thread(target=guarded)
    thread.start()
    return thread


def _state_changes(entries: Iterable[AuditEntry]) -> list[tuple[object, object]]:
    """(previous, new) state of each audited status change, in chain order."""
    return [
        (json.loads(e.old_value or "null"), json.loads(e.new_value or "null"))
        for e in entries
        if (e.action, e.entity, e.field) == (AuditAction.UPDATE, "subjects", "state")
    ]


SecondMove = Callable[[UnitOfWork, TrialWorld], object]


def _declare_screen_failure(uow: UnitOfWork, world: TrialWorld) -> object:
    return subjects.change_state(
        uow, as_user=world.coordinator, subject_id=world.subject_id,
        target=SubjectState.SCREEN_FAILED.value, reason="investigator's decision",
    )  # fmt: skip


def _record_ineligible_screening(uow: UnitOfWork, world: TrialWorld) -> object:
    return subjects.record_screening(
        uow, as_user=world.coordinator, subject_id=world.subject_id, screened_on=TODAY,
        answers={**ELIGIBLE_ANSWERS, "age_years": 75}, protocol=world.protocol,
    )  # fmt: skip


@postgres_only
@pytest.mark.parametrize(
    "second_move",
    [
        pytest.param(_declare_screen_failure, id="state change"),
        pytest.param(_record_ineligible_screening, id="ineligible screening"),
    ],
)
def test_a_move_racing_a_withdrawal_is_judged_against_withdrawn_and_refused(
    store: Store, bounded_engine: Engine, clock: SettableClock, second_move: SecondMove
) -> None:
    world = build_world(store)
    first_has_read, second_has_read, first_committed = (threading.Event() for _ in range(3))

    def let_the_second_catch_up() -> None:
        first_has_read.set()
        _wait_until(lambda: second_has_read.is_set() or _someone_waits_for_a_lock(bounded_engine))

    def wait_for_the_first_to_commit() -> None:
        second_has_read.set()
        assert first_committed.wait(PATIENCE)

    withdrawing = _GatedUnitOfWork(bounded_engine, clock, after=let_the_second_catch_up)
    second = _GatedUnitOfWork(
        bounded_engine, clock,
        before=lambda: _assert_waited(first_has_read), after=wait_for_the_first_to_commit,
    )  # fmt: skip

    def withdraw() -> None:
        subjects.change_state(
            withdrawing, as_user=world.coordinator, subject_id=world.subject_id,
            target=SubjectState.WITHDRAWN.value, reason="consent withdrawn",
        )  # fmt: skip
        first_committed.set()

    withdrawal_failures: list[BaseException] = []
    second_failures: list[BaseException] = []
    threads = [
        _run(withdraw, withdrawal_failures),
        _run(lambda: second_move(second, world), second_failures),
    ]
    for thread in threads:
        thread.join(timeout=3 * PATIENCE)
    assert not any(thread.is_alive() for thread in threads)

    assert withdrawal_failures == []
    assert len(second_failures) == 1
    refusal = second_failures[0]
    assert isinstance(refusal, StateError)
    assert "withdrawn" in str(refusal)
    assert "screen_failed" in str(refusal)
    subject = subjects.get_subject(
        store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id
    )
    assert subject.state is SubjectState.WITHDRAWN
    with store.new_uow() as uow:
        about_subject = list(uow.audit.entries(subject_id=world.subject_id))
        screenings = uow.records.find("screening_records", subject_id=world.subject_id)
    assert _state_changes(about_subject) == [("screening", "withdrawn")]
    assert screenings == []  # the refused screening is rolled back with its state change
    assert verify_audit_trail(store.new_uow()).intact


@postgres_only
def test_two_allowed_moves_of_one_subject_at_once_both_commit_one_after_the_other(
    store: Store, bounded_engine: Engine, clock: SettableClock
) -> None:
    world = build_world(store)
    subjects.record_consent(
        store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        consented_on=TODAY, form_version="v1", obtained_by="Dr Li",
    )  # fmt: skip
    subjects.record_screening(
        store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        screened_on=TODAY, answers=ELIGIBLE_ANSWERS, protocol=world.protocol,
    )  # fmt: skip
    first_has_read = threading.Event()

    def let_the_second_queue() -> None:
        first_has_read.set()
        _wait_until(lambda: _someone_waits_for_a_lock(bounded_engine))

    marking = _GatedUnitOfWork(bounded_engine, clock, after=let_the_second_queue)
    withdrawing = _GatedUnitOfWork(
        bounded_engine, clock, before=lambda: _assert_waited(first_has_read)
    )

    def mark_eligible() -> None:
        subjects.change_state(
            marking, as_user=world.coordinator, subject_id=world.subject_id,
            target=SubjectState.ELIGIBLE.value,
        )  # fmt: skip

    def withdraw() -> None:
        subjects.change_state(
            withdrawing, as_user=world.coordinator, subject_id=world.subject_id,
            target=SubjectState.WITHDRAWN.value, reason="consent withdrawn",
        )  # fmt: skip

    failures: list[BaseException] = []
    threads = [_run(mark_eligible, failures), _run(withdraw, failures)]
    for thread in threads:
        thread.join(timeout=3 * PATIENCE)
    assert not any(thread.is_alive() for thread in threads)

    assert failures == []
    with store.new_uow() as uow:
        about_subject = list(uow.audit.entries(subject_id=world.subject_id))
    assert _state_changes(about_subject) == [("screening", "eligible"), ("eligible", "withdrawn")]
    assert verify_audit_trail(store.new_uow()).intact

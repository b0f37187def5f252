"""Replaying a race between two transactions deterministically on PostgreSQL.

Each transaction runs on its own thread through a :class:`GatedUnitOfWork`: the store's real unit
of work whose repository runs hooks (:class:`Gate`) around one read, so a test can hold a
transaction right after it has read something until the other has read it too, or is waiting for
a row lock. Every wait is bounded by ``PATIENCE`` so a broken interleaving fails instead of hangs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Self

import pytest
from sqlalchemy import Engine, text

from db_fixtures import FAST_PASSWORDS, SettableClock
from trialdesk.adapters.db.engine import create_db_engine
from trialdesk.adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from trialdesk.services.ports import RecordRepository

__all__ = [
    "PATIENCE",
    "Gate",
    "GatedUnitOfWork",
    "assert_waited",
    "bounded_engine",
    "postgres_only",
    "run",
    "run_both",
    "someone_waits_for_a_lock",
    "subject_read",
    "wait_until",
]

#: Seconds any one wait may take before the test gives up instead of hanging.
PATIENCE = 10

postgres_only = pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


def _nothing() -> None:
    pass


@dataclass(frozen=True, slots=True)
class Gate:
    """Hooks around the first call of repository method ``method`` on ``table``."""

    method: str
    table: str
    before: Callable[[], None] = _nothing
    after: Callable[[], None] = _nothing


def subject_read(
    *, before: Callable[[], None] = _nothing, after: Callable[[], None] = _nothing
) -> Gate:
    """Hooks around a use case's read of the subject row (``require_subject``)."""
    return Gate("get_with_lock_state", "subjects", before=before, after=after)


class _GatedRecords:
    """A record repository that runs each gate's hooks around the first read it names."""

    def __init__(self, inner: RecordRepository, gates: tuple[Gate, ...]) -> None:
        self._inner = inner
        self._pending = list(gates)

    def _gate_for(self, method: str, table: str) -> Gate | None:
        for gate in self._pending:
            if (gate.method, gate.table) == (method, table):
                self._pending.remove(gate)
                return gate
        return None

    def __getattr__(self, name: str) -> Any:
        read = getattr(self._inner, name)
        if all(gate.method != name for gate in self._pending):
            return read

        def gated(table: str, *args: Any, **options: Any) -> Any:
            gate = self._gate_for(name, table)
            if gate is None:
                return read(table, *args, **options)
            gate.before()
            found = read(table, *args, **options)
            gate.after()
            return found

        return gated


class GatedUnitOfWork(SqlAlchemyUnitOfWork):
    """The store's real unit of work, with hooks around the reads its gates name."""

    def __init__(self, engine: Engine, clock: SettableClock, *gates: Gate) -> None:
        super().__init__(engine, clock=clock, passwords=FAST_PASSWORDS)
        self._gates = gates

    def __enter__(self) -> Self:
        super().__enter__()
        self.records = _GatedRecords(self.records, self._gates)
        return self


@pytest.fixture
def bounded_engine(db_url: str) -> Iterator[Engine]:
    """Connections that give up waiting for a lock after ``PATIENCE`` seconds, never hang."""
    engine = create_db_engine(
        db_url, connect_args={"options": f"-c lock_timeout={PATIENCE * 1000}"}
    )
    yield engine
    engine.dispose()


def someone_waits_for_a_lock(engine: Engine) -> bool:
    with engine.connect() as connection:
        waiting = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        ).scalar_one()
    return bool(waiting)


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the other transaction neither read nor waited for a lock")
        time.sleep(0.01)


def assert_waited(event: threading.Event) -> None:
    assert event.wait(PATIENCE)


def run(work: Callable[[], object], failures: list[BaseException]) -> threading.Thread:
    """Start ``work`` on a thread; what it raises is appended to ``failures``."""

    def guarded() -> None:
        try:
            work()
        except BaseException as error:  # reported by the test, not lost in the thread
            failures.append(error)

    thread = threading.Thread(target=guarded)
    thread.start()
    return thread


def run_both(
    first: Callable[[], object], second: Callable[[], object]
) -> tuple[list[BaseException], list[BaseException]]:
    """Run two transactions at once and wait for both; what each raised, in that order."""
    failures: tuple[list[BaseException], list[BaseException]] = ([], [])
    threads = [run(first, failures[0]), run(second, failures[1])]
    for thread in threads:
        thread.join(timeout=3 * PATIENCE)
    assert not any(thread.is_alive() for thread in threads)
    return failures

"""A fair in-process mutex per SQLite database, held from ``BEGIN IMMEDIATE`` to the end.

SQLite lets one writer in at a time; a connection that finds the database locked waits in the
busy handler, which sleeps 1, 2, 5, … up to 100 ms between tries. Under a dozen threads those
sleeps, not the work, decide the latency: a writer can sleep 100 ms after the database was free,
and later arrivals can overtake it again and again. Queuing the threads of one process on a FIFO
mutex instead hands the database to the next writer the moment the previous one finishes.

The engine takes the mutex in its ``begin`` hook; the DBAPI connection class below gives it back
once the driver's ``commit()``, ``rollback()`` or ``close()`` has returned, so the next writer's
``BEGIN IMMEDIATE`` never meets the lock in SQLite.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import deque

__all__ = ["FairMutex", "WriteSerialisedConnection", "mutex_for"]


class FairMutex:
    """A lock granted in request order; ``acquire`` can give up after a timeout."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held = False
        self._waiters: deque[threading.Lock] = deque()

    def acquire(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` seconds for the mutex; ``False`` if it did not come."""
        with self._guard:
            if not self._held:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        if turn.acquire(timeout=timeout_s):
            return True
        with self._guard:
            if turn in self._waiters:
                self._waiters.remove(turn)
                return False
        # ``release`` handed the mutex over just as the wait timed out: it is ours now.
        return True

    def release(self) -> None:
        """Hand the mutex to the longest-waiting thread, or free it."""
        with self._guard:
            if not self._held:
                raise RuntimeError("release of a mutex that is not held")
            if self._waiters:
                # Ownership passes directly, so a newcomer cannot slip in between.
                self._waiters.popleft().release()
            else:
                self._held = False


_registry_guard = threading.Lock()
_mutexes: dict[str, FairMutex] = {}


def mutex_for(database: str | None) -> FairMutex:
    """The process-wide mutex of one database file (a fresh one for in-memory databases)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return FairMutex()
    key = os.path.realpath(database)
    with _registry_guard:
        return _mutexes.setdefault(key, FairMutex())


class WriteSerialisedConnection(sqlite3.Connection):
    """A ``sqlite3`` connection that gives back its write mutex when its transaction ends."""

    _mutex: FairMutex | None = None
    #: Whether ``PRAGMA query_only`` is on (set by the engine's ``begin`` hook).
    query_only: bool = False

    def hold_write_mutex(self, mutex: FairMutex, *, timeout_s: float) -> None:
        """Queue for ``mutex``; raise SQLite's own "database is locked" error on timeout."""
        if self._mutex is not None:
            raise RuntimeError("a transaction is already open on this connection")
        if not mutex.acquire(timeout_s):
            raise sqlite3.OperationalError("database is locked")
        self._mutex = mutex

    def release_write_mutex(self) -> None:
        """Give the mutex back if this connection holds it."""
        mutex, self._mutex = self._mutex, None
        if mutex is not None:
            mutex.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.release_write_mutex()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.release_write_mutex()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.release_write_mutex()

"""A fair in-process mutex per SQLite database, held from ``BEGIN IMMEDIATE`` to the end.

SQLite lets one writer in at a time; a connection that finds the database locked waits in the
busy handler, which sleeps 1, 2, 5, … up to 100 ms between tries. Under a dozen threads those
sleeps, not the work, decide the latency: a writer can sleep 100 ms after the database was free,
and later arrivals can overtake it again and again. Queuing the threads of one process on a FIFO
mutex instead hands the database to the next writer the moment the previous one finishes.

Server processes (``trialdesk serve --workers N``) and commands run beside a server write to the
same file, so the mutex of a database file is paired with an exclusive ``flock`` on a lock file
beside it (``<database>-writelock``): the one thread of a process that holds the in-process
mutex then waits for the other processes' writers by checking that lock every 0.2 ms or
less, instead of in SQLite's busy handler (sleeps of up to 100 ms). The lock is free for that
long at most between two writers: with 1 ms, saves from two server processes answered a tenth
fewer requests per second. The kernel drops the lock of
a process that dies. Where the lock file cannot be created (a read-only folder), processes fall
back to SQLite's busy handler.

The engine takes the lock in its ``begin`` hook; the DBAPI connection class below gives it back
once the driver's ``commit()``, ``rollback()`` or ``close()`` has returned, so the next writer's
``BEGIN IMMEDIATE`` never meets the lock in SQLite.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections import deque

__all__ = ["FairMutex", "WriteSerialisedConnection", "WriterLock", "mutex_for"]

#: The longest pause between two checks of another process's write lock.
_FILE_LOCK_POLL_MAX_S = 0.0002


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


class WriterLock:
    """The right to write one database: the in-process :class:`FairMutex`, then the file lock.

    ``lock_path`` ``None`` (an in-memory database, or no lock file possible) is the mutex alone.
    """

    def __init__(self, lock_path: str | None) -> None:
        self._threads = FairMutex()
        self._fd: int | None = None
        if lock_path is not None:
            try:
                self._fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:
                self._fd = None

    @property
    def held(self) -> bool:
        """Whether a thread of this process holds the lock."""
        return self._threads._held

    @property
    def spans_processes(self) -> bool:
        """Whether writers of other processes are queued by the file lock, too."""
        return self._fd is not None

    def acquire(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` seconds in all for the mutex and the file lock."""
        deadline = time.monotonic() + timeout_s
        if not self._threads.acquire(timeout_s):
            return False
        try:
            if self._lock_file(deadline):
                return True
        except BaseException:
            self._threads.release()
            raise
        self._threads.release()
        return False

    def _lock_file(self, deadline: float) -> bool:
        if self._fd is None:
            return True
        pause = 0.00005
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
            time.sleep(pause)
            pause = min(pause * 2, _FILE_LOCK_POLL_MAX_S)

    def release(self) -> None:
        """Give the file lock back, then hand the mutex to the next thread."""
        if not self._threads._held:
            raise RuntimeError("release of a lock that is not held")
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()


_registry_guard = threading.Lock()
_locks: dict[str, WriterLock] = {}


def mutex_for(database: str | None) -> WriterLock:
    """The process-wide writer lock of one database file (a fresh one for in-memory databases)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return WriterLock(None)
    key = os.path.realpath(database)
    with _registry_guard:
        if key not in _locks:
            _locks[key] = WriterLock(f"{key}-writelock")
        return _locks[key]


class WriteSerialisedConnection(sqlite3.Connection):
    """A ``sqlite3`` connection that gives back its write mutex when its transaction ends."""

    _mutex: WriterLock | None = None
    #: Whether ``PRAGMA query_only`` is on (set by the engine's ``begin`` hook).
    query_only: bool = False

    def hold_write_mutex(self, mutex: WriterLock, *, timeout_s: float) -> None:
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

"""The fair write mutex: first come, first served, handed over directly, bounded waits."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from trialdesk.adapters.db.write_mutex import FairMutex, WriterLock, mutex_for


def _queue_up(mutex: FairMutex, name: str, order: list[str]) -> threading.Thread:
    """Start a thread that queues for ``mutex`` and records when it gets it."""

    def work() -> None:
        assert mutex.acquire(timeout_s=10)
        order.append(name)
        mutex.release()

    thread = threading.Thread(target=work)
    thread.start()
    return thread


def _wait_for_waiters(mutex: FairMutex, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(mutex._waiters) < count:
        assert time.monotonic() < deadline, "threads did not queue"
        time.sleep(0.001)


def test_waiting_threads_get_the_mutex_in_the_order_they_asked() -> None:
    mutex = FairMutex()
    assert mutex.acquire(timeout_s=1)
    order: list[str] = []
    threads = []
    for name in ["first", "second", "third", "fourth"]:
        threads.append(_queue_up(mutex, name, order))
        _wait_for_waiters(mutex, len(threads))
    mutex.release()
    for thread in threads:
        thread.join(10)
    assert order == ["first", "second", "third", "fourth"]


def test_a_newcomer_cannot_overtake_a_thread_that_is_already_waiting() -> None:
    mutex = FairMutex()
    assert mutex.acquire(timeout_s=1)
    order: list[str] = []
    waiter = _queue_up(mutex, "waiter", order)
    _wait_for_waiters(mutex, 1)
    mutex.release()
    # The mutex was handed to the waiter on release, so this thread must queue behind it.
    assert mutex.acquire(timeout_s=10)
    order.append("newcomer")
    mutex.release()
    waiter.join(10)
    assert order == ["waiter", "newcomer"]


def test_a_wait_gives_up_after_its_timeout_and_leaves_the_queue() -> None:
    mutex = FairMutex()
    assert mutex.acquire(timeout_s=1)
    began = time.monotonic()
    assert not mutex.acquire(timeout_s=0.05)
    assert time.monotonic() - began >= 0.05
    assert len(mutex._waiters) == 0
    mutex.release()
    assert mutex.acquire(timeout_s=0)


def test_releasing_a_free_mutex_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="not held"):
        FairMutex().release()


def test_one_database_file_has_one_mutex_whatever_the_spelling_of_its_path(
    tmp_path: Path,
) -> None:
    (tmp_path / "sub").mkdir()
    direct = mutex_for(str(tmp_path / "trial.db"))
    roundabout = mutex_for(str(tmp_path / "sub" / ".." / "trial.db"))
    assert direct is roundabout
    assert mutex_for(str(tmp_path / "other.db")) is not direct


def test_every_in_memory_database_gets_its_own_mutex() -> None:
    assert mutex_for(":memory:") is not mutex_for(":memory:")
    assert mutex_for(None) is not mutex_for(None)


# A second process that takes the writer lock of a database file, reports, and holds it until
# told to let go: the lock must keep this process's writers out meanwhile.
_HOLDER = """
import sys
from trialdesk.adapters.db.write_mutex import mutex_for
lock = mutex_for(sys.argv[1])
assert lock.acquire(timeout_s=10)
print("held", flush=True)
sys.stdin.readline()
lock.release()
print("released", flush=True)
sys.stdin.readline()
"""


@contextmanager
def _holder_of(database: str) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the writer lock of ``database`` (killed at the end)."""
    with subprocess.Popen(
        [sys.executable, "-c", _HOLDER, database],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    ) as holder:  # fmt: skip
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "held"
            yield holder
        finally:
            holder.kill()


def test_a_writer_in_another_process_keeps_this_process_waiting_until_it_lets_go(
    tmp_path: Path,
) -> None:
    database = str(tmp_path / "trial.db")
    with _holder_of(database) as holder:
        assert holder.stdout is not None
        assert holder.stdin is not None
        lock = mutex_for(database)
        assert lock.spans_processes
        began = time.monotonic()
        assert not lock.acquire(timeout_s=0.2)
        assert time.monotonic() - began >= 0.2
        assert not lock.held  # the in-process mutex was given back with the failed wait
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "released"
        began = time.monotonic()
        assert lock.acquire(timeout_s=5)
        assert time.monotonic() - began < 0.1
        lock.release()


def test_the_lock_of_a_process_that_dies_is_free_for_the_others(tmp_path: Path) -> None:
    database = str(tmp_path / "trial.db")
    with _holder_of(database) as holder:
        holder.kill()
        holder.wait(10)
    lock = mutex_for(database)
    assert lock.acquire(timeout_s=5)
    lock.release()


def test_without_a_lock_file_the_lock_still_queues_this_processes_threads(
    tmp_path: Path,
) -> None:
    lock = WriterLock(str(tmp_path / "missing-folder" / "trial.db-writelock"))
    assert not lock.spans_processes
    assert lock.acquire(timeout_s=1)
    assert not lock.acquire(timeout_s=0.01)
    lock.release()
    with pytest.raises(RuntimeError, match="not held"):
        lock.release()

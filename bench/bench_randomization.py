"""Benchmark: allocations per second through the randomize service, 32 concurrent clients.

For each engine (a fresh SQLite file; PostgreSQL at TRIALDESK_TEST_POSTGRES_URL when reachable)
the same number of eligible subjects is randomized three times on separate databases: by one
client (the baseline, measured in the same run), by 32 client threads in one process (each with
its own connection; they share one interpreter lock), and by 32 client processes (each with its
own engine, like separate application workers). Clocks start once every client is connected.
Duplicated list positions and doubly allocated subjects are counted afterwards (both must be 0).
Allocation is serialised per stratum (four strata here) and the audit chain append per database.

Run: python bench/bench_randomization.py [REQUESTS]
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import queue
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from multiprocessing.synchronize import Barrier as BarrierType
from pathlib import Path

from argon2 import PasswordHasher as Argon2
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from trialdesk.adapters.db.engine import create_db_engine
from trialdesk.adapters.db.migrate import upgrade
from trialdesk.adapters.db.randomization_repository import SqlAlchemyRandomizationUnitOfWork
from trialdesk.adapters.security import Argon2PasswordHasher, SystemClock
from trialdesk.bootstrap import build_store, load_protocol
from trialdesk.services.accounts import accounts
from trialdesk.services.randomization.randomization import randomize_subject
from trialdesk.services.randomization.randomization_lists import generate_list

REQUESTS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
CLIENTS = 32
SITES = ("BJ01", "SH02", "GZ03")
PASSWORD = "Correct-Horse-42"
POSTGRES_URL = os.environ.get(
    "TRIALDESK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PASSWORDS = Argon2PasswordHasher(Argon2(time_cost=1, memory_cost=1024, parallelism=1))


def _prepare(url: str) -> list[tuple[int, int]]:
    """Migrate, add sites, a statistician and coordinators, a list, and eligible subjects."""
    engine = create_db_engine(url)
    upgrade(engine)
    engine.dispose()
    store = build_store(url, passwords=PASSWORDS)
    try:
        coordinators = {}
        for site in SITES:
            accounts.create_site(store.new_uow(), code=site, name=site, as_user=None)
            coordinators[site] = accounts.create_user(
                store.new_uow(), username=f"sc{site.lower()}", full_name="Coordinator",
                password=PASSWORD, role="site_coordinator", site_code=site, as_user=None,
                one_time_password=False,
            ).id  # fmt: skip
        statistician = accounts.create_user(
            store.new_uow(), username="stat", full_name="Statistician", password=PASSWORD,
            role="statistician", site_code=None, as_user=None, one_time_password=False,
        ).id  # fmt: skip
        generate_list(
            store.new_randomization_uow(), as_user=statistician,
            spec=load_protocol().randomization, length_per_stratum=REQUESTS // 6 + 4,
        )  # fmt: skip
        work = []
        with store.new_uow() as uow:
            now = uow.clock.now()
            today = now.date() - dt.timedelta(days=1)
            site_ids = {s: uow.records.find("sites", code=s)[0]["id"] for s in SITES}
            for n in range(REQUESTS):
                site = SITES[n % len(SITES)]
                subject_id = uow.records.add(
                    "subjects",
                    {"screening_number": f"B{n:05d}", "subject_code": None,
                     "site_id": site_ids[site], "state": "eligible", "birth_year": None,
                     "sex": None, "created_at": now, "created_by": None},
                )  # fmt: skip
                uow.records.add(
                    "screening_records",
                    {"subject_id": subject_id, "screened_on": today,
                     "answers": {"baseline_grade": 2 + n // 3 % 3},
                     "criteria_results": [{"criterion": "IN1", "status": "met", "reason": ""}],
                     "eligible": True, "created_at": now, "created_by": None},
                )  # fmt: skip
                uow.records.add(
                    "consents",
                    {"subject_id": subject_id, "consented_on": today, "form_version": "1",
                     "obtained_by": "Dr", "created_at": now, "created_by": None},
                )  # fmt: skip
                work.append((subject_id, coordinators[site]))
            uow.commit()
        return work
    finally:
        store.close()


def _randomize(engine: Engine, subject_id: int, user_id: int) -> None:
    uow = SqlAlchemyRandomizationUnitOfWork(engine, clock=SystemClock(), passwords=PASSWORDS)
    randomize_subject(uow, as_user=user_id, subject_id=subject_id)


def _threads(url: str, work: list[tuple[int, int]], clients: int) -> tuple[float, list[str]]:
    engine = create_db_engine(url, pool_size=clients + 1, max_overflow=0)
    jobs: queue.SimpleQueue[tuple[int, int]] = queue.SimpleQueue()
    for item in work:
        jobs.put(item)
    errors: list[str] = []
    ready = threading.Barrier(clients + 1)

    def client() -> None:
        engine.connect().close()  # open this client's connection before the clock starts
        ready.wait()
        while True:
            try:
                subject_id, user_id = jobs.get_nowait()
            except queue.Empty:
                return
            try:
                _randomize(engine, subject_id, user_id)
            except Exception as error:  # counted and shown after the run
                errors.append(repr(error))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed, errors


def _process_client(
    url: str,
    share: list[tuple[int, int]],
    ready: BarrierType,
    results: multiprocessing.Queue[list[str]],
) -> None:
    engine = create_db_engine(url, pool_size=1, max_overflow=0)
    engine.connect().close()
    errors: list[str] = []
    ready.wait()
    for subject_id, user_id in share:
        try:
            _randomize(engine, subject_id, user_id)
        except Exception as error:  # counted and shown after the run
            errors.append(repr(error))
    engine.dispose()
    results.put(errors)


def _processes(url: str, work: list[tuple[int, int]], clients: int) -> tuple[float, list[str]]:
    context = multiprocessing.get_context("fork")
    ready = context.Barrier(clients + 1)
    results: multiprocessing.Queue[list[str]] = context.Queue()
    workers = [
        context.Process(target=_process_client, args=(url, work[n::clients], ready, results))
        for n in range(clients)
    ]
    for worker in workers:
        worker.start()
    ready.wait()
    start = time.perf_counter()
    errors = [error for _ in workers for error in results.get()]
    elapsed = time.perf_counter() - start
    for worker in workers:
        worker.join()
    return elapsed, errors


def _check(url: str, expected: int, errors: list[str]) -> int:
    """Duplicated list positions plus doubly allocated subjects; exits on any failure."""
    engine = create_db_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT subject_id, stratum, position FROM allocations"))
        places: Counter[tuple[str, int]] = Counter()
        subjects: Counter[int] = Counter()
        for subject_id, stratum, position in rows:
            places[(stratum, position)] += 1
            subjects[subject_id] += 1
    engine.dispose()
    allocated = sum(subjects.values())
    if errors or allocated != expected:
        raise SystemExit(f"{len(errors)} failed requests, {allocated} allocations: {errors[:1]}")
    return sum(n - 1 for n in places.values()) + sum(n - 1 for n in subjects.values())


def _sqlite(tmp: Path) -> Callable[[str], tuple[str, Callable[[], None]]]:
    def make(label: str) -> tuple[str, Callable[[], None]]:
        return f"sqlite:///{tmp / f'{label}.db'}", lambda: None

    return make


def _postgres() -> Callable[[str], tuple[str, Callable[[], None]]] | None:
    admin = create_engine(
        create_db_engine(POSTGRES_URL).url, isolation_level="AUTOCOMMIT", pool_size=1
    )
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # no server: report and skip this engine
        print(f"PostgreSQL not reachable ({type(error).__name__}); skipped")
        admin.dispose()
        return None

    def make(label: str) -> tuple[str, Callable[[], None]]:
        name = f"trialdesk_bench_{label}_{uuid.uuid4().hex[:8]}"
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

        def drop() -> None:
            with admin.connect() as connection:
                connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

        return url, drop

    return make


MODES = (
    ("baseline", 1, _threads),
    ("threads", CLIENTS, _threads),
    ("processes", CLIENTS, _processes),
)


def main() -> None:
    print(f"cores: {os.cpu_count()}; requests: {REQUESTS}; concurrent clients: {CLIENTS}")
    print(f"{'engine':<11} {'mode':<10} {'clients':>7} {'alloc/s':>8} {'seconds':>8} {'dup':>4}")
    with tempfile.TemporaryDirectory() as tmp:
        engines = [("sqlite", _sqlite(Path(tmp))), ("postgresql", _postgres())]
        for name, factory in engines:
            if factory is None:
                continue
            for mode, clients, run in MODES:
                url, cleanup = factory(mode)
                try:
                    work = _prepare(url)
                    elapsed, errors = run(url, work, clients)
                    duplicates = _check(url, len(work), errors)
                finally:
                    cleanup()
                print(
                    f"{name:<11} {mode:<10} {clients:>7} {len(work) / elapsed:>8.0f} "
                    f"{elapsed:>8.2f} {duplicates:>4}"
                )


if __name__ == "__main__":
    main()

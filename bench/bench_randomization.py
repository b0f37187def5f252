"""Benchmark: allocations per second through the randomize service, 32 concurrent clients.

For each engine (a fresh SQLite file; PostgreSQL at TRIALDESK_TEST_POSTGRES_URL when reachable)
the same number of eligible subjects is randomized twice on separate databases: once by one
client (the baseline, measured in the same run) and once by 32 client threads, each with its own
connection. Duplicated list positions and doubly allocated subjects are counted afterwards (both
must be 0). Allocation is serialised per list by design, so concurrency is expected to add
safety, not speed.

Run: python bench/bench_randomization.py [REQUESTS]
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from argon2 import PasswordHasher as Argon2
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from trialdesk.adapters.db.engine import create_db_engine
from trialdesk.adapters.db.migrate import upgrade
from trialdesk.adapters.db.randomization_repository import SqlAlchemyRandomizationUnitOfWork
from trialdesk.adapters.security import Argon2PasswordHasher, SystemClock
from trialdesk.bootstrap import build_store, load_protocol
from trialdesk.services import accounts
from trialdesk.services.randomization import randomize_subject
from trialdesk.services.randomization_lists import generate_list

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
            ).id  # fmt: skip
        statistician = accounts.create_user(
            store.new_uow(), username="stat", full_name="Statistician", password=PASSWORD,
            role="statistician", site_code=None, as_user=None,
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


def _run(url: str, work: list[tuple[int, int]], clients: int) -> tuple[float, int, int]:
    """Seconds taken, duplicated list positions, subjects allocated more than once."""
    engine = create_db_engine(url, pool_size=clients + 1, max_overflow=0)
    jobs: queue.SimpleQueue[tuple[int, int]] = queue.SimpleQueue()
    for item in work:
        jobs.put(item)
    errors: list[BaseException] = []

    def client() -> None:
        while True:
            try:
                subject_id, user_id = jobs.get_nowait()
            except queue.Empty:
                return
            uow = SqlAlchemyRandomizationUnitOfWork(
                engine, clock=SystemClock(), passwords=PASSWORDS
            )
            try:
                randomize_subject(uow, as_user=user_id, subject_id=subject_id)
            except BaseException as error:  # counted and shown after the run
                errors.append(error)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT subject_id, stratum, position FROM allocations"))
        places: Counter[tuple[str, int]] = Counter()
        subjects: Counter[int] = Counter()
        for subject_id, stratum, position in rows:
            places[(stratum, position)] += 1
            subjects[subject_id] += 1
        allocated = sum(subjects.values())
    engine.dispose()
    if errors or allocated != len(work):
        raise SystemExit(f"{len(errors)} failed requests, {allocated} allocations: {errors[:1]}")
    duplicates = sum(n - 1 for n in places.values()) + sum(n - 1 for n in subjects.values())
    return elapsed, duplicates, allocated


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


def main() -> None:
    print(f"cores: {os.cpu_count()}; requests: {REQUESTS}; concurrent clients: {CLIENTS}")
    print(f"{'engine':<11} {'clients':>7} {'alloc/s':>9} {'seconds':>8} {'duplicates':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        engines = [("sqlite", _sqlite(Path(tmp))), ("postgresql", _postgres())]
        for name, factory in engines:
            if factory is None:
                continue
            for clients in (1, CLIENTS):
                url, cleanup = factory(f"c{clients}")
                try:
                    work = _prepare(url)
                    elapsed, duplicates, allocated = _run(url, work, clients)
                finally:
                    cleanup()
                label = "baseline" if clients == 1 else "concurrent"
                print(
                    f"{name:<11} {clients:>7} {allocated / elapsed:>9.0f} {elapsed:>8.2f} "
                    f"{duplicates:>10}   {label}"
                )


if __name__ == "__main__":
    main()

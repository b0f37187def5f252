"""Benchmark: audited writes per second on SQLite and PostgreSQL.

Each audited write is a real use case (``clinical.record_visit``): load the user's grants, check
site access, insert the visit, append its audit entry to the hash chain under the chain-head lock,
and commit with the engine's durability settings (SQLite WAL + synchronous=FULL; PostgreSQL
defaults). The baseline, measured in the same run on the same database, is a bare SQLAlchemy
insert of the same row committed on its own. Target: ≥ 500 audited writes/s on each engine.

Run: python bench/bench_store.py [N]   (PostgreSQL from TRIALDESK_TEST_POSTGRES_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/test; skipped with a note when no server answers)
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from argon2 import PasswordHasher as Argon2
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from trialdesk.adapters.db.engine import create_db_engine
from trialdesk.adapters.db.migrate import upgrade
from trialdesk.adapters.db.tables import visits
from trialdesk.adapters.security import Argon2PasswordHasher
from trialdesk.bootstrap import Store, build_store
from trialdesk.services.accounts import accounts
from trialdesk.services.clinical import clinical
from trialdesk.services.subjects import subjects

N = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
TARGET_PER_SECOND = 500
VISIT_DATE = dt.date(2026, 1, 5)


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as directory:
        yield f"sqlite:///{Path(directory) / 'bench.db'}"


@contextmanager
def postgres_database() -> Iterator[str]:
    admin_url = os.environ.get(
        "TRIALDESK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    admin = create_engine(create_db_engine(admin_url).url, isolation_level="AUTOCOMMIT")
    name = f"trialdesk_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def prepare(url: str) -> tuple[Store, int, int]:
    """Migrate, then create a site, a coordinator and a subject; returns (store, user, subject)."""
    passwords = Argon2PasswordHasher(Argon2(time_cost=1, memory_cost=1024, parallelism=1))
    store = build_store(url, passwords=passwords)
    upgrade(store.engine)
    accounts.create_site(store.new_uow(), code="B1", name="Bench", as_user=None)
    user = accounts.create_user(
        store.new_uow(), username="bench", full_name="Bench User", password="Speedy-Writer-2026",
        role="site_coordinator", site_code="B1", as_user=None, one_time_password=False,
    )  # fmt: skip
    subject = subjects.register_subject(
        store.new_uow(), as_user=user.id, site_code="B1", screening_number="S-1"
    )
    return store, user.id, subject.id


CHUNK = 100


def rates(writes: dict[str, Callable[[int], object]], count: int) -> dict[str, float]:
    """Writes per second of each kind, measured in alternating chunks.

    Alternating keeps a change in the machine's load from landing on one kind only (the machine
    may be shared), so the audited/bare ratio compares like with like.
    """
    for write in writes.values():
        for number in range(min(50, count)):  # warm caches and connection pool
            write(-1 - number)
    elapsed = dict.fromkeys(writes, 0.0)
    for start in range(0, count, CHUNK):
        for name, write in writes.items():
            started = time.perf_counter()
            for number in range(start, min(start + CHUNK, count)):
                write(number)
            elapsed[name] += time.perf_counter() - started
    return {name: count / seconds for name, seconds in elapsed.items()}


def measure(label: str, url: str) -> None:
    store, user, subject = prepare(url)
    try:

        def audited(number: int) -> object:
            return clinical.record_visit(
                store.new_uow(), as_user=user, subject_id=subject,
                visit_code=f"V{number}", visit_date=VISIT_DATE,
            )  # fmt: skip

        def bare(number: int) -> object:
            with store.engine.begin() as connection:
                return connection.execute(
                    insert(visits).values(
                        subject_id=subject,
                        visit_code=f"B{number}",
                        visit_date=VISIT_DATE,
                        created_at=dt.datetime.now(dt.UTC),
                        created_by=user,
                    )
                )

        measured = rates({"bare": bare, "audited": audited}, N)
        baseline, audited_rate = measured["bare"], measured["audited"]
    finally:
        store.close()
    verdict = "meets" if audited_rate >= TARGET_PER_SECOND else "MISSES"
    print(
        f"{label:<11} audited writes/s: {audited_rate:8.0f}   bare insert baseline/s: "
        f"{baseline:8.0f}   audited/bare: {audited_rate / baseline:5.2f}   "
        f"{verdict} the {TARGET_PER_SECOND}/s target"
    )


def main() -> None:
    print(f"cores: {os.cpu_count()}   writes per measurement: {N}")
    with sqlite_database() as url:
        measure("SQLite", url)
    try:
        context = postgres_database()
        url = context.__enter__()
    except Exception as error:  # no server: say so and carry on
        print(f"PostgreSQL  skipped: no server ({type(error).__name__})")
        return
    try:
        measure("PostgreSQL", url)
    finally:
        context.__exit__(None, None, None)


if __name__ == "__main__":
    main()

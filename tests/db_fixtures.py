"""Database fixtures: every database test runs on SQLite and on PostgreSQL.

The schema is built once per session by running the real Alembic migrations into a template (a
SQLite file; a PostgreSQL template database with a random name), then each test gets its own copy,
dropped afterwards, so tests never see each other's rows, even when other suites share the server.

On PostgreSQL the migrations run as the owner (``postgres``) and the application connects as
``trialdesk_app``, a role that owns nothing and holds the grants ``db upgrade --app-role`` gives
(granted in the template, so every copy has them): ``db_url`` is the application's URL, and
:func:`owner_url` reaches the same database as the owner, for tests that act as its administrator.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher as Argon2
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url

from pg_roles import APP_ROLE, DEFAULT_POSTGRES_URL, app_url, ensure_app_role
from trialdesk.adapters.db.engine import create_db_engine
from trialdesk.adapters.db.migrate import upgrade
from trialdesk.adapters.db.roles import apply_app_role_grants
from trialdesk.adapters.security import Argon2PasswordHasher
from trialdesk.bootstrap import Store, build_store

ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
#: Real argon2id with cheap parameters, so tests that log in many times stay fast.
FAST_PASSWORDS = Argon2PasswordHasher(Argon2(time_cost=1, memory_cost=1024, parallelism=1))


class SettableClock:
    """A clock tests can move; starts at a fixed UTC instant."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.current = start or dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)


def postgres_admin_url() -> str:
    return os.environ.get("TRIALDESK_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def owner_url(url: str) -> str:
    """``url``'s database reached as its owner (SQLite: the same URL; there are no roles)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return url
    owner = make_url(postgres_admin_url())
    return parsed.set(username=owner.username, password=owner.password).render_as_string(False)


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@contextlib.contextmanager
def as_owner(store: Store) -> Iterator[Connection]:
    """A transaction on ``store``'s database as its owner (the administrator tampering)."""
    engine = create_db_engine(owner_url(store.url))
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()


class PostgresServer:
    """Creates and drops uniquely named databases on the test server."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self._engine = create_engine(
            create_db_engine(admin_url).url, isolation_level="AUTOCOMMIT", pool_size=1
        )

    def check(self) -> str | None:
        try:
            with self._engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:  # any failure to connect means "no server"
            return f"{type(error).__name__}: {str(error).splitlines()[0]}"
        return None

    def create(self, *, template: str | None = None) -> tuple[str, str]:
        name = f"trialdesk_test_{uuid.uuid4().hex[:12]}"
        clause = f" TEMPLATE {template}" if template else ""
        with self._engine.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}{clause}"))
        return name, _with_database(self.admin_url, name)

    def drop(self, name: str) -> None:
        with self._engine.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    def close(self) -> None:
        self._engine.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer(postgres_admin_url())
    problem = server.check()
    if problem is not None:
        server.close()
        message = f"no PostgreSQL at TRIALDESK_TEST_POSTGRES_URL ({problem})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    yield server
    server.close()


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> Iterator[str]:
    ensure_app_role(postgres_server.admin_url)  # normally made by `make pg-roles` already
    name, url = postgres_server.create()
    engine = create_db_engine(url)
    upgrade(engine)
    apply_app_role_grants(engine, APP_ROLE)
    engine.dispose()
    yield name
    postgres_server.drop(name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection checkpoints the WAL into the file
    return path


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database of the parametrized engine, private to this test."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "trial.db"
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name, url = server.create(template=request.getfixturevalue("postgres_template"))
    yield app_url(url)
    server.drop(name)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
def store(db_url: str, clock: SettableClock) -> Iterator[Store]:
    built = build_store(db_url, clock=clock, passwords=FAST_PASSWORDS)
    yield built
    built.close()


StoreFactory = Callable[[], Store]


def allow_quick_sign_in(store: Store) -> None:
    """Let test users sign in with a password alone: no two-factor roles, no password expiry.

    The trial's defaults (two-factor sign-in for administrators, data managers and investigators;
    passwords expire after 180 days) are tested on their own; worlds that only need someone
    signed in turn them off, audited like any administrator's change.
    """
    from trialdesk.services.accounts.security_settings import update_security_settings

    update_security_settings(
        store.new_uow(), as_user=None, reason="test world: sign in with a password alone",
        two_factor_roles=[], password_max_age_days=0,
    )  # fmt: skip

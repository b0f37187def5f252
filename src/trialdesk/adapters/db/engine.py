"""Engine factory for the two supported databases: SQLite (embedded) and PostgreSQL (psycopg 3).

SQLite runs in WAL mode with ``synchronous=FULL`` (a commit survives power loss), foreign keys on
and a busy timeout; every transaction starts with ``BEGIN IMMEDIATE`` so writers queue up front
instead of failing half-way, which also keeps the audit hash chain strictly linear.

Within one process, those transactions queue on a fair in-process mutex per database file
(:mod:`trialdesk.adapters.db.write_mutex`) taken just before ``BEGIN IMMEDIATE`` and given back
after ``COMMIT`` or ``ROLLBACK``. SQLite's own busy handler polls with growing sleeps, so under
many threads a writer could sleep far longer than the transaction ahead of it took; the mutex
hands the database over in arrival order the moment it is free. Writers in other processes still
wait through the busy timeout.

A unit of work that only reads runs on :func:`read_only_engine`: on SQLite a deferred ``BEGIN``
with ``PRAGMA query_only`` (WAL readers see a consistent snapshot and never wait for the writer),
on PostgreSQL a ``READ ONLY`` transaction. Either way a stray write fails instead of committing.
A file database gets a second engine with a pool of its own for reading, so a pooled connection
is set ``query_only`` once instead of being switched at the start of most transactions.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from trialdesk.adapters.db.write_mutex import WriteSerialisedConnection, mutex_for
from trialdesk.domain.errors import InputError

__all__ = [
    "SQLITE_BUSY_TIMEOUT_MS",
    "create_db_engine",
    "normalise_url",
    "read_only_engine",
    "shares_pool",
]

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: Idle connections kept per SQLite database file (one per server request thread).
SQLITE_POOL_SIZE = 40
#: Execution option marking an engine's transactions as read-only.
_READ_ONLY = "trialdesk_read_only"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` as psycopg 3 URLs; refuse other engines."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise InputError.single("db", f"not a database URL: {url!r}") from error
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return url
    if backend in {"postgresql", "postgres"}:
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise InputError.single("db", f"unsupported database {backend!r}: use sqlite or postgresql")


def _configure_sqlite(engine: Engine) -> None:
    mutex = mutex_for(engine.url.database)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" hook below (pysqlite's own implicit
        # BEGIN is deferred, which lets two writers deadlock on lock upgrade).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        dbapi_connection = connection.connection.driver_connection
        read_only = bool(connection.get_execution_options().get(_READ_ONLY, False))
        if dbapi_connection.query_only != read_only:
            connection.exec_driver_sql(f"PRAGMA query_only = {int(read_only)}")
            dbapi_connection.query_only = read_only
        if read_only:
            connection.exec_driver_sql("BEGIN")
            return
        dbapi_connection.hold_write_mutex(mutex, timeout_s=SQLITE_BUSY_TIMEOUT_MS / 1000)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_connection.release_write_mutex()
            raise


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with trialdesk's durability and concurrency settings."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        # The DBAPI connection class gives the mutex back after the driver's COMMIT/ROLLBACK
        # returns (SQLAlchemy's commit events fire before it, too early).
        connect_args = {"factory": WriteSerialisedConnection, **kwargs.pop("connect_args", {})}
        kwargs["connect_args"] = connect_args
        if _is_file_database(make_url(url).database):
            # Keep as many idle connections as the server runs request threads (anyio's default
            # of 40): with the default 5 + 10 overflow, connections were opened (and configured)
            # and closed again on most requests under 16 clients. SQLite connections are cheap.
            kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
            kwargs.setdefault("max_overflow", 10)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def read_only_engine(engine: Engine) -> Engine:
    """An engine for ``engine``'s database whose transactions may read but never write.

    Dispose of it like ``engine`` unless it is ``engine`` viewed read-only (the same pool):
    :func:`shares_pool` tells.
    """
    if engine.dialect.name == "sqlite":
        if _is_file_database(engine.url.database):
            url = engine.url.render_as_string(hide_password=False)
            return create_db_engine(url, execution_options={_READ_ONLY: True})
        return engine.execution_options(**{_READ_ONLY: True})
    return engine.execution_options(postgresql_readonly=True)


def shares_pool(reader: Engine, engine: Engine) -> bool:
    """Whether ``reader`` is a read-only view of ``engine`` rather than an engine of its own."""
    return reader.pool is engine.pool


def _is_file_database(database: str | None) -> bool:
    return bool(database) and database != ":memory:" and not str(database).startswith("file:")

"""Composition root: the one place that picks concrete adapters and hands them to entrypoints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

import trialdesk.adapters.db.api_tokens  # noqa: F401  (registers the api_tokens table)
from trialdesk.adapters.db.engine import create_db_engine, read_only_engine, shares_pool
from trialdesk.adapters.db.randomization_repository import SqlAlchemyRandomizationUnitOfWork
from trialdesk.adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from trialdesk.adapters.protocol_file import builtin_protocol_path, read_protocol_file
from trialdesk.adapters.security import Argon2PasswordHasher, SystemClock
from trialdesk.config import get_settings
from trialdesk.domain.protocol import Protocol
from trialdesk.services.ports import Clock, PasswordHasher, UnitOfWork
from trialdesk.services.randomization_ports import RandomizationUnitOfWork

__all__ = ["Store", "build_store", "database_url", "load_protocol"]


def load_protocol(path: Path | None = None) -> Protocol:
    """The protocol in ``path``, or the built-in NCT04738981 protocol when ``path`` is None."""
    return read_protocol_file(builtin_protocol_path() if path is None else path)


@dataclass(frozen=True, slots=True)
class Store:
    """A database and the factory of units of work the use cases run in."""

    url: str
    engine: Engine
    new_uow: Callable[[], UnitOfWork]
    #: Units of work for use cases that only read: they never queue behind writers (SQLite) and
    #: refuse any write (both databases).
    new_read_uow: Callable[[], UnitOfWork]
    #: Units of work that also reach the randomization tables (lists, allocations, seeds).
    new_randomization_uow: Callable[[], RandomizationUnitOfWork]

    #: The engine of :attr:`new_read_uow` (``engine`` itself viewed read-only, or its own pool).
    reader: Engine | None = None

    def close(self) -> None:
        """Release the engines' connections."""
        self.engine.dispose()
        if self.reader is not None and not shares_pool(self.reader, self.engine):
            self.reader.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        # Commands open a store for one use case; the connections go however that ends.
        self.close()


def database_url(url: str | None = None) -> str:
    """The URL given, else ``TRIALDESK_DATABASE_URL``, else ``sqlite:///trialdesk.db``."""
    return url or get_settings().database_url


def build_store(
    url: str | None = None,
    *,
    clock: Clock | None = None,
    passwords: PasswordHasher | None = None,
) -> Store:
    """Wire the engine and the unit-of-work factory for one database."""
    resolved = database_url(url)
    engine = create_db_engine(resolved)
    the_clock = clock or SystemClock()
    the_passwords = passwords or Argon2PasswordHasher()

    def new_uow() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(engine, clock=the_clock, passwords=the_passwords)

    reader = read_only_engine(engine)

    def new_read_uow() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(reader, clock=the_clock, passwords=the_passwords)

    def new_randomization_uow() -> RandomizationUnitOfWork:
        return SqlAlchemyRandomizationUnitOfWork(engine, clock=the_clock, passwords=the_passwords)

    return Store(
        url=resolved,
        engine=engine,
        new_uow=new_uow,
        new_read_uow=new_read_uow,
        new_randomization_uow=new_randomization_uow,
        reader=reader,
    )

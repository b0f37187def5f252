"""Composition root: the one place that picks concrete adapters and hands them to entrypoints."""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

import trialdesk.adapters.db.api_tokens  # noqa: F401  (registers the api_tokens table)
from trialdesk.adapters.audit_checkpoints import DirectoryCheckpointStore
from trialdesk.adapters.db.engine import create_db_engine, read_only_engine, shares_pool
from trialdesk.adapters.db.randomization_repository import SqlAlchemyRandomizationUnitOfWork
from trialdesk.adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from trialdesk.adapters.protocol_file import builtin_protocol_path, read_protocol_file
from trialdesk.adapters.security import Argon2PasswordHasher, SystemClock
from trialdesk.config import get_settings
from trialdesk.domain.errors import InputError
from trialdesk.domain.protocol import Protocol
from trialdesk.services.ports import Clock, PasswordHasher, UnitOfWork
from trialdesk.services.randomization.randomization_ports import RandomizationUnitOfWork
from trialdesk.services.review.audit_checkpoints import take_checkpoint

__all__ = [
    "Store",
    "audit_key",
    "build_store",
    "checkpoint_after_export",
    "checkpoint_dir",
    "database_url",
    "load_protocol",
]

_log = logging.getLogger("trialdesk.audit")

#: The shortest audit key accepted: 32 bytes, as long as the HMAC-SHA256 output.
MIN_AUDIT_KEY_BYTES = 32


class _FromSettings(enum.Enum):
    """Marks an argument to be read from the settings (the environment)."""

    VALUE = "from settings"


FROM_SETTINGS = _FromSettings.VALUE


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
    #: The key sealing audit entries and signing checkpoints (``None``: entries stay unsealed).
    audit_key: bytes | None = None
    #: Read-only units of work that see one snapshot throughout (REPEATABLE READ on
    #: PostgreSQL; a SQLite read transaction is one already), for whole-trail checks.
    new_snapshot_uow: Callable[[], UnitOfWork] | None = None

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


def audit_key() -> bytes | None:
    """The audit key from ``TRIALDESK_AUDIT_KEY`` or the file ``TRIALDESK_AUDIT_KEY_FILE`` names.

    ``None`` when neither is set (a demonstration: entries are then unsealed, and
    ``audit verify`` says so). A key shorter than 32 bytes is refused rather than used.
    """
    settings = get_settings()
    if settings.audit_key is not None and settings.audit_key_file is not None:
        raise InputError.single(
            "TRIALDESK_AUDIT_KEY", "set the key or TRIALDESK_AUDIT_KEY_FILE, not both"
        )
    if settings.audit_key is not None:
        field, key = "TRIALDESK_AUDIT_KEY", settings.audit_key.get_secret_value().encode()
    elif settings.audit_key_file is not None:
        field = "TRIALDESK_AUDIT_KEY_FILE"
        try:
            key = settings.audit_key_file.read_bytes().strip()
        except OSError as error:
            raise InputError.single(
                field, f"cannot read {settings.audit_key_file}: {error.strerror}"
            ) from None
    else:
        return None
    if len(key) < MIN_AUDIT_KEY_BYTES:
        raise InputError.single(field, f"the key must be at least {MIN_AUDIT_KEY_BYTES} bytes long")
    return key


def checkpoint_dir(directory: Path | None = None) -> Path | None:
    """The directory given, else ``TRIALDESK_CHECKPOINT_DIR`` (``None``: no checkpoints)."""
    return directory or get_settings().checkpoint_dir


def checkpoint_after_export(store: Store) -> str | None:
    """Write a signed checkpoint to ``TRIALDESK_CHECKPOINT_DIR`` after an export, if configured.

    Needs both the directory and the audit key; otherwise does nothing. The export has already
    committed, so a checkpoint that cannot be written is logged, not raised: the person exporting
    gets their export, and the gap shows as a missing checkpoint.
    """
    directory = checkpoint_dir()
    if directory is None or store.audit_key is None:
        return None
    try:
        name, _ = take_checkpoint(
            store.new_read_uow(), key=store.audit_key, store=DirectoryCheckpointStore(directory)
        )
    except OSError as error:
        _log.error("audit checkpoint not written to %s: %s", directory, error)
        return None
    return name


def build_store(
    url: str | None = None,
    *,
    clock: Clock | None = None,
    passwords: PasswordHasher | None = None,
    key: bytes | _FromSettings | None = FROM_SETTINGS,
) -> Store:
    """Wire the engine and the unit-of-work factory for one database.

    The audit key comes from the settings unless ``key`` is given (``None``: no key).
    """
    resolved = database_url(url)
    the_key = audit_key() if key is FROM_SETTINGS else key
    engine = create_db_engine(resolved)
    the_clock = clock or SystemClock()
    the_passwords = passwords or Argon2PasswordHasher()

    def new_uow() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(
            engine, clock=the_clock, passwords=the_passwords, audit_key=the_key
        )

    reader = read_only_engine(engine)

    def new_read_uow() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(reader, clock=the_clock, passwords=the_passwords)

    snapshot = (
        reader.execution_options(isolation_level="REPEATABLE READ")
        if engine.dialect.name == "postgresql"
        else reader
    )

    def new_snapshot_uow() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(snapshot, clock=the_clock, passwords=the_passwords)

    def new_randomization_uow() -> RandomizationUnitOfWork:
        return SqlAlchemyRandomizationUnitOfWork(
            engine, clock=the_clock, passwords=the_passwords, audit_key=the_key
        )

    return Store(
        url=resolved,
        engine=engine,
        new_uow=new_uow,
        new_read_uow=new_read_uow,
        new_randomization_uow=new_randomization_uow,
        reader=reader,
        audit_key=the_key,
        new_snapshot_uow=new_snapshot_uow,
    )

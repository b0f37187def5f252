"""The ports the use cases talk through; adapters implement them, bootstrap picks which.

Services never import a database library: they read and write plain mappings through
:class:`RecordRepository`, append to the audit trail through :class:`AuditLog` (which has no
update or delete), and receive time and password hashing from outside.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, Self

from trialdesk.domain.audit import AuditAction, AuditEntry

__all__ = [
    "AuditDraft",
    "AuditLog",
    "Clock",
    "PasswordHasher",
    "Record",
    "RecordRepository",
    "UnitOfWork",
]

#: One stored row as a plain mapping of column name to value.
Record = dict[str, Any]


@dataclass(frozen=True, slots=True)
class AuditDraft:
    """An audit entry before the log gives it its sequence number, time and hash."""

    user_id: int | None
    username: str
    action: AuditAction
    entity: str
    entity_id: str | None = None
    field: str | None = None
    old_value: str | None = None
    new_value: str | None = None
    reason: str | None = None
    subject_id: int | None = None


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware."""
        ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str:
        """A salted, slow hash of the password."""
        ...

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether the password matches the hash."""
        ...


class RecordRepository(Protocol):
    def add(self, table: str, values: Mapping[str, Any]) -> int:
        """Insert a row and return its new id."""
        ...

    def get(self, table: str, record_id: int) -> Record | None:
        """The row with this id, or ``None``."""
        ...

    def find(self, table: str, *, include_deleted: bool = False, **equals: Any) -> list[Record]:
        """Rows whose columns equal the given values, in id order.

        Rows deleted logically (``deleted_at`` set) are left out unless ``include_deleted``.
        """
        ...

    def update(self, table: str, record_id: int, values: Mapping[str, Any]) -> None:
        """Overwrite the given columns of one row."""
        ...

    def delete(self, table: str, record_id: int) -> None:
        """Remove one row."""
        ...

    def count(self, table: str) -> int:
        """Number of rows in the table."""
        ...

    def get_with_lock_state(
        self, table: str, record_id: int, *, for_update: bool = False
    ) -> tuple[Record, bool] | None:
        """The row with this id and whether an active lock names it, in one read; or ``None``.

        With ``for_update`` the row is first locked until the transaction ends, waiting for any
        transaction that holds it, so the read sees what that one committed: a use case reading
        a row in order to change it must ask for this, or a concurrent change is lost.
        """
        ...

    def has_active_lock(self, targets: Sequence[tuple[str, int]]) -> bool:
        """Whether any of these ``(entity, id)`` pairs is under a lock not yet lifted."""
        ...

    def get_user_with_grants(self, user_id: int) -> tuple[Record, list[Record]] | None:
        """The user's row and active role assignments in one read.

        Each assignment has ``role``, ``site_id`` and ``site_code`` (both ``None`` for a study-wide
        role).
        """
        ...


class AuditLog(Protocol):
    def append(self, drafts: Sequence[AuditDraft]) -> None:
        """Add entries to the current transaction's trail, in order.

        The unit of work numbers, hashes and writes them as the last step of its commit (the
        chain head is the last lock a transaction takes); a rollback discards them.
        """
        ...

    def entries(self, *, subject_id: int | None = None) -> Iterator[AuditEntry]:
        """Entries in sequence order (this transaction's own included), optionally one subject's."""
        ...

    def head(self) -> tuple[int, str]:
        """The sequence number and hash the chain-head row records as the chain's tip."""
        ...


class UnitOfWork(Protocol):
    """One transaction: leaving the ``with`` block without :meth:`commit` rolls back."""

    records: RecordRepository
    audit: AuditLog
    clock: Clock
    passwords: PasswordHasher

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

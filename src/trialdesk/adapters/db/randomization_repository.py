"""SQLAlchemy implementation of the randomization port, and the unit of work that carries it.

Strict stratum order under concurrency: allocating from a permuted-block list first takes the
stratum's lock (a transaction-scoped advisory lock on PostgreSQL, keyed by the list and the
stratum; on SQLite the transaction already holds the database's write lock from ``BEGIN
IMMEDIATE``). Requests on one stratum therefore take turns, and each claims the stratum's lowest
unused position in one ``UPDATE … RETURNING`` only after the previous request has committed — so
no position is used twice or skipped, while different strata allocate side by side. ``SKIP
LOCKED`` would be wrong here: it hands a waiting request the *second* unused row, breaking list
order. The claim is conditional (``… WHERE used_by_subject_id IS NULL``) as a second line of
defence. Minimization reads and updates counts shared by the whole list, so it locks the list.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from typing import Any, Self

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    ForeignKey,
    Integer,
    String,
    Table,
    func,
    insert,
    select,
    text,
    update,
)

from trialdesk.adapters.db.tables import (
    allocations,
    metadata,
    minimization_state,
    randomization_list_entries,
    randomization_lists,
)
from trialdesk.adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from trialdesk.services.ports import Record
from trialdesk.services.randomization.randomization_ports import RandomizationRepository

__all__ = [
    "SqlAlchemyRandomizationRepository",
    "SqlAlchemyRandomizationUnitOfWork",
    "allocation_details",
    "randomization_list_secrets",
]

# Kept out of the generic repository's table map on purpose: only this port reads the seed.
randomization_list_secrets = Table(
    "randomization_list_secrets",
    metadata,
    Column("list_id", Integer, ForeignKey("randomization_lists.id"), primary_key=True),
    Column("seed", String(40), nullable=False),
    Column("spec", JSON, nullable=False),
)

allocation_details = Table(
    "allocation_details",
    metadata,
    Column("allocation_id", Integer, ForeignKey("allocations.id"), primary_key=True),
    Column("details", JSON, nullable=False),
)

_entries = randomization_list_entries
_cells = minimization_state


class SqlAlchemyRandomizationRepository:
    """Randomization reads and writes in the caller's transaction."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def lock_list(self, list_id: int) -> None:
        self._connection.execute(
            select(randomization_lists.c.id).where(randomization_lists.c.id == list_id)
        ).one()
        if self._connection.dialect.name != "postgresql":
            return  # SQLite: the transaction holds the database's only write lock already
        # A transaction-level advisory lock rather than FOR UPDATE: a row lock needs an UPDATE
        # grant, and the application's role may not update a randomization list. The one-key
        # form never meets lock_stratum's two-key locks.
        self._connection.execute(
            text("SELECT pg_advisory_xact_lock(:list_id)"), {"list_id": list_id}
        )

    def add_entries(self, entries: Sequence[Mapping[str, Any]]) -> None:
        if entries:
            self._connection.execute(insert(_entries), [dict(e) for e in entries])

    def entries(self, list_id: int, stratum: str | None = None) -> list[Record]:
        statement = select(_entries).where(_entries.c.list_id == list_id)
        if stratum is not None:
            statement = statement.where(_entries.c.stratum == stratum)
        statement = statement.order_by(_entries.c.stratum, _entries.c.position)
        return [dict(row) for row in self._connection.execute(statement).mappings()]

    def strata(self, list_id: int) -> dict[str, int]:
        rows = self._connection.execute(
            select(_entries.c.stratum, func.count())
            .where(_entries.c.list_id == list_id)
            .group_by(_entries.c.stratum)
        )
        return {str(stratum): int(count) for stratum, count in rows}

    def lock_stratum(self, list_id: int, stratum: str) -> None:
        if self._connection.dialect.name != "postgresql":
            return  # SQLite: the transaction holds the database's only write lock already
        # Two 32-bit keys: the list and a checksum of the stratum code. Two strata sharing a
        # checksum would only take turns; order within each stays exact.
        key = zlib.crc32(stratum.encode()) - 2**31
        self._connection.execute(
            text("SELECT pg_advisory_xact_lock(:list_id, :key)"),
            {"list_id": list_id, "key": key},
        )

    def claim_next_entry(self, list_id: int, stratum: str, subject_id: int) -> Record | None:
        lowest_unused = (
            select(_entries.c.id)
            .where(
                _entries.c.list_id == list_id,
                _entries.c.stratum == stratum,
                _entries.c.used_by_subject_id.is_(None),
            )
            .order_by(_entries.c.position)
            .limit(1)
            .scalar_subquery()
        )
        row = (
            self._connection.execute(
                update(_entries)
                .where(_entries.c.id == lowest_unused, _entries.c.used_by_subject_id.is_(None))
                .values(used_by_subject_id=subject_id)
                .returning(_entries.c.position, _entries.c.arm)
            )
            .mappings()
            .first()
        )
        return dict(row) if row is not None else None

    def save_secret(self, list_id: int, seed: int, spec: Mapping[str, Any]) -> None:
        self._connection.execute(
            insert(randomization_list_secrets).values(
                list_id=list_id, seed=str(seed), spec=dict(spec)
            )
        )

    def secret(self, list_id: int) -> tuple[int, dict[str, Any]]:
        row = self._connection.execute(
            select(randomization_list_secrets).where(
                randomization_list_secrets.c.list_id == list_id
            )
        ).one()
        return int(row.seed), dict(row.spec)

    def minimization_counts(self, list_id: int) -> list[Record]:
        statement = select(_cells).where(_cells.c.list_id == list_id).order_by(_cells.c.id)
        return [dict(row) for row in self._connection.execute(statement).mappings()]

    def add_to_minimization_cell(self, list_id: int, factor: str, level: str, arm: str) -> None:
        where = (
            _cells.c.list_id == list_id,
            _cells.c.factor == factor,
            _cells.c.level == level,
            _cells.c.arm == arm,
        )
        result = self._connection.execute(
            update(_cells).where(*where).values(count=_cells.c.count + 1)
        )
        if result.rowcount == 0:
            self._connection.execute(
                insert(_cells).values(list_id=list_id, factor=factor, level=level, arm=arm, count=1)
            )

    def add_allocation_details(self, allocation_id: int, details: Mapping[str, Any]) -> None:
        self._connection.execute(
            insert(allocation_details).values(allocation_id=allocation_id, details=dict(details))
        )

    def allocation_details(self, list_id: int) -> dict[int, dict[str, Any]]:
        rows = self._connection.execute(
            select(allocation_details.c.allocation_id, allocation_details.c.details)
            .join(allocations, allocations.c.id == allocation_details.c.allocation_id)
            .where(allocations.c.list_id == list_id)
        )
        return {int(allocation_id): dict(details) for allocation_id, details in rows}


class SqlAlchemyRandomizationUnitOfWork(SqlAlchemyUnitOfWork):
    """The store's unit of work plus the randomization port on the same connection."""

    randomization: RandomizationRepository

    def __enter__(self) -> Self:
        super().__enter__()
        assert self._connection is not None
        self.randomization = SqlAlchemyRandomizationRepository(self._connection)
        return self

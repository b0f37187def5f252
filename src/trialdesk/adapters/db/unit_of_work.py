"""SQLAlchemy implementations of the record repository, the audit log and the unit of work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Self

from sqlalchemy import (
    Connection,
    Engine,
    RowMapping,
    Table,
    bindparam,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy import delete as sql_delete

from trialdesk.adapters.db.record_statements import (
    USER_WITH_GRANTS,
    check_columns,
    find_statement,
    get_statement,
    insert_statement,
    table_named,
    update_statement,
    with_lock_state_statement,
)
from trialdesk.adapters.db.tables import (
    audit_chain_head,
    audit_trail,
    locks,
)
from trialdesk.domain.audit import AuditAction, AuditEntry, chain_hash, entry_seal
from trialdesk.services.ports import (
    AuditDraft,
    AuditLog,
    Clock,
    PasswordHasher,
    Record,
    RecordRepository,
)

__all__ = ["SqlAlchemyAuditLog", "SqlAlchemyRecordRepository", "SqlAlchemyUnitOfWork"]


class SqlAlchemyRecordRepository:
    """Rows as plain dicts; the audit tables are deliberately not reachable for writing.

    Lock states read in this transaction are remembered until the ``locks`` table is written
    through this repository, so an audited write checks a lock it has just read without another
    round trip. A lock committed meanwhile by another transaction is no more visible to the
    remembered answer than to a fresh check made just before the write, so no control weakens.
    """

    _PROTECTED = frozenset({audit_trail.name, audit_chain_head.name})

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._known_locks: dict[tuple[str, int], bool] = {}

    def _writable(self, name: str) -> Table:
        if name in self._PROTECTED:
            raise PermissionError(f"{name} is written only through the audit log")
        if name == locks.name:
            self._known_locks.clear()
        return table_named(name)

    def forget_lock_states(self) -> None:
        """Drop remembered lock states (the transaction ended)."""
        self._known_locks.clear()

    def get_with_lock_state(
        self, table: str, record_id: int, *, for_update: bool = False
    ) -> tuple[Record, bool] | None:
        t = table_named(table)
        if for_update and self._connection.dialect.name == "postgresql":
            # SQLite needs no row lock: BEGIN IMMEDIATE already gave this transaction the write
            # lock. On PostgreSQL the row is locked in its own statement: under READ COMMITTED
            # the read below then takes a fresh snapshot, so after waiting it sees the row *and*
            # the locks table as the previous holder committed them.
            self._connection.execute(select(t.c.id).where(t.c.id == record_id).with_for_update())
        statement = with_lock_state_statement(table)
        row = self._connection.execute(statement, {"__id": record_id}).mappings().first()
        if row is None:
            return None
        record = {key: value for key, value in row.items() if key != "__locked"}
        self._known_locks[(table, record_id)] = bool(row["__locked"])
        return record, bool(row["__locked"])

    def has_active_lock(self, targets: Sequence[tuple[str, int]]) -> bool:
        unknown = [target for target in targets if target not in self._known_locks]
        if any(self._known_locks.get(target) for target in targets):
            return True
        if not unknown:
            return False
        statement = select(locks.c.entity, locks.c.entity_id).where(
            locks.c.unlocked_at.is_(None),
            tuple_(locks.c.entity, locks.c.entity_id).in_(unknown),
        )
        locked = {(str(e), int(i)) for e, i in self._connection.execute(statement)}
        for target in unknown:
            self._known_locks[target] = target in locked
        return bool(locked)

    def get_user_with_grants(self, user_id: int) -> tuple[Record, list[Record]] | None:
        rows = self._connection.execute(USER_WITH_GRANTS, {"__id": user_id}).mappings().all()
        if not rows:
            return None
        user = {key: value for key, value in rows[0].items() if not key.startswith("__")}
        held = [
            {"role": row["__role"], "site_id": row["__site_id"], "site_code": row["__site_code"]}
            for row in rows
            if row["__role"] is not None
        ]
        return user, held

    def add(self, table: str, values: Mapping[str, Any]) -> int:
        # The values travel as parameters of a statement built once (see _get_statement).
        check_columns(table, values)
        result = self._connection.execute(insert_statement(self._writable(table).name), values)
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def get(self, table: str, record_id: int) -> Record | None:
        result = self._connection.execute(get_statement(table), {"__id": record_id})
        row = result.mappings().first()
        return dict(row) if row is not None else None

    def find(self, table: str, *, include_deleted: bool = False, **equals: Any) -> list[Record]:
        keys = tuple(sorted(k for k, v in equals.items() if v is not None))
        null_keys = tuple(sorted(k for k, v in equals.items() if v is None))
        try:
            statement = find_statement(table, keys, null_keys, include_deleted)
        except KeyError:
            raise LookupError(f"table {table!r} has no column among {sorted(equals)}") from None
        parameters = {f"__{k}": equals[k] for k in keys}
        return [dict(row) for row in self._connection.execute(statement, parameters).mappings()]

    def update(self, table: str, record_id: int, values: Mapping[str, Any]) -> None:
        check_columns(table, values)
        statement = update_statement(self._writable(table).name)
        self._connection.execute(statement, {**values, "__id": record_id})

    def delete(self, table: str, record_id: int) -> None:
        t = self._writable(table)
        self._connection.execute(sql_delete(t).where(t.c.id == record_id))

    def count(self, table: str) -> int:
        t = table_named(table)
        return int(self._connection.execute(select(func.count()).select_from(t)).scalar_one())


def _entry(row: RowMapping) -> AuditEntry:
    return AuditEntry(
        seq=row["seq"],
        occurred_at=row["occurred_at"],
        user_id=row["user_id"],
        username=row["username"],
        action=AuditAction(row["action"]),
        entity=row["entity"],
        entity_id=row["entity_id"],
        field=row["field"],
        old_value=row["old_value"],
        new_value=row["new_value"],
        reason=row["reason"],
        subject_id=row["subject_id"],
        prev_hash=row["prev_hash"],
        hash=row["hash"],
        seal=row["seal"],
    )


# Built once with named parameters, so SQLAlchemy compiles each only once per engine.
_MOVE_HEAD = (
    update(audit_chain_head)
    .where(audit_chain_head.c.id == 1)
    .values(seq=bindparam("head_seq"), hash=bindparam("head_hash"))
)
_LOCK_HEAD = (
    select(audit_chain_head.c.seq, audit_chain_head.c.hash)
    .where(audit_chain_head.c.id == 1)
    .with_for_update()
)
_APPEND_ONE_AND_MOVE_HEAD = insert(audit_trail).add_cte(_MOVE_HEAD.cte("moved_head"))


class SqlAlchemyAuditLog:
    """Insert-only writer of the hash-chained audit trail.

    ``append`` only holds the drafts; :meth:`write_pending` numbers, hashes and inserts them in
    order, locking the one-row chain head first (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite
    the transaction already holds the write lock from ``BEGIN IMMEDIATE``), so concurrent writers
    extend the chain one after another and never fork it. The unit of work calls it as the last
    step before ``COMMIT``: the chain head is then the last lock every transaction takes, so it
    can never be one end of a lock cycle with a data row (a deadlock on PostgreSQL).

    With an audit key each entry also gets its seal (HMAC of its hash); the key stays in this
    process and never reaches the database.
    """

    def __init__(self, connection: Connection, clock: Clock, key: bytes | None = None) -> None:
        self._connection = connection
        self._clock = clock
        self._key = key
        self._pending: list[AuditDraft] = []

    def append(self, drafts: Sequence[AuditDraft]) -> None:
        self._pending.extend(drafts)

    def discard_pending(self) -> None:
        """Forget drafts not yet written (the transaction rolled back)."""
        self._pending.clear()

    def write_pending(self) -> list[AuditEntry]:
        """Seal and insert the held drafts under the chain-head lock; returns what was written."""
        drafts, self._pending = self._pending, []
        if not drafts:
            return []
        head = self._connection.execute(_LOCK_HEAD).one()
        seq, prev_hash = int(head.seq), str(head.hash)
        # Stamped once the head is held, so times never run backwards along the chain.
        occurred_at = self._clock.now().astimezone(dt.UTC).isoformat(timespec="microseconds")
        written: list[AuditEntry] = []
        for draft in drafts:
            seq += 1
            unsealed = AuditEntry(
                seq=seq,
                occurred_at=occurred_at,
                user_id=draft.user_id,
                username=draft.username,
                action=draft.action,
                entity=draft.entity,
                entity_id=draft.entity_id,
                field=draft.field,
                old_value=draft.old_value,
                new_value=draft.new_value,
                reason=draft.reason,
                subject_id=draft.subject_id,
                prev_hash=prev_hash,
                hash="",
            )
            entry_hash = chain_hash(unsealed, prev_hash)
            seal = None if self._key is None else entry_seal(entry_hash, self._key)
            sealed = AuditEntry(**{**_as_dict(unsealed), "hash": entry_hash, "seal": seal})
            written.append(sealed)
            prev_hash = sealed.hash
        rows = [{**_as_dict(e), "action": str(e.action)} for e in written]
        tip = {"head_seq": seq, "head_hash": prev_hash}
        if self._connection.dialect.name == "postgresql" and len(rows) == 1:
            # The usual single entry: the entry and the new chain tip in one statement (a
            # data-modifying CTE) and one round trip, still under the row lock taken above.
            self._connection.execute(_APPEND_ONE_AND_MOVE_HEAD, {**rows[0], **tip})
        else:  # SQLite runs in-process; psycopg pipelines an executemany
            self._connection.execute(insert(audit_trail), rows)
            self._connection.execute(_MOVE_HEAD, tip)
        return written

    def entries(self, *, subject_id: int | None = None) -> Iterator[AuditEntry]:
        # A read sees this transaction's own entries too, so held drafts are written first (no
        # use case reads the trail after writing to it, so none takes the head lock early).
        self.write_pending()
        statement = select(audit_trail).order_by(audit_trail.c.seq)
        if subject_id is not None:
            statement = statement.where(audit_trail.c.subject_id == subject_id)
        rows = self._connection.execute(statement).mappings()
        return (_entry(row) for row in rows)

    def head(self) -> tuple[int, str]:
        self.write_pending()
        row = self._connection.execute(
            select(audit_chain_head.c.seq, audit_chain_head.c.hash).where(
                audit_chain_head.c.id == 1
            )
        ).one()
        return int(row.seq), str(row.hash)


def _as_dict(entry: AuditEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in AuditEntry.__slots__}


class SqlAlchemyUnitOfWork:
    """One database transaction; rolled back on leaving the block unless :meth:`commit` ran.

    Audit entries appended during the transaction are held and written, hash-chained, as the
    last step of :meth:`commit`; a rollback discards them with the rest.
    """

    records: RecordRepository
    audit: AuditLog

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock,
        passwords: PasswordHasher,
        audit_key: bytes | None = None,
    ) -> None:
        self._engine = engine
        self.clock = clock
        self.passwords = passwords
        self._audit_key = audit_key
        self._connection: Connection | None = None

    def __enter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("a unit of work is not re-entrant")
        self._connection = self._engine.connect()
        self._connection.begin()
        self._repository = SqlAlchemyRecordRepository(self._connection)
        self.records = self._repository
        self._audit_log = SqlAlchemyAuditLog(self._connection, self.clock, self._audit_key)
        self.audit = self._audit_log
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        self._audit_log.discard_pending()
        try:
            if connection.in_transaction():
                connection.rollback()
        finally:
            connection.close()

    def commit(self) -> None:
        if self._connection is None:
            raise RuntimeError("commit outside a unit of work")
        # The audit entries go last, so the chain head is the last lock the transaction takes.
        self._audit_log.write_pending()
        self._connection.commit()
        self._repository.forget_lock_states()

    def rollback(self) -> None:
        if self._connection is not None:
            self._audit_log.discard_pending()
            self._connection.rollback()
            self._repository.forget_lock_states()

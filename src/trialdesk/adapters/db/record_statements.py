"""The SQL statements of the record repository, each built once per table and shape.

SQLAlchemy finds a statement's compiled form by a cache key computed from the statement; building
and hashing a new statement on every call cost more than a one-row read on SQLite itself. These
are built once (cached per table and column shape) with named parameters, and the repository runs
them with the values as parameters. Parameters that name no column would be ignored silently, so
:func:`check_columns` refuses them first.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import Insert, Select, Table, and_, bindparam, exists, insert, select, true, update
from sqlalchemy.sql.dml import Update

from trialdesk.adapters.db.tables import (
    LOGICALLY_DELETED,
    TABLES,
    locks,
    role_assignments,
    sites,
    users,
)

__all__ = [
    "USER_WITH_GRANTS",
    "active_lock",
    "check_columns",
    "find_statement",
    "get_statement",
    "insert_statement",
    "table_named",
    "update_statement",
    "with_lock_state_statement",
]


def table_named(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        raise LookupError(f"no table {name!r}") from None


# Statements are built once per shape, with named parameters: SQLAlchemy then finds its compiled
# form by a cache key it has already computed, instead of building and hashing a new statement
# on every call (most of the cost of a one-row read on SQLite).
@cache
def get_statement(name: str) -> Select[Any]:
    t = table_named(name)
    return select(t).where(t.c.id == bindparam("__id"))


@cache
def find_statement(
    name: str, keys: tuple[str, ...], null_keys: tuple[str, ...], include_deleted: bool = False
) -> Select[Any]:
    t = table_named(name)
    statement = select(t).where(*(t.c[k] == bindparam(f"__{k}") for k in keys))
    statement = statement.where(*(t.c[k].is_(None) for k in null_keys))
    if name in LOGICALLY_DELETED and not include_deleted and "deleted_at" not in null_keys:
        statement = statement.where(t.c.deleted_at.is_(None))
    return statement.order_by(*t.primary_key.columns)


@cache
def columns_of(name: str) -> frozenset[str]:
    return frozenset(table_named(name).c.keys())


def check_columns(name: str, values: Mapping[str, Any]) -> None:
    # A statement run with parameters ignores keys that name no column; a typo must not vanish.
    unknown = values.keys() - columns_of(name)
    if unknown:
        raise LookupError(f"table {name!r} has no column {sorted(unknown)}")


@cache
def insert_statement(name: str) -> Insert:
    return insert(table_named(name))


@cache
def update_statement(name: str) -> Update:
    t = table_named(name)
    return update(t).where(t.c.id == bindparam("__id"))


_GRANTS = role_assignments
USER_WITH_GRANTS = (
    select(
        users,
        _GRANTS.c.role.label("__role"),
        _GRANTS.c.site_id.label("__site_id"),
        sites.c.code.label("__site_code"),
    )
    .select_from(
        users.outerjoin(
            _GRANTS, and_(_GRANTS.c.user_id == users.c.id, _GRANTS.c.is_active == true())
        ).outerjoin(sites, sites.c.id == _GRANTS.c.site_id)
    )
    .where(users.c.id == bindparam("__id"))
    .order_by(_GRANTS.c.id)
)


def active_lock(entity: str, entity_id: Any) -> Any:
    return exists().where(
        locks.c.entity == entity, locks.c.entity_id == entity_id, locks.c.unlocked_at.is_(None)
    )


@cache
def with_lock_state_statement(name: str) -> Select[Any]:
    t = table_named(name)
    locked = active_lock(name, t.c.id).label("__locked")
    return select(t, locked).where(t.c.id == bindparam("__id"))

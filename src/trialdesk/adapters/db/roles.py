"""The application's PostgreSQL role: owns nothing, may do only what the application does.

Migrations run as the owner role (the one in ``db upgrade``'s URL), which owns every table,
trigger and function. The application connects as another role that owns nothing, so it cannot
``ALTER TABLE … DISABLE TRIGGER``, ``DROP TRIGGER`` or ``TRUNCATE`` (those need ownership or a
grant it never gets), and it holds only these privileges:

* ``audit_trail``: ``SELECT`` and ``INSERT`` — the trail is appended to and read, never changed;
* ``audit_chain_head``: ``SELECT`` and ``UPDATE (seq, hash)`` — the append locks the one row
  (``FOR UPDATE`` needs an ``UPDATE`` grant) and moves it;
* ``allocations``: ``SELECT``, ``INSERT`` and ``UPDATE (is_error, error_reason)`` — flagging an
  allocation as made in error is the only change the application makes to one;
* ``randomization_list_entries``: ``SELECT``, ``INSERT`` and ``UPDATE (used_by_subject_id)``;
  ``minimization_state``: ``SELECT``, ``INSERT`` and ``UPDATE (count)``; the other randomization
  tables (lists, their seeds, allocation details): ``SELECT`` and ``INSERT``;
* ``alembic_version``: ``SELECT`` (the application checks the schema revision, never sets it);
* every other table: ``SELECT``, ``INSERT``, ``UPDATE`` and ``DELETE``; sequences: ``USAGE`` and
  ``SELECT`` (reading a sequence lets the role run ``db backup``; it cannot set one).

Everything is revoked first and granted again, so running it after a migration also takes back
what an older version granted. SQLite has no roles: whoever can write the database file can change
anything, so the file's permissions are the control there.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, Engine, inspect, text

from trialdesk.domain.errors import InputError

__all__ = ["GRANTS", "apply_app_role_grants", "create_login_role"]

#: Table → (privileges on the whole table, columns the role may UPDATE).
GRANTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "audit_trail": (("SELECT", "INSERT"), ()),
    "audit_chain_head": (("SELECT",), ("seq", "hash")),
    "allocations": (("SELECT", "INSERT"), ("is_error", "error_reason")),
    "randomization_list_entries": (("SELECT", "INSERT"), ("used_by_subject_id",)),
    "minimization_state": (("SELECT", "INSERT"), ("count",)),
    "randomization_lists": (("SELECT", "INSERT"), ()),
    "randomization_list_secrets": (("SELECT", "INSERT"), ()),
    "allocation_details": (("SELECT", "INSERT"), ()),
    "alembic_version": (("SELECT",), ()),
}
_ORDINARY = (("SELECT", "INSERT", "UPDATE", "DELETE"), ())

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def _checked(role: str) -> str:
    # Role names go into DDL, which takes no bind parameters: accept plain identifiers only.
    if not _ROLE_NAME.fullmatch(role):
        raise InputError.single(
            "app_role", f"{role!r} is not a plain role name (lower-case letters, digits, _)"
        )
    return role


def _role_exists(connection: Connection, role: str) -> bool:
    found = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
    return found.first() is not None


def create_login_role(connection: Connection, role: str, password: str | None = None) -> bool:
    """Create ``role`` as a login role that owns nothing (if missing); ``True`` if created."""
    role = _checked(role)
    if _role_exists(connection, role):
        return False
    clause = "" if password is None else " PASSWORD :password"
    statement = f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE{clause}"
    if password is None:
        connection.execute(text(statement))
    else:  # CREATE ROLE does not take parameters either: quote the literal ourselves
        quoted = "'" + password.replace("'", "''") + "'"
        connection.execute(text(statement.replace(":password", quoted)))
    return True


def apply_app_role_grants(engine: Engine, role: str) -> list[str]:
    """Grant ``role`` what the application needs on the migrated schema; returns the tables.

    Must run as the owner of the schema (after the migrations). The role must exist already; it is
    refused if it owns anything, since an owner may always alter its tables and their triggers.
    """
    role = _checked(role)
    if engine.dialect.name != "postgresql":
        raise InputError.single(
            "app_role", "database roles exist on PostgreSQL only; on SQLite the database file's "
            "permissions are the control",
        )  # fmt: skip
    with engine.begin() as connection:
        if not _role_exists(connection, role):
            raise InputError.single(
                "app_role", f"role {role!r} does not exist; create it as a login role first"
            )
        owned = (
            connection.execute(
                text(
                    "SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
                    "WHERE r.rolname = :r AND c.relnamespace = 'public'::regnamespace"
                ),
                {"r": role},
            )
            .scalars()
            .all()
        )
        if owned:
            raise InputError.single(
                "app_role", f"role {role!r} owns {', '.join(sorted(owned))}; the application's "
                "role must own nothing (run migrations as the owner role)",
            )  # fmt: skip
        tables = sorted(inspect(connection).get_table_names())
        connection.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}"))
        connection.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}"))
        connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
        for table in tables:
            privileges, columns = GRANTS.get(table, _ORDINARY)
            connection.execute(text(f'GRANT {", ".join(privileges)} ON "{table}" TO {role}'))
            if columns:
                listed = ", ".join(f'"{c}"' for c in columns)
                connection.execute(text(f'GRANT UPDATE ({listed}) ON "{table}" TO {role}'))
        connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    return tables

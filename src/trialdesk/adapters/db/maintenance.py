"""Schema upgrade, online backup and restore for both engines.

SQLite uses its online backup API (a consistent copy while writers continue); PostgreSQL uses
``pg_dump``/``pg_restore`` in custom format, whose major version must match the server's.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, text

from trialdesk.adapters.db.engine import create_db_engine
from trialdesk.adapters.db.migrate import current_revision, upgrade
from trialdesk.adapters.db.roles import apply_app_role_grants
from trialdesk.domain.errors import InputError, StateError

__all__ = ["backup_database", "restore_database", "upgrade_database"]


def upgrade_database(url: str, app_role: str | None = None) -> str | None:
    """Create or migrate the schema to the newest revision; returns that revision.

    With ``app_role`` (PostgreSQL), the role the application connects as is then granted exactly
    what it needs (:mod:`trialdesk.adapters.db.roles`); ``url`` must name the owner role.
    """
    engine = create_db_engine(url)
    try:
        if app_role is not None and engine.dialect.name != "postgresql":
            raise InputError.single(
                "app_role", "database roles exist on PostgreSQL only; on SQLite the database "
                "file's permissions are the control",
            )  # fmt: skip
        upgrade(engine)
        if app_role is not None:
            apply_app_role_grants(engine, app_role)
        return current_revision(engine)
    finally:
        engine.dispose()


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise InputError.single("db", "an in-memory SQLite database cannot be backed up")
    return Path(database)


def _libpq_url(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _major(version_text: str) -> int:
    # "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)": the number after the program name.
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", version_text)
    if match is None:
        raise StateError(f"cannot read a version from {version_text.strip()!r}")
    return int(match.group(1))


def _pg_tool(engine: Engine, tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise StateError(f"{tool} is not installed; install the PostgreSQL client tools")
    version = subprocess.run([found, "--version"], capture_output=True, text=True, check=True)
    tool_major = _major(version.stdout)
    with engine.connect() as connection:
        server_major = (
            int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10000
        )
    if tool_major != server_major:
        raise StateError(f"{tool} {tool_major} does not match the PostgreSQL {server_major} server")
    return found


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StateError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


def backup_database(url: str, target: Path) -> Path:
    """Write a consistent online backup of the database to ``target``."""
    if target.exists():
        raise InputError.single("path", f"{target} exists; choose a new file")
    engine = create_db_engine(url)
    try:
        if engine.dialect.name == "sqlite":
            source = sqlite3.connect(_sqlite_path(engine))
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
            finally:
                copy.close()
                source.close()
        else:
            tool = _pg_tool(engine, "pg_dump")
            _run([tool, "--format=custom", f"--file={target}", _libpq_url(engine)])
    finally:
        engine.dispose()
    return target


def _require_trialdesk_backup(backup: sqlite3.Connection, source: Path) -> None:
    try:
        backup.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        raise InputError.single("path", f"{source} is not a trialdesk database backup") from None


def restore_database(url: str, source: Path) -> None:
    """Replace the database's contents with a backup made by :func:`backup_database`."""
    if not source.is_file():
        raise InputError.single("path", f"no backup file at {source}")
    engine = create_db_engine(url)
    try:
        if engine.dialect.name == "sqlite":
            backup = sqlite3.connect(source)
            live = sqlite3.connect(_sqlite_path(engine))
            try:
                _require_trialdesk_backup(backup, source)
                backup.backup(live)
            finally:
                live.close()
                backup.close()
        else:
            tool = _pg_tool(engine, "pg_restore")
            _run([tool, "--clean", "--if-exists", "--no-owner", "--single-transaction",
                  f"--dbname={_libpq_url(engine)}", str(source)])  # fmt: skip
    finally:
        engine.dispose()

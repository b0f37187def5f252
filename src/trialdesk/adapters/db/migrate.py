"""Run the packaged Alembic migrations without an ``alembic.ini`` (works from a wheel)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

__all__ = ["alembic_config", "current_revision", "head_revision", "upgrade"]

#: Migration files are named ``YYYY-MM-DD_<rev>_<slug>.py``.
FILE_TEMPLATE = "%%(year)d-%%(month).2d-%%(day).2d_%%(rev)s_%%(slug)s"


def alembic_config(url: str = "") -> Config:
    """An Alembic configuration pointing at the migrations inside this package."""
    config = Config()
    config.set_main_option("script_location", "trialdesk.adapters.db:migrations")
    config.set_main_option("file_template", FILE_TEMPLATE)
    config.set_main_option("timezone", "UTC")
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head", *, downgrade: bool = False) -> None:
    """Migrate the schema to ``revision`` in one transaction (backwards with ``downgrade``)."""
    config = alembic_config()
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            _migrate(connection, config, revision, downgrade=downgrade)
        return
    # A batch migration rebuilds a SQLite table (copy, drop, rename); dropping a table that other
    # rows reference breaks under foreign-key enforcement, immediate or deferred. SQLite's own
    # recipe: enforcement off outside the transaction, then ``foreign_key_check`` before commit.
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with connection.begin():
                _migrate(connection, config, revision, downgrade=downgrade)
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left rows without their parent: {broken[:5]}")
        finally:
            raw.execute("PRAGMA foreign_keys = ON")


def _migrate(connection: Connection, config: Config, revision: str, *, downgrade: bool) -> None:
    config.attributes["connection"] = connection
    if downgrade:
        command.downgrade(config, revision)
    else:
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with this version of trialdesk."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()

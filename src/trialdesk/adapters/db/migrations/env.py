"""Alembic environment: runs on a connection handed in by :mod:`trialdesk.adapters.db.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from trialdesk.adapters.db.engine import create_db_engine
from trialdesk.adapters.db.tables import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_db_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as fresh:
        _run(fresh)
    engine.dispose()

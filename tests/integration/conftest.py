"""Database tests run on both engines; the fixtures live in ``tests/db_fixtures.py``."""

from db_fixtures import (
    clock,
    db_url,
    postgres_server,
    postgres_template,
    sqlite_template,
    store,
)

__all__ = ["clock", "db_url", "postgres_server", "postgres_template", "sqlite_template", "store"]

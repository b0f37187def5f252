"""Database tests run on both engines; fixtures live in ``db_fixtures.py`` and ``race_gates.py``."""

from db_fixtures import (
    clock,
    db_url,
    postgres_server,
    postgres_template,
    sqlite_template,
    store,
)
from race_gates import bounded_engine

__all__ = [
    "bounded_engine",
    "clock",
    "db_url",
    "postgres_server",
    "postgres_template",
    "sqlite_template",
    "store",
]

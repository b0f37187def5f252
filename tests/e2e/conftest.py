"""CLI tests that need a database use the two-engine fixtures of ``tests/db_fixtures.py``."""

from correction_world import records
from db_fixtures import (
    clock,
    db_url,
    postgres_server,
    postgres_template,
    sqlite_template,
    store,
)
from journey_world import journey
from web_world import web

__all__ = [
    "clock",
    "db_url",
    "journey",
    "postgres_server",
    "postgres_template",
    "records",
    "sqlite_template",
    "store",
    "web",
]

"""The packaged migrations run forward and back on both engines."""

from __future__ import annotations

from sqlalchemy import inspect, text

from db_fixtures import owner_url
from trialdesk.adapters.db.engine import create_db_engine
from trialdesk.adapters.db.migrate import current_revision, head_revision, upgrade
from trialdesk.adapters.db.tables import metadata
from trialdesk.bootstrap import Store


def test_the_migrated_schema_has_every_table_the_code_uses(store: Store) -> None:
    assert current_revision(store.engine) == head_revision()
    existing = set(inspect(store.engine).get_table_names())
    assert set(metadata.tables) <= existing


def test_the_chain_head_starts_at_the_genesis_hash(store: Store) -> None:
    with store.engine.connect() as connection:
        row = connection.execute(text("SELECT seq, hash FROM audit_chain_head")).one()
    assert (row.seq, row.hash) == (0, "0" * 64)


def test_downgrading_to_nothing_and_upgrading_again_works(db_url: str) -> None:
    engine = create_db_engine(owner_url(db_url))  # migrations run as the schema's owner
    try:
        upgrade(engine, "base", downgrade=True)
        assert current_revision(engine) is None
        assert "audit_trail" not in inspect(engine).get_table_names()
        upgrade(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_upgrading_an_up_to_date_database_changes_nothing(store: Store) -> None:
    before = current_revision(store.engine)
    upgrade(store.engine)
    assert current_revision(store.engine) == before

"""The audit trail is append-only, hash-chained, linear under concurrency and exportable."""

from __future__ import annotations

import itertools
import threading

import pytest
import sqlalchemy.exc
from sqlalchemy import text

from db_fixtures import as_owner
from trialdesk.bootstrap import Store
from trialdesk.domain.audit import GENESIS_HASH, AuditAction, chain_hash
from trialdesk.domain.errors import NotFoundError, PermissionDeniedError
from trialdesk.services.accounts import accounts
from trialdesk.services.review.audit_trail import export_audit_trail, verify_audit_trail

PASSWORD = "Correct-Horse-42"


def _add_sites(store: Store, count: int, prefix: str = "S") -> None:
    for number in range(count):
        accounts.create_site(store.new_uow(), code=f"{prefix}{number}", name="Site", as_user=None)


def test_each_entry_hashes_its_content_and_the_previous_hash(store: Store) -> None:
    _add_sites(store, 3)
    with store.new_uow() as uow:
        entries = list(uow.audit.entries())
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash
    assert all(chain_hash(e, e.prev_hash) == e.hash for e in entries)
    assert verify_audit_trail(store.new_uow()).intact


def test_timestamps_are_stored_in_utc_with_their_offset(store: Store) -> None:
    _add_sites(store, 1)
    with store.new_uow() as uow:
        (entry,) = uow.audit.entries()
    assert entry.occurred_at == "2026-03-02T09:00:00.000000+00:00"


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_trail SET reason = 'tidied up'", "DELETE FROM audit_trail"],
)
def test_the_database_refuses_to_change_or_remove_audit_entries(
    store: Store, statement: str
) -> None:
    _add_sites(store, 2)
    with pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only"):
        _execute(store, statement)
    with store.new_uow() as uow:
        assert [e.reason for e in uow.audit.entries()] == [None, None]


def test_a_failed_use_case_leaves_neither_data_nor_audit_rows(store: Store) -> None:
    _add_sites(store, 1)
    with pytest.raises(Exception, match="already exists"):
        accounts.create_site(store.new_uow(), code="S0", name="Again", as_user=None)
    with store.new_uow() as uow:
        assert uow.records.count("sites") == 1
        assert uow.records.count("audit_trail") == 1


def test_concurrent_writers_extend_one_linear_chain(store: Store) -> None:
    errors: list[BaseException] = []

    def write(prefix: str) -> None:
        try:
            _add_sites(store, 15, prefix)
        except BaseException as error:  # surfaced to the main thread below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(f"T{n}x",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = verify_audit_trail(store.new_uow())
    assert result.intact
    assert result.entries == 60


def test_export_is_audited_and_filters_by_subject(store: Store) -> None:
    _add_sites(store, 2)
    exported = export_audit_trail(store.new_uow(), subject=None, as_user=None)
    assert [e.action for e in exported] == [AuditAction.INSERT, AuditAction.INSERT]
    with store.new_uow() as uow:
        last = list(uow.audit.entries())[-1]
    assert last.action is AuditAction.EXPORT
    assert last.new_value == '{"entries":2,"subject":null}'
    with pytest.raises(NotFoundError, match="'SCR-404'"):
        export_audit_trail(store.new_uow(), subject="SCR-404", as_user=None)


def test_a_site_coordinator_may_not_export_the_study_wide_trail(store: Store) -> None:
    _add_sites(store, 1)
    user = accounts.create_user(
        store.new_uow(), username="carol", full_name="Carol", password=PASSWORD,
        role="site_coordinator", site_code="S0", as_user=None, one_time_password=False,
    )  # fmt: skip
    with pytest.raises(PermissionDeniedError):
        export_audit_trail(store.new_uow(), subject=None, as_user=user.id)


def test_removing_the_last_entries_is_detected_through_the_chain_head(store: Store) -> None:
    _add_sites(store, 3)
    with as_owner(store) as connection:  # only the owner may drop the trigger
        connection.execute(text("DROP TRIGGER audit_trail_no_delete" + _on(store)))
        connection.execute(text("DELETE FROM audit_trail WHERE seq = 3"))
    result = verify_audit_trail(store.new_uow())
    assert result.first_break is not None
    assert result.first_break.seq == 3


def _on(store: Store) -> str:
    return " ON audit_trail" if store.engine.dialect.name == "postgresql" else ""


def _execute(store: Store, statement: str) -> None:
    with as_owner(store) as connection:  # the triggers refuse even the owner
        connection.execute(text(statement))

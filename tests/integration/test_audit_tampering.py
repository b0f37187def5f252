"""The nine tamperings of the audit trail and the data, each found by ``audit verify``.

The tamperer is the database administrator: they connect as the schema's owner (or, for the data,
as the application), disable the append-only triggers, and know the hash algorithm, but not the
audit key. Four tamperings used to go unnoticed (removing the last entries and moving the chain
head back, re-hashing the chain after an altered entry, a forged append with a valid hash, a data
row changed without an audit entry); five were found by the chain alone. On PostgreSQL the
application's role cannot even try most of them: its refusals are tested at the end.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy.exc
from sqlalchemy import Connection, text

from db_fixtures import ENGINES, FAST_PASSWORDS, SettableClock, as_owner
from trial_world import TODAY, TrialWorld, build_world
from trialdesk.adapters.audit_checkpoints import DirectoryCheckpointStore
from trialdesk.adapters.db.unit_of_work import _entry
from trialdesk.bootstrap import Store, build_store
from trialdesk.domain.audit import AuditEntry, chain_hash, entry_seal
from trialdesk.services.accounts import accounts
from trialdesk.services.clinical import clinical
from trialdesk.services.review.audit_checkpoints import take_checkpoint
from trialdesk.services.review.audit_trail import AuditVerification, verify_audit_trail

KEY = b"a-test-audit-key-of-at-least-32-bytes"


@pytest.fixture
def keyed(db_url: str, clock: SettableClock) -> Iterator[Store]:
    built = build_store(db_url, clock=clock, passwords=FAST_PASSWORDS, key=KEY)
    yield built
    built.close()


@pytest.fixture
def world(keyed: Store) -> TrialWorld:
    world = build_world(keyed)
    for day, code in enumerate(("D1", "D8", "D15")):
        clinical.record_visit(
            keyed.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
            visit_code=code, visit_date=TODAY - dt.timedelta(days=14 - 7 * day),
        )  # fmt: skip
    return world


@pytest.fixture
def checkpoints(tmp_path: Path) -> DirectoryCheckpointStore:
    return DirectoryCheckpointStore(tmp_path / "checkpoints")


def _verify(store: Store, files: DirectoryCheckpointStore | None = None) -> AuditVerification:
    assert store.new_snapshot_uow is not None
    documents = None if files is None else files.read_all()
    return verify_audit_trail(store.new_snapshot_uow(), key=KEY, checkpoints=documents)


def _checkpoint(store: Store, files: DirectoryCheckpointStore) -> int:
    _, checkpoint = take_checkpoint(store.new_read_uow(), key=KEY, store=files)
    return checkpoint.seq


def _unprotected(connection: Connection) -> None:
    """What an administrator does first: switch off the append-only triggers."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("ALTER TABLE audit_trail DISABLE TRIGGER USER"))
    else:
        connection.execute(text("DROP TRIGGER audit_trail_no_update"))
        connection.execute(text("DROP TRIGGER audit_trail_no_delete"))


def _entries(connection: Connection) -> list[AuditEntry]:
    rows = connection.execute(text("SELECT * FROM audit_trail ORDER BY seq")).mappings()
    return [_entry(row) for row in rows]


def _move_head(connection: Connection, seq: int, head_hash: str) -> None:
    connection.execute(
        text("UPDATE audit_chain_head SET seq = :s, hash = :h WHERE id = 1"),
        {"s": seq, "h": head_hash},
    )


def _rewrite(connection: Connection, entry: AuditEntry) -> None:
    connection.execute(
        text("UPDATE audit_trail SET reason = :r, prev_hash = :p, hash = :h, seal = :s "
             "WHERE seq = :q"),
        {"r": entry.reason, "p": entry.prev_hash, "h": entry.hash, "s": entry.seal,
         "q": entry.seq},
    )  # fmt: skip


def test_an_untouched_trail_passes_every_check(
    world: TrialWorld, checkpoints: DirectoryCheckpointStore
) -> None:
    _checkpoint(world.store, checkpoints)
    result = _verify(world.store, checkpoints)
    assert result.ok
    assert (result.unsealed, result.sealed_check) == (0, True)
    assert result.checkpoints is not None
    assert result.checkpoints.checked == 1
    assert result.rows_checked >= 6  # two sites, one subject, three visits


# --- the four that the chain alone did not find ------------------------------------------------


def test_1_removing_the_last_entries_and_moving_the_head_back_is_found_by_a_checkpoint(
    world: TrialWorld, checkpoints: DirectoryCheckpointStore
) -> None:
    last = _checkpoint(world.store, checkpoints)
    with as_owner(world.store) as connection:
        _unprotected(connection)
        connection.execute(text("DELETE FROM audit_trail WHERE seq > :s"), {"s": last - 2})
        kept = _entries(connection)[-1]
        _move_head(connection, kept.seq, kept.hash)
        # The visit those entries recorded goes too, so the data agrees with the shorter trail.
        connection.execute(text("DELETE FROM visits WHERE visit_code IN ('D8', 'D15')"))
    without_checkpoints = _verify(world.store)
    assert without_checkpoints.ok  # what the chain and the data alone cannot see
    result = _verify(world.store, checkpoints)
    assert not result.intact
    assert result.checkpoints is not None
    (problem,) = result.checkpoints.problems
    assert f"recorded {last} entries" in problem.problem
    assert f"the trail ends at {last - 2}" in problem.problem


def test_2_altering_a_middle_entry_and_rehashing_the_chain_after_it_is_found_by_its_seal(
    world: TrialWorld, checkpoints: DirectoryCheckpointStore
) -> None:
    _checkpoint(world.store, checkpoints)
    with as_owner(world.store) as connection:
        _unprotected(connection)
        entries = _entries(connection)
        middle = len(entries) // 2
        prev_hash = entries[middle - 1].hash
        for entry in entries[middle:]:
            changed = dataclasses.replace(
                entry, prev_hash=prev_hash,
                reason="tidied up" if entry.seq == middle + 1 else entry.reason,
            )  # fmt: skip
            changed = dataclasses.replace(changed, hash=chain_hash(changed, prev_hash))
            _rewrite(connection, changed)  # keeps the old seal: the key is not at hand
            prev_hash = changed.hash
        _move_head(connection, entries[-1].seq, prev_hash)
    result = _verify(world.store, checkpoints)
    assert result.first_break is not None
    assert result.first_break.seq == middle + 1
    assert "seal does not match" in result.first_break.problem
    assert result.checkpoints is not None
    assert "no longer has the hash" in result.checkpoints.problems[0].problem


def test_3_a_forged_entry_appended_with_a_valid_hash_is_found_by_its_missing_seal(
    world: TrialWorld,
) -> None:
    with as_owner(world.store) as connection:
        last = _entries(connection)[-1]
        forged = dataclasses.replace(
            last, seq=last.seq + 1, prev_hash=last.hash, reason="backdated approval", seal=None
        )
        forged = dataclasses.replace(forged, hash=chain_hash(forged, last.hash))
        row = {**dataclasses.asdict(forged), "action": str(forged.action)}
        columns = ", ".join(row)
        connection.execute(
            text(f"INSERT INTO audit_trail ({columns}) VALUES ({', '.join(':' + c for c in row)})"),
            row,
        )
        _move_head(connection, forged.seq, forged.hash)
    result = _verify(world.store)
    assert result.first_break is not None
    assert result.first_break.seq == forged.seq
    assert "no seal" in result.first_break.problem


def test_3b_a_forged_entry_with_a_made_up_seal_is_found_too(world: TrialWorld) -> None:
    with as_owner(world.store) as connection:
        _unprotected(connection)
        last = _entries(connection)[-1]
        _rewrite(connection, dataclasses.replace(last, seal=entry_seal(last.hash, b"guess" * 8)))
    result = _verify(world.store)
    assert result.first_break is not None
    assert result.first_break.seq == last.seq
    assert "seal does not match" in result.first_break.problem


def test_4_a_data_row_changed_without_an_audit_entry_is_found_by_the_replay(
    world: TrialWorld,
) -> None:
    # As the application's own role: it may update visits, just not without the trail noticing.
    with world.store.engine.begin() as connection:
        connection.execute(
            text("UPDATE visits SET visit_date = :d WHERE visit_code = 'D8'"),
            {"d": dt.date(2020, 1, 1)},
        )
        connection.execute(
            text("INSERT INTO sites (code, name, created_at) VALUES ('XX', 'Ghost', :t)"),
            {"t": dt.datetime(2026, 3, 2, tzinfo=dt.UTC)},
        )
    result = _verify(world.store)
    assert result.intact  # the trail itself is whole
    assert not result.consistent
    found = {(d.entity, d.field): d.problem for d in result.differences}
    assert set(found) == {("visits", "visit_date"), ("sites", None)}
    assert '"2020-01-01"' in found[("visits", "visit_date")]
    assert "no insert entry" in found[("sites", None)]


def test_4b_a_deleted_row_and_an_undone_deletion_are_found_by_the_replay(
    world: TrialWorld,
) -> None:
    with as_owner(world.store) as connection:
        connection.execute(text("DELETE FROM visits WHERE visit_code = 'D15'"))
        connection.execute(
            text("UPDATE visits SET deleted_at = :t, deleted_reason = 'gone' "
                 "WHERE visit_code = 'D1'"),
            {"t": dt.datetime(2026, 3, 3, tzinfo=dt.UTC)},
        )  # fmt: skip
    problems = [d.problem for d in _verify(world.store).differences]
    assert len(problems) == 2
    assert any("marked deleted without an audit entry" in p for p in problems)
    assert any("no longer in the table" in p for p in problems)


# --- the five the chain found already, still found ---------------------------------------------


def _break(store: Store) -> tuple[int, str]:
    result = _verify(store)
    assert result.first_break is not None
    return result.first_break.seq, result.first_break.problem


def test_5_an_entry_altered_without_rehashing(world: TrialWorld) -> None:
    with as_owner(world.store) as connection:
        _unprotected(connection)
        connection.execute(text("UPDATE audit_trail SET reason = 'edited' WHERE seq = 4"))
    assert _break(world.store) == (4, "content does not match its hash (altered)")


def test_6_a_middle_entry_deleted(world: TrialWorld) -> None:
    with as_owner(world.store) as connection:
        _unprotected(connection)
        connection.execute(text("DELETE FROM audit_trail WHERE seq = 5"))
    assert _break(world.store) == (6, "expected sequence number 5")


def test_7_the_last_entry_deleted_without_moving_the_head(world: TrialWorld) -> None:
    with as_owner(world.store) as connection:
        _unprotected(connection)
        last = _entries(connection)[-1].seq
        connection.execute(text("DELETE FROM audit_trail WHERE seq = :s"), {"s": last})
    seq, problem = _break(world.store)
    assert seq == last
    assert problem == f"chain head records entry {last} but the trail ends at {last - 1}"


def test_8_an_entry_whose_link_to_the_previous_one_was_changed(world: TrialWorld) -> None:
    with as_owner(world.store) as connection:
        _unprotected(connection)
        connection.execute(text("UPDATE audit_trail SET prev_hash = :h WHERE seq = 3"),
                           {"h": "f" * 64})  # fmt: skip
    assert _break(world.store) == (3, "previous-hash link does not match the entry before it")


def test_9_the_chain_head_moved_back_alone(world: TrialWorld) -> None:
    # The application's role may move the head (every append does); the trail still ends later.
    with world.store.engine.begin() as connection:
        entries = _entries(connection)
        _move_head(connection, entries[2].seq, entries[2].hash)
    seq, problem = _break(world.store)
    assert seq == len(entries) + 1
    assert problem.startswith("chain head records entry 3")


def test_an_altered_checkpoint_file_is_refused(
    world: TrialWorld, checkpoints: DirectoryCheckpointStore
) -> None:
    _checkpoint(world.store, checkpoints)
    (path,) = checkpoints.directory.iterdir()
    document = json.loads(path.read_text())
    document["seq"] -= 1  # e.g. to make a truncation look older than the checkpoint
    path.write_text(json.dumps(document))
    result = _verify(world.store, checkpoints)
    assert result.checkpoints is not None
    (problem,) = result.checkpoints.problems
    assert "signature does not match" in problem.problem
    assert not result.ok


def test_entries_written_before_the_key_count_as_unsealed_not_broken(
    db_url: str, clock: SettableClock
) -> None:
    unkeyed = build_store(db_url, clock=clock, passwords=FAST_PASSWORDS, key=None)
    try:
        build_world(unkeyed)
        before = _verify(unkeyed)
    finally:
        unkeyed.close()
    keyed = build_store(db_url, clock=clock, passwords=FAST_PASSWORDS, key=KEY)
    try:
        accounts.create_site(keyed.new_uow(), code="GZ03", name="Guangzhou", as_user=None)
        after = _verify(keyed)
    finally:
        keyed.close()
    assert before.ok
    assert after.ok
    assert after.unsealed == before.entries == after.entries - 1


# --- what the application's PostgreSQL role is not allowed to do -------------------------------

_REFUSED = [
    "ALTER TABLE audit_trail DISABLE TRIGGER USER",
    "DROP TRIGGER audit_trail_no_update ON audit_trail",
    "UPDATE audit_trail SET reason = 'tidied up'",
    "DELETE FROM audit_trail",
    "TRUNCATE audit_trail",
    "UPDATE allocations SET arm = 'other'",
    "DELETE FROM allocations",
    "ALTER TABLE allocations DISABLE TRIGGER USER",
    "UPDATE audit_chain_head SET id = 2",
    "DELETE FROM audit_chain_head",
    "UPDATE randomization_list_entries SET arm = 'other'",
    "UPDATE alembic_version SET version_num = '0001'",
    "CREATE TABLE shadow (id integer)",
]


@pytest.mark.parametrize("db_url", [ENGINES[1]], indirect=True)
@pytest.mark.parametrize("statement", _REFUSED)
def test_the_application_role_is_refused(world: TrialWorld, statement: str) -> None:
    with (
        pytest.raises(sqlalchemy.exc.ProgrammingError) as refused,
        world.store.engine.begin() as connection,
    ):
        connection.execute(text(statement))
    assert getattr(refused.value.orig, "sqlstate", None) == "42501"  # insufficient_privilege


@pytest.mark.parametrize("db_url", [ENGINES[1]], indirect=True)
def test_the_application_role_owns_nothing(world: TrialWorld) -> None:
    with world.store.engine.connect() as connection:
        owned = connection.execute(
            text("SELECT count(*) FROM pg_class WHERE relowner = "
                 "(SELECT oid FROM pg_roles WHERE rolname = current_user)")
        ).scalar_one()  # fmt: skip
    assert owned == 0

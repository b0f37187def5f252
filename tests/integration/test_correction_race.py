"""Two corrections of one record at once: the second starts from the first's result.

A correction reads the record, then the owning subject *for update* (PostgreSQL; SQLite serialises
whole transactions with ``BEGIN IMMEDIATE``, so the interleaving below cannot arise there). The
tests replay the race deterministically: the first correction takes the subject's row lock and
holds it until the second has read the record and is waiting for that lock; only then does the
first write and commit. Had the second kept the copy it read before the wait, its audit entries
would record stale "old" values and it would re-derive from fields the first had already changed.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from db_fixtures import SettableClock
from race_gates import (
    Gate,
    GatedUnitOfWork,
    assert_waited,
    postgres_only,
    run_both,
    someone_waits_for_a_lock,
    subject_read,
    wait_until,
)
from trial_world import BASELINE_MEASUREMENTS, TODAY, TrialWorld, build_world
from trialdesk.bootstrap import Store
from trialdesk.domain.audit import AuditAction, audit_value
from trialdesk.domain.errors import NotFoundError
from trialdesk.services.clinical import clinical, corrections
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.review.audit_trail import verify_audit_trail

VISIT_DATE = TODAY - dt.timedelta(days=2)
#: Skin stage 1 only: a partial response against the grade III baseline.
SKIN_MILD: dict[str, object] = {"skin_bsa_pct": 10.0, "bilirubin": 1.0, "stool_ml_per_day": 0.0}
#: Every organ clear: a complete response against the baseline.
CLEAR: dict[str, object] = {"skin_bsa_pct": 0.0, "bilirubin": 1.0, "stool_ml_per_day": 0.0}

Request = Callable[[UnitOfWork], object]


def _correction(world: TrialWorld, entity: str, record_id: int, changes: dict[str, Any]) -> Request:
    return lambda uow: corrections.correct_record(
        uow, as_user=world.investigator, entity=entity, record_id=record_id, changes=changes,
        reason="source document re-checked", protocol=world.protocol,
    )  # fmt: skip


def _replay(
    engine: Engine, clock: SettableClock, table: str, first: Request, second: Request
) -> tuple[list[BaseException], list[BaseException]]:
    """The second reads the record while the first holds the subject, then waits for it."""
    first_holds_the_subject, second_has_read = threading.Event(), threading.Event()

    def hold_until_the_second_has_read() -> None:
        first_holds_the_subject.set()
        assert_waited(second_has_read)

    def write_once_the_second_waits_for_the_subject() -> None:
        wait_until(lambda: someone_waits_for_a_lock(engine))

    first_uow = GatedUnitOfWork(
        engine, clock,
        subject_read(after=hold_until_the_second_has_read),
        # A correction and a (logical) deletion both write the record with an update.
        Gate("update", table, before=write_once_the_second_waits_for_the_subject),
    )  # fmt: skip
    second_uow = GatedUnitOfWork(
        engine, clock,
        Gate("get", table, before=lambda: assert_waited(first_holds_the_subject),
             after=second_has_read.set),
    )  # fmt: skip
    return run_both(lambda: first(first_uow), lambda: second(second_uow))


def _row(store: Store, table: str, record_id: int) -> Record | None:
    with store.new_uow() as uow:
        return uow.records.get(table, record_id)


def _assert_each_old_value_is_the_value_committed_before_it(
    store: Store, table: str, record_id: int
) -> list[tuple[str | None, str | None, str | None]]:
    """Replay the record's audit entries from its insert; they must end at the stored row.

    Returns the (field, old, new) of every update, in the order they were committed.
    """
    with store.new_uow() as uow:
        entries = [
            entry
            for entry in uow.audit.entries()
            if (entry.entity, entry.entity_id) == (table, str(record_id))
        ]
    inserted = entries[0]
    assert inserted.action is AuditAction.INSERT
    assert inserted.new_value is not None
    current = {k: audit_value(v) for k, v in _json_object(inserted.new_value).items()}
    updates = []
    for entry in entries[1:]:
        assert entry.action is AuditAction.UPDATE
        assert entry.field is not None
        assert entry.old_value == current.get(entry.field), entry
        current[entry.field] = entry.new_value
        updates.append((entry.field, entry.old_value, entry.new_value))
    stored = _row(store, table, record_id)
    assert stored is not None
    assert current == {name: audit_value(stored[name]) for name in current}
    return updates


def _json_object(text: str) -> dict[str, Any]:
    loaded = json.loads(text)
    assert isinstance(loaded, dict)
    return loaded


def _visit(world: TrialWorld) -> int:
    return clinical.record_visit(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        visit_code="D1", visit_date=VISIT_DATE,
    )  # fmt: skip


def _assessment(world: TrialWorld, days_ago: int, measurements: dict[str, object]) -> int:
    return clinical.record_gvhd_assessment(
        world.store.new_uow(), as_user=world.investigator, subject_id=world.subject_id,
        assessed_on=TODAY - dt.timedelta(days=days_ago), measurements=measurements,
        protocol=world.protocol,
        additional_therapy=False,
    )  # fmt: skip


@postgres_only
def test_a_correction_that_waited_for_another_of_the_same_field_records_its_result_as_old(
    store: Store, bounded_engine: Engine, clock: SettableClock
) -> None:
    world = build_world(store)
    visit_id = _visit(world)
    one_day, two_days = (VISIT_DATE - dt.timedelta(days=n) for n in (1, 2))

    failures = _replay(
        bounded_engine, clock, "visits",
        _correction(world, "visits", visit_id, {"visit_date": one_day}),
        _correction(world, "visits", visit_id, {"visit_date": two_days}),
    )  # fmt: skip

    assert failures == ([], [])
    updates = _assert_each_old_value_is_the_value_committed_before_it(store, "visits", visit_id)
    assert updates == [
        ("visit_date", audit_value(VISIT_DATE), audit_value(one_day)),
        ("visit_date", audit_value(one_day), audit_value(two_days)),
    ]
    assert verify_audit_trail(store.new_uow()).intact


@postgres_only
def test_a_correction_that_waited_for_another_of_a_different_field_re_derives_from_its_result(
    store: Store, bounded_engine: Engine, clock: SettableClock
) -> None:
    # The first clears the week-2 assessment (a complete response); the second moves it before
    # the baseline, so it becomes the baseline and loses its response: the response it drops
    # is the first's "CR", not the "PR" it had before the wait.
    world = build_world(store)
    _assessment(world, 28, BASELINE_MEASUREMENTS)
    week_2 = _assessment(world, 14, SKIN_MILD)
    moved_to = TODAY - dt.timedelta(days=29)

    failures = _replay(
        bounded_engine, clock, "gvhd_assessments",
        _correction(world, "gvhd_assessments", week_2, {"measurements": CLEAR}),
        _correction(world, "gvhd_assessments", week_2, {"assessed_on": moved_to}),
    )  # fmt: skip

    assert failures == ([], [])
    updates = _assert_each_old_value_is_the_value_committed_before_it(
        store, "gvhd_assessments", week_2
    )
    assert ("response", '"CR"', None) in updates
    final = _row(store, "gvhd_assessments", week_2)
    assert final is not None
    assert (final["measurements"], final["assessed_on"]) == (CLEAR, moved_to)
    assert (final["skin_stage"], final["response"]) == (0, None)
    assert verify_audit_trail(store.new_uow()).intact


@postgres_only
def test_a_correction_that_waited_for_a_deletion_of_the_record_finds_it_gone(
    store: Store, bounded_engine: Engine, clock: SettableClock
) -> None:
    world = build_world(store)
    visit_id = _visit(world)

    def delete(uow: UnitOfWork) -> None:
        corrections.delete_record(
            uow, as_user=world.coordinator, entity="visits", record_id=visit_id,
            reason="entered for the wrong subject",
        )  # fmt: skip

    delete_failures, correct_failures = _replay(
        bounded_engine, clock, "visits", delete,
        _correction(world, "visits", visit_id, {"visit_code": "D7"}),
    )  # fmt: skip

    assert delete_failures == []
    assert len(correct_failures) == 1
    assert isinstance(correct_failures[0], NotFoundError)
    assert str(correct_failures[0]) == f"visits {visit_id} not found"
    with store.new_uow() as uow:
        audited = [
            entry.action
            for entry in uow.audit.entries()
            if (entry.entity, entry.entity_id) == ("visits", str(visit_id))
        ]
    assert audited == [AuditAction.INSERT, AuditAction.DELETE]
    assert verify_audit_trail(store.new_uow()).intact

"""Two status changes of one subject at once: the second sees the first, never overwrites it.

A use case that changes a subject reads its row *for update* (PostgreSQL; SQLite serialises whole
transactions with ``BEGIN IMMEDIATE``, so the interleaving below cannot arise there). The tests
replay the race deterministically: the first transaction reads the subject, then waits until the
second has read it too (the lost update) or is waiting for the row lock (the fix); the second,
once it has read, waits until the first has committed. Without the lock both read ``screening``
and the second overwrites the first's ``withdrawn`` with ``screen_failed``, its audit entry naming
``screening`` as the previous state.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable

import pytest
from sqlalchemy import Engine

from db_fixtures import SettableClock
from race_gates import (
    PATIENCE,
    GatedUnitOfWork,
    assert_waited,
    postgres_only,
    run_both,
    someone_waits_for_a_lock,
    subject_read,
    wait_until,
)
from trial_world import ELIGIBLE_ANSWERS, TODAY, TrialWorld, build_world
from trialdesk.bootstrap import Store
from trialdesk.domain.audit import AuditAction, AuditEntry
from trialdesk.domain.errors import StateError
from trialdesk.domain.lifecycle import SubjectState
from trialdesk.services.ports import UnitOfWork
from trialdesk.services.review.audit_trail import verify_audit_trail
from trialdesk.services.subjects import subjects


def _state_changes(entries: Iterable[AuditEntry]) -> list[tuple[object, object]]:
    """(previous, new) state of each audited status change, in chain order."""
    return [
        (json.loads(e.old_value or "null"), json.loads(e.new_value or "null"))
        for e in entries
        if (e.action, e.entity, e.field) == (AuditAction.UPDATE, "subjects", "state")
    ]


SecondMove = Callable[[UnitOfWork, TrialWorld], object]


def _declare_screen_failure(uow: UnitOfWork, world: TrialWorld) -> object:
    return subjects.change_state(
        uow, as_user=world.coordinator, subject_id=world.subject_id,
        target=SubjectState.SCREEN_FAILED.value, reason="investigator's decision",
    )  # fmt: skip


def _record_ineligible_screening(uow: UnitOfWork, world: TrialWorld) -> object:
    return subjects.record_screening(
        uow, as_user=world.investigator, subject_id=world.subject_id, screened_on=TODAY,
        answers={**ELIGIBLE_ANSWERS, "age_years": 75}, protocol=world.protocol,
    )  # fmt: skip


@postgres_only
@pytest.mark.parametrize(
    "second_move",
    [
        pytest.param(_declare_screen_failure, id="state change"),
        pytest.param(_record_ineligible_screening, id="ineligible screening"),
    ],
)
def test_a_move_racing_a_withdrawal_is_judged_against_withdrawn_and_refused(
    store: Store, bounded_engine: Engine, clock: SettableClock, second_move: SecondMove
) -> None:
    world = build_world(store)
    first_has_read, second_has_read, first_committed = (threading.Event() for _ in range(3))

    def let_the_second_catch_up() -> None:
        first_has_read.set()
        wait_until(lambda: second_has_read.is_set() or someone_waits_for_a_lock(bounded_engine))

    def wait_for_the_first_to_commit() -> None:
        second_has_read.set()
        assert first_committed.wait(PATIENCE)

    withdrawing = GatedUnitOfWork(
        bounded_engine, clock, subject_read(after=let_the_second_catch_up)
    )
    second = GatedUnitOfWork(
        bounded_engine, clock,
        subject_read(
            before=lambda: assert_waited(first_has_read), after=wait_for_the_first_to_commit
        ),
    )  # fmt: skip

    def withdraw() -> None:
        subjects.change_state(
            withdrawing, as_user=world.coordinator, subject_id=world.subject_id,
            target=SubjectState.WITHDRAWN.value, reason="consent withdrawn",
        )  # fmt: skip
        first_committed.set()

    withdrawal_failures, second_failures = run_both(withdraw, lambda: second_move(second, world))

    assert withdrawal_failures == []
    assert len(second_failures) == 1
    refusal = second_failures[0]
    assert isinstance(refusal, StateError)
    assert "withdrawn" in str(refusal)
    assert "screen_failed" in str(refusal)
    subject = subjects.get_subject(
        store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id
    )
    assert subject.state is SubjectState.WITHDRAWN
    with store.new_uow() as uow:
        about_subject = list(uow.audit.entries(subject_id=world.subject_id))
        screenings = uow.records.find("screening_records", subject_id=world.subject_id)
    assert _state_changes(about_subject) == [("screening", "withdrawn")]
    assert screenings == []  # the refused screening is rolled back with its state change
    assert verify_audit_trail(store.new_uow()).intact


@postgres_only
def test_two_allowed_moves_of_one_subject_at_once_both_commit_one_after_the_other(
    store: Store, bounded_engine: Engine, clock: SettableClock
) -> None:
    world = build_world(store)
    subjects.record_consent(
        store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        consented_on=TODAY, form_version="v1", obtained_by="Dr Li",
    )  # fmt: skip
    subjects.record_screening(
        store.new_uow(), as_user=world.investigator, subject_id=world.subject_id,
        screened_on=TODAY, answers=ELIGIBLE_ANSWERS, protocol=world.protocol,
    )  # fmt: skip
    first_has_read = threading.Event()

    def let_the_second_queue() -> None:
        first_has_read.set()
        wait_until(lambda: someone_waits_for_a_lock(bounded_engine))

    marking = GatedUnitOfWork(bounded_engine, clock, subject_read(after=let_the_second_queue))
    withdrawing = GatedUnitOfWork(
        bounded_engine, clock, subject_read(before=lambda: assert_waited(first_has_read))
    )

    def mark_eligible() -> None:
        subjects.change_state(
            marking, as_user=world.coordinator, subject_id=world.subject_id,
            target=SubjectState.ELIGIBLE.value, reason="screening complete",
        )  # fmt: skip

    def withdraw() -> None:
        subjects.change_state(
            withdrawing, as_user=world.coordinator, subject_id=world.subject_id,
            target=SubjectState.WITHDRAWN.value, reason="consent withdrawn",
        )  # fmt: skip

    assert run_both(mark_eligible, withdraw) == ([], [])
    with store.new_uow() as uow:
        about_subject = list(uow.audit.entries(subject_id=world.subject_id))
    assert _state_changes(about_subject) == [("screening", "eligible"), ("eligible", "withdrawn")]
    assert verify_audit_trail(store.new_uow()).intact

"""Subjects: registration, screening, consent and every lifecycle transition, via the services."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from trial_world import ELIGIBLE_ANSWERS, SITE_A, TODAY, TrialWorld, build_world
from trialdesk.adapters.db.tables import subjects as subjects_table
from trialdesk.bootstrap import Store
from trialdesk.domain.audit import AuditAction
from trialdesk.domain.errors import InputError, NotFoundError, StateError
from trialdesk.domain.lifecycle import TRANSITIONS, SubjectState
from trialdesk.services.subjects import subjects


@pytest.fixture
def world(store: Store) -> TrialWorld:
    return build_world(store)


def _eligible(world: TrialWorld) -> None:
    subjects.record_consent(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        consented_on=TODAY, form_version="2.1", obtained_by="Dr Li",
    )  # fmt: skip
    assert subjects.record_screening(
        world.store.new_uow(), as_user=world.investigator, subject_id=world.subject_id,
        screened_on=TODAY, answers=ELIGIBLE_ANSWERS, protocol=world.protocol,
    )  # fmt: skip


def test_a_registered_subject_starts_in_screening_at_its_site(world: TrialWorld) -> None:
    subject = subjects.get_subject(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id
    )
    assert (subject.screening_number, subject.site_code, subject.state) == (
        "SCR-001", SITE_A, SubjectState.SCREENING,
    )  # fmt: skip


def test_a_screening_number_is_used_once(world: TrialWorld) -> None:
    with pytest.raises(InputError, match="screening_number"):
        subjects.register_subject(
            world.store.new_uow(), as_user=world.coordinator, site_code=SITE_A,
            screening_number="SCR-001",
        )  # fmt: skip


def test_screening_stores_each_criterion_result(world: TrialWorld) -> None:
    _eligible(world)
    with world.store.new_uow() as uow:
        (record,) = uow.records.find("screening_records", subject_id=world.subject_id)
    assert record["eligible"] is True
    assert len(record["criteria_results"]) == len(world.protocol.criteria)
    assert {c["status"] for c in record["criteria_results"]} <= {"met", "attested"}


def test_an_ineligible_screening_makes_the_subject_a_screen_failure(world: TrialWorld) -> None:
    answers = {**ELIGIBLE_ANSWERS, "age_years": 75}
    eligible = subjects.record_screening(
        world.store.new_uow(), as_user=world.investigator, subject_id=world.subject_id,
        screened_on=TODAY, answers=answers, protocol=world.protocol,
    )  # fmt: skip
    assert eligible is False
    subject = subjects.get_subject(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id
    )
    assert subject.state is SubjectState.SCREEN_FAILED


def test_a_subject_cannot_become_eligible_before_consent(world: TrialWorld) -> None:
    subjects.record_screening(
        world.store.new_uow(), as_user=world.investigator, subject_id=world.subject_id,
        screened_on=TODAY, answers=ELIGIBLE_ANSWERS, protocol=world.protocol,
    )  # fmt: skip
    with pytest.raises(StateError, match="consent"):
        subjects.change_state(
            world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
            target="eligible", reason="screening complete",
        )  # fmt: skip


def test_skipping_randomization_is_refused_naming_both_states(world: TrialWorld) -> None:
    with pytest.raises(StateError, match="from screening to on_treatment"):
        subjects.change_state(
            world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
            target="on_treatment", reason="first dose",
        )  # fmt: skip


def _force_state(world: TrialWorld, state: SubjectState) -> None:
    with world.store.engine.begin() as connection:
        connection.execute(
            update(subjects_table)
            .where(subjects_table.c.id == world.subject_id)
            .values(state=state.value)
        )


@pytest.mark.parametrize("source", list(SubjectState))
def test_every_transition_from_a_state_is_allowed_or_refused_by_the_service(
    world: TrialWorld, source: SubjectState
) -> None:
    _eligible(world)  # consent and an eligible screening on file, so only the state matters
    for target in SubjectState:
        _force_state(world, source)
        audit_before = world.count("audit_trail")
        if target in TRANSITIONS[source]:
            moved = subjects.change_state(
                world.store.new_uow(), as_user=world.coordinator,
                subject_id=world.subject_id, target=target.value, reason="protocol step",
            )  # fmt: skip
            assert moved.state is target
            assert world.count("audit_trail") == audit_before + 1
        else:
            with pytest.raises(StateError) as refused:
                subjects.change_state(
                    world.store.new_uow(), as_user=world.coordinator,
                    subject_id=world.subject_id, target=target.value, reason="protocol step",
                )  # fmt: skip
            assert f"from {source.value} to {target.value}" in refused.value.message
            assert world.count("audit_trail") == audit_before


def test_a_state_change_is_audited_with_old_and_new_state(world: TrialWorld) -> None:
    subjects.change_state(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        target="withdrawn", reason="consent withdrawn",
    )  # fmt: skip
    with world.store.new_uow() as uow:
        last = list(uow.audit.entries())[-1]
    assert (last.action, last.field, last.old_value, last.new_value, last.reason) == (
        AuditAction.UPDATE, "state", '"screening"', '"withdrawn"', "consent withdrawn",
    )  # fmt: skip
    assert last.subject_id == world.subject_id


def test_an_unknown_target_state_is_an_input_error(world: TrialWorld) -> None:
    with pytest.raises(InputError, match="target"):
        subjects.change_state(
            world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
            target="cured", reason="protocol step",
        )  # fmt: skip


def test_an_unknown_subject_is_not_found(world: TrialWorld) -> None:
    with pytest.raises(NotFoundError, match="subject 999 not found"):
        subjects.change_state(
            world.store.new_uow(), as_user=world.coordinator, subject_id=999, target="eligible",
            reason="screening complete",
        )  # fmt: skip

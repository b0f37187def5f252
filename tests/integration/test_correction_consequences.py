"""What a correction or deletion re-derives: eligibility, the state, AE and dose values."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from db_fixtures import SettableClock
from trial_world import ELIGIBLE_ANSWERS, PASSWORD, TODAY, TrialWorld, build_world
from trialdesk.bootstrap import Store
from trialdesk.domain.access import Role
from trialdesk.domain.audit import AuditAction, AuditEntry
from trialdesk.domain.errors import InputError, NotFoundError, StateError
from trialdesk.domain.lifecycle import SubjectState
from trialdesk.services.clinical import clinical, corrections
from trialdesk.services.randomization.randomization import randomize_subject
from trialdesk.services.randomization.randomization_lists import generate_list
from trialdesk.services.review import review
from trialdesk.services.review.audit_trail import verify_audit_trail
from trialdesk.services.subjects import eligibility_signoff, subject_view, subjects

LOW_NEUTROPHILS = {**ELIGIBLE_ANSWERS, "anc_10e9_per_l": 0.2}
WHY = "source document re-checked"


@pytest.fixture
def world(store: Store) -> TrialWorld:
    return build_world(store)


def _screen(world: TrialWorld, answers: dict[str, object]) -> int:
    # The investigator records the screening: only they may answer the judgement criteria.
    subjects.record_screening(
        world.store.new_uow(), as_user=world.investigator, subject_id=world.subject_id,
        screened_on=TODAY, answers=answers, protocol=world.protocol,
    )  # fmt: skip
    with world.store.new_uow() as uow:
        return int(uow.records.find("screening_records", subject_id=world.subject_id)[-1]["id"])


def _consent(world: TrialWorld) -> int:
    return subjects.record_consent(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        consented_on=TODAY, form_version="2.1", obtained_by="Dr Li",
    )  # fmt: skip


def _randomized(world: TrialWorld) -> int:
    """The world's subject screened eligible, consented and randomized; returns the screening."""
    generate_list(
        world.store.new_randomization_uow(), as_user=world.user(Role.STATISTICIAN),
        spec=world.protocol.randomization, seed=20260302, length_per_stratum=8,
        trial_code="NCT04738981",
    )  # fmt: skip
    _consent(world)
    screening = _screen(world, ELIGIBLE_ANSWERS)
    eligibility_signoff.sign_eligibility(
        world.store.new_uow(), as_user=world.investigator, subject_id=world.subject_id,
        password=PASSWORD,
    )  # fmt: skip
    randomize_subject(
        world.store.new_randomization_uow(), as_user=world.coordinator,
        subject_id=world.subject_id, stratification={"baseline_grade": 3, "gi_involvement": "no"},
    )  # fmt: skip
    return screening


def _correct(world: TrialWorld, entity: str, record_id: int, changes: dict[str, Any]) -> object:
    return corrections.correct_record(
        world.store.new_uow(), as_user=world.investigator, entity=entity, record_id=record_id,
        changes=changes, reason=WHY, protocol=world.protocol, subject_id=world.subject_id,
    )  # fmt: skip


def _delete(world: TrialWorld, entity: str, record_id: int) -> None:
    corrections.delete_record(
        world.store.new_uow(), as_user=world.investigator, entity=entity, record_id=record_id,
        reason=WHY, protocol=world.protocol, subject_id=world.subject_id,
    )  # fmt: skip


def _state(world: TrialWorld) -> SubjectState:
    return subjects.get_subject(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id
    ).state


def _row(world: TrialWorld, table: str, record_id: int) -> dict[str, Any]:
    with world.store.new_uow() as uow:
        row = uow.records.get(table, record_id)
    assert row is not None
    return row


def _state_entries(world: TrialWorld) -> list[AuditEntry]:
    with world.store.new_uow() as uow:
        return [
            e
            for e in uow.audit.entries(subject_id=world.subject_id)
            if (e.entity, e.field) == ("subjects", "state")
        ]


def _outcome(world: TrialWorld, kind: str, cause: str | None = None) -> int:
    return clinical.record_outcome(
        world.store.new_uow(), as_user=world.investigator, subject_id=world.subject_id,
        kind=kind, occurred_on=TODAY, cause=cause,
    )  # fmt: skip


def test_a_screening_corrected_to_ineligible_fails_the_subject(world: TrialWorld) -> None:
    screening = _screen(world, ELIGIBLE_ANSWERS)
    assert _state(world) is SubjectState.SCREENING

    _correct(world, "screening_records", screening, {"answers": {"anc_10e9_per_l": 0.2}})

    row = _row(world, "screening_records", screening)
    assert row["eligible"] is False
    assert row["answers"] == LOW_NEUTROPHILS  # the other answers stay as recorded
    assert _state(world) is SubjectState.SCREEN_FAILED
    moved = _state_entries(world)[-1]
    assert (moved.old_value, moved.new_value) == ('"screening"', '"screen_failed"')
    assert moved.reason == f"screening: not eligible: {WHY}"


def test_a_screen_failure_from_a_mistyped_answer_goes_back_to_screening_once_corrected(
    world: TrialWorld,
) -> None:
    screening = _screen(world, LOW_NEUTROPHILS)
    assert _state(world) is SubjectState.SCREEN_FAILED

    _correct(world, "screening_records", screening, {"answers": {"anc_10e9_per_l": 1.5}})

    assert _row(world, "screening_records", screening)["eligible"] is True
    assert _state(world) is SubjectState.SCREENING
    # A data correction, not a lifecycle move (screen_failed is final): audited with the reason.
    back = _state_entries(world)[-1]
    assert (back.action, back.old_value, back.new_value, back.reason) == (
        AuditAction.UPDATE, '"screen_failed"', '"screening"', WHY,
    )  # fmt: skip
    assert verify_audit_trail(world.store.new_uow()).intact


def test_a_screen_failure_decided_with_its_own_reason_is_not_undone(world: TrialWorld) -> None:
    screening = _screen(world, ELIGIBLE_ANSWERS)
    subjects.change_state(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        target="screen_failed", reason="withdrew before screening finished",
    )  # fmt: skip

    _correct(world, "screening_records", screening, {"screened_on": TODAY - dt.timedelta(days=1)})

    assert _state(world) is SubjectState.SCREEN_FAILED


def test_deleting_the_consent_of_an_eligible_subject_returns_it_to_screening(
    world: TrialWorld,
) -> None:
    consent = _consent(world)
    _screen(world, ELIGIBLE_ANSWERS)
    subjects.change_state(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        target="eligible", reason="screening complete",
    )  # fmt: skip

    _delete(world, "consents", consent)

    assert _state(world) is SubjectState.SCREENING
    assert _state_entries(world)[-1].reason == WHY


def test_after_randomization_the_subject_stays_randomized_and_the_result_is_updated(
    world: TrialWorld,
) -> None:
    screening = _randomized(world)

    _correct(world, "screening_records", screening, {"answers": {"anc_10e9_per_l": 0.2}})

    assert _state(world) is SubjectState.RANDOMIZED  # intention to treat
    row = _row(world, "screening_records", screening)
    assert row["eligible"] is False
    failed = [c["criterion"] for c in row["criteria_results"] if c["status"] == "not_met"]
    assert failed == [c.id for c in world.protocol.criteria if c.field == "anc_10e9_per_l"]


def test_deleting_a_death_entered_in_error_restores_the_state_it_moved_from(
    world: TrialWorld,
) -> None:
    _randomized(world)
    death = _outcome(world, "death", cause="sepsis")
    assert _state(world) is SubjectState.DIED

    _delete(world, "outcomes", death)

    assert _state(world) is SubjectState.RANDOMIZED
    restored = _state_entries(world)[-1]
    assert (restored.old_value, restored.new_value, restored.reason) == (
        '"died"', '"randomized"', WHY,
    )  # fmt: skip
    assert _row(world, "outcomes", death)["deleted_reason"] == WHY


def test_an_outcome_corrected_to_another_kind_moves_the_lifecycle_consistently(
    world: TrialWorld,
) -> None:
    _randomized(world)
    outcome = _outcome(world, "death", cause="sepsis")

    _correct(world, "outcomes", outcome, {"kind": "relapse"})
    assert _state(world) is SubjectState.RANDOMIZED

    _correct(world, "outcomes", outcome, {"kind": "withdrawal"})
    assert _state(world) is SubjectState.WITHDRAWN

    with pytest.raises(InputError, match="cause"):  # a death needs its cause
        _correct(world, "outcomes", outcome, {"kind": "death", "cause": None})
    assert _state(world) is SubjectState.WITHDRAWN


def test_an_outcome_whose_state_the_subject_has_left_cannot_be_undone_silently(
    world: TrialWorld,
) -> None:
    _randomized(world)
    ended = _outcome(world, "end_of_study_treatment")
    subjects.change_state(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        target="follow_up", reason="follow-up after study treatment",
    )  # fmt: skip
    before = _row(world, "outcomes", ended)

    with pytest.raises(StateError, match="moved on"):
        _delete(world, "outcomes", ended)

    assert _row(world, "outcomes", ended) == before
    assert _state(world) is SubjectState.FOLLOW_UP


def test_a_corrected_awareness_time_moves_the_reporting_deadlines(world: TrialWorld) -> None:
    aware = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
    event = clinical.report_adverse_event(
        world.store.new_uow(), as_user=world.investigator, subject_id=world.subject_id,
        term="Pneumonia", ctcae_grade=3, onset_on=TODAY - dt.timedelta(days=2), aware_at=aware,
        outcome="recovering", seriousness=frozenset({"hospitalization"}),
    )  # fmt: skip
    before = _row(world, "adverse_events", event)["derived"]["deadlines"]

    diff = _correct(world, "adverse_events", event, {"aware_at": aware - dt.timedelta(days=1)})

    after = _row(world, "adverse_events", event)
    assert isinstance(diff, dict)
    assert set(diff) == {"aware_at", "derived"}
    for kind, due in before.items():
        moved = dt.datetime.fromisoformat(after["derived"]["deadlines"][kind])
        assert moved == dt.datetime.fromisoformat(due) - dt.timedelta(days=1)


def test_a_corrected_weight_re_derives_the_planned_dose_and_the_first_date_moves_day_1(
    world: TrialWorld, clock: SettableClock
) -> None:
    _randomized(world)  # randomized today; doses may not be dated before it
    clock.advance(days=4)
    dose = clinical.record_dose(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        product="uc_msc", administered_on=TODAY + dt.timedelta(days=3), weight_kg=65,
        dose_value=6.5e7, dose_unit="cells", protocol=world.protocol,
    )  # fmt: skip

    _correct(
        world, "dose_administrations", dose,
        {"weight_kg": 70.0, "administered_on": TODAY + dt.timedelta(days=1)},
    )  # fmt: skip

    assert _row(world, "dose_administrations", dose)["planned_dose_value"] == 70 * 1e6
    page = subject_view.load_subject_page(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        protocol=world.protocol,
    )  # fmt: skip
    assert page.day1 == TODAY + dt.timedelta(days=1)


def test_a_deleted_record_can_be_neither_corrected_nor_deleted_again(world: TrialWorld) -> None:
    visit = clinical.record_visit(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        visit_code="D1", visit_date=TODAY,
    )  # fmt: skip
    _delete(world, "visits", visit)
    with pytest.raises(NotFoundError, match=f"visits {visit} not found"):
        _correct(world, "visits", visit, {"visit_code": "D8"})
    with pytest.raises(NotFoundError):
        _delete(world, "visits", visit)


def test_deleting_a_signed_record_invalidates_its_signature(world: TrialWorld) -> None:
    visit = clinical.record_visit(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        visit_code="D1", visit_date=TODAY,
    )  # fmt: skip
    signed = review.sign_record(
        world.store.new_uow(), as_user=world.investigator, entity="visits", record_id=visit,
        password=PASSWORD, meaning="I approve this record",
    )  # fmt: skip

    _delete(world, "visits", visit)

    check = review.check_signature(
        world.store.new_uow(), as_user=world.investigator, signature_id=signed.id
    )
    assert check.is_valid is False
    with world.store.new_uow() as uow:
        actions = [e.action for e in uow.audit.entries(subject_id=world.subject_id)][-2:]
    assert actions == [AuditAction.SIGNATURE_INVALIDATED, AuditAction.DELETE]

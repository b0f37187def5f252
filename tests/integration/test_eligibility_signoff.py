"""Investigator-only criteria and the investigator's eligibility signature, via the services."""

from __future__ import annotations

import pytest

from db_fixtures import SettableClock
from eligibility_signoff_world import JUDGEMENT_ANSWERS, OBJECTIVE_ANSWERS, screen_and_sign
from trial_world import ELIGIBLE_ANSWERS, PASSWORD, SITE_B, TODAY, TrialWorld, build_world
from trialdesk.bootstrap import Store
from trialdesk.domain.access import Role
from trialdesk.domain.errors import InputError, NotFoundError, PermissionDeniedError, StateError
from trialdesk.domain.lifecycle import SubjectState
from trialdesk.services.accounts.access import load_actor
from trialdesk.services.clinical.recording import update_audited
from trialdesk.services.randomization.randomization import randomize_subject
from trialdesk.services.randomization.randomization_lists import generate_list
from trialdesk.services.subjects import eligibility_signoff, subjects


@pytest.fixture
def world(store: Store) -> TrialWorld:
    world = build_world(store)
    generate_list(
        store.new_randomization_uow(), as_user=world.user(Role.STATISTICIAN),
        spec=world.protocol.randomization, seed=11, length_per_stratum=4,
    )  # fmt: skip
    subjects.record_consent(
        store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        consented_on=TODAY, form_version="2.1", obtained_by="Dr Li",
    )  # fmt: skip
    return world


def _screen_objective(world: TrialWorld) -> bool:
    return subjects.record_screening(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        screened_on=TODAY, answers=OBJECTIVE_ANSWERS, protocol=world.protocol,
    )  # fmt: skip


def _attest(world: TrialWorld, user: int, answers: dict[str, bool] = JUDGEMENT_ANSWERS) -> bool:
    return eligibility_signoff.attest_criteria(
        world.store.new_uow(), as_user=user, subject_id=world.subject_id, answers=answers,
        protocol=world.protocol,
    ).eligible  # fmt: skip


def _sign(world: TrialWorld, user: int) -> None:
    eligibility_signoff.sign_eligibility(
        world.store.new_uow(), as_user=user, subject_id=world.subject_id, password=PASSWORD
    )


def _randomize(world: TrialWorld) -> str:
    return randomize_subject(
        world.store.new_randomization_uow(), as_user=world.coordinator,
        subject_id=world.subject_id, stratification={"baseline_grade": 3},
    ).arm  # fmt: skip


def _state(world: TrialWorld) -> SubjectState:
    return subjects.get_subject(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id
    ).state


def test_a_coordinator_answering_a_judgement_criterion_is_refused_naming_it(
    world: TrialWorld,
) -> None:
    with pytest.raises(InputError) as refused:
        subjects.record_screening(
            world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
            screened_on=TODAY, answers=ELIGIBLE_ANSWERS, protocol=world.protocol,
        )  # fmt: skip
    fields = {e.field: e.message for e in refused.value.errors}
    assert set(fields) == {f"answers.{name}" for name in JUDGEMENT_ANSWERS}
    assert (
        "only an investigator at this site may attest this criterion (EX1)"
        in (fields["answers.treatment_tolerable"])
    )
    assert world.count("screening_records") == 0


def test_the_objective_screening_stays_pending_until_the_investigator_attests(
    world: TrialWorld,
) -> None:
    assert _screen_objective(world) is False
    assert _state(world) is SubjectState.SCREENING  # pending, not a screen failure
    with world.store.new_uow() as uow:
        (record,) = uow.records.find("screening_records", subject_id=world.subject_id)
    pending = {r["criterion"]: r for r in record["criteria_results"] if r["status"] == "missing"}
    assert set(pending) == {"IN1", "EX1", "EX2", "EX4", "EX6"}
    assert pending["EX6"]["reason"] == "awaiting the investigator's attestation"
    assert _attest(world, world.investigator) is True
    with world.store.new_uow() as uow:
        (record,) = uow.records.find("screening_records", subject_id=world.subject_id)
    ex6 = next(r for r in record["criteria_results"] if r["criterion"] == "EX6")
    assert (ex6["status"], ex6["attested_by"]) == ("attested", "investigatorbj01")
    assert record["eligible"] is True


def test_only_an_investigator_at_the_subjects_site_may_attest_or_sign(world: TrialWorld) -> None:
    _screen_objective(world)
    with pytest.raises(PermissionDeniedError, match="only an investigator at this site"):
        _attest(world, world.coordinator)
    with pytest.raises(NotFoundError):
        _attest(world, world.user(Role.INVESTIGATOR, SITE_B))
    _attest(world, world.investigator)
    with pytest.raises(PermissionDeniedError, match="only an investigator at this site"):
        _sign(world, world.coordinator)
    with pytest.raises(NotFoundError):
        _sign(world, world.user(Role.INVESTIGATOR, SITE_B))
    assert world.count("signatures") == 0


def test_an_incomplete_screening_cannot_be_signed(world: TrialWorld) -> None:
    _screen_objective(world)
    with pytest.raises(StateError, match="EX6 missing"):
        _sign(world, world.investigator)


def test_a_judgement_that_excludes_makes_a_screen_failure(world: TrialWorld) -> None:
    _screen_objective(world)
    assert _attest(world, world.investigator, {"suitable_for_study": False}) is False
    assert _state(world) is SubjectState.SCREEN_FAILED


def test_randomization_waits_for_the_signature_and_a_correction_voids_it(
    world: TrialWorld,
) -> None:
    _screen_objective(world)
    _attest(world, world.investigator)
    with pytest.raises(InputError) as refused:
        _randomize(world)
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("eligibility.signature", "awaiting the investigator's eligibility signature")
    ]
    _sign(world, world.investigator)
    # A correction of an attestation needs a reason, and invalidates the signature.
    with pytest.raises(InputError, match="reason"):
        _attest(world, world.investigator, {"suitable_for_study": False})
    # Attesting again what is on file changes nothing.
    eligibility_signoff.attest_criteria(
        world.store.new_uow(), as_user=world.investigator, subject_id=world.subject_id,
        answers={"no_multiorgan_dysfunction": True, "suitable_for_study": True},
        protocol=world.protocol, reason="re-read the chart",
    )  # fmt: skip
    assert world.count("signatures") == 1  # nothing changed: the signature still holds
    _correct_anc(world)
    with pytest.raises(InputError, match=r"eligibility\.signature"):
        _randomize(world)
    _sign(world, world.investigator)
    assert _randomize(world) in {"msc_cd25", "cd25"}
    assert _state(world) is SubjectState.RANDOMIZED


def _correct_anc(world: TrialWorld) -> None:
    """Correct the screening record in place, as a correction does (audited, with a reason)."""
    with world.store.new_uow() as uow:
        actor = load_actor(uow, world.coordinator)
        (record,) = uow.records.find("screening_records", subject_id=world.subject_id)
        answers = {**record["answers"], "anc_10e9_per_l": 1.2}
        update_audited(
            uow, actor, "screening_records", record, {"answers": answers},
            reason="transcription error", subject_id=world.subject_id,
        )  # fmt: skip
        uow.commit()
    with world.store.new_uow() as uow:
        (signature,) = uow.records.find("signatures", entity="screening_records")
    assert signature["is_valid"] is False


def test_a_new_screening_needs_a_new_signature(world: TrialWorld, clock: SettableClock) -> None:
    screen_and_sign(
        world.store.new_uow, subject_id=world.subject_id, coordinator=world.coordinator,
        investigator=world.investigator, screened_on=TODAY, protocol=world.protocol,
    )  # fmt: skip
    clock.advance(hours=2)  # a rescreening, not a resubmitted form (a soft duplicate check)
    _screen_objective(world)
    with pytest.raises(InputError, match=r"eligibility\.EX6"):
        _randomize(world)

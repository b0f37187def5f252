"""Corrections with reasons, queries, e-signatures bound to the record version, and locks."""

from __future__ import annotations

import datetime as dt

import pytest

import lock_moves
from trial_world import BASELINE_MEASUREMENTS, PASSWORD, SITE_B, TODAY, TrialWorld, build_world
from trialdesk.bootstrap import Store
from trialdesk.domain.access import Role
from trialdesk.domain.audit import AuditAction, AuditEntry
from trialdesk.domain.errors import (
    AuthenticationError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    StateError,
)
from trialdesk.services.clinical import clinical, corrections
from trialdesk.services.review import review
from trialdesk.services.review.audit_trail import export_audit_trail, verify_audit_trail
from trialdesk.services.subjects import subjects


@pytest.fixture
def world(store: Store) -> TrialWorld:
    return build_world(store)


def _visit(world: TrialWorld) -> int:
    return clinical.record_visit(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        visit_code="D1", visit_date=TODAY - dt.timedelta(days=2),
    )  # fmt: skip


def _correct(world: TrialWorld, visit_id: int, reason: str | None) -> object:
    return corrections.correct_record(
        world.store.new_uow(), as_user=world.coordinator, entity="visits", record_id=visit_id,
        changes={"visit_date": TODAY}, reason=reason, protocol=world.protocol,
    )  # fmt: skip


def _entries(world: TrialWorld) -> list[AuditEntry]:
    with world.store.new_uow() as uow:
        return list(uow.audit.entries())


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_change_after_first_save_without_a_reason_is_refused(
    world: TrialWorld, reason: str | None
) -> None:
    visit_id = _visit(world)
    before = len(_entries(world))
    with pytest.raises(InputError, match="reason"):
        _correct(world, visit_id, reason)
    assert len(_entries(world)) == before


def test_a_correction_records_field_old_new_and_reason(world: TrialWorld) -> None:
    visit_id = _visit(world)
    _correct(world, visit_id, "transcription error")
    last = _entries(world)[-1]
    assert (last.action, last.entity, last.entity_id, last.field) == (
        AuditAction.UPDATE, "visits", str(visit_id), "visit_date",
    )  # fmt: skip
    assert (last.old_value, last.new_value, last.reason) == (
        '"2026-02-28"', '"2026-03-02"', "transcription error",
    )  # fmt: skip
    assert last.username == "sitecoordinatorbj01"


def test_correcting_measurements_re_derives_the_stages(world: TrialWorld) -> None:
    assessment = clinical.record_gvhd_assessment(
        world.store.new_uow(), as_user=world.investigator, subject_id=world.subject_id,
        assessed_on=TODAY, measurements=BASELINE_MEASUREMENTS, protocol=world.protocol,
        additional_therapy=False,
    )  # fmt: skip
    diff = corrections.correct_record(
        world.store.new_uow(), as_user=world.investigator, entity="gvhd_assessments",
        record_id=assessment, changes={"measurements": {**BASELINE_MEASUREMENTS, "bilirubin": 1.0}},
        reason="lab value mistyped", protocol=world.protocol,
    )  # fmt: skip
    assert diff["liver_stage"] == (2, 0)
    assert diff["grade"] == (3, 2)  # skin 2 + lower GI 1 → grade II


def test_a_derived_field_cannot_be_corrected_directly(world: TrialWorld) -> None:
    assessment = clinical.record_gvhd_assessment(
        world.store.new_uow(), as_user=world.investigator, subject_id=world.subject_id,
        assessed_on=TODAY, measurements=BASELINE_MEASUREMENTS, protocol=world.protocol,
        additional_therapy=False,
    )  # fmt: skip
    with pytest.raises(InputError, match="grade"):
        corrections.correct_record(
            world.store.new_uow(), as_user=world.investigator, entity="gvhd_assessments",
            record_id=assessment, changes={"grade": 1}, reason="looks milder",
            protocol=world.protocol,
        )  # fmt: skip


def test_a_deleted_record_keeps_its_content_in_the_trail(world: TrialWorld) -> None:
    visit_id = _visit(world)
    corrections.delete_record(
        world.store.new_uow(), as_user=world.coordinator, entity="visits", record_id=visit_id,
        reason="entered for the wrong patient",
    )  # fmt: skip
    last = _entries(world)[-1]
    assert (last.action, last.reason) == (AuditAction.DELETE, "entered for the wrong patient")
    assert last.old_value is not None
    assert '"visit_code":"D1"' in last.old_value
    # Deleted logically: the row stays, marked, and reads leave it out.
    with world.store.new_uow() as uow:
        row = uow.records.get("visits", visit_id)
        assert uow.records.find("visits", subject_id=world.subject_id) == []
    assert row is not None
    assert (row["deleted_by"], row["deleted_reason"]) == (
        world.coordinator, "entered for the wrong patient",
    )  # fmt: skip
    assert row["deleted_at"] is not None


def _sign(world: TrialWorld, visit_id: int, password: str = PASSWORD) -> review.SignatureRead:
    return review.sign_record(
        world.store.new_uow(), as_user=world.investigator, entity="visits", record_id=visit_id,
        password=password, meaning="I approve this record",
    )  # fmt: skip


def test_a_signature_shows_printed_name_utc_time_and_meaning(world: TrialWorld) -> None:
    signature = _sign(world, _visit(world))
    assert signature.printed_name == "Dr Investigatorbj01"
    assert signature.signed_at == dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    assert signature.meaning == "I approve this record"
    assert _entries(world)[-1].action is AuditAction.SIGN


def test_signing_needs_the_password_re_entered(world: TrialWorld) -> None:
    visit_id = _visit(world)
    with pytest.raises(InputError, match="password"):
        _sign(world, visit_id, password="")
    with pytest.raises(AuthenticationError):
        _sign(world, visit_id, password="Not-The-Password-1")
    assert world.count("signatures") == 0
    assert _entries(world)[-1].action is AuditAction.LOGIN_FAILED


def test_only_an_investigator_may_sign(world: TrialWorld) -> None:
    visit_id = _visit(world)
    # The coordinator sees the record, so the refusal names what they may not do.
    with pytest.raises(PermissionDeniedError, match=r"^You may not sign records for subject"):
        review.sign_record(
            world.store.new_uow(), as_user=world.coordinator, entity="visits",
            record_id=visit_id, password=PASSWORD, meaning="approve",
        )  # fmt: skip


def test_editing_a_signed_record_invalidates_the_signature_and_audits_it(
    world: TrialWorld,
) -> None:
    visit_id = _visit(world)
    signature = _sign(world, visit_id)
    assert review.check_signature(
        world.store.new_uow(), as_user=world.investigator, signature_id=signature.id
    ).is_valid
    _correct(world, visit_id, "wrong date")
    assert not review.check_signature(
        world.store.new_uow(), as_user=world.investigator, signature_id=signature.id
    ).is_valid
    last = _entries(world)[-1]
    assert (last.action, last.entity, last.entity_id) == (
        AuditAction.SIGNATURE_INVALIDATED, "signatures", str(signature.id),
    )  # fmt: skip


def test_a_locked_record_refuses_edits_until_unlocked_with_a_reason(world: TrialWorld) -> None:
    visit_id = _visit(world)
    manager = world.user(Role.DATA_MANAGER)
    lock_moves.lock_record(
        world.store.new_uow(), as_user=manager, entity="visits", record_id=visit_id
    )
    with pytest.raises(StateError, match="locked"):
        _correct(world, visit_id, "late correction")
    with pytest.raises(InputError, match="reason"):
        lock_moves.unlock_record(
            world.store, as_user=manager, entity="visits", record_id=visit_id, reason=None
        )
    lock_moves.unlock_record(
        world.store, as_user=manager, entity="visits", record_id=visit_id,
        reason="query 12 needs a correction",
    )  # fmt: skip
    _correct(world, visit_id, "late correction")
    actions = [e.action for e in _entries(world)]
    assert actions.index(AuditAction.LOCK) < actions.index(AuditAction.UNLOCK)


def test_a_subject_lock_covers_all_its_records(world: TrialWorld) -> None:
    visit_id = _visit(world)
    lock_moves.lock_record(
        world.store.new_uow(), as_user=world.user(Role.DATA_MANAGER), entity="subjects",
        record_id=world.subject_id,
    )  # fmt: skip
    with pytest.raises(StateError, match="locked"):
        _correct(world, visit_id, "late correction")


def test_a_query_thread_moves_from_open_to_answered_to_closed(world: TrialWorld) -> None:
    visit_id = _visit(world)
    monitor = world.user(Role.MONITOR)
    query_id = review.raise_query(
        world.store.new_uow(), as_user=monitor, entity="visits", record_id=visit_id,
        field="visit_date", message="Date differs from the source document",
    )  # fmt: skip
    status = review.reply_to_query(
        world.store.new_uow(), as_user=world.coordinator, query_id=query_id,
        message="Corrected",
    )  # fmt: skip
    assert status is review.QueryStatus.ANSWERED
    review.close_query(world.store.new_uow(), as_user=monitor, query_id=query_id, message="OK")
    with pytest.raises(StateError, match="closed"):
        review.reply_to_query(
            world.store.new_uow(), as_user=world.coordinator, query_id=query_id, message="More"
        )
    assert world.count("query_messages") == 3
    assert verify_audit_trail(world.store.new_uow()).intact


def test_a_monitor_of_another_site_cannot_query_the_record(world: TrialWorld) -> None:
    visit_id = _visit(world)
    with pytest.raises(NotFoundError, match=f"visits {visit_id} not found"):
        review.raise_query(
            world.store.new_uow(), as_user=world.user(Role.MONITOR, SITE_B), entity="visits",
            record_id=visit_id, field=None, message="?",
        )  # fmt: skip


def test_a_per_subject_export_holds_exactly_that_subjects_history(world: TrialWorld) -> None:
    visit_id = _visit(world)
    other = subjects.register_subject(
        world.store.new_uow(), as_user=world.coordinator, site_code="BJ01",
        screening_number="SCR-002",
    )  # fmt: skip
    exported = export_audit_trail(world.store.new_uow(), subject="SCR-001", as_user=None)
    assert [(e.action, e.entity, e.entity_id) for e in exported] == [
        (AuditAction.INSERT, "subjects", str(world.subject_id)),
        (AuditAction.INSERT, "visits", str(visit_id)),
    ]
    assert all(e.subject_id != other.id for e in exported)
    monitor_b = world.user(Role.MONITOR, SITE_B)
    with pytest.raises(NotFoundError, match="'SCR-001' not found"):
        export_audit_trail(world.store.new_uow(), subject="SCR-001", as_user=monitor_b)
    monitor_a = world.user(Role.MONITOR)
    assert len(export_audit_trail(world.store.new_uow(), subject="SCR-001", as_user=monitor_a)) == 3


def test_a_locked_subject_takes_no_new_data_but_still_takes_queries(world: TrialWorld) -> None:
    visit_id = _visit(world)
    lock_moves.lock_record(
        world.store.new_uow(), as_user=world.user(Role.DATA_MANAGER), entity="subjects",
        record_id=world.subject_id,
    )  # fmt: skip
    with pytest.raises(
        StateError, match="Locked: subject SCR-001 was locked by Dr Datamanagerbj01"
    ):
        _visit(world)
    review.raise_query(
        world.store.new_uow(), as_user=world.user(Role.MONITOR), entity="visits",
        record_id=visit_id, field=None, message="Please confirm",
    )  # fmt: skip
    assert (world.count("visits"), world.count("queries")) == (1, 1)

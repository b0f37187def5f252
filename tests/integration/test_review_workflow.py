"""Source data verification, locks at every level and casebook sign-off, at the service level."""

from __future__ import annotations

import datetime as dt

import pytest

from trial_world import PASSWORD, SITE_A, SITE_B, TODAY, TrialWorld, build_world
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
from trialdesk.services.accounts import accounts
from trialdesk.services.clinical import clinical, corrections
from trialdesk.services.clinical.recording import ChangeSet
from trialdesk.services.review import casebook_signoff, locks, source_verification
from trialdesk.services.review.lock_lookup import LockedError
from trialdesk.services.subjects import subjects

AWARE = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)


@pytest.fixture
def world(store: Store) -> TrialWorld:
    """The shared world plus a study-wide data manager (who alone may freeze the study)."""
    built = build_world(store)
    manager = accounts.create_user(
        store.new_uow(), username="datamanagerall", full_name="Dr Datamanagerall",
        password=PASSWORD, role=Role.DATA_MANAGER.value, site_code=None, as_user=None,
        one_time_password=False,
    )  # fmt: skip
    built.users[(Role.DATA_MANAGER, None)] = manager.id
    return built


def _visit(world: TrialWorld, code: str = "D1") -> int:
    return clinical.record_visit(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        visit_code=code, visit_date=TODAY - dt.timedelta(days=2),
    )  # fmt: skip


def _correct(world: TrialWorld, visit_id: int, reason: str = "transcription error") -> ChangeSet:
    return corrections.correct_record(
        world.store.new_uow(), as_user=world.coordinator, entity="visits", record_id=visit_id,
        changes={"visit_date": TODAY}, reason=reason, protocol=world.protocol,
    )  # fmt: skip


def _entries(world: TrialWorld) -> list[AuditEntry]:
    with world.store.new_uow() as uow:
        return list(uow.audit.entries())


def _verify(world: TrialWorld, visit_id: int, field: str | None = None) -> int:
    return source_verification.mark_verified(
        world.store.new_uow(), as_user=world.user(Role.MONITOR), table="visits",
        record_id=visit_id, field=field,
    )  # fmt: skip


def _lock(world: TrialWorld, level: str, target: int = 0, collection: str | None = None) -> int:
    return locks.lock(
        world.store.new_uow(), as_user=world.user(Role.DATA_MANAGER, None), level=level,
        target_id=target, collection=collection, reason="database freeze",
    )  # fmt: skip


def _randomized(world: TrialWorld) -> None:
    """Shortcut past randomization: sign-off only reads the subject's state."""
    with world.store.new_uow() as uow:
        uow.records.update("subjects", world.subject_id, {"state": "randomized"})
        uow.commit()


# --- source data verification -------------------------------------------------------------


def test_a_verified_form_is_reset_by_a_correction_which_says_so(world: TrialWorld) -> None:
    visit_id = _visit(world)
    _verify(world, visit_id)
    diff = _correct(world, visit_id, "wrong date")
    assert diff.sdv_reset == (None,)
    marks = source_verification.marks_of_subject(
        world.store.new_uow(), as_user=world.user(Role.MONITOR), subject_id=world.subject_id
    )
    assert [(m.field, m.reset_reason) for m in marks] == [(None, "corrected: wrong date")]
    assert marks[0].reset_at is not None
    actions = [(e.action, e.entity, e.reason) for e in _entries(world)]
    assert (AuditAction.SDV_VERIFIED, "visits", None) in actions
    assert (AuditAction.SDV_RESET, "visits", "corrected: wrong date") in actions


def test_a_field_mark_is_reset_only_when_that_field_changes(world: TrialWorld) -> None:
    visit_id = _visit(world)
    _verify(world, visit_id, "visit_code")
    _verify(world, visit_id, "visit_date")
    diff = _correct(world, visit_id)
    assert diff.sdv_reset == ("visit_date",)
    marks = source_verification.marks_of_subject(
        world.store.new_uow(), as_user=world.user(Role.MONITOR), subject_id=world.subject_id
    )
    assert {m.field: m.reset_at is None for m in marks} == {"visit_code": True, "visit_date": False}


def test_only_the_sites_monitor_verifies_an_existing_field(world: TrialWorld) -> None:
    visit_id = _visit(world)
    with pytest.raises(NotFoundError):
        source_verification.mark_verified(
            world.store.new_uow(), as_user=world.user(Role.MONITOR, SITE_B), table="visits",
            record_id=visit_id,
        )  # fmt: skip
    with pytest.raises(PermissionDeniedError):
        source_verification.mark_verified(
            world.store.new_uow(), as_user=world.user(Role.DATA_MANAGER), table="visits",
            record_id=visit_id,
        )  # fmt: skip
    with pytest.raises(InputError, match="no field"):
        _verify(world, visit_id, "not_a_field")
    _verify(world, visit_id)
    with pytest.raises(StateError, match="already verified"):
        _verify(world, visit_id)


def test_unverifying_needs_a_reason(world: TrialWorld) -> None:
    visit_id = _visit(world)
    _verify(world, visit_id)
    monitor = world.user(Role.MONITOR)
    with pytest.raises(InputError, match="reason"):
        source_verification.unverify(
            world.store.new_uow(), as_user=monitor, table="visits", record_id=visit_id,
            reason=" ",
        )  # fmt: skip
    source_verification.unverify(
        world.store.new_uow(), as_user=monitor, table="visits", record_id=visit_id,
        reason="verified against the wrong chart",
    )  # fmt: skip
    _verify(world, visit_id)  # may be verified again


def test_a_monitor_may_verify_locked_data(world: TrialWorld) -> None:
    visit_id = _visit(world)
    _lock(world, "study")
    assert _verify(world, visit_id) > 0


def test_the_worklist_and_progress_follow_the_plan(world: TrialWorld) -> None:
    monitor = world.user(Role.MONITOR)
    event = clinical.report_adverse_event(
        world.store.new_uow(), as_user=world.investigator, subject_id=world.subject_id,
        term="Sepsis", ctcae_grade=3, onset_on=TODAY - dt.timedelta(days=1), aware_at=AWARE,
        outcome="recovering", seriousness=frozenset({"hospitalization"}),
    )  # fmt: skip
    items, total = source_verification.worklist(
        world.store.new_uow(), as_user=monitor, protocol=world.protocol
    )
    listed = {(i.entity, i.record_id) for i in items}
    assert ("adverse_events", event) in listed
    assert total == len(items)
    assert all(i.site_code == SITE_A for i in items)
    before = source_verification.progress_by_site(
        world.store.new_uow(), as_user=monitor, protocol=world.protocol
    )
    source_verification.mark_verified(
        world.store.new_uow(), as_user=monitor, table="adverse_events", record_id=event
    )
    after = source_verification.progress_by_site(
        world.store.new_uow(), as_user=monitor, protocol=world.protocol
    )
    assert set(after) == {SITE_A}  # the monitor of BJ01 sees only BJ01
    assert after[SITE_A].required == before[SITE_A].required == total
    assert after[SITE_A].verified == before[SITE_A].verified + 1
    page, _ = source_verification.worklist(
        world.store.new_uow(), as_user=monitor, protocol=world.protocol, limit=1
    )
    assert len(page) == min(1, total - 1)
    with pytest.raises(PermissionDeniedError):
        source_verification.worklist(
            world.store.new_uow(), as_user=world.coordinator, protocol=world.protocol
        )


# --- locks ------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", ["form", "subject", "site", "study"])
def test_every_lock_level_refuses_corrections_with_who_and_when(
    world: TrialWorld, level: str
) -> None:
    visit_id = _visit(world)
    with world.store.new_uow() as uow:
        site_id = uow.records.find("sites", code=SITE_A)[0]["id"]
    target = {"form": visit_id, "subject": world.subject_id, "site": site_id, "study": 0}[level]
    lock_id = _lock(world, level, target, "visits" if level == "form" else None)
    with pytest.raises(LockedError) as refused:
        _correct(world, visit_id)
    message = str(refused.value)
    assert message.startswith("Locked: ")
    assert "was locked by Dr Datamanagerall on " in message
    assert "a data manager must unlock it with a reason" in message
    assert refused.value.lock.level == level
    locks.unlock(world.store.new_uow(), as_user=world.user(Role.DATA_MANAGER, None),
                 lock_id=lock_id, reason="query answered")  # fmt: skip
    _correct(world, visit_id)


@pytest.mark.parametrize("level", ["subject", "site", "study"])
def test_a_lock_refuses_new_entries_under_it(world: TrialWorld, level: str) -> None:
    with world.store.new_uow() as uow:
        site_id = uow.records.find("sites", code=SITE_A)[0]["id"]
    _lock(world, level, {"subject": world.subject_id, "site": site_id, "study": 0}[level])
    with pytest.raises(LockedError, match="Locked: "):
        _visit(world)
    if level != "subject":
        with pytest.raises(LockedError):
            subjects.register_subject(
                world.store.new_uow(), as_user=world.coordinator, site_code=SITE_A,
                screening_number="SCR-009",
            )  # fmt: skip


def test_a_site_lock_leaves_the_other_site_open(world: TrialWorld) -> None:
    with world.store.new_uow() as uow:
        site_id = uow.records.find("sites", code=SITE_A)[0]["id"]
    _lock(world, "site", site_id)
    subjects.register_subject(
        world.store.new_uow(), as_user=world.user(Role.SITE_COORDINATOR, SITE_B),
        site_code=SITE_B, screening_number="SCR-010",
    )  # fmt: skip


def test_unlock_needs_a_reason_and_both_are_audited(world: TrialWorld) -> None:
    lock_id = _lock(world, "study")
    manager = world.user(Role.DATA_MANAGER, None)
    with pytest.raises(InputError, match="reason"):
        locks.unlock(world.store.new_uow(), as_user=manager, lock_id=lock_id, reason=None)
    locks.unlock(world.store.new_uow(), as_user=manager, lock_id=lock_id, reason="reopened")
    with pytest.raises(StateError, match="already lifted"):
        locks.unlock(world.store.new_uow(), as_user=manager, lock_id=lock_id, reason="again")
    trail = [(e.action, e.entity, e.reason) for e in _entries(world)]
    assert (AuditAction.LOCK, "study", "database freeze") in trail
    assert (AuditAction.UNLOCK, "study", "reopened") in trail


def test_lock_rights_follow_role_and_site(world: TrialWorld) -> None:
    with world.store.new_uow() as uow:
        site_a = uow.records.find("sites", code=SITE_A)[0]["id"]
    with pytest.raises(PermissionDeniedError):  # a site's data manager cannot freeze the study
        locks.lock(world.store.new_uow(), as_user=world.user(Role.DATA_MANAGER), level="study")
    with pytest.raises(NotFoundError):  # nor lock another site
        locks.lock(
            world.store.new_uow(), as_user=world.user(Role.DATA_MANAGER, SITE_B), level="site",
            target_id=site_a,
        )  # fmt: skip
    with pytest.raises(PermissionDeniedError):
        locks.lock(
            world.store.new_uow(), as_user=world.user(Role.MONITOR), level="subject",
            target_id=world.subject_id,
        )  # fmt: skip
    _lock(world, "site", site_a)
    with pytest.raises(StateError, match="already locked"):
        _lock(world, "site", site_a)
    seen_b = locks.active_locks(
        world.store.new_uow(), as_user=world.user(Role.DATA_MANAGER, SITE_B)
    )
    assert seen_b == []
    seen_a = locks.active_locks(world.store.new_uow(), as_user=world.user(Role.DATA_MANAGER))
    assert [(lock.level, lock.site_id) for lock in seen_a] == [("site", site_a)]


def test_queries_stay_allowed_under_a_study_lock(world: TrialWorld) -> None:
    from trialdesk.services.review import review

    visit_id = _visit(world)
    _lock(world, "study")
    query_id = review.raise_query(
        world.store.new_uow(), as_user=world.user(Role.MONITOR), entity="visits",
        record_id=visit_id, field=None, message="Please confirm",
    )  # fmt: skip
    review.reply_to_query(
        world.store.new_uow(), as_user=world.coordinator, query_id=query_id, message="Confirmed"
    )


# --- casebook sign-off ------------------------------------------------------------------------


def _sign(world: TrialWorld, password: str = PASSWORD) -> casebook_signoff.CasebookSignature:
    return casebook_signoff.sign_casebook(
        world.store.new_uow(), as_user=world.investigator, subject_id=world.subject_id,
        password=password, meaning="I approve the casebook of subject SCR-001",
    )  # fmt: skip


def _awaiting(world: TrialWorld) -> list[int]:
    return [
        w.subject_id
        for w in casebook_signoff.awaiting_signature(
            world.store.new_uow(), as_user=world.investigator
        )
    ]


def test_a_casebook_is_signed_once_randomized_with_the_password(world: TrialWorld) -> None:
    visit_id = _visit(world)
    with pytest.raises(StateError, match="randomized"):
        _sign(world)
    _randomized(world)
    assert _awaiting(world) == [world.subject_id]
    with pytest.raises(AuthenticationError):
        _sign(world, "wrong-password-1")
    signed = _sign(world)
    assert (signed.printed_name, signed.is_valid) == ("Dr Investigatorbj01", True)
    assert _awaiting(world) == []
    read = casebook_signoff.casebook_signature(
        world.store.new_uow(), as_user=world.user(Role.MONITOR), subject_id=world.subject_id
    )
    assert read is not None
    assert read.is_valid
    with pytest.raises(PermissionDeniedError):
        casebook_signoff.sign_casebook(
            world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
            password=PASSWORD, meaning="x",
        )  # fmt: skip
    del visit_id


def _assert_invalidated(world: TrialWorld) -> None:
    read = casebook_signoff.casebook_signature(
        world.store.new_uow(), as_user=world.investigator, subject_id=world.subject_id
    )
    assert read is not None
    assert not read.is_valid
    assert read.invalidated_at is not None
    assert _awaiting(world) == [world.subject_id]
    assert any(
        e.action is AuditAction.SIGNATURE_INVALIDATED and "casebook" in (e.reason or "")
        for e in _entries(world)
    )


def test_a_correction_invalidates_the_casebook_signature(world: TrialWorld) -> None:
    visit_id = _visit(world)
    _randomized(world)
    _sign(world)
    _correct(world, visit_id)
    _assert_invalidated(world)


def test_a_new_adverse_event_invalidates_the_casebook_signature(world: TrialWorld) -> None:
    _randomized(world)
    _sign(world)
    clinical.report_adverse_event(
        world.store.new_uow(), as_user=world.investigator, subject_id=world.subject_id,
        term="Rash", ctcae_grade=1, onset_on=TODAY - dt.timedelta(days=1), aware_at=AWARE,
        outcome="recovering",
    )  # fmt: skip
    _assert_invalidated(world)


def test_a_deletion_invalidates_the_casebook_signature(world: TrialWorld) -> None:
    visit_id = _visit(world)
    _randomized(world)
    _sign(world)
    corrections.delete_record(
        world.store.new_uow(), as_user=world.coordinator, entity="visits", record_id=visit_id,
        reason="entered in error",
    )  # fmt: skip
    _assert_invalidated(world)

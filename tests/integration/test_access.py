"""Site- and role-scoped access, enforced in the service layer for every role."""

from __future__ import annotations

import pytest

from trial_world import SITE_A, SITE_B, SITE_SCOPED, TODAY, TrialWorld, build_world
from trialdesk.bootstrap import Store
from trialdesk.domain.access import PERMISSIONS, Action, Role
from trialdesk.domain.errors import NotFoundError, PermissionDeniedError
from trialdesk.services.accounts import accounts
from trialdesk.services.clinical import clinical
from trialdesk.services.subjects import subjects


@pytest.fixture
def world(store: Store) -> TrialWorld:
    return build_world(store)


def _refusal_for_missing_subject(world: TrialWorld, user: int) -> str:
    with pytest.raises(NotFoundError) as missing:
        subjects.get_subject(world.store.new_uow(), as_user=user, subject_id=world.subject_id + 99)
    return missing.value.message.replace(str(world.subject_id + 99), "<id>")


@pytest.mark.parametrize("role", list(Role))
def test_another_sites_subject_looks_exactly_like_a_missing_one_for_every_role(
    world: TrialWorld, role: Role
) -> None:
    user = world.user(role, SITE_B)  # site B staff; study-wide roles hold no subject access
    if role not in SITE_SCOPED and Action.VIEW_SUBJECT in PERMISSIONS[role]:
        pytest.fail(f"{role} is study-wide yet may view subjects: the matrix changed")
    expected = _refusal_for_missing_subject(world, user)
    with pytest.raises(NotFoundError) as read:
        subjects.get_subject(world.store.new_uow(), as_user=user, subject_id=world.subject_id)
    with pytest.raises(NotFoundError) as write:
        clinical.record_visit(
            world.store.new_uow(), as_user=user, subject_id=world.subject_id,
            visit_code="D1", visit_date=TODAY,
        )  # fmt: skip
    for refusal in (read.value, write.value):
        assert refusal.message.replace(str(world.subject_id), "<id>") == expected
    assert subjects.list_subjects(world.store.new_uow(), as_user=user) == []
    assert world.count("visits") == 0


@pytest.mark.parametrize("role", SITE_SCOPED)
def test_own_site_staff_see_the_subject(world: TrialWorld, role: Role) -> None:
    listed = subjects.list_subjects(world.store.new_uow(), as_user=world.user(role, SITE_A))
    assert [s.id for s in listed] == [world.subject_id]


@pytest.mark.parametrize("role", [Role.MONITOR, Role.DATA_MANAGER])
def test_reviewers_at_the_site_may_not_enter_data(world: TrialWorld, role: Role) -> None:
    # They see the subject, so the refusal says what they may not do rather than "not found".
    with pytest.raises(PermissionDeniedError, match=r"^You may not enter clinical data for subj"):
        clinical.record_visit(
            world.store.new_uow(), as_user=world.user(role, SITE_A),
            subject_id=world.subject_id, visit_code="D1", visit_date=TODAY,
        )  # fmt: skip


@pytest.mark.parametrize("role", [Role.SITE_COORDINATOR, Role.INVESTIGATOR])
def test_site_staff_may_enter_data_for_their_own_subjects(world: TrialWorld, role: Role) -> None:
    clinical.record_visit(
        world.store.new_uow(), as_user=world.user(role, SITE_A), subject_id=world.subject_id,
        visit_code="D1", visit_date=TODAY,
    )  # fmt: skip
    assert world.count("visits") == 1


def test_a_monitor_of_two_sites_lists_both_sites_subjects_each_with_its_own_site_code(
    world: TrialWorld,
) -> None:
    subjects.register_subject(
        world.store.new_uow(), as_user=world.user(Role.SITE_COORDINATOR, SITE_B),
        site_code=SITE_B, screening_number="SCR-B01",
    )  # fmt: skip
    monitor = world.user(Role.MONITOR, SITE_A)
    with world.store.new_read_uow() as uow:
        row = uow.records.get("users", monitor)
    assert row is not None
    accounts.grant_role(
        world.store.new_uow(), username=row["username"], role=Role.MONITOR.value,
        site_code=SITE_B, as_user=None,
    )  # fmt: skip
    listed = subjects.list_subjects(world.store.new_uow(), as_user=monitor)
    assert [(s.screening_number, s.site_code) for s in listed] == [
        ("SCR-001", SITE_A), ("SCR-B01", SITE_B),
    ]  # fmt: skip

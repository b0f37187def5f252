"""The record repository on both engines: reads by equality (NULL included), column checks, grants.

Its statements are built once per table and shape and run with parameters, so these tests pin
what the parameters must still mean: ``None`` asks for NULL, a misspelled column is an error
(parameters that name no column would otherwise be dropped without a word), and an update
changes exactly the columns it names.
"""

from __future__ import annotations

import pytest

from trial_world import SITE_A, SITE_B, TrialWorld, build_world
from trialdesk.bootstrap import Store
from trialdesk.domain.access import Role
from trialdesk.services.accounts import accounts
from trialdesk.services.subjects import subjects


@pytest.fixture
def world(store: Store) -> TrialWorld:
    return build_world(store)


def test_none_finds_the_rows_where_the_column_is_null(world: TrialWorld) -> None:
    subjects.register_subject(
        world.store.new_uow(), as_user=world.coordinator, site_code=SITE_A, screening_number="S2"
    )
    with world.store.new_read_uow() as uow:
        site_a = uow.records.find("sites", code=SITE_A)[0]["id"]
        without_code = uow.records.find("subjects", subject_code=None, site_id=site_a)
        numbers = [row["screening_number"] for row in without_code]
        # The same shape asked again with a value is a different statement, not a NULL test.
        assert uow.records.find("subjects", subject_code="NOPE", site_id=site_a) == []
    assert numbers == ["SCR-001", "S2"]


def test_find_and_get_answer_rows_by_equality_in_id_order(world: TrialWorld) -> None:
    with world.store.new_read_uow() as uow:
        codes = [row["code"] for row in uow.records.find("sites")]
        site = uow.records.find("sites", code=SITE_B)[0]
        assert uow.records.get("sites", site["id"]) == site
        assert uow.records.get("sites", 10_000) is None
    assert codes == [SITE_A, SITE_B]


def test_a_column_the_table_does_not_have_is_refused_by_name(world: TrialWorld) -> None:
    uow = world.store.new_uow()
    with uow:
        with pytest.raises(LookupError, match=r"sites.*'cod'"):
            uow.records.find("sites", cod=SITE_A)
        with pytest.raises(LookupError, match=r"sites.*\['nme'\]"):
            uow.records.add("sites", {"code": "XX01", "nme": "typo"})
        site_id = uow.records.find("sites", code=SITE_A)[0]["id"]
        with pytest.raises(LookupError, match=r"sites.*\['nme'\]"):
            uow.records.update("sites", site_id, {"nme": "typo"})
        assert [row["code"] for row in uow.records.find("sites")] == [SITE_A, SITE_B]


def test_an_update_changes_only_the_columns_it_names_of_the_one_row(world: TrialWorld) -> None:
    uow = world.store.new_uow()
    with uow:
        a, b = uow.records.find("sites")
        uow.records.update("sites", a["id"], {"name": "Renamed"})
        after_a = uow.records.get("sites", a["id"])
        after_b = uow.records.get("sites", b["id"])
    assert after_a == {**a, "name": "Renamed"}
    assert after_b == b


def test_a_users_grants_come_with_their_site_codes_and_none_for_study_wide_roles(
    world: TrialWorld,
) -> None:
    coordinator = world.coordinator
    with world.store.new_read_uow() as uow:
        user_row = uow.records.get("users", coordinator)
    assert user_row is not None
    accounts.grant_role(
        world.store.new_uow(), username=user_row["username"], role=Role.MONITOR.value,
        site_code=SITE_B, as_user=None,
    )  # fmt: skip
    with world.store.new_read_uow() as uow:
        found = uow.records.get_user_with_grants(coordinator)
        statistician = uow.records.get_user_with_grants(world.user(Role.STATISTICIAN))
        missing = uow.records.get_user_with_grants(10_000)
    assert found is not None
    assert statistician is not None
    assert missing is None
    user, held = found
    assert user == user_row
    assert [(g["role"], g["site_code"]) for g in held] == [
        (Role.SITE_COORDINATOR.value, SITE_A), (Role.MONITOR.value, SITE_B),
    ]  # fmt: skip
    assert [(g["role"], g["site_id"], g["site_code"]) for g in statistician[1]] == [
        (Role.STATISTICIAN.value, None, None)
    ]

"""The first start of a new database: demo sites and one administrator, exactly once."""

from __future__ import annotations

from trialdesk.bootstrap import Store
from trialdesk.domain.access import Role
from trialdesk.services.accounts import accounts
from trialdesk.services.trial.first_run import DEMO_SITES, generate_password, initialise_demo


def test_the_first_start_creates_demo_sites_and_an_administrator_who_can_log_in(
    store: Store,
) -> None:
    first = initialise_demo(store.new_uow)
    assert first is not None
    assert [s.code for s in accounts.list_sites(store.new_uow())] == [c for c, _ in DEMO_SITES]
    (admin,) = accounts.list_users(store.new_uow())
    assert admin.roles == (accounts.RoleGrant(Role.SPONSOR_ADMIN, None),)
    session = accounts.login(store.new_uow(), username=first.username, password=first.password)
    assert session.user_id == admin.id


def test_a_later_start_creates_nothing_and_prints_no_password(store: Store) -> None:
    assert initialise_demo(store.new_uow) is not None
    assert initialise_demo(store.new_uow) is None
    assert len(accounts.list_users(store.new_uow())) == 1
    assert len(accounts.list_sites(store.new_uow())) == len(DEMO_SITES)


def test_generated_passwords_meet_the_policy_and_differ() -> None:
    passwords = {generate_password() for _ in range(20)}
    assert len(passwords) == 20
    assert all(not accounts.PASSWORD_POLICY.problems(p, username="admin") for p in passwords)

"""Sites, accounts, roles, login, lockout and sessions, on both engines."""

from __future__ import annotations

import pytest

from db_fixtures import SettableClock
from trialdesk.bootstrap import Store
from trialdesk.domain.access import Role
from trialdesk.domain.audit import AuditAction
from trialdesk.domain.errors import (
    AuthenticationError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
)
from trialdesk.services.accounts import account_lifecycle, accounts

PASSWORD = "Correct-Horse-42"


def _actions(store: Store) -> list[AuditAction]:
    with store.new_uow() as uow:
        return [entry.action for entry in uow.audit.entries()]


def _setup(store: Store) -> None:
    accounts.create_site(store.new_uow(), code="BJ01", name="Beijing", as_user=None)
    accounts.create_user(
        store.new_uow(), username="alice", full_name="Alice Wang", password=PASSWORD,
        role="investigator", site_code="BJ01", as_user=None, one_time_password=False,
    )  # fmt: skip


def test_creating_a_site_and_a_user_writes_their_audit_entries(store: Store) -> None:
    _setup(store)
    users = accounts.list_users(store.new_uow())
    assert [(u.username, u.roles) for u in users] == [
        ("alice", (accounts.RoleGrant(Role.INVESTIGATOR, "BJ01"),))
    ]
    assert _actions(store) == [
        AuditAction.INSERT,
        AuditAction.ACCOUNT_CREATED,
        AuditAction.ROLE_GRANTED,
    ]


def test_the_password_is_stored_only_as_an_argon2_hash(store: Store) -> None:
    _setup(store)
    with store.new_uow() as uow:
        stored = uow.records.find("users", username="alice")[0]["password_hash"]
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_a_weak_password_is_refused_naming_the_field(store: Store) -> None:
    accounts.create_site(store.new_uow(), code="BJ01", name="Beijing", as_user=None)
    with pytest.raises(InputError) as caught:
        accounts.create_user(
            store.new_uow(), username="bob", full_name="Bob", password="short",
            role="monitor", site_code="BJ01", as_user=None, one_time_password=False,
        )  # fmt: skip
    assert {e.field for e in caught.value.errors} == {"password"}
    assert accounts.list_users(store.new_uow()) == []


def test_a_username_is_never_reused(store: Store) -> None:
    _setup(store)
    with pytest.raises(InputError, match="username"):
        accounts.create_user(
            store.new_uow(), username="alice", full_name="Another Alice", password=PASSWORD,
            role="monitor", site_code="BJ01", as_user=None, one_time_password=False,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("role", "site", "field"),
    [("investigator", None, "site"), ("statistician", "BJ01", "site"), ("nurse", None, "role")],
)
def test_role_and_site_must_fit_together(
    store: Store, role: str, site: str | None, field: str
) -> None:
    accounts.create_site(store.new_uow(), code="BJ01", name="Beijing", as_user=None)
    with pytest.raises(InputError) as caught:
        accounts.create_user(
            store.new_uow(), username="bob", full_name="Bob", password=PASSWORD,
            role=role, site_code=site, as_user=None, one_time_password=False,
        )  # fmt: skip
    assert caught.value.errors[0].field == field


def test_only_a_sponsor_admin_may_manage_accounts(store: Store) -> None:
    _setup(store)
    alice = accounts.list_users(store.new_uow())[0].id
    with pytest.raises(PermissionDeniedError):
        accounts.create_site(store.new_uow(), code="SH01", name="Shanghai", as_user=alice)
    accounts.create_user(
        store.new_uow(), username="admin", full_name="Ada Admin", password=PASSWORD,
        role="sponsor_admin", site_code=None, as_user=None, one_time_password=False,
    )  # fmt: skip
    admin = accounts.list_users(store.new_uow())[1].id
    site = accounts.create_site(store.new_uow(), code="SH01", name="Shanghai", as_user=admin)
    assert site.code == "SH01"


def test_granting_and_revoking_a_role_is_audited(store: Store) -> None:
    _setup(store)
    accounts.grant_role(
        store.new_uow(), username="alice", role="monitor", site_code="BJ01", as_user=None
    )
    user = account_lifecycle.revoke_role(
        store.new_uow(), username="alice", role="investigator", site_code="BJ01",
        reason="moved to monitoring", as_user=None,
    )  # fmt: skip
    assert user.roles == (accounts.RoleGrant(Role.MONITOR, "BJ01"),)
    assert _actions(store)[-2:] == [AuditAction.ROLE_GRANTED, AuditAction.ROLE_REVOKED]


def test_login_and_logout_are_audited_and_end_the_session(store: Store) -> None:
    _setup(store)
    session = accounts.login(store.new_uow(), username="alice", password=PASSWORD)
    assert accounts.validate_session(store.new_uow(), token=session.token).user_id == (
        session.user_id
    )
    accounts.logout(store.new_uow(), token=session.token)
    with pytest.raises(AuthenticationError, match="not logged in"):
        accounts.validate_session(store.new_uow(), token=session.token)
    assert _actions(store)[-2:] == [AuditAction.LOGIN, AuditAction.LOGOUT]


def test_a_failed_login_is_audited_with_the_same_message_for_unknown_users(store: Store) -> None:
    _setup(store)
    with pytest.raises(AuthenticationError) as wrong_password:
        accounts.login(store.new_uow(), username="alice", password="Wrong-Horse-42")
    with pytest.raises(AuthenticationError) as unknown_user:
        accounts.login(store.new_uow(), username="mallory", password=PASSWORD)
    assert wrong_password.value.message == unknown_user.value.message
    assert _actions(store)[-2:] == [AuditAction.LOGIN_FAILED, AuditAction.LOGIN_FAILED]


def test_five_failures_lock_the_account_even_for_the_right_password(
    store: Store, clock: SettableClock
) -> None:
    _setup(store)
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            accounts.login(store.new_uow(), username="alice", password="Wrong-Horse-42")
    with pytest.raises(AuthenticationError, match="locked"):
        accounts.login(store.new_uow(), username="alice", password=PASSWORD)
    clock.advance(minutes=31)
    assert accounts.login(store.new_uow(), username="alice", password=PASSWORD).user_id


def test_a_session_expires_after_thirty_idle_minutes(store: Store, clock: SettableClock) -> None:
    _setup(store)
    session = accounts.login(store.new_uow(), username="alice", password=PASSWORD)
    clock.advance(minutes=29)
    accounts.validate_session(store.new_uow(), token=session.token)
    clock.advance(minutes=29)  # still alive: the previous use reset the idle timer
    accounts.validate_session(store.new_uow(), token=session.token)
    clock.advance(minutes=31)
    with pytest.raises(AuthenticationError, match="expired"):
        accounts.validate_session(store.new_uow(), token=session.token)


def test_a_deactivated_account_cannot_log_in(store: Store) -> None:
    _setup(store)
    with pytest.raises(InputError, match="reason"):
        account_lifecycle.deactivate_user(
            store.new_uow(), username="alice", reason=" ", as_user=None
        )
    account_lifecycle.deactivate_user(
        store.new_uow(), username="alice", reason="left", as_user=None
    )
    with pytest.raises(AuthenticationError):
        accounts.login(store.new_uow(), username="alice", password=PASSWORD)


def test_granting_at_an_unknown_site_is_not_found(store: Store) -> None:
    _setup(store)
    with pytest.raises(NotFoundError, match="XX99"):
        accounts.grant_role(
            store.new_uow(), username="alice", role="monitor", site_code="XX99", as_user=None
        )


def test_deactivation_and_lockout_are_audited_as_account_changes(store: Store) -> None:
    _setup(store)
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            accounts.login(store.new_uow(), username="alice", password="Wrong-Horse-42")
    account_lifecycle.deactivate_user(
        store.new_uow(), username="alice", reason="left", as_user=None
    )
    with store.new_uow() as uow:
        changes = [e for e in uow.audit.entries() if e.action is AuditAction.ACCOUNT_CHANGED]
    assert [(e.field, e.reason) for e in changes] == [
        ("locked_until", "5 failed sign-in attempts in a row"),
        ("is_active", "left"),
    ]
    assert (changes[1].old_value, changes[1].new_value) == ("true", "false")


def test_a_session_ends_twelve_hours_after_login_however_busy(
    store: Store, clock: SettableClock
) -> None:
    _setup(store)
    session = accounts.login(store.new_uow(), username="alice", password=PASSWORD)
    for _ in range(23):  # used every 29 minutes: never idle long enough to expire
        clock.advance(minutes=29)
        accounts.validate_session(store.new_uow(), token=session.token)
    clock.advance(minutes=29)  # 24 × 29 min = 11 h 36 min
    accounts.validate_session(store.new_uow(), token=session.token)
    clock.advance(minutes=25)  # 12 h 1 min after login
    with pytest.raises(AuthenticationError, match="expired"):
        accounts.validate_session(store.new_uow(), token=session.token)

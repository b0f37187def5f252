"""Password change and reset, deactivation, revocation, separation of duties and two-factor
sign-in, through the services on both engines; every change audited with who, whom and why."""

from __future__ import annotations

import json

import pyotp
import pytest

from db_fixtures import SettableClock, allow_quick_sign_in
from trialdesk.bootstrap import Store
from trialdesk.domain.access import Action, Role
from trialdesk.domain.audit import AuditAction
from trialdesk.domain.errors import (
    AuthenticationError,
    InputError,
    PermissionDeniedError,
    StateError,
)
from trialdesk.services.accounts import account_lifecycle, accounts, api_tokens, sign_in, two_factor
from trialdesk.services.accounts.access import load_actor
from trialdesk.services.accounts.identity import describe_token_holder
from trialdesk.services.accounts.sign_in import SignInStep

PASSWORD = "Correct-Horse-42"
NEW_PASSWORD = "Violet-Anchor-Meadow-7"


def _world(store: Store) -> tuple[int, int]:
    """An administrator and a coordinator, who sign in with a password alone."""
    allow_quick_sign_in(store)
    accounts.create_site(store.new_uow(), code="BJ01", name="Beijing", as_user=None)
    admin = accounts.create_user(
        store.new_uow(), username="admin", full_name="Admin", password=PASSWORD,
        role="sponsor_admin", site_code=None, as_user=None, one_time_password=False,
    )  # fmt: skip
    coordinator = accounts.create_user(
        store.new_uow(), username="alice", full_name="Alice Wang", password=PASSWORD,
        role="site_coordinator", site_code="BJ01", as_user=None, one_time_password=False,
    )  # fmt: skip
    return admin.id, coordinator.id


def _changes(store: Store, field: str) -> list[tuple[str, str | None, str | None]]:
    with store.new_uow() as uow:
        return [
            (e.username, json.loads(e.new_value) if e.new_value else None, e.reason)
            for e in uow.audit.entries()
            if e.action is AuditAction.ACCOUNT_CHANGED and e.field == field
        ]


@pytest.mark.parametrize("weak", ["Password1234", "Welcome2026!", "Aa1!Aa1!Aa1!"])
def test_common_and_guessable_passwords_are_refused_on_creation(store: Store, weak: str) -> None:
    accounts.create_site(store.new_uow(), code="BJ01", name="Beijing", as_user=None)
    with pytest.raises(InputError) as caught:
        accounts.create_user(
            store.new_uow(), username="bob", full_name="Bob", password=weak,
            role="monitor", site_code="BJ01", as_user=None,
        )  # fmt: skip
    assert [e.field for e in caught.value.errors] == ["password"]
    assert accounts.list_users(store.new_uow()) == []


def test_changing_ones_password_needs_the_current_one_and_a_strong_new_one(store: Store) -> None:
    _, alice = _world(store)
    with pytest.raises(InputError) as wrong:
        account_lifecycle.change_password(
            store.new_uow(), as_user=alice, current_password="Not-It-At-All-9",
            new_password=NEW_PASSWORD,
        )  # fmt: skip
    assert [e.field for e in wrong.value.errors] == ["current_password"]
    with pytest.raises(InputError) as weak:
        account_lifecycle.change_password(
            store.new_uow(), as_user=alice, current_password=PASSWORD,
            new_password="Welcome2026!",
        )  # fmt: skip
    assert [e.field for e in weak.value.errors] == ["new_password"]
    assert "common" in weak.value.errors[0].message
    other = sign_in.login(store.new_uow(), username="alice", password=PASSWORD)
    account_lifecycle.change_password(
        store.new_uow(), as_user=alice, current_password=PASSWORD, new_password=NEW_PASSWORD
    )
    with pytest.raises(AuthenticationError):  # the other session ended with the change
        accounts.validate_session(store.new_uow(), token=other.token)
    assert sign_in.login(store.new_uow(), username="alice", password=NEW_PASSWORD).user_id == alice
    assert _changes(store, "password")[-1] == (
        "alice", "changed by its owner", "password changed by its owner"
    )  # fmt: skip


def test_a_reset_issues_a_one_time_password_that_must_be_changed_at_sign_in(
    store: Store,
) -> None:
    admin, alice = _world(store)
    with pytest.raises(InputError, match="reason"):
        account_lifecycle.reset_password(
            store.new_uow(), username="alice", reason=" ", as_user=admin
        )
    reset = account_lifecycle.reset_password(
        store.new_uow(), username="alice", reason="forgot it", as_user=admin
    )
    assert reset.user.must_change_password
    with pytest.raises(AuthenticationError):
        sign_in.login(store.new_uow(), username="alice", password=PASSWORD)
    session = sign_in.login(store.new_uow(), username="alice", password=reset.password)
    assert session.pending_step == SignInStep.CHANGE_PASSWORD
    pending = account_lifecycle.change_password(
        store.new_uow(), as_user=alice, current_password=reset.password,
        new_password=NEW_PASSWORD, session_token=session.token,
    )  # fmt: skip
    assert pending is None
    assert accounts.validate_session(store.new_uow(), token=session.token).pending_step is None
    assert ("admin", "one-time password issued", "forgot it") in _changes(store, "password")


def test_administrators_cannot_reset_or_deactivate_themselves(store: Store) -> None:
    admin, _ = _world(store)
    with pytest.raises(PermissionDeniedError, match="your own account"):
        account_lifecycle.deactivate_user(
            store.new_uow(), username="admin", reason="oops", as_user=admin
        )
    with pytest.raises(PermissionDeniedError, match="your own account"):
        account_lifecycle.reset_password(
            store.new_uow(), username="admin", reason="oops", as_user=admin
        )


def test_a_deactivated_user_cannot_sign_in_and_its_tokens_stop_until_reactivated(
    store: Store,
) -> None:
    admin, alice = _world(store)
    token = api_tokens.create_api_token(store.new_uow(), as_user=alice, name="script").token
    account_lifecycle.deactivate_user(
        store.new_uow(), username="alice", reason="left the team", as_user=admin
    )
    with pytest.raises(AuthenticationError):
        sign_in.login(store.new_uow(), username="alice", password=PASSWORD)
    with pytest.raises(AuthenticationError):
        describe_token_holder(store.new_read_uow(), token=token)
    account_lifecycle.reactivate_user(
        store.new_uow(), username="alice", reason="back on the team", as_user=admin
    )
    assert describe_token_holder(store.new_read_uow(), token=token).user_id == alice
    assert sign_in.login(store.new_uow(), username="alice", password=PASSWORD).user_id == alice
    assert [(w, r) for w, _, r in _changes(store, "is_active")] == [
        ("admin", "left the team"), ("admin", "back on the team")
    ]  # fmt: skip


def test_revoking_a_role_needs_a_reason_and_is_audited(store: Store) -> None:
    admin, _ = _world(store)
    with pytest.raises(InputError, match="reason"):
        account_lifecycle.revoke_role(
            store.new_uow(), username="alice", role="site_coordinator", site_code="BJ01",
            reason="", as_user=admin,
        )  # fmt: skip
    user = account_lifecycle.revoke_role(
        store.new_uow(), username="alice", role="site_coordinator", site_code="BJ01",
        reason="moved to another hospital", as_user=admin,
    )  # fmt: skip
    assert user.roles == ()
    with store.new_uow() as uow:
        (revoked,) = [e for e in uow.audit.entries() if e.action is AuditAction.ROLE_REVOKED]
    assert (revoked.username, revoked.reason) == ("admin", "moved to another hospital")


def test_the_sponsor_administrator_cannot_grant_itself_a_site_clinical_role(store: Store) -> None:
    admin, _ = _world(store)
    with pytest.raises(PermissionDeniedError, match="separation of duties"):
        accounts.grant_role(
            store.new_uow(), username="admin", role="investigator", site_code="BJ01",
            as_user=admin,
        )  # fmt: skip
    with pytest.raises(PermissionDeniedError, match="separation of duties"):
        accounts.grant_role(
            store.new_uow(), username="alice", role="sponsor_admin", site_code=None,
            as_user=admin,
        )  # fmt: skip


def test_an_administrator_holding_an_old_clinical_grant_still_may_not_sign(store: Store) -> None:
    admin, _ = _world(store)
    with store.new_uow() as uow:  # a grant made before the rule existed
        uow.records.add(
            "role_assignments",
            {"user_id": admin, "role": "investigator", "site_id": 1, "is_active": True,
             "created_at": uow.clock.now(), "created_by": None},
        )  # fmt: skip
        uow.commit()
    with store.new_uow() as uow:
        actor = load_actor(uow, admin)
    assert Role.INVESTIGATOR in actor.roles_at(1)
    assert not actor.may(Action.SIGN, 1)
    assert not actor.may(Action.ATTEST_ELIGIBILITY, 1)
    assert actor.may(Action.ENTER_DATA, 1)


def _enrol(store: Store, user_id: int, clock: SettableClock) -> tuple[str, list[str]]:
    enrolment = two_factor.start_enrolment(store.new_uow(), as_user=user_id)
    assert two_factor.start_enrolment(store.new_uow(), as_user=user_id).secret == enrolment.secret
    with pytest.raises(InputError, match="code"):
        two_factor.confirm_enrolment(store.new_uow(), as_user=user_id, code="000000")
    code = pyotp.TOTP(enrolment.secret).at(clock.now())
    codes, _ = two_factor.confirm_enrolment(store.new_uow(), as_user=user_id, code=code)
    return enrolment.secret, codes


def test_two_factor_sign_in_asks_for_a_code_and_refuses_a_replayed_one(
    store: Store, clock: SettableClock
) -> None:
    _, alice = _world(store)
    secret, codes = _enrol(store, alice, clock)
    assert len(set(codes)) == 10
    with store.new_uow() as uow:
        stored = {row["code_hash"] for row in uow.records.find("recovery_codes", user_id=alice)}
    assert not stored & set(codes)  # only hashes are kept
    clock.advance(seconds=60)
    session = sign_in.login(store.new_uow(), username="alice", password=PASSWORD)
    assert session.pending_step == SignInStep.TWO_FACTOR
    with pytest.raises(AuthenticationError):
        sign_in.submit_second_factor(store.new_uow(), token=session.token, code="123456")
    code = pyotp.TOTP(secret).at(clock.now())
    assert sign_in.submit_second_factor(store.new_uow(), token=session.token, code=code) is None
    again = sign_in.login(store.new_uow(), username="alice", password=PASSWORD)
    with pytest.raises(AuthenticationError):  # the same code, within its window
        sign_in.submit_second_factor(store.new_uow(), token=again.token, code=code)
    assert sign_in.submit_second_factor(store.new_uow(), token=again.token, code=codes[0]) is None
    third = sign_in.login(store.new_uow(), username="alice", password=PASSWORD)
    with pytest.raises(AuthenticationError):  # a recovery code works once
        sign_in.submit_second_factor(store.new_uow(), token=third.token, code=codes[0])
    assert two_factor.two_factor_status(store.new_uow(), as_user=alice).recovery_codes_left == 9


def test_an_administrator_resets_two_factor_sign_in_after_a_lost_phone(
    store: Store, clock: SettableClock
) -> None:
    admin, alice = _world(store)
    _enrol(store, alice, clock)
    with pytest.raises(StateError):
        two_factor.start_enrolment(store.new_uow(), as_user=alice)
    account_lifecycle.reset_two_factor(
        store.new_uow(), username="alice", reason="lost phone", as_user=admin
    )
    session = sign_in.login(store.new_uow(), username="alice", password=PASSWORD)
    assert session.pending_step is None  # coordinators are not required to use two factors
    assert not two_factor.two_factor_status(store.new_uow(), as_user=alice).enrolled
    assert ("admin", "reset", "lost phone") in _changes(store, "two_factor")

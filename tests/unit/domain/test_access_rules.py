"""Permission matrix, password policy, lockout and session expiry rules."""

from __future__ import annotations

import datetime as dt

import pytest

from trialdesk.domain.access import (
    PERMISSIONS,
    Action,
    LockoutPolicy,
    PasswordPolicy,
    Role,
    SessionPolicy,
    role_allows,
)

NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def test_every_role_has_a_row_in_the_matrix() -> None:
    assert set(PERMISSIONS) == set(Role)


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        (Role.INVESTIGATOR, Action.SIGN, True),
        (Role.SITE_COORDINATOR, Action.SIGN, False),
        (Role.MONITOR, Action.ENTER_DATA, False),
        (Role.DATA_MANAGER, Action.LOCK, True),
        (Role.MONITOR, Action.VERIFY_SOURCE, True),
        (Role.DATA_MANAGER, Action.VERIFY_SOURCE, False),
        (Role.INVESTIGATOR, Action.VERIFY_SOURCE, False),
        (Role.MONITOR, Action.LOCK, False),
        (Role.STATISTICIAN, Action.VIEW_SUBJECT, False),
        (Role.DSMB_VIEWER, Action.VIEW_SUBJECT, False),
        (Role.SPONSOR_ADMIN, Action.MANAGE_ACCOUNTS, True),
        (Role.SPONSOR_ADMIN, Action.ENTER_DATA, False),
    ],
)
def test_role_allows_reads_the_matrix(role: Role, action: Action, allowed: bool) -> None:
    assert role_allows([role], action) is allowed


def test_no_roles_allow_nothing() -> None:
    assert not any(role_allows([], action) for action in Action)


@pytest.mark.parametrize(
    ("password", "problems"),
    [
        ("Correct-Horse-42", 0),
        ("short-A1", 1),
        ("alllowercaseletters", 1),
        ("alice-Wonder-2026", 1),
        ("abc", 2),
    ],
)
def test_password_policy_counts_each_problem(password: str, problems: int) -> None:
    found = PasswordPolicy().problems(password, username="alice")
    assert len(found) == problems
    assert all(problem.field == "password" for problem in found)


def test_lockout_starts_at_the_fifth_failure() -> None:
    policy = LockoutPolicy()
    assert policy.locked_until(4, NOON) is None
    assert policy.locked_until(5, NOON) == NOON + dt.timedelta(minutes=30)


def test_a_session_ends_at_the_idle_or_absolute_limit_whichever_comes_first() -> None:
    policy = SessionPolicy()
    assert policy.expires_at(started_at=NOON, last_seen_at=NOON) == NOON + dt.timedelta(minutes=30)
    late = NOON + dt.timedelta(hours=11, minutes=50)
    assert policy.expires_at(started_at=NOON, last_seen_at=late) == NOON + dt.timedelta(hours=12)

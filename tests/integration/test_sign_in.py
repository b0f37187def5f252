"""Signing in: the uniform refusal, equal work for unknown users, the lockout under a row lock,
password expiry and the sign-in steps, on both engines (the race on PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from db_fixtures import FAST_PASSWORDS, SettableClock, allow_quick_sign_in
from race_gates import PATIENCE, postgres_only
from trialdesk.bootstrap import Store, build_store
from trialdesk.domain.audit import AuditAction
from trialdesk.domain.errors import AuthenticationError
from trialdesk.services.accounts import accounts, sign_in
from trialdesk.services.accounts.security_settings import update_security_settings
from trialdesk.services.accounts.sign_in import SIGN_IN_FAILED, SignInStep

PASSWORD = "Correct-Horse-42"
WRONG = "Wrong-Horse-42"


class CountingHasher:
    """The fast test hasher, counting which stored hashes a password was checked against."""

    def __init__(self) -> None:
        self.checked: list[str] = []
        self._lock = threading.Lock()

    def hash(self, password: str) -> str:
        return FAST_PASSWORDS.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        with self._lock:
            self.checked.append(password_hash)
        return FAST_PASSWORDS.verify(password_hash, password)


@pytest.fixture
def counted(db_url: str, clock: SettableClock) -> Iterator[tuple[Store, CountingHasher]]:
    hasher = CountingHasher()
    built = build_store(db_url, clock=clock, passwords=hasher)
    accounts.create_site(built.new_uow(), code="BJ01", name="Beijing", as_user=None)
    accounts.create_user(
        built.new_uow(), username="alice", full_name="Alice Wang", password=PASSWORD,
        role="site_coordinator", site_code="BJ01", as_user=None, one_time_password=False,
    )  # fmt: skip
    yield built, hasher
    built.close()


def _user(store: Store) -> dict[str, object]:
    with store.new_uow() as uow:
        return uow.records.find("users", username="alice")[0]


def _failures(store: Store) -> list[str | None]:
    with store.new_uow() as uow:
        return [e.reason for e in uow.audit.entries() if e.action is AuditAction.LOGIN_FAILED]


def test_an_unknown_user_costs_one_password_check_like_a_known_one(
    counted: tuple[Store, CountingHasher],
) -> None:
    store, hasher = counted
    hasher.checked.clear()
    with pytest.raises(AuthenticationError) as unknown:
        sign_in.login(store.new_uow(), username="mallory", password=WRONG)
    unknown_checks = len(hasher.checked)
    hasher.checked.clear()
    with pytest.raises(AuthenticationError) as known:
        sign_in.login(store.new_uow(), username="alice", password=WRONG)
    assert unknown_checks == len(hasher.checked) == 1
    assert unknown.value.message == known.value.message == SIGN_IN_FAILED


def test_a_locked_account_answers_like_a_wrong_password_and_is_not_checked(
    counted: tuple[Store, CountingHasher], clock: SettableClock
) -> None:
    store, hasher = counted
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            sign_in.login(store.new_uow(), username="alice", password=WRONG)
    hasher.checked.clear()
    with pytest.raises(AuthenticationError) as locked:
        sign_in.login(store.new_uow(), username="alice", password=PASSWORD)
    assert locked.value.message == SIGN_IN_FAILED
    assert "until" not in locked.value.message
    # One check, against a throw-away hash: the same work, and nothing learnt about the password.
    assert len(hasher.checked) == 1
    assert hasher.checked[0] != _user(store)["password_hash"]
    assert _failures(store)[-1] == "account locked"
    clock.advance(minutes=31)
    assert sign_in.login(store.new_uow(), username="alice", password=PASSWORD).user_id


@postgres_only
def test_thirty_parallel_wrong_passwords_check_at_most_five_and_count_every_failure(
    counted: tuple[Store, CountingHasher],
) -> None:
    store, hasher = counted
    real_hash = _user(store)["password_hash"]
    hasher.checked.clear()
    start = threading.Barrier(30)
    errors: list[BaseException] = []

    def attempt() -> None:
        start.wait(PATIENCE)
        try:
            sign_in.login(store.new_uow(), username="alice", password=WRONG)
        except AuthenticationError:
            return
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=attempt) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=6 * PATIENCE)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    checked_against_password = sum(1 for h in hasher.checked if h == real_hash)
    wrong = [reason for reason in _failures(store) if reason == "wrong password"]
    user = _user(store)
    assert checked_against_password == 5
    assert user["failed_logins"] == len(wrong) == 5
    assert len(_failures(store)) == 30
    assert user["locked_until"] is not None


def test_a_password_older_than_the_maximum_age_must_be_changed_at_sign_in(
    counted: tuple[Store, CountingHasher], clock: SettableClock
) -> None:
    store, _ = counted
    assert sign_in.login(store.new_uow(), username="alice", password=PASSWORD).pending_step is None
    clock.advance(days=181)
    session = sign_in.login(store.new_uow(), username="alice", password=PASSWORD)
    assert session.pending_step == SignInStep.CHANGE_PASSWORD
    update_security_settings(
        store.new_uow(), as_user=None, reason="no periodic change", password_max_age_days=0
    )
    assert sign_in.login(store.new_uow(), username="alice", password=PASSWORD).pending_step is None


def test_a_role_that_requires_two_factor_sign_in_is_sent_to_enrol(store: Store) -> None:
    accounts.create_site(store.new_uow(), code="BJ01", name="Beijing", as_user=None)
    accounts.create_user(
        store.new_uow(), username="inv", full_name="Dr Inv", password=PASSWORD,
        role="investigator", site_code="BJ01", as_user=None, one_time_password=False,
    )  # fmt: skip
    session = sign_in.login(store.new_uow(), username="inv", password=PASSWORD)
    assert session.pending_step == SignInStep.ENROL_TWO_FACTOR
    allow_quick_sign_in(store)
    assert sign_in.login(store.new_uow(), username="inv", password=PASSWORD).pending_step is None

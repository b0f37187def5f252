"""A session's last activity is written at most once a minute, and idle expiry still holds."""

from __future__ import annotations

import datetime as dt

import pytest

from db_fixtures import SettableClock
from trialdesk.bootstrap import Store
from trialdesk.domain.errors import AuthenticationError
from trialdesk.services.accounts import accounts
from trialdesk.services.accounts.identity import describe_session_holder

PASSWORD = "Correct-Horse-42"


def _login(store: Store) -> accounts.Session:
    accounts.create_site(store.new_uow(), code="BJ01", name="Beijing", as_user=None)
    accounts.create_user(
        store.new_uow(), username="alice", full_name="Alice Wang", password=PASSWORD,
        role="investigator", site_code="BJ01", as_user=None, one_time_password=False,
    )  # fmt: skip
    return accounts.login(store.new_uow(), username="alice", password=PASSWORD)


def _last_seen(store: Store, token: str) -> dt.datetime:
    with store.new_read_uow() as uow:
        checked = accounts.session_holder(uow, token)
    return checked.last_seen_at


def test_using_a_session_within_the_touch_interval_writes_no_activity(
    store: Store, clock: SettableClock
) -> None:
    session = _login(store)
    started = _last_seen(store, session.token)
    clock.advance(seconds=59)
    accounts.validate_session(store.new_uow(), token=session.token)
    assert _last_seen(store, session.token) == started
    clock.advance(seconds=1)
    accounts.validate_session(store.new_uow(), token=session.token)
    assert _last_seen(store, session.token) == started + accounts.SESSION_TOUCH_INTERVAL


def test_the_read_only_check_says_when_the_activity_is_due(
    store: Store, clock: SettableClock
) -> None:
    session = _login(store)
    user, due = describe_session_holder(store.new_read_uow(), token=session.token)
    assert (user.username, due) == ("alice", False)
    clock.advance(minutes=2)
    assert describe_session_holder(store.new_read_uow(), token=session.token)[1] is True


def test_a_session_used_every_few_seconds_stays_alive_past_the_idle_timeout(
    store: Store, clock: SettableClock
) -> None:
    session = _login(store)
    for _ in range(54):  # 45 minutes of use every 50 s, longer than the 30-minute idle limit
        clock.advance(seconds=50)
        accounts.validate_session(store.new_uow(), token=session.token)
    assert accounts.validate_session(store.new_uow(), token=session.token).user_id


def test_an_idle_session_still_expires_after_thirty_minutes_without_use(
    store: Store, clock: SettableClock
) -> None:
    session = _login(store)
    clock.advance(seconds=30)
    accounts.validate_session(store.new_uow(), token=session.token)  # within the interval
    clock.advance(minutes=30)  # 30 min after the last written activity, 29.5 after last use
    with pytest.raises(AuthenticationError, match="expired"):
        describe_session_holder(store.new_read_uow(), token=session.token)
    with pytest.raises(AuthenticationError, match="expired"):
        accounts.validate_session(store.new_uow(), token=session.token)

"""Read-only units of work and the in-process write queue, on both engines where they apply."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy.exc import DBAPIError

from trialdesk.adapters.db.engine import shares_pool
from trialdesk.adapters.db.write_mutex import mutex_for
from trialdesk.bootstrap import Store, build_store
from trialdesk.domain.access import Role
from trialdesk.domain.errors import AuthenticationError
from trialdesk.services.accounts import account_lifecycle, accounts, api_tokens
from trialdesk.services.accounts.identity import describe_session_holder, describe_token_holder

#: The in-process write queue exists for SQLite only (PostgreSQL locks rows, not the database).
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
_SITE = {"code": "SH01", "name": "Shanghai", "created_at": dt.datetime(2026, 3, 2, tzinfo=dt.UTC)}


def test_a_use_case_that_writes_fails_on_a_read_only_unit_of_work_and_saves_nothing(
    store: Store,
) -> None:
    with pytest.raises(DBAPIError, match=r"(?i)read.?only"):
        accounts.create_site(store.new_read_uow(), code="BJ01", name="Beijing", as_user=None)
    assert accounts.list_sites(store.new_read_uow()) == []


def test_a_connection_that_served_a_read_can_write_again(store: Store) -> None:
    assert accounts.list_sites(store.new_read_uow()) == []
    accounts.create_site(store.new_uow(), code="BJ01", name="Beijing", as_user=None)
    assert [site.code for site in accounts.list_sites(store.new_read_uow())] == ["BJ01"]


def test_a_reader_does_not_wait_for_an_open_write_transaction(store: Store) -> None:
    accounts.create_site(store.new_uow(), code="BJ01", name="Beijing", as_user=None)
    writer = store.new_uow()
    with writer:
        writer.records.add("sites", _SITE)
        began = time.monotonic()
        # Same thread: had the reader queued behind the writer, this would never return.
        seen = [site.code for site in accounts.list_sites(store.new_read_uow())]
        assert time.monotonic() - began < 5
        writer.commit()
    assert seen == ["BJ01"]


@sqlite_only
def test_a_second_writer_waits_for_the_first_and_starts_as_soon_as_it_commits(
    store: Store,
) -> None:
    events: list[str] = []
    first = store.new_uow()

    def second_writer() -> None:
        accounts.create_site(store.new_uow(), code="SH01", name="Shanghai", as_user=None)
        events.append("second committed")

    with first:
        first.records.add("sites", {**_SITE, "code": "BJ01", "name": "Beijing"})
        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join(0.3)
        assert thread.is_alive(), "the second writer must wait while the first is open"
        events.append("first committing")
        first.commit()
    thread.join(10)
    assert events == ["first committing", "second committed"]
    assert [site.code for site in accounts.list_sites(store.new_read_uow())] == ["BJ01", "SH01"]


@sqlite_only
@pytest.mark.parametrize("ending", ["commit", "rollback", "error"])
def test_a_write_transaction_gives_the_queue_back_however_it_ends(
    store: Store, ending: str
) -> None:
    mutex = mutex_for(store.engine.url.database)
    uow = store.new_uow()
    with pytest.raises(ZeroDivisionError) if ending == "error" else _no_error(), uow:
        uow.records.add("sites", _SITE)
        assert mutex.held
        if ending == "commit":
            uow.commit()
        elif ending == "rollback":
            uow.rollback()
        else:
            _ = 1 / 0
    assert not mutex.held
    assert mutex.acquire(timeout_s=0)
    mutex.release()


class _no_error:  # noqa: N801  (reads like the pytest.raises it stands in for)
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


def test_an_api_token_is_checked_and_its_holder_described_in_one_read(store: Store) -> None:
    accounts.create_site(store.new_uow(), code="BJ01", name="Beijing", as_user=None)
    user = accounts.create_user(
        store.new_uow(), username="coord", full_name="Coordinator", password="Bench-Pass-2026!",
        role="site_coordinator", site_code="BJ01", as_user=None, one_time_password=False,
    )  # fmt: skip
    created = api_tokens.create_api_token(store.new_uow(), as_user=user.id, name="script")
    holder = describe_token_holder(store.new_read_uow(), token=created.token)
    assert (holder.user_id, holder.username) == (user.id, "coord")
    assert [(g.role, g.site_code) for g in holder.grants] == [(Role.SITE_COORDINATOR, "BJ01")]
    api_tokens.revoke_api_token(store.new_uow(), as_user=user.id, token_id=created.details.id)
    with pytest.raises(AuthenticationError, match="revoked"):
        describe_token_holder(store.new_read_uow(), token=created.token)


def test_a_deactivated_users_live_session_and_token_no_longer_sign_anybody_in(
    store: Store,
) -> None:
    accounts.create_site(store.new_uow(), code="BJ01", name="Beijing", as_user=None)
    user = accounts.create_user(
        store.new_uow(), username="coord", full_name="Coordinator", password="Bench-Pass-2026!",
        role="site_coordinator", site_code="BJ01", as_user=None, one_time_password=False,
    )  # fmt: skip
    token = api_tokens.create_api_token(store.new_uow(), as_user=user.id, name="script").token
    session = accounts.login(store.new_uow(), username="coord", password="Bench-Pass-2026!")
    assert describe_token_holder(store.new_read_uow(), token=token).user_id == user.id
    assert describe_session_holder(store.new_read_uow(), token=session.token)[0].user_id == user.id
    account_lifecycle.deactivate_user(
        store.new_uow(), username="coord", reason="left", as_user=None
    )
    with pytest.raises(AuthenticationError, match="not logged in"):
        describe_token_holder(store.new_read_uow(), token=token)
    with pytest.raises(AuthenticationError, match="not logged in"):
        describe_session_holder(store.new_read_uow(), token=session.token)
    with pytest.raises(AuthenticationError):
        accounts.validate_session(store.new_uow(), token=session.token)


@sqlite_only
def test_reads_of_a_file_database_have_a_pool_of_connections_that_stay_read_only(
    store: Store,
) -> None:
    assert store.reader is not None
    assert not shares_pool(store.reader, store.engine)
    accounts.create_site(store.new_uow(), code="BJ01", name="Beijing", as_user=None)
    assert [site.code for site in accounts.list_sites(store.new_read_uow())] == ["BJ01"]
    with store.reader.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA query_only").scalar() == 1
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA query_only").scalar() == 0
    store.close()
    assert store.reader.pool.checkedin() == 0


def test_an_in_memory_database_is_read_through_the_same_pool() -> None:
    memory = build_store("sqlite://")
    assert memory.reader is not None
    assert shares_pool(memory.reader, memory.engine)
    memory.close()

"""A running web application over a fresh database, with the people the web tests act as.

``web`` builds the app on the parametrised engine (SQLite, and PostgreSQL when available) with a
settable clock: a sponsor administrator, a coordinator at each of two sites, and one subject at
the first site.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from db_fixtures import SettableClock, allow_quick_sign_in
from trialdesk.bootstrap import Store, load_protocol
from trialdesk.entrypoints.api import create_app
from trialdesk.services.accounts import accounts
from trialdesk.services.subjects import subjects

PASSWORD = "Correct-Horse-42"
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
_NONCE = re.compile(r'name="login_nonce" value="([^"]+)"')


@dataclass
class WebWorld:
    store: Store
    clock: SettableClock
    client: TestClient
    subject_id: int

    def new_client(self) -> TestClient:
        """Another browser: its own cookie jar."""
        return TestClient(self.client.app)


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the form like a browser; returns the session's CSRF token."""
    page = client.get("/login")
    nonce = _NONCE.search(page.text)
    assert nonce is not None
    response = client.post(
        "/login",
        data={"username": username, "password": password, "login_nonce": nonce.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client)


def csrf_of(client: TestClient) -> str:
    found = _CSRF.search(client.get("/").text)
    assert found is not None
    return found.group(1)


def post_login(client: TestClient, username: str, password: str) -> object:
    page = client.get("/login")
    nonce = _NONCE.search(page.text)
    assert nonce is not None
    return client.post(
        "/login",
        data={"username": username, "password": password, "login_nonce": nonce.group(1)},
        follow_redirects=False,
    )


@pytest.fixture
def web(store: Store, clock: SettableClock) -> Iterator[WebWorld]:
    uow = store.new_uow
    allow_quick_sign_in(store)
    accounts.create_site(uow(), code="BJ01", name="Beijing", as_user=None)
    accounts.create_site(uow(), code="SH01", name="Shanghai", as_user=None)
    for username, role, site in (
        ("admin", "sponsor_admin", None),
        ("coord.bj", "site_coordinator", "BJ01"),
        ("coord.sh", "site_coordinator", "SH01"),
    ):
        accounts.create_user(
            uow(), username=username, full_name=username.title(), password=PASSWORD,
            role=role, site_code=site, as_user=None, one_time_password=False,
        )  # fmt: skip
    coordinator = accounts.list_users(uow())[1].id
    subject = subjects.register_subject(
        uow(), as_user=coordinator, site_code="BJ01", screening_number="BJ01-S001"
    )
    app = create_app(store, load_protocol())
    with TestClient(app) as client:
        yield WebWorld(store=store, clock=clock, client=client, subject_id=subject.id)

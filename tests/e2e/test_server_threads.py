"""The server's threads (a few for everyday requests, a lane for slow ones) and connections."""

from __future__ import annotations

import re
import threading
import time

import anyio
import anyio.to_thread
import pytest
from fastapi.testclient import TestClient

from trialdesk.bootstrap import load_protocol
from trialdesk.entrypoints.api import WebSettings, create_app
from trialdesk.entrypoints.api.connection_reuse import REQUESTS_PER_CONNECTION
from trialdesk.entrypoints.api.lanes import use_request_threads
from trialdesk.entrypoints.cli.serve import worker_settings
from web_world import PASSWORD, WebWorld

_NONCE = re.compile(r'name="login_nonce" value="([^"]+)"')


async def _request_threads() -> float:
    return anyio.to_thread.current_default_thread_limiter().total_tokens


def test_the_app_keeps_as_many_request_threads_as_its_settings_say(web: WebWorld) -> None:
    app = create_app(web.store, load_protocol(), WebSettings(request_threads=3))
    with TestClient(app) as client:
        assert client.portal is not None
        assert client.portal.call(_request_threads) == 3
        assert client.get("/api/v1/protocol").status_code == 200


def test_a_server_needs_at_least_one_request_thread(web: WebWorld) -> None:
    async def size_to_zero() -> None:
        use_request_threads(0)

    # In the app's own event loop (the test's thread may already run one, e.g. a browser's).
    assert web.client.portal is not None
    with pytest.raises(ValueError, match="at least one"):
        web.client.portal.call(size_to_zero)
    assert web.client.portal.call(_request_threads) > 0


def test_a_login_is_answered_while_every_request_thread_is_busy(web: WebWorld) -> None:
    app = create_app(web.store, load_protocol(), WebSettings(request_threads=1))
    release = threading.Event()
    with TestClient(app) as client:
        assert client.portal is not None
        nonce = _NONCE.search(client.get("/login").text)
        assert nonce is not None
        # The only request thread waits (as behind a long request) until the login is answered.
        busy = client.portal.start_task_soon(anyio.to_thread.run_sync, release.wait, 30)
        try:
            began = time.monotonic()
            response = client.post(
                "/login",
                data={"username": "coord.bj", "password": PASSWORD,
                      "login_nonce": nonce.group(1)},
                follow_redirects=False,
            )  # fmt: skip
            waited = time.monotonic() - began
        finally:
            release.set()
        busy.result(timeout=10)
        assert response.status_code == 303, response.text
        assert waited < 10
        # With the thread free again, the session works for everyday pages.
        assert client.get("/").status_code == 200


def test_with_several_processes_a_connection_is_renewed_every_so_many_requests(
    web: WebWorld,
) -> None:
    app = create_app(web.store, load_protocol(), WebSettings(requests_per_connection=3))
    with TestClient(app) as client:  # one client address: one connection as the server sees it
        answers = [client.get("/api/v1/protocol") for _ in range(7)]
    assert all(answer.status_code == 200 for answer in answers)
    closing = [answer.headers.get("connection") == "close" for answer in answers]
    assert closing == [False, False, True, False, False, True, False]


def test_worker_processes_renew_connections_and_a_single_process_keeps_them(
    web: WebWorld,
) -> None:
    with TestClient(create_app(web.store, load_protocol())) as client:
        answers = [client.get("/api/v1/protocol") for _ in range(REQUESTS_PER_CONNECTION + 1)]
    assert not any(answer.headers.get("connection") == "close" for answer in answers)
    assert worker_settings().requests_per_connection == REQUESTS_PER_CONNECTION

"""Request bodies over the limit are refused before they are read, parsed or authenticated."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi.testclient import TestClient

from trialdesk.bootstrap import load_protocol
from trialdesk.entrypoints.api import WebSettings, create_app
from trialdesk.entrypoints.api.body_limit import DEFAULT_MAX_BODY_BYTES
from web_world import WebWorld, login

_FIFTY_MB = 50 * 1024 * 1024


@pytest.fixture
def server(web: WebWorld) -> Iterator[tuple[str, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(web.store, load_protocol()), host="127.0.0.1", port=port,
        log_level="warning", lifespan="off", ws="none",
    )  # fmt: skip
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield "127.0.0.1", port
    finally:
        running.should_exit = True
        thread.join(timeout=20)


def _answer(connection: socket.socket) -> tuple[int, dict[str, str], bytes]:
    connection.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        assert chunk, data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, body


def test_an_anonymous_50_mb_body_is_refused_with_413_before_it_is_sent_whole(
    server: tuple[str, int],
) -> None:
    with socket.create_connection(server) as connection:
        connection.sendall(
            b"POST /api/v1/subjects HTTP/1.1\r\nHost: test\r\n"
            b"Content-Type: application/json\r\n"
            + f"Content-Length: {_FIFTY_MB}\r\n\r\n".encode()
            + b"{" + b" " * 65535
        )  # fmt: skip
        # The answer comes although 64 KiB of 50 MB were sent: nothing waited for the rest.
        status, headers, body = _answer(connection)
    assert status == 413
    refusal = json.loads(body)
    assert refusal["errors"] == [
        {"field": "body", "message": "the request body is larger than 1 MiB; send less"}
    ]
    assert headers["cache-control"] == "no-store"  # refusals carry the security headers too


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(
    server: tuple[str, int],
) -> None:
    chunk = b"x" * 65536
    sent = 0
    with socket.create_connection(server) as connection:
        connection.sendall(
            b"POST /api/v1/subjects HTTP/1.1\r\nHost: test\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        connection.settimeout(0.05)
        answered = b""
        while sent < _FIFTY_MB and not answered:
            try:
                connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
                answered = connection.recv(65536, socket.MSG_PEEK)
            except TimeoutError:
                continue
            except OSError:
                break  # the server closed the connection after answering
        status, _headers, body = _answer(connection)
    assert status == 413, body
    assert sent < 4 * DEFAULT_MAX_BODY_BYTES  # stopped after the limit, not at the end
    assert json.loads(body)["errors"][0]["field"] == "body"


def test_a_page_form_over_the_limit_gets_a_413_page(web: WebWorld) -> None:
    response = web.client.post(
        "/login", content=b"username=" + b"a" * (DEFAULT_MAX_BODY_BYTES + 1),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert response.status_code == 413
    assert "text/html" in response.headers["content-type"]
    assert "the request body is larger than 1 MiB" in response.text


def test_bodies_within_the_limit_are_served_and_the_limit_is_a_setting(web: WebWorld) -> None:
    csrf = login(web.client, "coord.bj")
    body = {"site_code": "BJ01", "screening_number": "BJ01-S002"}
    saved = web.client.post("/api/v1/subjects", json=body, headers={"X-CSRF-Token": csrf})
    assert saved.status_code == 201, saved.text
    small = create_app(web.store, load_protocol(), WebSettings(max_body_bytes=100))
    with TestClient(small) as client:
        refused = client.post("/api/v1/gvhd/stage", content=b"{" + b" " * 200 + b"}")
        assert refused.status_code == 413
        assert "larger than 100 bytes" in refused.json()["message"]

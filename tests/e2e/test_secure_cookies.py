"""Cookies behind TLS: `serve --secure-cookies`, its setting, HTTPS through a trusted proxy."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from trialdesk.bootstrap import load_protocol
from trialdesk.entrypoints.api import WebSettings, create_app
from trialdesk.entrypoints.cli import serve as serve_module
from trialdesk.entrypoints.cli import server_processes
from trialdesk.entrypoints.cli.app import app as cli
from web_world import PASSWORD, WebWorld

runner = CliRunner()
_NONCE = re.compile(r'name="login_nonce" value="([^"]+)"')


def _login_cookies(client: TestClient, **headers: str) -> list[str]:
    """The Set-Cookie headers of the login form and of a successful login."""
    page = client.get("/login", headers=headers)
    nonce = _NONCE.search(page.text)
    assert nonce is not None
    # Sent by hand: the test client speaks plain HTTP to the app, as a TLS proxy does, and would
    # keep a Secure cookie to itself (a browser speaking HTTPS to the proxy sends it).
    headers = {**headers, "Cookie": f"trialdesk_login={page.cookies['trialdesk_login']}"}
    answer = client.post(
        "/login",
        data={"username": "coord.bj", "password": PASSWORD, "login_nonce": nonce.group(1)},
        headers=headers, follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303, answer.text
    return page.headers.get_list("set-cookie") + answer.headers.get_list("set-cookie")


def _session_cookie(cookies: list[str]) -> str:
    [session] = [c for c in cookies if c.startswith("trialdesk_session=")]
    return session


def _behind_proxy(web: WebWorld, trusted: str) -> TestClient:
    # What uvicorn does in front of the app under serve: the proxy-headers middleware. The test
    # client connects from the address "testclient".
    inner = create_app(web.store, load_protocol())
    return TestClient(ProxyHeadersMiddleware(inner, trusted_hosts=trusted))


def test_over_plain_http_cookies_are_not_secure_by_default(web: WebWorld) -> None:
    cookies = _login_cookies(web.client)
    assert "secure" not in _session_cookie(cookies).lower()
    assert "httponly" in _session_cookie(cookies).lower()


def test_https_through_a_trusted_proxy_gets_secure_cookies(web: WebWorld) -> None:
    with _behind_proxy(web, "testclient") as client:
        cookies = _login_cookies(client, **{"X-Forwarded-Proto": "https"})
    assert cookies
    assert all("; secure" in cookie.lower() for cookie in cookies), cookies


def test_an_untrusted_proxy_cannot_claim_https(web: WebWorld) -> None:
    with _behind_proxy(web, "10.0.0.1") as client:
        cookies = _login_cookies(client, **{"X-Forwarded-Proto": "https"})
    assert "secure" not in _session_cookie(cookies).lower()


def test_the_secure_cookies_setting_marks_cookies_over_plain_http(web: WebWorld) -> None:
    secure = create_app(web.store, load_protocol(), WebSettings(secure_cookies=True))
    # The app itself sees plain HTTP (behind a TLS proxy it was not told to trust, say).
    with TestClient(secure) as client:
        cookies = _login_cookies(client)
    assert "; secure" in _session_cookie(cookies).lower()


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, dict[str, Any]]]:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: calls.append((target, options)))
    monkeypatch.setattr(
        server_processes, "run_server_processes",
        lambda workers, host, port, *, access_log: calls.append(("processes", {})),
    )  # fmt: skip
    for name in ("TRIALDESK_SECURE_COOKIES", "TRIALDESK_FORWARDED_ALLOW_IPS",
                 "TRIALDESK_DATABASE_URL", "TRIALDESK_REQUEST_THREADS"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)  # restored after the test: serve sets them
    return calls


def test_serve_passes_secure_cookies_and_trusted_proxies_to_the_server(
    tmp_path: Path, uvicorn_calls: list[tuple[Any, dict[str, Any]]]
) -> None:
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    assert runner.invoke(cli, ["serve", "--db", url]).exit_code == 0
    result = runner.invoke(
        cli, ["serve", "--db", url, "--secure-cookies", "--forwarded-allow-ips", "10.1.2.3"]
    )
    assert result.exit_code == 0, result.output
    (default, plain), (secure, behind) = uvicorn_calls
    assert default.state.trialdesk.settings.secure_cookies is False
    assert (plain["proxy_headers"], plain["forwarded_allow_ips"]) == (True, "127.0.0.1")
    assert secure.state.trialdesk.settings.secure_cookies is True
    assert behind["forwarded_allow_ips"] == "10.1.2.3"


def test_the_setting_turns_secure_cookies_on_and_worker_processes_follow(
    tmp_path: Path,
    uvicorn_calls: list[tuple[Any, dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    monkeypatch.setenv("TRIALDESK_SECURE_COOKIES", "true")
    assert runner.invoke(cli, ["serve", "--db", url]).exit_code == 0
    [(one, _)] = uvicorn_calls
    assert one.state.trialdesk.settings.secure_cookies is True
    result = runner.invoke(
        cli, ["serve", "--db", url, "--workers", "2", "--forwarded-allow-ips", "*"]
    )
    assert result.exit_code == 0, result.output
    assert serve_module.worker_settings().secure_cookies is True
    assert server_processes.get_settings().forwarded_allow_ips == "*"
    result = runner.invoke(cli, ["serve", "--db", url, "--workers", "2", "--no-secure-cookies"])
    assert result.exit_code == 0, result.output
    assert serve_module.worker_settings().secure_cookies is False

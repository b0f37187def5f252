"""Security headers on every page and API answer, the offline API reference and the body limit."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from trialdesk.entrypoints.api.security_headers import content_security_policy
from trialdesk.entrypoints.web.views import page_routers
from web_world import WebWorld, login

_HEADERS = {
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
}
_PARAM = re.compile(r"\{([a-z_]+)(?::[a-z]+)?\}")


def _assert_protected(response: object, path: str) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    for name, value in _HEADERS.items():
        assert headers.get(name) == value, (path, name, headers.get(name))
    policy = headers["content-security-policy"]
    assert policy == content_security_policy(path)
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self';" in policy  # never inline script, on any page


def _filled(path: str, web: WebWorld) -> str:
    values = {
        "subject_id": str(web.subject_id),
        "kind": "final",
        "form_code": "steroids",
        "collection": "consents",
    }
    return _PARAM.sub(lambda m: values.get(m.group(1), "1"), path)


def _page_routes() -> list[str]:
    """Every page the app serves for GET (page routers are included without a prefix)."""
    return sorted(
        route.path
        for router in page_routers()
        for route in router.routes
        if isinstance(route, APIRoute) and "GET" in route.methods
    )


def _api_reads(client: TestClient) -> list[str]:
    """Every GET operation of the OpenAPI document."""
    document = client.get("/api/v1/openapi.json").json()
    return sorted(path for path, operations in document["paths"].items() if "get" in operations)


@pytest.mark.parametrize("username", ["coord.bj", "admin"])
def test_every_page_is_not_cached_not_framed_and_runs_only_our_scripts(
    web: WebWorld, username: str
) -> None:
    login(web.client, username)
    paths = _page_routes()
    assert "/subjects/{subject_id}" in paths
    assert "/tokens" in paths
    seen_ok = set()
    for route in paths:
        path = _filled(route, web)
        if route == "/reports/{kind}/pdf":
            continue  # a PDF is built by the report service; its headers are checked below
        response = web.client.get(path, follow_redirects=False)
        assert response.status_code < 500, (path, response.text[:300])
        _assert_protected(response, path)
        if response.status_code == 200:
            seen_ok.add(route)
    if username == "coord.bj":
        assert {"/", "/subjects", "/subjects/{subject_id}", "/subjects/{subject_id}/screening"} <= (
            seen_ok
        )


def test_a_refused_pdf_download_and_the_login_page_carry_the_headers(web: WebWorld) -> None:
    _assert_protected(web.client.get("/login"), "/login")
    login(web.client, "coord.bj")
    refused = web.client.get("/reports/final/pdf")
    assert refused.status_code == 403
    _assert_protected(refused, "/reports/final/pdf")


def test_every_api_read_is_not_cached(web: WebWorld) -> None:
    login(web.client, "coord.bj")
    paths = _api_reads(web.client)
    assert len(paths) > 10
    for route in paths:
        path = _filled(route, web)
        response = web.client.get(path)
        assert response.status_code < 500, (path, response.text[:300])
        _assert_protected(response, path)
    # Refusals too: an anonymous client.
    anonymous = web.new_client()
    refused = anonymous.get(f"/api/v1/subjects/{web.subject_id}")
    assert refused.status_code == 401
    _assert_protected(refused, f"/api/v1/subjects/{web.subject_id}")


def test_static_files_may_be_cached_and_only_report_pages_allow_inline_styles(
    web: WebWorld,
) -> None:
    css = web.client.get("/static/trialdesk.css")
    assert css.status_code == 200
    assert "no-store" not in css.headers.get("cache-control", "")
    assert css.headers["x-content-type-options"] == "nosniff"
    assert "'unsafe-inline'" not in content_security_policy("/subjects/1")
    assert "'unsafe-inline'" not in content_security_policy("/reports")
    assert "'unsafe-inline'" not in content_security_policy("/reports/final/pdf")
    assert "style-src 'self' 'unsafe-inline'" in content_security_policy("/reports/final")


def test_pages_carry_no_inline_script_or_style(web: WebWorld) -> None:
    login(web.client, "coord.bj")
    for path in ("/", f"/subjects/{web.subject_id}", f"/subjects/{web.subject_id}/screening"):
        html = web.client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert " style=" not in html, path
        assert "<style" not in html, path
        assert not re.search(r"\son[a-z]+=", html), path


@pytest.mark.parametrize("page", ["/api/v1/docs", "/api/v1/redoc"])
def test_the_api_reference_loads_everything_from_the_app_itself(web: WebWorld, page: str) -> None:
    response = web.client.get(page)
    assert response.status_code == 200
    _assert_protected(response, page)
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert assets, response.text
    assert any(asset.endswith(".js") for asset in assets)
    for asset in assets:
        assert asset.startswith("/"), asset  # no CDN: the page works on a closed network
        fetched = web.client.get(asset)
        assert fetched.status_code == 200, asset
        assert len(fetched.content) > 100, asset
    assert 'spec-url="/api/v1/openapi.json"' in response.text or (
        'data-openapi-url="/api/v1/openapi.json"' in response.text
    )
    assert "<script>" not in response.text  # started by a static script, not an inline one

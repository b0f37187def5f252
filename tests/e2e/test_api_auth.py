"""API tokens for scripts, cookie sessions with the CSRF header, and the error body."""

from __future__ import annotations

from web_world import WebWorld, login


def _token(web: WebWorld, username: str = "admin") -> str:
    client = web.new_client()
    csrf = login(client, username)
    created = client.post(
        "/api/v1/tokens", json={"name": "nightly"}, headers={"X-CSRF-Token": csrf}
    )
    assert created.status_code == 201, created.text
    return str(created.json()["token"])


def test_a_request_without_credentials_gets_401_with_the_error_body(web: WebWorld) -> None:
    response = web.client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {
        "error": "AuthenticationError",
        "message": "not logged in",
        "errors": [],
        "warnings": [],
    }


def test_a_bearer_token_acts_as_its_owner(web: WebWorld) -> None:
    token = _token(web, "coord.bj")
    me = web.new_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["username"] == "coord.bj"
    assert me.json()["roles"] == [{"role": "site_coordinator", "site_code": "BJ01"}]


def test_a_token_is_stored_only_as_a_hash(web: WebWorld) -> None:
    token = _token(web)
    with web.store.new_uow() as uow:
        rows = uow.records.find("api_tokens")
    assert len(rows) == 1
    assert token not in repr(rows)
    assert len(rows[0]["token_hash"]) == 64


def test_a_revoked_token_stops_working_at_once(web: WebWorld) -> None:
    token = _token(web)
    auth = {"Authorization": f"Bearer {token}"}
    script = web.new_client()
    token_id = script.get("/api/v1/tokens", headers=auth).json()[0]["id"]
    revoked = script.delete(f"/api/v1/tokens/{token_id}", headers=auth)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    refused = script.get("/api/v1/me", headers=auth)
    assert refused.status_code == 401
    assert refused.json()["error"] == "AuthenticationError"


def test_someone_elses_token_cannot_be_revoked_and_looks_missing(web: WebWorld) -> None:
    admin_token = _token(web, "admin")
    coordinator_token = _token(web, "coord.bj")
    script = web.new_client()
    admin_token_id = script.get(
        "/api/v1/tokens", headers={"Authorization": f"Bearer {admin_token}"}
    ).json()[0]["id"]
    response = script.delete(
        f"/api/v1/tokens/{admin_token_id}", headers={"Authorization": f"Bearer {coordinator_token}"}
    )
    assert response.status_code == 404
    assert (
        script.get("/api/v1/me", headers={"Authorization": f"Bearer {admin_token}"}).status_code
        == 200
    )


def test_a_malformed_authorization_header_is_refused(web: WebWorld) -> None:
    for header in ("Basic abc", "Bearer", "Bearer not-a-trialdesk-token"):
        response = web.client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_a_cookie_session_must_send_the_csrf_header_to_change_anything(web: WebWorld) -> None:
    csrf = login(web.client, "admin")
    refused = web.client.post("/api/v1/tokens", json={"name": "x"})
    assert refused.status_code == 403
    assert refused.json()["error"] == "PermissionDeniedError"
    assert web.client.get("/api/v1/tokens").json() == []
    accepted = web.client.post("/api/v1/tokens", json={"name": "x"}, headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 201


def test_an_expired_session_is_refused_by_the_api_too(web: WebWorld) -> None:
    login(web.client, "admin")
    assert web.client.get("/api/v1/me").status_code == 200
    web.clock.advance(minutes=31)
    response = web.client.get("/api/v1/me")
    assert response.status_code == 401
    assert "expired" in response.json()["message"]


def test_an_unknown_api_path_answers_404_in_the_error_format(web: WebWorld) -> None:
    response = web.client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"] == "NotFoundError"

"""The account lifecycle over the API: password change, administrator's resets, deactivation,
revocation, separation of duties and the sign-in settings."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from web_world import PASSWORD, WebWorld, login, post_login

NEW_PASSWORD = "Violet-Anchor-Meadow-7"


def _admin(web: WebWorld) -> tuple[TestClient, dict[str, str]]:
    client = web.new_client()
    return client, {"X-CSRF-Token": login(client, "admin")}


def test_changing_ones_password_over_the_api(web: WebWorld) -> None:
    client = web.new_client()
    headers = {"X-CSRF-Token": login(client, "coord.bj")}
    weak = client.post(
        "/api/v1/me/password", headers=headers,
        json={"current_password": PASSWORD, "new_password": "Welcome2026!"},
    )  # fmt: skip
    assert weak.status_code == 422
    assert weak.json()["errors"][0]["field"] == "new_password"
    changed = client.post(
        "/api/v1/me/password", headers=headers,
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"pending_step": None}
    assert client.get("/api/v1/me").status_code == 200  # this session goes on
    assert post_login(web.new_client(), "coord.bj", NEW_PASSWORD).status_code == 303  # type: ignore[attr-defined]


def test_a_reset_password_session_may_only_change_the_password(web: WebWorld) -> None:
    admin, headers = _admin(web)
    reset = admin.post(
        "/api/v1/users/coord.bj/password-reset", headers=headers, json={"reason": "forgot it"}
    )
    assert reset.status_code == 200, reset.text
    one_time = reset.json()["one_time_password"]
    assert reset.json()["user"]["must_change_password"] is True
    user = web.new_client()
    assert post_login(user, "coord.bj", one_time).status_code == 303  # type: ignore[attr-defined]
    csrf = {"X-CSRF-Token": _csrf_of_step(user)}
    refused = user.get("/api/v1/subjects")
    assert refused.status_code == 403
    assert "change your password" in refused.json()["message"]
    assert user.get("/api/v1/me").status_code == 200
    changed = user.post(
        "/api/v1/me/password", headers=csrf,
        json={"current_password": one_time, "new_password": NEW_PASSWORD},
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert user.get("/api/v1/subjects").status_code == 200


def _csrf_of_step(client: TestClient) -> str:
    page = client.get("/account/password")
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert found is not None
    return found.group(1)


def test_deactivation_stops_the_users_api_token_until_reactivated(web: WebWorld) -> None:
    owner = web.new_client()
    csrf = login(owner, "coord.bj")
    token = owner.post(
        "/api/v1/tokens", json={"name": "script"}, headers={"X-CSRF-Token": csrf}
    ).json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    admin, headers = _admin(web)
    missing = admin.post("/api/v1/users/coord.bj/deactivate", headers=headers, json={})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "reason"
    assert web.new_client().get("/api/v1/me", headers=bearer).status_code == 200
    done = admin.post("/api/v1/users/coord.bj/deactivate", headers=headers, json={"reason": "left"})
    assert done.status_code == 200
    assert done.json()["is_active"] is False
    assert web.new_client().get("/api/v1/me", headers=bearer).status_code == 401
    assert owner.get("/api/v1/me").status_code == 401  # the session ended too
    admin.post("/api/v1/users/coord.bj/reactivate", headers=headers, json={"reason": "back"})
    assert web.new_client().get("/api/v1/me", headers=bearer).status_code == 200


def test_revoking_a_role_with_a_reason(web: WebWorld) -> None:
    admin, headers = _admin(web)
    revoked = admin.post(
        "/api/v1/users/coord.sh/roles/revoke", headers=headers,
        json={"role": "site_coordinator", "site_code": "SH01", "reason": "left the site"},
    )  # fmt: skip
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["roles"] == []


def test_the_administrator_cannot_grant_itself_investigator_nor_deactivate_itself(
    web: WebWorld,
) -> None:
    admin, headers = _admin(web)
    granted = admin.post(
        "/api/v1/users/admin/roles", headers=headers,
        json={"role": "investigator", "site_code": "BJ01"},
    )  # fmt: skip
    assert granted.status_code == 403
    assert "separation of duties" in granted.json()["message"]
    own = admin.post("/api/v1/users/admin/deactivate", headers=headers, json={"reason": "x"})
    assert own.status_code == 403
    assert admin.get("/api/v1/me").json()["roles"] == [{"role": "sponsor_admin", "site_code": None}]


def test_the_sign_in_settings_are_read_and_changed_by_the_administrator(web: WebWorld) -> None:
    admin, headers = _admin(web)
    assert admin.get("/api/v1/security-settings").json() == {
        "two_factor_roles": [], "password_max_age_days": 0,
    }  # fmt: skip
    changed = admin.patch(
        "/api/v1/security-settings", headers=headers,
        json={"two_factor_roles": ["sponsor_admin"], "password_max_age_days": 90,
              "reason": "security review"},
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"two_factor_roles": ["sponsor_admin"], "password_max_age_days": 90}
    bad = admin.patch(
        "/api/v1/security-settings", headers=headers,
        json={"two_factor_roles": ["janitor"], "reason": "x"},
    )  # fmt: skip
    assert bad.status_code == 422
    coordinator = web.new_client()
    csrf = login(coordinator, "coord.bj")
    refused = coordinator.patch(
        "/api/v1/security-settings", headers={"X-CSRF-Token": csrf},
        json={"password_max_age_days": 0, "reason": "x"},
    )  # fmt: skip
    assert refused.status_code == 403

"""The account pages: a one-time password forces the change page first, two-factor enrolment
and sign-in with a code, and the administrator's user page."""

from __future__ import annotations

import re

import pyotp
from fastapi.testclient import TestClient

from web_world import PASSWORD, WebWorld, csrf_of, login, post_login

NEW_PASSWORD = "Violet-Anchor-Meadow-7"
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def _csrf(client: TestClient, path: str) -> str:
    found = _CSRF.search(client.get(path).text)
    assert found is not None
    return found.group(1)


def _reset(web: WebWorld, username: str) -> str:
    admin = web.new_client()
    csrf = login(admin, "admin")
    page = admin.post(
        f"/admin/users/{username}/password-reset", data={"csrf_token": csrf, "reason": "forgot"}
    )
    assert page.status_code == 200
    found = re.search(r'id="one-time-password">([^<]+)<', page.text)
    assert found is not None
    return found.group(1)


def test_a_one_time_password_sends_the_user_to_the_change_page_before_any_other(
    web: WebWorld,
) -> None:
    one_time = _reset(web, "coord.bj")
    user = web.new_client()
    response = post_login(user, "coord.bj", one_time)
    assert response.headers["location"] == "/account/password"  # type: ignore[attr-defined]
    for page in ("/", "/subjects", "/tokens"):
        blocked = user.get(page, follow_redirects=False)
        assert blocked.status_code == 303
        assert blocked.headers["location"] == "/account/password"
    csrf = _csrf(user, "/account/password")
    mismatch = user.post(
        "/account/password",
        data={"csrf_token": csrf, "current_password": one_time, "new_password": NEW_PASSWORD,
              "repeat_password": "something else"},
    )  # fmt: skip
    assert mismatch.status_code == 422
    weak = user.post(
        "/account/password",
        data={"csrf_token": csrf, "current_password": one_time, "new_password": "Password1234",
              "repeat_password": "Password1234"},
    )  # fmt: skip
    assert weak.status_code == 422
    assert 'id="new_password-error"' in weak.text
    done = user.post(
        "/account/password",
        data={"csrf_token": csrf, "current_password": one_time, "new_password": NEW_PASSWORD,
              "repeat_password": NEW_PASSWORD},
        follow_redirects=False,
    )  # fmt: skip
    assert done.headers["location"] == "/"
    assert user.get("/subjects", follow_redirects=False).status_code == 200


def test_enrolling_then_signing_in_with_a_code(web: WebWorld) -> None:
    user = web.new_client()
    login(user, "coord.bj")
    page = user.get("/account/two-factor")
    assert "<svg" in page.text
    assert "<script" not in page.text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text)
    assert secret is not None
    csrf = csrf_of(user)
    code = pyotp.TOTP(secret.group(1)).at(web.clock.now())
    codes = user.post("/account/two-factor", data={"csrf_token": csrf, "code": code})
    assert codes.status_code == 201
    assert codes.text.count("<li><code>") == 10
    web.clock.advance(seconds=90)
    again = web.new_client()
    assert post_login(again, "coord.bj", PASSWORD).headers["location"] == "/login/two-factor"  # type: ignore[attr-defined]
    assert again.get("/subjects", follow_redirects=False).headers["location"] == (
        "/login/two-factor"
    )
    step_csrf = _csrf(again, "/login/two-factor")
    wrong = again.post("/login/two-factor", data={"csrf_token": step_csrf, "code": "000000"})
    assert wrong.status_code == 401
    fresh = pyotp.TOTP(secret.group(1)).at(web.clock.now())
    ok = again.post(
        "/login/two-factor", data={"csrf_token": step_csrf, "code": fresh}, follow_redirects=False
    )
    assert ok.headers["location"] == "/"
    assert again.get("/subjects", follow_redirects=False).status_code == 200


def test_the_administrators_user_page_deactivates_with_a_reason(web: WebWorld) -> None:
    admin = web.new_client()
    csrf = login(admin, "admin")
    page = admin.get("/admin/users/coord.bj")
    assert "Deactivate" in page.text
    missing = admin.post("/admin/users/coord.bj/deactivate", data={"csrf_token": csrf})
    assert missing.status_code == 422
    done = admin.post(
        "/admin/users/coord.bj/deactivate", data={"csrf_token": csrf, "reason": "left"},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303
    assert "deactivated" in admin.get("/admin/users/coord.bj").text
    assert post_login(web.new_client(), "coord.bj", PASSWORD).status_code == 401  # type: ignore[attr-defined]
    own = admin.get("/admin/users/admin")
    assert "cannot deactivate your own account" in own.text
    assert "/admin/users/admin/deactivate" not in own.text

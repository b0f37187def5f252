"""Login, logout, lockout, session expiry and CSRF on the pages."""

from __future__ import annotations

from web_world import PASSWORD, WebWorld, csrf_of, login, post_login


def test_logging_in_sets_an_http_only_same_site_session_cookie(web: WebWorld) -> None:
    response = post_login(web.client, "coord.bj", PASSWORD)
    cookie = response.headers["set-cookie"]  # type: ignore[attr-defined]
    assert "trialdesk_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert web.client.get("/").status_code == 200


def test_a_page_without_a_session_redirects_to_the_login_form(web: WebWorld) -> None:
    response = web.client.get("/admin/sites", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/admin/sites")


def test_a_wrong_password_re_renders_the_form_with_the_reason(web: WebWorld) -> None:
    response = post_login(web.client, "coord.bj", "Wrong-Horse-42")
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert "Sign-in failed." in response.text  # type: ignore[attr-defined]
    assert "trialdesk_session" not in web.client.cookies


def test_five_failed_logins_lock_the_account_even_for_the_right_password(web: WebWorld) -> None:
    for _ in range(5):
        post_login(web.client, "coord.bj", "Wrong-Horse-42")
    response = post_login(web.client, "coord.bj", PASSWORD)
    assert response.status_code == 401  # type: ignore[attr-defined]
    # The same answer as a wrong password: the page tells the rule, not whether it applied.
    assert "Sign-in failed. After 5 failed attempts an account is locked for 30 minutes." in (
        response.text  # type: ignore[attr-defined]
    )
    assert "until" not in response.text  # type: ignore[attr-defined]
    web.clock.advance(minutes=31)
    assert post_login(web.client, "coord.bj", PASSWORD).status_code == 303  # type: ignore[attr-defined]


def test_an_idle_session_expires_and_sends_the_user_to_log_in_again(web: WebWorld) -> None:
    login(web.client, "coord.bj")
    web.clock.advance(minutes=29)
    assert web.client.get("/", follow_redirects=False).status_code == 200
    web.clock.advance(minutes=31)
    response = web.client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert "session+expired" in response.headers["location"].replace("%20", "+")


def test_logging_out_ends_the_session_on_the_server(web: WebWorld) -> None:
    csrf = login(web.client, "coord.bj")
    token = web.client.cookies["trialdesk_session"]
    response = web.client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    replay = web.new_client()
    replay.cookies.set("trialdesk_session", token)
    assert replay.get("/", follow_redirects=False).status_code == 303


def test_a_form_post_without_the_csrf_token_is_refused_and_changes_nothing(
    web: WebWorld,
) -> None:
    login(web.client, "admin")
    response = web.client.post("/admin/sites", data={"code": "GZ01", "name": "Guangzhou"})
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert "GZ01" not in web.client.get("/admin/sites").text


def test_another_sessions_csrf_token_is_refused(web: WebWorld) -> None:
    other = web.new_client()
    foreign_token = login(other, "admin")
    login(web.client, "admin")
    response = web.client.post(
        "/admin/sites", data={"code": "GZ01", "name": "Guangzhou", "csrf_token": foreign_token}
    )
    assert response.status_code == 403
    assert foreign_token != csrf_of(web.client)


def test_the_login_form_refuses_a_post_without_its_nonce(web: WebWorld) -> None:
    response = web.client.post(
        "/login", data={"username": "coord.bj", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "trialdesk_session" not in web.client.cookies


def test_after_login_the_user_lands_on_the_page_they_asked_for_but_never_off_site(
    web: WebWorld,
) -> None:
    page = web.client.get("/login?next=/tokens")
    assert 'name="next" value="/tokens"' in page.text
    page = web.client.get("/login?next=//evil.example")
    assert 'name="next" value="/"' in page.text

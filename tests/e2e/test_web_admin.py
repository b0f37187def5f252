"""Administration pages: sites, users and roles, for sponsor administrators only."""

from __future__ import annotations

import html

from web_world import WebWorld, login


def test_an_administrator_sees_the_admin_menu_and_a_coordinator_does_not(web: WebWorld) -> None:
    admin = web.new_client()
    login(admin, "admin")
    assert 'href="/admin/users"' in admin.get("/").text
    login(web.client, "coord.bj")
    assert 'href="/admin/users"' not in web.client.get("/").text


def test_a_coordinator_is_refused_the_admin_pages(web: WebWorld) -> None:
    login(web.client, "coord.bj")
    for path in ("/admin/sites", "/admin/users", "/admin/roles"):
        response = web.client.get(path)
        assert response.status_code == 403, path
        assert "manage accounts" in response.text


def test_an_administrator_adds_a_site_through_the_form(web: WebWorld) -> None:
    csrf = login(web.client, "admin")
    response = web.client.post(
        "/admin/sites", data={"code": "GZ01", "name": "Guangzhou", "csrf_token": csrf}
    )
    assert response.status_code == 200  # after the redirect
    assert "GZ01" in response.text


def test_a_bad_site_code_is_shown_next_to_the_field_with_the_values_kept(web: WebWorld) -> None:
    csrf = login(web.client, "admin")
    response = web.client.post(
        "/admin/sites", data={"code": "no spaces!", "name": "Somewhere", "csrf_token": csrf}
    )
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert '<span class="field-error" id="code-error">use 1–32 letters' in page
    assert 'value="Somewhere"' in page


def test_an_administrator_creates_a_user_and_sees_them_listed_with_their_role(
    web: WebWorld,
) -> None:
    csrf = login(web.client, "admin")
    response = web.client.post(
        "/admin/users",
        data={"username": "mon.one", "full_name": "Monitor One", "password": "Correct-Horse-42!",
              "role": "monitor", "site_code": "SH01", "csrf_token": csrf},
    )  # fmt: skip
    assert response.status_code == 200
    assert "mon.one" in response.text
    assert "Monitor at SH01" in response.text


def test_a_weak_password_re_renders_the_user_form_with_the_message(web: WebWorld) -> None:
    csrf = login(web.client, "admin")
    response = web.client.post(
        "/admin/users",
        data={"username": "mon.two", "full_name": "Monitor Two", "password": "short",
              "role": "monitor", "site_code": "", "csrf_token": csrf},
    )  # fmt: skip
    assert response.status_code == 422
    assert 'id="password-error">must be at least 12 characters' in response.text


def test_the_roles_page_shows_the_permission_matrix(web: WebWorld) -> None:
    login(web.client, "admin")
    page = web.client.get("/admin/roles").text
    assert "Site coordinator" in page
    assert "manage accounts" in page
    assert "site_coordinator" not in page


def test_a_user_creates_an_api_token_on_the_page_and_sees_it_once(web: WebWorld) -> None:
    csrf = login(web.client, "coord.bj")
    created = web.client.post("/tokens", data={"name": "export script", "csrf_token": csrf})
    assert created.status_code == 201
    assert 'id="new-token">td_' in created.text
    again = web.client.get("/tokens")
    assert 'id="new-token"' not in again.text
    assert "export script" in again.text

"""Role and site enforcement through the services, and field paths in error bodies.

These are the worked examples; ``test_api_access_matrix.py`` calls every operation of the OpenAPI
document as every kind of user on both engines.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from web_world import WebWorld, login


def _as(web: WebWorld, username: str) -> tuple[TestClient, dict[str, str]]:
    client = web.new_client()
    return client, {"X-CSRF-Token": login(client, username)}


def test_a_coordinator_sees_a_subject_of_their_own_site(web: WebWorld) -> None:
    client, _ = _as(web, "coord.bj")
    response = client.get(f"/api/v1/subjects/{web.subject_id}")
    assert response.status_code == 200
    assert response.json()["screening_number"] == "BJ01-S001"
    assert [s["id"] for s in client.get("/api/v1/subjects").json()] == [web.subject_id]


def test_another_sites_coordinator_gets_exactly_what_a_missing_subject_gives(
    web: WebWorld,
) -> None:
    client, _ = _as(web, "coord.sh")
    hidden = client.get(f"/api/v1/subjects/{web.subject_id}")
    missing_id = web.subject_id + 1000
    missing = client.get(f"/api/v1/subjects/{missing_id}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == {
        **missing.json(),
        "message": missing.json()["message"].replace(str(missing_id), str(web.subject_id)),
    }
    assert client.get("/api/v1/subjects").json() == []


def test_a_sponsor_administrator_may_not_read_subject_records(web: WebWorld) -> None:
    client, _ = _as(web, "admin")
    assert client.get(f"/api/v1/subjects/{web.subject_id}").status_code == 404


def test_only_a_sponsor_administrator_lists_or_creates_accounts(web: WebWorld) -> None:
    client, csrf = _as(web, "coord.bj")
    assert client.get("/api/v1/users").status_code == 403
    assert client.get("/api/v1/sites").status_code == 403
    created = client.post("/api/v1/sites", json={"code": "GZ01", "name": "Guangzhou"}, headers=csrf)
    assert created.status_code == 403
    assert created.json()["error"] == "PermissionDeniedError"


def test_an_administrator_creates_a_site_and_a_user_with_a_site_role(web: WebWorld) -> None:
    client, csrf = _as(web, "admin")
    site = client.post("/api/v1/sites", json={"code": "GZ01", "name": "Guangzhou"}, headers=csrf)
    assert site.status_code == 201
    user = client.post(
        "/api/v1/users",
        json={"username": "inv.gz", "full_name": "Dr Gz", "password": "Correct-Horse-42!",
              "role": "investigator", "site_code": "GZ01"},
        headers=csrf,
    )  # fmt: skip
    assert user.status_code == 201, user.text
    assert user.json()["roles"] == [{"role": "investigator", "site_code": "GZ01"}]
    granted = client.post(
        "/api/v1/users/inv.gz/roles", json={"role": "investigator", "site_code": "BJ01"},
        headers=csrf,
    )  # fmt: skip
    assert {g["site_code"] for g in granted.json()["roles"]} == {"GZ01", "BJ01"}
    assert "GZ01" in [s["code"] for s in client.get("/api/v1/sites").json()]


def test_a_service_input_error_names_the_field_and_changes_nothing(web: WebWorld) -> None:
    client, csrf = _as(web, "admin")
    response = client.post(
        "/api/v1/users",
        json={"username": "weak", "full_name": "Weak", "password": "short", "role": "monitor"},
        headers=csrf,
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "InputError"
    assert {e["field"] for e in body["errors"]} == {"password"}
    assert "weak" not in [u["username"] for u in client.get("/api/v1/users").json()]


def test_body_validation_errors_give_the_path_of_each_nested_field(web: WebWorld) -> None:
    client, csrf = _as(web, "coord.bj")
    response = client.post(
        "/api/v1/gvhd/response",
        json={
            "baseline": {"skin": 5, "liver": 0, "upper_gi": 0, "lower_gi": 0},
            "current": {"skin": 0, "liver": "x", "upper_gi": 0},
            "earlier": [{"visit": "D8", "response": "maybe"}],
        },
        headers=csrf,
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"baseline.skin", "current.liver", "current.lower_gi", "earlier[0].response"}


def test_a_body_that_is_not_json_is_a_422_not_a_crash(web: WebWorld) -> None:
    client, csrf = _as(web, "coord.bj")
    response = client.post(
        "/api/v1/gvhd/stage",
        content=b"{not json",
        headers={**csrf, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["error"] == "InputError"


def test_an_administrator_sets_and_clears_a_site_time_zone_and_others_may_not(
    web: WebWorld,
) -> None:
    client, csrf = _as(web, "admin")
    wrong = client.patch("/api/v1/sites/BJ01", json={"time_zone": "Mars/Olympus"}, headers=csrf)
    assert wrong.status_code == 422
    assert [e["field"] for e in wrong.json()["errors"]] == ["time_zone"]
    saved = client.patch("/api/v1/sites/BJ01", json={"time_zone": "Asia/Urumqi"}, headers=csrf)
    assert saved.status_code == 200, saved.text
    assert saved.json() == {"id": 1, "code": "BJ01", "name": "Beijing", "time_zone": "Asia/Urumqi"}
    listed = {s["code"]: s["time_zone"] for s in client.get("/api/v1/sites").json()}
    assert listed == {"BJ01": "Asia/Urumqi", "SH01": None}
    cleared = client.patch("/api/v1/sites/BJ01", json={"time_zone": None}, headers=csrf)
    assert cleared.json()["time_zone"] is None
    assert (
        client.patch("/api/v1/sites/XX01", json={"time_zone": "UTC"}, headers=csrf).status_code
        == 404
    )
    coordinator, coordinator_csrf = _as(web, "coord.bj")
    refused = coordinator.patch(
        "/api/v1/sites/BJ01", json={"time_zone": "UTC"}, headers=coordinator_csrf
    )
    assert refused.status_code == 403


def test_a_monitor_may_see_but_not_change_a_subject_and_is_told_so(web: WebWorld) -> None:
    from trialdesk.services.accounts import accounts

    accounts.create_user(
        web.store.new_uow(), username="mon.bj", full_name="Monitor", password="Correct-Horse-42",
        role="monitor", site_code="BJ01", as_user=None, one_time_password=False,
    )  # fmt: skip
    client, csrf = _as(web, "mon.bj")
    assert client.get(f"/api/v1/subjects/{web.subject_id}").status_code == 200
    refused = client.post(
        f"/api/v1/subjects/{web.subject_id}/visits",
        json={"visit_code": "D1", "visit_date": "2026-03-02"}, headers=csrf,
    )  # fmt: skip
    assert refused.status_code == 403
    assert refused.json()["error"] == "PermissionDeniedError"
    assert refused.json()["message"].startswith("You may not enter clinical data for subject")

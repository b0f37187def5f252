"""Queries through the API and the pages: raise on a field, answer, close, lists per site."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from trialdesk.services.accounts import accounts
from trialdesk.services.clinical import clinical
from web_world import PASSWORD, WebWorld, login


def _setup(web: WebWorld) -> int:
    """A BJ01 monitor and a visit of the BJ01 subject to query; returns the visit's id."""
    accounts.create_user(
        web.store.new_uow(), username="monitor.bj", full_name="Monitor Bj", password=PASSWORD,
        role="monitor", site_code="BJ01", as_user=None, one_time_password=False,
    )  # fmt: skip
    coordinator = next(
        u.id for u in accounts.list_users(web.store.new_uow()) if u.username == "coord.bj"
    )
    return clinical.record_visit(
        web.store.new_uow(), as_user=coordinator, subject_id=web.subject_id, visit_code="D8",
        visit_date=dt.date(2026, 3, 1),
    )  # fmt: skip


def _api(web: WebWorld, username: str) -> tuple[TestClient, dict[str, str]]:
    client = web.new_client()
    return client, {"X-CSRF-Token": login(client, username)}


def test_a_query_is_raised_on_a_field_answered_and_closed_through_the_api(web: WebWorld) -> None:
    visit = _setup(web)
    monitor, m_headers = _api(web, "monitor.bj")
    raised = monitor.post(
        "/api/v1/queries", headers=m_headers,
        json={"entity": "visits", "record_id": visit, "field": "visit_date",
              "message": "Source says 2 March"},
    )  # fmt: skip
    assert raised.status_code == 201, raised.text
    query = raised.json()
    assert (query["status"], query["field"], query["site_code"]) == ("open", "visit_date", "BJ01")
    coordinator, c_headers = _api(web, "coord.bj")
    answered = coordinator.post(
        f"/api/v1/queries/{query['id']}/replies", headers=c_headers,
        json={"message": "Corrected the source"},
    )  # fmt: skip
    assert answered.json()["status"] == "answered"
    closed = monitor.post(
        f"/api/v1/queries/{query['id']}/close", headers=m_headers, json={"message": "Thanks"}
    )
    assert closed.json()["status"] == "closed"
    assert [m["body"] for m in closed.json()["messages"]] == [
        "Source says 2 March", "Corrected the source", "Thanks",
    ]  # fmt: skip
    assert [m["author"] for m in closed.json()["messages"]] == [
        "Monitor Bj",
        "Coord.Bj",
        "Monitor Bj",
    ]


def test_a_query_on_a_field_the_record_does_not_have_is_refused_naming_the_field(
    web: WebWorld,
) -> None:
    visit = _setup(web)
    monitor, headers = _api(web, "monitor.bj")
    response = monitor.post(
        "/api/v1/queries", headers=headers,
        json={"entity": "visits", "record_id": visit, "field": "weight_kg", "message": "?"},
    )  # fmt: skip
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["field"]
    assert monitor.get("/api/v1/queries").json()["items"] == []


def test_a_coordinator_cannot_raise_a_query(web: WebWorld) -> None:
    visit = _setup(web)
    coordinator, headers = _api(web, "coord.bj")
    response = coordinator.post(
        "/api/v1/queries", headers=headers,
        json={"entity": "visits", "record_id": visit, "message": "?"},
    )  # fmt: skip
    # The coordinator sees the subject, so this is a refusal, not "not found".
    assert response.status_code == 403
    assert response.json()["message"].startswith("You may not raise queries for subject")


def test_lists_filter_by_status_and_hide_other_sites(web: WebWorld) -> None:
    visit = _setup(web)
    monitor, headers = _api(web, "monitor.bj")
    for note in ("first", "second"):
        monitor.post(
            "/api/v1/queries", headers=headers,
            json={"entity": "visits", "record_id": visit, "message": note},
        )  # fmt: skip
    first = min(q["id"] for q in monitor.get("/api/v1/queries").json()["items"])
    monitor.post(f"/api/v1/queries/{first}/close", headers=headers, json={"message": "done"})
    assert [q["status"] for q in monitor.get("/api/v1/queries").json()["items"]] == [
        "open",
        "closed",
    ]
    assert monitor.get("/api/v1/queries?status=open").json()["total"] == 1
    assert monitor.get("/api/v1/queries?site=BJ01&status=closed").json()["total"] == 1
    other, _ = _api(web, "coord.sh")
    assert other.get("/api/v1/queries").json()["items"] == []
    assert other.get(f"/api/v1/queries/{first}").status_code == 404
    assert monitor.get("/api/v1/queries?site=XX99").status_code == 422
    assert monitor.get("/api/v1/queries?status=pending").status_code == 422


def test_the_pages_raise_answer_and_close_a_query(web: WebWorld) -> None:
    visit = _setup(web)
    monitor = web.new_client()
    token = login(monitor, "monitor.bj")
    record = f"/subjects/{web.subject_id}/visits/{visit}"
    raised = monitor.post(
        record + "/queries", follow_redirects=False,
        data={"csrf_token": token, "field": "visit_code", "message": "Is this D8?"},
    )  # fmt: skip
    assert raised.status_code == 303
    assert raised.headers["location"] == f"{record}#field-visit_code"
    listed = monitor.get("/api/v1/queries").json()["items"]
    url = f"/queries/{listed[0]['id']}"
    coordinator = web.new_client()
    c_token = login(coordinator, "coord.bj")
    listing = coordinator.get("/queries?status=open").text
    assert "Is this D8?" in listing
    reply = coordinator.post(
        url + "/reply", data={"csrf_token": c_token, "message": "Yes"}, follow_redirects=False
    )
    assert reply.status_code == 303
    assert "answered" in coordinator.get(url).text
    monitor.post(url + "/close", data={"csrf_token": token, "message": "OK"})
    page = monitor.get(url).text
    assert "closed" in page
    assert "Close query" not in page


def test_the_query_list_sends_reviewers_to_the_field_and_takes_no_record_numbers(
    web: WebWorld,
) -> None:
    visit = _setup(web)
    monitor = web.new_client()
    token = login(monitor, "monitor.bj")
    page = monitor.get("/queries").text
    assert 'id="raise-hint"' in page
    assert "Record number" not in page
    response = monitor.post(
        "/queries",
        data={"csrf_token": token, "entity": "visits", "record_id": str(visit), "message": "?"},
    )
    assert response.status_code == 405
    assert monitor.get("/api/v1/queries").json()["items"] == []


def test_a_form_without_the_csrf_token_is_refused(web: WebWorld) -> None:
    visit = _setup(web)
    monitor = web.new_client()
    login(monitor, "monitor.bj")
    response = monitor.post(
        f"/subjects/{web.subject_id}/visits/{visit}/queries",
        data={"field": "visit_code", "message": "?"},
    )
    assert response.status_code == 403

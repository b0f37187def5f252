"""Source verification, locks and casebook sign-off through the API, with role and site checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from correction_world import Records
from journey_world import DAY1, Api, api_as
from trialdesk.services.accounts import accounts
from web_world import PASSWORD

WHY = "source document re-checked"


def _delete(api: Api, path: str, body: dict[str, Any]) -> httpx.Response:
    return api.client.request(
        "DELETE", f"/api/v1{path}", json=body, headers={"X-CSRF-Token": api.csrf}
    )


def _patch(api: Api, path: str, body: dict[str, Any]) -> httpx.Response:
    return api.client.patch(f"/api/v1{path}", json=body, headers={"X-CSRF-Token": api.csrf})


def _visit(records: Records) -> str:
    return f"/subjects/{records.subject_id}/visits/{records.ids['visits']}"


def _other_site_users(records: Records) -> None:
    for username, role in (("monitor.sh", "monitor"), ("dm.sh", "data_manager")):
        accounts.create_user(
            records.world.store.new_uow(), username=username, full_name=username.title(),
            password=PASSWORD, role=role, site_code="SH01", as_user=None,
            one_time_password=False,
        )  # fmt: skip


def test_a_monitor_verifies_and_a_correction_reports_the_reset(records: Records) -> None:
    monitor = api_as(records.world, "monitor.bj")
    form = monitor.post(f"{_visit(records)}/verification", {})
    field = monitor.post(f"{_visit(records)}/verification", {"field": "visit_date"})
    assert (form.status_code, field.status_code) == (201, 201), field.text
    assert [m["field"] for m in field.json()] == [None, "visit_date"]
    assert monitor.post(f"{_visit(records)}/verification", {}).status_code == 409

    records.world.clock.advance(days=1)
    later = DAY1 + dt.timedelta(days=1)  # inside the D1 window, not in the future

    corrected = _patch(
        api_as(records.world, "coord.bj"), _visit(records),
        {"changes": {"visit_date": later.isoformat()}, "reason": WHY},
    )  # fmt: skip
    assert corrected.status_code == 200, corrected.text
    assert sorted(corrected.json()["sdv_reset"], key=str) == sorted([None, "visit_date"], key=str)
    monitor = api_as(records.world, "monitor.bj")  # the day passed ended the session
    answer = monitor.get(f"/subjects/{records.subject_id}/verification")
    assert answer.status_code == 200, answer.text
    marks = answer.json()
    assert {m["reset_reason"] for m in marks} == {f"corrected: {WHY}"}


def test_verification_is_refused_to_other_roles_and_sites(records: Records) -> None:
    _other_site_users(records)
    path = f"{_visit(records)}/verification"
    assert api_as(records.world, "dm.bj").post(path, {}).status_code == 403
    assert api_as(records.world, "coord.bj").post(path, {}).status_code == 403
    assert api_as(records.world, "monitor.sh").post(path, {}).status_code == 404
    assert (
        api_as(records.world, "monitor.sh")
        .get(f"/subjects/{records.subject_id}/verification")
        .status_code
        == 404
    )
    unknown = api_as(records.world, "monitor.bj").post(path, {"field": "no_such_field"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "field"


def test_unverify_needs_a_reason(records: Records) -> None:
    monitor = api_as(records.world, "monitor.bj")
    monitor.post(f"{_visit(records)}/verification", {})
    assert _delete(monitor, f"{_visit(records)}/verification", {}).status_code == 422
    done = _delete(monitor, f"{_visit(records)}/verification", {"reason": "wrong chart"})
    assert done.status_code == 200
    assert done.json()[0]["reset_reason"] == "wrong chart"


def test_worklist_and_progress(records: Records) -> None:
    monitor = api_as(records.world, "monitor.bj")
    worklist = monitor.get("/source-verification/worklist?limit=2")
    assert worklist.status_code == 200
    body = worklist.json()
    assert body["total"] >= 3  # screening, consent, the serious adverse event at least
    assert len(body["items"]) == 2
    assert api_as(records.world, "coord.bj").get("/source-verification/worklist").status_code == 403
    progress = monitor.get("/source-verification/progress").json()
    assert [p["site_code"] for p in progress] == ["BJ01"]
    assert progress[0]["required"] == body["total"]


def test_a_lock_refuses_corrections_with_who_and_when_and_unlock_needs_a_reason(
    records: Records,
) -> None:
    manager = api_as(records.world, "dm.bj")
    created = manager.post(
        "/locks", {"level": "subject", "target_id": records.subject_id, "reason": "review done"}
    )
    assert created.status_code == 201, created.text
    lock = created.json()
    assert (lock["level"], lock["lock_reason"], lock["locked_by_name"]) == (
        "subject", "review done", "Dm.Bj",
    )  # fmt: skip
    refused = _patch(
        api_as(records.world, "coord.bj"), _visit(records),
        {"changes": {"visit_code": "D4"}, "reason": WHY},
    )  # fmt: skip
    assert refused.status_code == 409
    assert refused.json()["message"].startswith("Locked: subject BJ01-S001 was locked by Dm.Bj on ")
    assert [x["id"] for x in manager.get("/locks?level=subject").json()] == [lock["id"]]
    assert manager.post(f"/locks/{lock['id']}/unlock", {}).status_code == 422
    assert manager.post(f"/locks/{lock['id']}/unlock", {"reason": "query"}).status_code == 204
    assert manager.get("/locks").json() == []


def test_locks_are_refused_to_other_roles_and_sites(records: Records) -> None:
    _other_site_users(records)
    body = {"level": "subject", "target_id": records.subject_id}
    assert api_as(records.world, "monitor.bj").post("/locks", body).status_code == 403
    assert api_as(records.world, "dm.sh").post("/locks", body).status_code == 404
    study = api_as(records.world, "dm.bj").post("/locks", {"level": "study"})
    assert study.status_code == 403  # the study is frozen by a study-wide data manager only
    assert api_as(records.world, "dm.sh").get("/locks").json() == []


def test_the_investigator_signs_the_casebook_and_a_correction_invalidates_it(
    records: Records,
) -> None:
    investigator = api_as(records.world, "inv.bj")
    path = f"/subjects/{records.subject_id}/casebook/signature"
    assert investigator.get(path).json() == {"signature": None}
    assert [w["subject_id"] for w in investigator.get("/signatures/awaiting").json()] == [
        records.subject_id
    ]
    wrong = investigator.post(path, {"password": "not-the-password", "meaning": "I approve"})
    assert wrong.status_code == 401
    signed = investigator.post(path, {"password": PASSWORD, "meaning": "I approve the casebook"})
    assert signed.status_code == 201, signed.text
    assert (signed.json()["printed_name"], signed.json()["is_valid"]) == ("Dr Wang Fang", True)
    assert investigator.get("/signatures/awaiting").json() == []
    assert (
        api_as(records.world, "coord.bj")
        .post(path, {"password": PASSWORD, "meaning": "x"})
        .status_code
        == 403
    )

    _patch(
        api_as(records.world, "coord.bj"),
        f"/subjects/{records.subject_id}/therapies/{records.ids['therapies']}",
        {"changes": {"name": "Ruxolitinib 10 mg"}, "reason": WHY},
    )
    read = investigator.get(path).json()["signature"]
    assert read["is_valid"] is False
    assert read["invalidated_at"] is not None
    assert [w["subject_id"] for w in investigator.get("/signatures/awaiting").json()] == [
        records.subject_id
    ]


def test_a_record_signature_is_read_with_whether_it_still_holds(records: Records) -> None:
    with records.world.store.new_uow() as uow:  # the investigator's eligibility signature
        (signature,) = uow.records.find("signatures", entity="screening_records")
    investigator = api_as(records.world, "inv.bj")
    read = investigator.get(f"/signatures/{signature['id']}")
    assert read.status_code == 200, read.text
    assert (read.json()["printed_name"], read.json()["is_valid"]) == ("Dr Wang Fang", True)
    assert investigator.get("/signatures/999999").status_code == 404
    assert (
        api_as(records.world, "coord.sh").get(f"/signatures/{signature['id']}").status_code == 404
    )

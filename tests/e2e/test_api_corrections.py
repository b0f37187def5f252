"""Correcting and deleting every kind of record through the API; every refusal changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from correction_world import TABLES, Records
from journey_world import DAY1, Api, api_as
from trialdesk.domain.audit import AuditAction
from trialdesk.services.subjects import subjects

COLLECTIONS = list(TABLES)
WHY = "source document re-checked"
EARLIER = (DAY1 - dt.timedelta(days=1)).isoformat()
#: A visit is a post-randomization record: its corrected date stays after randomization (DAY1)
#: and inside the D1 window (±1 day), so no edit check stands in the way.
LATER = (DAY1 + dt.timedelta(days=1)).isoformat()

#: One correction per collection, and a field it changes in the stored record (with its value).
CORRECTIONS: dict[str, tuple[dict[str, Any], str, object]] = {
    "screenings": ({"screened_on": EARLIER}, "screened_on", DAY1 - dt.timedelta(days=1)),
    "consents": ({"form_version": "2.2"}, "form_version", "2.2"),
    "visits": ({"visit_date": LATER}, "visit_date", DAY1 + dt.timedelta(days=1)),
    "doses": ({"weight_kg": 70}, "weight_kg", 70.0),
    "assessments": ({"measurements": {"skin_bsa_pct": 10}}, "skin_stage", 1),
    "adverse-events": ({"ctcae_grade": 2}, "ctcae_grade", 2),
    "therapies": ({"name": "Ruxolitinib 10 mg"}, "name", "Ruxolitinib 10 mg"),
    "outcomes": ({"details": "confirmed by biopsy"}, "details", "confirmed by biopsy"),
}


def _path(records: Records, collection: str, subject_id: int | None = None) -> str:
    subject = records.subject_id if subject_id is None else subject_id
    return f"/api/v1/subjects/{subject}/{collection}/{records.ids[collection]}"


def _patch(api: Api, path: str, body: dict[str, Any]) -> httpx.Response:
    return api.client.patch(path, json=body, headers={"X-CSRF-Token": api.csrf})


def _delete(api: Api, path: str, body: dict[str, Any]) -> httpx.Response:
    return api.client.request("DELETE", path, json=body, headers={"X-CSRF-Token": api.csrf})


def _fields(response: httpx.Response) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_a_correction_with_a_reason_is_saved_audited_and_answered_with_the_record(
    records: Records, collection: str
) -> None:
    changes, field, value = CORRECTIONS[collection]
    records.world.clock.advance(days=1)  # corrected the next day, so LATER is not in the future
    api = api_as(records.world, "coord.bj")

    answer = _patch(api, _path(records, collection), {"changes": changes, "reason": WHY})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["collection"], body["id"]) == (collection, records.ids[collection])
    assert field in {c["field"] for c in body["changed"]}
    assert records.row(collection)[field] == value
    # The seeded doses moved the subject on treatment; no correction moved it back.
    assert body["subject"]["state"] == "on_treatment"
    with records.world.store.new_uow() as uow:
        updates = [
            e
            for e in uow.audit.entries(subject_id=records.subject_id)
            if (e.entity, e.entity_id) == (TABLES[collection], str(records.ids[collection]))
            and e.action is AuditAction.UPDATE
        ]
    assert field in {e.field for e in updates}
    # (The screening record also carries the investigator's attestation, an earlier update.)
    assert {e.reason for e in updates if e.field == field} == {WHY}


def test_a_corrected_assessment_answers_with_its_re_derived_stages_grade_and_visit(
    records: Records,
) -> None:
    api = api_as(records.world, "coord.bj")
    answer = _patch(
        api, _path(records, "assessments"),
        {"changes": {"measurements": {"skin_bsa_pct": 10, "bilirubin": 1.0}}, "reason": WHY},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    record = answer.json()["record"]
    assert record["stages"] == {"skin": 1, "liver": 0, "upper_gi": 0, "lower_gi": 1}
    assert record["grade"] == 2  # skin 1 + lower GI 1 → grade II (was III with liver 2)
    assert record["visit"] == "D1"
    assert record["measurements"]["stool_ml_per_day"] == 800  # not sent: kept as recorded
    changed = {c["field"]: (c["old"], c["new"]) for c in answer.json()["changed"]}
    assert changed["grade"] == (3, 2)
    detail = api.get(f"/subjects/{records.subject_id}/detail").json()
    assert detail["assessments"][0]["grade"] == 2


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_a_deletion_with_a_reason_marks_the_record_and_keeps_it_in_the_trail(
    records: Records, collection: str
) -> None:
    api = api_as(records.world, "coord.bj")

    answer = _delete(api, _path(records, collection), {"reason": "entered for the wrong patient"})

    assert answer.status_code == 200, answer.text
    assert answer.json()["deleted_reason"] == "entered for the wrong patient"
    row = records.row(collection)
    assert row["deleted_at"] is not None
    assert row["deleted_by"] == records.users["coord.bj"]
    with records.world.store.new_uow() as uow:
        assert uow.records.find(TABLES[collection], subject_id=records.subject_id) == []
        last = [
            e
            for e in uow.audit.entries(subject_id=records.subject_id)
            if e.entity == TABLES[collection]
        ][-1]
    assert (last.action, last.reason) == (AuditAction.DELETE, "entered for the wrong patient")
    assert last.old_value is not None
    assert f'"subject_id":{records.subject_id}' in last.old_value  # the whole old record
    again = _patch(
        api, _path(records, collection), {"changes": CORRECTIONS[collection][0], "reason": WHY}
    )
    assert again.status_code == 404


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_every_refused_correction_or_deletion_changes_nothing(
    records: Records, collection: str
) -> None:
    changes = CORRECTIONS[collection][0]
    path = _path(records, collection)
    # Logging in is audited: everyone logs in before the snapshot.
    coordinator, monitor, other_site = (
        api_as(records.world, name) for name in ("coord.bj", "monitor.bj", "coord.sh")
    )
    before = records.snapshot()

    def refused(response: httpx.Response, status: int) -> httpx.Response:
        assert response.status_code == status, response.text
        assert records.snapshot() == before
        return response

    # Without a reason, or with a blank one.
    for body in ({"changes": changes}, {"changes": changes, "reason": ""}):
        assert _fields(refused(_patch(coordinator, path, body), 422)) == ["reason"]
    blank = refused(_patch(coordinator, path, {"changes": changes, "reason": "  "}), 422)
    assert _fields(blank) == ["reason"]
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        assert _fields(refused(_delete(coordinator, path, body), 422)) == ["reason"]
    # A derived or unknown field, named by its path.
    derived = refused(
        _patch(coordinator, path, {"changes": {"created_by": 1, "id": 9}, "reason": WHY}), 422
    )
    assert _fields(derived) == ["changes.created_by", "changes.id"]
    # A role that may see the subject but not enter data.
    refused(_patch(monitor, path, {"changes": changes, "reason": WHY}), 403)
    refused(_delete(monitor, path, {"reason": WHY}), 403)
    # Another site's coordinator: the subject and its records do not exist for them.
    refused(_patch(other_site, path, {"changes": changes, "reason": WHY}), 404)
    refused(_delete(other_site, path, {"reason": WHY}), 404)
    # The record under another subject's id in the path.
    other = subjects.register_subject(
        records.world.store.new_uow(), as_user=records.users["coord.bj"], site_code="BJ01",
        screening_number="BJ01-S099",
    )  # fmt: skip
    before = records.snapshot()
    elsewhere = _path(records, collection, subject_id=other.id)
    refused(_patch(coordinator, elsewhere, {"changes": changes, "reason": WHY}), 404)
    refused(_delete(coordinator, elsewhere, {"reason": WHY}), 404)


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_a_locked_record_refuses_correction_and_deletion(records: Records, collection: str) -> None:
    records.lock(collection)
    api = api_as(records.world, "coord.bj")
    path = _path(records, collection)
    before = records.snapshot()

    corrected = _patch(api, path, {"changes": CORRECTIONS[collection][0], "reason": WHY})
    deleted = _delete(api, path, {"reason": WHY})

    for response in (corrected, deleted):
        assert response.status_code == 409, response.text
        assert "Locked: " in response.json()["message"]
    assert records.snapshot() == before


def test_a_bad_value_in_changes_is_named_by_its_path_and_saves_nothing(records: Records) -> None:
    api = api_as(records.world, "coord.bj")
    before = records.snapshot()
    tomorrow = (DAY1 + dt.timedelta(days=1)).isoformat()
    measured = "changes.measurements"
    cases = [
        ("assessments", {"measurements": {"skin_bsa_pct": 150}}, f"{measured}.skin_bsa_pct"),
        ("assessments", {"measurements": {"grade": 1}}, f"{measured}.grade"),
        ("adverse-events", {"onset_on": tomorrow}, "changes.onset_on"),
        ("adverse-events", {"aware_at": "2026-03-01T08:00"}, "changes.aware_at"),
        ("doses", {"weight_kg": 900}, "changes.weight_kg"),
        ("screenings", {"answers": {"agee": 40}}, "changes.answers.agee"),
        ("therapies", {"stopped_on": EARLIER}, "changes.stopped_on"),
        ("outcomes", {"occurred_on": None}, "changes.occurred_on"),
        ("visits", {}, "changes"),
    ]
    for collection, changes, field in cases:
        refused = _patch(api, _path(records, collection), {"changes": changes, "reason": WHY})
        assert refused.status_code == 422, (collection, refused.text)
        assert _fields(refused) == [field], (collection, refused.text)
    assert records.snapshot() == before


def test_deleting_a_death_entered_in_error_restores_the_subjects_state(records: Records) -> None:
    api = api_as(records.world, "inv.bj")
    death = api.post(
        f"/subjects/{records.subject_id}/outcomes",
        {"kind": "death", "occurred_on": DAY1.isoformat(), "cause": "sepsis"},
    )
    assert death.json()["subject"]["state"] == "died"

    path = f"/api/v1/subjects/{records.subject_id}/outcomes/{death.json()['id']}"
    deleted = _delete(api, path, {"reason": "entered for the wrong patient"})

    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["subject"]["state"] == "on_treatment"

"""Protocol forms through the API: declarations, saving, refusals that change nothing."""

from __future__ import annotations

from typing import Any

import httpx

from correction_world import Records
from journey_world import DAY1, Api, api_as, count

STEROID: dict[str, Any] = {
    "drug": "methylprednisolone", "dose_mg_per_day": 50, "route": "iv",
    "started_on": DAY1.isoformat(),
}  # fmt: skip
MSC: dict[str, Any] = {
    "infused_on": DAY1.isoformat(), "lot_number": "UC-2026-001", "cells_released_1e6": 65,
    "viability_pct": 92, "weight_kg": 65, "infusion_reaction": False,
}  # fmt: skip


def _post(api: Api, records: Records, form: str, body: dict[str, Any]) -> httpx.Response:
    return api.post(f"/subjects/{records.subject_id}/forms/{form}", body)


def _arm(records: Records) -> str:
    with records.world.store.new_uow() as uow:
        return str(uow.records.find("allocations", subject_id=records.subject_id)[0]["arm"])


def test_the_protocol_forms_are_listed_with_fields_units_and_conditions(records: Records) -> None:
    answer = records.world.client.get("/api/v1/protocol/forms")
    assert answer.status_code == 200
    forms = {f["code"]: f for f in answer.json()}
    assert list(forms) == [
        "baseline_risk", "corticosteroids", "immunosuppressants", "infections", "chronic_gvhd",
        "msc_product",
    ]  # fmt: skip
    dose = next(f for f in forms["corticosteroids"]["fields"] if f["name"] == "dose_mg_per_day")
    assert (dose["unit"], dose["minimum"], dose["maximum"], dose["required"]) == (
        "mg/day", 0, 5000, True,
    )  # fmt: skip
    load = next(f for f in forms["infections"]["fields"] if f["name"] == "viral_load_copies_ml")
    assert load["required_if"] == {
        "field": "category", "value": ["cmv_dnaemia", "ebv_dnaemia", "hhv6_dnaemia"],
    }  # fmt: skip
    assert (forms["msc_product"]["arms"], forms["msc_product"]["visits"]) == (
        ["msc_cd25"], ["D1", "D8", "D15", "D22"],
    )  # fmt: skip


def test_a_saved_record_is_answered_with_its_derived_values(records: Records) -> None:
    api = api_as(records.world, "coord.bj")
    answer = _post(api, records, "corticosteroids", {"values": STEROID})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["form"], body["record_date"]) == ("corticosteroids", DAY1.isoformat())
    # 50 mg methylprednisolone = 62.5 mg prednisone; the dose was recorded at 65 kg.
    assert body["derived"]["prednisone_mg_per_day"] == 62.5
    assert body["derived"]["prednisone_mg_per_kg_day"] == round(62.5 / 65, 3)
    listed = api.get(f"/subjects/{records.subject_id}/forms").json()
    section = next(s for s in listed["forms"] if s["form"] == "corticosteroids")
    assert [r["id"] for r in section["records"]] == [body["id"]]
    assert section["may_add"] is True
    chronic = next(s for s in listed["forms"] if s["form"] == "chronic_gvhd")
    assert [(v["visit_code"], v["state"]) for v in chronic["visits"]] == [
        ("W8", "upcoming"), ("W12", "upcoming"), ("W26", "upcoming"), ("W52", "upcoming"),
    ]  # fmt: skip
    assert chronic["visits"][0]["planned_on"] == "2026-04-27"  # study day 57


def test_bad_values_are_named_under_values_and_nothing_is_saved(records: Records) -> None:
    api = api_as(records.world, "coord.bj")
    bad = {**STEROID, "dose_mg_per_day": 5001, "colour": "red"}
    answer = _post(api, records, "corticosteroids", {"values": bad})
    assert answer.status_code == 422
    errors = {e["field"]: e["message"] for e in answer.json()["errors"]}
    assert errors["values.dose_mg_per_day"].startswith(
        "Daily dose must be between 0 and 5000 mg/day"
    )
    assert "values.colour" in errors
    assert count(records.world, "form_records") == 0


def test_an_unknown_form_and_a_missing_visit_are_refused(records: Records) -> None:
    api = api_as(records.world, "coord.bj")
    unknown = _post(api, records, "vitals", {"values": {}})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "form"
    chronic = _post(api, records, "chronic_gvhd", {"values": {}})
    assert chronic.status_code == 422
    assert chronic.json()["errors"][0]["field"] == "visit_code"


def test_another_site_sees_not_found_and_nothing_is_saved(records: Records) -> None:
    other = api_as(records.world, "coord.sh")
    assert _post(other, records, "corticosteroids", {"values": STEROID}).status_code == 404
    assert other.get(f"/subjects/{records.subject_id}/forms").status_code == 404
    monitor = api_as(records.world, "monitor.bj")
    assert _post(monitor, records, "corticosteroids", {"values": STEROID}).status_code == 403
    forms = monitor.get(f"/subjects/{records.subject_id}/forms").json()["forms"]
    assert not any(s["may_add"] for s in forms)
    assert count(records.world, "form_records") == 0


def test_the_msc_form_follows_the_subjects_arm(records: Records) -> None:
    api = api_as(records.world, "coord.bj")
    answer = _post(api, records, "msc_product", {"values": MSC, "visit_code": "D1"})
    if _arm(records) == "msc_cd25":
        assert answer.status_code == 201, answer.text
        assert answer.json()["derived"]["cells_1e6_per_kg"] == 1.0
    else:
        assert answer.status_code == 409
        assert "applies only to subjects in" in answer.json()["message"]
        assert count(records.world, "form_records") == 0


def test_a_correction_through_the_corrections_api_re_derives(records: Records) -> None:
    api = api_as(records.world, "coord.bj")
    saved = _post(api, records, "corticosteroids", {"values": STEROID}).json()
    path = f"/api/v1/subjects/{records.subject_id}/forms/{saved['id']}"
    headers = {"X-CSRF-Token": api.csrf}
    body = {"changes": {"values": {"dose_mg_per_day": -1}}, "reason": "typo"}
    refused = api.client.patch(path, json=body, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "changes.values.dose_mg_per_day"
    body = {"changes": {"values": {"drug": "prednisone"}}, "reason": "source re-checked"}
    answer = api.client.patch(path, json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["record"]["derived"]["prednisone_mg_per_day"] == 50.0
    assert {c["field"] for c in answer.json()["changed"]} == {"values", "derived"}

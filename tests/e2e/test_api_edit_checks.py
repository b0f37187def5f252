"""Edit checks through the JSON API: 422 refusals, 409 warnings, the confirm round trip, dry run."""

from __future__ import annotations

import datetime as dt

from journey_world import DAY1, OBJECTIVE, Api, api_as, count, investigator_signs_off
from web_world import WebWorld

BILIRUBIN_34 = {"skin_bsa_pct": 30, "bilirubin": 34, "bilirubin_unit": "mg/dL"}


def _randomized(api: Api) -> tuple[int, str]:
    created = api.post("/subjects", {"site_code": "BJ01", "screening_number": "BJ01-E001"})
    subject_id = int(created.json()["id"])
    day = DAY1.isoformat()
    screened = api.post(
        f"/subjects/{subject_id}/screenings", {"screened_on": day, "answers": OBJECTIVE}
    )
    assert screened.status_code == 201, screened.text
    consent = {"consented_on": day, "form_version": "2.1", "obtained_by": "Dr Li"}
    assert api.post(f"/subjects/{subject_id}/consents", consent).status_code == 201
    investigator_signs_off(api.client, subject_id)
    allocated = api.post(
        f"/subjects/{subject_id}/randomization", {"baseline_grade": 3, "gi_involvement": True}
    )
    assert allocated.status_code == 201, allocated.text
    return subject_id, allocated.json()["arm"]


def test_the_issues_7_2_cell_dose_is_refused_naming_the_field(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    subject_id, arm = _randomized(api)
    assert arm == "msc_cd25"  # the first allocation of the seeded production list
    dose = {
        "product": "uc_msc", "administered_on": DAY1.isoformat(), "weight_kg": 72,
        "dose_value": 7.2, "dose_unit": "cells",
    }  # fmt: skip
    refused = api.post(f"/subjects/{subject_id}/doses", dose)
    assert refused.status_code == 422
    body = refused.json()
    assert body["error"] == "InputError"
    assert [e["field"] for e in body["errors"]] == ["dose_value"]
    assert "10 × 10⁶ times smaller than the computed dose 72 × 10⁶" in body["errors"][0]["message"]
    assert body["warnings"] == []
    tenfold = {**dose, "product": "anti_cd25", "dose_value": 2000, "dose_unit": "mg"}
    refused = api.post(f"/subjects/{subject_id}/doses", tenfold)
    assert refused.status_code == 422
    assert "100 times the computed dose 20" in refused.json()["errors"][0]["message"]
    assert count(journey, "dose_administrations") == 0


def test_bilirubin_34_mg_dl_warns_409_and_saves_once_confirmed(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    subject_id, _ = _randomized(api)
    assessment = {
        "assessed_on": DAY1.isoformat(),
        "additional_therapy": False,
        "measurements": BILIRUBIN_34,
    }
    asked = api.post(f"/subjects/{subject_id}/assessments", assessment)
    assert asked.status_code == 409
    body = asked.json()
    assert body["error"] == "ConfirmationRequiredError"
    assert body["errors"] == []
    (warning,) = body["warnings"]
    assert set(warning) == {"code", "field", "message"}
    assert (warning["code"], warning["field"]) == (
        "bilirubin_mg_dl_range",
        "measurements.bilirubin",
    )
    assert count(journey, "gvhd_assessments") == 0

    confirmed = {**assessment, "confirm": [warning["code"]], "reason": "lab report says mg/dL"}
    saved = api.post(f"/subjects/{subject_id}/assessments", confirmed)
    assert saved.status_code == 201, saved.text
    assert saved.json()["stages"]["liver"] == 4
    with journey.store.new_uow() as uow:
        (query,) = uow.records.find("queries")
    assert (query["entity_id"], query["origin"]) == (
        saved.json()["id"],
        "edit_check:bilirubin_mg_dl_range",
    )


def test_an_assessment_dated_before_randomization_is_refused(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    subject_id, _ = _randomized(api)
    before = (DAY1 - dt.timedelta(days=1)).isoformat()
    refused = api.post(
        f"/subjects/{subject_id}/assessments",
        {
            "assessed_on": before,
            "additional_therapy": False,
            "measurements": {"skin_bsa_pct": 30, "bilirubin": 2},
        },
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["assessed_on"]
    assert "before randomization on 2026-03-02" in refused.json()["errors"][0]["message"]


def test_the_dry_run_lists_findings_and_saves_nothing(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    subject_id, arm = _randomized(api)
    product = "uc_msc" if arm == "msc_cd25" else "anti_cd25"
    dose = {"product": product, "administered_on": DAY1.isoformat(), "weight_kg": 72,
            "dose_value": 7.2}  # fmt: skip
    checked = api.post(f"/subjects/{subject_id}/edit-checks/dose_administrations", {"values": dose})
    assert checked.status_code == 200
    found = {(f["code"], f["severity"], f["field"]) for f in checked.json()["findings"]}
    assert ("dose_tenfold", "hard", "dose_value") in found
    assessment = {"assessed_on": DAY1.isoformat(), "measurements": {"bilirubin": 34}}
    checked = api.post(
        f"/subjects/{subject_id}/edit-checks/gvhd_assessments", {"values": assessment}
    )
    assert [(f["code"], f["severity"]) for f in checked.json()["findings"]] == [
        ("bilirubin_mg_dl_range", "soft")
    ]
    half_typed = {"assessed_on": "2026-0", "measurements": {"bilirubin": "3"}}
    checked = api.post(
        f"/subjects/{subject_id}/edit-checks/gvhd_assessments", {"values": half_typed}
    )
    assert checked.json()["findings"] == []
    unknown = api.post(f"/subjects/{subject_id}/edit-checks/labs", {"values": {}})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "collection"
    assert count(journey, "dose_administrations") == count(journey, "gvhd_assessments") == 0


def test_the_dry_run_is_for_those_who_enter_the_subjects_data(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    subject_id, _ = _randomized(api)
    other_site = api_as(journey, "coord.sh")
    hidden = other_site.post(f"/subjects/{subject_id}/edit-checks/visits", {"values": {}})
    assert hidden.status_code == 404


def test_the_openapi_document_declares_the_warnings_of_a_409(web: WebWorld) -> None:
    document = web.client.get("/api/v1/openapi.json").json()
    create = document["paths"]["/api/v1/subjects/{subject_id}/doses"]["post"]
    assert "409" in create["responses"]
    error = document["components"]["schemas"]["ErrorRead"]["properties"]
    assert error["warnings"]["items"]["$ref"].endswith("/WarningRead")
    body = document["components"]["schemas"]["DoseCreate"]["properties"]
    assert {"confirm", "reason"} <= set(body)

"""Inputs the API must refuse or keep pending, through the JSON API on both engines.

* Every state change after the subject's initial entry gives a reason; the move to
  ``randomized`` made by randomization is audited with its own entry and reason.
* A value trialdesk derives (grade, stages, response, eligibility, planned dose, window,
  seriousness…) is refused when a client sends it, naming the field, and nothing is saved.
* A screening with answers missing stays ``screening`` and lists what is missing; only an
  answered criterion that fails makes the (final) screen failure.
"""

from __future__ import annotations

from typing import Any

import pytest

from journey_world import BASELINE, DAY1, OBJECTIVE, Api, api_as, count, investigator_signs_off
from trialdesk.bootstrap import load_protocol
from web_world import WebWorld

PROTOCOL = load_protocol()


def _screened(api: Api, number: str = "BJ01-S002") -> int:
    created = api.post("/subjects", {"site_code": "BJ01", "screening_number": number})
    assert created.status_code == 201, created.text
    subject_id = int(created.json()["id"])
    screened = api.post(
        f"/subjects/{subject_id}/screenings",
        {"screened_on": DAY1.isoformat(), "answers": OBJECTIVE},
    )
    assert screened.status_code == 201, screened.text
    consent = {"consented_on": DAY1.isoformat(), "form_version": "2.1", "obtained_by": "Dr Li"}
    assert api.post(f"/subjects/{subject_id}/consents", consent).status_code == 201
    investigator_signs_off(api.client, subject_id)
    return subject_id


def _randomized(api: Api) -> int:
    subject_id = _screened(api)
    allocated = api.post(
        f"/subjects/{subject_id}/randomization", {"baseline_grade": 3, "gi_involvement": True}
    )
    assert allocated.status_code == 201, allocated.text
    return subject_id


def _errors(response: Any) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"state": "withdrawn"}, id="no reason"),
        pytest.param({"state": "withdrawn", "reason": "   "}, id="blank reason"),
        pytest.param({"state": "withdrawn", "reason": None}, id="null reason"),
    ],
)
def test_a_state_change_without_a_reason_is_refused_naming_reason_and_changes_nothing(
    web: WebWorld, body: dict[str, object]
) -> None:
    api = api_as(web, "coord.bj")
    audit_before = count(web, "audit_trail")
    refused = api.post(f"/subjects/{web.subject_id}/state", body)
    assert refused.status_code == 422
    assert list(_errors(refused)) == ["reason"]
    assert api.get(f"/subjects/{web.subject_id}").json()["state"] == "screening"
    assert count(web, "audit_trail") == audit_before


def test_a_state_change_with_a_reason_is_audited_with_it(web: WebWorld) -> None:
    api = api_as(web, "coord.bj")
    moved = api.post(
        f"/subjects/{web.subject_id}/state", {"state": "withdrawn", "reason": "consent withdrawn"}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["state"] == "withdrawn"
    trail = api.get(f"/subjects/{web.subject_id}/audit").json()
    (entry,) = [e for e in trail if e["field"] == "state"]
    assert (entry["old_value"], entry["new_value"], entry["reason"]) == (
        '"screening"', '"withdrawn"', "consent withdrawn",
    )  # fmt: skip


def test_randomization_audits_the_move_to_randomized_with_its_own_entry(
    journey: WebWorld,
) -> None:
    api = api_as(journey, "coord.bj")
    subject_id = _randomized(api)
    trail = api.get(f"/subjects/{subject_id}/audit").json()
    moves = [(e["old_value"], e["new_value"], e["reason"]) for e in trail if e["field"] == "state"]
    assert moves == [
        ('"screening"', '"eligible"', "eligible, randomized"),
        ('"eligible"', '"randomized"', "randomized"),
    ]
    (allocation,) = [e for e in trail if e["entity"] == "allocations"]
    assert allocation["reason"] == "randomized (production list)"


def _assessment(**extra: object) -> dict[str, object]:
    return {
        "assessed_on": DAY1.isoformat(), "additional_therapy": False,
        "measurements": BASELINE, **extra,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("body", "field", "source"),
    [
        pytest.param(_assessment(grade=1), "grade", "the organ stages", id="grade"),
        pytest.param(
            _assessment(measurements={**BASELINE, "grade": 1}),
            "measurements.grade",
            "the organ stages",
            id="measurements.grade",
        ),
        pytest.param(
            _assessment(measurements={**BASELINE, "liver_stage": 0}),
            "measurements.liver_stage",
            "the measurements",
            id="measurements.liver_stage",
        ),
        pytest.param(
            _assessment(stages={"skin": 0, "liver": 0, "upper_gi": 0, "lower_gi": 0}),
            "stages",
            "the measurements",
            id="stages",
        ),
        pytest.param(_assessment(response="CR"), "response", "this assessment", id="response"),
    ],
)
def test_an_assessment_sent_with_a_derived_value_is_refused_naming_it(
    journey: WebWorld, body: dict[str, object], field: str, source: str
) -> None:
    api = api_as(journey, "coord.bj")
    subject_id = _randomized(api)
    refused = api.post(f"/subjects/{subject_id}/assessments", body)
    assert refused.status_code == 422
    errors = _errors(refused)
    assert list(errors) == [field]
    name = field.rsplit(".", 1)[-1]
    assert errors[field].startswith(f"{name} is derived by trialdesk from {source}")
    assert errors[field].endswith("do not send it")
    assert count(journey, "gvhd_assessments") == 0


def test_the_documented_refusal_of_a_sent_grade(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    subject_id = _randomized(api)
    refused = api.post(f"/subjects/{subject_id}/assessments", _assessment(grade=3))
    assert _errors(refused) == {
        "grade": "grade is derived by trialdesk from the organ stages; do not send it"
    }


def test_an_unknown_field_of_an_assessment_is_refused_rather_than_dropped(
    journey: WebWorld,
) -> None:
    api = api_as(journey, "coord.bj")
    subject_id = _randomized(api)
    refused = api.post(f"/subjects/{subject_id}/assessments", _assessment(asessed_on="x"))
    assert refused.status_code == 422
    assert list(_errors(refused)) == ["asessed_on"]
    assert count(journey, "gvhd_assessments") == 0


def test_derived_values_of_other_records_are_refused_naming_them(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    subject_id = _randomized(api)
    dose = {
        "product": "anti_cd25", "administered_on": DAY1.isoformat(), "weight_kg": 65,
        "dose_value": 20, "dose_unit": "mg", "planned_dose_value": 20,
    }  # fmt: skip
    visit = {"visit_code": "D1", "visit_date": DAY1.isoformat(), "window": "on_time"}
    event = {
        "term": "Pneumonia", "ctcae_grade": 3, "onset_on": DAY1.isoformat(),
        "aware_at": f"{DAY1.isoformat()}T09:00:00+08:00", "outcome": "not_recovered",
        "serious": False,
    }  # fmt: skip
    for path, body, field, table in [
        ("doses", dose, "planned_dose_value", "dose_administrations"),
        ("visits", visit, "window", "visits"),
        ("adverse-events", event, "serious", "adverse_events"),
    ]:
        before = count(journey, table)
        refused = api.post(f"/subjects/{subject_id}/{path}", body)
        assert refused.status_code == 422, (path, refused.text)
        assert list(_errors(refused)) == [field]
        assert "is derived by trialdesk" in _errors(refused)[field]
        assert count(journey, table) == before


def test_a_screening_sent_with_its_verdict_is_refused(web: WebWorld) -> None:
    api = api_as(web, "coord.bj")
    refused = api.post(
        f"/subjects/{web.subject_id}/screenings",
        {"screened_on": DAY1.isoformat(), "answers": {"age_years": 45}, "eligible": True},
    )
    assert refused.status_code == 422
    assert list(_errors(refused)) == ["eligible"]
    assert count(web, "screening_records") == 0


def test_a_screening_with_one_answer_of_eleven_stays_in_screening_listing_the_missing(
    web: WebWorld,
) -> None:
    api = api_as(web, "coord.bj")
    saved = api.post(
        f"/subjects/{web.subject_id}/screenings",
        {"screened_on": DAY1.isoformat(), "answers": {"age_years": 45}},
    )
    assert saved.status_code == 201, saved.text
    answer = saved.json()
    assert answer["eligible"] is False
    assert answer["subject"]["state"] == "screening"
    unanswered = [c.id for c in PROTOCOL.criteria if c.field != "age_years"]
    assert len(unanswered) == len(PROTOCOL.criteria) - 1 >= 10
    assert answer["missing"] == unanswered
    assert {c["status"] for c in answer["criteria"]} == {"met", "missing"}
    assert api.get(f"/subjects/{web.subject_id}").json()["state"] == "screening"


def test_only_an_answered_failing_criterion_makes_a_screen_failure(web: WebWorld) -> None:
    api = api_as(web, "coord.bj")
    saved = api.post(
        f"/subjects/{web.subject_id}/screenings",
        {"screened_on": DAY1.isoformat(), "answers": {"age_years": 45, "active_infection": True}},
    )
    assert saved.status_code == 201, saved.text
    assert saved.json()["subject"]["state"] == "screen_failed"
    by_id = {c["criterion_id"]: c["status"] for c in saved.json()["criteria"]}
    assert by_id["EX3"] == "not_met"
    assert "EX3" not in saved.json()["missing"]

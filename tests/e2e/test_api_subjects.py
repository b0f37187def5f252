"""The subject workflow through the JSON API: screening, randomization and the clinical record."""

from __future__ import annotations

import datetime as dt

from journey_world import (
    BASELINE,
    DAY1,
    ELIGIBLE,
    OBJECTIVE,
    Api,
    api_as,
    count,
    investigator_signs_off,
)
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


def _randomized(api: Api) -> tuple[int, str]:
    subject_id = _screened(api)
    allocated = api.post(
        f"/subjects/{subject_id}/randomization", {"baseline_grade": 3, "gi_involvement": True}
    )
    assert allocated.status_code == 201, allocated.text
    return subject_id, allocated.json()["arm"]


def _first_dose(api: Api, subject_id: int) -> None:
    dose = {
        "product": "anti_cd25", "administered_on": DAY1.isoformat(), "weight_kg": 65,
        "dose_value": 20, "dose_unit": "mg",
    }  # fmt: skip
    assert api.post(f"/subjects/{subject_id}/doses", dose).status_code == 201


def test_live_eligibility_check_names_each_criterion_status_with_its_reason(
    web: WebWorld,
) -> None:
    api = api_as(web, "coord.bj")
    partial = api.post("/eligibility/check", {"answers": {"age_years": 75, "anc_10e9_per_l": 1}})
    assert partial.status_code == 200
    by_id = {c["criterion_id"]: c for c in partial.json()["criteria"]}
    assert partial.json()["eligible"] is False
    assert by_id["AGE"]["status"] == "not_met"
    assert "75" in by_id["AGE"]["reason"]
    assert by_id["IN2"]["status"] == "met"
    assert by_id["IN3"]["status"] == "missing"
    complete = api.post("/eligibility/check", {"answers": ELIGIBLE}).json()
    assert complete["eligible"] is True
    assert {c["status"] for c in complete["criteria"]} == {"met", "attested"}


def test_an_unknown_screening_answer_is_refused_with_its_path(web: WebWorld) -> None:
    api = api_as(web, "coord.bj")
    refused = api.post("/eligibility/check", {"answers": {"agee": 40}})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["answers.agee"]


def test_an_ineligible_screening_is_saved_and_fails_the_subject(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    answers = {**OBJECTIVE, "anc_10e9_per_l": 0.2}
    saved = api.post(
        f"/subjects/{journey.subject_id}/screenings",
        {"screened_on": DAY1.isoformat(), "answers": answers},
    )
    assert saved.status_code == 201
    assert saved.json()["eligible"] is False
    assert api.get(f"/subjects/{journey.subject_id}").json()["state"] == "screen_failed"


def test_screen_failure_with_a_reason_moves_the_subject(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    moved = api.post(
        f"/subjects/{journey.subject_id}/state",
        {"state": "screen_failed", "reason": "withdrew before screening finished"},
    )
    assert moved.status_code == 200
    assert moved.json()["state"] == "screen_failed"


def test_randomization_shows_arm_and_time_but_never_the_list_position(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    subject_id, arm = _randomized(api)
    detail = api.get(f"/subjects/{subject_id}/detail").json()
    assert arm in {a.code for a in PROTOCOL.arms}
    assert detail["arm"] == arm
    assert detail["subject"]["state"] == "randomized"
    body = api.get(f"/subjects/{subject_id}/audit").text
    assert "position" not in body
    assert "block" not in body


def test_an_allocation_made_in_error_is_flagged_with_a_reason_and_stays(
    journey: WebWorld,
) -> None:
    api = api_as(journey, "coord.bj")
    subject_id, arm = _randomized(api)
    path = f"/subjects/{subject_id}/randomization/error"
    blank = api.post(path, {"reason": ""})
    assert blank.status_code == 422
    assert [e["field"] for e in blank.json()["errors"]] == ["reason"]
    flagged = api.post(path, {"reason": "wrong patient chosen from the list"})
    assert flagged.status_code == 200, flagged.text
    assert flagged.json()["state"] == "randomized"
    assert api.get(f"/subjects/{subject_id}/detail").json()["arm"] == arm
    audit = api.get(f"/subjects/{subject_id}/audit").json()
    assert any(
        e["entity"] == "allocations" and e["reason"] == "wrong patient chosen from the list"
        for e in audit
    )
    again = api.post(path, {"reason": "once more"})
    assert again.status_code == 409
    assert "already flagged" in again.text
    assert count(journey, "allocations") == 1


def test_randomizing_without_consent_is_refused_and_allocates_nothing(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    api.post(
        f"/subjects/{journey.subject_id}/screenings",
        {"screened_on": DAY1.isoformat(), "answers": OBJECTIVE},
    )
    investigator_signs_off(api.client, journey.subject_id)
    refused = api.post(
        f"/subjects/{journey.subject_id}/randomization",
        {"baseline_grade": 3, "gi_involvement": False},
    )
    assert refused.status_code == 422
    assert "consent" in [e["field"] for e in refused.json()["errors"]]
    assert count(journey, "allocations") == 0


def test_a_dose_carries_the_planned_dose_for_the_recorded_weight(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    subject_id, _ = _randomized(api)
    planned = api.post("/dosing/planned", {"product": "uc_msc", "weight_kg": 65}).json()
    assert planned["dose_value"] == 65 * 1e6
    assert planned["dose_unit"] == "cells"
    dose = {
        "product": "anti_cd25", "administered_on": DAY1.isoformat(), "weight_kg": 72.5,
        "dose_value": 20, "dose_unit": "mg",
    }  # fmt: skip
    saved = api.post(f"/subjects/{subject_id}/doses", dose)
    assert saved.status_code == 201
    assert saved.json()["planned_dose_value"] == 20
    detail = api.get(f"/subjects/{subject_id}/detail").json()
    assert detail["day1"] == DAY1.isoformat()
    assert detail["weight_kg"] == 72.5
    first = next(i for i in detail["timeline"] if i["kind"] == "dose")
    assert (first["code"], first["state"], first["window"]) == ("anti_cd25", "done", "in_window")


def test_a_refused_dose_names_its_fields_and_saves_nothing(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    subject_id, _ = _randomized(api)
    before = count(journey, "dose_administrations")
    tomorrow = (DAY1 + dt.timedelta(days=1)).isoformat()
    bad = {
        "product": "anti_cd25", "administered_on": tomorrow, "weight_kg": 65,
        "dose_value": 20, "dose_unit": "mg",
    }  # fmt: skip
    future = api.post(f"/subjects/{subject_id}/doses", bad)
    assert future.status_code == 422
    assert [e["field"] for e in future.json()["errors"]] == ["administered_on"]
    wrong_unit = api.post(
        f"/subjects/{subject_id}/doses",
        {**bad, "administered_on": DAY1.isoformat(), "dose_unit": "cells", "weight_kg": -3},
    )
    assert wrong_unit.status_code == 422
    assert [e["field"] for e in wrong_unit.json()["errors"]] == ["weight_kg"]
    assert count(journey, "dose_administrations") == before


def test_weekly_assessments_derive_stages_response_and_the_next_step(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    subject_id, _ = _randomized(api)
    _first_dose(api, subject_id)
    baseline = api.post(
        f"/subjects/{subject_id}/assessments",
        {"assessed_on": DAY1.isoformat(), "additional_therapy": False, "measurements": BASELINE},
    ).json()
    assert baseline["stages"] == {"skin": 2, "liver": 2, "upper_gi": 0, "lower_gi": 1}
    assert baseline["grade"] == 3
    assert baseline["response"] is None
    assert baseline["visit"] == "D1"
    assert baseline["response_rule_set"] is None  # the baseline is not compared with anything
    journey.clock.advance(days=7)
    api = api_as(journey, "coord.bj")  # the idle session has expired
    worse = {**BASELINE, "bilirubin": 8.0}
    week1 = api.post(
        f"/subjects/{subject_id}/assessments",
        {
            "assessed_on": (DAY1 + dt.timedelta(days=7)).isoformat(),
            "additional_therapy": False,
            "measurements": worse,
        },
    ).json()
    assert week1["visit"] == "D8"
    assert week1["response"] == "PD"
    assert week1["next_step"]["step"] == "switch_therapy"
    assert week1["next_step"]["stop_rule"] == "progression_within_3_weeks"


def test_a_saved_assessment_is_answered_with_its_rules_and_as_the_subject_page_shows_it(
    journey: WebWorld,
) -> None:
    api = api_as(journey, "coord.bj")
    subject_id, _ = _randomized(api)
    _first_dose(api, subject_id)
    api.post(
        f"/subjects/{subject_id}/assessments",
        {"assessed_on": DAY1.isoformat(), "additional_therapy": False, "measurements": BASELINE},
    )
    journey.clock.advance(days=7)
    api = api_as(journey, "coord.bj")  # the idle session has expired
    better = {**BASELINE, "bilirubin": 1.0, "skin_bsa_pct": 10.0}
    saved = api.post(
        f"/subjects/{subject_id}/assessments",
        {
            "assessed_on": (DAY1 + dt.timedelta(days=7)).isoformat(),
            "additional_therapy": False,
            "measurements": better,
        },
    )
    assert saved.status_code == 201, saved.text
    answer = saved.json()
    assert answer["grading_system"] == PROTOCOL.assessment.grading_system.value
    assert answer["response_rule_set"] == PROTOCOL.assessment.response_rules.value
    detail = api.get(f"/subjects/{subject_id}/detail").json()
    shown = next(a for a in detail["assessments"] if a["id"] == answer["id"])
    assert {
        k: v for k, v in answer.items() if k not in {"grading_system", "response_rule_set"}
    } == shown
    assert answer["next_step"] == detail["next_step"]


def test_a_refused_assessment_names_the_measurement_and_saves_nothing(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    subject_id, _ = _randomized(api)
    refused = api.post(
        f"/subjects/{subject_id}/assessments",
        {
            "assessed_on": DAY1.isoformat(),
            "additional_therapy": False,
            "measurements": {**BASELINE, "skin_bsa_pct": 150},
        },
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["measurements.skin_bsa_pct"]
    assert count(journey, "gvhd_assessments") == 0


def test_a_visit_outside_its_window_is_saved_and_flagged_late(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    subject_id, _ = _randomized(api)
    _first_dose(api, subject_id)
    journey.clock.advance(days=12)
    api = api_as(journey, "coord.bj")  # the idle session has expired
    late = (DAY1 + dt.timedelta(days=11)).isoformat()  # day 12; D8's window is days 7–9
    visit = {"visit_code": "D8", "visit_date": late}
    asked = api.post(f"/subjects/{subject_id}/visits", visit)
    assert asked.status_code == 409  # outside the window: saved only once confirmed
    assert [w["code"] for w in asked.json()["warnings"]] == ["visit_window"]
    confirmed = {**visit, "confirm": ["visit_window"], "reason": "patient was in ICU"}
    saved = api.post(f"/subjects/{subject_id}/visits", confirmed)
    assert saved.status_code == 201, saved.text
    assert saved.json()["window"] == "late"
    on_time = (DAY1 + dt.timedelta(days=3)).isoformat()
    d4 = api.post(f"/subjects/{subject_id}/visits", {"visit_code": "D4", "visit_date": on_time})
    assert d4.json()["window"] == "in_window"


def test_a_serious_adverse_event_starts_its_24_hour_clock(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    subject_id, _ = _randomized(api)
    aware = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
    saved = api.post(
        f"/subjects/{subject_id}/adverse-events",
        {"term": "Pneumonia", "ctcae_grade": 3, "onset_on": DAY1.isoformat(),
         "aware_at": aware.isoformat(), "outcome": "recovering",
         "seriousness": ["hospitalization"],
         "products": [{"product": "anti_cd25", "causality": "unlikely"}]},
    )  # fmt: skip
    assert saved.status_code == 201, saved.text
    event = saved.json()
    assert event["serious"] is True
    assert event["susar_products"] == []
    [clock] = event["clocks"]
    assert clock["kind"] == "investigator_to_sponsor"
    assert dt.datetime.fromisoformat(clock["due_at"]) == aware + dt.timedelta(hours=24)
    assert clock["status"] == "open"
    journey.clock.advance(days=2)
    api = api_as(journey, "coord.bj")  # the idle session has expired
    later = api.get(f"/subjects/{subject_id}/detail").json()["adverse_events"][0]
    assert later["clocks"][0]["status"] == "overdue"


def test_an_adverse_event_without_a_time_zone_is_refused(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    refused = api.post(
        f"/subjects/{journey.subject_id}/adverse-events",
        {"term": "Rash", "ctcae_grade": 1, "onset_on": DAY1.isoformat(),
         "aware_at": "2026-03-02T08:00:00", "outcome": "recovered"},
    )  # fmt: skip
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["aware_at"]
    assert count(journey, "adverse_events") == 0


def test_therapy_and_death_outcome_are_saved_and_death_ends_the_subject(
    journey: WebWorld,
) -> None:
    api = api_as(journey, "coord.bj")
    subject_id, _ = _randomized(api)
    therapy = api.post(
        f"/subjects/{subject_id}/therapies",
        {"kind": "rescue", "name": "ruxolitinib", "started_on": DAY1.isoformat()},
    )
    assert therapy.status_code == 201
    no_cause = api.post(
        f"/subjects/{subject_id}/outcomes", {"kind": "death", "occurred_on": DAY1.isoformat()}
    )
    assert no_cause.status_code == 422
    assert no_cause.json()["errors"][0]["field"] == "cause"
    died = api.post(
        f"/subjects/{subject_id}/outcomes",
        {"kind": "death", "occurred_on": DAY1.isoformat(), "cause": "infection"},
    )
    assert died.json()["subject"]["state"] == "died"


def test_only_the_investigator_signs_and_a_wrong_password_is_a_field_error(
    journey: WebWorld,
) -> None:
    coordinator = api_as(journey, "coord.bj")
    subject_id, _ = _randomized(coordinator)
    _first_dose(coordinator, subject_id)
    assessment = coordinator.post(
        f"/subjects/{subject_id}/assessments",
        {"assessed_on": DAY1.isoformat(), "additional_therapy": False, "measurements": BASELINE},
    ).json()
    body = {"entity": "gvhd_assessments", "record_id": assessment["id"],
            "password": "Correct-Horse-42", "meaning": "I approve this assessment"}  # fmt: skip
    assert coordinator.post(f"/subjects/{subject_id}/signatures", body).status_code == 403
    investigator = api_as(journey, "inv.bj")
    wrong = investigator.post(f"/subjects/{subject_id}/signatures", {**body, "password": "nope"})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "password"
    signed = investigator.post(f"/subjects/{subject_id}/signatures", body)
    assert signed.status_code == 201, signed.text
    manifest = signed.json()
    assert manifest["printed_name"] == "Dr Wang Fang"
    assert manifest["is_valid"] is True
    assert dt.datetime.fromisoformat(manifest["signed_at"]).utcoffset() == dt.timedelta(0)


def test_another_sites_coordinator_gets_not_found_everywhere(journey: WebWorld) -> None:
    subject_id, _ = _randomized(api_as(journey, "coord.bj"))
    other = api_as(journey, "coord.sh")
    missing = other.get("/subjects/999999/detail")
    for response in (
        other.get(f"/subjects/{subject_id}/detail"),
        other.get(f"/subjects/{subject_id}/audit"),
        other.post(
            f"/subjects/{subject_id}/visits", {"visit_code": "D1", "visit_date": "2026-03-02"}
        ),
    ):
        assert response.status_code == 404
        assert response.json()["message"].replace(str(subject_id), "N") == missing.json()[
            "message"
        ].replace("999999", "N")
    assert count(journey, "visits") == 0


def test_registering_at_another_site_is_refused(web: WebWorld) -> None:
    api = api_as(web, "coord.bj")
    refused = api.post("/subjects", {"site_code": "SH01", "screening_number": "SH01-S009"})
    assert refused.status_code == 404
    bad = api.post("/subjects", {"site_code": "BJ01", "screening_number": "has space"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "screening_number"


def test_after_randomization_an_assessment_needs_the_additional_therapy_answer(
    journey: WebWorld,
) -> None:
    api = api_as(journey, "coord.bj")
    subject_id, _ = _randomized(api)
    before = count(journey, "gvhd_assessments")
    unanswered = api.post(
        f"/subjects/{subject_id}/assessments",
        {"assessed_on": DAY1.isoformat(), "measurements": BASELINE},
    )
    assert unanswered.status_code == 422
    assert [e["field"] for e in unanswered.json()["errors"]] == ["additional_therapy"]
    unnamed = api.post(
        f"/subjects/{subject_id}/assessments",
        {"assessed_on": DAY1.isoformat(), "measurements": BASELINE, "additional_therapy": True},
    )
    assert unnamed.status_code == 422
    assert [e["field"] for e in unnamed.json()["errors"]] == ["additional_therapy_names"]
    too_long = api.post(
        f"/subjects/{subject_id}/assessments",
        {"assessed_on": DAY1.isoformat(), "measurements": BASELINE, "additional_therapy": True,
         "additional_therapy_names": "x" * 201},
    )  # fmt: skip
    assert too_long.status_code == 422
    assert count(journey, "gvhd_assessments") == before
    saved = api.post(
        f"/subjects/{subject_id}/assessments",
        {"assessed_on": DAY1.isoformat(), "measurements": BASELINE, "additional_therapy": True,
         "additional_therapy_names": "ruxolitinib"},
    )  # fmt: skip
    assert saved.status_code == 201, saved.text
    assert (saved.json()["additional_therapy"], saved.json()["additional_therapy_names"]) == (
        True,
        "ruxolitinib",
    )


def test_an_organ_attributed_to_another_cause_is_staged_0_and_the_audit_says_why(
    journey: WebWorld,
) -> None:
    api = api_as(journey, "coord.bj")
    subject_id, _ = _randomized(api)
    _first_dose(api, subject_id)
    liver = {
        "biopsy": "not_done",
        "causes": ["drug_cholestasis"],
        "attributed_to_other_cause": True,
    }
    saved = api.post(
        f"/subjects/{subject_id}/assessments",
        {"assessed_on": DAY1.isoformat(), "measurements": BASELINE, "additional_therapy": False,
         "attribution": {"liver": liver}},
    )  # fmt: skip
    assert saved.status_code == 201, saved.text
    answer = saved.json()
    # BASELINE stages skin 2, liver 2, lower GI 1 (grade III); without the liver it is grade II.
    assert answer["stages"] == {"skin": 2, "liver": 0, "upper_gi": 0, "lower_gi": 1}
    assert answer["grade"] == 2
    assert answer["attribution"]["liver"]["stage_measured"] == 2
    assert answer["attribution"]["liver"]["reason"] == "attributed to drug cholestasis"
    with journey.store.new_uow() as uow:
        trail = uow.records.find("audit_trail", entity="gvhd_assessments")
    assert any("attributed to drug cholestasis" in (row["new_value"] or "") for row in trail)
    bad = api.post(
        f"/subjects/{subject_id}/assessments",
        {"assessed_on": DAY1.isoformat(), "measurements": BASELINE, "additional_therapy": False,
         "attribution": {"liver": {"attributed_to_other_cause": True}}},
    )  # fmt: skip
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["attribution.liver.causes"]

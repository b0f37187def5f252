"""The lifecycle as the pages and the API show it: chosen visits, cancelled plans, no dead links."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient

from journey_world import (
    BASELINE,
    DAY1,
    OBJECTIVE,
    Api,
    api_as,
    count,
    investigator_signs_off,
)
from web_world import WebWorld, login


def _on(study_day: int) -> str:
    return (DAY1 + dt.timedelta(days=study_day - 1)).isoformat()


def _randomized(api: Api, subject_id: int, study_day: int = 1) -> None:
    """Screened, consented and randomized on ``study_day`` (the clock must be on that day)."""
    screened = api.post(
        f"/subjects/{subject_id}/screenings", {"screened_on": _on(study_day), "answers": OBJECTIVE}
    )
    assert screened.status_code == 201, screened.text
    consent = {"consented_on": _on(study_day), "form_version": "2.1", "obtained_by": "Dr Li"}
    assert api.post(f"/subjects/{subject_id}/consents", consent).status_code == 201
    investigator_signs_off(api.client, subject_id)
    allocated = api.post(
        f"/subjects/{subject_id}/randomization", {"baseline_grade": 3, "gi_involvement": True}
    )
    assert allocated.status_code == 201, allocated.text


def _dosed(api: Api, subject_id: int) -> None:
    dose = {"product": "anti_cd25", "administered_on": _on(1), "weight_kg": 65,
            "dose_value": 20, "dose_unit": "mg"}  # fmt: skip
    assert api.post(f"/subjects/{subject_id}/doses", dose).status_code == 201


def _randomized_and_dosed(api: Api, subject_id: int) -> None:
    _randomized(api, subject_id)
    _dosed(api, subject_id)


def _assessment_visits(page: str) -> list[tuple[str, str]]:
    body = re.search(r'<tbody id="assessments">(.*?)</tbody>', page, re.S)
    assert body is not None
    cells = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td>", body.group(1))
    # The page names a visit by its code and label ("D1 – Day 1 (baseline)"): keep the code.
    return [(day, visit.split(" – ")[0]) for day, visit in cells]


def test_the_api_keeps_the_visit_chosen_for_an_assessment(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    subject_id = journey.subject_id
    _randomized_and_dosed(api, subject_id)
    assert api.get(f"/subjects/{subject_id}").json()["state"] == "on_treatment"
    baseline = api.post(
        f"/subjects/{subject_id}/assessments",
        {
            "assessed_on": _on(1),
            "additional_therapy": False,
            "measurements": BASELINE,
            "visit_code": "D1",
        },
    )
    assert baseline.status_code == 201, baseline.text
    journey.clock.advance(days=8)
    api = api_as(journey, "coord.bj")  # the idle session has expired
    # Day 9 is nearest week 1 by date, but the user says it is week 2's assessment.
    saved = api.post(
        f"/subjects/{subject_id}/assessments",
        {
            "assessed_on": _on(9),
            "additional_therapy": False,
            "measurements": BASELINE,
            "visit_code": "D15",
        },
    )
    assert saved.status_code == 201, saved.text
    assert (saved.json()["visit"], saved.json()["course"]) == ("D15", 1)
    assert saved.json()["response"] == "NR"
    shown = api.get(f"/subjects/{subject_id}/detail").json()
    assert [a["visit"] for a in shown["assessments"]] == ["D1", "D15"]
    d15 = next(i for i in shown["timeline"] if i["kind"] == "visit" and i["code"] == "D15")
    assert (d15["done_on"], d15["window"]) == (_on(9), "early")

    before = count(journey, "gvhd_assessments")
    refused = api.post(
        f"/subjects/{subject_id}/assessments",
        {
            "assessed_on": _on(9),
            "additional_therapy": False,
            "measurements": BASELINE,
            "visit_code": "W12",
        },
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["visit_code"]
    assert count(journey, "gvhd_assessments") == before


def _browser(world: WebWorld) -> tuple[TestClient, str]:
    client = world.new_client()
    return client, login(client, "coord.bj")


def test_the_assessment_form_saves_the_chosen_visit(journey: WebWorld) -> None:
    _randomized_and_dosed(api_as(journey, "coord.bj"), journey.subject_id)
    journey.clock.advance(days=8)
    client, csrf = _browser(journey)
    url = f"/subjects/{journey.subject_id}"
    page = client.get(f"{url}/assessments/new").text
    # Day 9: week 1's window is still open, so the form suggests it.
    assert re.search(r'<select id="visit" name="visit">.*?<option value="D8" selected>D8', page)
    for day, visit in ((1, "D1"), (9, "D15")):
        saved = client.post(
            f"{url}/assessments",
            data={"csrf_token": csrf, "additional_therapy": "no",
                "assessed_on": _on(day), "visit": visit,
                  "bilirubin_unit": "mg/dL", **{k: str(v) for k, v in BASELINE.items()}},
        )  # fmt: skip
        assert saved.status_code == 200, saved.text
    assert _assessment_visits(client.get(f"{url}/assessments/new").text) == [
        (_on(1), "D1"),
        (_on(9), "D15"),
    ]
    # Another date than the saved one, so the refusal is the taken visit, not the warning about
    # the same assessment saved less than a minute ago.
    taken = client.post(
        f"{url}/assessments",
        data={"csrf_token": csrf, "additional_therapy": "no", "assessed_on": _on(8), "visit": "D15",
              "bilirubin_unit": "mg/dL", **{k: str(v) for k, v in BASELINE.items()}},
    )  # fmt: skip
    assert taken.status_code == 422
    assert re.search(r'id="visit_code-error"[^>]*>D15 already has the assessment', taken.text)
    assert re.search(r"<option value=\"D15\" selected>D15", taken.text)


def test_after_a_switch_the_header_says_what_happened_and_the_plan_is_cancelled(
    journey: WebWorld,
) -> None:
    _randomized_and_dosed(api_as(journey, "coord.bj"), journey.subject_id)
    journey.clock.advance(days=9)
    client, csrf = _browser(journey)
    url = f"/subjects/{journey.subject_id}"
    for day, values in ((1, BASELINE), (8, {**BASELINE, "bilirubin": 8.0})):
        client.post(
            f"{url}/assessments",
            data={"csrf_token": csrf, "additional_therapy": "no",
                "assessed_on": _on(day), "bilirubin_unit": "mg/dL",
                  **{k: str(v) for k, v in values.items()}},
        )  # fmt: skip
    assert re.search(
        r'id="subject-next-step"><strong>Switch to another therapy', client.get(url).text
    )
    saved = client.post(
        f"{url}/therapies",
        data={"csrf_token": csrf, "kind": "rescue", "name": "ruxolitinib", "started_on": _on(9)},
    )
    assert saved.status_code == 200, saved.text
    page = client.get(url).text
    assert 'id="subject-next-step"><strong>Switch' not in page
    assert re.search(
        r'id="subject-next-step">study treatment ended: rescue therapy ruxolitinib started '
        + _on(9),
        page,
    )
    d15 = re.search(
        r'<tr class="visit cancelled cancelled" data-code="D15"[^>]*>(.*?)</tr>', page, re.S
    )
    assert d15 is not None
    assert f"rescue therapy ruxolitinib started {_on(9)}" in d15.group(1)
    assert re.search(r'<tr class="visit planned upcoming" data-code="W8"', page)


def test_a_screen_failed_subject_has_no_randomize_link(journey: WebWorld) -> None:
    client, csrf = _browser(journey)
    url = f"/subjects/{journey.subject_id}"
    link = f'href="{url}/randomize"'
    assert link in client.get(url).text
    assert link in client.get("/subjects").text
    client.post(
        f"{url}/state", data={"csrf_token": csrf, "state": "screen_failed", "reason": "declined"}
    )
    assert link not in client.get(url).text
    assert link not in client.get("/subjects").text
    assert link not in client.get(f"{url}/screening").text
    closed = client.get(f"{url}/randomize").text
    assert 'id="randomize-closed"' in closed
    assert 'id="randomize-form"' not in closed


def test_the_form_suggests_a_visit_only_while_its_window_is_open_today(
    journey: WebWorld,
) -> None:
    # Randomized on day -2, so an assessment that day is after randomization but before day 1.
    journey.clock.advance(days=-3)
    _randomized(api_as(journey, "coord.bj"), journey.subject_id, study_day=-2)
    journey.clock.advance(days=3)
    _dosed(api_as(journey, "coord.bj"), journey.subject_id)  # the idle session has expired
    journey.clock.advance(days=2)  # day 3: day 1 has passed, week 1's window opens on day 7
    client, csrf = _browser(journey)
    url = f"/subjects/{journey.subject_id}"
    for day, visit, skin in ((1, "D1", "30"), (-2, "", "10")):
        client.post(
            f"{url}/assessments",
            data={"csrf_token": csrf, "additional_therapy": "no",
                "assessed_on": _on(day), "visit": visit,
                  "skin_bsa_pct": skin, "bilirubin": "4", "bilirubin_unit": "mg/dL",
                  "stool_ml_per_day": "800"},
        )  # fmt: skip
    page = client.get(f"{url}/assessments/new").text
    select = re.search(r'<select id="visit" name="visit">(.*?)</select>', page, re.S)
    assert select is not None
    assert "selected" not in select.group(1)
    # The calculator compares with the day-1 baseline (skin stage 2), not the earlier record.
    assert '<input type="hidden" name="baseline_skin" value="2">' in page
    assert _assessment_visits(page) == [(_on(-2), "–"), (_on(1), "D1")]

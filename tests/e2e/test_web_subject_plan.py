"""The subject page's plan as a site sees it: screening visit, assessment visits, the dose form."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient

from journey_world import BASELINE, DAY1, OBJECTIVE, api_as, count, investigator_signs_off
from web_world import WebWorld, login

#: Unchanged from the baseline: no response (NR) at week 4, so therapy is switched.
NO_RESPONSE = BASELINE
#: Skin and gut cleared, liver stage 2 → 1: every involved organ improved but not all resolved,
#: a partial response (PR), so the course is repeated.
PARTIAL_RESPONSE: dict[str, object] = {"skin_bsa_pct": 0, "bilirubin": 2.5, "stool_ml_per_day": 400}


def _coordinator(world: WebWorld) -> tuple[TestClient, str]:
    client = world.new_client()
    return client, login(client, "coord.bj")


def _randomized(world: WebWorld, screened_on: dt.date = DAY1) -> tuple[TestClient, str, str]:
    """Screen, consent, randomize and give the first dose on DAY1; returns the page's URL."""
    client, csrf = _coordinator(world)
    url = f"/subjects/{world.subject_id}"
    answers = {
        k: ("yes" if v is True else "no" if v is False else str(v)) for k, v in OBJECTIVE.items()
    }
    client.post(
        f"{url}/screening",
        data={"csrf_token": csrf, "screened_on": screened_on.isoformat(), **answers},
    )
    client.post(
        f"{url}/consent",
        data={
            "csrf_token": csrf,
            "consented_on": screened_on.isoformat(),
            "form_version": "2.1",
            "obtained_by": "Dr Li",
        },
    )
    investigator_signs_off(client, world.subject_id)
    form = {
        "csrf_token": csrf,
        "baseline_grade": "3",
        "gi_involvement": "yes",
        "weight_kg": "65",
        "day1": DAY1.isoformat(),
        "confirmed": "yes",
    }
    assert client.post(f"{url}/randomize", data=form).status_code == 201
    dosed = client.post(
        f"{url}/doses",
        data={
            "csrf_token": csrf,
            "product": "anti_cd25",
            "administered_on": DAY1.isoformat(),
            "weight_kg": "65",
            "dose_value": "20",
            "dose_unit": "mg",
        },
    )
    assert dosed.status_code == 200, dosed.text
    return client, csrf, url  # fmt: skip


def _later(world: WebWorld, days: int) -> tuple[TestClient, str]:
    """Move the clock on and log in again (the earlier session has expired by then)."""
    world.clock.advance(days=days)
    return _coordinator(world)


def _assess(client: TestClient, csrf: str, url: str, day: int, values: dict[str, object]) -> None:
    on = DAY1 + dt.timedelta(days=day - 1)
    saved = client.post(
        f"{url}/assessments",
        data={"csrf_token": csrf, "additional_therapy": "no",
            "assessed_on": on.isoformat(), "bilirubin_unit": "mg/dL",
              **{k: str(v) for k, v in values.items()}},
    )  # fmt: skip
    assert saved.status_code == 200, saved.text


def _assessment_visits(page: str) -> list[tuple[str, str]]:
    """(date, visit code and label) of each row of the assessments table."""
    body = re.search(r'<tbody id="assessments">(.*?)</tbody>', page, re.S)
    assert body is not None
    return re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td>", body.group(1))


def _week_8_after(world: WebWorld, week_4: dict[str, object]) -> str:
    _, _, url = _randomized(world)
    client, csrf = _later(world, 60)
    _assess(client, csrf, url, 1, BASELINE)
    _assess(client, csrf, url, 29, week_4)
    _assess(client, csrf, url, 57, week_4)
    # The casebook (next step, calendar) and the assessments' entry page (their visits).
    return client.get(url).text + client.get(f"{url}/assessments/new").text


def test_the_screening_visit_is_done_on_the_screening_date_of_a_randomized_subject(
    journey: WebWorld,
) -> None:
    screened = DAY1 - dt.timedelta(days=3)
    _, _, url = _randomized(journey, screened_on=screened)
    client, _ = _later(journey, 2)
    page = client.get(url).text
    row = re.search(r'<tr class="visit ([a-z_ ]+)" data-code="SCR"[^>]*>(.*?)</tr>', page, re.S)
    assert row is not None
    assert row.group(1) == "done in_window"
    assert f"<td>{screened.isoformat()}</td>" in row.group(2)


def test_a_week_8_assessment_after_a_switch_of_therapy_is_the_week_8_follow_up_visit(
    journey: WebWorld,
) -> None:
    page = _week_8_after(journey, NO_RESPONSE)
    assert re.search(r'id="subject-next-step"><strong>Switch to another therapy', page)
    assert _assessment_visits(page) == [
        ("2026-03-02", "D1 – Day 1 (baseline)"), ("2026-03-30", "D29 – Week 4 (day-28 response)"),
        ("2026-04-27", "W8 – Week 8"),
    ]  # fmt: skip
    assert "course 2" not in page
    assert 'data-course="2"' not in page


def test_a_day_57_assessment_after_a_partial_response_is_the_repeat_course_s_day_29(
    journey: WebWorld,
) -> None:
    page = _week_8_after(journey, PARTIAL_RESPONSE)
    assert _assessment_visits(page)[1:] == [
        ("2026-03-30", "D29 – Week 4 (day-28 response)"),
        ("2026-04-27", "D29 – Week 4 (day-28 response) (course 2)"),
    ]
    assert 'data-code="D29" data-course="2"' in page


def test_off_study_treatment_the_dose_form_is_gone_and_a_dose_is_refused_naming_the_state(
    journey: WebWorld,
) -> None:
    _, _, url = _randomized(journey)
    client, csrf = _later(journey, 30)
    ended = client.post(
        f"{url}/outcomes",
        data={"csrf_token": csrf, "kind": "end_of_study_treatment",
              "occurred_on": (DAY1 + dt.timedelta(days=28)).isoformat()},
    )  # fmt: skip
    assert ended.status_code == 200, ended.text
    page = client.get(f"{url}/doses/new").text
    assert 'id="dose-form"' not in page
    assert "No study treatment is given in state “Off study treatment”." in page
    # Safety data are still collected in follow-up.
    assert f'action="{url}/adverse-events"' in client.get(f"{url}/adverse-events/new").text
    assert f'action="{url}/outcomes"' in client.get(f"{url}/outcomes/new").text
    doses = count(journey, "dose_administrations")
    api = api_as(journey, "coord.bj")
    refused = api.post(
        f"/subjects/{journey.subject_id}/doses",
        {"product": "anti_cd25", "administered_on": (DAY1 + dt.timedelta(days=29)).isoformat(),
         "weight_kg": 65, "dose_value": 20, "dose_unit": "mg"},
    )  # fmt: skip
    assert refused.status_code == 409, refused.text
    assert "off_study_treatment" in refused.text
    assert count(journey, "dose_administrations") == doses

"""Worklists by role, on the dashboard and through GET /api/v1/worklist."""

from __future__ import annotations

from typing import Any

from journey_world import BASELINE, DAY1, OBJECTIVE, Api, api_as, investigator_signs_off
from trialdesk.services.accounts import accounts
from web_world import PASSWORD, WebWorld, login


def _randomized(api: Api, subject_id: int) -> None:
    base = f"/subjects/{subject_id}"
    on = DAY1.isoformat()
    assert api.post(f"{base}/screenings", {"screened_on": on, "answers": OBJECTIVE}).is_success
    consent = {"consented_on": on, "form_version": "2.1", "obtained_by": "Dr Li"}
    assert api.post(f"{base}/consents", consent).status_code == 201
    investigator_signs_off(api.client, subject_id)
    allocated = api.post(f"{base}/randomization", {"baseline_grade": 3, "gi_involvement": True})
    assert allocated.status_code == 201, allocated.text
    dose = {"product": "anti_cd25", "administered_on": on, "weight_kg": 65, "dose_value": 20,
            "dose_unit": "mg"}  # fmt: skip
    assert api.post(f"{base}/doses", dose).status_code == 201
    assessment = {"assessed_on": on, "measurements": {**BASELINE, "bilirubin_unit": "mg/dL"},
                  "visit_code": "D1", "additional_therapy": False}  # fmt: skip
    assert api.post(f"{base}/assessments", assessment).status_code == 201
    sae = {"term": "Sepsis", "ctcae_grade": 3, "onset_on": on,
           "aware_at": "2026-03-02T08:00+00:00", "outcome": "recovering",
           "seriousness": ["hospitalization"]}  # fmt: skip
    assert api.post(f"{base}/adverse-events", sae).status_code == 201


def _sections(api: Api) -> dict[str, list[dict[str, Any]]]:
    answer = api.get("/worklist")
    assert answer.status_code == 200, answer.text
    return {s["title"]: s["items"] for s in answer.json()}


def _user(world: WebWorld, username: str, role: str, site: str | None) -> Api:
    accounts.create_user(
        world.store.new_uow(), username=username, full_name=username, password=PASSWORD,
        role=role, site_code=site, as_user=None, one_time_password=False,
    )  # fmt: skip
    return api_as(world, username)


def test_the_coordinator_s_lists(journey: WebWorld) -> None:
    coordinator = api_as(journey, "coord.bj")
    _randomized(coordinator, journey.subject_id)
    journey.clock.advance(days=7)  # day 8: day 4 is overdue, week 1 (day 8) is due
    coordinator = api_as(journey, "coord.bj")
    lists = _sections(coordinator)
    due = lists["Due and overdue visits and doses"]
    assert any("Day 4 — Overdue" in i["text"] and i["overdue"] for i in due), due
    assert any("Week 1 — Due" in i["text"] and not i["overdue"] for i in due), due
    assert all(i["href"] == f"/subjects/{journey.subject_id}#top-strip" for i in due)
    clocks = lists["Running SAE reporting clocks"]
    assert [i["text"].split(" — ")[0] for i in clocks] == ["BJ01-S001: Sepsis"]
    assert clocks[0]["href"].startswith(f"/subjects/{journey.subject_id}/adverse-events/")
    assert lists["Open queries"] == []
    # Another site's coordinator has nothing of this subject.
    other = _sections(api_as(journey, "coord.sh"))
    assert other["Due and overdue visits and doses"] == []


def test_monitor_data_manager_and_investigator_lists(journey: WebWorld) -> None:
    _randomized(api_as(journey, "coord.bj"), journey.subject_id)
    monitor = _sections(_user(journey, "mon.bj", "monitor", "BJ01"))
    backlog = monitor["Source verification backlog"]
    assert len(backlog) == 1
    assert backlog[0]["text"].startswith("BJ01: ")
    assert monitor["Queries answered, awaiting your review"] == []
    data_manager = _sections(_user(journey, "dm.all", "data_manager", None))
    assert data_manager["Ready to lock"] == []
    investigator = _sections(api_as(journey, "inv.bj"))
    (due,) = investigator["Casebook signatures due"]
    assert due["href"] == f"/subjects/{journey.subject_id}/signatures/new"


def test_the_dashboard_shows_my_work(journey: WebWorld) -> None:
    _randomized(api_as(journey, "coord.bj"), journey.subject_id)
    client = journey.new_client()
    login(client, "coord.bj")
    page = client.get("/").text
    assert 'id="my-work"' in page
    assert "Running SAE reporting clocks" in page
    assert "Sepsis" in page

"""AE follow-up through the JSON API: follow-up reports, report dates, clocks met or late."""

from __future__ import annotations

import datetime as dt
from typing import Any

from journey_world import DAY1, Api, api_as, count
from web_world import WebWorld

AWARE = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def _sae(api: Api, subject_id: int) -> dict[str, Any]:
    saved = api.post(
        f"/subjects/{subject_id}/adverse-events",
        {"term": "Pneumonia", "ctcae_grade": 3, "onset_on": DAY1.isoformat(),
         "aware_at": AWARE.isoformat(), "outcome": "recovering",
         "seriousness": ["hospitalization"]},
    )  # fmt: skip
    assert saved.status_code == 201, saved.text
    event: dict[str, Any] = saved.json()
    return event


def _stored(world: WebWorld, event_id: int) -> dict[str, Any]:
    with world.store.new_uow() as uow:
        row = uow.records.get("adverse_events", event_id)
    assert row is not None
    return row


def test_a_report_date_closes_the_clock_and_a_follow_up_ends_the_event(
    journey: WebWorld,
) -> None:
    api = api_as(journey, "coord.bj")
    event = _sae(api, journey.subject_id)
    [clock] = event["clocks"]
    assert (clock["recipient"], clock["reported_at"], clock["status"]) == ("sponsor", None, "open")
    url = f"/subjects/{journey.subject_id}/adverse-events/{event['id']}"
    reported = api.post(
        f"{url}/reports", {"recipient": "sponsor", "reported_at": "2026-03-02T16:45:00+08:00"}
    )
    assert reported.status_code == 200, reported.text
    [clock] = reported.json()["clocks"]
    assert (clock["status"], clock["summary"], clock["late_by"]) == ("met", "met", None)
    assert dt.datetime.fromisoformat(clock["reported_at"]) == AWARE + dt.timedelta(minutes=45)
    followed = api.post(
        f"{url}/follow-ups",
        {"reported_at": "2026-03-02T08:50:00Z", "outcome": "recovered",
         "resolved_on": DAY1.isoformat(), "narrative": "Discharged home."},
    )  # fmt: skip
    assert followed.status_code == 201, followed.text
    body = followed.json()
    assert (body["outcome"], body["resolved_on"]) == ("recovered", DAY1.isoformat())
    [follow_up] = body["follow_ups"]
    assert follow_up["number"] == 1
    assert follow_up["changes"] == {
        "outcome": ["recovering", "recovered"],
        "resolved_on": [None, DAY1.isoformat()],
    }
    assert api.get(url).json() == body
    detail = api.get(f"/subjects/{journey.subject_id}/detail").json()
    assert detail["adverse_events"] == [body]


def test_a_report_sent_after_the_deadline_reads_late_by_how_much(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    event = _sae(api, journey.subject_id)
    journey.clock.advance(days=2)
    api = api_as(journey, "coord.bj")  # the idle session has expired
    url = f"/subjects/{journey.subject_id}/adverse-events/{event['id']}"
    [overdue] = api.get(url).json()["clocks"]
    assert (overdue["status"], overdue["overdue_by"]) == ("overdue", "P1DT1H")
    assert overdue["summary"] == "overdue by 1 d 1 h"
    late = AWARE + dt.timedelta(hours=26)
    [clock] = api.post(
        f"{url}/reports", {"recipient": "sponsor", "reported_at": late.isoformat()}
    ).json()["clocks"]
    assert (clock["status"], clock["late_by"], clock["summary"]) == ("late", "PT2H", "late by 2 h")


def test_bad_follow_ups_and_reports_name_the_field_and_save_nothing(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    event = _sae(api, journey.subject_id)
    url = f"/subjects/{journey.subject_id}/adverse-events/{event['id']}"
    cases = [
        ("reports", {"recipient": "sponsor", "reported_at": "2026-03-02T08:30:00"}, "reported_at"),
        ("reports", {"recipient": "sponsor", "reported_at": "2026-03-01T08:30:00Z"}, "reported_at"),
        ("reports", {"recipient": "regulator", "reported_at": "2026-03-02T08:30:00Z"},
         "recipient"),
        ("follow-ups", {"reported_at": "2026-03-02T08:30:00Z", "outcome": "recovered"},
         "resolved_on"),
        ("follow-ups", {"reported_at": "2026-03-02T08:30:00Z", "outcome": "fatal",
                        "resolved_on": DAY1.isoformat(), "seriousness": ["death"]}, "grade"),
    ]  # fmt: skip
    for path, body, field in cases:
        refused = api.post(f"{url}/{path}", body)
        assert refused.status_code == 422, (body, refused.text)
        assert field in [e["field"] for e in refused.json()["errors"]], refused.text
    row = _stored(journey, event["id"])
    assert (row["reported_to_sponsor_at"], row["outcome"]) == (None, "recovering")
    assert count(journey, "adverse_event_follow_ups") == 0


def test_another_sites_coordinator_cannot_see_or_follow_up_the_event(journey: WebWorld) -> None:
    event = _sae(api_as(journey, "coord.bj"), journey.subject_id)
    other = api_as(journey, "coord.sh")
    url = f"/subjects/{journey.subject_id}/adverse-events/{event['id']}"
    assert other.get(url).status_code == 404
    sent = other.post(f"{url}/reports", {"recipient": "sponsor", "reported_at": AWARE.isoformat()})
    assert sent.status_code == 404
    assert _stored(journey, event["id"])["reported_to_sponsor_at"] is None

"""CTCAE coding through the JSON API: the term search, coded AEs, refusals and re-coding."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from journey_world import DAY1, Api, api_as, count
from web_world import WebWorld

AWARE = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
SEPSIS, LUNG_INFECTION, GI_OTHER = 10040047, 10061229, 10017947


def _event(**term: object) -> dict[str, Any]:
    return {**term, "ctcae_grade": 2, "onset_on": DAY1.isoformat(),
            "aware_at": AWARE.isoformat(), "outcome": "recovering"}  # fmt: skip


def _stored(world: WebWorld, event_id: int) -> dict[str, Any]:
    with world.store.new_uow() as uow:
        row = uow.records.get("adverse_events", event_id)
    assert row is not None
    return row


def _correct(api: Api, path: str, changes: dict[str, Any]) -> httpx.Response:
    return api.client.patch(
        f"/api/v1{path}", json={"changes": changes, "reason": "coding error"},
        headers={"X-CSRF-Token": api.csrf},
    )  # fmt: skip


def test_the_term_search_answers_words_in_any_order_with_code_and_soc(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    found = api.get("/terminology/ctcae?q=infection%20lung")
    assert found.status_code == 200, found.text
    assert found.json()["terms"] == [
        {"term": "Lung infection", "meddra_code": LUNG_INFECTION,
         "soc": "Infections and infestations", "other_specify": False},
    ]  # fmt: skip
    other = api.get("/terminology/ctcae?q=gastro%20other").json()["terms"]
    assert [(t["meddra_code"], t["other_specify"]) for t in other] == [(GI_OTHER, True)]
    assert api.get("/terminology/ctcae").json()["terms"] == []
    assert journey.new_client().get("/api/v1/terminology/ctcae?q=sepsis").status_code == 401


def test_a_coded_event_and_an_other_specify_event_are_stored_with_code_and_soc(
    journey: WebWorld,
) -> None:
    api = api_as(journey, "coord.bj")
    path = f"/subjects/{journey.subject_id}/adverse-events"
    coded = api.post(path, _event(meddra_code=SEPSIS))
    assert coded.status_code == 201, coded.text
    assert (coded.json()["term"], coded.json()["meddra_code"], coded.json()["soc"]) == (
        "Sepsis", SEPSIS, "Infections and infestations",
    )  # fmt: skip
    other = api.post(path, _event(other_term="Hiccup attacks", soc="Gastrointestinal disorders"))
    assert other.status_code == 201, other.text
    row = _stored(journey, other.json()["id"])
    assert (row["term"], row["meddra_code"], row["soc"]) == (
        "Hiccup attacks", GI_OTHER, "Gastrointestinal disorders",
    )  # fmt: skip


def test_an_unknown_code_or_an_other_term_without_soc_is_a_422_naming_the_field(
    journey: WebWorld,
) -> None:
    api = api_as(journey, "coord.bj")
    path = f"/subjects/{journey.subject_id}/adverse-events"
    before = count(journey, "adverse_events")
    for body, field in (
        (_event(meddra_code=12345678), "meddra_code"),
        (_event(other_term="Hiccup attacks"), "soc"),
        (_event(meddra_code=GI_OTHER), "other_term"),
    ):
        refused = api.post(path, body)
        assert refused.status_code == 422, refused.text
        assert field in {e["field"] for e in refused.json()["errors"]}, refused.text
    assert count(journey, "adverse_events") == before


def test_a_correction_re_codes_the_term_and_refuses_an_unknown_code(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    saved = api.post(
        f"/subjects/{journey.subject_id}/adverse-events", _event(meddra_code=LUNG_INFECTION)
    ).json()
    path = f"/subjects/{journey.subject_id}/adverse-events/{saved['id']}"
    journey.clock.advance(days=1)
    api = api_as(journey, "coord.bj")  # signed in again the next day
    refused = _correct(api, path, {"meddra_code": 99})
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "changes.meddra_code"
    assert _stored(journey, saved["id"])["meddra_code"] == LUNG_INFECTION
    corrected = _correct(api, path, {"meddra_code": SEPSIS})
    assert corrected.status_code == 200, corrected.text
    row = _stored(journey, saved["id"])
    assert (row["term"], row["meddra_code"], row["soc"]) == (
        "Sepsis", SEPSIS, "Infections and infestations",
    )  # fmt: skip
    assert {c["field"] for c in corrected.json()["changed"]} >= {"term", "meddra_code"}

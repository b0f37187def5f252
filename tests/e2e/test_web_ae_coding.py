"""The AE form codes every term: a listed CTCAE term, or "Other, specify" with its SOC."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from journey_world import DAY1, count
from web_world import WebWorld, login

SEPSIS, GI_OTHER = 10040047, 10017947


def _form(csrf: str, **term: str) -> dict[str, Any]:
    return {"csrf_token": csrf, **term, "ctcae_grade": "2", "onset_on": DAY1.isoformat(),
            "aware_at": "2026-03-02T08:00+00:00", "outcome": "recovering"}  # fmt: skip


def _rows(world: WebWorld) -> list[dict[str, Any]]:
    with world.store.new_uow() as uow:
        return sorted(uow.records.find("adverse_events"), key=lambda r: r["id"])


def _client(world: WebWorld) -> tuple[TestClient, str]:
    client = world.new_client()
    return client, login(client, "coord.bj")


def test_the_form_offers_the_term_search_the_soc_and_other_specify(web: WebWorld) -> None:
    client, _ = _client(web)
    page = client.get(f"/subjects/{web.subject_id}/adverse-events/new").text
    assert 'list="ctcae-terms"' in page
    assert 'data-terminology="/api/v1/terminology/ctcae"' in page
    assert '<input type="hidden" id="meddra_code" name="meddra_code"' in page
    assert 'id="ae-soc"' in page
    assert '<option value="Gastrointestinal disorders">' in page  # the SOCs for Other, specify
    assert '<script src="/static/ctcae_terms.js" defer></script>' in page
    script = client.get("/static/ctcae_terms.js")
    assert script.status_code == 200
    assert "other_specify" in script.text


def test_a_picked_term_and_an_other_specify_event_are_saved_coded(web: WebWorld) -> None:
    client, csrf = _client(web)
    path = f"/subjects/{web.subject_id}/adverse-events"
    picked = client.post(path, data=_form(csrf, term="Sepsis", meddra_code=str(SEPSIS)))
    assert picked.status_code == 200, picked.text
    # Without the page's script the typed name is coded (a second event: the duplicate confirmed).
    second = {"confirm": "duplicate_record", "confirm_reason": "a second episode"}
    typed = client.post(path, data={**_form(csrf, term="sepsis"), **second})
    assert typed.status_code == 200, typed.text
    other = client.post(
        path,
        data=_form(csrf, term="", other_term="Hiccup attacks", soc="Gastrointestinal disorders"),
    )
    assert other.status_code == 200, other.text
    assert [(r["term"], r["meddra_code"], r["soc"]) for r in _rows(web)] == [
        ("Sepsis", SEPSIS, "Infections and infestations"),
        ("Sepsis", SEPSIS, "Infections and infestations"),
        ("Hiccup attacks", GI_OTHER, "Gastrointestinal disorders"),
    ]


def test_an_uncoded_term_is_refused_next_to_the_field_and_nothing_is_saved(web: WebWorld) -> None:
    client, csrf = _client(web)
    path = f"/subjects/{web.subject_id}/adverse-events"
    before = count(web, "adverse_events")
    for data, field, words in (
        (_form(csrf, term="Rash"), "term", "not a CTCAE v5.0 term"),
        (_form(csrf, term="Hiccups", other_term="Hiccups"), "soc", "system organ class"),
        (_form(csrf, term="x", meddra_code="123"), "meddra_code", "not the MedDRA code"),
    ):
        refused = client.post(path, data=data)
        assert refused.status_code == 422, field
        assert f'data-for="{field}"' in refused.text or f'id="{field}-error"' in refused.text
        assert words in refused.text, field
    assert count(web, "adverse_events") == before

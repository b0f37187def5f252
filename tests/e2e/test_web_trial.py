"""The public trial page and ``GET /api/v1/protocol`` show the registry record of the protocol."""

from __future__ import annotations

import html

from trialdesk.bootstrap import load_protocol
from web_world import WebWorld


def test_the_trial_page_needs_no_login_and_shows_the_registry_record(web: WebWorld) -> None:
    response = web.client.get("/trial", follow_redirects=False)
    assert response.status_code == 200
    page = html.unescape(response.text)
    protocol = load_protocol()
    ident, pop = protocol.identification, protocol.population
    for text in (
        ident.title, ident.sponsor, ident.status, ident.phase, *ident.conditions,
        ident.nct_id, ident.sponsor_protocol_id, ident.study_type, ident.funder_type,
        f"{pop.target_enrollment} patients", f"{pop.min_age_years} to {pop.max_age_years} years",
        protocol.primary_endpoint.label,
    ):  # fmt: skip
        assert text in page, text
    for criterion in protocol.criteria:
        assert criterion.text in page, criterion.id
    for arm in protocol.arms:
        assert arm.label in page
        assert arm.description in page
        for intervention in arm.interventions:
            assert f"Drug: {intervention.name}" in page


def test_the_trial_page_matches_the_facts_of_the_registry_record(web: WebWorld) -> None:
    page = html.unescape(web.client.get("/trial").text)
    for fact in (
        "Completed", "Phase 3", "Graft Vs Host Disease", "NCT04738981", "GVHD-PKU2021",
        "130 patients", "18 to 70 years old", "Randomized", "Parallel assignment",
        "None (open label)", "No healthy volunteers", "Experimental group",
        "Active comparator group", "Peking University",
    ):  # fmt: skip
        assert fact in page, fact


def test_the_protocol_api_returns_the_same_record_as_json(web: WebWorld) -> None:
    response = web.client.get("/api/v1/protocol")
    assert response.status_code == 200
    body = response.json()
    assert body["identification"]["nct_id"] == "NCT04738981"
    assert body["population"]["target_enrollment"] == 130
    assert [arm["code"] for arm in body["arms"]] == [a.code for a in load_protocol().arms]
    assert body["course"]["decision_visit"] == "D29"
    assert {c["kind"] for c in body["criteria"]} == {"inclusion", "exclusion"}

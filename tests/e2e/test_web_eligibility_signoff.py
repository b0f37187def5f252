"""The investigator's eligibility sign-off on the pages and through the API."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from journey_world import DAY1, OBJECTIVE, api_as, count
from trialdesk.services.accounts import accounts
from trialdesk.services.subjects import eligibility_signoff
from web_world import PASSWORD, WebWorld, login

_JUDGEMENTS = {
    "confirmed_sr_agvhd": "yes",
    "treatment_tolerable": "yes",
    "primary_disease_controlled": "yes",
    "no_multiorgan_dysfunction": "yes",
    "suitable_for_study": "yes",
}


def _browser(world: WebWorld, username: str) -> tuple[TestClient, str]:
    client = world.new_client()
    return client, login(client, username)


def _typed(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _coordinator_screens(world: WebWorld) -> tuple[TestClient, str]:
    client, csrf = _browser(world, "coord.bj")
    url = f"/subjects/{world.subject_id}"
    saved = client.post(
        f"{url}/screening",
        data={"csrf_token": csrf, "screened_on": DAY1.isoformat(),
              **{k: _typed(v) for k, v in OBJECTIVE.items()}},
    )  # fmt: skip
    assert saved.status_code == 200, saved.text
    consent = client.post(
        f"{url}/consent",
        data={"csrf_token": csrf, "consented_on": DAY1.isoformat(), "form_version": "2.1",
              "obtained_by": "Dr Li"},
    )  # fmt: skip
    assert consent.status_code == 200
    return client, csrf


def test_a_coordinator_sees_the_judgement_criteria_awaiting_the_investigator(
    journey: WebWorld,
) -> None:
    client, _ = _coordinator_screens(journey)
    page = client.get(f"/subjects/{journey.subject_id}/screening").text
    assert "<strong>incomplete, awaiting the investigator</strong>" in page
    assert 'data-reserved="suitable_for_study">awaiting investigator<' in page
    assert 'name="suitable_for_study"' not in page  # nothing to post for the coordinator
    assert "Awaiting the investigator's attestation of IN1, EX1, EX2, EX4, EX6." in page
    assert 'id="attestation-form"' not in page
    assert 'id="eligibility-sign-form"' not in page
    randomize = client.get(f"/subjects/{journey.subject_id}/randomize").text
    assert "Awaiting the investigator's eligibility signature" in randomize
    assert 'id="randomize-form"' not in randomize


def test_a_coordinator_posting_a_judgement_is_refused_next_to_the_field(
    journey: WebWorld,
) -> None:
    client, csrf = _browser(journey, "coord.bj")
    refused = client.post(
        f"/subjects/{journey.subject_id}/screening",
        data={"csrf_token": csrf, "screened_on": DAY1.isoformat(),
              **{k: _typed(v) for k, v in OBJECTIVE.items()}, "suitable_for_study": "yes"},
    )  # fmt: skip
    assert refused.status_code == 422
    assert "only an investigator at this site may attest this criterion (EX6)" in refused.text
    assert count(journey, "screening_records") == 0


def test_the_investigator_attests_and_signs_on_the_screening_page_then_randomization_opens(
    journey: WebWorld,
) -> None:
    coordinator, _ = _coordinator_screens(journey)
    client, csrf = _browser(journey, "inv.bj")
    url = f"/subjects/{journey.subject_id}"
    page = client.get(f"{url}/screening").text
    assert 'id="attestation-form"' in page
    assert 'id="eligibility-sign-form"' not in page  # not every criterion is answered yet
    attested = client.post(
        f"{url}/screening/attestations", data={"csrf_token": csrf, **_JUDGEMENTS}
    )
    assert attested.status_code == 200, attested.text
    assert "<strong>eligible</strong>" in attested.text
    # Times read in the site's zone (Asia/Shanghai, the protocol default), never in UTC.
    assert re.search(
        r"yes, attested by inv\.bj at \d{4}-\d\d-\d\d \d\d:\d\d CST \(Asia/Shanghai\)",
        attested.text,
    )
    assert not re.search(r"\d\d:\d\d UTC", attested.text)
    assert 'id="eligibility-sign-form"' in attested.text
    wrong = client.post(
        f"{url}/eligibility-signature", data={"csrf_token": csrf, "password": "not-it"}
    )
    assert wrong.status_code == 422
    assert count(journey, "signatures") == 0
    signed = client.post(
        f"{url}/eligibility-signature", data={"csrf_token": csrf, "password": PASSWORD}
    )
    assert signed.status_code == 200
    assert re.search(
        r"Eligibility signed by Dr Wang Fang at \d{4}-\d\d-\d\d \d\d:\d\d CST \(Asia/Shanghai\)",
        signed.text,
    )
    assert not re.search(r"\d\d:\d\d UTC", signed.text)
    assert eligibility_signoff.ELIGIBILITY_MEANING in signed.text
    randomize = coordinator.get(f"{url}/randomize").text
    assert 'id="randomize-form"' in randomize
    assert "Awaiting the investigator's eligibility signature" not in randomize


def test_the_api_keeps_attestation_and_signature_to_the_investigator_of_the_site(
    journey: WebWorld,
) -> None:
    _coordinator_screens(journey)
    accounts.create_user(
        journey.store.new_uow(), username="inv.sh", full_name="Dr Zhou", password=PASSWORD,
        role="investigator", site_code="SH01", as_user=None, one_time_password=False,
    )  # fmt: skip
    judgements = {k: v == "yes" for k, v in _JUDGEMENTS.items()}
    attest = f"/subjects/{journey.subject_id}/screening/attestations"
    sign = f"/subjects/{journey.subject_id}/eligibility-signature"
    coordinator = api_as(journey, "coord.bj")
    assert coordinator.post(attest, {"answers": judgements}).status_code == 403
    assert coordinator.post(sign, {"password": PASSWORD}).status_code == 403
    elsewhere = api_as(journey, "inv.sh")
    assert elsewhere.post(attest, {"answers": judgements}).status_code == 404
    assert elsewhere.post(sign, {"password": PASSWORD}).status_code == 404
    investigator = api_as(journey, "inv.bj")
    unknown = investigator.post(attest, {"answers": {"anc_10e9_per_l": True}})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "answers.anc_10e9_per_l"
    attested = investigator.post(attest, {"answers": judgements})
    assert attested.status_code == 200, attested.text
    assert attested.json()["eligible"] is True
    randomization = f"/subjects/{journey.subject_id}/randomization"
    body = {"baseline_grade": 3, "gi_involvement": False}
    refused = coordinator.post(randomization, body)
    assert refused.status_code == 422
    assert {"field": "eligibility.signature",
            "message": "awaiting the investigator's eligibility signature"} in (
        refused.json()["errors"]
    )  # fmt: skip
    signed = investigator.post(sign, {"password": PASSWORD})
    assert signed.status_code == 201, signed.text
    assert signed.json()["meaning"] == eligibility_signoff.ELIGIBILITY_MEANING
    assert signed.json()["entity"] == "screening_records"
    again = investigator.post(sign, {"password": PASSWORD})
    assert again.status_code == 409
    assert coordinator.post(randomization, body).status_code == 201

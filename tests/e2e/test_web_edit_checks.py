"""Edit checks on the subject page: a warning keeps the form, its values and asks to confirm."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from journey_world import DAY1, OBJECTIVE, api_as, count, investigator_signs_off
from web_world import WebWorld, login


def _randomized_subject(world: WebWorld) -> int:
    api = api_as(world, "coord.bj")
    subject_id = world.subject_id
    day = DAY1.isoformat()
    screening = {"screened_on": day, "answers": OBJECTIVE}
    assert api.post(f"/subjects/{subject_id}/screenings", screening).status_code == 201
    consent = {"consented_on": day, "form_version": "2.1", "obtained_by": "Dr Li"}
    assert api.post(f"/subjects/{subject_id}/consents", consent).status_code == 201
    investigator_signs_off(api.client, subject_id)
    allocated = api.post(
        f"/subjects/{subject_id}/randomization", {"baseline_grade": 3, "gi_involvement": True}
    )
    assert allocated.status_code == 201, allocated.text
    return subject_id


def _browser(world: WebWorld) -> tuple[TestClient, str]:
    client = world.new_client()
    return client, login(client, "coord.bj")


ASSESSMENT = {"additional_therapy": "no",
              "assessed_on": DAY1.isoformat(), "skin_bsa_pct": "30", "bilirubin": "34",
              "bilirubin_unit": "mg/dL", "stool_ml_per_day": "800"}  # fmt: skip


def test_a_soft_warning_shows_next_to_its_field_and_keeps_every_value(journey: WebWorld) -> None:
    subject_id = _randomized_subject(journey)
    client, csrf = _browser(journey)
    asked = client.post(
        f"/subjects/{subject_id}/assessments", data={"csrf_token": csrf, **ASSESSMENT}
    )
    assert asked.status_code == 409
    warning = re.search(
        r'<span class="field-warning"[^>]*data-for="bilirubin" data-code="bilirubin_mg_dl_range">'
        r"([^<]*)<label",
        asked.text,
    )
    assert warning is not None
    assert "was it measured in µmol/L?" in warning.group(1)
    assert ">bilirubin_mg_dl_range<" not in asked.text  # the code is for the API, not the reader
    assert 'name="confirm" value="bilirubin_mg_dl_range"' in asked.text
    assert "I have checked this value" in asked.text
    assert 'name="confirm_reason"' in asked.text
    form = re.search(r'<form[^>]*id="gvhd-calculator".*?</form>', asked.text, re.S)
    assert form is not None
    for name in ("bilirubin", "skin_bsa_pct", "stool_ml_per_day"):
        assert re.search(rf'name="{name}"[^>]*value="{ASSESSMENT[name]}"', form.group(0)), name
    assert '<option value="mg/dL" selected>mg/dL</option>' in form.group(0)
    assert count(journey, "gvhd_assessments") == 0


def test_confirming_with_a_reason_saves_and_raises_the_query(journey: WebWorld) -> None:
    subject_id = _randomized_subject(journey)
    client, csrf = _browser(journey)
    confirmed = {"csrf_token": csrf, **ASSESSMENT, "confirm": "bilirubin_mg_dl_range",
                 "confirm_reason": "lab report checked: mg/dL"}  # fmt: skip
    without_reason = client.post(
        f"/subjects/{subject_id}/assessments", data={**confirmed, "confirm_reason": ""}
    )
    assert without_reason.status_code == 409
    saved = client.post(
        f"/subjects/{subject_id}/assessments", data=confirmed, follow_redirects=False
    )
    assert saved.status_code == 303
    assert count(journey, "gvhd_assessments") == 1
    with journey.store.new_uow() as uow:
        (query,) = uow.records.find("queries")
        (message,) = uow.records.find("query_messages", query_id=query["id"])
    assert query["origin"] == "edit_check:bilirubin_mg_dl_range"
    assert message["body"].endswith("lab report checked: mg/dL")
    # The query page says in words which check raised it; the code follows in brackets.
    thread = client.get(f"/queries/{query['id']}").text
    assert (
        '<p id="query-origin">This query was raised by edit check “Bilirubin above 30 mg/dL is '
        "implausible; was it measured in µmol/L?” (bilirubin_mg_dl_range).</p>"
    ) in thread


def test_a_hard_refusal_stays_an_error_next_to_the_field(journey: WebWorld) -> None:
    subject_id = _randomized_subject(journey)
    client, csrf = _browser(journey)
    refused = client.post(
        f"/subjects/{subject_id}/doses",
        data={"csrf_token": csrf, "product": "uc_msc", "administered_on": DAY1.isoformat(),
              "weight_kg": "72", "dose_value": "7.2", "dose_unit": "cells",
              "confirm": "dose_tenfold", "confirm_reason": "sure"},
    )  # fmt: skip
    assert refused.status_code == 422
    assert re.search(r'id="dose_value-error"[^>]*>Dose is more than 10 times', refused.text)
    assert 'value="7.2"' in refused.text
    assert count(journey, "dose_administrations") == 0


def test_every_checked_form_calls_the_dry_run_from_a_script_file(journey: WebWorld) -> None:
    subject_id = _randomized_subject(journey)
    client, _ = _browser(journey)
    entry = ("doses", "visits", "assessments", "adverse-events", "therapies", "outcomes")
    page = "".join(client.get(f"/subjects/{subject_id}/{e}/new").text for e in entry)
    targets = re.findall(r'data-edit-checks="/api/v1/subjects/\d+/edit-checks/(\w+)"', page)
    assert set(targets) == {
        "dose_administrations", "visits", "gvhd_assessments", "adverse_events", "therapies",
        "outcomes",
    }  # fmt: skip
    assert '<script src="/static/edit_checks.js" defer></script>' in page
    script = client.get("/static/edit_checks.js")
    assert script.status_code == 200
    assert "/edit-checks/" not in script.text  # the endpoint comes from the form, not the code
    assert "data-check-for" in page


def test_a_cell_dose_reads_as_a_power_of_ten_on_its_record_page(journey: WebWorld) -> None:
    subject_id = _randomized_subject(journey)
    client, csrf = _browser(journey)
    saved = client.post(
        f"/subjects/{subject_id}/doses",
        data={"csrf_token": csrf, "product": "uc_msc", "administered_on": DAY1.isoformat(),
              "weight_kg": "72", "dose_value": "72000000", "dose_unit": "cells"},
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303, saved.text
    with journey.store.new_uow() as uow:
        (dose,) = uow.records.find("dose_administrations", subject_id=subject_id)
    record = client.get(f"/subjects/{subject_id}/doses/{dose['id']}").text
    assert '<dd id="derived-planned">72 × 10⁶ cells</dd>' in record
    assert '<dd data-field="dose_value">72 × 10⁶ cells</dd>' in record
    assert "e+07" not in record
    assert ">uc_msc<" not in record

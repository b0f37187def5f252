"""The protocol forms' pages: sections on the subject page, entry, refusal, correction, rights."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from correction_world import Records
from journey_world import DAY1, count
from web_world import login

STEROID = {"drug": "methylprednisolone", "dose_mg_per_day": "50", "route": "iv",
           "started_on": DAY1.isoformat()}  # fmt: skip


def _browser(records: Records, username: str) -> tuple[TestClient, str]:
    client = records.world.new_client()
    return client, login(client, username)


def _arm(records: Records) -> str:
    with records.world.store.new_uow() as uow:
        return str(uow.records.find("allocations", subject_id=records.subject_id)[0]["arm"])


def _post(client: TestClient, csrf: str, path: str, data: dict[str, object]) -> object:
    return client.post(path, data={"csrf_token": csrf, **data}, follow_redirects=False)


def test_the_subject_page_has_a_section_per_applicable_form(records: Records) -> None:
    client, _ = _browser(records, "coord.bj")
    page = client.get(f"/subjects/{records.subject_id}/forms").text
    for code in ("baseline_risk", "corticosteroids", "immunosuppressants", "infections",
                 "chronic_gvhd"):  # fmt: skip
        assert f'id="form-{code}"' in page
    assert ('id="form-msc_product"' in page) is (_arm(records) == "msc_cd25")
    assert f'href="/subjects/{records.subject_id}/forms/corticosteroids/new"' in page
    # Per-visit forms list their visits: the follow-up visits are planned from study day 1
    # (the first dose, on DAY1), still ahead, with no add link yet.
    visits = re.search(r'id="form-chronic_gvhd-visits">(.*?)</p>', page, re.S)
    assert visits is not None
    assert visits.group(1).count(": upcoming (planned") == 4
    assert "upcoming (planned 2026-04-27)" in visits.group(1)  # week 8: study day 57
    assert "add-link" not in visits.group(1)


def test_a_visit_whose_window_has_opened_is_due_with_an_add_link(records: Records) -> None:
    records.world.clock.advance(days=50)  # the week-8 window opens on study day 50
    client, _ = _browser(records, "coord.bj")
    page = client.get(f"/subjects/{records.subject_id}/forms").text
    visits = re.search(r'id="form-chronic_gvhd-visits">(.*?)</p>', page, re.S)
    assert visits is not None
    assert 'data-visit="W8">W8 – Week 8: due (<a href=' in visits.group(1)
    assert "/forms/chronic_gvhd/new?visit=W8" in visits.group(1)
    assert visits.group(1).count(": upcoming") == 3


def test_the_entry_page_is_drawn_from_the_declaration(records: Records) -> None:
    client, _ = _browser(records, "coord.bj")
    page = client.get(f"/subjects/{records.subject_id}/forms/infections/new").text
    assert '<select id="category" name="category">' in page
    assert "CMV DNAemia" in page
    assert 'label for="viral_load_copies_ml">Peak viral load (copies/mL)' in page
    # Yes/no as two radios, neither ticked.
    assert 'name="treated" value="yes">' in page
    assert 'name="treated" value="no">' in page
    assert 'type="date"' in page


def test_a_saved_steroid_period_shows_in_prednisone_on_the_subject_page(records: Records) -> None:
    client, csrf = _browser(records, "coord.bj")
    saved = _post(client, csrf, f"/subjects/{records.subject_id}/forms/corticosteroids", STEROID)
    assert saved.status_code == 303  # type: ignore[attr-defined]
    page = client.get(f"/subjects/{records.subject_id}/forms").text
    section = re.search(r'id="form-corticosteroids-records">(.*?)</tbody>', page, re.S)
    assert section is not None
    assert "Methylprednisolone" in section.group(1)
    assert "50 mg/day" in section.group(1)
    # The dose was recorded at 65 kg: 62.5 / 65 = 0.962 mg/kg/day.
    assert "Prednisone equivalent 62.5 mg/day (0.962 mg/kg/day)" in section.group(1)
    # The section's summary line: today's dose and the cumulative dose since study day 1, by the
    # analysis's exposure rules (62.5 mg each day from day 1 to today).
    summary = re.search(r'id="steroid-summary">(.*?)</p>', page, re.S)
    assert summary is not None
    line = re.sub(r"<[^>]+>", "", summary.group(1))
    day = int(re.search(r"study day (\d+)", line).group(1))  # type: ignore[union-attr]
    assert "62.5 mg/day (day 1: 62.5 mg/day)" in line
    assert f"cumulative since day 1: {62.5 * day:,.0f} mg" in line


def test_a_refused_entry_keeps_the_values_and_names_the_fields(records: Records) -> None:
    client, csrf = _browser(records, "coord.bj")
    sent = {**STEROID, "dose_mg_per_day": "6000", "route": ""}
    refused = client.post(
        f"/subjects/{records.subject_id}/forms/corticosteroids", data={"csrf_token": csrf, **sent}
    )
    assert refused.status_code == 422
    dose_error = 'data-for="dose_mg_per_day">Daily dose must be between 0 and 5000 mg/day'
    assert dose_error in refused.text
    assert 'id="route-error" data-for="route">Route is required' in refused.text
    assert 'value="6000"' in refused.text
    assert '<option value="methylprednisolone" selected>' in refused.text
    assert count(records.world, "form_records") == 0


def test_a_per_visit_form_without_its_visit_is_refused_on_the_page(records: Records) -> None:
    client, csrf = _browser(records, "coord.bj")
    refused = client.post(
        f"/subjects/{records.subject_id}/forms/chronic_gvhd",
        data={"csrf_token": csrf, "assessed_on": DAY1.isoformat()},
    )
    assert refused.status_code == 422
    assert (
        'id="visit_code-error" data-for="visit_code">Chronic GVHD (NIH 2014) is recorded per visit'
        in refused.text
    )


def test_a_monitor_sees_the_records_but_no_add_link_nor_entry_form(records: Records) -> None:
    client, csrf = _browser(records, "coord.bj")
    _post(client, csrf, f"/subjects/{records.subject_id}/forms/corticosteroids", STEROID)
    monitor, _ = _browser(records, "monitor.bj")
    page = monitor.get(f"/subjects/{records.subject_id}/forms").text
    assert "Prednisone equivalent 62.5 mg/day" in page
    assert "/forms/corticosteroids/new" not in page
    assert "add-link" not in page
    entry = monitor.get(f"/subjects/{records.subject_id}/forms/corticosteroids/new").text
    assert 'id="entry-closed"' in entry
    assert 'id="protocol-form-entry"' not in entry


def test_a_record_is_corrected_with_a_reason_and_re_derived(records: Records) -> None:
    client, csrf = _browser(records, "coord.bj")
    _post(client, csrf, f"/subjects/{records.subject_id}/forms/corticosteroids", STEROID)
    with records.world.store.new_uow() as uow:
        record_id = uow.records.find("form_records", subject_id=records.subject_id)[0]["id"]
    path = f"/subjects/{records.subject_id}/forms/{record_id}"
    opened = client.get(path).text
    assert 'id="correction-form"' in opened
    assert client.get(f"{path}/record").text == opened
    assert 'value="50"' in opened
    no_reason = client.post(path, data={"csrf_token": csrf, **STEROID, "drug": "prednisone"})
    assert no_reason.status_code == 422
    assert 'id="reason-error" data-for="reason">say why' in no_reason.text
    corrected = _post(
        client, csrf, path, {**STEROID, "drug": "prednisone", "reason": "chart re-checked"}
    )
    assert corrected.status_code == 303  # type: ignore[attr-defined]
    shown = client.get(path).text
    assert "Prednisone equivalent 50 mg/day" in shown
    with records.world.store.new_uow() as uow:
        updates = [e for e in uow.audit.entries() if e.entity == "form_records" and e.reason]
    assert {e.reason for e in updates} == {"chart re-checked"}


def test_a_record_is_deleted_only_with_a_reason_and_a_tick(records: Records) -> None:
    client, csrf = _browser(records, "coord.bj")
    _post(client, csrf, f"/subjects/{records.subject_id}/forms/corticosteroids", STEROID)
    with records.world.store.new_uow() as uow:
        record_id = uow.records.find("form_records", subject_id=records.subject_id)[0]["id"]
    path = f"/subjects/{records.subject_id}/forms/{record_id}/delete"
    refused = client.post(path, data={"csrf_token": csrf, "reason": "duplicate"})
    assert refused.status_code == 422
    assert 'data-for="confirm">tick the box' in refused.text
    assert count(records.world, "form_records") == 1
    deleted = _post(client, csrf, path, {"reason": "duplicate", "confirm": "yes"})
    assert deleted.status_code == 303  # type: ignore[attr-defined]
    page = client.get(f"/subjects/{records.subject_id}/forms").text
    section = re.search(r'id="form-corticosteroids-records">(.*?)</tbody>', page, re.S)
    assert section is not None
    assert "None recorded." in section.group(1)


def test_a_second_record_of_a_once_form_is_refused_with_the_reason(records: Records) -> None:
    client, csrf = _browser(records, "coord.bj")
    risk = {"recorded_on": DAY1.isoformat(), "donor_type": "haploidentical",
            "transplant_on": "2026-01-05", "conditioning_intensity": "myeloablative",
            "agvhd_onset_on": "2026-02-10", "onset_skin_stage": "2", "onset_liver_stage": "0",
            "onset_upper_gi_stage": "0", "onset_lower_gi_stage": "1"}  # fmt: skip
    path = f"/subjects/{records.subject_id}/forms/baseline_risk"
    assert _post(client, csrf, path, risk).status_code == 303  # type: ignore[attr-defined]
    page = client.get(f"/subjects/{records.subject_id}/forms").text
    assert 'id="add-baseline_risk"' not in page
    again = client.post(path, data={"csrf_token": csrf, **risk})
    assert again.status_code == 409
    assert (
        'id="form-error" role="alert">Baseline transplant and risk factors is recorded once'
        in again.text
    )
    assert count(records.world, "form_records") == 1

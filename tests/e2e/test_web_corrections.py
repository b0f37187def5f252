"""The record page: every listed record opens it; corrections and deletions with a reason."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient

from correction_world import TABLES, Records
from eligibility_signoff_world import screen_and_sign
from journey_world import DAY1, ELIGIBLE
from trialdesk.bootstrap import load_protocol
from trialdesk.services.accounts import accounts
from trialdesk.services.clinical import clinical
from web_world import WebWorld, login

WHY = "source document re-checked"


def _browser(records: Records, username: str) -> tuple[TestClient, str]:
    client = records.world.new_client()
    return client, login(client, username)


def _later_assessment(records: Records, skin_bsa_pct: float) -> int:
    """An assessment a week after the baseline; the clock moves to that day."""
    records.world.clock.advance(days=7)
    return clinical.record_gvhd_assessment(
        records.world.store.new_uow(), as_user=records.users["coord.bj"],
        subject_id=records.subject_id, assessed_on=DAY1 + dt.timedelta(days=7),
        measurements={"skin_bsa_pct": skin_bsa_pct, "bilirubin": 1.0, "stool_ml_per_day": 0},
        protocol=load_protocol(),
        additional_therapy=False,
    )  # fmt: skip


def _assessment_row(page: str, assessment_id: int) -> list[str]:
    """Skin, liver, upper GI, lower GI stage, grade and response in the subject page's table."""
    body = re.search(r'<tbody id="assessments">(.*?)</tbody>', page, re.S)
    assert body is not None
    row = next(r for r in body.group(1).split("</tr>") if f'/assessments/{assessment_id}"' in r)
    return re.findall(r"<td>([^<]*)</td>", row)[2:]


def test_every_record_on_the_subject_pages_opens_its_record_page(records: Records) -> None:
    client, _ = _browser(records, "coord.bj")
    subject = client.get(f"/subjects/{records.subject_id}").text
    screening = client.get(f"/subjects/{records.subject_id}/screening").text
    for collection, record_id in records.ids.items():
        href = f"/subjects/{records.subject_id}/{collection}/{record_id}"
        assert href in subject or href in screening, collection
        if collection == "adverse-events":
            # An AE's page is for follow-up and report dates; it links its correction form.
            assert f'href="{href}/record"' in client.get(href).text
            href += "/record"
        page = client.get(href)
        assert page.status_code == 200, (collection, page.text)
        assert 'id="correction-form"' in page.text
        assert 'id="deletion-form"' in page.text
        assert 'name="reason"' in page.text
    assert set(records.ids) == set(TABLES)


def test_correcting_a_skin_bsa_re_derives_stage_grade_and_response_on_the_subject_page(
    records: Records,
) -> None:
    later = _later_assessment(records, skin_bsa_pct=60)  # typed 60 for 30
    client, csrf = _browser(records, "coord.bj")
    before = client.get(f"/subjects/{records.subject_id}/assessments/new").text
    # Skin, liver, upper GI, lower GI, grade, response.
    assert _assessment_row(before, later) == ["3", "0", "0", "0", "2", "PD"]
    href = f"/subjects/{records.subject_id}/assessments/{later}"
    form = client.get(href).text
    assert 'id="skin_bsa_pct" name="skin_bsa_pct" type="number" step="any" value="60"' in form

    saved = client.post(
        href,
        data={"csrf_token": csrf, "assessed_on": (DAY1 + dt.timedelta(days=7)).isoformat(),
              "skin_bsa_pct": "30", "desquamation_bsa_pct": "0", "bilirubin": "1.0",
              "bilirubin_unit": "mg/dL", "stool_ml_per_day": "0", "reason": WHY},
        follow_redirects=False,
    )  # fmt: skip

    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"/subjects/{records.subject_id}/assessments/new#assessment"
    after = client.get(saved.headers["location"]).text
    assert _assessment_row(after, later) == ["2", "0", "0", "0", "1", "NR"]
    record = client.get(href).text
    assert '<dd id="derived-response">NR</dd>' in record
    with records.world.store.new_uow() as uow:
        measured = [
            (e.old_value, e.new_value, e.reason)
            for e in uow.audit.entries(subject_id=records.subject_id)
            if e.entity_id == str(later) and e.field == "measurements"
        ]
    assert len(measured) == 1
    assert '"skin_bsa_pct":60' in (measured[0][0] or "")
    assert '"skin_bsa_pct":30.0' in (measured[0][1] or "")
    assert measured[0][2] == WHY


def test_a_rejected_correction_keeps_what_was_typed_and_names_each_field(
    records: Records,
) -> None:
    client, csrf = _browser(records, "coord.bj")
    href = f"/subjects/{records.subject_id}/assessments/{records.ids['assessments']}"
    before = records.snapshot()

    refused = client.post(
        href,
        data={"csrf_token": csrf, "assessed_on": DAY1.isoformat(), "skin_bsa_pct": "150",
              "desquamation_bsa_pct": "0", "bilirubin": "4.5", "bilirubin_unit": "mg/dL",
              "stool_ml_per_day": "800", "bullae": "yes", "reason": ""},
    )  # fmt: skip

    assert refused.status_code == 422
    assert 'value="150"' in refused.text
    assert 'value="4.5"' in refused.text
    assert re.search(r'id="bullae" name="bullae" type="checkbox" value="yes" checked', refused.text)
    assert re.search(r'id="reason-error" data-for="reason">[^<]+</span>', refused.text)
    assert records.snapshot() == before
    refused = client.post(
        href,
        data={"csrf_token": csrf, "assessed_on": DAY1.isoformat(), "skin_bsa_pct": "150",
              "desquamation_bsa_pct": "0", "bilirubin": "4", "bilirubin_unit": "mg/dL",
              "stool_ml_per_day": "800", "reason": WHY},
    )  # fmt: skip
    assert refused.status_code == 422
    message = re.search(
        r'id="skin_bsa_pct-error" data-for="skin_bsa_pct">([^<]+)</span>', refused.text
    )
    assert message is not None
    assert "0–100" in message.group(1)
    assert f'value="{WHY}"' in refused.text
    assert records.snapshot() == before


def test_deleting_a_therapy_needs_a_reason_and_a_confirmation(records: Records) -> None:
    client, csrf = _browser(records, "coord.bj")
    href = f"/subjects/{records.subject_id}/therapies/{records.ids['therapies']}"
    before = records.snapshot()

    unconfirmed = client.post(
        f"{href}/delete", data={"csrf_token": csrf, "reason": "entered for the wrong patient"}
    )
    assert unconfirmed.status_code == 422
    assert re.search(r'id="confirm-error" data-for="confirm">[^<]+</span>', unconfirmed.text)
    assert 'value="entered for the wrong patient"' in unconfirmed.text
    no_reason = client.post(f"{href}/delete", data={"csrf_token": csrf, "confirm": "yes"})
    assert no_reason.status_code == 422
    assert records.snapshot() == before

    deleted = client.post(
        f"{href}/delete",
        data={"csrf_token": csrf, "reason": "entered for the wrong patient", "confirm": "yes"},
        follow_redirects=False,
    )

    assert deleted.status_code == 303
    assert deleted.headers["location"] == f"/subjects/{records.subject_id}/therapies/new#therapy"
    subject = client.get(deleted.headers["location"]).text
    therapy_list = subject[subject.index('id="therapy"') :]
    assert "Ruxolitinib" not in therapy_list[: therapy_list.index("</ul>")]
    trail = client.get(f"/subjects/{records.subject_id}/audit").text
    assert "entered for the wrong patient" in trail  # the audit trail shows the reason
    assert client.get(href).status_code == 404


def test_a_monitor_reads_the_record_but_may_not_change_it(records: Records) -> None:
    client, csrf = _browser(records, "monitor.bj")
    href = f"/subjects/{records.subject_id}/visits/{records.ids['visits']}"
    page = client.get(href)
    assert page.status_code == 200
    assert 'id="record-read-only"' in page.text
    assert 'id="correction-form"' not in page.text
    before = records.snapshot()
    refused = client.post(
        href, data={"csrf_token": csrf, "visit_code": "D4", "visit_date": DAY1.isoformat(),
                    "reason": WHY},
    )  # fmt: skip
    assert refused.status_code == 403
    assert records.snapshot() == before


def test_a_locked_record_shows_that_it_is_locked_and_offers_no_form(records: Records) -> None:
    records.lock("outcomes")
    client, csrf = _browser(records, "coord.bj")
    href = f"/subjects/{records.subject_id}/outcomes/{records.ids['outcomes']}"
    page = client.get(href).text
    assert 'id="record-locked"' in page
    assert 'id="correction-form"' not in page
    refused = client.post(
        f"{href}/delete", data={"csrf_token": csrf, "reason": WHY, "confirm": "yes"}
    )
    assert refused.status_code == 409
    assert "Locked: " in refused.text


def test_another_sites_coordinator_gets_not_found(records: Records) -> None:
    client, _ = _browser(records, "coord.sh")
    page = client.get(f"/subjects/{records.subject_id}/doses/{records.ids['doses']}")
    assert page.status_code == 404


def test_a_screening_answer_corrected_on_its_page_fails_the_subject_before_randomization(
    journey: WebWorld,
) -> None:
    web = journey
    client = web.new_client()
    csrf = login(client, "coord.bj")
    users = {u.username: u.id for u in accounts.list_users(web.store.new_uow())}
    screen_and_sign(
        web.store.new_uow, subject_id=web.subject_id, coordinator=users["coord.bj"],
        investigator=users["inv.bj"], screened_on=DAY1, protocol=load_protocol(), answers=ELIGIBLE,
    )  # fmt: skip
    with web.store.new_uow() as uow:
        screening = uow.records.find("screening_records", subject_id=web.subject_id)[0]["id"]
    href = f"/subjects/{web.subject_id}/screenings/{screening}"
    page = client.get(href).text
    assert 'id="derived-eligible">yes<' in page
    typed = {
        k: ("yes" if v else "no") if isinstance(v, bool) else str(v) for k, v in ELIGIBLE.items()
    }

    saved = client.post(
        href,
        data={"csrf_token": csrf, "screened_on": DAY1.isoformat(), **typed,
              "anc_10e9_per_l": "0.2", "reason": "ANC transcribed from the wrong lab sheet"},
        follow_redirects=False,
    )  # fmt: skip

    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"/subjects/{web.subject_id}/screening#screening"
    screening_page = client.get(saved.headers["location"]).text
    assert 'id="subject-state">Screen failed<' in screening_page
    assert "<strong>not eligible</strong>" in screening_page
    assert 'id="derived-eligible">no<' in client.get(href).text


def _record_page(client: TestClient, records: Records, collection: str) -> str:
    suffix = "/record" if collection == "adverse-events" else ""
    href = f"/subjects/{records.subject_id}/{collection}/{records.ids[collection]}{suffix}"
    page = client.get(href)
    assert page.status_code == 200, page.text
    return page.text


def test_record_pages_show_labels_readable_numbers_and_site_times(records: Records) -> None:
    client, _ = _browser(records, "coord.bj")
    dose = _record_page(client, records, "doses")
    assert "<dd>Anti-CD25 mAb (basiliximab)</dd>" in dose
    assert ">anti_cd25<" not in dose
    assert '<dd id="derived-planned">20 mg</dd>' in dose
    assert '<dd data-field="dose_value">20 mg</dd>' in dose
    assert ">20.0<" not in dose
    screening = _record_page(client, records, "screenings")
    assert re.search(r"<li>[^<:]+: Met\b", screening)
    assert re.search(r"<li>[^<:]+: Attested\b", screening)
    assert not re.search(r"<li>[^<:]+: (met|attested)\b", screening)
    visit = _record_page(client, records, "visits")
    assert '<dd data-field="visit_code">D1 – Day 1 (baseline)</dd>' in visit
    assessment = _record_page(client, records, "assessments")
    assert '<option value="umol/L">µmol/L</option>' in assessment
    assert ">umol/L<" not in assessment
    therapy = _record_page(client, records, "therapies")
    assert '<dd data-field="kind">Concomitant therapy</dd>' in therapy
    outcome = _record_page(client, records, "outcomes")
    assert '<dd data-field="kind">Relapse of the underlying disease</dd>' in outcome
    event = _record_page(client, records, "adverse-events")
    assert "<dt>Outcome</dt><dd>Recovering/resolving</dd>" in event
    assert "yes: Requires or prolongs hospitalization" in event
    assert "SAE report to the sponsor: due" in event
    assert "investigator to sponsor" not in event
    # The site (BJ01) reads in the protocol's zone, Asia/Shanghai: no time is printed in UTC.
    assert not re.search(r"\d\d:\d\d UTC", event)
    assert '<dd data-field="aware_at">2026-03-02 16:00 CST (Asia/Shanghai)</dd>' in event
    assert 'type="datetime-local"' in event
    assert 'value="2026-03-02T16:00"' in event


def test_an_awareness_time_is_corrected_in_the_sites_zone(records: Records) -> None:
    client, csrf = _browser(records, "coord.bj")
    href = f"/subjects/{records.subject_id}/adverse-events/{records.ids['adverse-events']}"
    saved = client.post(
        href,
        data={"csrf_token": csrf, "term": "Pneumonia", "ctcae_grade": "3",
              "onset_on": DAY1.isoformat(), "aware_at": "2026-03-02T15:00",
              "reason": "time copied from the wrong ward log"},
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303, saved.text
    # 15:00 in Beijing is 07:00 UTC.
    assert records.row("adverse-events")["aware_at"] == dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)

"""The site workflow pages: register, screen, consent, randomize, and the subject page's forms."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient

from journey_world import BASELINE, DAY1, OBJECTIVE, count, investigator_signs_off
from web_world import PASSWORD, WebWorld, login


def _browser(world: WebWorld, username: str) -> tuple[TestClient, str]:
    client = world.new_client()
    return client, login(client, username)


def _typed(value: object) -> str:
    """What a person selects or types in the screening form for this answer."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _screen_and_consent(client: TestClient, csrf: str, subject_id: int) -> None:
    answers = {k: _typed(v) for k, v in OBJECTIVE.items()}
    saved = client.post(
        f"/subjects/{subject_id}/screening",
        data={"csrf_token": csrf, "screened_on": DAY1.isoformat(), **answers},
    )
    assert saved.status_code == 200, saved.text
    assert "Saved screening of 2026-03-02: <strong>incomplete" in saved.text
    investigator_signs_off(client, subject_id)
    page = client.get(f"/subjects/{subject_id}/screening")
    assert "Saved screening of 2026-03-02: <strong>eligible</strong>" in page.text
    consent = client.post(
        f"/subjects/{subject_id}/consent",
        data={"csrf_token": csrf, "consented_on": DAY1.isoformat(), "form_version": "2.1",
              "obtained_by": "Dr Li"},
    )  # fmt: skip
    assert "form version 2.1, obtained by Dr Li" in consent.text


def _randomize(client: TestClient, csrf: str, subject_id: int) -> str:
    form = {"csrf_token": csrf, "baseline_grade": "3", "gi_involvement": "yes",
            "weight_kg": "65", "day1": DAY1.isoformat()}  # fmt: skip
    review = client.post(f"/subjects/{subject_id}/randomize", data=form)
    assert review.status_code == 200
    assert 'id="confirmation"' in review.text
    allocated = client.post(f"/subjects/{subject_id}/randomize", data={**form, "confirmed": "yes"})
    assert allocated.status_code == 201, allocated.text
    return allocated.text


def test_a_coordinator_registers_a_subject_and_lands_on_its_screening_page(web: WebWorld) -> None:
    client, csrf = _browser(web, "coord.bj")
    listing = client.get("/subjects")
    assert "BJ01-S001" in listing.text
    assert 'action="/subjects"' in listing.text
    created = client.post(
        "/subjects", data={"csrf_token": csrf, "site_code": "BJ01", "screening_number": "BJ01-S777"}
    )
    assert created.status_code == 200
    assert str(created.url).endswith("/screening")
    assert "Screening number</dt><dd>BJ01-S777" in created.text


def test_a_duplicate_screening_number_is_shown_next_to_the_field(web: WebWorld) -> None:
    client, csrf = _browser(web, "coord.bj")
    before = count(web, "subjects")
    refused = client.post(
        "/subjects", data={"csrf_token": csrf, "site_code": "BJ01", "screening_number": "BJ01-S001"}
    )
    assert refused.status_code == 422
    assert re.search(r'id="screening_number-error"[^>]*>[^<]*already used', refused.text)
    assert count(web, "subjects") == before


def test_the_screening_page_lists_every_criterion_for_the_live_checklist(web: WebWorld) -> None:
    client, _ = _browser(web, "coord.bj")
    page = client.get(f"/subjects/{web.subject_id}/screening")
    assert page.status_code == 200
    for criterion in ("IN1", "IN2", "IN3", "IN4", "AGE", "EX1", "EX6"):
        assert f'data-criterion="{criterion}"' in page.text
    assert "/static/eligibility_checklist.js" in page.text
    script = client.get("/static/eligibility_checklist.js")
    assert "/api/v1/eligibility/check" in script.text


def test_a_screening_dated_in_the_future_is_refused_next_to_the_date(web: WebWorld) -> None:
    client, csrf = _browser(web, "coord.bj")
    refused = client.post(
        f"/subjects/{web.subject_id}/screening",
        data={"csrf_token": csrf, "screened_on": "2026-03-03", "age_years": "40"},
    )
    assert refused.status_code == 422
    assert re.search(r'id="screened_on-error"[^>]*>[^<]*in the future', refused.text)
    assert count(web, "screening_records") == 0


def test_a_screen_failure_needs_its_reason(web: WebWorld) -> None:
    client, csrf = _browser(web, "coord.bj")
    url = f"/subjects/{web.subject_id}/state"
    refused = client.post(url, data={"csrf_token": csrf, "state": "screen_failed", "reason": ""})
    assert refused.status_code == 422
    assert re.search(r'id="reason-error"[^>]*>is required', refused.text)
    failed = client.post(
        url, data={"csrf_token": csrf, "state": "screen_failed", "reason": "declined"}
    )
    assert 'id="subject-state">Screen failed' in failed.text


def test_randomization_confirms_first_then_shows_arm_and_calendar_only(journey: WebWorld) -> None:
    client, csrf = _browser(journey, "coord.bj")
    _screen_and_consent(client, csrf, journey.subject_id)
    review = client.post(
        f"/subjects/{journey.subject_id}/randomize",
        data={"csrf_token": csrf, "baseline_grade": "3", "gi_involvement": "no",
              "weight_kg": "65", "day1": DAY1.isoformat()},
    )  # fmt: skip
    assert 'id="confirm-grade">3' in review.text
    assert count(journey, "allocations") == 0
    page = _randomize(client, csrf, journey.subject_id)
    assert 'id="allocation-result">Allocated to <strong>' in page
    assert 'id="calendar"' in page
    assert "<td>20 mg iv</td>" in page  # the antibody is in both arms' calendars
    assert "position" not in page.lower()
    assert count(journey, "allocations") == 1


def test_randomizing_with_an_implausible_weight_is_refused_before_allocation(
    journey: WebWorld,
) -> None:
    client, csrf = _browser(journey, "coord.bj")
    _screen_and_consent(client, csrf, journey.subject_id)
    refused = client.post(
        f"/subjects/{journey.subject_id}/randomize",
        data={"csrf_token": csrf, "baseline_grade": "3", "gi_involvement": "no",
              "weight_kg": "6.5", "day1": DAY1.isoformat(), "confirmed": "yes"},
    )  # fmt: skip
    assert refused.status_code == 422
    assert re.search(r'id="weight_kg-error"[^>]*>[^<]*plausible range', refused.text)
    assert count(journey, "allocations") == 0


def test_the_subject_page_saves_doses_and_assessments_and_shows_derived_values(
    journey: WebWorld,
) -> None:
    client, csrf = _browser(journey, "coord.bj")
    _screen_and_consent(client, csrf, journey.subject_id)
    _randomize(client, csrf, journey.subject_id)
    url = f"/subjects/{journey.subject_id}"
    before_dose = client.get(url)
    assert "The calendar starts with the first dose" in before_dose.text
    dosed = client.post(
        f"{url}/doses",
        data={"csrf_token": csrf, "product": "anti_cd25", "administered_on": DAY1.isoformat(),
              "weight_kg": "65", "dose_value": "20", "dose_unit": "mg"},
    )  # fmt: skip
    assert dosed.status_code == 200
    assert "Study day 1 = 2026-03-02 (first dose); doses for 65 kg" in dosed.text
    assert re.search(r'class="dose done in_window" data-code="anti_cd25"', dosed.text)
    assessed = client.post(
        f"{url}/assessments",
        data={"csrf_token": csrf, "additional_therapy": "no",
              "assessed_on": DAY1.isoformat(), "bilirubin_unit": "mg/dL",
              **{k: str(v) for k, v in BASELINE.items()}},
    )  # fmt: skip
    assert assessed.url.path == url  # back on the casebook, the assessment listed on its page
    assert 'id="saved-notice"' in assessed.text
    listed = client.get(f"{url}/assessments/new").text
    row = re.search(r'<tbody id="assessments"><tr>(.*?)</tr>', listed, re.S)
    assert row is not None
    cells = re.findall(r"<td>([^<]*)</td>", row.group(1))
    assert cells == ["2026-03-02", "D1 – Day 1 (baseline)", "2", "2", "0", "1", "3", "baseline"]


def test_the_assessment_form_asks_for_additional_therapy_and_shows_the_attribution(
    journey: WebWorld,
) -> None:
    client, csrf = _browser(journey, "coord.bj")
    _screen_and_consent(client, csrf, journey.subject_id)
    _randomize(client, csrf, journey.subject_id)
    url = f"/subjects/{journey.subject_id}"
    form = client.get(f"{url}/assessments/new").text
    # Yes/no radios with neither checked: an unanswered question must not read as "no".
    radios = re.findall(r'<input id="additional_therapy_(yes|no)"[^>]*>', form)
    assert radios == ["yes", "no"]
    assert not re.search(r'name="additional_therapy" type="radio" value="\w+" checked', form)
    measured = {"csrf_token": csrf, "assessed_on": DAY1.isoformat(), "bilirubin_unit": "mg/dL",
                **{k: str(v) for k, v in BASELINE.items()}}  # fmt: skip
    unanswered = client.post(f"{url}/assessments", data=measured)
    assert unanswered.status_code == 422
    assert re.search(r'id="additional_therapy-error"[^>]*>[^<]*answer yes or no', unanswered.text)
    assert count(journey, "gvhd_assessments") == 0
    saved = client.post(
        f"{url}/assessments",
        data={**measured, "additional_therapy": "yes", "additional_therapy_names": "ruxolitinib",
              "attr_liver_biopsy": "not_done", "attr_liver_causes": "drug_cholestasis",
              "attr_liver_attributed": "on"},
    )  # fmt: skip
    assert saved.status_code == 200, saved.text
    listed = client.get(f"{url}/assessments/new").text
    row = re.search(r'<tbody id="assessments"><tr>(.*?)</tr>', listed, re.S)
    assert row is not None
    assert re.findall(r"<td>([^<]*)</td>", row.group(1))[2:7] == ["2", "0", "0", "1", "2"]
    assert "Yes: ruxolitinib" in row.group(1)
    assert "Liver: not staged — attributed to drug cholestasis" in row.group(1)


def test_a_refused_dose_shows_the_error_next_to_the_weight_and_saves_nothing(
    journey: WebWorld,
) -> None:
    client, csrf = _browser(journey, "coord.bj")
    _screen_and_consent(client, csrf, journey.subject_id)
    _randomize(client, csrf, journey.subject_id)
    refused = client.post(
        f"/subjects/{journey.subject_id}/doses",
        data={"csrf_token": csrf, "product": "anti_cd25", "administered_on": DAY1.isoformat(),
              "weight_kg": "heavy", "dose_value": "20", "dose_unit": "mg"},
    )  # fmt: skip
    assert refused.status_code == 422
    assert re.search(r'id="weight_kg-error"[^>]*>[^<]*not a number', refused.text)
    assert 'value="heavy"' in refused.text
    assert count(journey, "dose_administrations") == 0


def test_a_serious_adverse_event_shows_its_reporting_deadline(journey: WebWorld) -> None:
    client, csrf = _browser(journey, "coord.bj")
    page = client.post(
        f"/subjects/{journey.subject_id}/adverse-events",
        data={"csrf_token": csrf, "term": "Sepsis", "ctcae_grade": "4",
              "onset_on": DAY1.isoformat(), "aware_at": "2026-03-02T08:00+08:00",
              "outcome": "recovering", "seriousness": ["life_threatening", "hospitalization"]},
    )  # fmt: skip
    assert page.status_code == 200
    page = client.get(f"/subjects/{journey.subject_id}/adverse-events/new")
    assert "yes: Requires or prolongs hospitalization, Life-threatening" in page.text
    # Due 24 h after awareness, shown in the site's time zone (the protocol default) and named.
    assert (
        'SAE report to the sponsor: due <time datetime="2026-03-03T00:00:00+00:00">'
        "2026-03-03 08:00 CST (Asia/Shanghai)</time>"
    ) in page.text


def test_an_adverse_event_time_without_offset_is_the_site_s_local_time(
    journey: WebWorld,
) -> None:
    client, csrf = _browser(journey, "coord.bj")
    refused = client.post(
        f"/subjects/{journey.subject_id}/adverse-events",
        data={"csrf_token": csrf, "term": "Rash maculo-papular", "ctcae_grade": "1",
              "onset_on": DAY1.isoformat(), "aware_at": "2 March, 8 am",
              "outcome": "recovered"},
    )  # fmt: skip
    assert refused.status_code == 422
    assert re.search(
        r'id="aware_at-error"[^>]*>[^<]*use YYYY-MM-DD HH:MM, e.g. 2026-12-04 08:30', refused.text
    )
    assert count(journey, "adverse_events") == 0
    saved = client.post(
        f"/subjects/{journey.subject_id}/adverse-events",
        data={"csrf_token": csrf, "term": "Rash maculo-papular", "ctcae_grade": "1",
              "onset_on": DAY1.isoformat(), "aware_at": "2026-03-02T08:00",
              "outcome": "recovered"},
    )  # fmt: skip
    assert saved.status_code == 200
    # Typed at the Asia/Shanghai site: 08:00 there is midnight UTC.
    with journey.store.new_uow() as uow:
        (event,) = uow.records.find("adverse_events")
    assert event["aware_at"] == dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)


def test_the_investigator_signs_with_password_re_entry_and_sees_the_manifest(
    journey: WebWorld,
) -> None:
    coordinator, csrf = _browser(journey, "coord.bj")
    coordinator.post(
        f"/subjects/{journey.subject_id}/adverse-events",
        data={"csrf_token": csrf, "term": "Rash maculo-papular", "ctcae_grade": "1",
              "onset_on": DAY1.isoformat(), "aware_at": "2026-03-02T08:00+00:00",
              "outcome": "recovered"},
    )  # fmt: skip
    assert (
        'action="/subjects/1/signatures"' not in coordinator.get("/subjects/1/signatures/new").text
    )
    investigator, inv_csrf = _browser(journey, "inv.bj")
    page = investigator.get(f"/subjects/{journey.subject_id}/signatures/new")
    record = re.search(r'<option value="(adverse_events:\d+)">', page.text)
    assert record is not None
    form = {"csrf_token": inv_csrf, "record": record.group(1), "meaning": "I approve"}
    wrong = investigator.post(
        f"/subjects/{journey.subject_id}/signatures", data={**form, "password": "wrong"}
    )
    assert wrong.status_code == 422
    assert 'id="password-error"' in wrong.text
    assert count(journey, "signatures") == 0
    signed = investigator.post(
        f"/subjects/{journey.subject_id}/signatures", data={**form, "password": PASSWORD}
    )
    signed = investigator.get(f"/subjects/{journey.subject_id}/signatures/new")
    assert (
        "<td>Dr Wang Fang</td><td>2026-03-02 17:00:00 CST (Asia/Shanghai)</td><td>I approve</td>"
        "<td>valid"
    ) in signed.text


def test_the_audit_trail_shows_site_times_and_keeps_utc_in_the_markup(journey: WebWorld) -> None:
    client, _ = _browser(journey, "coord.bj")
    page = client.get(f"/subjects/{journey.subject_id}/audit")
    assert re.search(
        r'<time datetime="2026-03-02T09:00:00(\.\d+)?\+00:00">2026-03-02 17:00:00 CST '
        r"\(Asia/Shanghai\)</time>",
        page.text,
    )
    assert "+00:00</time>" not in page.text


def test_another_sites_coordinator_and_the_administrator_get_not_found(web: WebWorld) -> None:
    for username in ("coord.sh", "admin"):
        client, csrf = _browser(web, username)
        for path in ("", "/screening", "/randomize"):
            assert client.get(f"/subjects/{web.subject_id}{path}").status_code == 404
        posted = client.post(
            f"/subjects/{web.subject_id}/visits",
            data={"csrf_token": csrf, "visit_code": "D1", "visit_date": DAY1.isoformat()},
        )
        assert posted.status_code == 404
        assert "BJ01-S001" not in client.get("/subjects").text
    assert count(web, "visits") == 0


def test_dates_on_the_forms_cannot_be_picked_after_today(journey: WebWorld) -> None:
    client, _ = _browser(journey, "coord.bj")
    page = client.get(f"/subjects/{journey.subject_id}/screening")
    today = dt.date(2026, 3, 2).isoformat()
    assert f'id="screened_on" name="screened_on" type="date" max="{today}"' in page.text

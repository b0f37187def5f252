"""The adverse-event page: close an SAE's clock by entering its report date, follow it up."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from journey_world import DAY1, count
from web_world import WebWorld, login


def _browser(world: WebWorld, username: str) -> tuple[TestClient, str]:
    client = world.new_client()
    return client, login(client, username)


def _sae_page(world: WebWorld, client: TestClient, csrf: str) -> str:
    """Report an SAE on the subject page and follow its link; returns the AE page's URL."""
    subject = client.post(
        f"/subjects/{world.subject_id}/adverse-events",
        data={"csrf_token": csrf, "term": "Sepsis", "ctcae_grade": "3",
              "onset_on": DAY1.isoformat(), "aware_at": "2026-03-02T08:00+00:00",
              "outcome": "recovering", "seriousness": ["hospitalization"]},
    )  # fmt: skip
    assert subject.status_code == 200, subject.text
    listed = client.get(f"/subjects/{world.subject_id}/adverse-events/new").text
    link = re.search(r'<a href="(/subjects/\d+/adverse-events/\d+)">Sepsis</a>', listed)
    assert link is not None
    return link.group(1)


def _clock_status(page: str) -> str:
    found = re.search(r'data-kind="investigator_to_sponsor">.*?class="clock-status">([^<]*)<',
                      page, re.S)  # fmt: skip
    assert found is not None, page
    return found.group(1)


def test_close_an_sae_clock_by_entering_its_report_date_and_see_it_met(web: WebWorld) -> None:
    client, csrf = _browser(web, "coord.bj")
    url = _sae_page(web, client, csrf)
    page = client.get(url).text
    # The deadline and every time on the page read in the site's zone (Asia/Shanghai).
    assert _clock_status(page) == "due 2026-03-03 16:00 CST (Asia/Shanghai)"
    assert not re.search(r"\d\d:\d\d UTC", page)
    assert "SAE report to the sponsor" in page
    assert "investigator to sponsor" not in page
    assert 'id="report-sponsor"' in page
    assert 'id="report-regulator"' not in page  # no SUSAR: no regulator clock to stop
    sent = client.post(
        f"{url}/reports",
        data={"csrf_token": csrf, "recipient": "sponsor", "reported_at": "2026-03-02T16:30+08:00"},
    )
    assert sent.status_code == 200
    assert str(sent.url).endswith(f"{url}#report-sponsor")
    assert _clock_status(sent.text) == "met"
    assert (
        '<time datetime="2026-03-02T08:30:00+00:00">2026-03-02 16:30 CST (Asia/Shanghai)</time>'
        in sent.text
    )
    # Its input shows the saved time back as the site's wall-clock time.
    assert 'name="reported_at" type="datetime-local" max="' in sent.text
    assert 'value="2026-03-02T16:30"' in sent.text
    assert "Correct the report time" in sent.text


def test_a_report_entered_after_the_deadline_reads_late_by(web: WebWorld) -> None:
    client, csrf = _browser(web, "coord.bj")
    url = _sae_page(web, client, csrf)
    web.clock.advance(days=2)
    client, csrf = _browser(web, "coord.bj")  # the idle session has expired
    assert _clock_status(client.get(url).text) == "overdue by 1 d 1 h"
    sent = client.post(
        f"{url}/reports",
        data={"csrf_token": csrf, "recipient": "sponsor", "reported_at": "2026-03-03T11:20+00:00"},
    )
    assert _clock_status(sent.text) == "late by 3 h 20 min"


def test_a_report_time_before_awareness_is_refused_next_to_its_field(web: WebWorld) -> None:
    client, csrf = _browser(web, "coord.bj")
    url = _sae_page(web, client, csrf)
    refused = client.post(
        f"{url}/reports",
        data={"csrf_token": csrf, "recipient": "sponsor", "reported_at": "2026-03-01T08:00+00:00"},
    )
    assert refused.status_code == 422
    assert re.search(r'id="reported_at-error"[^>]*>must not be before the site became aware',
                     refused.text)  # fmt: skip
    assert 'value="2026-03-01T08:00+00:00"' in refused.text
    assert _clock_status(refused.text) == "due 2026-03-03 16:00 CST (Asia/Shanghai)"


def test_a_follow_up_ends_the_event_and_is_kept_in_its_history(web: WebWorld) -> None:
    client, csrf = _browser(web, "coord.bj")
    url = _sae_page(web, client, csrf)
    form = {"csrf_token": csrf, "reported_at": "2026-03-02T08:45+00:00", "outcome": "recovered",
            "ctcae_grade": "3", "seriousness": ["hospitalization"],
            "narrative": "Discharged home."}  # fmt: skip
    refused = client.post(f"{url}/follow-ups", data=form)
    assert refused.status_code == 422
    assert re.search(r'id="resolved_on-error"[^>]*>is required when the outcome is recovered',
                     refused.text)  # fmt: skip
    assert "Discharged home.</textarea>" in refused.text
    assert count(web, "adverse_event_follow_ups") == 0
    saved = client.post(f"{url}/follow-ups", data={**form, "resolved_on": DAY1.isoformat()})
    assert saved.status_code == 200
    assert '<dd id="ae-outcome">Recovered/resolved</dd>' in saved.text
    assert f'<dd id="ae-resolved-on">{DAY1.isoformat()}</dd>' in saved.text
    assert "Outcome: Recovering/resolving → Recovered/resolved" in saved.text
    assert ">not_recovered<" not in saved.text
    assert ">not recovered<" not in saved.text
    assert "Not recovered/not resolved</option>" in saved.text
    assert "Requires or prolongs hospitalization" in saved.text
    assert "Save follow-up report 2" in saved.text


def test_another_sites_coordinator_does_not_find_the_page(web: WebWorld) -> None:
    client, csrf = _browser(web, "coord.bj")
    url = _sae_page(web, client, csrf)
    other, _ = _browser(web, "coord.sh")
    assert other.get(url).status_code == 404


def test_a_susar_shows_a_report_form_per_clock_and_the_regulator_report_stops_its_clock(
    web: WebWorld,
) -> None:
    client, csrf = _browser(web, "coord.bj")
    client.post(
        f"/subjects/{web.subject_id}/adverse-events",
        data={"csrf_token": csrf, "term": "Hepatic failure", "ctcae_grade": "3",
              "onset_on": DAY1.isoformat(), "aware_at": "2026-03-02T08:00+00:00",
              "outcome": "recovering", "seriousness": ["hospitalization"],
              "product": "anti_cd25", "causality": "probable"},
    )  # fmt: skip
    listed = client.get(f"/subjects/{web.subject_id}/adverse-events/new").text
    link = re.search(r'<a href="(/subjects/\d+/adverse-events/\d+)">Hepatic failure</a>', listed)
    assert link is not None
    page = client.get(link.group(1)).text
    forms = re.findall(r'<form [^>]*id="report-([a-z_]+)"', page)
    assert forms == ["sponsor", "regulator", "ethics_committee"]
    assert "SUSAR (Anti-CD25 mAb (basiliximab))" in page
    assert "SUSAR (anti_cd25)" not in page
    sent = client.post(
        f"{link.group(1)}/reports",
        data={
            "csrf_token": csrf,
            "recipient": "regulator",
            "reported_at": "2026-03-02T08:55+00:00",
        },
    )
    statuses = dict(re.findall(r'data-kind="([a-z_]+)">.*?class="clock-status">([^<]*)<',
                               sent.text, re.S))  # fmt: skip
    assert statuses == {
        "investigator_to_sponsor": "due 2026-03-03 16:00 CST (Asia/Shanghai)",
        "susar": "met",
    }


def test_a_correction_of_a_report_time_needs_a_reason_shown_next_to_it(web: WebWorld) -> None:
    client, csrf = _browser(web, "coord.bj")
    url = _sae_page(web, client, csrf)
    form = {"csrf_token": csrf, "recipient": "sponsor", "reported_at": "2026-03-02T08:30+00:00"}
    client.post(f"{url}/reports", data=form)
    refused = client.post(f"{url}/reports", data={**form, "reported_at": "2026-03-02T08:40+00:00"})
    assert refused.status_code == 422
    # One form's error spans at a time: their ids are the field names.
    assert refused.text.count('id="reason-error"') == 1
    assert re.search(r'id="reason-error"[^>]*>a reason for change is required', refused.text)
    corrected = client.post(
        f"{url}/reports",
        data={**form, "reported_at": "2026-03-02T08:40+00:00", "reason": "fax log"},
    )
    assert '<time datetime="2026-03-02T08:40:00+00:00">' in corrected.text


def test_report_and_follow_up_times_are_typed_in_the_sites_zone(web: WebWorld) -> None:
    client, csrf = _browser(web, "coord.bj")
    url = _sae_page(web, client, csrf)
    page = client.get(url).text
    assert "sent at (Asia/Shanghai time)" in page
    assert "with UTC offset" not in page
    sent = client.post(
        f"{url}/reports",
        data={"csrf_token": csrf, "recipient": "sponsor", "reported_at": "2026-03-02T16:30"},
    )
    assert sent.status_code == 200
    # 16:30 in Beijing is 08:30 UTC, as the stored moment says.
    assert '<time datetime="2026-03-02T08:30:00+00:00">' in sent.text
    assert _clock_status(sent.text) == "met"
    followed = client.post(
        f"{url}/follow-ups",
        data={"csrf_token": csrf, "reported_at": "2026-03-02T17:00", "outcome": "recovering",
              "ctcae_grade": "2", "seriousness": ["hospitalization"]},
    )  # fmt: skip
    assert followed.status_code == 200, followed.text
    assert '<time datetime="2026-03-02T09:00:00+00:00">2026-03-02 17:00 CST' in followed.text
    assert "CTCAE grade: 3 → 2" in followed.text

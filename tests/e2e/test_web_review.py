"""The review part of the record page: verify against source, the reset notice, lock, unlock."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from correction_world import Records
from journey_world import DAY1
from trialdesk.services.accounts import accounts
from web_world import PASSWORD, login

WHY = "source document re-checked"


def _browser(records: Records, username: str) -> tuple[TestClient, str]:
    client = records.world.new_client()
    return client, login(client, username)


def _href(records: Records) -> str:
    return f"/subjects/{records.subject_id}/visits/{records.ids['visits']}"


def test_a_monitor_verifies_and_a_correction_says_what_it_reset(records: Records) -> None:
    monitor, csrf = _browser(records, "monitor.bj")
    page = monitor.get(_href(records)).text
    assert 'id="verify-form"' in page
    assert 'id="lock-form"' not in page  # monitors do not lock
    assert "Visit date" in page  # labels, not column names
    done = monitor.post(
        f"{_href(records)}/verify", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert done.status_code == 303
    monitor.post(f"{_href(records)}/verify", data={"csrf_token": csrf, "field": "visit_date"})
    page = monitor.get(_href(records)).text
    assert "Form verified by Monitor.Bj on " in page
    assert 'id="verify-form"' not in page

    records.world.clock.advance(days=1)
    coordinator, token = _browser(records, "coord.bj")
    assert 'id="verify-form"' not in coordinator.get(_href(records)).text
    later = (DAY1 + dt.timedelta(days=1)).isoformat()
    corrected = coordinator.post(
        _href(records),
        data={"csrf_token": token, "visit_code": "D1", "visit_date": later, "reason": WHY},
    )
    assert corrected.status_code == 200, corrected.text
    assert "Source verification reset for: the whole form, Visit date." in corrected.text
    assert f"corrected: {WHY}" in corrected.text


def test_a_data_manager_locks_the_form_and_unlocks_it_with_a_reason(records: Records) -> None:
    manager, csrf = _browser(records, "dm.bj")
    page = manager.get(_href(records)).text
    assert 'id="lock-form"' in page
    assert 'id="verify-form"' not in page
    assert (
        manager.post(
            f"{_href(records)}/lock",
            data={"csrf_token": csrf, "reason": "reviewed"},
            follow_redirects=False,
        ).status_code
        == 303
    )
    page = manager.get(_href(records)).text
    assert "Locked: this visit was locked by Dm.Bj on " in page
    assert "(reviewed)" in page
    coordinator, token = _browser(records, "coord.bj")
    refused = coordinator.post(
        _href(records),
        data={"csrf_token": token, "visit_code": "D1", "visit_date": DAY1.isoformat(),
              "reason": WHY},
    )  # fmt: skip
    assert refused.status_code == 409
    assert "Locked: this visit was locked by Dm.Bj" in refused.text
    assert "(UTC)" not in refused.text  # the site's local time on pages
    unlock_action = next(
        part.split('"')[0] for part in page.split('action="') if "/unlock/" in part.split('"')[0]
    )
    no_reason = manager.post(unlock_action, data={"csrf_token": csrf, "reason": ""})
    assert no_reason.status_code == 422
    assert (
        manager.post(
            unlock_action,
            data={"csrf_token": csrf, "reason": "query answered"},
            follow_redirects=False,
        ).status_code
        == 303
    )
    assert "Not locked." in manager.get(_href(records)).text


def test_another_sites_monitor_cannot_verify(records: Records) -> None:
    accounts.create_user(
        records.world.store.new_uow(), username="monitor.sh", full_name="Monitor Sh",
        password=PASSWORD, role="monitor", site_code="SH01", as_user=None,
        one_time_password=False,
    )  # fmt: skip
    other, csrf = _browser(records, "monitor.sh")
    assert other.post(f"{_href(records)}/verify", data={"csrf_token": csrf}).status_code == 404


def test_the_review_pages_follow_the_role(records: Records) -> None:
    monitor, _ = _browser(records, "monitor.bj")
    sdv = monitor.get("/review/sdv")
    assert sdv.status_code == 200
    assert 'href="/review/sdv"' in sdv.text  # in the menu
    assert "<progress" in sdv.text
    assert "Adverse event" in sdv.text  # the serious adverse event, by its label
    assert "adverse_events" not in sdv.text
    assert monitor.get("/review/signatures").status_code == 403
    manager, _ = _browser(records, "dm.bj")
    assert manager.get("/review/sdv").status_code == 403
    assert 'href="/review/locks"' in manager.get("/review/locks").text


def test_a_data_manager_locks_the_subject_from_its_page(records: Records) -> None:
    manager, csrf = _browser(records, "dm.bj")
    subject = f"/subjects/{records.subject_id}"
    assert 'id="subject-lock-form"' in manager.get(subject).text
    manager.post(
        "/review/locks",
        data={"csrf_token": csrf, "level": "subject", "target_id": str(records.subject_id),
              "reason": "ready"},
    )  # fmt: skip
    page = manager.get(subject).text
    assert "Locked: subject BJ01-S001 was locked by Dm.Bj on " in page
    listed = manager.get("/review/locks").text
    assert "Subject" in listed
    assert "ready" in listed
    readiness = listed.split('id="lock-readiness"')[1]
    assert "required records not verified" in readiness
    assert "casebook not signed by the investigator" in readiness


def test_the_investigator_signs_the_casebook_from_the_subject_page(records: Records) -> None:
    investigator, csrf = _browser(records, "inv.bj")
    assert "BJ01-S001" in investigator.get("/review/signatures").text
    subject = f"/subjects/{records.subject_id}"
    page = investigator.get(subject).text
    assert 'id="casebook-sign-form"' in page
    wrong = investigator.post(
        f"{subject}/casebook/sign",
        data={"csrf_token": csrf, "password": "not-the-password", "meaning": "I approve"},
    )
    assert wrong.status_code == 422
    assert 'id="casebook-error"' in wrong.text
    signed = investigator.post(
        f"{subject}/casebook/sign",
        data={"csrf_token": csrf, "password": PASSWORD, "meaning": "I approve the casebook"},
    )
    assert signed.status_code == 200
    assert "Signed by Dr Wang Fang on " in signed.text
    assert 'id="casebook-sign-form"' not in signed.text
    assert "Nothing awaits your signature." in investigator.get("/review/signatures").text
    coordinator, _ = _browser(records, "coord.bj")
    assert 'id="casebook-sign-form"' not in coordinator.get(subject).text


def test_the_dashboard_shows_sdv_progress_to_reviewers_and_the_sponsor(records: Records) -> None:
    for username in ("monitor.bj", "dm.bj", "admin"):
        client, _ = _browser(records, username)
        page = client.get("/").text
        assert 'id="sdv-progress"' in page, username
        assert 'data-site="BJ01"' in page, username
    coordinator, _ = _browser(records, "coord.bj")
    assert 'id="sdv-progress"' not in coordinator.get("/").text

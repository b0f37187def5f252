"""A refusal is a 403 saying who may, inside the signed-in menu; no forms one may not send."""

from __future__ import annotations

import re

import pytest

from trialdesk.services.accounts import accounts
from trialdesk.services.review import review
from trialdesk.services.subjects import subjects
from web_world import PASSWORD, WebWorld, csrf_of, login

_CONSENT_REFUSAL = (
    "You may not enter clinical data for subject {id}: that is for site coordinators and "
    "investigators."
)
_CLOSE_REFUSAL = (
    "You may not close queries for subject {id}: that is for monitors and data managers."
)


@pytest.fixture
def monitor_query(web: WebWorld) -> int:
    """A monitor at the first site and the query they raised on the subject's consent."""
    uow = web.store.new_uow
    monitor = accounts.create_user(
        uow(), username="mon.bj", full_name="Mon Bj", password=PASSWORD, role="monitor",
        site_code="BJ01", as_user=None, one_time_password=False,
    )  # fmt: skip
    coordinator = accounts.list_users(uow())[1].id
    consent = subjects.record_consent(
        uow(), as_user=coordinator, subject_id=web.subject_id,
        consented_on=web.clock.now().date(), form_version="v2", obtained_by="Dr Li",
    )  # fmt: skip
    return review.raise_query(
        uow(), as_user=monitor.id, entity="consents", record_id=consent, field="form_version",
        message="Which version was signed?",
    )  # fmt: skip


def _forms(html: str) -> list[str]:
    return re.findall(r'<form method="post" action="([^"]+)"', html)


def _nav(html: str) -> str:
    found = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S)
    assert found is not None
    return found.group(1)


@pytest.mark.usefixtures("monitor_query")
def test_a_monitors_record_consent_is_refused_as_such_inside_their_menu(web: WebWorld) -> None:
    login(web.client, "mon.bj")
    csrf = csrf_of(web.client)
    refused = web.client.post(
        f"/subjects/{web.subject_id}/consent",
        data={"csrf_token": csrf, "consented_on": "2026-03-01", "form_version": "v3",
              "obtained_by": "Mon"},
    )  # fmt: skip
    assert refused.status_code == 403
    assert _CONSENT_REFUSAL.format(id=web.subject_id) in refused.text
    assert "not found" not in refused.text
    menu = _nav(refused.text)
    assert "Log in" not in menu
    assert "Queries" in menu
    assert "Mon Bj (mon.bj)" in refused.text  # the signed-in header, with its logout
    with web.store.new_uow() as uow:
        assert len(uow.records.find("consents", subject_id=web.subject_id)) == 1


def test_a_coordinators_close_query_is_refused_naming_who_may(
    web: WebWorld, monitor_query: int
) -> None:
    csrf = login(web.client, "coord.bj")
    refused = web.client.post(
        f"/queries/{monitor_query}/close", data={"csrf_token": csrf, "message": "done"}
    )
    assert refused.status_code == 403
    assert _CLOSE_REFUSAL.format(id=web.subject_id) in refused.text
    assert "Log in" not in _nav(refused.text)
    api = web.client.post(
        f"/api/v1/queries/{monitor_query}/close", json={"message": "done"},
        headers={"X-CSRF-Token": csrf},
    )  # fmt: skip
    assert api.status_code == 403
    assert api.json()["message"] == _CLOSE_REFUSAL.format(id=web.subject_id)


@pytest.mark.usefixtures("monitor_query")
def test_the_api_refuses_a_monitors_consent_with_the_same_words(web: WebWorld) -> None:
    csrf = login(web.client, "mon.bj")
    refused = web.client.post(
        f"/api/v1/subjects/{web.subject_id}/consents",
        json={"consented_on": "2026-03-01", "form_version": "v3", "obtained_by": "Mon"},
        headers={"X-CSRF-Token": csrf},
    )  # fmt: skip
    assert refused.status_code == 403
    assert refused.json()["message"] == _CONSENT_REFUSAL.format(id=web.subject_id)


def test_another_sites_coordinator_still_finds_nothing(web: WebWorld, monitor_query: int) -> None:
    csrf = login(web.client, "coord.sh")
    hidden = web.client.post(
        f"/queries/{monitor_query}/close", data={"csrf_token": csrf, "message": "x"}
    )
    assert hidden.status_code == 404
    consent = web.client.post(
        f"/subjects/{web.subject_id}/consent",
        data={"csrf_token": csrf, "consented_on": "2026-03-01", "form_version": "v",
              "obtained_by": "x"},
    )  # fmt: skip
    assert consent.status_code == 404
    assert "You may not" not in consent.text


def test_a_monitor_sees_no_form_they_could_not_send(web: WebWorld, monitor_query: int) -> None:
    login(web.client, "mon.bj")
    screening = web.client.get(f"/subjects/{web.subject_id}/screening").text
    assert _forms(screening) == []
    assert 'data-answer="age_years"' in screening  # the recorded answers are shown instead
    assert "Consent of " in screening
    subject_page = web.client.get(f"/subjects/{web.subject_id}").text
    assert [f for f in _forms(subject_page) if f != "/logout"] == []
    query = web.client.get(f"/queries/{monitor_query}").text
    assert f"/queries/{monitor_query}/close" in _forms(query)
    assert "Reply (re-opens the query)" in query
    # Monitors raise queries from the field bubbles, not from the list: it only points there.
    listing = web.client.get("/queries").text
    assert "/queries" not in _forms(listing)
    assert 'id="raise-hint"' in listing


def test_a_coordinator_gets_the_answer_form_but_not_the_close_form(
    web: WebWorld, monitor_query: int
) -> None:
    login(web.client, "coord.bj")
    query = web.client.get(f"/queries/{monitor_query}").text
    assert _forms(query)[-1] == f"/queries/{monitor_query}/reply"
    assert f"/queries/{monitor_query}/close" not in _forms(query)
    assert "/queries" not in _forms(web.client.get("/queries").text)
    screening = web.client.get(f"/subjects/{web.subject_id}/screening").text
    assert {f"/subjects/{web.subject_id}/screening", f"/subjects/{web.subject_id}/consent",
            f"/subjects/{web.subject_id}/state"} <= set(_forms(screening))  # fmt: skip

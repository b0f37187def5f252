"""The dashboard page and ``GET /api/v1/dashboard``: figures by role and site."""

from __future__ import annotations

import datetime as dt
from typing import Any

from eligibility_signoff_world import OBJECTIVE_ANSWERS
from trialdesk.bootstrap import load_protocol
from trialdesk.services.accounts import accounts
from trialdesk.services.clinical import clinical
from trialdesk.services.subjects import subjects
from web_world import WebWorld, login

TODAY = dt.date(2026, 3, 2)


def _user(web: WebWorld, username: str) -> int:
    return next(u.id for u in accounts.list_users(web.store.new_uow()) if u.username == username)


def _screen_fail(web: WebWorld, site: str, number: str) -> None:
    coordinator = _user(web, "coord.bj" if site == "BJ01" else "coord.sh")
    subject = subjects.register_subject(
        web.store.new_uow(), as_user=coordinator, site_code=site, screening_number=number
    )
    subjects.record_screening(
        web.store.new_uow(), as_user=coordinator, subject_id=subject.id, screened_on=TODAY,
        answers={**OBJECTIVE_ANSWERS, "age_years": 80}, protocol=load_protocol(),
    )  # fmt: skip


def _serious_event(web: WebWorld, aware_at: dt.datetime) -> None:
    clinical.report_adverse_event(
        web.store.new_uow(), as_user=_user(web, "coord.bj"), subject_id=web.subject_id,
        term="Sepsis", ctcae_grade=3, onset_on=TODAY, aware_at=aware_at, outcome="recovering",
        seriousness=frozenset({"hospitalization"}),
    )  # fmt: skip


def _dashboard(web: WebWorld, username: str) -> dict[str, Any]:
    client = web.new_client()
    login(client, username)
    response = client.get("/api/v1/dashboard")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_coordinator_counts_only_their_own_sites_subjects(web: WebWorld) -> None:
    _screen_fail(web, "BJ01", "BJ01-S002")
    _screen_fail(web, "SH01", "SH01-S001")
    body = _dashboard(web, "coord.bj")
    assert [site["site_code"] for site in body["sites"]] == ["BJ01"]
    site = body["sites"][0]
    assert (site["screened"], site["screen_failed"], site["randomized"]) == (2, 1, 0)
    assert body["target_enrollment"] == 130
    assert body["randomized"] == 0


def test_the_sponsor_sees_every_site_but_no_subject_level_list(web: WebWorld) -> None:
    _screen_fail(web, "SH01", "SH01-S001")
    web.clock.advance(hours=30)
    _serious_event(web, web.clock.now() - dt.timedelta(hours=30))
    body = _dashboard(web, "admin")
    assert [site["site_code"] for site in body["sites"]] == ["BJ01", "SH01"]
    assert body["open_serious_events"] == []
    assert body["overdue"] == []


def test_screen_failures_are_counted_by_the_criterion_that_failed(web: WebWorld) -> None:
    _screen_fail(web, "BJ01", "BJ01-S002")
    _screen_fail(web, "BJ01", "BJ01-S003")
    reasons = _dashboard(web, "coord.bj")["screen_failures"]
    assert len(reasons) == 1
    assert reasons[0]["subjects"] == 2
    assert "18 to 70" in reasons[0]["text"]


def test_an_open_sae_shows_its_24_hour_clock_overdue_once_it_has_passed(web: WebWorld) -> None:
    aware = web.clock.now() - dt.timedelta(hours=2)
    _serious_event(web, aware)
    events = _dashboard(web, "coord.bj")["open_serious_events"]
    assert len(events) == 1
    (clock,) = events[0]["clocks"]
    assert clock["kind"] == "investigator_to_sponsor"
    assert dt.datetime.fromisoformat(clock["due_at"]) == aware + dt.timedelta(hours=24)
    assert clock["overdue"] is False
    web.clock.advance(hours=23)
    (clock,) = _dashboard(web, "coord.bj")["open_serious_events"][0]["clocks"]
    assert clock["overdue"] is True


def test_the_other_sites_coordinator_does_not_see_the_sae(web: WebWorld) -> None:
    _serious_event(web, web.clock.now() - dt.timedelta(hours=1))
    assert _dashboard(web, "coord.sh")["open_serious_events"] == []


def test_the_dashboard_page_draws_enrollment_against_the_target(web: WebWorld) -> None:
    _screen_fail(web, "BJ01", "BJ01-S002")
    _serious_event(web, web.clock.now() - dt.timedelta(hours=1))
    login(web.client, "coord.bj")
    page = web.client.get("/").text
    assert "0 of 130 randomized" in page
    assert 'aria-label="Randomized: 0 of the target 130"' in page
    assert "target 130" in page
    assert "Sepsis" in page
    assert "SAE report to the sponsor: due" in page
    assert "<script" not in page


def test_the_dashboard_api_needs_a_login(web: WebWorld) -> None:
    assert web.new_client().get("/api/v1/dashboard").status_code == 401

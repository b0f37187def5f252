"""The screening page: missing answers leave the screening incomplete, never a screen failure."""

from __future__ import annotations

import re

from journey_world import DAY1, count
from trialdesk.bootstrap import load_protocol
from web_world import WebWorld, login

PROTOCOL = load_protocol()


def test_one_answer_of_eleven_keeps_the_subject_in_screening_and_lists_the_missing(
    web: WebWorld,
) -> None:
    client = web.new_client()
    csrf = login(client, "coord.bj")
    saved = client.post(
        f"/subjects/{web.subject_id}/screening",
        data={"csrf_token": csrf, "screened_on": DAY1.isoformat(), "age_years": "45"},
    )
    assert saved.status_code == 200, saved.text
    assert count(web, "screening_records") == 1
    assert "Saved screening of 2026-03-02: <strong>incomplete" in saved.text
    assert 'id="subject-state">In screening' in saved.text
    listed = re.search(
        r'id="screening-missing">Not answered yet, so not judged: ([^.<]*)\.', saved.text
    )
    assert listed is not None
    unanswered = [c.id for c in PROTOCOL.criteria if c.field != "age_years"]
    assert listed.group(1).split(", ") == unanswered


def test_an_answered_failing_criterion_is_a_screen_failure_even_with_others_missing(
    web: WebWorld,
) -> None:
    client = web.new_client()
    csrf = login(client, "coord.bj")
    saved = client.post(
        f"/subjects/{web.subject_id}/screening",
        data={"csrf_token": csrf, "screened_on": DAY1.isoformat(), "age_years": "75"},
    )
    assert saved.status_code == 200, saved.text
    assert "<strong>not eligible</strong>" in saved.text
    assert 'id="subject-state">Screen failed' in saved.text

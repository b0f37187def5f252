"""The site coordinator codes adverse events in Chromium: search as you type, the SOC shown,
"Other, specify" with its SOC, and a term corrected on the record page.

Screenshots of each step are kept under ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from browser_harness import Visitor, username_of

from trial_world import SITE_A
from trialdesk.domain.access import Role

pytestmark = pytest.mark.browser


def _rows(visitor: Visitor) -> list[dict[str, object]]:
    with visitor.live.world.store.new_uow() as uow:
        return sorted(uow.records.find("adverse_events"), key=lambda r: r["id"])


def _fill_event(visitor: Visitor, aware: dt.datetime) -> None:
    page = visitor.page
    page.select_option("#ctcae_grade", "2")
    page.fill("#onset_on", aware.date().isoformat())
    beijing = aware.astimezone(dt.timezone(dt.timedelta(hours=8)))
    page.fill("#aware_at", beijing.strftime("%Y-%m-%dT%H:%M"))
    page.select_option("select#outcome", "recovering")


def _submit(visitor: Visitor) -> None:
    with visitor.page.expect_navigation():
        visitor.page.click("#adverse-event form button[type=submit]")


def test_the_coordinator_picks_a_ctcae_term_as_she_types_and_specifies_another(
    visitor: Visitor,
) -> None:
    page, world = visitor.page, visitor.live.world
    subject = f"/subjects/{world.subject_id}"
    aware = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
    visitor.login(username_of(Role.SITE_COORDINATOR, SITE_A))

    # Words in any order fill the list from the terminology endpoint.
    visitor.visit(f"{subject}/adverse-events/new")
    assert page.is_hidden("#ae-other")
    page.locator("#term").press_sequentially("decreased plat", delay=30)
    page.wait_for_selector(
        '#ctcae-terms option[value="Platelet count decreased"]', state="attached"
    )
    visitor.screenshot("01-the-list-while-typing", of="#adverse-event")
    page.fill("#term", "Platelet count decreased")
    page.dispatch_event("#term", "input")
    page.wait_for_function("document.getElementById('meddra_code').value === '10035528'")
    assert page.inner_text("#ae-soc") == "Investigations"
    # Each label sits on the row of its own field: the SOC note spans the form's grid.
    for field in ("ctcae_grade", "onset_on", "outcome"):
        label = page.locator(f'label[for="{field}"]').bounding_box()
        control = page.locator(f"#{field}").bounding_box()
        assert label is not None
        assert control is not None
        assert abs(label["y"] + label["height"] / 2 - control["y"] - control["height"] / 2) < 12
        assert label["x"] < control["x"], field
    visitor.screenshot("02-the-term-chosen-and-its-soc", of="#adverse-event")
    _fill_event(visitor, aware)
    _submit(visitor)

    # "Other, specify": the SOC's catch-all term opens the free text, its SOC preset.
    visitor.visit(f"{subject}/adverse-events/new")
    page.locator("#term").press_sequentially("gastro other", delay=30)
    other = "Gastrointestinal disorders - Other, specify"
    page.wait_for_selector(f'#ctcae-terms option[value="{other}"]', state="attached")
    page.fill("#term", other)
    page.dispatch_event("#term", "input")
    page.wait_for_selector("#ae-other", state="visible")
    assert page.input_value("#soc") == "Gastrointestinal disorders"
    page.fill("#other_term", "Hiccup attacks")
    visitor.screenshot("03-other-specify-with-its-soc", of="#adverse-event")
    _fill_event(visitor, aware)
    _submit(visitor)

    assert [(r["term"], r["meddra_code"], r["soc"]) for r in _rows(visitor)] == [
        ("Platelet count decreased", 10035528, "Investigations"),
        ("Hiccup attacks", 10017947, "Gastrointestinal disorders"),
    ]
    visitor.visit(f"{subject}/adverse-events/new")
    listed = page.locator("#adverse-events").inner_text()
    assert "Platelet count decreased" in listed
    assert "Hiccup attacks" in listed
    visitor.screenshot("04-both-events-listed", of="section#adverse-event")

    # A term typed without choosing it from the list and not in CTCAE is refused by the field.
    page.fill("#term", "Low platelets")
    _fill_event(visitor, aware)
    _submit(visitor)
    assert "not a CTCAE v5.0 term" in page.inner_text("#term-error")
    assert len(_rows(visitor)) == 2
    visitor.screenshot("05-an-uncoded-term-is-refused", of="#adverse-event")

    # The correction form searches the same list: the first event was sepsis after all.
    first = _rows(visitor)[0]["id"]
    visitor.visit(f"{subject}/adverse-events/{first}/record")
    assert page.input_value("#meddra_code") == "10035528"
    page.fill("#term", "")
    page.locator("#term").press_sequentially("seps", delay=30)
    page.wait_for_selector('#ctcae-terms option[value="Sepsis"]', state="attached")
    page.fill("#term", "Sepsis")
    page.dispatch_event("#term", "input")
    page.wait_for_function("document.getElementById('meddra_code').value === '10040047'")
    assert page.input_value("#soc") == "Infections and infestations"
    page.fill("#reason", "source document says sepsis")
    visitor.screenshot("06-correcting-the-term", of="#correction-form")
    with page.expect_navigation():
        page.click("#correction-form button[type=submit]")
    assert (_rows(visitor)[0]["term"], _rows(visitor)[0]["meddra_code"]) == ("Sepsis", 10040047)
    assert _rows(visitor)[0]["soc"] == "Infections and infestations"
    assert all(shot.stat().st_size > 0 for shot in visitor.taken)

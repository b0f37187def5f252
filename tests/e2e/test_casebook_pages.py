"""The casebook page: the grid's statuses, its links, the entry pages and who sees what."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi.testclient import TestClient

from journey_world import BASELINE, DAY1, OBJECTIVE, Api, api_as, investigator_signs_off
from trialdesk.services.accounts import accounts
from web_world import PASSWORD, WebWorld, login

_CELL = re.compile(r'<td class="cell (\w+)" data-column="([\w.]+)">(.*?)</td>', re.S)


def _on(study_day: int) -> str:
    return (DAY1 + dt.timedelta(days=study_day - 1)).isoformat()


def _randomized_and_dosed(api: Api, subject_id: int) -> None:
    base = f"/subjects/{subject_id}"
    screened = api.post(f"{base}/screenings", {"screened_on": _on(1), "answers": OBJECTIVE})
    assert screened.status_code == 201, screened.text
    consent = {"consented_on": _on(1), "form_version": "2.1", "obtained_by": "Dr Li"}
    assert api.post(f"{base}/consents", consent).status_code == 201
    investigator_signs_off(api.client, subject_id)
    allocated = api.post(f"{base}/randomization", {"baseline_grade": 3, "gi_involvement": True})
    assert allocated.status_code == 201, allocated.text
    dose = {"product": "anti_cd25", "administered_on": _on(1), "weight_kg": 65,
            "dose_value": 20, "dose_unit": "mg"}  # fmt: skip
    assert api.post(f"{base}/doses", dose).status_code == 201
    assessment = {"assessed_on": _on(1), "measurements": {**BASELINE, "bilirubin_unit": "mg/dL"},
                  "visit_code": "D1", "additional_therapy": False}  # fmt: skip
    assert api.post(f"{base}/assessments", assessment).status_code == 201


def _cells(page: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(row, column) → (status, inner HTML) of every grid cell."""
    cells: dict[tuple[str, str], tuple[str, str]] = {}
    for row in re.finditer(r'<tr data-row="(\w+)">(.*?)</tr>', page, re.S):
        for status, column, inner in _CELL.findall(row.group(2)):
            cells[(row.group(1), column)] = (status, inner)
    return cells


def _add(world: WebWorld, table: str, values: dict[str, Any]) -> int:
    with world.store.new_uow() as uow:
        new_id = uow.records.add(table, values)
        uow.commit()
    return new_id


def _one(world: WebWorld, table: str) -> dict[str, Any]:
    with world.store.new_uow() as uow:
        return dict(uow.records.find(table, subject_id=world.subject_id)[0])


def _browser(world: WebWorld, username: str) -> tuple[TestClient, str]:
    client = world.new_client()
    return client, login(client, username)


def _review_rows(world: WebWorld) -> None:
    """A query on the consent, a source-verification mark on the dose, a signature on the
    allocation, a lock on the day-1 assessment and a protocol form missing its values."""
    sid, now = world.subject_id, world.clock.now()
    user = accounts.list_users(world.store.new_uow())[0].id
    consent, dose = _one(world, "consents"), _one(world, "dose_administrations")
    allocation, assessment = _one(world, "allocations"), _one(world, "gvhd_assessments")
    _add(world, "queries", {"subject_id": sid, "entity": "consents", "entity_id": consent["id"],
                            "field": "form_version", "status": "open", "created_at": now,
                            "created_by": user})  # fmt: skip
    _add(world, "sdv_marks", {"subject_id": sid, "entity": "dose_administrations",
                              "entity_id": dose["id"], "field": None, "verified_hash": "x",
                              "verified_at": now, "verified_by": user})  # fmt: skip
    _add(world, "signatures", {"subject_id": sid, "entity": "allocations",
                               "entity_id": allocation["id"], "user_id": user,
                               "printed_name": "Dr Wang", "meaning": "I approve",
                               "signed_at": now, "record_hash": "x", "is_valid": True})  # fmt: skip
    _add(world, "locks", {"subject_id": sid, "entity": "gvhd_assessments",
                          "entity_id": assessment["id"], "locked_at": now,
                          "locked_by": user})  # fmt: skip
    _add(world, "form_records", {"subject_id": sid, "form": "chronic_gvhd", "visit_code": "W8",
                                 "record_date": DAY1, "values": {}, "derived": {},
                                 "created_at": now, "created_by": user})  # fmt: skip


def test_each_status_shows_with_its_label_and_the_legend(journey: WebWorld) -> None:
    _randomized_and_dosed(api_as(journey, "coord.bj"), journey.subject_id)
    _review_rows(journey)
    client, _ = _browser(journey, "coord.bj")
    page = client.get(f"/subjects/{journey.subject_id}").text
    cells = _cells(page)
    # The investigator's eligibility signature signs the screening record.
    assert cells[("screening", "SCR")][0] == "signed"
    assert cells[("dose", "D1")][0] == "verified"
    assert cells[("consent", "SCR")][0] == "open_query"
    assert cells[("randomization", "SCR")][0] == "signed"
    assert cells[("assessment", "D1")][0] == "locked"
    assert cells[("chronic_gvhd", "W8")][0] == "incomplete"
    assert cells[("assessment", "D8")][0] == "not_started"
    assert cells[("consent", "D8")][0] == "not_applicable"
    assert cells[("visit", "D1")][0] in {"complete", "not_started"}
    # Each icon carries its label as a text alternative, and the legend names every status.
    assert 'aria-label="Informed consent, Screening: Open query"' in page
    legend = page[page.index('id="casebook-legend"') :]
    for words in ("Not started", "Incomplete", "Complete", "Open query", "Source-verified",
                  "Signed", "Locked", "Not applicable", "Cancelled"):  # fmt: skip
        assert words in legend, words
    assert "consents" not in re.sub(r'href="[^"]*"', "", page.split('id="casebook"')[1])


def test_a_complete_form_and_a_cancelled_visit(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    _randomized_and_dosed(api, journey.subject_id)
    rescue = {"kind": "rescue", "name": "ruxolitinib", "started_on": _on(1)}
    assert api.post(f"/subjects/{journey.subject_id}/therapies", rescue).status_code == 201
    client, _ = _browser(journey, "coord.bj")
    cells = _cells(client.get(f"/subjects/{journey.subject_id}").text)
    assert cells[("assessment", "D1")][0] == "complete"
    assert cells[("assessment", "D29")][0] == "cancelled"


def test_links_go_to_the_record_or_the_entry_page(journey: WebWorld) -> None:
    _randomized_and_dosed(api_as(journey, "coord.bj"), journey.subject_id)
    client, _ = _browser(journey, "coord.bj")
    url = f"/subjects/{journey.subject_id}"
    cells = _cells(client.get(url).text)
    assessment = _one(journey, "gvhd_assessments")["id"]
    assert f'href="{url}/assessments/{assessment}"' in cells[("assessment", "D1")][1]
    assert f'href="{url}/assessments/new?visit=D8"' in cells[("assessment", "D8")][1]
    assert f'href="{url}/visits/new?visit=D4"' in cells[("visit", "D4")][1]
    assert "href" not in cells[("consent", "D8")][1]
    entry = client.get(f"{url}/assessments/new?visit=D8").text
    assert '<option value="D8" selected>' in entry
    assert 'id="gvhd-calculator"' in entry


def test_an_entry_page_saves_and_returns_to_the_casebook(journey: WebWorld) -> None:
    _randomized_and_dosed(api_as(journey, "coord.bj"), journey.subject_id)
    client, csrf = _browser(journey, "coord.bj")
    url = f"/subjects/{journey.subject_id}"
    form = client.get(f"{url}/visits/new?visit=D1").text
    assert '<option value="D1" selected>' in form
    saved = client.post(
        f"{url}/visits", data={"csrf_token": csrf, "visit_code": "D1", "visit_date": _on(1)},
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"{url}?saved=visit#casebook"
    page = client.get(saved.headers["location"]).text
    assert "Visit saved." in page
    assert _cells(page)[("visit", "D1")][0] == "complete"


def test_another_site_s_casebook_is_not_found(journey: WebWorld) -> None:
    client, _ = _browser(journey, "coord.sh")
    assert client.get(f"/subjects/{journey.subject_id}").status_code == 404
    assert client.get(f"/subjects/{journey.subject_id}/doses/new").status_code == 404


def test_a_monitor_sees_the_grid_without_entry_links(journey: WebWorld) -> None:
    _randomized_and_dosed(api_as(journey, "coord.bj"), journey.subject_id)
    accounts.create_user(
        journey.store.new_uow(), username="mon.bj", full_name="Monitor Bj", password=PASSWORD,
        role="monitor", site_code="BJ01", as_user=None, one_time_password=False,
    )  # fmt: skip
    client, _ = _browser(journey, "mon.bj")
    page = client.get(f"/subjects/{journey.subject_id}").text
    assert 'id="casebook-grid"' in page
    grid = page[page.index('id="casebook"') :]
    assert "/new" not in grid
    assert "Add:" not in grid
    assert _cells(page)[("assessment", "D1")][0] == "complete"

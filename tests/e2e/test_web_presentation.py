"""What a person reads on pages: no clinical defaults, kept values, labels, site times, refusals."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from journey_world import DAY1, OBJECTIVE, api_as, count, investigator_signs_off
from trialdesk.services.accounts import accounts, site_zones
from web_world import PASSWORD, WebWorld, login

#: Codes that must never reach the text a person reads (they may stay in attributes).
CODES = (
    "uc_msc",
    "anti_cd25",
    "not_recovered",
    "site_coordinator",
    "life_threatening",
    "important_medical_event",
    "on_treatment",
    "end_of_study_treatment",
    "investigator_to_sponsor",
)


def _browser(world: WebWorld, username: str) -> tuple[TestClient, str]:
    client = world.new_client()
    return client, login(client, username)


def _readable_text(page: str) -> str:
    """The page as a person reads it: no tags, attributes or scripts; spaces collapsed.

    The audit trail is left out: it shows each stored value verbatim, codes included, because
    it is the record of what was stored.
    """
    body = re.sub(r"<script.*?</script>|<section id=\"audit\">.*?</section>", " ", page, flags=re.S)
    text = re.sub(r"<[^>]+>", "", body)
    return re.sub(r"\s+", " ", html.unescape(text))


def _subject_pages(client: TestClient, url: str) -> str:
    """The casebook and every entry page of the subject, as one text to search."""
    entries = ("doses", "visits", "assessments", "adverse-events", "therapies", "outcomes")
    return client.get(url).text + "".join(client.get(f"{url}/{e}/new").text for e in entries)


def _select(page: str, name: str, element_id: str = r'[^"]*') -> str:
    """The options of the (first) select named ``name``, or of the one with ``element_id``."""
    found = re.search(rf'<select id="{element_id}" name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert found is not None, name
    return found.group(1)


def _randomized(world: WebWorld, weight: str = "72") -> tuple[TestClient, str, str]:
    """A coordinator's session on the subject page of a subject randomized and dosed on DAY1."""
    client, csrf = _browser(world, "coord.bj")
    url = f"/subjects/{world.subject_id}"
    answers = {
        k: ("yes" if v is True else "no" if v is False else str(v)) for k, v in OBJECTIVE.items()
    }
    client.post(f"{url}/screening", data={"csrf_token": csrf, "screened_on": DAY1.isoformat(),
                                          **answers})  # fmt: skip
    client.post(f"{url}/consent", data={"csrf_token": csrf, "consented_on": DAY1.isoformat(),
                                        "form_version": "2.1", "obtained_by": "Dr Li"})  # fmt: skip
    investigator_signs_off(client, world.subject_id)
    form = {"csrf_token": csrf, "baseline_grade": "3", "gi_involvement": "yes",
            "weight_kg": weight, "day1": DAY1.isoformat(), "confirmed": "yes"}  # fmt: skip
    assert client.post(f"{url}/randomize", data=form).status_code == 201
    dosed = client.post(
        f"{url}/doses",
        data={"csrf_token": csrf, "product": "anti_cd25", "administered_on": DAY1.isoformat(),
              "weight_kg": weight, "dose_value": "20", "dose_unit": "mg"},
    )  # fmt: skip
    assert dosed.status_code == 200, dosed.text
    return client, csrf, url


def test_empty_forms_pre_select_and_pre_fill_no_clinical_value(journey: WebWorld) -> None:
    client, _, url = _randomized(journey)
    page = _subject_pages(client, url)
    for name, element_id in (
        ("kind", "outcome_kind"), ("kind", "therapy_kind"), ("outcome", "outcome"),
        ("ctcae_grade", "ctcae_grade"), ("bilirubin_unit", "bilirubin_unit"),
        ("causality", "causality"), ("product", "product"), ("product", "ae_product"),
        ("visit_code", "visit_code"),
    ):  # fmt: skip
        options = _select(page, name, element_id)
        assert options.startswith('<option value="">'), element_id
        assert " selected" not in options, element_id
    assert "— choose —" in _select(page, "outcome")
    # The weight is measured for each dose: the last one is shown beside the field, not typed in.
    assert "(last recorded: 72 kg)" in page
    for name in ("skin_bsa_pct", "desquamation_bsa_pct", "bilirubin", "aware_at", "weight_kg"):
        assert re.search(rf'name="{name}"[^>]*value=""', page), name
    assert not re.search(r'type="checkbox"[^>]*checked', page)
    calculator = client.get("/gvhd/calculator").text
    assert 'value="0.8"' not in calculator
    assert " selected" not in _select(calculator, "bilirubin_unit")
    assert '<strong id="response">–</strong>' in calculator
    # The script shows the API's step and driver codes by the domain's labels.
    assert "rash extent (% BSA)" in html.unescape(calculator)
    assert "Switch to another therapy" in html.unescape(calculator)


def test_an_outcome_without_its_kind_is_refused_naming_kind(journey: WebWorld) -> None:
    client, csrf = _browser(journey, "coord.bj")
    refused = client.post(
        f"/subjects/{journey.subject_id}/outcomes",
        data={"csrf_token": csrf, "kind": "", "occurred_on": DAY1.isoformat(), "cause": "x"},
    )
    assert refused.status_code == 422
    assert re.search(r'id="kind-error"[^>]*>is required<', refused.text)
    assert count(journey, "outcomes") == 0


def test_an_assessment_without_its_bilirubin_unit_is_refused_naming_the_unit(
    journey: WebWorld,
) -> None:
    client, csrf, url = _randomized(journey)
    refused = client.post(
        f"{url}/assessments",
        data={"csrf_token": csrf, "additional_therapy": "no",
            "assessed_on": DAY1.isoformat(), "skin_bsa_pct": "30",
              "bilirubin": "4", "bullae": "on", "bilirubin_unit": ""},
    )  # fmt: skip
    assert refused.status_code == 422
    assert re.search(r'id="bilirubin_unit-error"[^>]*>is required<', refused.text)
    # With bullae, the desquamation area is asked for rather than assumed to be none.
    assert re.search(r'id="desquamation_bsa_pct-error"[^>]*>is required<', refused.text)
    assert re.search(r'name="bullae" type="checkbox" checked', refused.text)
    assert count(journey, "gvhd_assessments") == 0


def test_a_refused_adverse_event_form_keeps_every_value_entered(journey: WebWorld) -> None:
    client, csrf, url = _randomized(journey)
    refused = client.post(
        f"{url}/adverse-events",
        data={"csrf_token": csrf, "term": "", "ctcae_grade": "2", "onset_on": DAY1.isoformat(),
              "aware_at": "2026-03-02T08:00", "outcome": "not_recovered",
              "seriousness": ["hospitalization", "life_threatening"], "product": "uc_msc",
              "causality": "possible", "expected": "on"},
    )  # fmt: skip
    assert refused.status_code == 422
    assert re.search(r'id="term-error"[^>]*>is required', refused.text)
    assert '<option value="2" selected>Grade 2</option>' in _select(refused.text, "ctcae_grade")
    assert '<option value="not_recovered" selected>' in _select(refused.text, "outcome")
    assert '<option value="uc_msc" selected>' in _select(refused.text, "product", "ae_product")
    # The dose form, which also has a product, is on its own page and not filled from the AE.
    dose_page = client.get(f"/subjects/{journey.subject_id}/doses/new").text
    assert " selected" not in _select(dose_page, "product", "product")
    assert '<option value="possible" selected>' in _select(refused.text, "causality")
    for ticked in ("hospitalization", "life_threatening"):
        assert f'value="{ticked}" checked>' in refused.text
    assert 'value="death" checked' not in refused.text
    assert re.search(r'name="expected" type="checkbox" checked', refused.text)
    assert 'value="2026-03-02T08:00"' in refused.text
    assert count(journey, "adverse_events") == 0


def test_a_date_error_says_the_expected_format(journey: WebWorld) -> None:
    client, csrf, url = _randomized(journey)
    refused = client.post(
        f"{url}/visits", data={"csrf_token": csrf, "visit_code": "D8", "visit_date": "04/12/2026"}
    )
    assert refused.status_code == 422
    assert re.search(
        r'id="visit_date-error"[^>]*>&#39;04/12/2026&#39; is not a date; use YYYY-MM-DD, '
        r"e\.g\. 2026-12-04<",
        refused.text,
    )
    assert '<option value="D8" selected>' in _select(refused.text, "visit_code")


def test_times_show_in_the_site_zone_with_the_zone_named_for_site_and_study_wide_readers(
    journey: WebWorld,
) -> None:
    client, csrf = _browser(journey, "coord.bj")
    client.post(
        f"/subjects/{journey.subject_id}/adverse-events",
        data={"csrf_token": csrf, "term": "Sepsis", "ctcae_grade": "4",
              "onset_on": DAY1.isoformat(), "aware_at": "2026-03-02T08:00",
              "outcome": "recovering", "seriousness": ["hospitalization"]},
    )  # fmt: skip
    page = client.get(f"/subjects/{journey.subject_id}/adverse-events/new").text
    # Typed at 08:00 in Asia/Shanghai (the protocol default): due 24 h later, 08:00 there.
    assert "due 2026-03-03 08:00 CST (Asia/Shanghai)" in _readable_text(page)
    site_zones.set_site_time_zone(
        journey.store.new_uow(), code="BJ01", zone="Europe/Berlin", as_user=None
    )
    accounts.create_user(
        journey.store.new_uow(), username="dm.all", full_name="Data Manager",
        password=PASSWORD, role="data_manager", site_code=None, as_user=None,
        one_time_password=False,
    )  # fmt: skip
    for username in ("coord.bj", "dm.all"):
        reader, _ = _browser(journey, username)
        text = _readable_text(reader.get(f"/subjects/{journey.subject_id}/adverse-events/new").text)
        assert "due 2026-03-03 01:00 CET (Europe/Berlin)" in text, username
        assert "+00:00" not in text


def test_the_subject_page_shows_labels_and_readable_numbers_instead_of_codes(
    journey: WebWorld,
) -> None:
    client, csrf, url = _randomized(journey, weight="72")
    client.post(
        f"{url}/adverse-events",
        data={"csrf_token": csrf, "term": "Sepsis", "ctcae_grade": "3",
              "onset_on": DAY1.isoformat(), "aware_at": "2026-03-02T08:00",
              "outcome": "not_recovered", "seriousness": ["life_threatening", "hospitalization"],
              "product": "anti_cd25", "causality": "probable"},
    )  # fmt: skip
    client.post(
        f"{url}/outcomes",
        data={"csrf_token": csrf, "kind": "end_of_study_treatment",
              "occurred_on": DAY1.isoformat()},
    )  # fmt: skip
    text = _readable_text(_subject_pages(client, url))
    for code in CODES:
        assert code not in text, code
    assert "Life-threatening" in text
    assert "End of study treatment on 2026-03-02" in text
    assert "Anti-CD25 mAb (basiliximab)" in text
    assert "1 course." in text
    assert "course(s)" not in text
    # The seeded list puts the first subject in the experimental arm: 1 × 10⁶ cells/kg × 72 kg.
    assert "UC-MSC and anti-CD25 mAb" in text
    assert "72 × 10⁶ cells iv" in text
    assert "e+07" not in text
    roles = _readable_text(_browser(journey, "admin")[0].get("/admin/users").text)
    assert "Site coordinator at BJ01" in roles
    assert "site_coordinator" not in roles


def test_the_api_keeps_numbers_and_codes_and_states_the_default_zone(journey: WebWorld) -> None:
    api = api_as(journey, "coord.bj")
    planned = api.post("/dosing/planned", {"product": "uc_msc", "weight_kg": 72})
    assert planned.status_code == 200, planned.text
    assert planned.json()["dose_value"] == 72e6
    assert api.get("/protocol").json()["time_zone"] == "Asia/Shanghai"
    refused = api.post(
        f"/subjects/{journey.subject_id}/outcomes",
        {"kind": "not_a_kind", "occurred_on": DAY1.isoformat()},
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["kind"]


def test_a_monitor_s_forbidden_action_is_a_403_page_inside_their_signed_in_menu(
    journey: WebWorld,
) -> None:
    accounts.create_user(
        journey.store.new_uow(), username="mon.bj", full_name="Monitor Bj", password=PASSWORD,
        role="monitor", site_code="BJ01", as_user=None, one_time_password=False,
    )  # fmt: skip
    client, csrf = _browser(journey, "mon.bj")
    refused = client.post(
        f"/subjects/{journey.subject_id}/consent",
        data={"csrf_token": csrf, "consented_on": DAY1.isoformat(), "form_version": "2.1",
              "obtained_by": "Dr Li"},
    )  # fmt: skip
    assert refused.status_code == 403
    assert '<h1 id="error-heading">You may not do this</h1>' in refused.text
    assert "You may not enter clinical data for subject" in refused.text
    assert "Monitor Bj (mon.bj)" in refused.text  # the signed-in user's menu, not a logged-out one
    assert 'action="/logout"' in refused.text
    assert '<a href="/subjects">Subjects</a>' in refused.text
    assert count(journey, "consents") == 0


def test_another_site_s_subject_stays_not_found(journey: WebWorld) -> None:
    client, csrf = _browser(journey, "coord.sh")
    refused = client.post(
        f"/subjects/{journey.subject_id}/outcomes",
        data={"csrf_token": csrf, "kind": "death", "occurred_on": DAY1.isoformat(),
              "cause": "x"},
    )  # fmt: skip
    assert refused.status_code == 404
    assert '<h1 id="error-heading">Not found</h1>' in refused.text
    assert "Coord.Sh (coord.sh)" in refused.text
    assert "You may not" not in refused.text
    api = client.post(
        f"/api/v1/subjects/{journey.subject_id}/outcomes",
        json={"kind": "death", "occurred_on": DAY1.isoformat(), "cause": "x"},
        headers={"X-CSRF-Token": csrf},
    )
    assert api.status_code == 404
    assert count(journey, "outcomes") == 0


def test_the_administrator_sets_a_site_time_zone_on_the_sites_page(web: WebWorld) -> None:
    client, csrf = _browser(web, "admin")
    page = client.get("/admin/sites").text
    assert "Asia/Shanghai (protocol default)" in page
    refused = client.post(
        "/admin/sites/time-zone",
        data={"csrf_token": csrf, "code": "SH01", "time_zone": "Mars/Olympus"},
    )
    assert refused.status_code == 422
    assert re.search(r'id="time_zone-error"[^>]*>[^<]*is not a time zone', refused.text)
    assert 'value="Mars/Olympus"' in refused.text
    saved = client.post(
        "/admin/sites/time-zone",
        data={"csrf_token": csrf, "code": "SH01", "time_zone": "Asia/Urumqi"},
    )
    assert saved.status_code == 200
    assert re.search(r"<td>SH01</td><td>Shanghai</td><td>Asia/Urumqi</td>", saved.text)
    assert site_zones.load_site_zones(web.store.new_uow(), default="UTC").by_site == {
        "BJ01": None, "SH01": "Asia/Urumqi",
    }  # fmt: skip

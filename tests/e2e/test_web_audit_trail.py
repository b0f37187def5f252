"""The readable audit trail page, its CSV and PDF downloads, and the subject page's link to it."""

from __future__ import annotations

import csv
import io
import json
import re

from fastapi.testclient import TestClient

from correction_world import Records
from trialdesk.bootstrap import load_protocol
from trialdesk.services.clinical import corrections
from web_world import login


def _browser(records: Records, username: str) -> TestClient:
    client = records.world.new_client()
    login(client, username)
    return client


def _correct_skin(records: Records) -> None:
    corrections.correct_record(
        records.world.store.new_uow(), as_user=records.users["coord.bj"],
        entity="gvhd_assessments", record_id=records.ids["assessments"],
        changes={"measurements": {"skin_bsa_pct": 45}}, reason="transcription error",
        protocol=load_protocol(),
    )  # fmt: skip


def _export_events(records: Records) -> list[dict[str, object]]:
    with records.world.store.new_uow() as uow:
        return [
            json.loads(str(e.new_value)) for e in uow.audit.entries()
            if e.action.value == "export" and e.entity == "audit_trail"
        ]  # fmt: skip


def test_the_page_shows_one_labelled_row_per_change_in_site_time(records: Records) -> None:
    _correct_skin(records)
    client = _browser(records, "monitor.bj")
    page = client.get(f"/subjects/{records.subject_id}/audit")
    assert page.status_code == 200
    row = re.search(r"<tr>(?:(?!</tr>).)*transcription error(?:(?!</tr>).)*</tr>", page.text)
    assert row is not None
    text = row.group(0)
    assert "Skin rash (% body surface area)" in text
    assert '<td class="value">30</td><td class="value">45</td>' in text
    assert "GVHD assessment" in text
    assert "(Asia/Shanghai)</time>" in text  # the site's zone, named
    assert re.search(r'<time datetime="[^"]+\+00:00">', text)  # UTC kept in the markup
    assert "skin_bsa_pct" not in page.text.split("<tbody>")[1].split("</tbody>")[0].replace(
        'value="measurements.skin_bsa_pct"', ""
    )
    assert "gvhd_assessments" not in page.text.split("<tbody>")[1]
    assert "Download CSV" in page.text
    assert "Download PDF" in page.text


def test_the_subject_page_links_to_the_audit_trail(records: Records) -> None:
    page = _browser(records, "coord.bj").get(f"/subjects/{records.subject_id}").text
    assert f'<a href="/subjects/{records.subject_id}/audit" id="audit-link">' in page
    assert "old_value" not in page  # the casebook shows no raw audit entries
    assert '{"' not in page


def test_filters_by_field_user_and_dates_and_links_carry_them(records: Records) -> None:
    _correct_skin(records)
    client = _browser(records, "monitor.bj")
    url = f"/subjects/{records.subject_id}/audit"
    filtered = client.get(url, params={"field": "measurements.skin_bsa_pct", "user": "coord.bj"})
    assert filtered.status_code == 200
    body = filtered.text.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr>") == 2  # entered, then corrected
    assert "Stool volume" not in body
    assert "field=measurements.skin_bsa_pct&amp;user=coord.bj&amp;format=csv" in filtered.text
    nothing = client.get(url, params={"date_from": "2030-01-01"})
    assert "No changes match." in nothing.text


def test_pages_of_fifty_rows(records: Records) -> None:
    client = _browser(records, "monitor.bj")
    url = f"/subjects/{records.subject_id}/audit"
    first = client.get(url)
    total = int(re.search(r"(\d+) changes?;", first.text).group(1))  # type: ignore[union-attr]
    assert total > 50  # every entered field of every record is a row
    assert first.text.split("<tbody>")[1].count("<tr>") == 50
    assert 'rel="next"' in first.text
    last = client.get(url, params={"page": -(-total // 50)})
    assert last.text.split("<tbody>")[1].split("</tbody>")[0].count("<tr>") == total % 50 or 50
    assert 'rel="prev"' in last.text


def test_a_bad_filter_is_named_beside_it(records: Records) -> None:
    client = _browser(records, "monitor.bj")
    url = f"/subjects/{records.subject_id}/audit"
    bad_date = client.get(url, params={"date_from": "yesterday"})
    assert bad_date.status_code == 422
    assert re.search(r'id="date_from-error"[^>]*>give a date', bad_date.text)
    bad_field = client.get(url, params={"field": "measurements.nothing"})
    assert bad_field.status_code == 422
    assert re.search(r'id="field-error"[^>]*>no changes of the field', bad_field.text)
    reversed_dates = client.get(url, params={"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert 'id="date_to-error" data-for="date_to">the end date' in reversed_dates.text


def test_csv_has_readable_columns_and_the_stored_json(records: Records) -> None:
    _correct_skin(records)
    client = _browser(records, "monitor.bj")
    got = client.get(
        f"/subjects/{records.subject_id}/audit/export",
        params={"format": "csv", "field": "measurements.skin_bsa_pct"},
    )
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert {"time_utc", "local_time", "user", "field", "old", "new", "reason", "entry_id",
            "old_json", "new_json"} <= set(rows[0])  # fmt: skip
    change = rows[0]  # newest first
    assert (change["field"], change["old"], change["new"]) == (
        "Skin rash (% body surface area)",
        "30",
        "45",
    )
    assert json.loads(change["new_json"])["skin_bsa_pct"] == 45
    assert int(change["entry_id"]) > 0
    assert _export_events(records)[-1]["format"] == "csv"


def test_pdf_download_names_the_subject(records: Records) -> None:
    client = _browser(records, "monitor.bj")
    got = client.get(f"/subjects/{records.subject_id}/audit/export", params={"format": "pdf"})
    assert got.status_code == 200
    assert got.content.startswith(b"%PDF")
    try:
        from pypdf import PdfReader
    except ImportError:  # pragma: no cover - pypdf is optional
        return
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(got.content)).pages)
    assert "BJ01-S001" in text
    assert "Page 1 of" in text
    assert _export_events(records)[-1]["format"] == "pdf"


def test_another_site_gets_not_found_and_a_coordinator_may_not_export(records: Records) -> None:
    other = _browser(records, "coord.sh")
    assert other.get(f"/subjects/{records.subject_id}/audit").status_code == 404
    assert (
        other.get(
            f"/subjects/{records.subject_id}/audit/export", params={"format": "csv"}
        ).status_code
        == 404
    )
    coordinator = _browser(records, "coord.bj")
    assert coordinator.get(f"/subjects/{records.subject_id}/audit").status_code == 200
    refused = coordinator.get(
        f"/subjects/{records.subject_id}/audit/export", params={"format": "csv"}
    )
    assert refused.status_code == 403
    assert _export_events(records) == []


def test_a_record_page_shows_its_history_with_a_link_to_the_filtered_trail(
    records: Records,
) -> None:
    _correct_skin(records)
    client = _browser(records, "monitor.bj")
    record_id = records.ids["assessments"]
    page = client.get(f"/subjects/{records.subject_id}/assessments/{record_id}").text
    history = page[page.index('<section id="history">') :]
    history = history[: history.index("</section>")]
    first_row = history.split("<tbody>")[1].split("</tr>")[0]  # newest first
    assert "Skin rash (% body surface area)" in first_row
    assert "transcription error" in first_row
    link = f"/subjects/{records.subject_id}/audit?table=gvhd_assessments&amp;record_id={record_id}"
    assert link in history
    assert history.count("<tr>") <= 21  # header and at most 20 rows
    filtered = client.get(link.replace("&amp;", "&")).text
    assert "Stool volume (mL/day)" in filtered
    assert "Date of consent" not in filtered.split("<tbody>")[1]

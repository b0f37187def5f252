"""The readable audit trail through the API: paginated JSON rows and audited CSV/PDF files."""

from __future__ import annotations

import csv
import io
import json

from correction_world import Records
from journey_world import api_as
from trialdesk.bootstrap import load_protocol
from trialdesk.services.clinical import corrections


def _correct_skin(records: Records) -> None:
    corrections.correct_record(
        records.world.store.new_uow(), as_user=records.users["coord.bj"],
        entity="gvhd_assessments", record_id=records.ids["assessments"],
        changes={"measurements": {"skin_bsa_pct": 45}}, reason="transcription error",
        protocol=load_protocol(),
    )  # fmt: skip


def test_readable_rows_are_paginated_and_filtered(records: Records) -> None:
    _correct_skin(records)
    api = api_as(records.world, "monitor.bj")
    base = f"/subjects/{records.subject_id}/audit/readable"
    first = api.get(f"{base}?page_size=10")
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"items", "total", "page", "page_size"}
    assert len(body["items"]) == 10
    assert body["total"] > 10
    assert (body["page"], body["page_size"]) == (1, 10)
    newest = api.get(f"{base}?field=measurements.skin_bsa_pct&user=coord.bj").json()
    change = newest["items"][0]
    assert change["field_label"] == "Skin rash (% body surface area)"
    assert (change["old"], change["new"], change["reason"]) == ("30", "45", "transcription error")
    assert change["user"] == "Coord.Bj"
    assert json.loads(change["new_json"])["skin_bsa_pct"] == 45
    assert newest["total"] == 2


def test_bad_filters_name_the_filter(records: Records) -> None:
    api = api_as(records.world, "monitor.bj")
    base = f"/subjects/{records.subject_id}/audit/readable"
    for query, field in (
        ("date_from=someday", "date_from"), ("user=nobody", "user"),
        ("field=measurements.none", "field"), ("table=nowhere", "table"),
        ("record_id=abc", "record_id"),
    ):  # fmt: skip
        got = api.get(f"{base}?{query}")
        assert got.status_code == 422, query
        assert field in got.text, query


def test_export_files_are_audited_and_need_the_export_right(records: Records) -> None:
    monitor = api_as(records.world, "monitor.bj")
    url = f"/subjects/{records.subject_id}/audit/export"
    got = monitor.get(f"{url}?format=csv")
    assert got.status_code == 200
    header = next(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert {"entry_id", "old_json", "new_json", "field", "local_time"} <= set(header)
    pdf = monitor.get(f"{url}?format=pdf")
    assert pdf.content.startswith(b"%PDF")
    assert api_as(records.world, "coord.bj").get(f"{url}?format=csv").status_code == 403
    assert api_as(records.world, "coord.sh").get(f"{url}?format=csv").status_code == 404
    with records.world.store.new_uow() as uow:
        formats = [
            json.loads(str(e.new_value))["format"] for e in uow.audit.entries()
            if e.action.value == "export" and e.entity == "audit_trail"
        ]  # fmt: skip
    assert formats == ["csv", "pdf"]

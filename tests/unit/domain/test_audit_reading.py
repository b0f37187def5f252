"""The readable audit trail: one labelled, formatted row per field change or event."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest

from trialdesk.bootstrap import load_protocol
from trialdesk.domain.audit import AuditAction, AuditEntry, audit_value
from trialdesk.domain.audit_reading import EMPTY, action_label, format_value, read_trail

PROTOCOL = load_protocol()


def _entry(
    seq: int, action: AuditAction, entity: str, entity_id: str | None = "7", *,
    field: str | None = None, old: Any = None, new: Any = None, reason: str | None = None,
    raw_old: str | None = None, raw_new: str | None = None,
) -> AuditEntry:  # fmt: skip
    return AuditEntry(
        seq=seq, occurred_at="2026-03-01T10:00:00+00:00", user_id=2, username="ana",
        action=action, entity=entity, entity_id=entity_id, field=field,
        old_value=raw_old if raw_old is not None else audit_value(old),
        new_value=raw_new if raw_new is not None else audit_value(new),
        reason=reason, subject_id=1, prev_hash="0" * 64, hash=f"{seq:064d}",
    )  # fmt: skip


def test_measurement_update_is_one_row_per_changed_entry() -> None:
    old = {"skin_bsa_pct": 20, "bullae": False, "bilirubin": 1.0}
    new = {"skin_bsa_pct": 35, "bullae": False, "bilirubin": 1.0, "bloody_stool": True}
    entry = _entry(
        1, AuditAction.UPDATE, "gvhd_assessments", field="measurements", old=old, new=new,
        reason="transcription error",
    )  # fmt: skip
    rows = read_trail([entry])
    assert [(r.field, r.field_label, r.old, r.new) for r in rows] == [
        ("measurements.bloody_stool", "Grossly bloody stool", EMPTY, "yes"),
        ("measurements.skin_bsa_pct", "Skin rash (% body surface area)", "20", "35"),
    ]
    assert {r.reason for r in rows} == {"transcription error"}
    assert rows[0].action == "Changed"
    assert rows[0].form == "GVHD assessment"
    assert rows[0].table == "gvhd_assessments"
    assert rows[0].record_id == "7"


def test_structured_update_from_nothing() -> None:
    entry = _entry(1, AuditAction.UPDATE, "gvhd_assessments", field="measurements",
                   old=None, new={"bullae": True})  # fmt: skip
    assert [(r.old, r.new) for r in read_trail([entry])] == [(EMPTY, "yes")]


def test_insert_rows_per_entered_field_with_codes_and_visits_labelled() -> None:
    record = {"id": 7, "subject_id": 1, "assessed_on": "2026-03-01", "visit_code": "D8",
              "measurements": {"skin_bsa_pct": 10.0, "bullae": None}}  # fmt: skip
    rows = read_trail([_entry(1, AuditAction.INSERT, "gvhd_assessments", new=record)],
                      protocol=PROTOCOL)  # fmt: skip
    by_field = {r.field: r for r in rows}
    assert by_field["assessed_on"].new == "2026-03-01"
    assert by_field["visit_code"].new.startswith("D8 – ")
    assert by_field["measurements.skin_bsa_pct"].new == "10"
    assert by_field["measurements.bullae"].new == EMPTY
    assert {r.action for r in rows} == {"Entered"}
    assert {r.old for r in rows} == {EMPTY}
    assert rows[0].visit.startswith("D8 – ")


def test_update_after_insert_keeps_form_and_visit_and_follows_visit_changes() -> None:
    insert = _entry(1, AuditAction.INSERT, "form_records", "3", new={
        "id": 3, "form": "corticosteroids", "visit_code": "D1", "record_date": "2026-03-01",
        "values": {"dose_mg_per_day": 40}})  # fmt: skip
    update = _entry(
        2,
        AuditAction.UPDATE,
        "form_records",
        "3",
        field="values",
        old={"dose_mg_per_day": 40},
        new={"dose_mg_per_day": 60},
        reason="typo",
    )
    moved = _entry(3, AuditAction.UPDATE, "form_records", "3", field="visit_code",
                   old="D1", new="D8", reason="wrong visit")  # fmt: skip
    rows = read_trail([insert, update, moved], protocol=PROTOCOL)
    change = rows[-2]
    assert change.form == "Corticosteroid dose"
    assert change.field_label == "Daily dose"
    assert change.visit.startswith("D1 – ")
    assert (change.old, change.new) == ("40", "60")
    assert rows[-1].visit.startswith("D8 – ")
    assert rows[-1].new.startswith("D8 – ")


def test_form_record_without_protocol_or_unknown_form_shows_codes() -> None:
    insert = _entry(
        1,
        AuditAction.INSERT,
        "form_records",
        "3",
        new={"id": 3, "form": "mystery", "visit_code": "D1", "values": {}},
    )
    rows = read_trail([insert], protocol=PROTOCOL)
    assert rows[0].form == "mystery"
    bare = read_trail([insert])
    assert bare[0].form == "Protocol form"
    assert bare[0].visit == "D1"


def test_codes_are_labelled_where_a_label_table_exists() -> None:
    entry = _entry(1, AuditAction.UPDATE, "adverse_events", field="outcome",
                   old="not_recovered", new="recovered", reason="follow-up")  # fmt: skip
    row = read_trail([entry])[0]
    assert (row.field_label, row.old, row.new) == (
        "Outcome",
        "Not recovered/not resolved",
        "Recovered/resolved",
    )
    criteria = _entry(2, AuditAction.UPDATE, "adverse_events", field="seriousness_criteria",
                      old=[], new=["death"])  # fmt: skip
    assert read_trail([criteria])[0].old == EMPTY
    assert read_trail([criteria])[0].new == "Results in death"


def test_delete_is_one_row_with_the_reason() -> None:
    entry = _entry(1, AuditAction.DELETE, "therapies", old={"id": 7, "name": "x"},
                   reason="entered twice")  # fmt: skip
    rows = read_trail([entry])
    assert len(rows) == 1
    assert (rows[0].action, rows[0].reason, rows[0].field) == ("Deleted", "entered twice", None)
    assert rows[0].form == "Therapy"


def test_events_read_as_words() -> None:
    entries = [
        _entry(1, AuditAction.SIGN, "adverse_events", new={"meaning": "I approve", "signature": 4}),
        _entry(2, AuditAction.SIGN, "adverse_events", new=None),
        _entry(3, AuditAction.LOCK, "adverse_events"),
        _entry(4, AuditAction.UNLOCK, "adverse_events", reason="correction needed"),
        _entry(
            5,
            AuditAction.SIGNATURE_INVALIDATED,
            "signatures",
            field="is_valid",
            old=True,
            new=False,
            reason="changed after signing",
        ),
    ]
    rows = read_trail(entries)
    assert [r.action for r in rows] == [
        "Signed: I approve",
        "Signed",
        "Locked",
        "Unlocked",
        "Signature invalidated",
    ]
    assert rows[0].new == "I approve"
    assert rows[3].reason == "correction needed"


def test_source_verification_and_queries_are_events_on_the_target_field() -> None:
    insert = _entry(1, AuditAction.INSERT, "gvhd_assessments", "7",
                    new={"id": 7, "visit_code": "D8", "measurements": {}})  # fmt: skip
    sdv = _entry(
        2,
        AuditAction.INSERT,
        "sdv_marks",
        "1",
        new={"entity": "gvhd_assessments", "entity_id": 7, "field": "measurements.skin_bsa_pct"},
    )
    query = _entry(
        3,
        AuditAction.INSERT,
        "queries",
        "2",
        new={"entity": "adverse_events", "entity_id": 9, "field": None},
    )
    message = _entry(4, AuditAction.INSERT, "query_messages", "5", new={"body": "Please check"})
    rows = read_trail([insert, sdv, query, message], protocol=PROTOCOL)
    verified = rows[-3]
    assert verified.action == "Source verified"
    assert verified.field_label == "Skin rash (% body surface area)"
    assert verified.form == "GVHD assessment"
    assert verified.visit.startswith("D8")
    assert rows[-2].action == "Query raised"
    assert rows[-2].field_label == ""
    assert rows[-2].form == "Adverse event"
    assert rows[-1].action == "Query message"
    assert rows[-1].new == "Please check"


def test_insert_of_unlabelled_or_unreadable_records() -> None:
    nothing = _entry(1, AuditAction.INSERT, "allocations", new={"id": 1, "arm": "A"})
    assert [(r.action, r.field) for r in read_trail([nothing])] == [("Entered", None)]
    legacy = _entry(2, AuditAction.INSERT, "visits", raw_new="not json")
    assert read_trail([legacy])[0].action == "Entered"


def test_plain_update_of_a_legacy_text_value() -> None:
    entry = _entry(1, AuditAction.UPDATE, "subjects", field="state", raw_old="screening",
                   raw_new='"eligible"')  # fmt: skip
    row = read_trail([entry])[0]
    assert (row.old, row.new) == ("In screening", "Eligible")


def test_other_actions_use_their_label() -> None:
    entry = _entry(1, AuditAction.EXPORT, "audit_trail", None, new={"entries": 3})
    assert read_trail([entry])[0].action == "Exported"
    assert action_label(AuditAction.LOGIN) == "Signed in"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, EMPTY), ("", EMPTY), ([], EMPTY), ({}, EMPTY), (True, "yes"), (False, "no"),
        (2.0, "2"), (2.5, "2.5"), (3, "3"), (["a", "b"], "a, b"),
        ({"b": 1, "a": True}, "a: yes; b: 1"),
        ("2026-03-01", "2026-03-01"), ("2026-03-01T12:30:00+02:00", "2026-03-01 10:30 UTC"),
        ("2026-03-01T12:30:00", "2026-03-01 12:30"), ("2026-03-01Tnonsense", "2026-03-01Tnonsense"),
        ("free text", "free text"),
    ],
)  # fmt: skip
def test_format_value(value: Any, expected: str) -> None:
    assert format_value(value) == expected


def test_format_value_labels_codes_from_tables_and_protocol() -> None:
    assert format_value("randomized", table="subjects", column="state") == "Randomized"
    assert format_value("uc_msc", column="product", protocol=PROTOCOL) != "uc_msc"
    assert format_value("uc_msc", column="product") == "uc_msc"
    assert dt.date(2026, 3, 1).isoformat() == format_value("2026-03-01", column="visit_date")


def test_moments_read_in_the_sites_zone_when_given() -> None:
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    text = format_value("2026-03-01T08:00:00+00:00", zone=shanghai)
    assert text == "2026-03-01 16:00 CST (Asia/Shanghai)"
    entry = _entry(1, AuditAction.UPDATE, "adverse_events", field="aware_at",
                   old=None, new="2026-03-01T08:00:00+00:00")  # fmt: skip
    assert read_trail([entry], zone=shanghai)[0].new == text


def test_every_audit_action_reads_as_words() -> None:
    from trialdesk.domain.audit import AuditAction
    from trialdesk.domain.audit_reading import action_label

    for action in AuditAction:
        assert action_label(action)
        assert "_" not in action_label(action)

"""The hash chain's rules, without a database."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import pytest

from trialdesk.domain.audit import (
    GENESIS_HASH,
    AuditAction,
    AuditEntry,
    audit_value,
    canonical_form,
    chain_hash,
    find_chain_break,
    record_fingerprint,
)


def _chain(length: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    previous = GENESIS_HASH
    for seq in range(1, length + 1):
        draft = AuditEntry(
            seq=seq, occurred_at=f"2026-03-02T09:00:0{seq}.000000+00:00", user_id=7,
            username="alice", action=AuditAction.INSERT, entity="visits", entity_id=str(seq),
            field=None, old_value=None, new_value=f'{{"visit_code":"V{seq}"}}', reason=None,
            subject_id=1, prev_hash=previous, hash="",
        )  # fmt: skip
        entry = dataclasses.replace(draft, hash=chain_hash(draft, previous))
        entries.append(entry)
        previous = entry.hash
    return entries


def test_the_hash_is_sha256_of_the_previous_hash_and_the_canonical_form() -> None:
    (entry,) = _chain(1)
    expected = hashlib.sha256(
        (GENESIS_HASH + "\n" + canonical_form(entry)).encode("utf-8")
    ).hexdigest()
    assert entry.hash == expected


def test_the_canonical_form_leaves_out_both_hashes() -> None:
    (entry,) = _chain(1)
    assert canonical_form(entry) == canonical_form(
        dataclasses.replace(entry, hash="x", prev_hash="y")
    )


def test_an_intact_chain_has_no_break() -> None:
    assert find_chain_break(_chain(5)) is None
    assert find_chain_break([]) is None


def test_an_altered_value_breaks_the_chain_at_that_entry() -> None:
    entries = _chain(5)
    entries[2] = dataclasses.replace(entries[2], new_value='{"visit_code":"FORGED"}')
    broken = find_chain_break(entries)
    assert broken is not None
    assert (broken.seq, str(broken)) == (
        3,
        "audit entry 3: content does not match its hash (altered)",
    )


def test_a_re_hashed_entry_is_caught_by_the_next_link() -> None:
    entries = _chain(5)
    forged = dataclasses.replace(entries[1], reason="forged")
    entries[1] = dataclasses.replace(forged, hash=chain_hash(forged, forged.prev_hash))
    broken = find_chain_break(entries)
    assert broken is not None
    assert broken.seq == 3
    assert "previous-hash link" in broken.problem


def test_a_removed_entry_is_caught_by_the_sequence_gap() -> None:
    entries = _chain(5)
    del entries[1]
    broken = find_chain_break(entries)
    assert broken is not None
    assert (broken.seq, broken.problem) == (3, "expected sequence number 2")


def test_audit_values_keep_types_apart() -> None:
    assert audit_value(5) == "5"
    assert audit_value("5") == '"5"'
    assert audit_value(None) is None
    assert audit_value(dt.date(2026, 3, 2)) == '"2026-03-02"'
    with pytest.raises(TypeError):
        audit_value(object())


def test_a_record_fingerprint_changes_with_any_field() -> None:
    record = {"id": 1, "visit_code": "D1", "visit_date": dt.date(2026, 3, 2)}
    assert record_fingerprint("visits", record) == record_fingerprint("visits", dict(record))
    assert record_fingerprint("visits", record) != record_fingerprint(
        "visits", {**record, "visit_code": "D8"}
    )
    assert record_fingerprint("visits", record) != record_fingerprint("consents", record)

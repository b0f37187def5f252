"""Seals and signed checkpoints: what the key proves and what a checkpoint is compared with."""

from __future__ import annotations

import dataclasses

from trialdesk.domain.audit import (
    GENESIS_HASH,
    AuditAction,
    AuditEntry,
    chain_hash,
    entry_seal,
    find_seal_break,
)
from trialdesk.domain.audit_checkpoints import (
    Checkpoint,
    CheckpointProblem,
    check_against_trail,
    parse_checkpoint,
    signed_document,
)

KEY = b"k" * 32


def _chain(count: int, *, sealed_from: int = 1) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    prev = GENESIS_HASH
    for seq in range(1, count + 1):
        entry = AuditEntry(
            seq=seq, occurred_at="2026-03-02T09:00:00.000000+00:00", user_id=None,
            username="system", action=AuditAction.INSERT, entity="sites", entity_id=str(seq),
            field=None, old_value=None, new_value="{}", reason=None, subject_id=None,
            prev_hash=prev, hash="",
        )  # fmt: skip
        digest = chain_hash(entry, prev)
        seal = entry_seal(digest, KEY) if seq >= sealed_from else None
        entries.append(dataclasses.replace(entry, hash=digest, seal=seal))
        prev = digest
    return entries


def test_a_sealed_chain_passes_and_an_unsealed_prefix_is_counted() -> None:
    assert find_seal_break(_chain(4), KEY) == (None, 0)
    assert find_seal_break(_chain(4, sealed_from=3), KEY) == (None, 2)


def test_another_key_or_a_gap_in_the_seals_is_a_break() -> None:
    broken, _ = find_seal_break(_chain(3), b"x" * 32)
    assert broken is not None
    assert broken.seq == 1
    entries = _chain(3)
    entries[2] = dataclasses.replace(entries[2], seal=None)
    broken, _ = find_seal_break(entries, KEY)
    assert broken is not None
    assert broken.seq == 3
    assert "no seal" in broken.problem


def test_a_checkpoint_round_trips_and_refuses_alteration_and_other_keys() -> None:
    checkpoint = Checkpoint(seq=2, hash="a" * 64, taken_at="2026-03-02T09:00:00+00:00")
    document = signed_document(checkpoint, KEY)
    assert parse_checkpoint("c", document, KEY) == checkpoint
    assert isinstance(parse_checkpoint("c", {**document, "seq": 1}, KEY), CheckpointProblem)
    assert isinstance(parse_checkpoint("c", document, b"y" * 32), CheckpointProblem)
    assert parse_checkpoint("c", {**document, "seq": "2"}, KEY) == CheckpointProblem(
        "c", "a field is missing or of the wrong type"
    )
    assert parse_checkpoint("c", None, KEY) == CheckpointProblem(
        "c", "not a trialdesk audit checkpoint"
    )


def test_a_checkpoint_is_compared_with_the_hash_at_its_position() -> None:
    hashes = ["a" * 64, "b" * 64]
    at = "2026-03-02T09:00:00+00:00"
    assert check_against_trail("c", Checkpoint(2, "b" * 64, at), hashes) is None
    assert check_against_trail("c", Checkpoint(0, "0" * 64, at), hashes) is None
    shorter = check_against_trail("c", Checkpoint(3, "c" * 64, at), hashes)
    assert shorter is not None
    assert "removed from the end" in shorter.problem
    rewritten = check_against_trail("c", Checkpoint(1, "z" * 64, at), hashes)
    assert rewritten is not None
    assert "rewritten" in str(rewritten)

"""Signed checkpoints of the audit chain, kept outside the database.

A checkpoint records the chain head (sequence number and hash) at a moment, signed with
HMAC-SHA256 under the audit key. Whoever controls the database can rewrite the trail and its chain
head consistently, but cannot rewrite a checkpoint already written elsewhere nor sign a new one:
so entries removed from the end (the trail now shorter than a checkpoint) and a chain re-hashed
after an altered entry (the hash at a checkpointed position differs) are found by comparing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "Checkpoint",
    "CheckpointProblem",
    "check_against_trail",
    "checkpoint_signature",
    "parse_checkpoint",
    "signed_document",
]

#: Format version written into each checkpoint file.
FORMAT = "trialdesk-audit-checkpoint/1"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The chain head at ``taken_at`` (ISO 8601 UTC): entry ``seq`` had hash ``hash``."""

    seq: int
    hash: str
    taken_at: str


@dataclass(frozen=True, slots=True)
class CheckpointProblem:
    """A checkpoint that is not signed correctly or that the trail no longer matches."""

    name: str
    problem: str

    def __str__(self) -> str:
        return f"checkpoint {self.name}: {self.problem}"


def _signed_text(checkpoint: Checkpoint) -> str:
    content = {
        "format": FORMAT,
        "seq": checkpoint.seq,
        "hash": checkpoint.hash,
        "taken_at": checkpoint.taken_at,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"))


def checkpoint_signature(checkpoint: Checkpoint, key: bytes) -> str:
    """HMAC-SHA256 over the checkpoint's canonical JSON (hex digest)."""
    return hmac.new(key, _signed_text(checkpoint).encode("ascii"), hashlib.sha256).hexdigest()


def signed_document(checkpoint: Checkpoint, key: bytes) -> dict[str, object]:
    """What a checkpoint file holds: the head, the time and the signature."""
    return {
        "format": FORMAT,
        "seq": checkpoint.seq,
        "hash": checkpoint.hash,
        "taken_at": checkpoint.taken_at,
        "signature": checkpoint_signature(checkpoint, key),
    }


def parse_checkpoint(name: str, document: object, key: bytes) -> Checkpoint | CheckpointProblem:
    """The checkpoint a file holds, or why it cannot be trusted (altered, unsigned, malformed)."""
    if not isinstance(document, Mapping) or document.get("format") != FORMAT:
        return CheckpointProblem(name, "not a trialdesk audit checkpoint")
    seq, head, taken_at, signature = (
        document.get("seq"), document.get("hash"), document.get("taken_at"),
        document.get("signature"),
    )  # fmt: skip
    if not (
        isinstance(seq, int)
        and not isinstance(seq, bool)
        and isinstance(head, str)
        and isinstance(taken_at, str)
        and isinstance(signature, str)
    ):
        return CheckpointProblem(name, "a field is missing or of the wrong type")
    checkpoint = Checkpoint(seq=seq, hash=head, taken_at=taken_at)
    if not hmac.compare_digest(signature, checkpoint_signature(checkpoint, key)):
        return CheckpointProblem(
            name, "signature does not match (the file was altered or signed with another key)"
        )
    return checkpoint


def check_against_trail(
    name: str, checkpoint: Checkpoint, hashes: Sequence[str]
) -> CheckpointProblem | None:
    """Compare a valid checkpoint with the trail's hashes (``hashes[i]`` is entry ``i + 1``'s)."""
    if checkpoint.seq > len(hashes):
        return CheckpointProblem(
            name,
            f"recorded {checkpoint.seq} entries at {checkpoint.taken_at} but the trail ends at "
            f"{len(hashes)} (entries were removed from the end)",
        )
    if checkpoint.seq > 0 and hashes[checkpoint.seq - 1] != checkpoint.hash:
        return CheckpointProblem(
            name,
            f"entry {checkpoint.seq} no longer has the hash recorded at {checkpoint.taken_at} "
            "(the trail was rewritten up to there)",
        )
    return None

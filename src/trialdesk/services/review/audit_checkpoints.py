"""Signed checkpoints of the audit chain: take one, and check stored ones against the trail.

Where the files go is the adapter's business (:class:`CheckpointStore`); what is signed and what a
checkpoint proves are the domain's (:mod:`trialdesk.domain.audit_checkpoints`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from trialdesk.domain.audit_checkpoints import (
    Checkpoint,
    CheckpointProblem,
    check_against_trail,
    parse_checkpoint,
    signed_document,
)
from trialdesk.services.ports import UnitOfWork

__all__ = ["CheckpointCheck", "CheckpointStore", "check_checkpoints", "take_checkpoint"]


class CheckpointStore(Protocol):
    """Somewhere outside the database that keeps checkpoint documents."""

    def write(self, checkpoint: Checkpoint, document: dict[str, object]) -> str:
        """Keep one signed document; returns the name it is kept under."""
        ...

    def read_all(self) -> list[tuple[str, object]]:
        """Every kept document by name (unparseable ones as ``None``), oldest first."""
        ...


@dataclass(frozen=True, slots=True)
class CheckpointCheck:
    """How many checkpoints were compared with the trail, and what did not hold."""

    checked: int
    problems: tuple[CheckpointProblem, ...]


def take_checkpoint(
    uow: UnitOfWork, *, key: bytes, store: CheckpointStore
) -> tuple[str, Checkpoint]:
    """Sign the chain head as it is now and keep it outside the database."""
    with uow:
        seq, head_hash = uow.audit.head()
        taken_at = uow.clock.now().astimezone(dt.UTC).isoformat(timespec="microseconds")
    checkpoint = Checkpoint(seq=seq, hash=head_hash, taken_at=taken_at)
    return store.write(checkpoint, signed_document(checkpoint, key)), checkpoint


def check_checkpoints(
    documents: Sequence[tuple[str, object]], *, key: bytes, hashes: Sequence[str]
) -> CheckpointCheck:
    """Each document's signature, then what it recorded against the trail's hashes."""
    problems: list[CheckpointProblem] = []
    for name, document in documents:
        parsed = parse_checkpoint(name, document, key)
        if isinstance(parsed, CheckpointProblem):
            problems.append(parsed)
            continue
        mismatch = check_against_trail(name, parsed, hashes)
        if mismatch is not None:
            problems.append(mismatch)
    return CheckpointCheck(checked=len(documents), problems=tuple(problems))

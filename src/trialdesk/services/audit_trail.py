"""Reviewing the audit trail: verify its hash chain and export it (the export is itself audited)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from trialdesk.domain.access import Action
from trialdesk.domain.audit import AuditAction, AuditEntry, ChainBreak, find_chain_break
from trialdesk.domain.errors import NotFoundError
from trialdesk.services.access import load_actor, require_action_anywhere, require_subject
from trialdesk.services.ports import UnitOfWork
from trialdesk.services.recording import audit_event

__all__ = ["AuditVerification", "export_audit_trail", "find_subject", "verify_audit_trail"]


@dataclass(frozen=True, slots=True)
class AuditVerification:
    entries: int
    first_break: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


class _Tally:
    """Passes entries through, remembering how many went by and the last one (memory stays flat)."""

    def __init__(self) -> None:
        self.count = 0
        self.last: AuditEntry | None = None

    def watch(self, entries: Iterable[AuditEntry]) -> Iterator[AuditEntry]:
        for entry in entries:
            self.count += 1
            self.last = entry
            yield entry


def verify_audit_trail(uow: UnitOfWork) -> AuditVerification:
    """Recompute the whole chain; also check the stored chain head still names the last entry.

    The head check catches the one change the chain alone cannot: removing entries at the end.
    """
    tally = _Tally()
    with uow:
        stream = tally.watch(uow.audit.entries())
        first_break = find_chain_break(stream)
        for _ in stream:  # count the rest of the trail after a break
            pass
        if first_break is None:
            head_seq, head_hash = uow.audit.head()
            last = tally.last
            last_seq = last.seq if last is not None else 0
            if head_seq != last_seq or (last is not None and head_hash != last.hash):
                first_break = ChainBreak(
                    last_seq + 1,
                    f"chain head records entry {head_seq} but the trail ends at {last_seq}",
                )
    return AuditVerification(entries=tally.count, first_break=first_break)


def find_subject(uow: UnitOfWork, reference: str) -> int:
    """A subject's id from its subject code or screening number (inside a unit of work)."""
    for column in ("subject_code", "screening_number"):
        wanted: dict[str, Any] = {column: reference}
        found = uow.records.find("subjects", **wanted)
        if found:
            return int(found[0]["id"])
    raise NotFoundError(f"subject {reference!r} not found")


def export_audit_trail(
    uow: UnitOfWork, *, subject: str | None, as_user: int | None
) -> list[AuditEntry]:
    """The trail, study-wide or for one subject; the export writes its own audit entry."""
    with uow:
        actor = load_actor(uow, as_user)
        subject_id: int | None = None
        if subject is None:
            require_action_anywhere(actor, Action.EXPORT_AUDIT)
        else:
            try:
                subject_id = find_subject(uow, subject)
                require_subject(uow, actor, subject_id, Action.EXPORT_AUDIT)
            except NotFoundError:
                raise NotFoundError(f"subject {subject!r} not found") from None
        entries = list(uow.audit.entries(subject_id=subject_id))
        audit_event(
            uow, actor, AuditAction.EXPORT, "audit_trail", subject_id=subject_id,
            new={"entries": len(entries), "subject": subject},
        )  # fmt: skip
        uow.commit()
    return entries

"""What correcting or deleting a record changes in the subject's lifecycle.

Before randomization the state follows the screening and consent records: a screening corrected
to ineligible fails the subject; a screen failure that came from the screening answers alone, or
an eligibility whose screening or consent is gone, is put back to ``screening``. That is a data
correction, not a lifecycle move, so it is audited with the correction's reason. After
randomization the subject stays randomized (intention to treat) whatever the screening says.

An outcome that moved the lifecycle (a death, a withdrawal…) and is deleted or given another kind
gives the subject back the state it moved from, read from the audit trail. The trail is read
before the correction writes anything: reading it afterwards would take the chain head early.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from trialdesk.domain.audit import AuditAction, AuditEntry, audit_value
from trialdesk.domain.errors import StateError
from trialdesk.domain.lifecycle import SubjectState, transition
from trialdesk.services.accounts.access import Actor
from trialdesk.services.clinical.clinical import outcome_state
from trialdesk.services.clinical.recording import update_audited
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.subjects.subjects import (
    SCREEN_FAILURE_REASON,
    apply_transition,
    screening_excluded,
)

__all__ = ["StateFacts", "settle_state", "state_facts"]

_S = SubjectState
_BEFORE_RANDOMIZATION = frozenset({_S.SCREENING, _S.ELIGIBLE})


@dataclass(frozen=True, slots=True)
class StateFacts:
    """What the lifecycle consequences need, read before the correction writes."""

    #: The subject failed screening because of screening answers, and the record corrected or
    #: deleted is an ineligible screening (not a screen failure decided with a reason of its
    #: own, such as consent withdrawn during screening).
    failed_by_screening: bool = False
    #: The state an outcome's move is undone to, when the outcome no longer moves the subject.
    outcome_target: SubjectState | None = None


def _last_state_change(uow: UnitOfWork, subject_id: int) -> AuditEntry | None:
    last = None
    for entry in uow.audit.entries(subject_id=subject_id):
        if (entry.action, entry.entity, entry.field) == (AuditAction.UPDATE, "subjects", "state"):
            last = entry
    return last


def _outcome_target(
    uow: UnitOfWork, subject: Record, old_kind: str, new_kind: str | None
) -> SubjectState | None:
    """The state after an outcome's kind changes (``None``: deleted); ``None`` if unchanged."""
    old_target = outcome_state(old_kind)
    new_target = None if new_kind is None else outcome_state(new_kind)
    if old_target is new_target:
        return None
    current = _S(subject["state"])
    base = current
    if old_target is not None:
        last = _last_state_change(uow, subject["id"])
        if current is not old_target or last is None or last.new_value != audit_value(current):
            raise StateError(
                f"this outcome moved the subject to {old_target}, and the subject has moved on "
                f"since (now {current}): correct the later status change first"
            )
        base = _S(json.loads(last.old_value or "null"))
    target = base if new_target is None else transition(base, new_target)
    return None if target is current else target


def state_facts(
    uow: UnitOfWork, table: str, before: Record, after: Record | None, subject: Record
) -> StateFacts:
    """Read what :func:`settle_state` needs; ``after`` is ``None`` for a deletion.

    Raises :class:`StateError` when an outcome's move cannot be undone, before anything changed.
    """
    if table == "screening_records" and subject["state"] == _S.SCREEN_FAILED:
        if not screening_excluded(before["criteria_results"]):  # it did not fail the subject
            return StateFacts()
        last = _last_state_change(uow, subject["id"])
        by_screening = (
            last is not None
            and last.new_value == audit_value(_S.SCREEN_FAILED.value)
            and (last.reason or "").startswith(SCREEN_FAILURE_REASON)
        )
        return StateFacts(failed_by_screening=by_screening)
    if table == "outcomes":
        new_kind = None if after is None else after["kind"]
        return StateFacts(outcome_target=_outcome_target(uow, subject, before["kind"], new_kind))
    return StateFacts()


def _correct_state(
    uow: UnitOfWork, actor: Actor, subject: Record, target: SubjectState, why: str
) -> None:
    """Set the state a data correction calls for; not a lifecycle move, so no transition."""
    update_audited(
        uow, actor, "subjects", subject, {"state": target.value}, reason=why,
        subject_id=subject["id"],
    )  # fmt: skip


def _settle_screening(
    uow: UnitOfWork, actor: Actor, subject: Record, facts: StateFacts, why: str
) -> None:
    state = _S(subject["state"])
    screenings = uow.records.find("screening_records", subject_id=subject["id"])
    latest = screenings[-1] if screenings else None
    if (
        state in _BEFORE_RANDOMIZATION
        and latest is not None
        and screening_excluded(latest["criteria_results"])
    ):
        apply_transition(uow, actor, subject, _S.SCREEN_FAILED, f"{SCREEN_FAILURE_REASON}: {why}")
        return
    # Eligible without an eligible screening and a consent on file, or failed only by answers
    # now corrected: back to screening, where the site decides again.
    unsupported = state is _S.ELIGIBLE and (
        latest is None or not uow.records.find("consents", subject_id=subject["id"])
    )
    wrongly_failed = (
        state is _S.SCREEN_FAILED
        and facts.failed_by_screening
        and (latest is None or not screening_excluded(latest["criteria_results"]))
    )
    if unsupported or wrongly_failed:
        _correct_state(uow, actor, subject, _S.SCREENING, why)


def settle_state(
    uow: UnitOfWork, actor: Actor, table: str, subject_id: int, facts: StateFacts, why: str
) -> None:
    """Bring the subject's state in line with its corrected records, audited with ``why``."""
    subject = uow.records.get("subjects", subject_id)
    assert subject is not None
    if table in {"screening_records", "consents"}:
        _settle_screening(uow, actor, subject, facts, why)
    elif facts.outcome_target is not None:
        _correct_state(uow, actor, subject, facts.outcome_target, why)

"""Which assessment is a subject's GVHD baseline, and re-deriving responses when it changes.

Every response is derived against the baseline, so the choice of the baseline lives here alone:
corrections and deletions of assessments use it, and changing how the baseline is chosen means
changing :func:`baseline_of` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trialdesk.domain.protocol import Protocol
from trialdesk.services.access import Actor
from trialdesk.services.gvhd_assessments import derive_gvhd, stages_of
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.recording import update_audited

__all__ = ["baseline_of", "derive_against_baseline", "rederive_assessments"]


def baseline_of(assessments: Sequence[Record]) -> Record | None:
    """The baseline among a subject's assessments: the earliest (by date, then by entry)."""
    if not assessments:
        return None
    return min(assessments, key=lambda r: (r["assessed_on"], r["id"]))


def derive_against_baseline(
    uow: UnitOfWork, assessment: Record, protocol: Protocol
) -> dict[str, Any]:
    """Derived values of one assessment as it is about to be saved (a corrected copy, say).

    The baseline is chosen among the subject's other assessments and this version of this one,
    so a correction that moves the assessment before the baseline makes it the baseline.
    """
    others = [
        r
        for r in uow.records.find("gvhd_assessments", subject_id=assessment["subject_id"])
        if r["id"] != assessment["id"]
    ]
    baseline = baseline_of([*others, assessment])
    against = None if baseline is None or baseline["id"] == assessment["id"] else baseline
    return derive_gvhd(
        assessment["measurements"], None if against is None else stages_of(against), protocol
    )


def rederive_assessments(
    uow: UnitOfWork, actor: Actor, subject_id: int, reason: str, protocol: Protocol
) -> None:
    """Bring every assessment of the subject in line with its current baseline, audited."""
    assessments = uow.records.find("gvhd_assessments", subject_id=subject_id)
    baseline = baseline_of(assessments)
    if baseline is None:
        return
    for assessment in sorted(assessments, key=lambda r: (r["assessed_on"], r["id"])):
        against = None if assessment["id"] == baseline["id"] else stages_of(baseline)
        derived = derive_gvhd(assessment["measurements"], against, protocol)
        update_audited(
            uow, actor, "gvhd_assessments", assessment, derived,
            reason=reason, subject_id=subject_id,
        )  # fmt: skip

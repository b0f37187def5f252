"""Responses of corrected assessments, against the baseline the subject's calendar names.

The baseline is chosen once, by :func:`trialdesk.domain.visit_matching.baseline_assessment`
(the day-1 assessment once study day 1 is known); this module applies that choice to a record
about to be corrected and to every assessment after a correction or deletion that may have
moved it.
"""

from __future__ import annotations

from typing import Any

from trialdesk.domain.protocol import Protocol
from trialdesk.services.accounts.access import Actor
from trialdesk.services.clinical.gvhd_assessments import (
    baseline_stages,
    derive_gvhd,
    rederive_responses,
)
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.subjects.course_progress import load_baseline

__all__ = ["derive_against_baseline", "rederive_assessments"]


def derive_against_baseline(
    uow: UnitOfWork, assessment: Record, protocol: Protocol
) -> dict[str, Any]:
    """Derived values of one assessment as it is about to be saved (a corrected copy, say).

    The baseline is chosen among the subject's other assessments and this version of this one,
    so a correction that moves the assessment onto the baseline visit makes it the baseline.
    """
    others = [
        r
        for r in uow.records.find("gvhd_assessments", subject_id=assessment["subject_id"])
        if r["id"] != assessment["id"]
    ]
    rows = [*others, assessment]
    baseline = load_baseline(uow, protocol, assessment["subject_id"], rows)
    return derive_gvhd(
        assessment["measurements"],
        baseline_stages(assessment, baseline),
        protocol,
        assessment.get("attribution"),
    )


def rederive_assessments(
    uow: UnitOfWork, actor: Actor, subject_id: int, reason: str, protocol: Protocol
) -> None:
    """Bring every assessment's response in line with the subject's current baseline, audited."""
    rederive_responses(uow, actor, protocol, subject_id, reason)

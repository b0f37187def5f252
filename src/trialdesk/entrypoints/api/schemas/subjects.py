"""Subjects as the API shows them: registration, screening, consent, state and randomization."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, ClassVar

from pydantic import BaseModel, Field

from trialdesk.domain.eligibility import CriterionStatus
from trialdesk.domain.lifecycle import SubjectState
from trialdesk.domain.protocol import CriterionKind
from trialdesk.entrypoints.api.schemas.derived import RawInput
from trialdesk.entrypoints.api.schemas.edit_checks import Confirmable
from trialdesk.entrypoints.api.schemas.text import Code, Line

__all__ = [
    "AllocationRead",
    "CalendarItemRead",
    "CalendarPreview",
    "CalendarRead",
    "Code",
    "ConsentCreate",
    "CreatedRead",
    "CriterionRead",
    "EligibilityCheck",
    "EligibilityRead",
    "Line",
    "RandomizationCreate",
    "ScreeningAnswer",
    "ScreeningCreate",
    "ScreeningSaved",
    "StateChangeCreate",
    "SubjectCreate",
    "SubjectRead",
]


#: One screening value: a yes/no answer or a number in the field's unit.
ScreeningAnswer = Annotated[bool | int | float, Field(allow_inf_nan=False)]


class SubjectCreate(BaseModel):
    site_code: Code
    screening_number: Code = Field(
        description="1–32 letters, digits, '-' or '_'", examples=["BJ01-S001"]
    )


class SubjectRead(BaseModel):
    id: int
    screening_number: str
    subject_code: str | None
    site_code: str
    state: SubjectState


class EligibilityCheck(BaseModel):
    """Screening answers typed so far; missing ones show as ``missing``."""

    answers: dict[str, ScreeningAnswer | None] = Field(default_factory=dict, max_length=50)


class CriterionRead(BaseModel):
    criterion_id: str
    kind: CriterionKind
    text: str
    field: str
    status: CriterionStatus
    reason: str


class EligibilityRead(BaseModel):
    eligible: bool
    criteria: list[CriterionRead]
    missing: list[str] = Field(
        default_factory=list,
        description="Criteria with no answer yet: the screening stays incomplete, not failed",
    )


class ScreeningSaved(EligibilityRead):
    """A saved screening: the verdict and the subject's state after it.

    Only an answered criterion that fails makes a screen failure; with answers missing the
    subject stays in ``screening`` and ``missing`` names the criteria still to answer.
    """

    subject: SubjectRead


class ScreeningCreate(EligibilityCheck, Confirmable, RawInput):
    derived_fields: ClassVar[Mapping[str, str]] = {
        "eligible": "the answers and the protocol's criteria",
        "criteria": "the answers and the protocol's criteria",
        "criteria_results": "the answers and the protocol's criteria",
    }

    screened_on: dt.date


class ConsentCreate(Confirmable):
    consented_on: dt.date
    form_version: Code
    obtained_by: Line


class StateChangeCreate(BaseModel):
    """A lifecycle move, e.g. ``screen_failed``, with the reason every change must give."""

    state: SubjectState
    reason: Line = Field(description="Why the subject changes state (required, not blank)")


class CreatedRead(BaseModel):
    id: int
    subject: SubjectRead


class RandomizationCreate(BaseModel):
    """Stratification values recorded at randomization (the site is the subject's own)."""

    baseline_grade: int = Field(ge=1, le=4, description="Baseline aGVHD grade (MAGIC), 1–4")
    gi_involvement: bool = Field(description="Lower-GI stage ≥ 1 at baseline")


class AllocationRead(BaseModel):
    """What a site sees: arm and time, never the list position or block."""

    subject: SubjectRead
    arm: str
    arm_label: str
    allocated_at: dt.datetime
    allocated_by: str


class CalendarPreview(BaseModel):
    arm: Code
    weight_kg: float = Field(gt=0, le=1000, allow_inf_nan=False)
    day1: dt.date = Field(description="Study day 1: the day of the first dose")
    courses: int = Field(default=1, ge=1, le=10)


class CalendarItemRead(BaseModel):
    kind: str
    code: str
    label: str
    course: int | None
    day: int
    planned_on: dt.date
    earliest: dt.date
    latest: dt.date
    detail: str


class CalendarRead(BaseModel):
    arm: str
    weight_kg: float
    day1: dt.date
    items: list[CalendarItemRead]

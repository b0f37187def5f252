"""Clinical records of a subject as the API takes and shows them; derived values are read-only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from trialdesk.domain.calendar import PlanState, WindowStatus
from trialdesk.domain.gvhd import AlternativeCause, Biopsy
from trialdesk.domain.safety.adverse_event import AeOutcome
from trialdesk.domain.safety.clocks import ClockStatus
from trialdesk.domain.safety.seriousness import Causality, SeriousnessCriterion
from trialdesk.entrypoints.api.schemas.derived import RawInput
from trialdesk.entrypoints.api.schemas.edit_checks import Confirmable
from trialdesk.entrypoints.api.schemas.gvhd import GvhdMeasurementsInput, NextStepRead
from trialdesk.entrypoints.api.schemas.subjects import SubjectRead
from trialdesk.entrypoints.api.schemas.text import Code, Line, Password, Text
from trialdesk.services.clinical.clinical import OutcomeKind, TherapyKind

__all__ = [
    "AdverseEventCreate",
    "AdverseEventRead",
    "AssessmentCreate",
    "AssessmentRead",
    "AuditEntryRead",
    "ClockRead",
    "DoseCreate",
    "DoseRead",
    "FollowUpRead",
    "OutcomeCreate",
    "PlannedDoseInput",
    "PlannedDoseRead",
    "ProductCausality",
    "RecordRead",
    "SignatureCreate",
    "SignatureRead",
    "SubjectDetailRead",
    "TherapyCreate",
    "TimelineItemRead",
    "VisitCreate",
    "VisitRead",
]

Weight = Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False, description="Body weight, kg")]


class PlannedDoseInput(BaseModel):
    product: Code
    weight_kg: Weight


class PlannedDoseRead(BaseModel):
    product: str
    weight_kg: float
    dose_value: float
    dose_unit: str
    basis: str


class DoseCreate(Confirmable, RawInput):
    derived_fields: ClassVar[Mapping[str, str]] = {
        "planned_dose_value": "the protocol's dose for the recorded weight"
    }

    product: Code = Field(examples=["anti_cd25"])
    administered_on: dt.date
    weight_kg: Weight
    dose_value: float = Field(gt=0, le=1e12, allow_inf_nan=False)
    dose_unit: Code = Field(examples=["mg"])


class DoseRead(BaseModel):
    id: int
    product: str
    administered_on: dt.date
    weight_kg: float | None
    dose_value: float
    dose_unit: str
    planned_dose_value: float | None


class VisitCreate(Confirmable, RawInput):
    derived_fields: ClassVar[Mapping[str, str]] = {
        "window": "the visit date and the subject's calendar"
    }

    visit_code: Code = Field(examples=["D8"])
    visit_date: dt.date


class TimelineItemRead(BaseModel):
    kind: str
    code: str
    label: str
    course: int | None
    day: int
    planned_on: dt.date
    earliest: dt.date
    latest: dt.date
    done_on: dt.date | None
    state: PlanState
    window: WindowStatus
    detail: str
    reason: str | None = Field(
        default=None, description="Why the item is cancelled or no longer owed"
    )


class VisitRead(BaseModel):
    """The saved visit and, once the calendar is known, its window status (flagged, not refused)."""

    id: int
    visit_code: str
    visit_date: dt.date
    window: WindowStatus | None


class OrganAttributionInput(BaseModel):
    """Diagnostic confidence of one organ's involvement."""

    model_config = ConfigDict(extra="forbid")

    biopsy: Biopsy = Field(Biopsy.NOT_DONE, description="Biopsy done and its result")
    causes: list[AlternativeCause] = Field(
        default_factory=list, max_length=6, description="Alternative causes considered"
    )
    attributed_to_other_cause: bool = Field(
        False, description="The involvement is attributed to another cause: not staged as GVHD"
    )


class AttributionInput(BaseModel):
    """Per organ; an organ left out has nothing attributed."""

    model_config = ConfigDict(extra="forbid")

    skin: OrganAttributionInput | None = None
    liver: OrganAttributionInput | None = None
    upper_gi: OrganAttributionInput | None = None
    lower_gi: OrganAttributionInput | None = None


class AssessmentCreate(Confirmable, RawInput):
    derived_fields: ClassVar[Mapping[str, str]] = {
        "grade": "the organ stages",
        "stages": "the measurements",
        "response": "this assessment and the baseline",
        "course": "the subject's calendar",
        "visit": "the assessment date and the calendar (send visit_code to choose the visit)",
        "next_step": "the protocol's decision rules",
    }

    assessed_on: dt.date
    measurements: GvhdMeasurementsInput
    additional_therapy: bool | None = Field(
        default=None,
        description="Additional systemic GVHD therapy given since the last assessment; "
        "required once the subject is randomized",
    )
    additional_therapy_names: str | None = Field(
        default=None, max_length=200, description="Which therapy, required when yes"
    )
    attribution: AttributionInput | None = Field(
        default=None, description="Optional attribution of organ involvement to other causes"
    )
    visit_code: Code | None = Field(
        default=None,
        examples=["D8"],
        description="The GVHD-staging visit this assessment is for; kept by the calendar. "
        "Without it the assessment is matched to a visit by its date.",
    )


class AssessmentRead(BaseModel):
    id: int
    assessed_on: dt.date
    visit: str | None
    course: int | None
    stages: dict[str, int]
    grade: int
    response: str | None
    next_step: NextStepRead | None
    #: Additional systemic GVHD therapy since the last assessment; null in older records.
    additional_therapy: bool | None = None
    additional_therapy_names: str | None = None
    attribution: dict[str, dict[str, Any]] | None = Field(
        default=None,
        description="Per organ with an entry: biopsy, causes, stage_measured, staged, reason",
    )


class AssessmentSaved(AssessmentRead):
    """The answer to a save: the assessment as derived, with the rules it was derived under."""

    grading_system: str = Field(description="The grading system that staged the organs")
    response_rule_set: str | None = Field(
        description="The response rules against the baseline; null for the baseline itself"
    )


class ProductCausality(BaseModel):
    product: Code
    causality: Causality
    expected: bool = False


class AdverseEventCreate(Confirmable, RawInput):
    derived_fields: ClassVar[Mapping[str, str]] = {
        "serious": "the seriousness criteria",
        "susar_products": "seriousness, causality and expectedness",
        "clocks": "seriousness and the awareness time",
    }

    meddra_code: int | None = Field(
        None, ge=1, le=99_999_999, examples=[10040047],
        description="MedDRA code of the CTCAE v5.0 term (GET /api/v1/terminology/ctcae); for an "
        "'Other, specify' code give other_term too",
    )  # fmt: skip
    other_term: Line | None = Field(
        None, description="'Other, specify': the event in words, with its soc", examples=["Hiccups"]
    )
    soc: Line | None = Field(
        None, description="MedDRA system organ class of an 'Other, specify' event",
        examples=["Gastrointestinal disorders"],
    )  # fmt: skip
    term: Line | None = Field(
        None, examples=["Sepsis"],
        description="Without meddra_code: coded when it names a CTCAE term exactly, else uncoded",
    )  # fmt: skip
    ctcae_grade: int = Field(ge=1, le=5)
    onset_on: dt.date
    aware_at: AwareDatetime = Field(description="When the site became aware; with a time zone")
    outcome: AeOutcome
    seriousness: list[SeriousnessCriterion] = Field(default_factory=list, max_length=6)
    products: list[ProductCausality] = Field(default_factory=list, max_length=5)


class ClockRead(BaseModel):
    kind: str
    due_at: dt.datetime
    status: ClockStatus
    recipient: str = Field("", description="Whose report stops the clock")
    starts_at: dt.datetime | None = None
    reported_at: dt.datetime | None = Field(None, description="When that report was sent")
    late_by: dt.timedelta | None = Field(None, description="Reported after due by this much")
    overdue_by: dt.timedelta | None = Field(None, description="Not reported and past due")
    summary: str = Field("", examples=["late by 2 h 15 min"])


class FollowUpRead(BaseModel):
    """One follow-up report: when the site learnt it, what it changed ({field: [old, new]})."""

    number: int
    reported_at: dt.datetime
    changes: dict[str, list[Any]]
    narrative: str | None
    created_at: dt.datetime


class AdverseEventRead(BaseModel):
    id: int
    term: str
    meddra_code: int | None = Field(
        None, description="MedDRA code of the CTCAE term; null: uncoded"
    )
    soc: str | None = Field(None, description="MedDRA system organ class; null: uncoded")
    ctcae_grade: int
    onset_on: dt.date
    aware_at: dt.datetime
    serious: bool
    criteria: list[str]
    susar_products: list[str]
    clocks: list[ClockRead]
    outcome: str = Field("", description="The current outcome")
    resolved_on: dt.date | None = Field(None, description="End date, once the event ended")
    reports: dict[str, dt.datetime | None] = Field(
        default_factory=dict, description="When each report was sent, by recipient"
    )
    follow_ups: list[FollowUpRead] = Field(default_factory=list)


class TherapyCreate(Confirmable):
    kind: TherapyKind
    name: Line
    started_on: dt.date
    stopped_on: dt.date | None = None
    indication: Line | None = None


class OutcomeCreate(Confirmable):
    kind: OutcomeKind
    occurred_on: dt.date
    cause: Line | None = None
    details: Annotated[Text, Field(min_length=0, max_length=2000)] | None = None


class RecordRead(BaseModel):
    """A saved therapy or outcome, and the subject as it stands afterwards."""

    id: int
    subject: SubjectRead


class SignatureCreate(BaseModel):
    entity: Code = Field(examples=["gvhd_assessments"])
    record_id: int = Field(ge=1, le=2**31 - 1)
    password: Password
    meaning: Line = Field(examples=["I approve this assessment"])


class SignatureRead(BaseModel):
    """The signature manifest: printed name, UTC time, meaning, and whether it still holds."""

    id: int
    entity: str
    entity_id: int
    printed_name: str
    signed_at: dt.datetime
    meaning: str
    is_valid: bool


class AuditEntryRead(BaseModel):
    seq: int
    occurred_at: str
    username: str
    action: str
    entity: str
    entity_id: str | None
    field: str | None
    old_value: str | None
    new_value: str | None
    reason: str | None


class SubjectDetailRead(BaseModel):
    """Everything the subject page shows, derived values included."""

    subject: SubjectRead
    arm: str | None
    arm_label: str | None
    allocated_at: dt.datetime | None
    day1: dt.date | None
    weight_kg: float | None
    next_step: NextStepRead | None
    treatment_ended: str | None = Field(
        default=None, description="What ended study treatment, once it has ended"
    )
    timeline: list[TimelineItemRead]
    assessments: list[AssessmentRead]
    adverse_events: list[AdverseEventRead]
    signatures: list[SignatureRead]

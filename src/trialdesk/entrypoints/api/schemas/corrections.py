"""Correcting and deleting a subject's saved records: bodies, answers and the typed changes.

``changes`` is one object whatever the record kind; what it may hold depends on the collection
in the path, so it is checked against that collection's model here (types, ranges, no unknown or
derived field) before the service applies it. Only the fields sent are corrected; ``null``
empties an optional field (a therapy's stop date, an outcome's cause…).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from trialdesk.domain.gvhd import BilirubinUnit
from trialdesk.entrypoints.api.schemas.gvhd import NextStepRead, Percent
from trialdesk.entrypoints.api.schemas.subjects import ScreeningAnswer, SubjectRead
from trialdesk.entrypoints.api.schemas.text import Code, Line, Text
from trialdesk.services.clinical.clinical import OutcomeKind, TherapyKind

__all__ = [
    "CHANGE_MODELS",
    "Collection",
    "CorrectionCreate",
    "CorrectionRead",
    "DeletionCreate",
    "DeletionRead",
    "FieldChangeRead",
]


class Collection(enum.StrEnum):
    """A subject's record collection, as in ``/subjects/{id}/{collection}``."""

    SCREENINGS = "screenings"
    CONSENTS = "consents"
    VISITS = "visits"
    DOSES = "doses"
    ASSESSMENTS = "assessments"
    ADVERSE_EVENTS = "adverse-events"
    THERAPIES = "therapies"
    OUTCOMES = "outcomes"
    FORMS = "forms"


class CorrectionCreate(BaseModel):
    changes: dict[str, Any] = Field(
        max_length=20,
        description="The fields to correct and their new values; which fields depends on the "
        "collection (derived values are recomputed, never sent)",
        examples=[{"measurements": {"skin_bsa_pct": 30}}],
    )
    reason: Line = Field(description="Why the record is corrected (audited)")
    query_id: int | None = Field(
        default=None, ge=1, le=2**31 - 1,
        description="An open or re-opened query on this record that the change answers; both are "
        "saved in one transaction",
    )  # fmt: skip


class DeletionCreate(BaseModel):
    reason: Line = Field(description="Why the record is deleted (audited)")
    query_id: int | None = Field(
        default=None, ge=1, le=2**31 - 1,
        description="An open or re-opened query on this record that the change answers; both are "
        "saved in one transaction",
    )  # fmt: skip


class FieldChangeRead(BaseModel):
    """One changed field of the record, derived fields included: its value before and after."""

    field: str
    old: Any
    new: Any


class CorrectionRead(BaseModel):
    """The corrected record read back with its derived values, and what changed in it."""

    collection: Collection
    id: int
    record: dict[str, Any]
    changed: list[FieldChangeRead]
    #: Field paths whose source verification the correction reset (null: the whole form's).
    sdv_reset: list[str | None] = Field(default_factory=list)
    subject: SubjectRead
    next_step: NextStepRead | None


class DeletionRead(BaseModel):
    """The deleted record's reference, and the subject as it stands afterwards."""

    collection: Collection
    id: int
    deleted_reason: str
    subject: SubjectRead


class _Changes(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _ScreeningChanges(_Changes):
    screened_on: dt.date | None = None
    answers: Annotated[dict[str, ScreeningAnswer | None], Field(max_length=50)] | None = None


class _ConsentChanges(_Changes):
    consented_on: dt.date | None = None
    form_version: Code | None = None
    obtained_by: Line | None = None


class _VisitChanges(_Changes):
    visit_code: Code | None = None
    visit_date: dt.date | None = None


class _DoseChanges(_Changes):
    administered_on: dt.date | None = None
    weight_kg: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)] | None = None
    dose_value: Annotated[float, Field(gt=0, le=1e12, allow_inf_nan=False)] | None = None


class _MeasurementChanges(_Changes):
    """Measurements to correct; the ones not sent stay as recorded."""

    skin_bsa_pct: Percent | None = None
    bilirubin: Annotated[float, Field(ge=0, le=2000, allow_inf_nan=False)] | None = None
    bilirubin_unit: BilirubinUnit | None = None
    bullae: bool | None = None
    desquamation_bsa_pct: Percent | None = None
    upper_gi_persistent: bool | None = None
    stool_ml_per_day: Annotated[float, Field(ge=0, le=20_000, allow_inf_nan=False)] | None = None
    stool_episodes_per_day: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] | None = None
    severe_abdominal_pain: bool | None = None
    bloody_stool: bool | None = None


class _AssessmentChanges(_Changes):
    assessed_on: dt.date | None = None
    measurements: _MeasurementChanges | None = None
    visit_code: Code | None = None


class _AdverseEventChanges(_Changes):
    term: Line | None = None
    meddra_code: Annotated[int, Field(ge=1, le=99_999_999)] | None = None
    other_term: Line | None = None
    soc: Line | None = None
    ctcae_grade: Annotated[int, Field(ge=1, le=5)] | None = None
    onset_on: dt.date | None = None
    aware_at: AwareDatetime | None = None


class _TherapyChanges(_Changes):
    kind: TherapyKind | None = None
    name: Line | None = None
    started_on: dt.date | None = None
    stopped_on: dt.date | None = None
    indication: Line | None = None


class _OutcomeChanges(_Changes):
    kind: OutcomeKind | None = None
    occurred_on: dt.date | None = None
    cause: Line | None = None
    details: Annotated[Text, Field(min_length=0, max_length=2000)] | None = None


class _FormChanges(_Changes):
    """Form values to correct (``null`` removes one; the others stay), or the visit."""

    values: Annotated[dict[str, Any], Field(max_length=100)] | None = None
    visit_code: Code | None = None


#: The model each collection's ``changes`` are checked against.
CHANGE_MODELS: dict[Collection, type[BaseModel]] = {
    Collection.SCREENINGS: _ScreeningChanges,
    Collection.CONSENTS: _ConsentChanges,
    Collection.VISITS: _VisitChanges,
    Collection.DOSES: _DoseChanges,
    Collection.ASSESSMENTS: _AssessmentChanges,
    Collection.ADVERSE_EVENTS: _AdverseEventChanges,
    Collection.THERAPIES: _TherapyChanges,
    Collection.OUTCOMES: _OutcomeChanges,
    Collection.FORMS: _FormChanges,
}

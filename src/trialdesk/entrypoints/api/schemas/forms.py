"""Protocol forms as the API shows and takes them: declarations, a subject's records, a new one.

A record's ``values`` are checked against the form's declaration by the service (types, ranges,
choices, conditions), so the body accepts any named values and the answer names each refused
field as ``values.<field>``; ``derived`` is read-only.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from trialdesk.entrypoints.api.schemas.text import Code

__all__ = [
    "ChoiceRead",
    "FormFieldRead",
    "FormRead",
    "FormRecordCreate",
    "FormRecordRead",
    "FormSectionRead",
    "RequiredIfRead",
    "SubjectFormsRead",
    "VisitDueRead",
]

#: A form's code in the path (as the protocol file spells codes).
FormCode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]


class ChoiceRead(BaseModel):
    code: str
    label: str


class RequiredIfRead(BaseModel):
    """The field is required when ``field`` has ``value`` ("present": any value; a list: any)."""

    field: str
    value: bool | str | list[str]


class FormFieldRead(BaseModel):
    name: str
    label: str
    type: str
    unit: str
    minimum: float | None
    maximum: float | None
    required: bool
    choices: list[ChoiceRead]
    required_if: RequiredIfRead | None
    help: str


class FormRead(BaseModel):
    code: str
    label: str
    repeat: str = Field(description="once, per_visit or log")
    date_field: str
    visits: list[str]
    arms: list[str] = Field(description="Arms the form applies to (empty: every arm)")
    derive: str | None
    description: str
    fields: list[FormFieldRead]


class FormRecordCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    values: dict[str, Any] = Field(
        description="Field name → value (dates as YYYY-MM-DD, choices as codes)",
        examples=[{"drug": "methylprednisolone", "dose_mg_per_day": 50, "route": "iv",
                   "started_on": "2026-03-02"}],
    )  # fmt: skip
    visit_code: Code | None = Field(default=None, description="Required for per-visit forms")


class FormRecordRead(BaseModel):
    id: int
    form: str
    visit_code: str | None
    record_date: dt.date
    values: dict[str, Any]
    derived: dict[str, Any] = Field(description="What the protocol derives (read-only)")


class VisitDueRead(BaseModel):
    visit_code: str
    label: str
    record_id: int | None = Field(description="The record made at this visit (null: not yet)")
    state: str = Field(description="done, due (window open), upcoming, or not_planned")
    planned_on: dt.date | None = Field(description="Planned date (null before the first dose)")


class FormSectionRead(BaseModel):
    form: str
    label: str
    records: list[FormRecordRead]
    visits: list[VisitDueRead]
    may_add: bool


class SubjectFormsRead(BaseModel):
    subject_id: int
    forms: list[FormSectionRead]

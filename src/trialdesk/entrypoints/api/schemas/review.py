"""Bodies and answers of the review workflow: source verification, locks, casebook sign-off."""

from __future__ import annotations

import datetime as dt
import enum

from pydantic import BaseModel, ConfigDict, Field

from trialdesk.entrypoints.api.schemas.corrections import Collection
from trialdesk.entrypoints.api.schemas.text import Line, Password

__all__ = [
    "AwaitingSignatureRead",
    "CasebookSignatureCreate",
    "CasebookSignatureRead",
    "CasebookStatusRead",
    "LockCreate",
    "LockLevel",
    "LockRead",
    "RecordSignatureRead",
    "SdvMarkRead",
    "SdvProgressRead",
    "UnlockCreate",
    "VerificationCreate",
    "VerificationDelete",
    "WorklistItemRead",
    "WorklistRead",
]

FieldPath = Line


class VerificationCreate(BaseModel):
    """Mark the whole form verified against source, or one field (``measurements.skin_bsa_pct``)."""

    field: FieldPath | None = Field(default=None, description="A field path; none: whole form")


class VerificationDelete(BaseModel):
    field: FieldPath | None = None
    reason: Line = Field(description="Why the verification is withdrawn (audited)")


class SdvMarkRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subject_id: int
    entity: str
    entity_id: int
    field: str | None
    verified_by_name: str
    verified_at: dt.datetime
    reset_at: dt.datetime | None
    reset_reason: str | None


class WorklistItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    site_code: str
    subject_id: int
    subject_code: str
    entity: str
    record_id: int
    created_at: dt.datetime | None


class WorklistRead(BaseModel):
    """One page of the monitor's SDV worklist (oldest first within a site) and the total."""

    items: list[WorklistItemRead]
    total: int


class SdvProgressRead(BaseModel):
    site_code: str
    required: int
    verified: int
    percent: int


class LockLevel(enum.StrEnum):
    FORM = "form"
    SUBJECT = "subject"
    SITE = "site"
    STUDY = "study"


class LockCreate(BaseModel):
    """What to lock: a form (``collection`` + ``target_id``), a subject, a site, the study."""

    level: LockLevel
    target_id: int = Field(default=0, ge=0, le=2**31 - 1, description="record/subject/site id")
    collection: Collection | None = Field(default=None, description="for a form lock")
    reason: Line | None = None


class UnlockCreate(BaseModel):
    reason: Line = Field(description="Why the lock is lifted (required, audited)")


class LockRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    level: LockLevel
    entity: str
    entity_id: int
    subject_id: int | None
    site_id: int | None
    locked_by_name: str
    locked_at: dt.datetime
    lock_reason: str | None


class CasebookSignatureCreate(BaseModel):
    password: Password = Field(description="Your password, re-entered to sign (21 CFR 11.200)")
    meaning: Line = Field(description="What the signature means")


class CasebookSignatureRead(BaseModel):
    """The manifest (21 CFR 11.50): printed name, UTC time, meaning; and whether it holds."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    subject_id: int
    printed_name: str
    signed_at: dt.datetime
    meaning: str
    is_valid: bool
    invalidated_at: dt.datetime | None


class CasebookStatusRead(BaseModel):
    """The subject's latest casebook signature, or null when it was never signed."""

    signature: CasebookSignatureRead | None


class RecordSignatureRead(BaseModel):
    """A record signature's manifest; ``is_valid`` false once the record changed after it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    printed_name: str
    signed_at: dt.datetime
    meaning: str
    is_valid: bool


class AwaitingSignatureRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    subject_id: int
    subject_code: str
    site_code: str
    invalidated_at: dt.datetime | None

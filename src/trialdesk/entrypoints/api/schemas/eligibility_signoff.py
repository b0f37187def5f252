"""The investigator's attestation of judgement criteria and the eligibility signature."""

from __future__ import annotations

from pydantic import BaseModel, Field

from trialdesk.entrypoints.api.schemas.text import Line, Password

__all__ = ["AttestationCreate", "EligibilitySignatureCreate"]


class AttestationCreate(BaseModel):
    """Answers to criteria the protocol reserves to the investigator (field name → yes/no)."""

    answers: dict[str, bool] = Field(max_length=50, examples=[{"suitable_for_study": True}])
    #: Required when an attestation already given is changed.
    reason: Line | None = None


class EligibilitySignatureCreate(BaseModel):
    password: Password

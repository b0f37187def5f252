"""Subjects as the API shows them."""

from __future__ import annotations

from pydantic import BaseModel

from trialdesk.domain.lifecycle import SubjectState

__all__ = ["SubjectRead"]


class SubjectRead(BaseModel):
    id: int
    screening_number: str
    subject_code: str | None
    site_code: str
    state: SubjectState

"""Queries (data discrepancies) and their threads, as the API shows and takes them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from trialdesk.entrypoints.api.schemas.text import Line, Text
from trialdesk.services.review import QueryStatus

__all__ = ["QueryCreate", "QueryMessageCreate", "QueryMessageRead", "QueryRead"]


class QueryCreate(BaseModel):
    entity: Annotated[Line, Field(max_length=64)] = Field(
        description="Record type, e.g. gvhd_assessments"
    )
    record_id: int = Field(ge=1, le=2**31 - 1)
    field: Annotated[Line, Field(max_length=64)] | None = Field(
        default=None, description="The field in question"
    )
    message: Text


class QueryMessageCreate(BaseModel):
    message: Text


class QueryMessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    author: str
    written_at: dt.datetime
    body: str


class QueryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subject_id: int
    subject: str
    site_code: str
    entity: str
    entity_id: int
    field: str | None
    status: QueryStatus
    raised_at: dt.datetime
    messages: list[QueryMessageRead]

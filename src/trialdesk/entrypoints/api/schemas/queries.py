"""Queries (data discrepancies) and their threads, as the API shows and takes them."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from trialdesk.services.review import QueryStatus

__all__ = ["QueryCreate", "QueryMessageCreate", "QueryMessageRead", "QueryRead"]


class QueryCreate(BaseModel):
    entity: str = Field(
        min_length=1, max_length=64, description="Record type, e.g. gvhd_assessments"
    )
    record_id: int = Field(ge=1, le=2**31 - 1)
    field: str | None = Field(
        default=None, min_length=1, max_length=64, description="The field in question"
    )
    message: str = Field(min_length=1, max_length=4000)


class QueryMessageCreate(BaseModel):
    message: str = Field(min_length=1, max_length=4000)


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

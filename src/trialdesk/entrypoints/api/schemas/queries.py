"""Queries (data discrepancies) and their threads, as the API shows and takes them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from trialdesk.domain.queries import QueryStatus
from trialdesk.entrypoints.api.schemas.text import Line, Text

__all__ = [
    "QueryCreate",
    "QueryMessageCreate",
    "QueryMessageRead",
    "QueryPageRead",
    "QueryRead",
]


class QueryCreate(BaseModel):
    entity: Annotated[Line, Field(max_length=64)] = Field(
        description="Record type, e.g. gvhd_assessments"
    )
    record_id: int = Field(ge=1, le=2**31 - 1)
    field: Annotated[Line, Field(max_length=64)] | None = Field(
        default=None,
        description="The field in question, by its path: a column (onset_on) or an entry "
        "(measurements.skin_bsa_pct, answers.<name>, values.<name>); none for the whole form",
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
    origin: str | None = None
    status_label: str
    form_label: str
    field_label: str | None
    visit_label: str | None
    assigned_role: str | None = Field(description="site, monitor or data_manager")
    assigned_role_label: str | None
    age_days: int = Field(description="Whole days since the status last changed")
    raised_by: str


class QueryPageRead(BaseModel):
    items: list[QueryRead]
    total: int
    page: int
    page_size: int

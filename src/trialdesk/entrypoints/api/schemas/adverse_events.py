"""What the API takes to follow an adverse event up and to enter when a report was sent."""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, BaseModel, Field

from trialdesk.domain.safety.adverse_event import AeOutcome
from trialdesk.domain.safety.follow_up import ReportRecipient
from trialdesk.domain.safety.seriousness import SeriousnessCriterion
from trialdesk.entrypoints.api.schemas.clinical import ProductCausality
from trialdesk.entrypoints.api.schemas.text import Line, Text

__all__ = ["FollowUpCreate", "ReportCreate"]


class FollowUpCreate(BaseModel):
    """Follow-up report N: the event's values after it; a value left out stays as it is."""

    reported_at: AwareDatetime = Field(
        description="When the site learnt the new information; with a time zone"
    )
    outcome: AeOutcome | None = None
    resolved_on: dt.date | None = Field(None, description="End date; required once ended")
    ctcae_grade: int | None = Field(None, ge=1, le=5)
    seriousness: list[SeriousnessCriterion] | None = Field(None, max_length=6)
    products: list[ProductCausality] | None = Field(None, max_length=5)
    narrative: Text | None = None
    reason: Line | None = Field(None, description='Audit reason; default "follow-up report N"')


class ReportCreate(BaseModel):
    """When the report to one recipient was sent; it stops that recipient's clock."""

    recipient: ReportRecipient
    reported_at: AwareDatetime
    reason: Line | None = Field(None, description="Required when changing a time already entered")

"""Edit checks at the API: confirming soft warnings on a create, and the dry run before saving."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from trialdesk.domain.protocol import Severity
from trialdesk.entrypoints.api.schemas.errors import WarningRead
from trialdesk.entrypoints.api.schemas.text import Code, Line

__all__ = ["Confirmable", "EditCheckPreview", "FindingRead", "FindingsRead"]


class Confirmable(BaseModel):
    """What every create body accepts to confirm soft edit-check warnings.

    A create answered 409 lists ``warnings``; resending it with each warning's code in
    ``confirm`` and a ``reason`` saves the record and raises one query per warning.
    """

    confirm: list[Code] = Field(
        default_factory=list,
        max_length=20,
        description="Codes of the edit-check warnings the user has checked",
    )
    reason: Line | None = Field(
        default=None, description="Why the flagged values are right; opens each warning's query"
    )


class EditCheckPreview(BaseModel):
    """The would-be record's values, as the create body (or the form) holds them."""

    values: dict[str, Any] = Field(
        examples=[{"product": "uc_msc", "weight_kg": 72, "dose_value": 7.2}],
        description="Field name to value; dates as YYYY-MM-DD; GVHD values under measurements",
    )


class FindingRead(WarningRead):
    severity: Severity = Field(description="hard: refused on save; soft: needs a confirmation")


class FindingsRead(BaseModel):
    """What the checks would say about the record now; nothing was saved."""

    findings: list[FindingRead]

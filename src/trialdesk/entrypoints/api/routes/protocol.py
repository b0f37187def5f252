"""``GET /api/v1/protocol``: the trial as its protocol file describes it (no login needed)."""

from __future__ import annotations

from fastapi import APIRouter

from trialdesk.entrypoints.api.deps import ProtocolDep
from trialdesk.entrypoints.api.schemas.protocol import ProtocolRead

__all__ = ["router"]

router = APIRouter(prefix="/protocol", tags=["protocol"])


@router.get("", response_model=ProtocolRead)
def read_protocol(protocol: ProtocolDep) -> ProtocolRead:
    """The registry record and the executable rules of the trial."""
    return ProtocolRead.model_validate(protocol)

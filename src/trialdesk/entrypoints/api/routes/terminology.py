"""``GET /api/v1/terminology/ctcae``: CTCAE v5.0 terms for the AE form's search as you type.

Public reference data (NCI, public domain), no trial data; any signed-in user may read it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from trialdesk.domain.safety.terminology import ctcae_terminology
from trialdesk.entrypoints.api.deps import ApiUser
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.entrypoints.api.schemas.terminology import CtcaeSearchRead, CtcaeTermRead

__all__ = ["router"]

router = APIRouter(prefix="/terminology", tags=["terminology"], responses=ERROR_RESPONSES)


@router.get("/ctcae", response_model=CtcaeSearchRead)
def search_ctcae(
    _user: ApiUser,
    q: Annotated[
        str, Query(max_length=100, description="Words in any order, or a MedDRA code")
    ] = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> CtcaeSearchRead:
    """Terms matching every typed word (as a word start, any order, any case); names starting
    with the query first. An empty query finds nothing."""
    found = ctcae_terminology().search(q, limit=limit)
    return CtcaeSearchRead(
        query=q,
        terms=[
            CtcaeTermRead(term=t.term, meddra_code=t.meddra_code, soc=t.soc,
                          other_specify=t.is_other_specify)
            for t in found
        ],
    )  # fmt: skip

"""The dashboard, the public trial page and the live GVHD calculator."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from trialdesk.domain.protocol import CriterionKind, VisitPhase
from trialdesk.entrypoints.api.deps import ProtocolDep, WebUser
from trialdesk.entrypoints.web.rendering import render

__all__ = ["router"]

router = APIRouter()


@router.get("/")
def dashboard(request: Request, principal: WebUser, protocol: ProtocolDep) -> Response:
    return render(request, "dashboard.html", {"protocol": protocol}, principal=principal)


@router.get("/trial")
def trial_page(request: Request, protocol: ProtocolDep) -> Response:
    """The registry record, rendered from the protocol file; public."""
    inclusion = [c for c in protocol.criteria if c.kind is CriterionKind.INCLUSION]
    exclusion = [c for c in protocol.criteria if c.kind is CriterionKind.EXCLUSION]
    treatments = {iv.code: iv for arm in protocol.arms for iv in arm.interventions}
    return render(
        request,
        "trial.html",
        {
            "protocol": protocol,
            "inclusion": inclusion,
            "exclusion": exclusion,
            "treatments": list(treatments.values()),
        },
    )


@router.get("/gvhd/calculator")
def calculator(request: Request, principal: WebUser, protocol: ProtocolDep) -> Response:
    visits = [v.code for v in protocol.visits_in(VisitPhase.COURSE)]
    return render(
        request,
        "calculator.html",
        {"protocol": protocol, "course_visits": visits},
        principal=principal,
    )

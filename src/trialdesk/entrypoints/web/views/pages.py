"""The dashboard, the public trial page and the live GVHD calculator."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from trialdesk.domain.access import Action, role_allows
from trialdesk.domain.protocol import CriterionKind, VisitPhase
from trialdesk.entrypoints.api.deps import ContextDep, ProtocolDep, WebUser
from trialdesk.entrypoints.web.charts import enrollment_chart, stacked_bars
from trialdesk.entrypoints.web.rendering import render
from trialdesk.services.review import source_verification
from trialdesk.services.review.dashboard import trial_dashboard
from trialdesk.services.review.worklists import load_worklists

__all__ = ["router"]

router = APIRouter()


@router.get("/")
def dashboard(
    request: Request, context: ContextDep, principal: WebUser, protocol: ProtocolDep
) -> Response:
    figures = trial_dashboard(context.store.new_uow(), as_user=principal.user_id, protocol=protocol)
    arm_label = {arm.code: arm.label for arm in protocol.arms}
    by_site = [
        (site.site_code, {arm_label[a]: n for a, n in site.by_arm.items()})
        for site in figures.sites
    ]
    failures = [
        (reason.criterion, {"subjects": reason.subjects}) for reason in figures.screen_failures
    ]
    charts = {
        "enrollment": enrollment_chart(
            [(p.day, p.cumulative) for p in figures.enrollment],
            figures.target_enrollment,
            figures.today,
        ),
        "by_site": stacked_bars(
            "Randomized subjects by site and arm", by_site, list(arm_label.values())
        ),
        "failures": stacked_bars("Screen failures by criterion", failures, ["subjects"]),
    }
    reviews = (
        role_allows(principal.user.roles, Action.VERIFY_SOURCE)
        or role_allows(principal.user.roles, Action.LOCK)
        or role_allows(principal.user.roles, Action.MANAGE_ACCOUNTS)
    )
    sdv = (
        source_verification.progress_by_site(
            context.store.new_uow(), as_user=principal.user_id, protocol=protocol
        )
        if reviews
        else None
    )
    return render(
        request, "dashboard.html",
        {"protocol": protocol, "figures": figures, "charts": charts, "arm_label": arm_label,
         "worklists": load_worklists(
             context.store.new_read_uow(), as_user=principal.user_id, protocol=protocol),
         "sdv": sdv},
        principal=principal,
    )  # fmt: skip


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

"""API routes, one module per feature, collected by :func:`api_router`."""

from __future__ import annotations

from fastapi import APIRouter

from trialdesk.entrypoints.api.routes import (
    accounts,
    admin,
    adverse_events,
    audit_readable,
    clinical,
    corrections,
    dashboard,
    edit_checks,
    eligibility_signoff,
    forms,
    gvhd,
    locks,
    me,
    planning,
    protocol,
    queries,
    reports,
    signoff,
    source_verification,
    subjects,
    terminology,
    tokens,
    worklist,
)

__all__ = ["API_PREFIX", "api_routers"]

API_PREFIX = "/api/v1"


def api_routers() -> list[APIRouter]:
    """The feature routers, each to be included under :data:`API_PREFIX`.

    They are included into the app one by one rather than through one ``/api/v1`` router:
    FastAPI matches a request against every nested router level by level, twice (to find the
    route, then to handle it), so each level of nesting is paid on every request.
    """
    return [
        module.router
        for module in (
            protocol, gvhd, terminology, me, tokens, admin, accounts, source_verification,
            signoff, locks,
            subjects, eligibility_signoff, clinical,
            adverse_events, corrections, edit_checks, planning, forms,
            dashboard, worklist, queries, reports, audit_readable,
        )
    ]  # fmt: skip

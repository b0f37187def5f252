"""API routes, one module per feature, collected by :func:`api_router`."""

from __future__ import annotations

from fastapi import APIRouter

from trialdesk.entrypoints.api.routes import (
    admin,
    clinical,
    dashboard,
    gvhd,
    me,
    planning,
    protocol,
    queries,
    reports,
    subjects,
    tokens,
)

__all__ = ["api_router"]


def api_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1")
    for module in (
        protocol, gvhd, me, tokens, admin, subjects, clinical, planning, dashboard, queries,
        reports,
    ):  # fmt: skip
        router.include_router(module.router)
    return router

"""Page routes, one module per feature, collected by :func:`page_router`."""

from __future__ import annotations

from fastapi import APIRouter

from trialdesk.entrypoints.web.views import (
    admin,
    auth,
    pages,
    queries,
    reports,
    screening,
    subject_page,
    tokens,
)

__all__ = ["page_router"]


def page_router() -> APIRouter:
    # Pages are not API operations: they stay out of the OpenAPI document.
    router = APIRouter(include_in_schema=False)
    for module in (auth, pages, admin, tokens, queries, reports, screening, subject_page):
        router.include_router(module.router)
    return router

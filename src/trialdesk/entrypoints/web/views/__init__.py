"""Page routes, one module per feature, collected by :func:`page_router`."""

from __future__ import annotations

from fastapi import APIRouter

from trialdesk.entrypoints.web.views import (
    account,
    admin,
    admin_accounts,
    adverse_event_page,
    audit_page,
    auth,
    casebook_page,
    pages,
    protocol_forms,
    queries,
    record_pages,
    reports,
    review_forms,
    review_pages,
    screening,
    subject_page,
    tokens,
)

__all__ = ["page_routers"]


def page_routers() -> list[APIRouter]:
    """The feature routers of the pages, included into the app one by one (see ``api_routers``).

    Pages are not API operations: the app includes them with ``include_in_schema=False``.
    """
    # The record page's path (/subjects/{id}/{collection}/{record_id}) is the most general:
    # it comes last, so a more specific page with as many segments is matched first.
    return [
        module.router
        for module in (
            auth, account, pages, admin, admin_accounts, tokens, queries, reports, screening,
            casebook_page, audit_page, subject_page,
            review_pages, protocol_forms, adverse_event_page, review_forms, record_pages,
        )
    ]  # fmt: skip

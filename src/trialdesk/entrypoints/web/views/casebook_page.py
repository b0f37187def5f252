"""The subject's home, ``/subjects/{id}``: the casebook grid of visits × forms.

Above the grid, the next protocol step and the doses and visits due or overdue; below it, the
log forms with their records and the treatment calendar. Each cell links to its record page, or
to the entry page when the form is due and the user enters data. Everything comes from one read
of each of the subject's tables (:func:`trialdesk.services.casebook.load_casebook`): no read per
cell, and no read of the audit trail (it has its own page).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from trialdesk.entrypoints.api.deps import ContextDep, Principal, WebUser
from trialdesk.entrypoints.web.rendering import render
from trialdesk.entrypoints.web.views.subject_page import SECTIONS
from trialdesk.services import casebook, review_status

__all__ = ["casebook_page_response", "router"]

router = APIRouter(prefix="/subjects")


@router.get("/{subject_id}")
def casebook_page(
    request: Request, context: ContextDep, principal: WebUser, subject_id: int
) -> Response:
    return casebook_page_response(request, context, principal, subject_id)


def casebook_page_response(
    request: Request,
    context: ContextDep,
    principal: Principal,
    subject_id: int,
    *,
    errors: dict[str, str] | None = None,
) -> Response:
    """The casebook, with a refusal of its sign-off form (``errors["casebook"]``) when given."""
    page = casebook.load_casebook(
        context.store.new_read_uow(), as_user=principal.user_id, subject_id=subject_id,
        protocol=context.protocol,
    )  # fmt: skip
    saved = SECTIONS.get(str(request.query_params.get("saved", "")))
    review = review_status.casebook_review(
        context.store.new_read_uow(), as_user=principal.user_id, subject_id=subject_id
    )
    return render(
        request, "subjects/subject.html",
        {"page": page, "saved": saved, "casebook": review, "errors": errors or {}},
        principal=principal, status_code=422 if errors else 200,
    )  # fmt: skip

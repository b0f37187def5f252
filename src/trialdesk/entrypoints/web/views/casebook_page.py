"""The subject's home, ``/subjects/{id}``: the casebook grid of visits × forms.

Above the grid, the next protocol step and the doses and visits due or overdue; below it, the log
forms with their records and the treatment calendar. Each cell links to its record page, or to the
entry page when the form is due and the user enters data. Everything comes from one read of each of
the subject's tables (:func:`trialdesk.services.subjects.casebook.load_casebook`): no read per cell,
and no read of the audit trail (it has its own page).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.responses import Response

from trialdesk.entrypoints.api.deps import ContextDep, Principal, WebUser
from trialdesk.entrypoints.web.rendering import render, templates
from trialdesk.entrypoints.web.views.subject_page import SECTIONS
from trialdesk.services.review import review_status
from trialdesk.services.subjects import casebook

__all__ = ["casebook_page_response", "router"]

router = APIRouter(prefix="/subjects")


@dataclass(frozen=True, slots=True)
class _Fragments:
    """The casebook's parts that depend on its read model alone, rendered once per model."""

    page: casebook.Casebook  # held, so the model's id stays its own while remembered
    top: Markup
    body: Markup


def _fragments(request: Request, context: ContextDep, page: casebook.Casebook) -> _Fragments:
    """The rendered parts of a casebook read model: the model is itself remembered until the
    data changes (``load_casebook``), and the grid, logs and calendar follow from it alone."""

    def build() -> _Fragments:
        context = {"request": request, "page": page}
        return _Fragments(
            page,
            Markup(templates.get_template("subjects/_casebook_top.html").render(context)),
            Markup(templates.get_template("subjects/_casebook_body.html").render(context)),
        )

    fragments: _Fragments = context.memo("casebook fragments").get_or_build(id(page), build)
    return fragments


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
        protocol=context.protocol, memo=context.memo("casebook"),
    )  # fmt: skip
    saved = SECTIONS.get(str(request.query_params.get("saved", "")))
    review = review_status.casebook_review(
        context.store.new_read_uow(), as_user=principal.user_id, subject_id=subject_id
    )
    return render(
        request, "subjects/subject.html",
        {"page": page, "saved": saved, "casebook": review, "errors": errors or {},
         "fragments": _fragments(request, context, page)},
        principal=principal, status_code=422 if errors else 200,
    )  # fmt: skip

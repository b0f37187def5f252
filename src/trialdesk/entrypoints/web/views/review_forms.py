"""The review forms on the record and subject pages: verify against source, lock, unlock, sign.

Each posts with the CSRF token and goes back to the page it came from; a refusal (no reason, no
right, already done, a lock) comes back on that page with the message beside the form.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from trialdesk.domain.errors import AuthenticationError, InputError, StateError
from trialdesk.entrypoints.api.deps import CheckedForm, ContextDep, WebUser
from trialdesk.entrypoints.web.views.casebook_page import casebook_page_response
from trialdesk.entrypoints.web.views.form_values import FormValues
from trialdesk.entrypoints.web.views.record_pages import record_page_response, table_of
from trialdesk.services.review import casebook_signoff, locks, source_verification

__all__ = ["router"]

router = APIRouter()


def _on_record(
    request: Request,
    context: ContextDep,
    principal: WebUser,
    where: tuple[int, str, int],
    act: Callable[[], object],
) -> Response:
    """Run one review act on a record: back to the record's review panel, or the refusal there.

    A refusal redraws the record page with the message beside the review forms (422 for bad
    input, 409 for a state that forbids it) and nothing saved.
    """
    try:
        act()
    except (InputError, StateError) as error:
        message = error.errors[0].message if isinstance(error, InputError) else error.message
        return record_page_response(
            request, context, principal, *where,
            status_code=422 if isinstance(error, InputError) else 409, review_error=message,
        )  # fmt: skip
    subject_id, collection, record_id = where
    return RedirectResponse(f"/subjects/{subject_id}/{collection}/{record_id}#review", 303)


@router.post("/subjects/{subject_id}/{collection}/{record_id}/verify")
def verify(
    request: Request,
    context: ContextDep,
    principal: WebUser,
    form: CheckedForm,
    subject_id: int,
    collection: str,
    record_id: int,
) -> Response:
    """Mark the form, or the field named in ``field``, verified against source (monitors)."""
    field = FormValues(form).text("field") or None
    table = table_of(collection)
    return _on_record(
        request, context, principal, (subject_id, collection, record_id),
        lambda: source_verification.mark_verified(
            context.store.new_uow(), as_user=principal.user_id, table=table,
            record_id=record_id, field=field, subject_id=subject_id,
        ),
    )  # fmt: skip


@router.post("/subjects/{subject_id}/{collection}/{record_id}/lock")
def lock_form(
    request: Request,
    context: ContextDep,
    principal: WebUser,
    form: CheckedForm,
    subject_id: int,
    collection: str,
    record_id: int,
) -> Response:
    """Lock this form (data managers), with an optional reason."""
    table_of(collection)
    return _on_record(
        request, context, principal, (subject_id, collection, record_id),
        lambda: locks.lock(
            context.store.new_uow(), as_user=principal.user_id, level="form",
            target_id=record_id, collection=collection,
            reason=FormValues(form).text("reason") or None,
        ),
    )  # fmt: skip


@router.post("/subjects/{subject_id}/{collection}/{record_id}/unlock/{lock_id}")
def unlock_form(
    request: Request,
    context: ContextDep,
    principal: WebUser,
    form: CheckedForm,
    subject_id: int,
    collection: str,
    record_id: int,
    lock_id: int,
) -> Response:
    """Lift this form's lock; the reason is required."""
    table_of(collection)
    return _on_record(
        request, context, principal, (subject_id, collection, record_id),
        lambda: locks.unlock(
            context.store.new_uow(), as_user=principal.user_id, lock_id=lock_id,
            reason=FormValues(form).text("reason"),
        ),
    )  # fmt: skip


@router.post("/subjects/{subject_id}/casebook/sign")
def sign_casebook(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm, subject_id: int
) -> Response:
    """The investigator signs the casebook; a refusal comes back beside the sign form."""
    values = FormValues(form)
    try:
        casebook_signoff.sign_casebook(
            context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
            password=values.text("password"), meaning=values.text("meaning"),
        )  # fmt: skip
    except (AuthenticationError, InputError, StateError) as error:
        message = error.errors[0].message if isinstance(error, InputError) else error.message
        return casebook_page_response(
            request, context, principal, subject_id, errors={"casebook": message}
        )
    return RedirectResponse(f"/subjects/{subject_id}#casebook-review", 303)

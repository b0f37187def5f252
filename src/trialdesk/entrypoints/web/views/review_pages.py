"""The review worklists: the monitor's SDV worklist and progress, the data manager's locks, the
investigator's casebooks awaiting signature. Each lists only what the user's sites hold; the
services check the role."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from trialdesk.domain.errors import InputError, StateError
from trialdesk.entrypoints.api.deps import CheckedForm, ContextDep, Principal, WebUser
from trialdesk.entrypoints.web.rendering import render
from trialdesk.entrypoints.web.views.form_values import FormValues
from trialdesk.services.accounts import accounts
from trialdesk.services.clinical import corrections
from trialdesk.services.review import casebook_signoff, locks, review_status, source_verification

__all__ = ["router"]

router = APIRouter(prefix="/review")

#: The record page's collection for each table (worklist links go to the record's page).
_COLLECTION_OF = {table: collection for collection, table in corrections.COLLECTIONS.items()}
_PAGE = 50


@router.get("/sdv")
def sdv_page(request: Request, context: ContextDep, principal: WebUser) -> Response:
    offset = request.query_params.get("offset", "0")
    start = int(offset) if offset.isdigit() else 0
    items, total = source_verification.worklist(
        context.store.new_uow(), as_user=principal.user_id, protocol=context.protocol,
        offset=start, limit=_PAGE,
    )  # fmt: skip
    progress = source_verification.progress_by_site(
        context.store.new_uow(), as_user=principal.user_id, protocol=context.protocol
    )
    return render(
        request, "review/sdv.html",
        {"items": items, "total": total, "offset": start, "size": _PAGE, "progress": progress,
         "collection_of": _COLLECTION_OF},
        principal=principal,
    )  # fmt: skip


def _locks_page(
    request: Request, context: ContextDep, principal: Principal, *, status_code: int = 200,
    error: str | None = None,
) -> Response:  # fmt: skip
    found = locks.active_locks(context.store.new_uow(), as_user=principal.user_id)
    sites = {s.id: s for s in accounts.list_sites(context.store.new_uow())}
    readiness = review_status.lock_readiness(
        context.store.new_uow(), as_user=principal.user_id, protocol=context.protocol
    )
    return render(
        request, "review/locks.html",
        {"locks": found, "sites": sites, "error": error, "collection_of": _COLLECTION_OF,
         "readiness": readiness},
        principal=principal, status_code=status_code,
    )  # fmt: skip


@router.get("/locks")
def locks_page(request: Request, context: ContextDep, principal: WebUser) -> Response:
    return _locks_page(request, context, principal)


@router.post("/locks")
def create_lock(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm
) -> Response:
    """Lock a site or the study (subjects and forms are locked from their own pages)."""
    values = FormValues(form)
    level, target = values.text("level"), values.text("target_id")
    try:
        if level not in {"site", "study", "subject"}:
            raise InputError.single("level", "choose site, subject or study")
        locks.lock(
            context.store.new_uow(), as_user=principal.user_id, level=level,
            target_id=int(target) if target.isdigit() else 0,
            reason=values.text("reason") or None,
        )  # fmt: skip
    except (InputError, StateError) as error:
        message = error.errors[0].message if isinstance(error, InputError) else error.message
        return _locks_page(
            request, context, principal, error=message,
            status_code=422 if isinstance(error, InputError) else 409,
        )  # fmt: skip
    return RedirectResponse(_back(values), status_code=303)


def _back(values: FormValues) -> str:
    """Where a lock or unlock returns: the subject's casebook it was made from, else the list.

    Only a path of this application's subject pages is followed, never another address.
    """
    back = values.text("back")
    if back.startswith("/subjects/") and "//" not in back and "\\" not in back:
        return back
    return "/review/locks"


@router.post("/locks/{lock_id}/unlock")
def unlock(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm, lock_id: int
) -> Response:
    values = FormValues(form)
    try:
        locks.unlock(
            context.store.new_uow(), as_user=principal.user_id, lock_id=lock_id,
            reason=values.text("reason"),
        )  # fmt: skip
    except (InputError, StateError) as error:
        message = error.errors[0].message if isinstance(error, InputError) else error.message
        return _locks_page(
            request, context, principal, error=message,
            status_code=422 if isinstance(error, InputError) else 409,
        )  # fmt: skip
    return RedirectResponse(_back(values), status_code=303)


@router.get("/signatures")
def signatures_page(request: Request, context: ContextDep, principal: WebUser) -> Response:
    waiting = casebook_signoff.awaiting_signature(
        context.store.new_uow(), as_user=principal.user_id
    )
    return render(request, "review/signatures.html", {"waiting": waiting}, principal=principal)

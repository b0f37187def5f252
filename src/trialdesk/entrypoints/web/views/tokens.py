"""The user's API tokens: create (the secret is shown once) and revoke."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from trialdesk.domain.errors import InputError
from trialdesk.entrypoints.api.deps import CheckedForm, ContextDep, Principal, WebUser
from trialdesk.entrypoints.web.rendering import render
from trialdesk.services.accounts import api_tokens

__all__ = ["router"]

router = APIRouter(prefix="/tokens")


def _page(
    request: Request, context: ContextDep, principal: Principal, *, status_code: int = 200,
    **extra: object,
) -> Response:  # fmt: skip
    tokens = api_tokens.list_api_tokens(context.store.new_uow(), as_user=principal.user_id)
    limits = {"default_days": api_tokens.DEFAULT_VALID_DAYS, "max_days": api_tokens.MAX_VALID_DAYS}
    return render(
        request, "tokens.html", {"tokens": tokens, "values": {}, **limits, **extra},
        principal=principal, status_code=status_code,
    )  # fmt: skip


@router.get("")
def tokens_page(request: Request, context: ContextDep, principal: WebUser) -> Response:
    return _page(request, context, principal)


@router.post("")
def create_token(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm
) -> Response:
    name = form.get("name", "")
    days = form.get("valid_days", "")
    values = {"name": name, "valid_days": days}
    try:
        valid_days = _whole_days(days)
        created = api_tokens.create_api_token(
            context.store.new_uow(), as_user=principal.user_id,
            name=name if isinstance(name, str) else "", valid_days=valid_days,
        )  # fmt: skip
    except InputError as error:
        errors = {e.field: e.message for e in error.errors}
        return _page(request, context, principal, status_code=422, errors=errors, values=values)
    # The secret is rendered in this response only; a reload shows just its prefix.
    return _page(request, context, principal, status_code=201, created=created)


def _whole_days(typed: object) -> int:
    text = typed.strip() if isinstance(typed, str) else ""
    if not text:
        return api_tokens.DEFAULT_VALID_DAYS
    if not text.isdigit():
        raise InputError.single("valid_days", f"{text!r} is not a whole number of days; e.g. 90")
    return int(text)


@router.post("/{token_id}/revoke")
def revoke_token(
    token_id: int, context: ContextDep, principal: WebUser, _form: CheckedForm
) -> Response:
    api_tokens.revoke_api_token(
        context.store.new_uow(), as_user=principal.user_id, token_id=token_id
    )
    return RedirectResponse("/tokens", status_code=303)

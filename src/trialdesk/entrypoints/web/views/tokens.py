"""The user's API tokens: create (the secret is shown once) and revoke."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from trialdesk.domain.errors import InputError
from trialdesk.entrypoints.api.deps import CheckedForm, ContextDep, Principal, WebUser
from trialdesk.entrypoints.web.rendering import render
from trialdesk.services import api_tokens

__all__ = ["router"]

router = APIRouter(prefix="/tokens")


def _page(
    request: Request, context: ContextDep, principal: Principal, *, status_code: int = 200,
    **extra: object,
) -> Response:  # fmt: skip
    tokens = api_tokens.list_api_tokens(context.store.new_uow(), as_user=principal.user_id)
    return render(
        request, "tokens.html", {"tokens": tokens, **extra},
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
    try:
        created = api_tokens.create_api_token(
            context.store.new_uow(), as_user=principal.user_id,
            name=name if isinstance(name, str) else "",
        )  # fmt: skip
    except InputError as error:
        errors = {e.field: e.message for e in error.errors}
        return _page(request, context, principal, status_code=422, errors=errors)
    # The secret is rendered in this response only; a reload shows just its prefix.
    return _page(request, context, principal, status_code=201, created=created)


@router.post("/{token_id}/revoke")
def revoke_token(
    token_id: int, context: ContextDep, principal: WebUser, _form: CheckedForm
) -> Response:
    api_tokens.revoke_api_token(
        context.store.new_uow(), as_user=principal.user_id, token_id=token_id
    )
    return RedirectResponse("/tokens", status_code=303)

"""API tokens: list, create and revoke the caller's own tokens."""

from __future__ import annotations

from fastapi import APIRouter, Path, status

from trialdesk.entrypoints.api.deps import ApiUser, ContextDep
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.entrypoints.api.schemas.tokens import ApiTokenCreate, ApiTokenCreated, ApiTokenRead
from trialdesk.services.accounts import api_tokens

__all__ = ["router"]

router = APIRouter(prefix="/tokens", tags=["tokens"], responses=ERROR_RESPONSES)


def _read(token: api_tokens.ApiTokenRead) -> ApiTokenRead:
    return ApiTokenRead(
        id=token.id,
        name=token.name,
        prefix=token.prefix,
        created_at=token.created_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
        expired=token.expired,
    )


@router.get("", response_model=list[ApiTokenRead])
def list_tokens(context: ContextDep, principal: ApiUser) -> list[ApiTokenRead]:
    """Your tokens, revoked ones included."""
    found = api_tokens.list_api_tokens(context.store.new_uow(), as_user=principal.user_id)
    return [_read(t) for t in found]


@router.post("", response_model=ApiTokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(body: ApiTokenCreate, context: ContextDep, principal: ApiUser) -> ApiTokenCreated:
    """A new token acting with your roles; the secret is in this response only.

    Refused (403) when this request is itself authenticated by an API token.
    """
    created = api_tokens.create_api_token(
        context.store.new_uow(), as_user=principal.user_id, name=body.name,
        valid_days=body.valid_days, via_api_token=principal.session_token is None,
    )  # fmt: skip
    return ApiTokenCreated(token=created.token, **_read(created.details).model_dump())


@router.delete("/{token_id}", response_model=ApiTokenRead)
def revoke_token(
    context: ContextDep, principal: ApiUser, token_id: int = Path(ge=1, le=2**31 - 1)
) -> ApiTokenRead:
    """Revoke one of your tokens; it stops working at once."""
    revoked = api_tokens.revoke_api_token(
        context.store.new_uow(), as_user=principal.user_id, token_id=token_id
    )
    return _read(revoked)

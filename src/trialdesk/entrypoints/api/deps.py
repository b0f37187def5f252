"""Request dependencies as ``Annotated`` aliases, so route signatures read like prose.

Authentication is one path for both faces: an ``Authorization: Bearer`` API token, or the session
cookie. A state-changing request that rides on the cookie must also prove it came from our own
page (CSRF): the API takes the token in the ``X-CSRF-Token`` header, forms in a hidden field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from trialdesk.domain.errors import AuthenticationError, PermissionDeniedError, TrialdeskError
from trialdesk.domain.protocol import Protocol
from trialdesk.entrypoints.api.context import AppContext
from trialdesk.entrypoints.api.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    csrf_matches,
    session_token_of,
)
from trialdesk.entrypoints.api.sign_in_steps import refuse_unless_reachable
from trialdesk.services.accounts import accounts
from trialdesk.services.accounts.identity import (
    UserContext,
    describe_session_holder,
    describe_token_holder,
)

__all__ = [
    "ApiUser",
    "CheckedForm",
    "ContextDep",
    "Principal",
    "ProtocolDep",
    "WebUser",
    "signed_in_principal",
]

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in user and, for cookie sessions, the session token (``None`` for a token)."""

    user: UserContext
    session_token: str | None

    @property
    def user_id(self) -> int:
        return self.user.user_id


# The two lookups below are ``async`` although they never wait: FastAPI runs a plain ``def``
# dependency in the thread pool, a hand-off that costs more than the lookup itself.
async def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.trialdesk
    return context


ContextDep = Annotated[AppContext, Depends(get_context)]


async def get_protocol(context: ContextDep) -> Protocol:
    return context.protocol


ProtocolDep = Annotated[Protocol, Depends(get_protocol)]


def _session_principal(request: Request, context: AppContext) -> Principal:
    token = session_token_of(request, context.settings)
    if token is None:
        raise AuthenticationError("not logged in")
    # Checked read-only; the idle timer is written only when the stored activity is stale, so
    # most page views and cookie API calls do not queue behind writers.
    user, touch_due = describe_session_holder(context.store.new_read_uow(), token=token)
    refuse_unless_reachable(user.pending_step, request.url.path)
    if touch_due:
        accounts.validate_session(context.store.new_uow(), token=token)
    return Principal(user, token)


def api_principal(request: Request, context: ContextDep) -> Principal:
    """The caller of an API operation, by bearer token or by session cookie plus CSRF header."""
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise AuthenticationError("use the header 'Authorization: Bearer <API token>'")
        holder = describe_token_holder(context.store.new_read_uow(), token=credentials.strip())
        return Principal(holder, None)
    principal = _session_principal(request, context)
    if request.method not in _SAFE_METHODS and not csrf_matches(
        principal.session_token or "", request.headers.get(CSRF_HEADER)
    ):
        raise PermissionDeniedError(f"missing or wrong CSRF token: send the {CSRF_HEADER} header")
    return principal


ApiUser = Annotated[Principal, Depends(api_principal)]


def web_principal(request: Request, context: ContextDep) -> Principal:
    """The signed-in user of a page (session cookie only)."""
    principal = _session_principal(request, context)
    # Kept for the error page, so a refusal is shown inside the signed-in user's own menu.
    request.state.principal = principal
    return principal


def signed_in_principal(request: Request) -> Principal | None:
    """The page's signed-in user, if any, for pages drawn outside a route (the error page)."""
    known = getattr(request.state, "principal", None)
    if isinstance(known, Principal):
        return known
    try:
        return _session_principal(request, request.app.state.trialdesk)
    except TrialdeskError:
        return None


WebUser = Annotated[Principal, Depends(web_principal)]


async def checked_form(request: Request, principal: WebUser) -> FormData:
    """The submitted form, once its CSRF token proves it came from this session's page."""
    form = await request.form()
    presented = form.get(CSRF_FIELD)
    if not isinstance(presented, str) or not csrf_matches(principal.session_token or "", presented):
        raise PermissionDeniedError("the form is out of date or forged (CSRF check failed)")
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]

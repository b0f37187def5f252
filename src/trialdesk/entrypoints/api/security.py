"""Session cookies and CSRF tokens.

The CSRF token is a synchronizer token tied to the session: an HMAC of a fixed label keyed by the
session's secret token. Only someone holding the session (which the HttpOnly cookie hides from
scripts and other sites) can compute it, it changes with every login, and it needs no storage.
The login form, which has no session yet, uses a random nonce in a cookie and a hidden field.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from trialdesk.entrypoints.api.context import WebSettings

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "clear_session_cookie",
    "csrf_matches",
    "csrf_token_for",
    "new_login_nonce",
    "set_session_cookie",
]

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def csrf_token_for(session_token: str) -> str:
    """The CSRF token of one session."""
    key = session_token.encode("utf-8")
    return hmac.new(key, b"trialdesk-csrf", hashlib.sha256).hexdigest()


def csrf_matches(session_token: str, presented: str | None) -> bool:
    """Whether ``presented`` is this session's CSRF token (compared in constant time)."""
    return presented is not None and hmac.compare_digest(csrf_token_for(session_token), presented)


def new_login_nonce() -> str:
    return secrets.token_urlsafe(24)


def set_session_cookie(response: Response, settings: WebSettings, token: str) -> None:
    # No max-age: the browser forgets it on close, and the server enforces idle and absolute
    # expiry whatever the browser keeps.
    response.set_cookie(
        settings.session_cookie,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def clear_session_cookie(response: Response, settings: WebSettings) -> None:
    response.delete_cookie(
        settings.session_cookie,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def session_token_of(request: Request, settings: WebSettings) -> str | None:
    return request.cookies.get(settings.session_cookie) or None

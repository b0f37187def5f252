"""Error translation at the edge: every failure becomes a JSON error body or a page, never a trace.

API paths (``/api/…``) answer ``{"error", "message", "errors": [{"field", "message"}]}`` with the
error family's HTTP status; pages show the message (forms re-render themselves with the message
next to the field), and a missing or expired login sends the browser to the login page.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from trialdesk.domain.errors import (
    AuthenticationError,
    FieldError,
    InputError,
    NotFoundError,
    SignInIncompleteError,
    TrialdeskError,
)
from trialdesk.entrypoints.api.schemas.errors import ErrorRead
from trialdesk.entrypoints.api.security import clear_session_cookie

__all__ = ["field_path", "install_error_handlers", "refusal_before_session"]

_log = logging.getLogger("trialdesk.web")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def field_path(location: Sequence[Any]) -> str:
    """``("body", "arms", 1, "dose")`` → ``arms[1].dose`` (the body itself is implied)."""
    parts = list(location[1:] if location and location[0] == "body" else location)
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def _json(error: TrialdeskError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, AuthenticationError) else None
    body = ErrorRead.of(error).model_dump()
    return JSONResponse(body, status_code=error.http_status, headers=headers)


def refusal_before_session(request: Request, error: TrialdeskError) -> Response:
    """The answer to a request refused before anything looked at its session (a body too large).

    The page has no signed-in menu: the refusal must not cost a database read.
    """
    if _is_api(request):
        return _json(error)
    from trialdesk.entrypoints.web.rendering import render

    return render(request, "error.html", {"error": error}, status_code=error.http_status)


def _page(request: Request, error: TrialdeskError) -> Response:
    # Imported here: the pages import the API's dependencies, not the other way round.
    from trialdesk.entrypoints.web.rendering import render

    if isinstance(error, AuthenticationError):
        context = request.app.state.trialdesk
        target = "/login?next=" + quote(request.url.path) + "&reason=" + quote(error.message)
        response = RedirectResponse(target, status_code=303)
        clear_session_cookie(response, context.settings)
        return response
    if isinstance(error, SignInIncompleteError):
        from trialdesk.entrypoints.api.sign_in_steps import STEP_PAGES

        return RedirectResponse(STEP_PAGES.get(error.step, "/login"), status_code=303)
    from trialdesk.entrypoints.api.deps import signed_in_principal

    return render(
        request, "error.html", {"error": error}, principal=signed_in_principal(request),
        status_code=error.http_status,
    )  # fmt: skip


async def _on_trialdesk_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, TrialdeskError)
    if error.http_status >= 500:
        _log.error("%s on %s: %s", type(error).__name__, request.url.path, error.message)
    return _json(error) if _is_api(request) else _page(request, error)


async def _on_validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = [
        FieldError(field_path(e.get("loc", ())), str(e.get("msg", ""))) for e in error.errors()
    ]
    translated = InputError(problems or [FieldError("body", "invalid request")])
    return await _on_trialdesk_error(request, translated)


async def _on_http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    translated: TrialdeskError
    if error.status_code == 404:
        translated = NotFoundError(f"no page or operation at {request.url.path}")
    elif error.status_code == 413:  # the body limit, raised while a route read the body
        translated = InputError.single("body", str(error.detail))
        translated.http_status = 413
        return await _on_trialdesk_error(request, translated)
    else:
        translated = TrialdeskError(str(error.detail))
        translated.http_status = error.status_code
    if _is_api(request):
        body = ErrorRead.of(translated).model_dump()
        if error.status_code != 404:
            body["error"] = "HTTPError"
        return JSONResponse(body, status_code=error.status_code, headers=error.headers)
    return await _on_trialdesk_error(request, translated)


async def _on_unexpected(request: Request, error: Exception) -> Response:
    _log.exception("internal error on %s", request.url.path, exc_info=error)
    body = {"error": "InternalError", "message": "internal error; see the server log", "errors": []}
    return JSONResponse(body, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(TrialdeskError, _on_trialdesk_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(HTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)

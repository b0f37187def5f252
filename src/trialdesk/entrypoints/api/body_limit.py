"""A limit on request bodies, enforced before anything parses or authenticates the request.

Without it an anonymous client could make the server read and parse a body of any size (a 50 MB
JSON document, a form of a million fields) before the 401 it was always going to get. This
middleware sits in front of the application: a body declared larger than the limit
(``Content-Length``) is refused at once, unread; a body sent without a length (chunked) is read
up to the limit and refused as soon as it goes past it. Either way the answer is a 413 naming
the limit, as JSON under ``/api/`` and as a page elsewhere, and the rest of the body is never
read (the server then closes the connection).

Every form and API body of trialdesk is small (the largest, a protocol form record, is a few
kilobytes), so one limit fits every route; no route accepts uploads.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trialdesk.domain.errors import InputError

__all__ = ["DEFAULT_MAX_BODY_BYTES", "BodyLimit", "describe_size"]

#: 1 MiB.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


def describe_size(size: int) -> str:
    """``1048576`` → ``1 MiB``; a size people read."""
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"


def _message(max_bytes: int) -> str:
    return f"the request body is larger than {describe_size(max_bytes)}; send less"


class _TooLarge(HTTPException):
    """Raised from ``receive`` once a body goes past the limit.

    An ``HTTPException``, because FastAPI passes one raised while it reads a body on to the
    error handlers unchanged (anything else it reports as a body it could not parse).
    """

    def __init__(self, max_bytes: int) -> None:
        super().__init__(status_code=413, detail=_message(max_bytes))


class BodyLimit:
    """ASGI middleware refusing request bodies over ``max_bytes`` with 413."""

    def __init__(self, app: ASGIApp, *, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            # Refused unread, before any route, dependency or session lookup runs.
            await self._refuse(scope, send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            # A chunked body, or one longer than it declared, is counted as it arrives.
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge(self.max_bytes)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except _TooLarge:
            # Only where no error handler turned it into an answer (a body read outside a route).
            if started:
                raise
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        # Imported here: the error translation imports the pages lazily, and so do we.
        from trialdesk.entrypoints.api.errors import refusal_before_session

        error = InputError.single("body", _message(self.max_bytes))
        error.http_status = 413
        response = refusal_before_session(Request(scope), error)
        await response(scope, _nothing_more, send)


async def _nothing_more() -> Message:
    return {"type": "http.disconnect"}

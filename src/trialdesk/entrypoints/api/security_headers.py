"""Response headers that keep patient data out of caches, frames and foreign scripts.

Every dynamic answer (pages and API alike) is ``Cache-Control: no-store``: a signed-in page must
not come back from the browser's history after logout, and nothing the API returns is meant to be
kept by a proxy. Static assets (``/static``, the API reference's bundles) carry no patient data
and may be cached.

The Content-Security-Policy allows scripts and styles from this server only: no inline script,
no inline style, no framing by another site. Two kinds of page need a little more, and get it on
their own paths only:

- a report (``/reports/{kind}``) shows a whole report document in a sandboxed frame; that
  document carries its own print styles inline, and a ``srcdoc`` frame inherits the page's
  policy, so inline styles are allowed there (scripts still are not, and the frame has none);
- the API reference (Swagger UI, ReDoc) adds its styles at run time, and ReDoc parses the
  document in a worker it creates from a ``blob:`` URL.

A request that reached us over HTTPS (directly, or through a proxy trusted with
``serve --forwarded-allow-ips``, whose ``X-Forwarded-Proto`` uvicorn turns into the request's
scheme) gets every cookie marked ``Secure``, whatever the handler that set it asked for: a
session cookie that once travelled over TLS must never be sent in the clear.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["API_REFERENCE_PATHS", "SecurityHeaders", "content_security_policy"]

#: The pages of the API reference; their assets are served under ``/static/api-reference``.
API_REFERENCE_PATHS = frozenset({"/api/v1/docs", "/api/v1/redoc"})

_STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
_REPORT_PAGE = re.compile(r"^/reports/[^/]+/?$")
_CACHEABLE_PREFIXES = ("/static/",)


def _policy(directives: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}" for name, value in directives.items())


_STRICT_POLICY = _policy(_STRICT)
_REPORT_POLICY = _policy({**_STRICT, "style-src": "'self' 'unsafe-inline'"})
_API_REFERENCE_POLICY = _policy(
    {**_STRICT, "style-src": "'self' 'unsafe-inline'", "worker-src": "'self' blob:"}
)


def content_security_policy(path: str) -> str:
    """The policy for one path: strict everywhere, relaxed only where a page cannot do without."""
    if path in API_REFERENCE_PATHS:
        return _API_REFERENCE_POLICY
    if _REPORT_PAGE.match(path):
        return _REPORT_POLICY
    return _STRICT_POLICY


def _secure_cookie(value: bytes) -> bytes:
    attributes = [part.strip().lower() for part in value.split(b";")[1:]]
    return value if b"secure" in attributes else value + b"; Secure"


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        extra = [
            (b"content-security-policy", content_security_policy(path).encode("latin-1")),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
            (b"x-content-type-options", b"nosniff"),
        ]
        if not path.startswith(_CACHEABLE_PREFIXES):
            extra.append((b"cache-control", b"no-store"))
        names = {name for name, _ in extra}
        over_tls = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Ours replace any a handler set (a download's own caching header included).
                kept = [
                    (k, _secure_cookie(v) if over_tls and k.lower() == b"set-cookie" else v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in names
                ]
                message = {**message, "headers": kept + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)

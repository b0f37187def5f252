"""Bounded keep-alive: a connection is closed after a number of requests, so load can move.

With several server processes (``serve --workers N``), the kernel places each new connection on
one process, and a client pool keeps its connections for as long as it runs: a 10/6 split of 16
connections over two processes stays 10/6, and the busier process caps the throughput. Asking the
client to reconnect after :data:`REQUESTS_PER_CONNECTION` requests (``Connection: close`` on the
last answer, what nginx's ``keepalive_requests`` does) places its connections afresh from time to
time, so the split evens out. Clients reconnect by themselves; browsers and HTTP libraries do.

A connection is known by the client's address and port (an ASGI scope has no connection id). A
port the client reuses for a later connection may inherit a count and close a little early,
which costs one reconnection.
"""

from __future__ import annotations

from collections import OrderedDict

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["REQUESTS_PER_CONNECTION", "BoundedKeepAlive"]

#: Requests answered on one connection before the server asks the client to open a new one.
REQUESTS_PER_CONNECTION = 100
# Connections tracked at most (the oldest are forgotten first).
_TRACKED = 10_000


class BoundedKeepAlive:
    """ASGI middleware closing each HTTP connection after ``limit`` requests."""

    def __init__(self, app: ASGIApp, limit: int = REQUESTS_PER_CONNECTION) -> None:
        self.app = app
        self.limit = limit
        self._counts: OrderedDict[tuple[str, int], int] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] != "http" or client is None:
            await self.app(scope, receive, send)
            return
        key = (str(client[0]), int(client[1]))
        served = self._counts.pop(key, 0) + 1
        last = served >= self.limit
        if not last:
            self._counts[key] = served
            if len(self._counts) > _TRACKED:
                self._counts.popitem(last=False)
        if not last:
            await self.app(scope, receive, send)
            return

        async def send_closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"
                ]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive, send_closing)

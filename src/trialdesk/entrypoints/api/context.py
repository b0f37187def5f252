"""What every request handler needs: the store, the protocol and the web settings."""

from __future__ import annotations

from dataclasses import dataclass

from trialdesk.bootstrap import Store
from trialdesk.domain.protocol import Protocol

__all__ = ["AppContext", "WebSettings"]


@dataclass(frozen=True, slots=True)
class WebSettings:
    """How the web face behaves; the defaults suit ``http://127.0.0.1`` on one machine."""

    #: Send the session cookie only over HTTPS (turn on behind a TLS-terminating proxy).
    secure_cookies: bool = False
    session_cookie: str = "trialdesk_session"
    login_cookie: str = "trialdesk_login"
    #: Worker threads per server process for everyday requests (see ``lanes``); ``None`` keeps
    #: the event loop's default pool (what in-process test clients get).
    request_threads: int | None = None
    #: Close a connection after this many requests, so connections move between server
    #: processes (see ``connection_reuse``); ``None`` keeps connections open.
    requests_per_connection: int | None = None


@dataclass(frozen=True, slots=True)
class AppContext:
    store: Store
    protocol: Protocol
    settings: WebSettings

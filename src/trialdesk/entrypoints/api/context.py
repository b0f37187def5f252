"""What every request handler needs: the store, the protocol and the web settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trialdesk.bootstrap import Store
from trialdesk.domain.protocol import Protocol
from trialdesk.entrypoints.api.body_limit import DEFAULT_MAX_BODY_BYTES
from trialdesk.services.review.audit_head_memo import AuditHeadMemo

__all__ = ["AppContext", "WebSettings"]


@dataclass(frozen=True, slots=True)
class WebSettings:
    """How the web face behaves; the defaults suit ``http://127.0.0.1`` on one machine."""

    #: Mark cookies ``Secure`` on every answer (``serve --secure-cookies``). Without it they are
    #: marked on answers to requests that came over HTTPS, directly or through a trusted proxy.
    secure_cookies: bool = False
    session_cookie: str = "trialdesk_session"
    login_cookie: str = "trialdesk_login"
    #: Worker threads per server process for everyday requests (see ``lanes``); ``None`` keeps
    #: the event loop's default pool (what in-process test clients get).
    request_threads: int | None = None
    #: Close a connection after this many requests, so connections move between server
    #: processes (see ``connection_reuse``); ``None`` keeps connections open.
    requests_per_connection: int | None = None
    #: Request bodies larger than this are refused with 413 before anything reads them.
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES


@dataclass(frozen=True, slots=True)
class AppContext:
    store: Store
    protocol: Protocol
    settings: WebSettings
    #: Read models this application remembers until its trial's audit trail moves on, by name
    #: (see :mod:`trialdesk.services.review.audit_head_memo`); one set per store, never shared.
    memos: dict[str, AuditHeadMemo[Any]] = field(default_factory=dict)

    def memo(self, name: str) -> AuditHeadMemo[Any]:
        """The named memo of this application, made on first use."""
        return self.memos.setdefault(name, AuditHeadMemo())

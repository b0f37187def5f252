"""The worker threads requests run in: a few for everyday requests, a separate lane for slow ones.

Route handlers are synchronous (SQLAlchemy) and FastAPI runs them in anyio's worker threads, 40 of
them by default. CPython runs Python code in one thread at a time, and every database call hands
that turn over: with 16 requests in flight across 16 threads, a server process spent close to
twice the CPU per request on handing over than with one or two threads, and answered half as
many requests. So a server process keeps only a few threads for requests
(``trialdesk serve --threads``, default
:data:`trialdesk.config.DEFAULT_REQUEST_THREADS`); more processes
(``--workers``) are how to use more cores.

With few threads, one slow request would hold up everybody's page views, so the slow operations
— a login (password hashing is deliberately expensive) and a report (an analysis of the whole
trial) — run in a lane of their own, :func:`run_slow`, with its own :data:`SLOW_THREADS`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import FastAPI, Request

__all__ = ["SLOW_THREADS", "run_slow", "use_request_threads"]

T = TypeVar("T")

#: Worker threads per server process for logins and reports.
SLOW_THREADS = 2


def use_request_threads(threads: int) -> None:
    """Size the thread pool of the running event loop (call it at application start-up)."""
    if threads < 1:
        raise ValueError("a server needs at least one request thread")
    anyio.to_thread.current_default_thread_limiter().total_tokens = threads


def _slow_lane(app: FastAPI) -> CapacityLimiter:
    # Created on first use, inside the event loop that will wait on it (one per process).
    limiter: CapacityLimiter | None = getattr(app.state, "slow_lane", None)
    if limiter is None:
        limiter = CapacityLimiter(SLOW_THREADS)
        app.state.slow_lane = limiter
    return limiter


async def run_slow(request: Request, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``work(*args, **kwargs)`` in the slow lane's threads and wait for its result."""
    limiter = _slow_lane(request.app)
    return await anyio.to_thread.run_sync(partial(work, *args, **kwargs), limiter=limiter)

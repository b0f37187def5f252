"""The application factory: one FastAPI app serving the JSON API and the pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from trialdesk import __version__
from trialdesk.bootstrap import Store
from trialdesk.domain.protocol import Protocol
from trialdesk.entrypoints.api.api_reference import install_api_reference
from trialdesk.entrypoints.api.body_limit import BodyLimit
from trialdesk.entrypoints.api.connection_reuse import BoundedKeepAlive
from trialdesk.entrypoints.api.context import AppContext, WebSettings
from trialdesk.entrypoints.api.errors import install_error_handlers
from trialdesk.entrypoints.api.lanes import use_request_threads
from trialdesk.entrypoints.api.routes import API_PREFIX, api_routers
from trialdesk.entrypoints.api.security_headers import SecurityHeaders
from trialdesk.entrypoints.web.rendering import STATIC_DIR
from trialdesk.entrypoints.web.views import page_routers
from trialdesk.services.trial.trial_settings import is_demo_database

__all__ = ["WebSettings", "create_app"]


def _operation_id(route: APIRoute) -> str:
    # "<tag>-<function name>": stable across releases, so generated clients keep their names.
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(store: Store, protocol: Protocol, settings: WebSettings | None = None) -> FastAPI:
    """The web application over one database and one protocol."""
    settings = settings or WebSettings()
    threads = settings.request_threads

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if threads is not None:
            use_request_threads(threads)
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="trialdesk",
        version=__version__,
        summary=f"{protocol.identification.nct_id}: {protocol.identification.title}",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served with local assets below (install_api_reference)
        redoc_url=None,
        generate_unique_id_function=_operation_id,
    )
    app.state.trialdesk = AppContext(store=store, protocol=protocol, settings=settings)
    # Read once: a demo database stays a demo; every page shows the marker (base.html).
    app.state.demo_database = is_demo_database(store.new_read_uow())
    if settings.requests_per_connection is not None:
        app.add_middleware(BoundedKeepAlive, limit=settings.requests_per_connection)
    # Added last, so they run first: an oversized body is refused before anything else looks at
    # the request, and every answer, refusals included, carries the security headers.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    install_error_handlers(app)
    for router in api_routers():
        app.include_router(router, prefix=API_PREFIX)
    for router in page_routers():
        app.include_router(router, include_in_schema=False)
    install_api_reference(app, docs_url=f"{API_PREFIX}/docs", redoc_url=f"{API_PREFIX}/redoc")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app

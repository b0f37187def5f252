"""``trialdesk serve``: upgrade the database schema, then serve the web application.

uvicorn picks its fastest installed HTTP parser and event loop (httptools and uvloop come with
``uvicorn[standard]``). With ``--workers N`` it runs N server processes on one port
(:mod:`.server_processes`); each builds its own app through :func:`worker_app` from the settings
this command exports to them.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from trialdesk.config_defaults import DEFAULT_REQUEST_THREADS
from trialdesk.entrypoints.cli.db import DbOption
from trialdesk.entrypoints.cli.output import console
from trialdesk.entrypoints.cli.protocol import ProtocolFileOption

if TYPE_CHECKING:
    from fastapi import FastAPI

    from trialdesk.entrypoints.api import WebSettings

__all__ = ["serve", "worker_app", "worker_settings"]


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")
    ] = 8000,
    protocol_file: ProtocolFileOption = None,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="On an empty database, create demo sites and an administrator whose one-time "
            "password is printed once.",
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            help="Server processes on the port, each with a listening socket of its own; about "
            "one per core (SQLite and PostgreSQL alike).",
        ),
    ] = 1,
    threads: Annotated[
        int,
        typer.Option(
            "--threads",
            min=1,
            help="Worker threads per server process for everyday requests; logins and reports "
            "have their own. Few threads use the CPU best; add --workers for more cores.",
        ),
    ] = DEFAULT_REQUEST_THREADS,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log one line per request.")
    ] = True,
    secure_cookies: Annotated[
        bool | None,
        typer.Option(
            "--secure-cookies/--no-secure-cookies",
            help="Mark every cookie Secure (the server is reached over HTTPS only). Default: "
            "the TRIALDESK_SECURE_COOKIES setting; requests that came over HTTPS get Secure "
            "cookies anyway.",
            show_default=False,
        ),
    ] = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            help="Trusted proxies (comma-separated addresses or networks, '*' for any) whose "
            "X-Forwarded-Proto/-For headers are believed, so a request that reached the proxy "
            "over HTTPS counts as HTTPS. Default: the TRIALDESK_FORWARDED_ALLOW_IPS setting, "
            "127.0.0.1.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the web application and the API (upgrades the schema first)."""
    import uvicorn

    from trialdesk.adapters.db.maintenance import upgrade_database
    from trialdesk.bootstrap import build_store, database_url, load_protocol
    from trialdesk.config import get_settings
    from trialdesk.entrypoints.api import WebSettings, create_app
    from trialdesk.entrypoints.cli.server_processes import (
        reuse_port_supported,
        run_server_processes,
    )
    from trialdesk.services.trial.first_run import initialise_demo

    settings = get_settings()
    secure = settings.secure_cookies if secure_cookies is None else secure_cookies
    proxies = settings.forwarded_allow_ips if forwarded_allow_ips is None else forwarded_allow_ips
    url = database_url(db)
    protocol = load_protocol(protocol_file)
    revision = upgrade_database(url)
    console.print(f"database schema at revision {revision}")
    store = build_store(url)
    if demo:
        first = initialise_demo(store.new_uow)
        if first is not None:
            console.print(f"created demo sites: {', '.join(first.sites)}")
            console.print(
                f"administrator [bold]{first.username}[/], one-time password: "
                f"[bold]{first.password}[/] (shown only now; keep it safe)"
            )
    _schedule_checkpoints(url)
    console.print(f"serving {protocol.identification.nct_id} at http://{host}:{port}/")
    if workers == 1:
        try:
            web = WebSettings(request_threads=threads, secure_cookies=secure)
            uvicorn.run(
                create_app(store, protocol, web), host=host, port=port, log_level="info",
                access_log=access_log, proxy_headers=True, forwarded_allow_ips=proxies,
            )  # fmt: skip
        finally:
            store.close()
        return
    store.close()
    # Worker processes start afresh and read their database and protocol from the settings.
    os.environ["TRIALDESK_DATABASE_URL"] = url
    os.environ["TRIALDESK_REQUEST_THREADS"] = str(threads)
    os.environ["TRIALDESK_SECURE_COOKIES"] = "true" if secure else "false"
    os.environ["TRIALDESK_FORWARDED_ALLOW_IPS"] = proxies
    if protocol_file is not None:
        os.environ["TRIALDESK_PROTOCOL_FILE"] = str(protocol_file.resolve())
    else:  # the built-in protocol, as this process loaded, whatever the environment says
        os.environ.pop("TRIALDESK_PROTOCOL_FILE", None)
    if reuse_port_supported():
        run_server_processes(workers, host, port, access_log=access_log)
        return
    uvicorn.run(  # one shared socket where the platform cannot give each process its own
        f"{__name__}:worker_app", factory=True, host=host, port=port, workers=workers,
        log_level="info", access_log=access_log, proxy_headers=True, forwarded_allow_ips=proxies,
    )  # fmt: skip


def _schedule_checkpoints(url: str) -> None:
    """Write a signed audit checkpoint now and every TRIALDESK_CHECKPOINT_MINUTES (daemon thread).

    Runs in this (parent) process only, so ``--workers N`` still writes one series.
    """
    from trialdesk.adapters.audit_checkpoints import (
        DirectoryCheckpointStore,
        start_checkpoint_schedule,
    )
    from trialdesk.bootstrap import build_store, checkpoint_dir
    from trialdesk.config import get_settings
    from trialdesk.services.review.audit_checkpoints import take_checkpoint

    directory, minutes = checkpoint_dir(), get_settings().checkpoint_minutes
    store = build_store(url)
    key = store.audit_key
    if directory is None or key is None or minutes == 0:
        store.close()
        console.print(
            "audit checkpoints: off (set TRIALDESK_AUDIT_KEY and TRIALDESK_CHECKPOINT_DIR)"
        )
        return
    files = DirectoryCheckpointStore(directory)
    start_checkpoint_schedule(
        minutes, lambda: take_checkpoint(store.new_read_uow(), key=key, store=files)
    )
    console.print(f"audit checkpoints: every {minutes:g} minutes to {directory}")


def worker_app() -> FastAPI:
    """The application of one server process started by ``serve --workers N``."""
    from trialdesk.bootstrap import build_store, load_protocol
    from trialdesk.config import get_settings
    from trialdesk.entrypoints.api import create_app

    settings = get_settings()
    return create_app(
        build_store(settings.database_url), load_protocol(settings.protocol_file),
        worker_settings(),
    )  # fmt: skip


def worker_settings() -> WebSettings:
    """The web settings of a server process started by ``serve --workers N``."""
    from trialdesk.config import get_settings
    from trialdesk.entrypoints.api import WebSettings
    from trialdesk.entrypoints.api.connection_reuse import REQUESTS_PER_CONNECTION

    # Several processes share the clients: connections are renewed now and then so that the
    # kernel can place them afresh (a lasting lopsided split would cap the throughput).
    settings = get_settings()
    return WebSettings(
        request_threads=settings.request_threads,
        requests_per_connection=REQUESTS_PER_CONNECTION,
        secure_cookies=settings.secure_cookies,
    )

"""``trialdesk serve``: upgrade the database schema, then serve the web application."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from trialdesk.adapters.db.maintenance import upgrade_database
from trialdesk.bootstrap import build_store, database_url, load_protocol
from trialdesk.entrypoints.api import create_app
from trialdesk.entrypoints.cli.db import DbOption
from trialdesk.entrypoints.cli.output import console
from trialdesk.entrypoints.cli.protocol import ProtocolFileOption
from trialdesk.services.first_run import initialise_demo

__all__ = ["serve"]


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
) -> None:
    """Serve the web application and the API (upgrades the schema first)."""
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
    console.print(f"serving {protocol.identification.nct_id} at http://{host}:{port}/")
    try:
        uvicorn.run(create_app(store, protocol), host=host, port=port, log_level="info")
    finally:
        store.close()

"""``trialdesk site``: register and list trial sites."""

from __future__ import annotations

from typing import Annotated

import typer

from trialdesk.bootstrap import build_store
from trialdesk.entrypoints.cli import output
from trialdesk.entrypoints.cli.db import DbOption
from trialdesk.entrypoints.cli.output import JsonOption
from trialdesk.services import accounts

app = output.new_app("site", "Register and list trial sites.")


@app.command("add")
def add_command(
    code: Annotated[str, typer.Option("--code", help="Short site code, e.g. BJ01.")],
    name: Annotated[str, typer.Option("--name", help="Site name.")],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Register a site (audited)."""
    with build_store(db) as store:
        site = accounts.create_site(store.new_uow(), code=code, name=name, as_user=None)
    output.emit(site, as_json=json, render=lambda s: output.console.print(f"site {s.code} added"))


@app.command("list")
def list_command(db: DbOption = None, json: JsonOption = False) -> None:
    """List the sites."""
    with build_store(db) as store:
        sites = accounts.list_sites(store.new_uow())

    def render(items: list[accounts.SiteRead]) -> None:
        for site in items:
            output.console.print(f"{site.code}\t{site.name}", highlight=False)

    output.emit(sites, as_json=json, render=render)

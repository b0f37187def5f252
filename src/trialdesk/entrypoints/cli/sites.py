"""``trialdesk site``: register and list trial sites and set the time zone each one reads in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from trialdesk.entrypoints.cli import output
from trialdesk.entrypoints.cli.db import DbOption
from trialdesk.entrypoints.cli.output import JsonOption

if TYPE_CHECKING:
    from trialdesk.services.accounts import accounts

app = output.new_app("site", "Register and list trial sites; set a site's time zone.")


@app.command("add")
def add_command(
    code: Annotated[str, typer.Option("--code", help="Short site code, e.g. BJ01.")],
    name: Annotated[str, typer.Option("--name", help="Site name.")],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Register a site (audited)."""
    from trialdesk.bootstrap import build_store
    from trialdesk.services.accounts import accounts

    with build_store(db) as store:
        site = accounts.create_site(store.new_uow(), code=code, name=name, as_user=None)
    output.emit(site, as_json=json, render=lambda s: output.console.print(f"site {s.code} added"))


@app.command("list")
def list_command(db: DbOption = None, json: JsonOption = False) -> None:
    """List the sites."""
    from trialdesk.bootstrap import build_store
    from trialdesk.services.accounts import accounts

    with build_store(db) as store:
        sites = accounts.list_sites(store.new_uow())

    def render(items: list[accounts.SiteRead]) -> None:
        for site in items:
            zone = site.time_zone or "(protocol default)"
            output.console.print(f"{site.code}\t{site.name}\t{zone}", highlight=False)

    output.emit(sites, as_json=json, render=render)


@app.command("time-zone")
def time_zone_command(
    code: Annotated[str, typer.Option("--code", help="Site code, e.g. BJ01.")],
    zone: Annotated[
        str,
        typer.Option(
            "--zone",
            help="IANA time zone, e.g. Asia/Shanghai; 'default' follows the protocol's zone.",
        ),
    ],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Set the time zone the site's times are shown in (stored times stay UTC; audited)."""
    from trialdesk.bootstrap import build_store
    from trialdesk.services.accounts import site_zones

    wanted = None if zone.strip().lower() == "default" else zone
    with build_store(db) as store:
        stored = site_zones.set_site_time_zone(
            store.new_uow(), code=code, zone=wanted, as_user=None
        )
    result = {"code": code, "time_zone": stored}
    output.emit(
        result,
        as_json=json,
        render=lambda r: output.console.print(
            f"site {r['code']}: time zone {r['time_zone'] or 'protocol default'}", highlight=False
        ),
    )

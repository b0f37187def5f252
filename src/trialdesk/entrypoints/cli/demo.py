"""``trialdesk demo``: fill an empty database with a simulated trial in progress, marked DEMO."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from trialdesk.entrypoints.cli.db import DbOption
from trialdesk.entrypoints.cli.output import JsonOption, console, emit
from trialdesk.entrypoints.cli.protocol import ProtocolFileOption

__all__ = ["demo"]


def _render(document: dict[str, object]) -> None:
    from rich.table import Table

    trial = document["trial"]
    assert isinstance(trial, dict)
    console.print(
        f"[bold]DEMO[/] trial built: {trial['first_screening']} to {trial['end']} "
        f"(simulated patients, not real data)"
    )
    for key, value in trial.items():
        if key not in ("first_screening", "end"):
            console.print(f"  {key}: {value}")
    table = Table(title="DEMO accounts: one-time passwords, shown only now")
    for column in ("username", "role", "site", "password"):
        table.add_column(column)
    accounts = document["accounts"]
    assert isinstance(accounts, list)
    for account in accounts:
        table.add_row(account["username"], account["role"], account["site"] or "—",
                      account["password"])  # fmt: skip
    console.print(table)


def demo(
    db: DbOption = None,
    subjects: Annotated[
        int, typer.Option("--subjects", min=1, max=2000, help="Patients to randomize.")
    ] = 130,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Same seed, same trial (subjects, arms, data).")
    ] = 20210201,
    protocol_file: ProtocolFileOption = None,
    json: JsonOption = False,
) -> None:
    """Build a DEMO trial on an empty database: staff, a list and simulated patients."""
    from trialdesk.adapters.db.maintenance import upgrade_database
    from trialdesk.adapters.scenario_file import builtin_scenario_path, read_scenario_file
    from trialdesk.bootstrap import build_store, database_url, load_protocol
    from trialdesk.services.trial.demo_trial import (
        DemoTrial,
        SimulatedClock,
        build_demo_trial,
        summarize_trial,
    )

    url = database_url(db)
    protocol = load_protocol(protocol_file)
    scenario = read_scenario_file(builtin_scenario_path())
    upgrade_database(url)
    now = dt.datetime.now(dt.UTC)
    clock = SimulatedClock(now)
    with build_store(url, clock=clock) as store:
        built: DemoTrial = build_demo_trial(
            store, clock, protocol=protocol, scenario=scenario, subjects=subjects, seed=seed,
            end=now,
        )  # fmt: skip
        counts = summarize_trial(store.new_read_uow())
    document = {
        "database": url,
        "demo": True,
        "seed": seed,
        "trial": {
            "first_screening": built.first_screening.isoformat(),
            "end": built.end.isoformat(timespec="seconds"),
            "sites": list(built.sites),
            "screened": built.screened,
            **counts,
        },
        "accounts": [
            {"username": a.username, "role": a.role, "site": a.site, "password": a.password}
            for a in built.accounts
        ],
    }
    emit(document, as_json=json, render=_render)

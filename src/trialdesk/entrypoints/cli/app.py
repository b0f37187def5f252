"""The ``trialdesk`` command: one Typer application with a sub-application per command group.

Each command group lives in its own module (built with :func:`output.new_app`) and is registered
below. Command functions stay thin: parse, call the domain or a service, print. Errors raised as
:class:`TrialdeskError` become a message on stderr and the error's exit code; anything else is a
bug, reported in one line unless ``TRIALDESK_DEBUG=1`` asks for the traceback.

Every command module is imported (Typer builds the whole tree to parse any command line), so a
module imports at its top only what its option signatures need: typer, rich and light domain
enums. Libraries that take long to load (numpy, pandas, SQLAlchemy, the web app, the report
builder, Dask) are imported inside the command function that uses them, and
``tests/e2e/test_cli_startup.py`` keeps them out of ``--help``.
"""

from __future__ import annotations

import os
import sys

import typer

from trialdesk.entrypoints.cli import (
    analysis,
    audit,
    calendar,
    db,
    demo,
    eligibility,
    gvhd,
    gvhd_chronic,
    protocol,
    randomization,
    randomization_lists,
    serve,
    sites,
    stats,
    trial_simulation,
    users,
)
from trialdesk.entrypoints.cli.output import TrialdeskGroup

app = typer.Typer(
    name="trialdesk",
    help="Run the NCT04738981 trial (or any trial described by a protocol file) end to end.",
    cls=TrialdeskGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version_callback(value: bool) -> None:
    if value:
        from trialdesk import __version__

        typer.echo(f"trialdesk {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Show the version."
    ),
) -> None:
    """trialdesk: the protocol is executable."""


# Command groups register here, one line each:
# app.add_typer(<module>.app)
app.add_typer(protocol.app)
app.command("calendar")(calendar.calendar)
app.command("eligibility")(eligibility.eligibility)
app.add_typer(gvhd.app)
gvhd_chronic.register(gvhd.app)
app.add_typer(db.app)
app.add_typer(audit.app)
app.add_typer(sites.app)
app.add_typer(users.app)
app.add_typer(randomization.app)
randomization_lists.register(randomization.app)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.add_typer(stats.app)
app.command("simulate")(trial_simulation.simulate)
app.command("samplesize")(trial_simulation.samplesize)
app.add_typer(analysis.export_app)
app.add_typer(analysis.report_app)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except Exception as error:  # a bug, not a user error: say so in one line
        if os.environ.get("TRIALDESK_DEBUG") == "1":
            raise
        sys.stderr.write(
            f"internal error: {type(error).__name__}: {error}\n"
            "This is a bug in trialdesk; run again with TRIALDESK_DEBUG=1 for details.\n"
        )
        sys.exit(70)

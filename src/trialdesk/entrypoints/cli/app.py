"""The ``trialdesk`` command: one Typer application with a sub-application per command group.

Each command group lives in its own module (built with :func:`output.new_app`) and is listed in
``_SUBCOMMANDS`` below. Command functions stay thin: parse, call the domain or a service, print.
Errors raised as :class:`TrialdeskError` become a message on stderr and the error's exit code;
anything else is a bug, reported in one line unless ``TRIALDESK_DEBUG=1`` asks for the traceback.

The command starts fast. A sub-command's module is imported, and its click command built, only
when that sub-command is looked up: ``trialdesk gvhd stage`` loads the ``gvhd`` group alone; the
root ``--help`` imports every module for the line of help it lists but builds none of them. A
command module therefore imports at its top only what its option signatures need (typer and light
domain enums); libraries that take long to load (numpy, pandas, SQLAlchemy, the web app, the
report builder, Dask, even rich's tables) are imported inside the function that uses them.
``tests/e2e/test_cli_startup.py`` keeps them out of the start.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from collections.abc import Iterator, MutableMapping
from typing import Any

import typer
import typer.main
from typer import _click as _typer_click
from typer.core import TyperCommand

from trialdesk.entrypoints.cli.output import TrialdeskGroup

#: Sub-commands in the order ``--help`` lists them: name -> (module, attribute), where the
#: attribute is a command group (a Typer application) or a single command function.
_SUBCOMMANDS = {
    "calendar": ("calendar", "calendar"),
    "eligibility": ("eligibility", "eligibility"),
    "serve": ("serve", "serve"),
    "demo": ("demo", "demo"),
    "simulate": ("trial_simulation", "simulate"),
    "samplesize": ("trial_simulation", "samplesize"),
    "protocol": ("protocol", "app"),
    "gvhd": ("gvhd", "app"),
    "db": ("db", "app"),
    "audit": ("audit", "app"),
    "site": ("sites", "app"),
    "user": ("users", "app"),
    "token": ("tokens", "app"),
    "randomization": ("randomization", "app"),
    "stats": ("stats", "app"),
    "export": ("analysis", "export_app"),
    "report": ("analysis", "report_app"),
}


def _target(name: str) -> Any:
    module, attribute = _SUBCOMMANDS[name]
    return getattr(importlib.import_module(f"{__package__}.{module}"), attribute)


def _build(name: str) -> _typer_click.Command:
    target = _target(name)
    if isinstance(target, typer.Typer):
        return typer.main.get_group(target)
    single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    single.command(name)(target)
    return typer.main.get_command(single)


def _summary(name: str) -> _typer_click.Command:
    """What the root ``--help`` lists for a sub-command, without building its options."""
    target = _target(name)
    text = target.info.help if isinstance(target, typer.Typer) else inspect.getdoc(target)
    return TyperCommand(name, help=text)


class _SubcommandTable(MutableMapping[str, _typer_click.Command]):
    """The root group's sub-commands, each built on first look-up (see the module docstring)."""

    def __init__(self) -> None:
        self._built: dict[str, _typer_click.Command] = {}
        self._names = list(_SUBCOMMANDS)
        #: True while the root's help lists the sub-commands: a name and a line of help will do.
        self.listing = False

    def __getitem__(self, name: str) -> _typer_click.Command:
        if name not in self._built:
            if name not in _SUBCOMMANDS:
                raise KeyError(name)
            if self.listing:
                return _summary(name)
            self._built[name] = _build(name)
        return self._built[name]

    def __setitem__(self, name: str, command: _typer_click.Command) -> None:
        if name not in self._names:
            self._names.append(name)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        self._names.remove(name)
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


class _RootGroup(TrialdeskGroup):
    """The ``trialdesk`` group: sub-commands from :class:`_SubcommandTable`."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._table = _SubcommandTable()
        for name, command in self.commands.items():  # any registered on ``app`` itself: eager
            self._table[name] = command
        self.commands = self._table

    def format_help(self, ctx: _typer_click.Context, formatter: _typer_click.HelpFormatter) -> None:
        self._table.listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._table.listing = False


app = typer.Typer(
    name="trialdesk",
    help="Run the NCT04738981 trial (or any trial described by a protocol file) end to end.",
    cls=_RootGroup,
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

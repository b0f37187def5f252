"""Shared output conventions of the command line.

``--json`` prints exactly one JSON document on stdout; human output goes through rich; errors go
to stderr as one readable message (or one JSON document with ``--json``) and a non-zero exit code.
A usage error found while parsing the command line (a missing option, a value of the wrong type,
an unknown option) is, under ``--json``, the same JSON document as an :class:`InputError` naming
the option, with the usage exit code 2.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import math
import sys
from collections.abc import Callable, Mapping
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from typer import _click as _typer_click  # the Context type TyperGroup.invoke declares
from typer._click.exceptions import (  # typer's own copy of click raises these
    BadOptionUsage,
    BadParameter,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)
from typer.core import TyperGroup

from trialdesk.domain.errors import InputError, TrialdeskError

__all__ = ["JsonOption", "TrialdeskGroup", "console", "emit", "fail", "new_app", "to_jsonable"]

_JSON_KEY = "trialdesk.json"


def _remember_json(ctx: typer.Context, value: bool) -> bool:
    # ctx.meta is shared by every nested context, so the group that catches an error can see
    # whether the failing command was asked for JSON.
    ctx.meta[_JSON_KEY] = value
    return value


#: The ``--json`` option every computing command takes.
JsonOption = Annotated[
    bool,
    typer.Option(
        "--json", help="Print exactly one JSON document on stdout.", callback=_remember_json
    ),
]

console = Console()
_err_console = Console(stderr=True)


def to_jsonable(value: Any) -> Any:
    """Convert dataclasses, enums, dates, numpy scalars and mappings into plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "tolist"):  # numpy scalars and arrays, without importing numpy here
        return to_jsonable(value.tolist())
    if isinstance(value, float) and math.isnan(value):
        return None  # JSON has no NaN: "not defined" is null
    if isinstance(value, float) and math.isinf(value):
        # An infinite odds ratio is an answer, not a missing one: JSON has no infinity, so it
        # is written as the string R's and JavaScript's readers know.
        return "Infinity" if value > 0 else "-Infinity"
    return value


def emit(data: Any, *, as_json: bool, render: Callable[[Any], None] | None = None) -> None:
    """Print one result: a single JSON document, or the human rendering."""
    if as_json or render is None:
        sys.stdout.write(json.dumps(to_jsonable(data), indent=2, ensure_ascii=False) + "\n")
    else:
        render(data)


def fail(error: TrialdeskError, *, as_json: bool = False) -> NoReturn:
    """Report a user error on stderr and exit with the error family's exit code."""
    if as_json:
        sys.stderr.write(json.dumps(error.to_dict(), ensure_ascii=False) + "\n")
    else:
        _err_console.print(f"[bold red]error:[/] {error.message}", highlight=False, markup=True)
    raise typer.Exit(code=error.exit_code)


def _asks_for_json(args: list[str]) -> bool:
    # Parsing may stop before the --json callback runs (a missing option is found first), so the
    # group looks at the words themselves; anything after "--" is an argument, not an option.
    options = args[: args.index("--")] if "--" in args else args
    return "--json" in options


def _usage_field(error: UsageError) -> str:
    """The option or argument a usage error is about, as the user would type it."""
    if isinstance(error, BadParameter) and error.param is not None:
        opts = getattr(error.param, "opts", None)
        if error.param.param_type_name == "option" and opts:
            return str(opts[0])
        return str(getattr(error.param, "display_name_raw", error.param.name))
    if isinstance(error, NoSuchOption | BadOptionUsage):
        return error.option_name
    if error.message.startswith(("No such command", "Missing command")):
        return "command"
    return "arguments"


def _usage_message(error: UsageError) -> str:
    if isinstance(error, MissingParameter):
        return "is required"
    if isinstance(error, BadParameter) and error.param is not None:
        return error.message.removeprefix("Value error, ")  # the type check's own wording
    if isinstance(error, NoSuchOption):
        known = sorted(error.possibilities or ())
        return "no such option" + (f"; did you mean {' or '.join(known)}?" if known else "")
    return error.format_message()


def _as_input_error(error: UsageError) -> InputError:
    """The :class:`InputError` a command-line usage error stands for (field and message)."""
    return InputError.single(_usage_field(error), _usage_message(error))


class TrialdeskGroup(TyperGroup):
    """Command group that turns a :class:`TrialdeskError` into a message and an exit code, and a
    usage error under ``--json`` into the same JSON document an :class:`InputError` gives."""

    def parse_args(self, ctx: _typer_click.Context, args: list[str]) -> list[str]:
        if _asks_for_json(args):
            ctx.meta[_JSON_KEY] = True
        try:
            return super().parse_args(ctx, args)
        except UsageError as error:
            self._usage_error(ctx, error)

    def invoke(self, ctx: _typer_click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TrialdeskError as error:
            fail(error, as_json=bool(ctx.meta.get(_JSON_KEY, False)))
        except UsageError as error:  # from parsing a sub-command's own options
            self._usage_error(ctx, error)

    @staticmethod
    def _usage_error(ctx: _typer_click.Context, error: UsageError) -> NoReturn:
        if isinstance(error, NoArgsIsHelpError) or not ctx.meta.get(_JSON_KEY, False):
            raise error  # click shows the usage and the message itself
        fail(_as_input_error(error), as_json=True)


def new_app(name: str, help_text: str) -> typer.Typer:
    """A command group with trialdesk's conventions (no pretty tracebacks, error translation)."""
    return typer.Typer(
        name=name,
        help=help_text,
        cls=TrialdeskGroup,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )

"""``trialdesk randomization generate|verify|export|balance``: the statistician's list commands.

These commands act for a named person, never for an anonymous database operator: each one logs
in with ``--user`` and the password read from standard input (``--password-stdin``), so the
permission check, the login and the action itself all land in the audit trail under that name,
and a site account cannot read a list from the command line any more than from the web.
"""

from __future__ import annotations

import csv
import enum
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from trialdesk.domain.errors import AuthenticationError, InputError
from trialdesk.domain.spreadsheet_cells import inert_row
from trialdesk.entrypoints.cli.db import DbOption
from trialdesk.entrypoints.cli.output import JsonOption, console, emit, to_jsonable
from trialdesk.entrypoints.cli.protocol import ProtocolFileOption

if TYPE_CHECKING:
    from trialdesk.bootstrap import Store
    from trialdesk.services.randomization.randomization_lists import ListRead
    from trialdesk.services.randomization.randomization_reports import BalanceReport

__all__ = ["register"]

UserOption = Annotated[str, typer.Option("--user", help="Your username.")]
PasswordStdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read your password from standard input.")
]
TestListOption = Annotated[
    bool,
    typer.Option("--test/--production", help="Use the test list instead of the production list."),
]


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    JSON = "json"


@contextmanager
def _signed_in(db: str | None, user: str, password_stdin: bool) -> Iterator[tuple[Store, int]]:
    """Open the store and a session for ``user``; the session ends when the command does."""
    if not password_stdin:
        raise InputError.single("--password-stdin", "pass it and pipe your password in")
    from trialdesk.bootstrap import build_store
    from trialdesk.services.accounts import accounts

    password = sys.stdin.readline().rstrip("\r\n")
    with build_store(db) as store:
        session = accounts.login(store.new_uow(), username=user, password=password)
        if session.pending_step is not None:
            # The command line cannot ask for a code or a new password: the pages do that.
            accounts.logout(store.new_uow(), token=session.token)
            raise AuthenticationError(
                f"sign in on the pages first ({session.pending_step.replace('_', ' ')} is due), "
                "then run this command again"
            )
        try:
            yield store, session.user_id
        finally:
            accounts.logout(store.new_uow(), token=session.token)


def _kind(test: bool) -> str:
    from trialdesk.services.randomization.randomization_lists import ListKind

    return ListKind.TEST if test else ListKind.PRODUCTION


def generate(
    user: UserOption,
    password_stdin: PasswordStdinOption = False,
    test: TestListOption = False,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Secret seed (default: 128 fresh bits; never displayed)."),
    ] = None,
    per_stratum: Annotated[
        int, typer.Option("--per-stratum", help="Subjects covered per stratum ahead of time.")
    ] = 40,
    list_code: Annotated[
        str | None, typer.Option("--list-code", help="Name of the list (default: <NCT>-<kind>).")
    ] = None,
    protocol: ProtocolFileOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Generate and store the production or test list (statistician only; audited)."""
    from trialdesk.bootstrap import load_protocol
    from trialdesk.services.randomization.randomization_lists import generate_list

    trial = load_protocol(protocol)
    with _signed_in(db, user, password_stdin) as (store, user_id):
        made = generate_list(
            store.new_randomization_uow(), as_user=user_id, spec=trial.randomization,
            kind=_kind(test), seed=seed, length_per_stratum=per_stratum, list_code=list_code,
            trial_code=trial.identification.nct_id,
        )  # fmt: skip

    def render(item: ListRead) -> None:
        console.print(
            f"{item.kind} list {item.list_code} generated ({item.method}, {item.strata} strata, "
            f"{item.entries} entries) by {item.created_by}; the seed is stored, not shown",
            highlight=False,
        )

    emit(made, as_json=json, render=render)


def verify(
    user: UserOption,
    password_stdin: PasswordStdinOption = False,
    test: TestListOption = False,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Check the list against its seed and the allocations; exit 1 naming the first mismatch."""
    from trialdesk.services.randomization.randomization_reports import verify_randomization

    with _signed_in(db, user, password_stdin) as (store, user_id):
        report = verify_randomization(
            store.new_randomization_uow(), as_user=user_id, kind=_kind(test)
        )
    document = {**to_jsonable(report), "ok": report.ok}
    if json:
        emit(document, as_json=True)
    elif report.ok:
        console.print(
            f"{report.kind} list {report.list_code} verified: {report.entries_checked} entries, "
            f"{report.allocations_checked} allocations agree with the seed",
            highlight=False,
        )
    else:
        more = len(report.discrepancies) - 1
        suffix = f" (and {more} more)" if more else ""
        sys.stderr.write(f"list {report.list_code}: {report.discrepancies[0]}{suffix}\n")
    if not report.ok:
        raise typer.Exit(code=1)


def export(
    user: UserOption,
    password_stdin: PasswordStdinOption = False,
    test: TestListOption = False,
    export_format: Annotated[
        ExportFormat, typer.Option("--format", help="csv or json.")
    ] = ExportFormat.CSV,
    db: DbOption = None,
) -> None:
    """Print the whole list and its use (statistician and sponsor admin only; audited)."""
    from trialdesk.bootstrap import checkpoint_after_export
    from trialdesk.services.randomization.randomization_reports import ExportRow, export_list

    with _signed_in(db, user, password_stdin) as (store, user_id):
        rows = export_list(store.new_randomization_uow(), as_user=user_id, kind=_kind(test))
        checkpoint_after_export(store)
    if export_format is ExportFormat.JSON:
        emit({"kind": _kind(test), "rows": rows}, as_json=True)
        return
    names = list(ExportRow.__slots__)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    writer.writerows(inert_row({name: getattr(row, name) for name in names}) for row in rows)
    sys.stdout.write(buffer.getvalue())


def balance(
    user: UserOption,
    password_stdin: PasswordStdinOption = False,
    test: TestListOption = False,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Allocations by arm overall, per stratum and per site; list usage for the statistician."""
    from trialdesk.services.randomization.randomization_reports import balance_report

    with _signed_in(db, user, password_stdin) as (store, user_id):
        report = balance_report(store.new_randomization_uow(), as_user=user_id, kind=_kind(test))
    emit(report, as_json=json, render=_render_balance)


def _render_balance(report: BalanceReport) -> None:
    from rich.table import Table

    arms = list(report.overall.counts)
    table = Table(
        title=f"{report.kind} list {report.list_code}: {report.allocations} allocations "
        f"({report.flagged_in_error} flagged in error, kept in ITT)",
        title_justify="left",
    )
    for column in ("group", *arms, "total", "imbalance"):
        table.add_column(column, justify="left" if column == "group" else "right")
    sections: list[tuple[str, Any]] = [
        ("", (report.overall,)),
        ("site ", report.by_site),
        ("", report.by_stratum),
    ]
    for prefix, rows in sections:
        for row in rows:
            counts = [str(row.counts[arm]) for arm in arms]
            table.add_row(prefix + row.group, *counts, str(row.total), str(row.imbalance))
    console.print(table)
    if report.usage is not None:
        for usage in report.usage:
            console.print(f"{usage.stratum}: {usage.used} of {usage.generated} used")


def register(app: typer.Typer) -> None:
    """Add the list commands to the ``randomization`` group."""
    app.command("generate")(generate)
    app.command("verify")(verify)
    app.command("export")(export)
    app.command("balance")(balance)

"""``trialdesk user``: create personal accounts, grant and revoke roles, list users."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from trialdesk.domain.errors import InputError
from trialdesk.entrypoints.cli import output
from trialdesk.entrypoints.cli.db import DbOption
from trialdesk.entrypoints.cli.output import JsonOption

if TYPE_CHECKING:
    from trialdesk.services.accounts import accounts

app = output.new_app(
    "user",
    "Create accounts, grant and revoke roles, reset passwords and two-factor sign-in, "
    "deactivate, list users.",
)

RoleOption = Annotated[
    str,
    typer.Option(
        "--role",
        help="site_coordinator, investigator, monitor, data_manager, statistician, "
        "sponsor_admin or dsmb_viewer.",
    ),
]
SiteOption = Annotated[
    str | None, typer.Option("--site", help="Site code (omit for study-wide roles).")
]


def _render_user(user: accounts.UserRead) -> None:
    roles = ", ".join(f"{g.role.value}@{g.site_code or 'study'}" for g in user.roles) or "-"
    state = "active" if user.is_active else "inactive"
    output.console.print(f"{user.username}\t{user.full_name}\t{state}\t{roles}", highlight=False)


def _change_role(
    change: Callable[..., accounts.UserRead],
    username: str,
    role: str,
    site: str | None,
    db: str | None,
    as_json: bool,
) -> None:
    """Grant or revoke (the same arguments, the same output): the operator acts as ``system``."""
    from trialdesk.bootstrap import build_store

    with build_store(db) as store:
        user = change(store.new_uow(), username=username, role=role, site_code=site, as_user=None)
    output.emit(user, as_json=as_json, render=_render_user)


@app.command("add")
def add_command(
    username: Annotated[str, typer.Option("--username", help="Login name (never reused).")],
    full_name: Annotated[str, typer.Option("--full-name", help="Printed name for signatures.")],
    role: RoleOption,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    site: SiteOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Create a personal account with its first role (audited)."""
    if not password_stdin:
        raise InputError.single("password", "pass --password-stdin and pipe the password in")
    password = sys.stdin.readline().rstrip("\r\n")
    from trialdesk.bootstrap import build_store
    from trialdesk.services.accounts import accounts

    with build_store(db) as store:
        user = accounts.create_user(
            store.new_uow(), username=username, full_name=full_name, password=password,
            role=role, site_code=site, as_user=None,
        )  # fmt: skip
    output.emit(user, as_json=json, render=_render_user)


@app.command("grant")
def grant_command(
    username: Annotated[str, typer.Option("--username")],
    role: RoleOption,
    site: SiteOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Grant a user another role (audited)."""
    from trialdesk.services.accounts import accounts

    _change_role(accounts.grant_role, username, role, site, db, json)


ReasonOption = Annotated[
    str, typer.Option("--reason", help="Why (required; kept in the audit trail).")
]


@app.command("revoke")
def revoke_command(
    username: Annotated[str, typer.Option("--username")],
    role: RoleOption,
    reason: ReasonOption,
    site: SiteOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Withdraw a role from a user (audited with the reason)."""
    from trialdesk.bootstrap import build_store
    from trialdesk.services.accounts import account_lifecycle

    with build_store(db) as store:
        user = account_lifecycle.revoke_role(
            store.new_uow(), username=username, role=role, site_code=site, reason=reason,
            as_user=None,
        )  # fmt: skip
    output.emit(user, as_json=json, render=_render_user)


def _account_act(name: str, username: str, reason: str, db: str | None, as_json: bool) -> None:
    from trialdesk.bootstrap import build_store
    from trialdesk.services.accounts import account_lifecycle

    act = getattr(account_lifecycle, name)
    with build_store(db) as store:
        user = act(store.new_uow(), username=username, reason=reason, as_user=None)
    output.emit(user, as_json=as_json, render=_render_user)


@app.command("deactivate")
def deactivate_command(
    username: Annotated[str, typer.Option("--username")],
    reason: ReasonOption,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Deactivate an account: no sign-in, its API tokens stop working (audited)."""
    _account_act("deactivate_user", username, reason, db, json)


@app.command("reactivate")
def reactivate_command(
    username: Annotated[str, typer.Option("--username")],
    reason: ReasonOption,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Let a deactivated account sign in again (audited)."""
    _account_act("reactivate_user", username, reason, db, json)


@app.command("reset-two-factor")
def reset_two_factor_command(
    username: Annotated[str, typer.Option("--username")],
    reason: ReasonOption,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Forget a user's authenticator app (lost phone): they set it up again (audited)."""
    _account_act("reset_two_factor", username, reason, db, json)


@app.command("reset-password")
def reset_password_command(
    username: Annotated[str, typer.Option("--username")],
    reason: ReasonOption,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Issue a one-time password, printed once; it must be changed at the next sign-in."""
    from trialdesk.bootstrap import build_store
    from trialdesk.services.accounts import account_lifecycle

    with build_store(db) as store:
        reset = account_lifecycle.reset_password(
            store.new_uow(), username=username, reason=reason, as_user=None
        )
    document = {"username": reset.user.username, "one_time_password": reset.password}

    def render(found: dict[str, str]) -> None:
        output.console.print(
            f"One-time password for {found['username']} (shown only now; changed at the next "
            f"sign-in): {found['one_time_password']}",
            highlight=False,
        )

    output.emit(document, as_json=json, render=render)


@app.command("password")
def password_command(
    username: Annotated[str, typer.Option("--username", help="Your account.")],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the current password, then the new one, one per line from standard input.",
        ),
    ] = False,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Change your own password (the current one is required; audited)."""
    if not password_stdin:
        raise InputError.single(
            "password", "pass --password-stdin and pipe the current and the new password in"
        )
    current = sys.stdin.readline().rstrip("\r\n")
    new = sys.stdin.readline().rstrip("\r\n")
    from trialdesk.bootstrap import build_store
    from trialdesk.services.accounts import account_lifecycle

    with build_store(db) as store:
        account_lifecycle.change_password_of(
            store.new_uow(), username=username, current_password=current, new_password=new
        )
    output.emit(
        {"username": username, "password_changed": True}, as_json=json,
        render=lambda _found: output.console.print(f"Password of {username} changed."),
    )  # fmt: skip


@app.command("list")
def list_command(db: DbOption = None, json: JsonOption = False) -> None:
    """List the accounts and their active roles."""
    from trialdesk.bootstrap import build_store
    from trialdesk.services.accounts import accounts

    with build_store(db) as store:
        users = accounts.list_users(store.new_uow())

    def render(items: list[accounts.UserRead]) -> None:
        for user in items:
            _render_user(user)

    output.emit(users, as_json=json, render=render)

"""``trialdesk token``: API tokens for a user's scripts, issued by the operator, and their list.

Tokens are normally created by their owner on the API tokens page or with ``POST
/api/v1/tokens``; this command is for the server's operator setting up a script (audited as
``system``). Times are shown in this machine's local time zone (``--json``: UTC instants).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from trialdesk.entrypoints.cli import output
from trialdesk.entrypoints.cli.db import DbOption
from trialdesk.entrypoints.cli.output import JsonOption

if TYPE_CHECKING:
    import datetime as dt

    from trialdesk.services.accounts import api_tokens

app = output.new_app("token", "Issue API tokens for a user's scripts; list a user's tokens.")

UsernameOption = Annotated[str, typer.Option("--username", help="The token's owner.")]


def _local(moment: dt.datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %Z")


def _state(token: api_tokens.ApiTokenRead) -> str:
    if token.revoked_at is not None:
        return f"revoked {_local(token.revoked_at)}"
    return "expired" if token.expired else "active"


def _render(token: api_tokens.ApiTokenRead) -> None:
    output.console.print(
        f"{token.id}\t{token.name}\t{token.prefix}…\tcreated {_local(token.created_at)}\t"
        f"expires {_local(token.expires_at)}\t{_state(token)}",
        highlight=False,
        soft_wrap=True,
    )


@app.command("create")
def create_command(
    username: UsernameOption,
    name: Annotated[str, typer.Option("--name", help="What the token is for.")],
    valid_days: Annotated[
        int,
        typer.Option("--valid-days", min=1, max=365, help="Days until the token expires."),
    ] = 90,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Issue a token acting as the user with their roles; the secret is printed only now."""
    from trialdesk.bootstrap import build_store
    from trialdesk.services.accounts import api_tokens

    with build_store(db) as store:
        created = api_tokens.issue_api_token(
            store.new_uow(), username=username, name=name, valid_days=valid_days
        )

    def render(_created: api_tokens.ApiTokenCreated) -> None:
        details = created.details
        output.console.print(
            f"token {details.name!r} for {username}, valid until {_local(details.expires_at)} "
            "(shown only now; keep it safe):",
            highlight=False,
            soft_wrap=True,
        )
        output.console.print(created.token, highlight=False, markup=False)

    document = {"token": created.token, **output.to_jsonable(created.details)}
    output.emit(document if json else created, as_json=json, render=render)


@app.command("list")
def list_command(username: UsernameOption, db: DbOption = None, json: JsonOption = False) -> None:
    """A user's tokens with their expiry, revoked and expired ones included."""
    from trialdesk.bootstrap import build_store
    from trialdesk.services.accounts import api_tokens

    with build_store(db) as store:
        tokens = api_tokens.list_api_tokens_of(store.new_uow(), username=username)

    def render(items: list[api_tokens.ApiTokenRead]) -> None:
        for token in items:
            _render(token)
        if not items:
            output.console.print(f"{username} has no API tokens")

    output.emit(tokens, as_json=json, render=render)

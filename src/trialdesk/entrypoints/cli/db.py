"""``trialdesk db``: create or migrate the schema, back up and restore the trial database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trialdesk.entrypoints.cli import output
from trialdesk.entrypoints.cli.output import JsonOption

app = output.new_app("db", "Create, migrate, back up and restore the trial database.")

#: ``--db URL`` on every command that opens the database.
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (default: TRIALDESK_DATABASE_URL, else sqlite:///trialdesk.db).",
    ),
]


@app.command("upgrade")
def upgrade_command(
    db: DbOption = None,
    app_role: Annotated[
        str | None,
        typer.Option(
            "--app-role",
            help="PostgreSQL role the application connects as: granted what it needs after "
            "migrating (default: TRIALDESK_APP_ROLE). --db must then name the owner role.",
        ),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Create the schema, or migrate it to the newest revision (run as the owner role)."""
    from sqlalchemy.engine import make_url

    from trialdesk.adapters.db.maintenance import upgrade_database
    from trialdesk.bootstrap import database_url
    from trialdesk.config import get_settings

    url = database_url(db)
    role = app_role or get_settings().app_role
    revision = upgrade_database(url, app_role=role)
    shown = make_url(url).render_as_string(hide_password=True)

    def render(document: dict[str, object]) -> None:
        output.console.print(f"database at revision {document['revision']}")
        if document["app_role"]:
            output.console.print(f"granted the application's privileges to {document['app_role']}")

    output.emit({"database": shown, "revision": revision, "app_role": role}, as_json=json,
                render=render)  # fmt: skip


@app.command("backup")
def backup_command(
    path: Annotated[Path, typer.Argument(help="File to write the backup to (must not exist).")],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Write a consistent online backup (SQLite backup API; pg_dump for PostgreSQL)."""
    from trialdesk.adapters.db.maintenance import backup_database
    from trialdesk.bootstrap import database_url

    written = backup_database(database_url(db), path)
    output.emit(
        {"backup": str(written), "bytes": written.stat().st_size},
        as_json=json,
        render=lambda d: output.console.print(f"backup written to {d['backup']}"),
    )


@app.command("restore")
def restore_command(
    path: Annotated[Path, typer.Argument(help="Backup file made by `trialdesk db backup`.")],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Replace the database's contents with a backup."""
    from trialdesk.adapters.db.maintenance import restore_database
    from trialdesk.bootstrap import database_url

    restore_database(database_url(db), path)
    output.emit(
        {"restored_from": str(path)},
        as_json=json,
        render=lambda d: output.console.print(f"restored from {d['restored_from']}"),
    )

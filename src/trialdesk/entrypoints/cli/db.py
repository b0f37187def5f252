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
def upgrade_command(db: DbOption = None, json: JsonOption = False) -> None:
    """Create the schema, or migrate it to the newest revision."""
    from trialdesk.adapters.db.maintenance import upgrade_database
    from trialdesk.bootstrap import database_url

    url = database_url(db)
    revision = upgrade_database(url)
    output.emit(
        {"database": url, "revision": revision},
        as_json=json,
        render=lambda d: output.console.print(f"database at revision {d['revision']}"),
    )


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

"""The db, site, user and audit commands, end to end through the CLI, on both engines."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from db_fixtures import owner_url
from trialdesk.adapters.db.engine import normalise_url
from trialdesk.adapters.db.migrate import head_revision
from trialdesk.entrypoints.cli.app import app

runner = CliRunner()
PASSWORD = "Correct-Horse-42"


def _run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    # rich wraps long messages at the terminal width; compare words, not line breaks.
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


def _populate(db: str) -> None:
    assert _run("site", "add", "--db", db, "--code", "BJ01", "--name", "Beijing")[0] == 0
    code, _, err = _run(
        "user", "add", "--db", db, "--username", "alice", "--full-name", "Alice Wang",
        "--role", "investigator", "--site", "BJ01", "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 0, err


def test_db_upgrade_creates_the_schema_in_an_empty_sqlite_file(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'new.db'}"
    code, out, _ = _run("db", "upgrade", "--db", db, "--json")
    assert code == 0
    assert json.loads(out)["revision"] == head_revision()
    assert _run("audit", "verify", "--db", db)[0] == 0


def test_sites_and_users_are_added_and_listed_as_json(db_url: str) -> None:
    _populate(db_url)
    code, out, _ = _run("user", "list", "--db", db_url, "--json")
    assert code == 0
    (alice,) = json.loads(out)
    assert (alice["username"], alice["roles"]) == (
        "alice", [{"role": "investigator", "site_code": "BJ01"}],
    )  # fmt: skip
    assert not {"password", "password_hash"} & alice.keys()
    assert PASSWORD not in out
    assert "argon2" not in out


def test_user_add_requires_the_password_on_stdin(db_url: str) -> None:
    code, _, err = _run(
        "user", "add", "--db", db_url, "--username", "bob", "--full-name", "Bob",
        "--role", "dsmb_viewer",
    )  # fmt: skip
    assert code == 2
    assert "password" in err


def test_audit_verify_passes_on_an_intact_trail(db_url: str) -> None:
    _populate(db_url)
    code, out, _ = _run("audit", "verify", "--db", db_url, "--json")
    assert code == 0
    assert json.loads(out) == {
        "ok": True, "intact": True, "entries": 3, "first_broken_entry": None, "problem": None,
        "seals_checked": False, "unsealed_entries": 3, "checkpoints_checked": None,
        "checkpoint_problems": [], "consistent": True, "rows_checked": 1, "differences": [],
    }  # fmt: skip


def _tamper(db_url: str) -> None:
    engine = create_engine(normalise_url(owner_url(db_url)))  # only the owner drops triggers
    suffix = " ON audit_trail" if engine.dialect.name == "postgresql" else ""
    with engine.begin() as connection:
        connection.execute(text(f"DROP TRIGGER audit_trail_no_update{suffix}"))
        connection.execute(
            text("UPDATE audit_trail SET new_value = :v WHERE seq = 2"),
            {"v": '{"full_name":"Mallory","username":"alice"}'},
        )
    engine.dispose()


def test_audit_verify_names_the_first_altered_entry(db_url: str) -> None:
    _populate(db_url)
    _tamper(db_url)
    code, _, err = _run("audit", "verify", "--db", db_url)
    assert code == 1
    assert "audit entry 2" in err
    code, out, _ = _run("audit", "verify", "--db", db_url, "--json")
    assert code == 1
    report = json.loads(out)
    assert (report["first_broken_entry"], report["entries"], report["intact"]) == (2, 3, False)


def test_audit_export_as_csv_and_json_is_itself_audited(db_url: str) -> None:
    _populate(db_url)
    code, out, _ = _run("audit", "export", "--db", db_url, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["action"] for r in rows] == ["insert", "account_created", "role_granted"]
    code, out, _ = _run("audit", "export", "--db", db_url, "--format", "json")
    entries = json.loads(out)["entries"]
    assert len(entries) == 4  # the three above plus the first export
    assert entries[-1]["action"] == "export"
    code, _, err = _run("audit", "export", "--db", db_url, "--subject", "SCR-9", "--format", "csv")
    assert code == 3
    assert "SCR-9" in err


def test_backup_and_restore_drill_brings_back_the_backed_up_state(
    db_url: str, tmp_path: Path
) -> None:
    _populate(db_url)
    backup = tmp_path / "trial.backup"
    code, _, err = _run("db", "backup", "--db", db_url, str(backup))
    assert code == 0, err
    assert _run("site", "add", "--db", db_url, "--code", "SH02", "--name", "Shanghai")[0] == 0
    # A restore replaces tables: the owner's work, not the application role's.
    code, _, err = _run("db", "restore", "--db", owner_url(db_url), str(backup))
    assert code == 0, err
    code, out, _ = _run("site", "list", "--db", db_url, "--json")
    assert [s["code"] for s in json.loads(out)] == ["BJ01"]
    code, out, _ = _run("audit", "verify", "--db", db_url, "--json")
    assert (code, json.loads(out)["entries"]) == (0, 3)
    # The restored trail is still append-only.
    code, _, _ = _run("site", "add", "--db", db_url, "--code", "SH02", "--name", "Shanghai")
    assert code == 0
    assert _run("audit", "verify", "--db", db_url)[0] == 0


def test_backup_refuses_to_overwrite_a_file(db_url: str, tmp_path: Path) -> None:
    target = tmp_path / "exists.backup"
    target.write_text("keep me")
    code, _, err = _run("db", "backup", "--db", db_url, str(target))
    assert code == 2
    assert "exists" in err
    assert target.read_text() == "keep me"


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'live.db'}"
    assert _run("db", "upgrade", "--db", db)[0] == 0
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    code, _, err = _run("db", "restore", "--db", db, str(junk))
    assert code == 2
    assert "not a trialdesk database backup" in err


@pytest.mark.parametrize("url", ["mysql://x@y/z", "not a url"])
def test_an_unsupported_database_url_is_refused_naming_db(url: str) -> None:
    code, _, err = _run("db", "upgrade", "--db", url)
    assert code == 2
    assert "db:" in err


def test_without_db_the_commands_use_trialdesk_database_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIALDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'from-env.db'}")
    monkeypatch.chdir(tmp_path)
    assert _run("db", "upgrade")[0] == 0
    assert _run("site", "add", "--code", "BJ01", "--name", "Beijing")[0] == 0
    code, out, _ = _run("site", "list", "--db", f"sqlite:///{tmp_path / 'from-env.db'}", "--json")
    assert code == 0
    assert [site["code"] for site in json.loads(out)] == ["BJ01"]
    assert not (tmp_path / "trialdesk.db").exists()


def test_without_db_or_environment_the_database_is_trialdesk_db_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRIALDESK_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert _run("db", "upgrade")[0] == 0
    assert _run("site", "add", "--code", "BJ01", "--name", "Beijing")[0] == 0
    code, out, _ = _run("site", "list", "--db", f"sqlite:///{tmp_path / 'trialdesk.db'}", "--json")
    assert code == 0
    assert [site["code"] for site in json.loads(out)] == ["BJ01"]


def test_site_time_zone_sets_checks_and_clears_a_site_s_zone(db_url: str) -> None:
    _populate(db_url)
    code, out, _ = _run(
        "site", "time-zone", "--db", db_url, "--code", "BJ01", "--zone", "Asia/Urumqi", "--json"
    )
    assert (code, json.loads(out)) == (0, {"code": "BJ01", "time_zone": "Asia/Urumqi"})
    code, out, _ = _run("site", "list", "--db", db_url, "--json")
    assert [(s["code"], s["time_zone"]) for s in json.loads(out)] == [("BJ01", "Asia/Urumqi")]
    code, _, err = _run("site", "time-zone", "--db", db_url, "--code", "BJ01", "--zone", "Mars/X")
    assert code == 2
    assert "'Mars/X' is not a time zone" in err
    code, out, _ = _run("site", "time-zone", "--db", db_url, "--code", "BJ01", "--zone", "default")
    assert (code, out.strip()) == (0, "site BJ01: time zone protocol default")

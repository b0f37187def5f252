"""`audit checkpoint`, `audit verify --checkpoints` and `db upgrade --app-role`, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from db_fixtures import ENGINES, owner_url
from pg_roles import APP_ROLE
from trialdesk.adapters.db.engine import normalise_url
from trialdesk.entrypoints.cli.app import app

runner = CliRunner()
KEY = "a-test-audit-key-of-at-least-32-bytes"


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


@pytest.fixture
def keyed_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    directory = tmp_path / "checkpoints"
    monkeypatch.setenv("TRIALDESK_AUDIT_KEY", KEY)
    monkeypatch.setenv("TRIALDESK_CHECKPOINT_DIR", str(directory))
    return directory


def _add_sites(db: str, *codes: str) -> None:
    for code in codes:
        assert _run("site", "add", "--db", db, "--code", code, "--name", "Hospital")[0] == 0


def test_checkpoint_then_verify_passes_and_reports_as_json(db_url: str, keyed_env: Path) -> None:
    _add_sites(db_url, "BJ01", "SH02")
    code, out, err = _run("audit", "checkpoint", "--db", db_url, "--json")
    assert code == 0, err
    written = json.loads(out)
    assert written["seq"] == 2
    assert Path(written["file"]).parent == keyed_env
    code, out, err = _run("audit", "verify", "--db", db_url, "--checkpoints", str(keyed_env),
                          "--json")  # fmt: skip
    assert code == 0, err
    report = json.loads(out)
    assert report["ok"]
    assert report["seals_checked"]
    assert (report["entries"], report["unsealed_entries"], report["checkpoints_checked"]) == (
        2, 0, 1,
    )  # fmt: skip
    code, out, _ = _run("audit", "verify", "--db", db_url)
    assert (code, out.split(":")[0]) == (0, "audit trail intact")


@pytest.mark.usefixtures("keyed_env")
def test_verify_exits_1_naming_a_truncation_the_checkpoint_saw(db_url: str) -> None:
    _add_sites(db_url, "BJ01", "SH02", "GZ03")
    assert _run("audit", "checkpoint", "--db", db_url)[0] == 0
    engine = create_engine(normalise_url(owner_url(db_url)))
    with engine.begin() as connection:  # the administrator removes the last site and its entry
        if connection.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_trail DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER audit_trail_no_delete"))
        connection.execute(text("DELETE FROM audit_trail WHERE seq = 3"))
        connection.execute(text("DELETE FROM sites WHERE code = 'GZ03'"))
        head = connection.execute(text("SELECT hash FROM audit_trail WHERE seq = 2")).scalar_one()
        connection.execute(text("UPDATE audit_chain_head SET seq = 2, hash = :h"), {"h": head})
    engine.dispose()
    code, out, _ = _run("audit", "verify", "--db", db_url, "--json")
    assert code == 1
    report = json.loads(out)
    assert report["intact"] is False
    assert report["consistent"] is True
    (problem,) = report["checkpoint_problems"]
    assert "recorded 3 entries" in problem["problem"]
    code, _, err = _run("audit", "verify", "--db", db_url)
    assert code == 1
    assert "entries were removed from the end" in err


@pytest.mark.usefixtures("keyed_env")
def test_verify_exits_1_naming_a_row_changed_behind_the_application(db_url: str) -> None:
    _add_sites(db_url, "BJ01")
    engine = create_engine(normalise_url(db_url))
    with engine.begin() as connection:
        connection.execute(text("UPDATE sites SET name = 'Renamed' WHERE code = 'BJ01'"))
    engine.dispose()
    code, out, _ = _run("audit", "verify", "--db", db_url, "--json")
    assert code == 1
    (difference,) = json.loads(out)["differences"]
    assert (difference["entity"], difference["field"]) == ("sites", "name")


def test_without_a_key_verify_says_so_and_checkpoint_is_refused(
    db_url: str, tmp_path: Path
) -> None:
    _add_sites(db_url, "BJ01")
    code, _out, err = _run("audit", "verify", "--db", db_url)
    assert code == 0
    assert "NOT sealed-checked" in err
    code, _, err = _run("audit", "checkpoint", "--db", db_url, "--dir", str(tmp_path))
    assert code != 0
    assert "TRIALDESK_AUDIT_KEY" in err
    code, _, err = _run("audit", "verify", "--db", db_url, "--checkpoints", str(tmp_path))
    assert code != 0
    assert "checkpoints" in err
    assert "audit key" in err


def test_exports_leave_a_checkpoint(db_url: str, keyed_env: Path) -> None:
    _add_sites(db_url, "BJ01")
    assert _run("audit", "export", "--db", db_url, "--format", "json")[0] == 0
    (written,) = keyed_env.iterdir()
    # The export's own entry is committed first, so the checkpoint covers it (entry 2).
    assert json.loads(written.read_text())["seq"] == 2
    code, out, _ = _run("audit", "verify", "--db", db_url, "--json")
    assert code == 0
    assert json.loads(out)["checkpoints_checked"] == 1


def test_a_short_key_is_refused_naming_the_setting(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIALDESK_AUDIT_KEY", "short")
    code, _, err = _run("audit", "verify", "--db", db_url)
    assert code != 0
    assert "TRIALDESK_AUDIT_KEY" in err
    assert "32 bytes" in err


@pytest.mark.parametrize("db_url", [ENGINES[1]], indirect=True)
def test_db_upgrade_with_app_role_grants_the_role_its_privileges(db_url: str) -> None:
    owner = owner_url(db_url)
    code, out, err = _run("db", "upgrade", "--db", owner, "--app-role", APP_ROLE, "--json")
    assert code == 0, err
    assert json.loads(out)["app_role"] == APP_ROLE
    engine = create_engine(normalise_url(owner))
    with engine.connect() as connection:
        granted = set(connection.execute(text(
            "SELECT table_name || ':' || privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = :r AND table_name IN ('audit_trail', 'allocations')"
        ), {"r": APP_ROLE}).scalars())  # fmt: skip
        columns = set(connection.execute(text(
            "SELECT column_name FROM information_schema.column_privileges WHERE grantee = :r "
            "AND table_name = 'allocations' AND privilege_type = 'UPDATE'"
        ), {"r": APP_ROLE}).scalars())  # fmt: skip
    engine.dispose()
    assert granted == {
        "audit_trail:SELECT", "audit_trail:INSERT", "allocations:SELECT", "allocations:INSERT",
    }  # fmt: skip
    assert columns == {"is_error", "error_reason"}
    code, _, err = _run("db", "upgrade", "--db", owner, "--app-role", "no_such_role")
    assert code != 0
    assert "no_such_role" in err
    assert "does not exist" in err


def test_db_upgrade_refuses_an_app_role_on_sqlite(tmp_path: Path) -> None:
    code, _, err = _run("db", "upgrade", "--db", f"sqlite:///{tmp_path / 't.db'}",
                        "--app-role", APP_ROLE)  # fmt: skip
    assert code != 0
    assert "app_role" in err
    assert "file's permissions" in err

"""``trialdesk demo`` from the command line, the audit check after it, and the DEMO marker."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from trialdesk.adapters.db.maintenance import upgrade_database
from trialdesk.bootstrap import build_store, load_protocol
from trialdesk.entrypoints.api import create_app
from trialdesk.entrypoints.cli.app import app

runner = CliRunner()
MARKER = "DEMO: simulated patients"


def _login_page(url: str) -> str:
    store = build_store(url)
    try:
        return TestClient(create_app(store, load_protocol())).get("/login").text
    finally:
        store.close()


def test_demo_builds_a_trial_that_passes_the_audit_check_and_marks_every_page(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    built = runner.invoke(app, ["demo", "--db", url, "--subjects", "6", "--seed", "3", "--json"])
    assert built.exit_code == 0, built.output
    document = json.loads(built.stdout)
    assert document["demo"] is True
    assert sum(document["trial"]["randomized_by_arm"].values()) == 6
    assert {a["username"] for a in document["accounts"]} >= {"admin", "monitor", "statistician"}
    assert all(len(a["password"]) >= 12 for a in document["accounts"])

    verified = runner.invoke(app, ["audit", "verify", "--db", url, "--json"])
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.stdout)["intact"] is True

    again = runner.invoke(app, ["demo", "--db", url, "--subjects", "6", "--seed", "3"])
    assert again.exit_code != 0
    assert "already holds a trial" in again.output
    assert MARKER in _login_page(url)


def test_a_real_database_shows_no_demo_marker(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'real.db'}"
    upgrade_database(url)
    page = _login_page(url)
    assert "trialdesk" in page
    assert MARKER not in page

"""``trialdesk user``: password change, reset, deactivation, revocation with a reason, on both
engines, end to end through the CLI."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from trialdesk.bootstrap import build_store
from trialdesk.domain.audit import AuditAction
from trialdesk.entrypoints.cli.app import app
from trialdesk.services.accounts import sign_in
from trialdesk.services.accounts.sign_in import SignInStep

runner = CliRunner()
PASSWORD = "Correct-Horse-42"
NEW_PASSWORD = "Violet-Anchor-Meadow-7"


def _run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


def _populate(db: str) -> None:
    assert _run("site", "add", "--db", db, "--code", "BJ01", "--name", "Beijing")[0] == 0
    code, _, err = _run(
        "user", "add", "--db", db, "--username", "alice", "--full-name", "Alice Wang",
        "--role", "site_coordinator", "--site", "BJ01", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 0, err


def test_a_weak_password_is_refused_naming_the_field(db_url: str) -> None:
    assert _run("site", "add", "--db", db_url, "--code", "BJ01", "--name", "Beijing")[0] == 0
    code, _, err = _run(
        "user", "add", "--db", db_url, "--username", "bob", "--full-name", "Bob",
        "--role", "monitor", "--site", "BJ01", "--password-stdin", "--json",
        stdin="Password1234\n",
    )  # fmt: skip
    assert code == 2
    assert json.loads(err)["errors"][0]["field"] == "password"


def test_an_account_made_on_the_command_line_has_a_one_time_password(db_url: str) -> None:
    _populate(db_url)
    with build_store(db_url) as store:
        session = sign_in.login(store.new_uow(), username="alice", password=PASSWORD)
    assert session.pending_step == SignInStep.CHANGE_PASSWORD


def test_changing_ones_password_needs_the_current_one(db_url: str) -> None:
    _populate(db_url)
    code, _, err = _run(
        "user", "password", "--db", db_url, "--username", "alice", "--password-stdin",
        stdin=f"Not-It-At-All-9\n{NEW_PASSWORD}\n",
    )  # fmt: skip
    assert code == 2
    assert "current_password" in err
    code, out, err = _run(
        "user", "password", "--db", db_url, "--username", "alice", "--password-stdin", "--json",
        stdin=f"{PASSWORD}\n{NEW_PASSWORD}\n",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out) == {"username": "alice", "password_changed": True}
    with build_store(db_url) as store:
        session = sign_in.login(store.new_uow(), username="alice", password=NEW_PASSWORD)
    assert session.pending_step is None


def test_reset_deactivate_reactivate_and_revoke_need_a_reason_and_are_audited(
    db_url: str,
) -> None:
    _populate(db_url)
    code, _, err = _run("user", "deactivate", "--db", db_url, "--username", "alice")
    assert code == 2
    assert "--reason" in err
    code, out, err = _run(
        "user", "reset-password", "--db", db_url, "--username", "alice", "--reason",
        "forgot it", "--json",
    )  # fmt: skip
    assert code == 0, err
    one_time = json.loads(out)["one_time_password"]
    with build_store(db_url) as store:
        assert sign_in.login(store.new_uow(), username="alice", password=one_time).pending_step
    for command in ("deactivate", "reactivate"):
        code, out, err = _run(
            "user", command, "--db", db_url, "--username", "alice", "--reason", "audit", "--json"
        )
        assert code == 0, err
    assert json.loads(out)["is_active"] is True
    code, _, err = _run(
        "user", "revoke", "--db", db_url, "--username", "alice", "--role", "site_coordinator",
        "--site", "BJ01", "--reason", " ",
    )  # fmt: skip
    assert code == 2
    assert "reason" in err
    code, out, err = _run(
        "user", "revoke", "--db", db_url, "--username", "alice", "--role", "site_coordinator",
        "--site", "BJ01", "--reason", "left the team", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["roles"] == []
    code, _, err = _run(
        "user", "reset-two-factor", "--db", db_url, "--username", "alice", "--reason", "phone"
    )
    assert code == 2
    assert "no two-factor sign-in" in err
    with build_store(db_url) as store, store.new_uow() as uow:
        reasons = [
            e.reason for e in uow.audit.entries()
            if e.action in {AuditAction.ACCOUNT_CHANGED, AuditAction.ROLE_REVOKED}
            and e.username == "system"
        ]  # fmt: skip
    assert reasons == ["forgot it", "audit", "audit", "left the team"]

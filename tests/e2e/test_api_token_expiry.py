"""API tokens expire, are refused plainly once expired, cannot mint tokens, and outlive logout."""

from __future__ import annotations

import datetime as dt
import json
import re

from sqlalchemy import text
from typer.testing import CliRunner

from db_fixtures import owner_url
from trialdesk.adapters.db.engine import create_db_engine
from trialdesk.adapters.db.migrate import upgrade
from trialdesk.entrypoints.cli.app import app as cli
from web_world import WebWorld, login

runner = CliRunner()


def _create(web: WebWorld, username: str = "coord.bj", **body: object) -> tuple[dict, str]:
    client = web.new_client()
    csrf = login(client, username)
    created = client.post(
        "/api/v1/tokens", json={"name": "nightly", **body}, headers={"X-CSRF-Token": csrf}
    )
    return created.json(), csrf


def test_a_token_expires_after_90_days_unless_its_creator_chooses(web: WebWorld) -> None:
    now = web.clock.now()
    default, _ = _create(web)
    assert dt.datetime.fromisoformat(default["expires_at"]) == now + dt.timedelta(days=90)
    assert default["expired"] is False
    week, _ = _create(web, valid_days=7)
    assert dt.datetime.fromisoformat(week["expires_at"]) == now + dt.timedelta(days=7)


def test_a_lifetime_over_a_year_or_under_a_day_is_refused_on_its_field(web: WebWorld) -> None:
    for days in (366, 0):
        refused, _ = _create(web, valid_days=days)
        assert [e["field"] for e in refused["errors"]] == ["valid_days"], refused
    with web.store.new_uow() as uow:
        assert uow.records.find("api_tokens") == []


def test_an_expired_token_is_refused_with_a_clear_401(web: WebWorld) -> None:
    created, _ = _create(web, valid_days=1)
    auth = {"Authorization": f"Bearer {created['token']}"}
    script = web.new_client()
    assert script.get("/api/v1/me", headers=auth).status_code == 200
    web.clock.advance(days=1)
    refused = script.get("/api/v1/me", headers=auth)
    assert refused.status_code == 401
    assert refused.json()["message"] == (
        f"this API token expired at {created['expires_at'][:16]}+00:00; "
        "create a new one on the API tokens page"
    )


def test_a_token_cannot_create_further_tokens(web: WebWorld) -> None:
    created, _ = _create(web)
    auth = {"Authorization": f"Bearer {created['token']}"}
    refused = web.new_client().post("/api/v1/tokens", json={"name": "child"}, headers=auth)
    assert refused.status_code == 403
    assert refused.json()["message"].startswith(
        "You may not create an API token with an API token: that is for a signed-in user"
    )
    with web.store.new_uow() as uow:
        assert len(uow.records.find("api_tokens")) == 1


def test_logging_out_leaves_the_users_tokens_working(web: WebWorld) -> None:
    client = web.new_client()
    csrf = login(client, "coord.bj")
    token = client.post(
        "/api/v1/tokens", json={"name": "nightly"}, headers={"X-CSRF-Token": csrf}
    ).json()["token"]
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 200
    assert client.get("/api/v1/me").status_code == 401  # the session is over ...
    me = web.new_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200  # ... the script's token is not


def test_the_tokens_page_offers_a_lifetime_and_shows_each_expiry(web: WebWorld) -> None:
    csrf = login(web.client, "coord.bj")
    page = web.client.get("/tokens")
    assert 'name="valid_days"' in page.text
    assert 'value="90"' in page.text
    created = web.client.post("/tokens", data={"csrf_token": csrf, "name": "R", "valid_days": "30"})
    assert created.status_code == 201
    expires = re.search(r'id="new-token-expires">([^<]+)<', created.text)
    assert expires is not None
    # In the reader's time zone (the protocol's, Asia/Shanghai: UTC+8), not UTC.
    assert expires.group(1).startswith("2026-04-01 17:00 CST")
    assert "<th>Expires</th>" in created.text
    web.clock.advance(days=31)
    csrf = login(web.client, "coord.bj")
    listed = web.client.get("/tokens").text
    assert ">expired<" in listed
    assert "Revoke" not in listed


def test_the_tokens_page_refuses_a_bad_lifetime_next_to_its_field(web: WebWorld) -> None:
    csrf = login(web.client, "coord.bj")
    for typed, message in (("400", "from 1 to 365"), ("ninety", "not a whole number")):
        refused = web.client.post(
            "/tokens", data={"csrf_token": csrf, "name": "R", "valid_days": typed}
        )
        assert refused.status_code == 422
        assert 'id="valid_days-error"' in refused.text
        assert message in refused.text
        assert f'value="{typed}"' in refused.text
    with web.store.new_uow() as uow:
        assert uow.records.find("api_tokens") == []


def test_the_command_line_issues_and_lists_a_users_tokens(web: WebWorld) -> None:
    url = web.store.url
    made = runner.invoke(
        cli, ["token", "create", "--username", "coord.bj", "--name", "lab import",
              "--valid-days", "30", "--db", url, "--json"],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    document = json.loads(made.stdout)
    assert document["token"].startswith("td_")
    me = web.new_client().get(
        "/api/v1/me", headers={"Authorization": f"Bearer {document['token']}"}
    )
    assert me.json()["username"] == "coord.bj"
    listed = runner.invoke(cli, ["token", "list", "--username", "coord.bj", "--db", url])
    assert listed.exit_code == 0, listed.output
    assert "lab import" in listed.stdout
    assert "expires " in listed.stdout
    too_long = runner.invoke(
        cli, ["token", "create", "--username", "coord.bj", "--name", "x", "--valid-days", "366",
              "--db", url],
    )  # fmt: skip
    assert too_long.exit_code == 2
    assert "--valid-days" in too_long.output
    with web.store.new_uow() as uow:
        [entry] = [e for e in uow.audit.entries() if e.entity == "api_tokens"]
    assert entry.username == "system"


def test_tokens_issued_before_expiry_existed_get_90_days_from_the_upgrade(web: WebWorld) -> None:
    _create(web)
    owner = create_db_engine(owner_url(web.store.url))  # migrations run as the schema's owner
    upgrade(owner, "0008", downgrade=True)
    upgrade(owner)
    owner.dispose()
    with web.store.engine.connect() as connection:
        stored = connection.execute(text("SELECT expires_at FROM api_tokens")).scalar_one()
    if isinstance(stored, str):
        stored = dt.datetime.fromisoformat(stored)
    stored = stored.replace(tzinfo=dt.UTC) if stored.tzinfo is None else stored
    expected = dt.datetime.now(dt.UTC) + dt.timedelta(days=90)
    assert abs(stored - expected) < dt.timedelta(minutes=5)

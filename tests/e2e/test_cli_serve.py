"""``trialdesk serve``: the server options reach uvicorn, and worker processes build the app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from trialdesk.config import DEFAULT_REQUEST_THREADS
from trialdesk.entrypoints.cli import serve as serve_module
from trialdesk.entrypoints.cli import server_processes
from trialdesk.entrypoints.cli.app import app
from trialdesk.services.accounts import accounts

runner = CliRunner()


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, dict[str, Any]]]:
    """Record what ``serve`` hands uvicorn (or its process supervisor) instead of listening."""
    calls: list[tuple[Any, dict[str, Any]]] = []
    # serve imports both when it runs (not at start-up), so they are replaced where they live.
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: calls.append((target, options)))

    def processes(workers: int, host: str, port: int, *, access_log: bool) -> None:
        calls.append(("processes", {"workers": workers, "host": host, "port": port,
                                    "access_log": access_log}))  # fmt: skip

    monkeypatch.setattr(server_processes, "run_server_processes", processes)
    return calls


def test_serve_passes_port_and_access_log_choice_to_one_server_process(
    tmp_path: Path, uvicorn_calls: list[tuple[Any, dict[str, Any]]]
) -> None:
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    result = runner.invoke(app, ["serve", "--db", url, "--port", "8123", "--no-access-log"])
    assert result.exit_code == 0, result.output
    [(target, options)] = uvicorn_calls
    assert isinstance(target, FastAPI)
    assert (options["port"], options["access_log"]) == (8123, False)
    assert "workers" not in options


def test_serve_with_workers_starts_processes_that_build_the_app_from_the_same_database(
    tmp_path: Path,
    uvicorn_calls: list[tuple[Any, dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TRIALDESK_DATABASE_URL", raising=False)
    monkeypatch.delenv("TRIALDESK_PROTOCOL_FILE", raising=False)
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    result = runner.invoke(app, ["serve", "--db", url, "--workers", "2", "--demo"])
    assert result.exit_code == 0, result.output
    [(target, options)] = uvicorn_calls
    assert (target, options["workers"], options["port"]) == ("processes", 2, 8000)
    assert options["access_log"] is True
    # What one worker process does on start: the app over the database the parent prepared.
    worker = serve_module.worker_app()
    created = result.output.split("created demo sites: ")[1].splitlines()[0].split(", ")
    sites = accounts.list_sites(worker.state.trialdesk.store.new_read_uow())
    assert [site.code for site in sites] == created
    with TestClient(worker) as client:
        protocol = client.get("/api/v1/protocol").json()
        assert protocol["identification"]["nct_id"] == "NCT04738981"


def test_serve_refuses_zero_workers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    result = runner.invoke(app, ["serve", "--db", url, "--workers", "0"])
    assert result.exit_code != 0
    assert "--workers" in result.output


def test_serve_gives_each_server_process_the_request_threads_asked_for(
    tmp_path: Path,
    uvicorn_calls: list[tuple[Any, dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("TRIALDESK_REQUEST_THREADS", "TRIALDESK_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)  # restored after the test: serve sets them
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    assert runner.invoke(app, ["serve", "--db", url]).exit_code == 0
    assert runner.invoke(app, ["serve", "--db", url, "--threads", "3"]).exit_code == 0
    (default, _), (three, _) = uvicorn_calls
    assert default.state.trialdesk.settings.request_threads == DEFAULT_REQUEST_THREADS
    assert three.state.trialdesk.settings.request_threads == 3
    result = runner.invoke(app, ["serve", "--db", url, "--workers", "2", "--threads", "4"])
    assert result.exit_code == 0, result.output
    assert serve_module.worker_app().state.trialdesk.settings.request_threads == 4


def test_serve_refuses_zero_threads(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    result = runner.invoke(app, ["serve", "--db", url, "--threads", "0"])
    assert result.exit_code != 0
    assert "--threads" in result.output


def test_worker_processes_load_the_protocol_the_command_loaded_whatever_the_environment(
    tmp_path: Path,
    uvicorn_calls: list[tuple[Any, dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TRIALDESK_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRIALDESK_PROTOCOL_FILE", str(tmp_path / "elsewhere.yaml"))
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    result = runner.invoke(app, ["serve", "--db", url, "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert uvicorn_calls[0][0] == "processes"
    # No --protocol: the command served the built-in protocol, and so do its workers.
    protocol = serve_module.worker_app().state.trialdesk.protocol
    assert protocol.identification.nct_id == "NCT04738981"

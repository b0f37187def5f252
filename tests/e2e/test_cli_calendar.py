"""``trialdesk calendar``: planned doses and assessments with windows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialdesk.entrypoints.cli.app import app

runner = CliRunner()
SECOND = Path(__file__).resolve().parents[1] / "fixtures" / "protocols" / "second_trial.yaml"


def _calendar(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["calendar", *args, "--json"])
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


def test_calendar_json_lists_doses_with_intervention_day_date_dose_and_unit() -> None:
    document = _calendar("--arm", "msc_cd25", "--weight-kg", "65", "--day1", "2024-03-01")
    doses = document["doses"]
    assert isinstance(doses, list)
    first_msc = next(d for d in doses if d["intervention"] == "uc_msc")
    assert (first_msc["day"], first_msc["date"], first_msc["unit"]) == (1, "2024-03-01", "cells")
    assert first_msc["dose"] == pytest.approx(6.5e7)
    antibody_days = [d["day"] for d in doses if d["intervention"] == "anti_cd25"]
    assert antibody_days == [1, 4, 8, 15, 22]
    assert {d["dose"] for d in doses if d["intervention"] == "anti_cd25"} == {20}


def test_calendar_json_lists_assessments_with_windows() -> None:
    document = _calendar("--arm", "cd25", "--weight-kg", "80", "--day1", "2024-03-01")
    assessments = {a["visit"]: a for a in document["assessments"]}  # type: ignore[attr-defined]
    primary = assessments["D29"]
    assert (primary["date"], primary["earliest"], primary["latest"]) == (
        "2024-03-29",
        "2024-03-27",
        "2024-03-31",
    )
    assert {d["intervention"] for d in document["doses"]} == {"anti_cd25"}  # type: ignore[attr-defined]


def test_calendar_plans_a_second_course_on_request() -> None:
    document = _calendar(
        "--arm", "msc_cd25", "--weight-kg", "65", "--day1", "2024-03-01", "--courses", "2"
    )
    assert document["courses"] == [1, 2]
    course2 = [d["day"] for d in document["doses"] if d["course"] == 2]  # type: ignore[attr-defined]
    assert min(course2) == 29


def test_calendar_reads_another_protocol() -> None:
    document = _calendar(
        "--arm", "abx", "--weight-kg", "50", "--day1", "2025-07-01", "--protocol", str(SECOND)
    )
    assert document["protocol"] == "NCT09999999"


def test_calendar_human_output_shows_doses_and_assessments() -> None:
    result = runner.invoke(
        app, ["calendar", "--arm", "msc_cd25", "--weight-kg", "65", "--day1", "2024-03-01"]
    )
    assert result.exit_code == 0
    assert "6.5×10^7 cells" in result.stdout
    assert "Planned assessments" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--arm", "placebo", "--weight-kg", "65", "--day1", "2024-03-01"], "--arm: unknown arm"),
        (["--arm", "cd25", "--weight-kg", "0", "--day1", "2024-03-01"], "--weight-kg: must be > 0"),
        (
            ["--arm", "cd25", "--weight-kg", "900", "--day1", "2024-03-01"],
            "--weight-kg: 900 kg is outside the plausible range",
        ),
        (
            ["--arm", "cd25", "--weight-kg", "65", "--day1", "01/03/2024"],
            "--day1: must be a date YYYY-MM-DD, not '01/03/2024'",
        ),
        (
            ["--arm", "cd25", "--weight-kg", "65", "--day1", "2024-03-01", "--courses", "3"],
            "--courses: must be between 1 and 2",
        ),
        (
            ["--arm", "cd25", "--weight-kg", "65", "--day1", "2024-03-01", "--protocol", "no.yaml"],
            "no.yaml: no such protocol file",
        ),
    ],
)
def test_bad_input_names_the_option_and_exits_non_zero(args: list[str], expected: str) -> None:
    result = runner.invoke(app, ["calendar", *args])
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "Traceback" not in result.output


def test_bad_input_with_json_is_one_error_document() -> None:
    result = runner.invoke(
        app, ["calendar", "--arm", "cd25", "--weight-kg", "0", "--day1", "2024-03-01", "--json"]
    )
    assert result.exit_code == 2
    assert json.loads(result.stderr)["errors"][0]["field"] == "--weight-kg"


def test_weight_that_is_not_a_number_is_refused_by_the_option_parser() -> None:
    result = runner.invoke(
        app, ["calendar", "--arm", "cd25", "--weight-kg", "heavy", "--day1", "2024-03-01"]
    )
    assert result.exit_code == 2
    assert "--weight-kg" in result.output

"""``trialdesk samplesize``: every row of the table in docs/sample-size.md comes from it."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialdesk.entrypoints.cli.app import app

runner = CliRunner()
DOC = Path(__file__).parents[2] / "docs" / "sample-size.md"


def _size(*args: str) -> dict:
    result = runner.invoke(app, ["samplesize", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _table_rows() -> list[list[str]]:
    rows = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and cells[0].startswith("0."):
            rows.append(cells)
    return rows


def test_the_document_has_the_five_rows_of_the_reconstruction() -> None:
    assert [row[:2] for row in _table_rows()] == [
        ["0.50", "0.75"],
        ["0.55", "0.80"],
        ["0.45", "0.70"],
        ["0.50", "0.80"],
        ["0.55", "0.78"],
    ]


@pytest.mark.parametrize("row", _table_rows(), ids=lambda row: f"{row[0]}-vs-{row[1]}")
def test_every_row_of_the_documented_table_matches_the_command(row: list[str]) -> None:
    control, treatment = row[:2]
    rates = ["--p-control", control, "--p-treatment", treatment]
    found = [
        _size(*rates, "--power", power, "--method", method)["per_arm"]
        for power in ("0.8", "0.9")
        for method in ("normal", "normal-cc")
    ]
    found.append(_size(*rates, "--dropout", "0.1")["total"])
    assert found == [int(cell) for cell in row[2:]]


def test_ten_percent_dropout_leads_to_the_trials_130() -> None:
    document = _size("--p-control", "0.5", "--p-treatment", "0.75", "--dropout", "0.1")
    assert (document["evaluable_per_arm"], document["per_arm"], document["total"]) == (58, 65, 130)
    assert document["analytic_power_at_evaluable_per_arm"] >= 0.80


def test_the_simulated_method_lands_next_to_the_normal_answer() -> None:
    document = _size(
        "--p-control",
        "0.5",
        "--p-treatment",
        "0.75",
        "--method",
        "simulated",
        "--replicates",
        "4000",
        "--seed",
        "3",
    )
    assert 54 <= document["per_arm"] <= 62
    assert (document["replicates"], document["seed"]) == (4000, 3)


def test_human_output_states_the_dropout_arithmetic() -> None:
    result = runner.invoke(
        app, ["samplesize", "--p-control", "0.5", "--p-treatment", "0.75", "--dropout", "0.1"]
    )
    assert result.exit_code == 0
    assert "58 evaluable per arm" in result.stdout
    assert "130 in total" in result.stdout


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--p-control", "0.5", "--p-treatment", "1.5"], "--p-treatment"),
        (["--p-control", "0.5", "--p-treatment", "0.5"], "--p-treatment"),
        (["--p-control", "0.5", "--p-treatment", "0.75", "--dropout", "1"], "--dropout"),
        (["--p-control", "0.5", "--p-treatment", "0.75", "--method", "exact"], "--method"),
    ],
)
def test_bad_options_are_named_in_a_clear_error(args: list[str], field: str) -> None:
    result = runner.invoke(app, ["samplesize", *args, "--json"])
    assert result.exit_code != 0
    error = json.loads(result.stderr)
    assert field in json.dumps(error)

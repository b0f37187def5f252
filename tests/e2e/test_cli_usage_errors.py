"""Usage errors found while parsing the command line, with and without ``--json``.

Under ``--json`` a missing option, a value of the wrong type or an unknown option is one JSON
document on stderr, shaped like every other input error (``error``, ``message`` and one entry
per field), with exit code 2; without ``--json`` the usual usage message stays.
"""

import json

import pytest
from typer.testing import CliRunner

from trialdesk.entrypoints.cli.app import app

runner = CliRunner()

STAGE = ["gvhd", "stage", "--skin-bsa", "30", "--bilirubin", "2.5"]


def _json_error(argv: list[str]) -> dict[str, object]:
    result = runner.invoke(app, argv)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""  # stdout stays free for the result document
    document = json.loads(result.stderr)  # exactly one document: json.loads rejects extra text
    assert document["error"] == "InputError"
    assert isinstance(document, dict)
    return document


@pytest.mark.parametrize(
    ("argv", "field", "message"),
    [
        (["gvhd", "stage", "--bilirubin", "2.5"], "--skin-bsa", "is required"),
        (["gvhd", "chronic"], "--diagnostic-sign", "is required"),
        (["stats", "proportions", "3/10"], "X2/N2", "is required"),
        ([*STAGE[:3], "thirty", *STAGE[4:]], "--skin-bsa", "valid number"),
        (
            ["gvhd", "risk", "--skin", "1", "--liver", "0", "--upper-gi", "0", "--lower-gi", "two"],
            "--lower-gi",
            "valid integer",
        ),
        ([*STAGE, "--system", "nih"], "--system", "'nih' is not one of 'magic', 'glucksberg'"),
        (["demo", "--subjects", "0"], "--subjects", "greater than or equal to 1"),
        (
            [*STAGE, "--bilirubn-unit", "umol/L"],
            "--bilirubn-unit",
            "did you mean --bilirubin or --bilirubin-unit?",
        ),
        ([*STAGE, "--frobnicate"], "--frobnicate", "no such option"),
        (["gvhd", "grade"], "command", "No such command 'grade'"),
    ],
)
def test_usage_error_with_json_is_one_input_error_document_naming_the_field(
    argv: list[str], field: str, message: str
) -> None:
    document = _json_error([*argv, "--json"])
    errors = document["errors"]
    assert isinstance(errors, list)
    assert len(errors) == 1
    assert errors[0]["field"] == field
    assert message in errors[0]["message"]
    assert document["message"] == f"{field}: {errors[0]['message']}"


def test_json_anywhere_among_the_options_counts() -> None:
    # --json before the failing option: its callback never ran when the error was found.
    document = _json_error(["gvhd", "stage", "--json", "--bilirubin", "2.5"])
    assert document["errors"] == [{"field": "--skin-bsa", "message": "is required"}]


def test_unknown_option_of_the_root_command_with_json() -> None:
    document = _json_error(["--frobnicate", "--json"])
    assert document["errors"] == [{"field": "--frobnicate", "message": "no such option"}]


def test_without_json_the_usage_message_is_shown_as_before() -> None:
    result = runner.invoke(app, ["gvhd", "stage", "--bilirubin", "2.5"])
    assert result.exit_code == 2
    assert "Usage: trialdesk gvhd stage" in result.output
    assert "Missing option '--skin-bsa'" in result.output
    with pytest.raises(json.JSONDecodeError):
        json.loads(result.stderr)


def test_a_word_after_the_double_dash_is_not_the_json_option() -> None:
    result = runner.invoke(app, ["stats", "proportions", "--", "--json"])
    assert result.exit_code == 2
    assert "Usage: trialdesk stats proportions" in result.output


def test_a_group_without_a_command_still_shows_its_help() -> None:
    result = runner.invoke(app, ["gvhd"])
    assert "Usage: trialdesk gvhd" in result.output
    assert "stage" in result.output

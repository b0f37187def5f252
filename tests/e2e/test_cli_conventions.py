"""The command line's shared conventions: error translation and one JSON document."""

import json

from typer.testing import CliRunner

from trialdesk.domain.errors import InputError, NotFoundError
from trialdesk.entrypoints.cli.app import app
from trialdesk.entrypoints.cli.output import JsonOption, emit, new_app

runner = CliRunner()


def _demo_app() -> object:
    demo = new_app("demo", "A throwaway group for testing the conventions.")

    @demo.command("weigh")
    def weigh(kg: float, json: JsonOption = False) -> None:
        if kg <= 0:
            raise InputError.single("--kg", "must be > 0")
        emit({"kg": kg}, as_json=json)

    @demo.command("find")
    def find() -> None:
        raise NotFoundError("no subject S-001")

    return demo


def test_input_error_becomes_a_message_naming_the_field_and_exit_code_2() -> None:
    result = runner.invoke(_demo_app(), ["weigh", "0"])
    assert result.exit_code == 2
    assert "--kg: must be > 0" in result.output
    assert "Traceback" not in result.output


def test_input_error_with_json_is_one_json_document_on_stderr() -> None:
    result = runner.invoke(_demo_app(), ["weigh", "0", "--json"])
    assert result.exit_code == 2
    document = json.loads(result.stderr)
    assert document["errors"] == [{"field": "--kg", "message": "must be > 0"}]


def test_successful_json_output_is_exactly_one_document() -> None:
    result = runner.invoke(_demo_app(), ["weigh", "70.5", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"kg": 70.5}


def test_not_found_has_its_own_exit_code() -> None:
    result = runner.invoke(_demo_app(), ["find"])
    assert result.exit_code == 3
    assert "no subject S-001" in result.output


def test_version_option_prints_the_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("trialdesk ")

"""The error tree: every user error names its field and carries an exit code."""

import pytest

from trialdesk.domain.errors import FieldError, InputError, ProtocolError, TrialdeskError


def test_input_error_names_every_field_in_its_message() -> None:
    error = InputError(
        [FieldError("weight_kg", "must be > 0"), FieldError("day1", "is in the future")]
    )
    assert str(error) == "weight_kg: must be > 0; day1: is in the future"
    assert error.exit_code == 2
    assert error.to_dict()["errors"] == [
        {"field": "weight_kg", "message": "must be > 0"},
        {"field": "day1", "message": "is in the future"},
    ]


def test_input_error_refuses_to_be_built_without_a_field_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        InputError([])


def test_protocol_error_is_an_input_error_with_a_path() -> None:
    error = ProtocolError.single("arms[1].interventions[0].dose", "must be > 0")
    assert isinstance(error, InputError)
    assert isinstance(error, TrialdeskError)
    assert error.message == "arms[1].interventions[0].dose: must be > 0"

"""Formula-like cells of CSV exports are made inert; numbers stay numbers."""

from __future__ import annotations

import pytest

from trialdesk.domain.spreadsheet_cells import inert_cell, inert_row


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        (
            '=HYPERLINK("http://evil.example","details")',
            '\'=HYPERLINK("http://evil.example","details")',
        ),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Pneumonia", "Pneumonia"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_text_that_a_spreadsheet_would_run_gets_a_leading_apostrophe(
    typed: str, written: str
) -> None:
    assert inert_cell(typed) == written


@pytest.mark.parametrize("number", ["-2.5", "+3", "-1e-6", "-.5", "-12", "1E+3"])
def test_text_that_is_just_a_number_is_left_alone(number: str) -> None:
    assert inert_cell(number) == number


@pytest.mark.parametrize("value", [-2.5, -3, 0, None, True])
def test_numbers_and_other_values_are_never_touched(value: object) -> None:
    assert inert_cell(value) is value


def test_a_row_is_made_inert_cell_by_cell() -> None:
    row = {"term": "=1+1", "grade": -1, "note": "-1", "who": "@admin"}
    assert inert_row(row) == {"term": "'=1+1", "grade": -1, "note": "-1", "who": "'@admin"}

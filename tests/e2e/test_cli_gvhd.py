"""``trialdesk gvhd stage`` and ``trialdesk gvhd response`` through the command line."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialdesk.entrypoints.cli.app import app

runner = CliRunner()


def run_json(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["gvhd", *args, "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return document


def test_stage_prints_stages_grade_system_and_drivers_as_one_json_document() -> None:
    document = run_json(
        "stage", "--skin-bsa", "60", "--bilirubin", "4", "--upper-gi", "--stool-ml", "700"
    )
    assert document["stages"] == {"skin": 3, "liver": 2, "upper_gi": 1, "lower_gi": 1}
    assert document["grade"] == 3
    assert document["grade_label"] == "III"
    assert document["system"] == "magic"
    assert document["drivers"] == {
        "skin": "skin_bsa",
        "liver": "bilirubin",
        "upper_gi": "upper_gi_symptoms",
        "lower_gi": "stool_volume",
    }


def test_stage_reaches_skin_stage_4_and_grade_iv_with_bullae_and_desquamation() -> None:
    document = run_json(
        "stage", "--skin-bsa", "80", "--bullae", "--desquamation-bsa", "10", "--bilirubin", "1"
    )
    assert document["stages"] == {"skin": 4, "liver": 0, "upper_gi": 0, "lower_gi": 0}
    assert document["grade"] == 4
    assert document["drivers"]["skin"] == "bullae+desquamation"  # type: ignore[index]


def test_stage_converts_bilirubin_given_in_umol_per_l() -> None:
    document = run_json(
        "stage", "--skin-bsa", "0", "--bilirubin", "51.3", "--bilirubin-unit", "µmol/L"
    )
    assert document["stages"]["liver"] == 1  # type: ignore[index]
    assert document["bilirubin_mg_dl"] == 3.0


def test_stage_lower_gi_stage_4_from_bloody_stool_or_severe_pain() -> None:
    bloody = run_json("stage", "--skin-bsa", "0", "--bilirubin", "1", "--bloody-stool")
    pain = run_json("stage", "--skin-bsa", "0", "--bilirubin", "1", "--severe-pain")
    assert bloody["drivers"]["lower_gi"] == "bloody_stool"  # type: ignore[index]
    assert pain["drivers"]["lower_gi"] == "severe_pain"  # type: ignore[index]
    assert bloody["grade"] == pain["grade"] == 4


def test_stage_under_glucksberg_says_so_and_ignores_episode_counts() -> None:
    document = run_json(
        "stage",
        "--skin-bsa",
        "0",
        "--bilirubin",
        "1",
        "--stool-episodes",
        "9",
        "--system",
        "glucksberg",
    )
    assert document["system"] == "glucksberg"
    assert document["stages"]["lower_gi"] == 0  # type: ignore[index]
    assert document["grade"] == 0


def test_stage_human_output_is_a_table_with_the_grade() -> None:
    result = runner.invoke(
        app, ["gvhd", "stage", "--skin-bsa", "30", "--bilirubin", "2.5", "--stool-episodes", "4"]
    )
    assert result.exit_code == 0
    assert "stool_episodes" in result.output
    assert "Overall grade: II (magic)" in result.output


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--skin-bsa", "120", "--bilirubin", "1"], "--skin-bsa"),
        (["--skin-bsa", "10", "--bilirubin", "-1"], "--bilirubin"),
        (
            ["--skin-bsa", "10", "--bilirubin", "1", "--desquamation-bsa", "101"],
            "--desquamation-bsa",
        ),
        (["--skin-bsa", "10", "--bilirubin", "1", "--stool-ml", "-5"], "--stool-ml"),
        (["--skin-bsa", "10", "--bilirubin", "1", "--stool-episodes", "-1"], "--stool-episodes"),
        (["--skin-bsa", "10", "--bilirubin", "1", "--bilirubin-unit", "g/L"], "--bilirubin-unit"),
        (["--skin-bsa", "ten", "--bilirubin", "1"], "--skin-bsa"),
        (["--skin-bsa", "10", "--bilirubin", "1", "--system", "who"], "--system"),
        (["--bilirubin", "1"], "--skin-bsa"),
    ],
)
def test_stage_bad_input_names_the_option_and_exits_non_zero(args: list[str], option: str) -> None:
    result = runner.invoke(app, ["gvhd", "stage", *args])
    assert result.exit_code == 2
    assert option in result.output
    assert "Traceback" not in result.output


def test_stage_bad_input_with_json_is_one_json_error_on_stderr() -> None:
    result = runner.invoke(
        app, ["gvhd", "stage", "--skin-bsa", "120", "--bilirubin", "1", "--json"]
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert json.loads(result.stderr)["errors"][0]["field"] == "--skin-bsa"


@pytest.mark.parametrize(("rules", "expected"), [("csh", "PD"), ("international", "MR")])
def test_response_differs_between_rule_sets_for_a_mixed_course(rules: str, expected: str) -> None:
    document = run_json(
        "response", "--baseline", "2,1,0,0", "--current", "1,2,0,0", "--rules", rules
    )
    assert document["response"] == expected
    assert document["rules"] == rules
    assert document["organ_changes"] == {"skin": -1, "liver": 1, "upper_gi": 0, "lower_gi": 0}
    assert document["overall_response"] is False


def test_response_defaults_to_csh_and_reports_complete_response() -> None:
    document = run_json("response", "--baseline", "2,0,1,3", "--current", "0,0,0,0")
    assert document["response"] == "CR"
    assert document["rules"] == "csh"
    assert document["overall_response"] is True


def test_response_of_a_patient_who_died_is_no_response() -> None:
    document = run_json("response", "--baseline", "2,0,0,0", "--current", "0,0,0,0", "--died")
    assert document["response"] == "NR"


def test_response_human_output_shows_the_category() -> None:
    result = runner.invoke(
        app, ["gvhd", "response", "--baseline", "2,1,0,0", "--current", "1,0,0,0"]
    )
    assert result.exit_code == 0
    assert "Response: PR" in result.output


@pytest.mark.parametrize(
    ("baseline", "current", "option", "message"),
    [
        ("1,2,3", "1,2,0,0", "--baseline", "needs 4 comma-separated stages"),
        ("1,2,2,0", "1,2,0,0", "--baseline", "upper_gi stage must be between 0 and 1"),
        ("1,2,0,0", "a,b,c,d", "--current", "whole numbers"),
        ("1,2,0,0", "1,5,0,0", "--current", "liver stage must be between 0 and 4"),
    ],
)
def test_response_bad_stages_name_the_option_and_exit_non_zero(
    baseline: str, current: str, option: str, message: str
) -> None:
    result = runner.invoke(app, ["gvhd", "response", "--baseline", baseline, "--current", current])
    assert result.exit_code == 2
    assert f"{option}: " in result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("umol", "expected"), [("50", 1), ("51", 2), ("255", 3), ("256", 4)])
def test_stage_with_the_umol_l_table_stages_umol_values_as_entered(
    umol: str, expected: int
) -> None:
    document = run_json(
        "stage", "--skin-bsa", "0", "--bilirubin", umol, "--bilirubin-unit", "umol/L",
        "--liver-staging", "umol_l_table",
    )  # fmt: skip
    assert document["stages"]["liver"] == expected  # type: ignore[index]
    assert document["liver_staging"] == "umol_l_table"


# trialdesk gvhd steroid-refractory: the screening aid, by the protocol's definition or a named one.

STEROID_ARGS = ["--start", "2024-03-01", "--drug", "methylprednisolone"]


@pytest.mark.parametrize(
    ("dose", "expected", "criterion"),
    [("0.99", "insufficient_data", None), ("1", "refractory", "b"), ("1.01", "refractory", "b")],
)
def test_steroid_refractory_uses_the_protocols_methylprednisolone_1mg_definition(
    dose: str, expected: str, criterion: str | None
) -> None:
    document = run_json(
        "steroid-refractory", *STEROID_ARGS, "--dose-mg-per-kg", dose,
        "--assessments", "2024-03-01:3,2024-03-07:3",
    )  # fmt: skip
    assert document["result"] == expected
    assert document["criterion"] == criterion
    assert document["definition"]["name"] == "ebmt_2018_methylprednisolone_1mg"  # type: ignore[index]
    assert document["screening_aid"] is True


def test_steroid_refractory_under_the_2018_set_leaves_methylprednisolone_1mg_undecided() -> None:
    document = run_json(
        "steroid-refractory", *STEROID_ARGS, "--dose-mg-per-kg", "1",
        "--assessments", "2024-03-01:3,2024-03-07:3", "--definition", "ebmt_nih_cibmtr_2018",
    )  # fmt: skip
    assert document["result"] == "insufficient_data"
    assert document["prednisone_equivalent_mg_per_kg_day"] == 1.25
    assert document["reasons"] == [
        "starting dose 1.25 mg/kg/day is below 2: criteria (a) and (b) do not apply"
    ]


def test_steroid_refractory_reads_statuses_from_a_json_file(tmp_path: Path) -> None:
    history = tmp_path / "history.json"
    history.write_text(json.dumps([{"on": "2024-03-04", "status": "progressed"}]))
    document = run_json(
        "steroid-refractory", *STEROID_ARGS, "--dose-mg-per-kg", "1.6",
        "--assessments", str(history), "--definition", "ebmt_nih_cibmtr_2018",
    )  # fmt: skip
    assert document["result"] == "refractory"
    assert document["criteria"] == ["a"]
    assert document["reasons"][0] == "(a) progression on day 3 of steroids"


def test_steroid_refractory_human_output_names_the_criterion_and_the_reasoning() -> None:
    result = runner.invoke(
        app,
        ["gvhd", "steroid-refractory", *STEROID_ARGS, "--dose-mg-per-kg", "1",
         "--assessments", "2024-03-01:3,2024-03-07:3"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Steroid-refractory" in result.output
    assert "(b) no improvement" in result.output
    assert "no improvement by day 6 (unchanged)" in result.output
    assert "investigator confirms" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--assessments", "2024-03-01:3", "--definition", "reach2"], "--definition: unknown"),
        (["--assessments", "2024-03-01"], "--assessments[0]: must be 'YYYY-MM-DD:GRADE'"),
        (["--assessments", "2024-03-01:3,2024-02-07:2"], "--assessments[1]: must be after"),
        (["--assessments", "2024-03-01:5"], "--assessments[0].grade: must be a grade"),
        (["--assessments", "2024-03-01:better"], "--assessments[0]: 'better' is neither"),
        (["--assessments", "03/01/2024:3"], "--assessments[0]: must be a date"),
        (["--assessments", "missing.json"], "--assessments: cannot read missing.json"),
    ],
)
def test_steroid_refractory_bad_input_names_the_option(args: list[str], message: str) -> None:
    result = runner.invoke(
        app, ["gvhd", "steroid-refractory", *STEROID_ARGS, "--dose-mg-per-kg", "1", *args]
    )
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_steroid_refractory_refuses_a_zero_dose_naming_the_option() -> None:
    result = runner.invoke(
        app,
        ["gvhd", "steroid-refractory", *STEROID_ARGS, "--dose-mg-per-kg", "0",
         "--assessments", "2024-03-01:3", "--json"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert json.loads(result.stderr)["errors"][0]["field"] == "--dose-mg-per-kg"

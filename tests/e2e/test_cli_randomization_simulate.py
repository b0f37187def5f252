"""``trialdesk randomization simulate``: one reproducible JSON document, clear option errors."""

import json

import pytest
from typer.testing import CliRunner

from trialdesk.entrypoints.cli.app import app

runner = CliRunner()
ARGS = ["randomization", "simulate", "--subjects", "130", "--replicates", "60"]


def _simulate(*extra: str) -> dict:
    result = runner.invoke(app, [*ARGS, *extra, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_output_describes_the_protocol_design_and_each_characteristic() -> None:
    document = _simulate("--method", "blocks", "--seed", "7")
    assert document["protocol"] == "NCT04738981"
    assert document["method"] == "blocks"
    assert (document["subjects"], document["replicates"], document["seed"]) == (130, 60, 7)
    assert document["strata"] == ["site", "baseline_grade"]
    assert document["covariates"]["p_grade_iii_iv"] == 0.55
    for name in ("overall_imbalance", "max_stratum_imbalance", "mean_stratum_imbalance"):
        assert set(document[name]) == {"mean", "sd", "q05", "q25", "median", "q75", "q95", "max"}
    # Blocks of 2 and 4: no stratum is ever more than 2 out.
    assert document["max_stratum_imbalance"]["max"] <= 2
    assert 0.6 < document["predictability"]["mean"] < 0.75


def test_the_same_seed_prints_identical_json_and_another_seed_does_not() -> None:
    first = runner.invoke(app, [*ARGS, "--method", "minimization", "--seed", "3", "--json"])
    again = runner.invoke(app, [*ARGS, "--method", "minimization", "--seed", "3", "--json"])
    other = runner.invoke(app, [*ARGS, "--method", "minimization", "--seed", "4", "--json"])
    assert first.stdout == again.stdout
    assert first.stdout != other.stdout


def test_without_a_seed_the_fresh_seed_is_reported_and_reproduces_the_run() -> None:
    document = _simulate("--method", "simple")
    assert document == _simulate("--method", "simple", "--seed", str(document["seed"]))


def test_covariate_mix_options_change_the_simulation() -> None:
    assert (
        _simulate("--seed", "1", "--p-grade-iii-iv", "0.9")["covariates"]["p_grade_iii_iv"] == 0.9
    )


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        (["--replicates", "0"], "--replicates", "must be between 1 and 100000"),
        (["--method", "urn"], "--method", "'urn' is not one of blocks, minimization, simple"),
        (["--subjects", "-3"], "--subjects", "must be between 1 and 100000"),
        (["--seed", "-1"], "--seed", "must be ≥ 0"),
        (
            ["--p-gi-involvement", "1.5"],
            "--p-gi-involvement",
            "must be a probability in [0, 1], not 1.5",
        ),
    ],
)
def test_bad_options_are_named_in_one_json_error(args, field, message) -> None:
    result = runner.invoke(app, ["randomization", "simulate", *args, "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stderr)["errors"] == [{"field": field, "message": message}]


def test_human_output_is_a_table_of_the_characteristics() -> None:
    result = runner.invoke(app, [*ARGS, "--seed", "2"])
    assert result.exit_code == 0
    assert "NCT04738981: blocks randomization, 60 trials of 130 patients" in result.stdout
    assert "predictability" in result.stdout

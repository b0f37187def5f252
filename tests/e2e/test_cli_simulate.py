"""``trialdesk simulate``: one reproducible JSON document, the null scenario, clear errors."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialdesk.adapters.scenario_file import builtin_scenario_path
from trialdesk.entrypoints.cli.app import app

runner = CliRunner()


def _simulate(*args: str) -> dict:
    result = runner.invoke(app, ["simulate", "--replicates", "400", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_reports_power_the_cr_difference_response_rates_and_doses() -> None:
    document = _simulate("--seed", "4")
    assert (document["scenario"], document["replicates"], document["seed"]) == ("default", 400, 4)
    assert 0.75 < document["rejection_rate"] < 0.95
    assert set(document["difference_quantiles"]) == {"0.025", "0.25", "0.5", "0.75", "0.975"}
    assert 0.2 < document["difference_mean"] < 0.3
    arms = {arm["arm"]: arm for arm in document["arms"]}
    assert set(arms) == {"msc_cd25", "cd25"}
    assert arms["msc_cd25"]["complete_response"] > arms["cd25"]["complete_response"]
    for arm in arms.values():
        assert arm["overall_response"] >= arm["complete_response"]
        assert 0 < arm["mean_doses"]["anti_cd25"] <= 10


def test_the_same_seed_prints_identical_json_and_another_seed_does_not() -> None:
    args = ["simulate", "--replicates", "300", "--json"]
    first = runner.invoke(app, [*args, "--seed", "8"])
    again = runner.invoke(app, [*args, "--seed", "8"])
    other = runner.invoke(app, [*args, "--seed", "9"])
    assert first.stdout == again.stdout
    assert first.stdout != other.stdout


def test_the_null_scenario_by_name_or_by_file_gives_the_same_type_i_error() -> None:
    by_name = _simulate("--scenario", "null", "--seed", "2")
    by_file = _simulate("--scenario", str(builtin_scenario_path("null")), "--seed", "2")
    assert by_name == by_file
    assert by_name["scenario"] == "null"
    assert by_name["rejection_rate"] < 0.12


def test_human_output_shows_the_rejection_rate_and_a_table_per_arm() -> None:
    result = runner.invoke(app, ["simulate", "--replicates", "200", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "rejection rate" in result.stdout
    assert "CR at week 4" in result.stdout
    assert "msc_cd25" in result.stdout


def test_a_broken_scenario_file_is_reported_at_its_path(tmp_path: Path) -> None:
    text = builtin_scenario_path().read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("death: 0.005", "death: 2"), encoding="utf-8")
    result = runner.invoke(app, ["simulate", "--scenario", str(broken), "--json"])
    assert result.exit_code != 0
    assert json.loads(result.stderr)["errors"][0]["field"] == "hazards.death"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--replicates", "0"], "--replicates"),
        (["--seed", "-1"], "--seed"),
        (["--backend", "spark"], "--backend"),
        (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler"),
    ],
)
def test_bad_options_are_named_in_a_clear_error(args: list[str], field: str) -> None:
    result = runner.invoke(app, ["simulate", *args, "--json"])
    assert result.exit_code != 0
    assert field in {e["field"] for e in json.loads(result.stderr)["errors"]}

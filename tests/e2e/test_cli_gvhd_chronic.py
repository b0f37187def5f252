"""``trialdesk gvhd chronic`` and ``trialdesk gvhd risk`` through the command line."""

import json

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


def test_chronic_prints_diagnosis_severity_and_reason_as_one_json_document() -> None:
    document = run_json("chronic", "--diagnostic-sign", "--skin", "1", "--mouth", "1")
    assert document["diagnosed"] is True
    assert document["global_severity"] == "mild"
    assert document["organs_involved"] == 2
    assert document["counted"] == ["skin", "mouth"]
    assert "2 organ(s) involved" in str(document["reason"])


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        (["--lungs", "1"], "moderate"),
        (["--lungs", "2"], "severe"),
        (["--skin", "1", "--eyes", "1", "--genital", "1"], "moderate"),
        (["--joints-fascia", "3"], "severe"),
    ],
)
def test_chronic_global_severity_boundaries(scores: list[str], expected: str) -> None:
    assert run_json("chronic", "--diagnostic-sign", *scores)["global_severity"] == expected


def test_chronic_without_a_sign_is_not_chronic_gvhd_unless_a_distinctive_one_is_confirmed() -> None:
    without = run_json("chronic", "--no-diagnostic-sign", "--skin", "2")
    confirmed = run_json(
        "chronic", "--no-diagnostic-sign", "--distinctive-confirmed", "--skin", "2"
    )
    assert without["global_severity"] == "none"
    assert without["diagnosed"] is False
    assert confirmed["global_severity"] == "moderate"


def test_chronic_leaves_out_an_organ_explained_by_another_cause() -> None:
    document = run_json(
        "chronic", "--diagnostic-sign", "--lungs", "2", "--skin", "1", "--other-cause", "lungs"
    )
    assert document["global_severity"] == "mild"
    assert document["not_counted_other_cause"] == ["lungs"]


def test_chronic_human_output_says_why() -> None:
    result = runner.invoke(app, ["gvhd", "chronic", "--diagnostic-sign", "--liver", "3"])
    assert result.exit_code == 0
    assert "Global severity: severe" in result.stdout
    assert "an organ scores 3" in result.stdout
    assert "joints and fascia" in result.stdout


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--skin", "4"], "--skin"),
        (["--joints-fascia", "-1"], "--joints-fascia"),
        (["--other-cause", "heart"], "--other-cause"),
    ],
)
def test_chronic_bad_input_names_the_option(args: list[str], option: str) -> None:
    result = runner.invoke(app, ["gvhd", "chronic", "--diagnostic-sign", *args, "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stderr)["errors"][0]["field"] == option


STAGES = ["--skin", "3", "--liver", "0", "--upper-gi", "0", "--lower-gi"]


def test_risk_without_biomarkers_gives_minnesota_risk_only() -> None:
    lower_gi_1 = run_json("risk", *STAGES, "1")
    lower_gi_2 = run_json("risk", *STAGES, "2")
    assert lower_gi_1["minnesota_risk"] == "standard"
    assert lower_gi_2["minnesota_risk"] == "high"  # skin 3 with lower GI 2 is not standard
    assert lower_gi_1["magic_probability"] is None
    assert lower_gi_1["magic_group"] is None


def test_risk_with_both_biomarkers_gives_the_map_and_its_group_around_0_290() -> None:
    low = run_json("risk", *STAGES, "1", "--st2", "73.89", "--reg3a", "50")
    high = run_json("risk", *STAGES, "1", "--st2", "73.91", "--reg3a", "50")
    assert low["magic_group"] == "low"
    assert high["magic_group"] == "high"
    assert float(str(high["magic_probability"])) == pytest.approx(0.29, abs=1e-4)


@pytest.mark.parametrize(
    ("extra", "option"),
    [
        (["--st2", "80"], "--reg3a"),  # one biomarker alone
        (["--st2", "0", "--reg3a", "50"], "--st2"),
        (["--upper-gi", "2"], "--upper-gi"),
    ],
)
def test_risk_bad_input_names_the_option(extra: list[str], option: str) -> None:
    args = ["gvhd", "risk", "--skin", "1", "--liver", "0", "--lower-gi", "0"]
    if "--upper-gi" not in extra:
        args += ["--upper-gi", "0"]
    result = runner.invoke(app, [*args, *extra, "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stderr)["errors"][0]["field"] == option


def test_risk_human_output_names_both_scores() -> None:
    result = runner.invoke(app, ["gvhd", "risk", *STAGES, "1", "--st2", "120", "--reg3a", "80"])
    assert result.exit_code == 0
    assert "Minnesota risk: standard" in result.stdout
    assert "MAGIC algorithm probability" in result.stdout
    assert "Upper GI 0" in result.stdout

"""``trialdesk stats``: statistics on exported CSV files from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from trialdesk.entrypoints.cli.app import app
from trialdesk.stats import CoxPH, FineGray, compare_proportions

runner = CliRunner()
DATA = Path(__file__).resolve().parents[1] / "golden" / "data"
COHORT = str(DATA / "competing_risks.csv")


def _json(args: list[str]) -> dict:
    result = runner.invoke(app, ["stats", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_proportions_prints_one_json_document_with_every_interval_and_test() -> None:
    document = _json(["proportions", "56/70", "48/80"])
    expected = compare_proportions(56, 70, 48, 80)
    assert document["risk_difference_ci"] == pytest.approx(list(expected.risk_difference_ci))
    assert document["risk_difference_ci_mn"] == pytest.approx(list(expected.risk_difference_ci_mn))
    assert document["p_value_fisher"] == pytest.approx(expected.p_value_fisher)


def test_proportions_without_json_prints_a_readable_table() -> None:
    result = runner.invoke(app, ["stats", "proportions", "9/10", "3/10"])
    assert result.exit_code == 0
    assert "Miettinen–Nurminen" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["3/2", "1/4"], "X1/N1: 3 responders exceed the 2 subjects"),
        (["1/4", "half"], "X2/N2: expected responders/subjects"),
        (["1/0", "1/4"], "X1/N1: must be > 0"),
    ],
)
def test_impossible_proportions_fail_with_a_message_naming_the_argument(args, message) -> None:
    result = runner.invoke(app, ["stats", "proportions", *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_survival_reports_medians_logrank_and_cox_for_groups_and_covariates() -> None:
    document = _json(
        ["survival", "--csv", COHORT, "--time", "time", "--event", "event", "--group", "arm",
         "--covariates", "arm,age"]
    )  # fmt: skip
    assert [curve["label"] for curve in document["kaplan_meier"]] == ["0", "1"]
    assert document["kaplan_meier"][0]["median"] == 144.0
    assert document["logrank"]["df"] == 1
    assert [c["covariate"] for c in document["cox"]["coefficients"]] == ["arm", "age"]


def test_cuminc_reports_estimates_with_variance_at_the_requested_times_and_grays_test() -> None:
    document = _json(
        ["cuminc", "--csv", COHORT, "--time", "time", "--status", "status", "--group", "arm",
         "--times", "90,365"]
    )  # fmt: skip
    estimates = pd.DataFrame(document["estimates"])
    assert sorted(estimates["time"].unique()) == [90.0, 365.0]
    assert len(estimates) == 2 * 2 * 2  # groups × causes × times
    assert (estimates["variance"] > 0).all()
    assert [test["cause"] for test in document["tests"]] == [1, 2]


def test_finegray_agrees_with_the_library_on_the_same_file() -> None:
    document = _json(
        ["finegray", "--csv", COHORT, "--time", "time", "--status", "status",
         "--covariates", "arm,age", "--cause", "2"]
    )  # fmt: skip
    data = pd.read_csv(COHORT)
    model = FineGray().fit(data.time, data.status, data[["arm", "age"]], cause=2)
    ours = [c["coef"] for c in document["coefficients"]]
    assert ours == pytest.approx(model.coefficients_["coef"].tolist())


def test_a_missing_column_is_named_with_its_option() -> None:
    result = runner.invoke(
        app,
        ["stats", "finegray", "--csv", COHORT, "--time", "time", "--status", "status",
         "--covariates", "arm,weight"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--covariates: no column 'weight'" in result.stderr


def test_a_non_numeric_value_is_reported_with_its_line(tmp_path: Path) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("time,event\n3,1\nfive,0\n", encoding="utf-8")
    result = runner.invoke(
        app, ["stats", "survival", "--csv", str(csv), "--time", "time", "--event", "event"]
    )
    assert result.exit_code == 2
    assert "--time: column 'time' has a non-numeric value 'five' on line 3" in result.stderr


def test_an_unreadable_csv_and_a_bad_status_fail_cleanly_with_json_errors(tmp_path: Path) -> None:
    missing = runner.invoke(
        app, ["stats", "cuminc", "--csv", str(tmp_path / "none.csv"), "--time", "t",
              "--status", "s", "--group", "g", "--json"]
    )  # fmt: skip
    assert missing.exit_code == 2
    assert json.loads(missing.stderr)["errors"][0]["field"] == "--csv"
    csv = tmp_path / "cr.csv"
    csv.write_text("t,s,g\n1,1,a\n2,-1,b\n", encoding="utf-8")
    bad = runner.invoke(
        app, ["stats", "cuminc", "--csv", str(csv), "--time", "t", "--status", "s", "--group", "g"]
    )
    assert bad.exit_code == 2
    assert "--status" in bad.stderr


def test_stratified_reports_cmh_breslow_day_risk_difference_and_logistic() -> None:
    from trialdesk.stats import breslow_day, stratified_risk_difference, stratified_tables

    document = _json(["stratified", "--csv", str(DATA / "binary.csv"), "--response", "response",
                      "--group", "arm", "--strata", "site"])  # fmt: skip
    data = pd.read_csv(DATA / "binary.csv")
    tables = stratified_tables(data.response, data.arm, data.site)
    assert document["tables"] == tables.tolist()
    expected_bd, expected_rd = breslow_day(tables), stratified_risk_difference(tables)
    assert document["breslow_day"]["statistic_tarone"] == pytest.approx(
        expected_bd.statistic_tarone
    )
    assert document["risk_difference"]["ci_sato"] == pytest.approx(list(expected_rd.ci_sato))
    assert document["risk_difference"]["ci_mn"] == pytest.approx(list(expected_rd.ci_mn))
    assert document["logistic"]["estimable"] is True
    assert document["cmh"]["estimable"] is True


def test_stratified_says_why_under_separation_and_writes_infinity(tmp_path: Path) -> None:
    # Nobody in group 0 responded, in either stratum: the odds ratios are infinite.
    rows = [(1, 1, "a"), (0, 1, "a"), (0, 0, "a"), (0, 0, "a"),
            (1, 1, "b"), (1, 1, "b"), (0, 1, "b"), (0, 0, "b"), (0, 0, "b")]  # fmt: skip
    path = tmp_path / "early.csv"
    pd.DataFrame(rows, columns=["cr", "arm", "site"]).to_csv(path, index=False)
    document = _json(["stratified", "--csv", str(path), "--response", "cr", "--group", "arm",
                      "--strata", "site"])  # fmt: skip
    assert document["logistic"]["estimable"] is False
    assert document["logistic"]["reason"] == (
        "not estimable: no responder in arm 0 in site a and site b (quasi-complete separation)"
    )
    assert document["cmh"]["common_odds_ratio"] == "Infinity"
    assert document["breslow_day"]["estimable"] is False
    assert document["breslow_day"]["common_odds_ratio"] == "Infinity"
    assert document["risk_difference"]["estimable"] is True


def test_stratified_names_a_missing_stratum_column() -> None:
    result = runner.invoke(app, ["stats", "stratified", "--csv", str(DATA / "binary.csv"),
                                 "--response", "response", "--group", "arm", "--strata", "centre",
                                 "--json"])  # fmt: skip
    assert result.exit_code == 2
    assert "--strata" in result.output


def test_survival_cox_takes_ties_and_several_strata_and_prints_the_global_tests() -> None:
    document = _json(
        ["survival", "--csv", COHORT, "--time", "time", "--event", "event",
         "--covariates", "arm,age", "--ties", "breslow", "--strata", "site,grade"]
    )  # fmt: skip
    data = pd.read_csv(COHORT)
    model = CoxPH(ties="breslow").fit(
        data, time="time", event="event", covariates=["arm", "age"], strata=["site", "grade"]
    )
    cox = document["cox"]
    assert (cox["ties"], cox["strata"], cox["estimable"]) == ("breslow", ["site", "grade"], True)
    assert [c["coef"] for c in cox["coefficients"]] == pytest.approx(
        model.coefficients_["coef"].tolist()
    )
    assert set(cox["tests"]) == {"likelihood_ratio", "wald", "score"}
    assert cox["tests"]["score"]["df"] == 2
    assert "logrank" not in document  # no --group: the strata serve the Cox model alone
    text = runner.invoke(app, ["stats", "survival", "--csv", COHORT, "--time", "time", "--event",
                               "event", "--covariates", "arm", "--ties", "exact"])  # fmt: skip
    assert text.exit_code == 2
    assert "--ties: must be one of efron, breslow" in text.stderr


def test_survival_cox_separation_is_not_estimable_in_json_with_infinity_as_a_string() -> None:
    document = _json(
        ["survival", "--csv", str(DATA / "separated.csv"), "--time", "time", "--event", "event",
         "--covariates", "arm,age"]
    )  # fmt: skip
    arm = document["cox"]["coefficients"][0]
    assert (arm["covariate"], arm["estimable"], arm["hazard_ratio"]) == ("arm", False, "Infinity")
    assert arm["reason"] == "not estimable: every event is in one group (monotone likelihood)"
    assert arm["p"] is None
    assert document["cox"]["estimable"] is False


def test_survival_cox_with_collinear_covariates_no_longer_exits_with_an_internal_error() -> None:
    args = ["stats", "survival", "--csv", str(DATA / "collinear.csv"), "--time", "time",
            "--event", "event", "--covariates", "arm,age,total"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "a linear combination of arm, age" in result.stdout
    document = _json(args[1:])
    assert [c["estimable"] for c in document["cox"]["coefficients"]] == [True, True, False]


def test_survival_landmarks_and_rmst_say_why_a_day_beyond_follow_up_has_no_estimate() -> None:
    args = [
        "survival",
        "--csv",
        str(DATA / "short_follow_up.csv"),
        "--time",
        "time",
        "--event",
        "event",
        "--group",
        "arm",
        "--landmark",
        "90,180,365",
        "--rmst",
        "250",
    ]
    document = _json(args)
    estimates = pd.DataFrame(document["landmark"]["estimates"])
    beyond = estimates[(estimates["group"] == "1") & (estimates["time"] == 365)].iloc[0]
    assert beyond["reason"] == "no patient followed to day 365 (last follow-up day 298)"
    assert beyond["survival"] is None or np.isnan(beyond["survival"])
    assert document["rmst"]["tau"] == 250
    assert document["rmst"]["differences"][0]["comparison"] == "1 − 0"
    text = runner.invoke(app, ["stats", *args])
    assert text.exit_code == 0
    assert "1, day 365: no patient followed to day 365" in text.stdout
    assert "–%" not in text.stdout
    bad = runner.invoke(app, ["stats", *args[:-1], "-5"])
    assert bad.exit_code == 2
    assert "--rmst: must be a positive number" in bad.stderr


def test_cuminc_estimates_carry_log_log_intervals() -> None:
    document = _json(
        ["cuminc", "--csv", COHORT, "--time", "time", "--status", "status", "--group", "arm",
         "--times", "90,365"]
    )  # fmt: skip
    for row in document["estimates"]:
        assert row["lower"] < row["estimate"] < row["upper"]

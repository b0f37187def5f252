"""Breslow–Day, the stratified risk difference and logistic regression under separation, against
R code written from the published formulas (tests/golden/binary_methods.json)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from golden_values import ESTIMATE_RTOL, P_VALUE_RTOL, assert_close

from trialdesk.domain.errors import InputError
from trialdesk.stats import StratifiedLogisticRegression, breslow_day, stratified_risk_difference


def _tables(rows: list[list[float]]) -> np.ndarray:
    return np.asarray(rows, dtype=float).reshape(-1, 2, 2)


@pytest.mark.parametrize(
    "key", ["ucb_admissions", "binary_by_site", "binary_by_grade_and_site", "zero_margins"]
)
def test_breslow_day_with_tarones_correction_matches_the_formula_in_r(golden, key) -> None:
    expected = golden("binary_methods")["breslow_day"][key]
    result = breslow_day(_tables(expected.get("all_tables", expected["tables"])))
    assert result.estimable
    assert result.df == expected["df"]
    assert_close(result.common_odds_ratio, expected["common_odds_ratio"], ESTIMATE_RTOL)
    assert_close(result.expected, expected["expected"], ESTIMATE_RTOL)
    assert_close(result.statistic, expected["statistic"], ESTIMATE_RTOL)
    assert_close(result.statistic_tarone, expected["statistic_tarone"], ESTIMATE_RTOL)
    assert_close(result.p_value, expected["p_value"], P_VALUE_RTOL)
    assert_close(result.p_value_tarone, expected["p_value_tarone"], P_VALUE_RTOL)


def test_breslow_day_on_the_berkeley_admissions_is_the_published_value(golden) -> None:
    ucb = golden("binary_methods")["breslow_day"]["ucb_admissions"]
    result = breslow_day(_tables(ucb["tables"]))
    assert round(result.statistic, 2) == ucb["published_statistic"]  # 18.83 on 5 df
    assert result.df == 5


def test_strata_with_an_empty_margin_are_left_out_and_named(golden) -> None:
    expected = golden("binary_methods")["breslow_day"]["zero_margins"]
    result = breslow_day(_tables(expected["all_tables"]))
    assert list(result.strata_used) == expected["strata_used"]
    assert result.dropped == (
        "stratum 3: no subject in the first group",
        "stratum 4: no non-responder in either group",
    )
    assert result.to_dict()["dropped"] == list(result.dropped)


@pytest.mark.parametrize(
    ("tables", "words"),
    [
        ([[3, 0, 0, 4], [2, 0, 1, 3]], "the common odds ratio is infinite"),
        ([[0, 3, 4, 0], [0, 2, 3, 1]], "the common odds ratio is 0"),
        ([[3, 2, 1, 4], [0, 0, 3, 2]], "1 stratum with both groups and both outcomes"),
    ],
)
def test_breslow_day_says_why_it_is_not_estimable(tables, words) -> None:
    result = breslow_day(_tables(tables))
    assert not result.estimable
    assert result.reason.startswith("not estimable: ")
    assert words in result.reason
    assert math.isnan(result.statistic)
    assert result.to_dict()["estimable"] is False


@pytest.mark.parametrize(
    "key",
    ["ucb_admissions", "binary_by_site", "binary_by_grade_and_site", "zero_margins", "boundary",
     "newcombe_example"],
)  # fmt: skip
def test_stratified_risk_difference_matches_the_published_formulas_in_r(golden, key) -> None:
    expected = golden("binary_methods")["risk_difference"][key]
    result = stratified_risk_difference(_tables(expected.get("all_tables", expected["tables"])))
    assert result.estimable
    assert_close(result.weights, expected["weights"], ESTIMATE_RTOL)
    assert_close(result.proportions, expected["proportions"], ESTIMATE_RTOL)
    assert_close(result.estimate, expected["risk_difference"], ESTIMATE_RTOL)
    assert_close(result.se_sato, expected["se_sato"], ESTIMATE_RTOL)
    assert_close(result.ci_sato, expected["ci_sato"], ESTIMATE_RTOL)
    assert_close(result.p_value_sato, expected["p_value_sato"], P_VALUE_RTOL)
    assert_close(result.ci_newcombe, expected["ci_newcombe"], ESTIMATE_RTOL)
    assert_close(result.ci_mn, expected["ci_mn"], ESTIMATE_RTOL)


def test_with_one_stratum_the_intervals_are_newcombes_printed_values(golden) -> None:
    # Newcombe (1998) Table II, 56/70 vs 48/80: method 10 and method 6 (Miettinen–Nurminen).
    example = golden("binary_methods")["risk_difference"]["newcombe_example"]
    result = stratified_risk_difference(_tables(example["tables"]))
    assert np.round(result.ci_newcombe, 4).tolist() == example["published_newcombe"]
    assert np.round(result.ci_mn, 4).tolist() == example["published_mn"]


def test_a_stratum_without_one_group_gets_no_weight_and_is_named(golden) -> None:
    expected = golden("binary_methods")["risk_difference"]["zero_margins"]
    result = stratified_risk_difference(_tables(expected["all_tables"]))
    assert list(result.strata_used) == expected["strata_used"]
    assert result.dropped == ("stratum 3: no subject in the first group",)


def test_without_a_stratum_holding_both_groups_the_difference_is_not_estimable() -> None:
    result = stratified_risk_difference(_tables([[0, 0, 3, 2], [2, 1, 0, 0]]))
    assert not result.estimable
    assert result.reason == "not estimable: no stratum has subjects in both groups"
    assert result.to_dict()["risk_difference"] is None


def test_bad_tables_are_refused_naming_the_argument() -> None:
    with pytest.raises(InputError) as caught:
        stratified_risk_difference([[1, 2, 3, 4]])
    assert caught.value.errors[0].field == "tables"
    with pytest.raises(InputError, match="whole numbers"):
        breslow_day([[[1, -2], [3, 4]]])


def _frame(data: dict) -> pd.DataFrame:
    return pd.DataFrame({k: v if isinstance(v, list) else [v] for k, v in data.items()})


def test_quasi_separation_is_not_estimable_with_the_reason_where_glm_diverges(golden) -> None:
    case = golden("binary_methods")["logistic_quasi_separation"]
    # R's glm "converges" to a treatment coefficient above 30 (odds ratio ~1e13) with a
    # standard error in the millions: the shape the report used to print as an estimate.
    assert case["glm_coef"][1] > 30
    assert case["glm_se"][1] > 1e6
    fit = StratifiedLogisticRegression().fit(
        _frame(case["data"]), response="response", treatment="arm", strata=["stratum"],
        labels={1: "arm A", 0: "arm B"},
    )  # fmt: skip
    assert not fit.estimable_
    assert fit.reason_ == (
        "not estimable: no responder in arm B in stratum 2 (quasi-complete separation)"
    )
    document = fit.to_dict()
    assert document["estimable"] is False
    assert document["reason"] == fit.reason_
    assert document["odds_ratio"] is None


def test_a_stratum_without_responders_diverges_alone_and_the_treatment_matches_r(golden) -> None:
    case = golden("binary_methods")["logistic_stratum_without_responders"]
    fit = StratifiedLogisticRegression().fit(
        _frame(case["data"]), response="response", treatment="arm", strata=["stratum"]
    )
    assert fit.estimable_
    assert_close(fit.coefficients_.loc["arm", "coef"], case["arm_coef"], ESTIMATE_RTOL)
    assert_close(fit.coefficients_.loc["arm", "se"], case["arm_se"], ESTIMATE_RTOL)
    assert fit.coefficients_["estimable"].tolist() == [True, True, False]


def test_complete_separation_names_both_arms_and_every_stratum() -> None:
    data = pd.DataFrame({"y": [0, 0, 0, 1, 1, 1], "arm": [0, 0, 0, 1, 1, 1], "s": [0, 1] * 3})
    fit = StratifiedLogisticRegression().fit(
        data, response="y", treatment="arm", strata=["s"], labels={1: "Arm A", 0: "Arm B"}
    )
    assert fit.reason_ == (
        "not estimable: no responder in Arm B in s 0 and s 1; every subject in Arm A "
        "responded in s 0 and s 1 (complete separation)"
    )


def test_an_odds_ratio_running_to_zero_names_the_arm_without_responders() -> None:
    data = pd.DataFrame({"y": [0, 0, 1, 1, 0, 0, 0, 1], "arm": [1, 1, 0, 0, 1, 1, 0, 0],
                         "stratum": ["x"] * 4 + ["y"] * 4})  # fmt: skip
    fit = StratifiedLogisticRegression().fit(
        data, response="y", treatment="arm", strata=["stratum"], labels={1: "A", 0: "B"}
    )
    assert not fit.estimable_
    assert fit.reason_ == (
        "not estimable: no responder in A in stratum x and stratum y; every subject in B "
        "responded in stratum x (quasi-complete separation)"
    )


def test_a_treatment_confounded_with_the_strata_is_not_estimable() -> None:
    data = pd.DataFrame({"y": [0, 1, 0, 1, 1, 0], "arm": [0, 0, 0, 1, 1, 1],
                         "s": [0] * 3 + [1] * 3})  # fmt: skip
    fit = StratifiedLogisticRegression().fit(data, response="y", treatment="arm", strata=["s"])
    assert not fit.estimable_
    assert "confounded with the strata" in fit.reason_

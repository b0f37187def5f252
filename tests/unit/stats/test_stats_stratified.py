"""Cochran–Mantel–Haenszel and stratified logistic regression against R."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from golden_values import ESTIMATE_RTOL, P_VALUE_RTOL, assert_close

from trialdesk.domain.errors import InputError
from trialdesk.stats import (
    StratifiedLogisticRegression,
    compare_proportions,
    mantel_haenszel,
    stratified_tables,
)


@pytest.mark.parametrize(
    ("key", "strata"),
    [("by_site", lambda d: d.site), ("by_grade_and_site", lambda d: d.grade * 10 + d.site)],
)
def test_cmh_test_and_common_odds_ratio_match_mantelhaen_test(golden, dataset, key, strata):
    data, expected = dataset("binary"), golden("stratified")[key]
    tables = stratified_tables(data.response, data.arm, strata(data))
    assert tables.reshape(len(tables), 4).tolist() == expected["tables"]
    result = mantel_haenszel(tables)
    assert_close(result.statistic, expected["statistic"], ESTIMATE_RTOL)
    assert_close(result.p_value, expected["p_value"], P_VALUE_RTOL)
    assert_close(result.statistic_corrected, expected["statistic_corrected"], ESTIMATE_RTOL)
    assert_close(result.p_value_corrected, expected["p_value_corrected"], P_VALUE_RTOL)
    assert_close(result.common_odds_ratio, expected["common_odds_ratio"], ESTIMATE_RTOL)
    assert_close(result.common_odds_ratio_ci, expected["common_odds_ratio_ci"], ESTIMATE_RTOL)


def test_with_one_stratum_the_cmh_statistic_is_pearsons_times_n_minus_1_over_n() -> None:
    result = mantel_haenszel([[[40, 25], [28, 37]]])
    pearson = compare_proportions(40, 65, 28, 65).chi2
    assert result.statistic == pytest.approx(pearson * 129 / 130)
    assert result.common_odds_ratio == pytest.approx(40 * 37 / (25 * 28))


def test_logistic_regression_matches_glm_with_factor_strata(golden, dataset) -> None:
    expected = golden("stratified")["logistic"]
    model = StratifiedLogisticRegression().fit(
        dataset("binary"), response="response", treatment="arm", strata=["grade", "site"]
    )
    table = model.coefficients_
    assert list(table.index)[:2] == ["(Intercept)", "arm"]
    assert_close(table["coef"], expected["coef"], ESTIMATE_RTOL)
    assert_close(table["se"], expected["se"], ESTIMATE_RTOL)
    assert_close(table["p"], expected["p_value"], P_VALUE_RTOL)
    assert model.to_dict()["odds_ratio"] == pytest.approx(np.exp(expected["coef"][1]))


def test_logistic_regression_names_a_missing_column(dataset) -> None:
    with pytest.raises(InputError) as caught:
        StratifiedLogisticRegression().fit(
            dataset("binary"), response="response", treatment="arm", strata=["centre"]
        )
    assert caught.value.errors[0].field == "centre"


def test_a_stratum_with_fewer_than_two_subjects_is_rejected_by_index() -> None:
    with pytest.raises(InputError) as caught:
        mantel_haenszel([[[3, 2], [1, 4]], [[1, 0], [0, 0]]])
    assert caught.value.errors[0].field == "tables[1]"


def test_tables_that_are_not_2_by_2_are_rejected() -> None:
    with pytest.raises(InputError, match="K×2×2"):
        mantel_haenszel([[1, 2, 3, 4]])


def test_perfect_separation_is_reported_not_estimable_instead_of_an_infinite_odds_ratio() -> None:
    data = pd.DataFrame({"y": [0, 0, 0, 1, 1, 1], "arm": [0, 0, 0, 1, 1, 1], "s": [0, 1] * 3})
    fit = StratifiedLogisticRegression().fit(data, response="y", treatment="arm", strata=["s"])
    assert not fit.estimable_
    assert fit.reason_.endswith("(complete separation)")
    assert fit.coefficients_["coef"].isna().all()


def test_a_stratum_without_responders_leaves_the_treatment_odds_ratio_estimable() -> None:
    # Stratum b has no responder: its own term diverges (its interval overflows to 0..inf, as
    # in R) while the treatment term is the within-stratum-a estimate, log OR = log 2.
    data = pd.DataFrame({
        "y": [1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        "t": [1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1],
        "s": ["a"] * 7 + ["b"] * 7,
    })  # fmt: skip
    fit = StratifiedLogisticRegression().fit(data, response="y", treatment="t", strata=["s"])
    assert fit.coefficients_.loc["t", "odds_ratio"] == pytest.approx(2.0, rel=1e-6)
    assert fit.coefficients_.loc["s[b]", "upper"] == np.inf

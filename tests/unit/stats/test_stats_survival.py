"""Kaplan–Meier, log-rank and Cox against R's survival package."""

from __future__ import annotations

import numpy as np
import pytest
from golden_values import ESTIMATE_RTOL, P_VALUE_RTOL, as_numbers, assert_close

from trialdesk.domain.errors import InputError
from trialdesk.stats import CoxPH, KaplanMeier, logrank_test, survival_quantile

CURVES = [
    ("km_waltons", "waltons", "T", "E", "group"),
    ("km_rossi_fin", "rossi", "week", "arrest", "fin"),
    ("km_cohort_arm", "competing_risks", "time", "event", "arm"),
]


@pytest.mark.parametrize(("key", "data", "time", "event", "group"), CURVES)
def test_kaplan_meier_curves_and_medians_match_survfit_log_log(
    golden, dataset, key, data, time, event, group
) -> None:
    frame = dataset(data)
    for expected in golden("survival")[key]:
        subset = frame[frame[group].astype(str) == expected["group"]]
        fit = KaplanMeier().fit(subset[time], subset[event])
        table = fit.table_
        assert_close(table["time"], expected["time"], ESTIMATE_RTOL)
        assert_close(table["n_risk"], expected["n_risk"], ESTIMATE_RTOL)
        assert_close(table["survival"], expected["survival"], ESTIMATE_RTOL)
        assert_close(table["std_err"], expected["std_err"], ESTIMATE_RTOL)
        assert_close(table["lower"], expected["lower"], ESTIMATE_RTOL)
        assert_close(table["upper"], expected["upper"], ESTIMATE_RTOL)
        assert_close(fit.median_, expected["median"], ESTIMATE_RTOL)
        assert_close(fit.median_ci_, expected["median_ci"], ESTIMATE_RTOL)


def test_median_on_a_flat_stretch_at_one_half_is_the_midpoint_to_the_next_drop() -> None:
    # Values from R 4.2, survival 3.5: summary(survfit(Surv(t, e) ~ 1))$table["median"].
    assert KaplanMeier().fit([1, 2, 3, 4], [1, 1, 0, 1]).median_ == 3.0
    assert KaplanMeier().fit([1, 2, 3, 4, 5, 6], [1, 1, 1, 0, 1, 1]).median_ == 4.0
    times = np.array([1.0, 2.0, 3.0, 4.0])
    assert survival_quantile(times, np.array([0.75, 0.6, 0.4, 0.2]), 0.5) == 3.0
    assert np.isnan(survival_quantile(times, np.array([0.9, 0.8, 0.7, 0.6]), 0.5))


def test_a_curve_without_events_has_no_median_and_no_median_interval() -> None:
    # Every subject censored: the curve stays at 1 and its log-log limits are undefined.
    fit = KaplanMeier().fit([3, 5, 8], [0, 0, 0])
    assert np.isnan(fit.median_)
    assert all(np.isnan(limit) for limit in fit.median_ci_)
    assert np.isnan(survival_quantile(np.array([1.0, 2.0]), np.array([np.nan, np.nan]), 0.5))


def test_survival_at_reads_the_right_continuous_step_function() -> None:
    fit = KaplanMeier().fit([1, 2, 2, 3, 5], [1, 1, 0, 1, 0])
    assert fit.survival_at([0.5, 1, 2.5, 10]) == pytest.approx([1.0, 0.8, 0.6, 0.3])


@pytest.mark.parametrize(
    ("key", "data", "time", "event", "group", "strata"),
    [
        ("logrank_waltons", "waltons", "T", "E", "group", None),
        ("logrank_rossi_fin", "rossi", "week", "arrest", "fin", None),
        ("logrank_rossi_fin_by_wexp", "rossi", "week", "arrest", "fin", "wexp"),
        ("logrank_cohort_grade_by_site", "competing_risks", "time", "event", "grade", "site"),
    ],
)
def test_logrank_test_matches_survdiff(golden, dataset, key, data, time, event, group, strata):
    frame, expected = dataset(data), golden("survival")[key]
    result = logrank_test(frame[time], frame[event], frame[group], None if strata is None
                          else frame[strata])  # fmt: skip
    assert result.df == expected["df"]
    assert_close(result.statistic, expected["statistic"], ESTIMATE_RTOL)
    assert_close(result.p_value, expected["p_value"], P_VALUE_RTOL)
    assert_close(result.observed, expected["observed"], ESTIMATE_RTOL)
    assert_close(result.expected, expected["expected"], ESTIMATE_RTOL)


@pytest.mark.parametrize(
    ("key", "data", "time", "event"),
    [
        ("cox_rossi", "rossi", "week", "arrest"),
        ("cox_rossi_breslow", "rossi", "week", "arrest"),
        ("cox_cohort", "competing_risks", "time", "event"),
    ],
)
def test_cox_model_matches_coxph(golden, dataset, key, data, time, event) -> None:
    expected = golden("survival")[key]
    model = CoxPH(ties=expected["ties"]).fit(
        dataset(data), time=time, event=event, covariates=expected["terms"]
    )
    table = model.coefficients_
    assert_close(table["coef"], expected["coef"], ESTIMATE_RTOL)
    assert_close(table["se"], expected["se"], ESTIMATE_RTOL)
    assert_close(table["lower"], expected["lower"], ESTIMATE_RTOL)
    assert_close(table["upper"], expected["upper"], ESTIMATE_RTOL)
    assert_close(table["p"], expected["p_value"], P_VALUE_RTOL)
    assert_close(model.log_likelihood_, expected["loglik"], ESTIMATE_RTOL)


def test_negative_times_and_events_coded_otherwise_than_0_1_are_rejected() -> None:
    with pytest.raises(InputError, match="time"):
        KaplanMeier().fit([1, -2], [1, 0])
    with pytest.raises(InputError, match="event"):
        KaplanMeier().fit([1, 2], [1, 2])
    with pytest.raises(InputError, match="group"):
        logrank_test([1, 2], [1, 0], ["a", "a"])


def test_cox_rejects_unknown_ties_method_and_missing_columns(dataset) -> None:
    with pytest.raises(InputError, match="ties"):
        CoxPH(ties="exact")
    with pytest.raises(InputError) as caught:
        CoxPH().fit(dataset("rossi"), time="week", event="arrest", covariates=["income"])
    assert caught.value.errors[0].field == "income"


def test_golden_helpers_read_r_missing_and_infinite_values() -> None:
    assert np.isnan(as_numbers([None])[0])
    assert np.isinf(as_numbers(["Infinity"])[0])


def test_cox_refuses_a_constant_covariate_by_name(dataset) -> None:
    rossi = dataset("rossi").assign(country=1.0)
    with pytest.raises(InputError) as caught:
        CoxPH().fit(rossi, time="week", event="arrest", covariates=["fin", "country"])
    assert caught.value.errors[0].field == "country"

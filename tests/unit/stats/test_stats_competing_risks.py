"""Cumulative incidence, Gray's test and Fine–Gray against cmprsk (cuminc, crr)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from golden_values import ESTIMATE_RTOL, GOLDEN, P_VALUE_RTOL, assert_close

from trialdesk.domain.errors import InputError
from trialdesk.stats import CoxPH, CumulativeIncidence, FineGray, gray_test


@pytest.mark.parametrize(
    ("key", "group", "strata"),
    [("cuminc_by_arm", "arm", None), ("cuminc_by_grade_strata_site", "grade", "site")],
)
def test_cumulative_incidence_and_gray_test_match_cuminc(golden, dataset, key, group, strata):
    data, expected = dataset("competing_risks"), golden("competing_risks")[key]
    model = CumulativeIncidence().fit(
        data.time, data.status, data[group], None if strata is None else data[strata]
    )
    table = model.at(expected["times"])
    for curve in expected["curves"]:
        rows = table[(table.group == curve["group"]) & (table.cause == curve["cause"])]
        assert_close(rows["estimate"], curve["estimate"], ESTIMATE_RTOL)
        assert_close(rows["variance"], curve["variance"], ESTIMATE_RTOL)
    assert len(model.tests_) == len(expected["tests"])
    for ours, theirs in zip(model.tests_, expected["tests"], strict=True):
        assert ours.cause == theirs["cause"]
        assert ours.df == theirs["df"]
        assert_close(ours.statistic, theirs["statistic"], ESTIMATE_RTOL)
        assert_close(ours.p_value, theirs["p_value"], P_VALUE_RTOL)


def test_with_a_single_cause_the_cumulative_incidence_is_one_minus_kaplan_meier() -> None:
    time = np.array([2.0, 3, 3, 5, 8, 9, 12])
    status = np.array([1, 0, 1, 1, 0, 1, 0])
    curve = CumulativeIncidence().fit(time, status).curves_
    # KM: 1 - 1/7, then × (1 - 1/6) at t=3, × (1 - 1/4) at 5, × (1 - 1/2) at 9
    survival = np.cumprod([6 / 7, 5 / 6, 3 / 4, 1 / 2])
    assert curve["estimate"].to_numpy() == pytest.approx(1 - survival)


@pytest.mark.parametrize("cause", [1, 2])
def test_fine_gray_matches_crr_with_robust_standard_errors(golden, dataset, cause) -> None:
    data, expected = dataset("competing_risks"), golden("competing_risks")[f"crr_cause{cause}"]
    model = FineGray().fit(data.time, data.status, data[expected["terms"]], cause=cause)
    assert model.converged_
    assert_close(model.coefficients_["coef"], expected["coef"], ESTIMATE_RTOL)
    assert_close(model.coefficients_["se"], expected["se"], ESTIMATE_RTOL)
    assert_close(model.log_likelihood_, expected["loglik"], ESTIMATE_RTOL)


def test_without_competing_events_fine_gray_estimates_equal_cox_with_breslow_ties(dataset):
    rossi = dataset("rossi")
    covariates = ["fin", "age", "prio"]
    fine_gray = FineGray().fit(rossi.week, rossi.arrest, rossi[covariates], cause=1)
    cox = CoxPH(ties="breslow").fit(rossi, time="week", event="arrest", covariates=covariates)
    assert fine_gray.coefficients_["coef"].to_numpy() == pytest.approx(
        cox.coefficients_["coef"].to_numpy(), rel=1e-8
    )


def test_fine_gray_reports_a_cause_nobody_failed_from() -> None:
    with pytest.raises(InputError) as caught:
        FineGray().fit([1, 2, 3], [1, 0, 2], [[0.0], [1.0], [0.0]], cause=3)
    assert caught.value.errors[0].field == "cause"


def test_gray_test_needs_two_groups_and_valid_status() -> None:
    with pytest.raises(InputError, match="group"):
        gray_test([1, 2, 3], [1, 2, 0], [0, 0, 0])
    with pytest.raises(InputError, match="status"):
        gray_test([1, 2, 3], [1, -1, 0], [0, 1, 1])


def test_the_committed_synthetic_cohort_is_what_the_seeded_generator_draws(dataset) -> None:
    spec = importlib.util.spec_from_file_location("make_data", GOLDEN / "make_data.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    regenerated = module.competing_risks_cohort(np.random.default_rng(module.SEED), 400)
    committed = dataset("competing_risks")
    np.testing.assert_allclose(regenerated.to_numpy(float), committed.to_numpy(float))


def test_fine_gray_refuses_constant_and_collinear_covariates_by_name() -> None:
    rng = np.random.default_rng(7)
    time, status, age = rng.exponential(size=200), rng.integers(0, 3, 200), rng.normal(size=200)
    with pytest.raises(InputError, match="site is constant"):
        FineGray().fit(time, status, np.column_stack([age, np.ones(200)]), names=["age", "site"])
    with pytest.raises(InputError, match="collinear"):
        FineGray().fit(time, status, np.column_stack([age, 2 * age]))


def test_fine_gray_refuses_a_lone_event_with_nobody_else_at_risk_as_inestimable() -> None:
    # The only event happens to the last subject at risk: the information matrix is zero, so
    # no standard error exists; this is a clear input error, not a linear-algebra traceback.
    with pytest.raises(InputError, match="covariates: are collinear or separate the events"):
        FineGray().fit([5, 8, 12, 20], [0, 0, 0, 1], [1.0, 0.0, 0.0, 1.0])

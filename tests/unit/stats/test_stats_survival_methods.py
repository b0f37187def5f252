"""Cox global tests, ties, strata and estimability; Fine–Gray separation; landmark survival;
RMST; cumulative-incidence intervals — against R (tests/golden/make_golden_survival.R)."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pandas as pd
import pytest
from golden_values import ESTIMATE_RTOL, GOLDEN, P_VALUE_RTOL, as_numbers, assert_close

from trialdesk.domain.errors import InputError
from trialdesk.stats import CoxPH, CumulativeIncidence, FineGray, landmark_survival, rmst
from trialdesk.stats._estimability import MONOTONE

COX = [
    ("cox_rossi_efron", "rossi", "week", "arrest", None, "efron"),
    ("cox_rossi_breslow", "rossi", "week", "arrest", None, "breslow"),
    ("cox_cohort_strata_efron", "competing_risks", "time", "event", ["site", "grade"], "efron"),
    ("cox_cohort_strata_breslow", "competing_risks", "time", "event", "site", "breslow"),
]


def _methods(golden):
    return golden("survival_methods")


def _check_tests(model: CoxPH, expected, names=("likelihood_ratio", "wald", "score")) -> None:
    for name in names:
        row = model.tests_.loc[name]
        assert row["df"] == expected[name]["df"]
        assert_close(row["statistic"], expected[name]["statistic"], ESTIMATE_RTOL)
        assert_close(row["p"], expected[name]["p_value"], P_VALUE_RTOL)


@pytest.mark.parametrize(("key", "data", "time", "event", "strata", "ties"), COX)
def test_cox_coefficients_and_global_tests_match_summary_coxph(
    golden, dataset, key, data, time, event, strata, ties
) -> None:
    expected = _methods(golden)[key]
    model = CoxPH(ties=ties).fit(dataset(data), time=time, event=event,
                                 covariates=expected["terms"], strata=strata)  # fmt: skip
    assert model.estimable_
    assert_close(model.coefficients_["coef"], expected["coef"], ESTIMATE_RTOL)
    assert_close(model.coefficients_["se"], expected["se"], ESTIMATE_RTOL)
    assert_close(model.coefficients_["p"], expected["p_value"], P_VALUE_RTOL)
    assert_close([model.log_likelihood_null_, model.log_likelihood_], expected["loglik"],
                 ESTIMATE_RTOL)  # fmt: skip
    _check_tests(model, expected)


def test_efron_and_breslow_differ_on_tied_times_and_strata_change_the_fit(dataset) -> None:
    frame = dataset("competing_risks")
    fits = [
        CoxPH(ties=t).fit(frame, time="time", event="event", covariates=["arm", "age"], strata=s)
        for t in ("efron", "breslow")
        for s in (None, "site")
    ]
    coefficients = {round(float(f.coefficients_.loc["arm", "coef"]), 10) for f in fits}
    assert len(coefficients) == 4
    assert fits[1].n_strata_ == 2
    assert fits[1].to_dict()["strata"] == ["site"]


@pytest.mark.parametrize(
    ("key", "strata", "ties"),
    [("cox_separated", None, "efron"), ("cox_separated_strata", "site", "breslow")],
)
def test_cox_with_every_event_in_one_arm_is_not_estimable_instead_of_a_huge_hazard_ratio(
    golden, dataset, key, strata, ties
) -> None:
    expected = _methods(golden)[key]
    # R sees it too: "Loglik converged before variable 1; coefficient may be infinite".
    assert any("coefficient may be infinite" in w for w in expected["warnings"])
    model = CoxPH(ties=ties).fit(dataset("separated"), time="time", event="event",
                                 covariates=["arm", "age"], strata=strata)  # fmt: skip
    arm = model.coefficients_.loc["arm"]
    assert not model.estimable_
    assert not arm["estimable"]
    assert (
        arm["reason"]
        == MONOTONE
        == ("not estimable: every event is in one group (monotone likelihood)")
    )
    assert arm["coef"] == math.inf
    assert arm["hazard_ratio"] == math.inf
    assert all(math.isnan(arm[c]) for c in ("se", "lower", "upper", "p"))
    # The other coefficient, the likelihood-ratio and the score test are still R's.
    assert_close(model.coefficients_.loc["age", "coef"], expected["coef"][1], ESTIMATE_RTOL)
    assert_close(model.coefficients_.loc["age", "se"], expected["se"][1], ESTIMATE_RTOL)
    _check_tests(model, expected, ("likelihood_ratio", "score"))
    # R's Wald test (statistic ~0, p ~1 from a coefficient of 23 with a standard error of
    # 30,000) means nothing; it is reported as missing, with the reason.
    assert math.isnan(model.tests_.loc["wald", "statistic"])
    document = model.to_dict()
    assert document["estimable"] is False
    assert document["reasons"] == [f"arm: {MONOTONE}"]
    assert "infinite" in document["tests"]["wald"]["reason"]


def test_cox_with_collinear_covariates_reports_the_aliased_one_as_r_reports_na(
    golden, dataset
) -> None:
    expected = _methods(golden)["cox_collinear"]
    model = CoxPH().fit(dataset("collinear"), time="time", event="event",
                        covariates=["arm", "age", "total"])  # fmt: skip
    table = model.coefficients_
    assert list(table["estimable"]) == [True, True, False]
    assert table.loc["total", "reason"] == (
        "not estimable: a linear combination of arm, age (collinear covariates)"
    )
    assert_close(table["coef"], expected["coef"], ESTIMATE_RTOL)  # NaN where R has NA
    assert_close(table["se"], expected["se"], ESTIMATE_RTOL)
    _check_tests(model, expected)
    assert model.to_dict()["reasons"] == [f"total: {table.loc['total', 'reason']}"]


def test_cox_covariate_constant_within_every_stratum_is_not_estimable(dataset) -> None:
    frame = dataset("competing_risks").assign(site_copy=lambda f: f["site"] * 3 + 1)
    model = CoxPH().fit(frame, time="time", event="event", covariates=["age", "site_copy"],
                        strata="site")  # fmt: skip
    assert model.coefficients_.loc["site_copy", "reason"] == (
        "not estimable: constant within every stratum"
    )
    assert model.coefficients_.loc["age", "estimable"]


def test_cox_rejects_unknown_ties_and_data_without_events(dataset) -> None:
    with pytest.raises(InputError, match="ties: must be one of efron, breslow"):
        CoxPH(ties="exact")
    frame = dataset("separated").assign(event=0)
    with pytest.raises(InputError, match="event: has no events"):
        CoxPH().fit(frame, time="time", event="event", covariates=["age"])


def test_fine_gray_with_every_cause_one_failure_in_one_arm_is_not_converged_nor_estimable(
    golden, dataset
) -> None:
    expected = _methods(golden)["crr_separated"]
    frame = dataset("separated")
    model = FineGray().fit(frame["time"], frame["status"], frame[["arm", "age"]], cause=1)
    assert expected["converged"] is False  # crr: not converged
    assert model.converged_ is False
    assert model.estimable_ is False
    arm = model.coefficients_.loc["arm"]
    assert arm["reason"] == MONOTONE
    assert arm["hazard_ratio"] == math.inf
    assert math.isnan(arm["p"])
    assert math.isnan(arm["lower"])
    assert_close(model.coefficients_.loc["age", "coef"], expected["coef"][1], ESTIMATE_RTOL)
    document = model.to_dict()
    assert (document["converged"], document["estimable"]) == (False, False)
    assert "Not estimable - arm" in model.summary_text()


def test_fine_gray_with_arm_alone_no_longer_reports_a_huge_ratio_with_a_tiny_p(dataset) -> None:
    frame = dataset("separated")
    model = FineGray().fit(frame["time"], frame["status"], frame[["arm"]], cause=1)
    assert not model.converged_
    assert model.coefficients_.loc["arm", "hazard_ratio"] == math.inf
    assert math.isnan(model.coefficients_.loc["arm", "p"])


@pytest.mark.parametrize(
    ("key", "data"), [("landmark_short", "short_follow_up"), ("landmark_cohort", "competing_risks")]
)
def test_landmark_survival_matches_summary_survfit_at_the_days(golden, dataset, key, data):
    frame = dataset(data)
    result = landmark_survival(frame["time"], frame["event"], [90, 180, 365], frame["arm"])
    for expected in _methods(golden)[key]:
        rows = result.table_[result.table_["group"] == expected["group"]].set_index("time")
        present = rows.loc[as_numbers(expected["time"])]
        assert present["estimable"].all()
        assert_close(present["n_risk"], expected["n_risk"], ESTIMATE_RTOL)
        assert_close(present["survival"], expected["survival"], ESTIMATE_RTOL)
        assert_close(present["std_err"], expected["std_err"], ESTIMATE_RTOL)
        assert_close(present["lower"], expected["lower"], ESTIMATE_RTOL)
        assert_close(present["upper"], expected["upper"], ESTIMATE_RTOL)


def test_a_landmark_beyond_the_last_follow_up_is_undefined_and_says_why(golden, dataset):
    frame = dataset("short_follow_up")
    result = landmark_survival(frame["time"], frame["event"], [365, 90], frame["arm"])
    rows = result.table_.set_index(["group", "time"])
    # Arm 1: nobody followed to day 365 (R's summary() leaves the day out).
    assert _methods(golden)["landmark_short"][1]["time"] == [90, 180]
    beyond = rows.loc[("1", 365.0)]
    assert not beyond["estimable"]
    assert beyond["reason"] == "no patient followed to day 365 (last follow-up day 298)"
    assert math.isnan(beyond["survival"])
    assert beyond["n_risk"] == 0
    # Arm 0: every patient had died by day 241, so survival at day 365 is known: 0.
    assert rows.loc[("0", 365.0), "survival"] == 0.0
    assert rows.loc[("0", 365.0), "estimable"]
    assert result.to_dict()["interval"] == "log-log"


def test_landmark_before_any_event_is_one_with_an_undefined_log_log_interval() -> None:
    result = landmark_survival([5, 6, 9], [1, 0, 1], [2, 5])
    first = result.table_.iloc[0]
    assert (first["survival"], first["n_risk"], first["std_err"]) == (1.0, 3, 0.0)
    assert math.isnan(first["lower"])
    assert result.table_.iloc[1]["survival"] == pytest.approx(2 / 3)


@pytest.mark.parametrize(("key", "data"), [("rmst_short", "short_follow_up"),
                                           ("rmst_cohort", "competing_risks")])  # fmt: skip
def test_rmst_and_the_difference_match_survfit_rmean(golden, dataset, key, data) -> None:
    expected = _methods(golden)[key]
    frame = dataset(data)
    result = rmst(frame["time"], frame["event"], expected["tau"], frame["arm"])
    assert_close(result.groups_["rmst"], expected["rmst"], ESTIMATE_RTOL)
    assert_close(result.groups_["se"], expected["se"], ESTIMATE_RTOL)
    difference = result.differences_.iloc[0]
    assert difference["comparison"] == "1 − 0"
    assert_close(difference["difference"], expected["difference"], ESTIMATE_RTOL)
    assert_close(difference["se"], expected["se_difference"], ESTIMATE_RTOL)
    assert_close([difference["lower"], difference["upper"]], expected["ci_difference"],
                 ESTIMATE_RTOL)  # fmt: skip
    assert_close(difference["p"], expected["p_value"], P_VALUE_RTOL)


def test_rmst_is_undefined_beyond_follow_up_and_the_reference_can_be_chosen(dataset) -> None:
    frame = dataset("short_follow_up")
    result = rmst(frame["time"], frame["event"], 365, frame["arm"], reference=1)
    groups = result.groups_.set_index("group")
    assert not groups.loc["1", "estimable"]
    assert groups.loc["1", "reason"] == "no patient followed to day 365 (last follow-up day 298)"
    assert groups.loc["0", "estimable"]  # every patient of arm 0 had died: the area is known
    difference = result.differences_.iloc[0]
    assert difference["comparison"] == "0 − 1"
    assert not difference["estimable"]
    assert "1: no patient followed to day 365" in difference["reason"]
    with pytest.raises(InputError, match="tau: must be a positive number"):
        rmst(frame["time"], frame["event"], 0)
    with pytest.raises(InputError, match="reference: 7 is not one of the groups"):
        rmst(frame["time"], frame["event"], 100, frame["arm"], reference=7)


def test_rmst_of_a_curve_without_events_is_tau() -> None:
    result = rmst([10, 20, 30], [0, 0, 0], 25)
    assert result.groups_.loc[0, "rmst"] == 25.0
    assert result.groups_.loc[0, "se"] == 0.0
    assert result.differences_.empty


def test_cumulative_incidence_log_log_intervals_match_the_transform_of_cuminc_variance(
    golden, dataset
) -> None:
    frame = dataset("competing_risks")
    fit = CumulativeIncidence().fit(frame["time"], frame["status"], frame["arm"])
    for expected in _methods(golden)["cuminc_intervals"]:
        at = fit.at(expected["times"])
        rows = at[(at["group"] == expected["group"]) & (at["cause"] == expected["cause"])]
        assert_close(rows["estimate"], expected["estimate"], ESTIMATE_RTOL)
        assert_close(rows["variance"], expected["variance"], ESTIMATE_RTOL)
        assert_close(rows["lower"], expected["lower"], ESTIMATE_RTOL)
        assert_close(rows["upper"], expected["upper"], ESTIMATE_RTOL)
    assert {"lower", "upper"} <= set(fit.curves_.columns)
    assert fit.to_dict()["interval"] == "log(-log)"


def test_cumulative_incidence_interval_is_undefined_at_zero_and_narrower_at_lower_alpha() -> None:
    time, status = [1, 2, 3, 4, 5, 6], [0, 1, 2, 1, 0, 1]
    wide = CumulativeIncidence(alpha=0.05).fit(time, status).at([1.5, 4])
    narrow = CumulativeIncidence(alpha=0.2).fit(time, status).at([1.5, 4])
    assert math.isnan(wide["lower"].iloc[0])  # estimate 0 before the first event
    cause_1 = wide[(wide["cause"] == 1) & (wide["time"] == 4)].iloc[0]
    narrow_1 = narrow[(narrow["cause"] == 1) & (narrow["time"] == 4)].iloc[0]
    assert cause_1["lower"] < narrow_1["lower"] < cause_1["estimate"] < narrow_1["upper"]
    assert narrow_1["upper"] < cause_1["upper"] < 1.0


def test_the_committed_edge_data_sets_are_what_the_seeded_generator_draws(dataset) -> None:
    spec = importlib.util.spec_from_file_location("make_data_survival",
                                                  GOLDEN / "make_data_survival.py")  # fmt: skip
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rng = np.random.default_rng(module.SEED)
    for name, draw, n in (("separated", module.separated_cohort, 40),
                          ("collinear", module.collinear_cohort, 120),
                          ("short_follow_up", module.short_follow_up, 80)):  # fmt: skip
        np.testing.assert_allclose(draw(rng, n).to_numpy(float), dataset(name).to_numpy(float))


def test_the_report_says_the_fine_gray_ratio_is_not_estimable_under_separation(dataset) -> None:
    from trialdesk.stats.reports.efficacy import _cuminc
    from trialdesk.stats.reports.groups import Grouping

    frame = dataset("separated")
    adtte = pd.DataFrame({"PARAMCD": "RELAPSE", "AVAL": frame["time"], "EVNTCD": frame["status"],
                          "GROUP": frame["arm"].map({1: "Arm A", 0: "Arm B"})})  # fmt: skip
    grouping = Grouping({"EXP": "Arm A", "CTL": "Arm B"}, "Arm A", "Arm B")
    section = _cuminc(adtte, "RELAPSE", "Relapse", grouping)
    assert section["finegray"] == (
        "not estimable (every event is in one group (monotone likelihood))"
    )


def test_fine_gray_on_a_covariate_with_a_large_scale_converges_and_stays_estimable(dataset):
    # Age in days: the score never gets under crr's scaled tolerance, but the
    # pseudo-likelihood has stopped rising at a true maximum: converged, not diverging.
    frame = dataset("competing_risks").assign(age_days=lambda f: f["age"] * 365.25)
    in_days = FineGray().fit(frame["time"], frame["status"], frame[["arm", "age_days"]])
    in_years = FineGray().fit(frame["time"], frame["status"], frame[["arm", "age"]])
    assert in_days.converged_
    assert in_days.estimable_
    assert in_days.coefficients_.loc["age_days", "coef"] * 365.25 == pytest.approx(
        in_years.coefficients_.loc["age", "coef"], rel=1e-8
    )

"""compare_proportions against R (chisq.test, fisher.test, prop.test) and published examples."""

from __future__ import annotations

import json
import math

import pytest
from golden_values import ESTIMATE_RTOL, P_VALUE_RTOL, assert_close

from trialdesk.domain.errors import InputError
from trialdesk.stats import compare_proportions

# Newcombe RG. Stat Med 1998;17:873-890, Table II: 95 % limits for examples (a)–(h), method 10
# (hybrid score) and method 6 (Miettinen–Nurminen), printed to four decimals.
NEWCOMBE_TABLE_II = [
    ((56, 70, 48, 80), (0.0524, 0.3339), (0.0528, 0.3382)),
    ((9, 10, 3, 10), (0.1705, 0.8090), (0.1700, 0.8406)),
    ((6, 7, 2, 7), (0.0582, 0.8062), (0.0342, 0.8534)),
    ((5, 56, 0, 29), (-0.0381, 0.1926), (-0.0326, 0.1933)),
    ((0, 10, 0, 20), (-0.1611, 0.2775), (-0.1658, 0.2844)),
    ((0, 10, 0, 10), (-0.2775, 0.2775), (-0.2879, 0.2879)),
    ((10, 10, 0, 20), (0.6791, 1.0000), (0.7156, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000), (0.6636, 1.0000)),
]


@pytest.mark.parametrize(("table", "hybrid", "mn"), NEWCOMBE_TABLE_II)
def test_risk_difference_intervals_reproduce_newcombes_published_table(
    table: tuple[int, int, int, int], hybrid: tuple[float, float], mn: tuple[float, float]
) -> None:
    result = compare_proportions(*table)
    assert result.risk_difference_ci == pytest.approx(hybrid, abs=5e-5)
    assert result.risk_difference_ci_mn == pytest.approx(mn, abs=5e-5)


def test_tests_and_intervals_match_r_for_every_golden_table(golden) -> None:
    for case in golden("proportions"):
        result = compare_proportions(case["x1"], case["n1"], case["x2"], case["n2"])
        assert_close(result.chi2, case["chi2"], ESTIMATE_RTOL)
        assert_close(result.p_value_chi2, case["p_value_chi2"], P_VALUE_RTOL)
        assert_close(result.chi2_yates, case["chi2_yates"], ESTIMATE_RTOL)
        assert_close(result.p_value_chi2_yates, case["p_value_chi2_yates"], P_VALUE_RTOL)
        assert_close(result.p_value_fisher, case["p_value_fisher"], P_VALUE_RTOL)
        assert_close(result.odds_ratio_conditional, case["conditional_mle"], ESTIMATE_RTOL)
        assert_close(result.odds_ratio_ci_exact, case["odds_ratio_ci_exact"], ESTIMATE_RTOL)
        assert_close(result.risk_difference_ci, case["risk_difference_ci_newcombe"], ESTIMATE_RTOL)


def test_exact_interval_agrees_with_fisher_test_within_rs_root_finding_tolerance(golden) -> None:
    # fisher.test solves for psi below 1 and for 1/psi above 1 with uniroot()'s default
    # absolute tolerance (about 1e-4), so its printed limits agree only to that precision.
    def folded(value: float) -> float:
        return value if value <= 1 else 1 / value

    for case in golden("proportions"):
        result = compare_proportions(case["x1"], case["n1"], case["x2"], case["n2"])
        for ours, theirs in zip(
            result.odds_ratio_ci_exact, case["fisher_reported_ci"], strict=True
        ):
            expected = math.inf if theirs == "Infinity" else float(theirs)
            assert folded(ours) == pytest.approx(folded(expected), abs=2e-4)


def test_woolf_interval_is_the_log_odds_ratio_plus_minus_z_standard_errors() -> None:
    result = compare_proportions(40, 65, 28, 65)
    log_or = math.log(40 * 37 / (25 * 28))
    se = math.sqrt(1 / 40 + 1 / 25 + 1 / 28 + 1 / 37)
    assert result.odds_ratio == pytest.approx(40 * 37 / (25 * 28))
    assert result.odds_ratio_ci == pytest.approx(
        (math.exp(log_or - 1.959963984540054 * se), math.exp(log_or + 1.959963984540054 * se))
    )


def test_a_zero_cell_gives_an_infinite_odds_ratio_but_a_finite_haldane_woolf_interval() -> None:
    result = compare_proportions(5, 56, 0, 29)
    assert math.isinf(result.odds_ratio)
    lower, upper = result.odds_ratio_ci
    log_or = math.log(5.5 * 29.5 / (51.5 * 0.5))
    assert math.log(lower) + math.log(upper) == pytest.approx(2 * log_or)


def test_a_wider_confidence_level_gives_wider_intervals() -> None:
    narrow = compare_proportions(40, 65, 28, 65, alpha=0.10)
    wide = compare_proportions(40, 65, 28, 65, alpha=0.01)
    for name in ("risk_difference_ci", "risk_difference_ci_mn", "odds_ratio_ci_exact"):
        assert getattr(wide, name)[0] < getattr(narrow, name)[0]
        assert getattr(wide, name)[1] > getattr(narrow, name)[1]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ((3, 2, 1, 4), "x1"),
        ((1, 4, -1, 4), "x2"),
        ((0, 0, 1, 4), "n1"),
        ((1, 4, 1, 2.5), "n2"),
    ],
)
def test_impossible_counts_raise_an_input_error_naming_the_argument(arguments, field) -> None:
    with pytest.raises(InputError) as caught:
        compare_proportions(*arguments)
    assert caught.value.errors[0].field == field


def test_an_alpha_outside_zero_and_one_is_rejected() -> None:
    with pytest.raises(InputError, match="alpha"):
        compare_proportions(1, 4, 1, 4, alpha=1.5)


def test_the_result_serialises_to_json_and_summarises_as_a_table() -> None:
    result = compare_proportions(10, 10, 0, 20)
    document = json.loads(json.dumps(result.to_dict()))
    assert document["risk_difference"] == 1.0
    assert document["odds_ratio"] == math.inf
    assert document["p_value_fisher"] == pytest.approx(result.p_value_fisher)
    assert "Fisher's exact" in result.summary.index
    assert "risk difference (Newcombe)" in result.summary_text()

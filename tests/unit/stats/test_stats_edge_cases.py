"""Data shapes that once broke the statistics, each checked against R (tests/golden/edges.json).

A common odds ratio of 0 or infinity (no control responder at an early DSMB cut-off), a
log-rank group with nobody at risk at any event time, a Kaplan-Meier curve lying on 0.5 to the
end of follow-up, and a cumulative-incidence group x cause cell without events.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from golden_values import ESTIMATE_RTOL, P_VALUE_RTOL, assert_close

from trialdesk.stats import logrank_test, mantel_haenszel
from trialdesk.stats.cumulative_incidence import CumulativeIncidence
from trialdesk.stats.kaplan_meier import KaplanMeier


@pytest.mark.parametrize("key", ["mantel_haenszel_infinite", "mantel_haenszel_zero"])
def test_mantel_haenszel_at_a_common_odds_ratio_of_zero_or_infinity(golden, key):
    expected = golden("edges")[key]
    tables = np.array(expected["tables"]).reshape(-1, 2, 2)
    result = mantel_haenszel(tables)
    assert_close(result.statistic, expected["statistic"], ESTIMATE_RTOL)
    assert_close(result.p_value, expected["p_value"], P_VALUE_RTOL)
    assert_close(result.statistic_corrected, expected["statistic_corrected"], ESTIMATE_RTOL)
    assert_close(result.p_value_corrected, expected["p_value_corrected"], P_VALUE_RTOL)
    assert_close(result.common_odds_ratio, expected["common_odds_ratio"], ESTIMATE_RTOL)
    assert all(math.isnan(limit) for limit in result.common_odds_ratio_ci)


def test_logrank_counts_no_degree_of_freedom_for_a_group_nobody_is_at_risk_in(golden):
    expected = golden("edges")["logrank_empty_group"]
    result = logrank_test(expected["time"], expected["status"], expected["group"])
    assert result.df == expected["df"] == 1
    assert_close(result.statistic, expected["statistic"], ESTIMATE_RTOL)
    assert_close(result.p_value, expected["p_value"], P_VALUE_RTOL)


def test_logrank_with_a_single_group_at_risk_has_no_test():
    result = logrank_test([1, 2, 0.5, 0.7], [1, 1, 0, 0], [1, 1, 2, 2])
    assert result.df == 0
    assert math.isnan(result.p_value)


def test_km_median_on_a_plateau_to_the_last_censored_time_is_the_midpoint(golden):
    expected = golden("edges")["km_plateau"]
    fit = KaplanMeier().fit(expected["time"], expected["status"])
    assert fit.median_ == expected["median"] == 6


def test_cumulative_incidence_reports_a_cell_without_events_as_zero(golden):
    expected = golden("edges")["cuminc_empty_cell"]
    fit = CumulativeIncidence().fit(expected["time"], expected["status"], expected["group"])
    at = fit.at(expected["times"])
    for curve in expected["curves"]:
        rows = at[(at.group == curve["group"]) & (at.cause == curve["cause"])]
        assert len(rows) == len(expected["times"]), (curve["group"], curve["cause"])
        assert_close(rows.estimate, curve["estimate"], ESTIMATE_RTOL)
        assert_close(rows.variance, curve["variance"], ESTIMATE_RTOL)
    summary = fit.summary
    assert summary.loc[("2", 2), "estimate"] == 0.0


def test_json_output_writes_infinities_as_strings_and_nan_as_null():
    from trialdesk.entrypoints.cli.output import to_jsonable

    document = to_jsonable({"or": math.inf, "lower": -math.inf, "p": math.nan, "x": 1.5})
    assert json.loads(json.dumps(document)) == {
        "or": "Infinity", "lower": "-Infinity", "p": None, "x": 1.5,
    }  # fmt: skip

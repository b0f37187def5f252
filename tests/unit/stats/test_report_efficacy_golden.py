"""The report's efficacy numbers against R (tests/golden/make_golden_efficacy.R): Cox hazard
ratio with the log-rank test, Kaplan–Meier landmarks with numbers at risk, the cumulative
incidence band; and the figures carry numbers at risk, censor marks and bands."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from golden_values import ESTIMATE_RTOL, P_VALUE_RTOL, as_numbers, assert_close

from trialdesk.stats.cumulative_incidence import CumulativeIncidence
from trialdesk.stats.reports.efficacy_time import hazard_ratio, landmark_rows
from trialdesk.stats.reports.groups import Grouping
from trialdesk.stats.reports.survival_figures import (
    ArmData,
    at_risk_days,
    cif_band,
    cif_figure,
    km_figure,
    numbers_at_risk,
)

GROUPING = Grouping({"a": "A", "b": "B"}, "A", "B")


@pytest.fixture(scope="module")
def gold(golden: Callable[[str], Any]) -> Any:
    return golden("report_efficacy")


@pytest.fixture(scope="module")
def os_rows(gold: Any) -> pd.DataFrame:
    data = gold["os"]
    return pd.DataFrame({"AVAL": as_numbers(data["time"]),
                         "EVNTCD": as_numbers(data["event"]).astype(int),
                         "GROUP": data["arm"], "STRATUM": data["stratum"]})  # fmt: skip


@pytest.mark.parametrize("stratified", [True, False])
def test_cox_hazard_ratio_and_log_rank_match_coxph_and_survdiff(
    gold: Any, os_rows: pd.DataFrame, stratified: bool
) -> None:
    result = hazard_ratio(os_rows, GROUPING, stratified=stratified)
    kind = "stratified" if stratified else "unstratified"
    expected = gold[f"cox_{kind}"]
    assert result["estimable"]
    assert_close([result["hr"], result["lower"], result["upper"]],
                 [expected["hazard_ratio"], expected["lower"], expected["upper"]],
                 ESTIMATE_RTOL)  # fmt: skip
    assert_close(result["p_wald"], expected["p"], P_VALUE_RTOL)
    assert_close(result["logrank_p"], gold[f"logrank_{kind}"]["p"], P_VALUE_RTOL)
    assert result["method"] == ("stratified by randomization stratum" if stratified
                                else "unstratified")  # fmt: skip
    assert result["text"].startswith(f"{expected['hazard_ratio']:.2f} (")


def test_hazard_ratio_with_no_event_in_one_arm_is_not_estimable_never_huge() -> None:
    rows = pd.DataFrame({"AVAL": [10.0, 20, 30, 40, 15, 25, 35, 45],
                         "EVNTCD": [1, 1, 0, 1, 0, 0, 0, 0],
                         "GROUP": ["A"] * 4 + ["B"] * 4, "STRATUM": ["s"] * 8})  # fmt: skip
    result = hazard_ratio(rows, GROUPING, stratified=True)
    assert not result["estimable"]
    assert result["text"] == "not estimable: no event in B"
    assert np.isnan(result["hr"])
    assert result["logrank"].startswith("log-rank chi-square")  # the test still has a value
    none = rows.assign(EVNTCD=0)
    assert hazard_ratio(none, GROUPING, stratified=False)["text"] == "not estimable: no events"


def test_landmark_survival_matches_survfit_and_says_why_when_undefined(
    gold: Any, os_rows: pd.DataFrame
) -> None:
    rows = {r["label"]: r for r in landmark_rows(os_rows, GROUPING)}
    for arm in ("A", "B"):
        expected = gold["landmarks"][arm]
        times = list(as_numbers(expected["landmark_times"]))
        cells = dict(zip((90, 180, 365), rows[arm]["cells"], strict=True))
        for index, day in enumerate(times):
            cell = cells[int(day)]
            assert_close([cell["estimate"], cell["lower"], cell["upper"]],
                         [expected["survival"][index], expected["lower"][index],
                          expected["upper"][index]], ESTIMATE_RTOL)  # fmt: skip
            assert cell["n_risk"] == expected["n_risk"][index]
        for day in (90, 180, 365):
            if day not in times:  # R drops a time beyond the follow-up (extend = FALSE)
                assert day > expected["max_time"]
                assert cells[day]["text"] == (
                    f"not estimable: no patient followed to day {day} "
                    f"(last follow-up day {expected['max_time']:g})"
                )
    assert "365" not in [str(int(t)) for t in as_numbers(gold["landmarks"]["B"]["landmark_times"])]


def test_numbers_at_risk_match_survfit(gold: Any, os_rows: pd.DataFrame) -> None:
    for arm in ("A", "B"):
        expected = gold["landmarks"][arm]
        days = [int(d) for d in as_numbers(expected["grid_days"])]
        time = os_rows.loc[os_rows["GROUP"] == arm, "AVAL"].to_numpy()
        assert numbers_at_risk(time, days) == [int(n) for n in expected["grid_n_risk"]]


def test_cumulative_incidence_band_from_cuminc_variance(gold: Any) -> None:
    data = gold["competing"]
    time, status = as_numbers(data["time"]), as_numbers(data["status"]).astype(int)
    group = np.array(data["group"])
    for arm in ("A", "B"):
        expected = gold["cif"][arm]
        members = group == arm
        at = CumulativeIncidence().fit(time[members], status[members]).at(expected["times"])
        at = at[at["cause"] == 1]
        assert_close(at["estimate"], expected["estimate"], ESTIMATE_RTOL)
        assert_close(at["variance"], expected["variance"], ESTIMATE_RTOL)
        lower, upper = cif_band(at["estimate"].to_numpy(), at["variance"].to_numpy())
        assert_close(lower, expected["lower"], ESTIMATE_RTOL)
        assert_close(upper, expected["upper"], ESTIMATE_RTOL)
        days = [int(d) for d in as_numbers(expected["grid_days"])]
        assert numbers_at_risk(time[members], days) == [int(n) for n in expected["grid_n_risk"]]


def test_cif_band_is_a_point_at_zero_and_at_one() -> None:
    lower, upper = cif_band(np.array([0.0, 1.0]), np.array([0.0, 0.0]))
    assert list(lower) == [0.0, 1.0]
    assert list(upper) == [0.0, 1.0]


def _svg(uri: str) -> str:
    assert uri.startswith("data:image/svg+xml;base64,")
    return base64.b64decode(uri.split(",", 1)[1]).decode()


def _texts(svg: str) -> list[str]:
    return [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_km_figure_shows_numbers_at_risk_censor_marks_and_bands(
    gold: Any, os_rows: pd.DataFrame
) -> None:
    arms = {arm: ArmData(os_rows.loc[os_rows["GROUP"] == arm, "AVAL"].to_numpy(),
                         os_rows.loc[os_rows["GROUP"] == arm, "EVNTCD"].to_numpy())
            for arm in ("A", "B")}  # fmt: skip
    svg = _svg(km_figure(arms, "Overall survival"))
    texts = _texts(svg)
    assert "Number at risk" in texts
    assert "Days from study day 1 (first dose)" in texts
    assert "Probability of survival" in texts
    days = at_risk_days(420)
    assert days == [0, 60, 120, 180, 240, 300, 360, 420]
    for arm in ("A", "B"):
        expected = [int(n) for n in gold["landmarks"][arm]["grid_n_risk"]]
        found = [
            re.search(rf'<g id="at-risk-{arm.lower()}-{day}">\s*<text[^>]*>([^<]*)</text>', svg)
            for day in days
        ]
        assert [int(m.group(1)) for m in found if m] == expected
        # One "+" per distinct censoring time, drawn as markers of the arm's censor-mark line.
        marks = re.search(rf'<g id="censor-{arm.lower()}">(.*?)</g>', svg, re.S)
        assert marks is not None
        censored = as_numbers(gold["landmarks"][arm]["censor_times"])
        assert marks.group(1).count("<use ") == len(censored)
        assert f'id="band-{arm.lower()}"' in svg


def test_cif_figure_shows_bands_and_numbers_at_risk(gold: Any) -> None:
    data = gold["competing"]
    group = np.array(data["group"])
    arms = {arm: ArmData(as_numbers(data["time"])[group == arm],
                         as_numbers(data["status"]).astype(int)[group == arm])
            for arm in ("A", "B")}  # fmt: skip
    svg = _svg(cif_figure(arms, "Relapse"))
    assert "Number at risk" in _texts(svg)
    assert "Cumulative incidence" in _texts(svg)
    assert 'id="band-a"' in svg
    assert 'id="band-b"' in svg
    assert re.search(r'<g id="at-risk-a-0">\s*<text[^>]*>40</text>', svg)

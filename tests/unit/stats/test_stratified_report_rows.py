"""The primary endpoint's stratified table: Breslow–Day and the Mantel–Haenszel risk difference
beside the CMH test the plan names, and logistic separation said in words."""

from __future__ import annotations

import pandas as pd

from form_records_world import CONTROL, EXPERIMENTAL, protocol
from trialdesk.stats import breslow_day, stratified_risk_difference, stratified_tables
from trialdesk.stats.reports.efficacy import response_analysis
from trialdesk.stats.reports.groups import Grouping

PLAN = protocol().analysis
GROUPING = Grouping({EXPERIMENTAL: "Arm A", CONTROL: "Arm B"}, "Arm A", "Arm B")
HOMOGENEITY = "Breslow–Day–Tarone test of equal odds ratios across strata; chi-square (df)"
DIFFERENCE = "Difference, Mantel–Haenszel weighted by stratum, Sato 95% CI"
LOGISTIC = "Logistic regression adjusted for randomization stratum; OR (95% CI)"


def _adsl(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """One subject per (arm, stratum, week-4 CR flag)."""
    arm, stratum, cr = zip(*rows, strict=True)
    return pd.DataFrame({"ITTFL": "Y", "ARMCD": arm, "STRATUM": stratum, "CRW4FL": cr,
                         "ORW4FL": cr, "DURRFL": cr})  # fmt: skip


def _rows(adsl: pd.DataFrame) -> dict[str, tuple[str, str, str]]:
    primary = response_analysis(adsl, GROUPING, PLAN)[0]
    assert primary["primary"]
    return {name: (value, p, role) for name, value, p, role in primary["tests"]}


def _subjects(arm: str, stratum: str, responders: int, total: int) -> list[tuple[str, str, str]]:
    return [(arm, stratum, "Y" if i < responders else "N") for i in range(total)]


def test_the_cmh_plan_adds_breslow_day_and_the_mh_difference_to_the_primary_table() -> None:
    assert PLAN.stratified_test == "cmh"
    adsl = _adsl(
        _subjects(EXPERIMENTAL, "s1", 6, 9) + _subjects(CONTROL, "s1", 3, 9)
        + _subjects(EXPERIMENTAL, "s2", 2, 8) + _subjects(CONTROL, "s2", 4, 8)
    )  # fmt: skip
    rows = _rows(adsl)
    tables = stratified_tables(
        (adsl["CRW4FL"] == "Y").astype(int), (adsl["ARMCD"] == EXPERIMENTAL).astype(int),
        adsl["STRATUM"],
    )  # fmt: skip
    bd, rd = breslow_day(tables), stratified_risk_difference(tables)
    assert rows[HOMOGENEITY] == (
        f"{bd.statistic_tarone:.3f} (1)",
        f"{bd.p_value_tarone:.4f}",
        "supportive",
    )
    shown = (f"{100 * rd.estimate:.1f} ({100 * rd.ci_sato[0]:.1f}, "
             f"{100 * rd.ci_sato[1]:.1f})")  # fmt: skip
    assert rows[DIFFERENCE] == (shown, f"{rd.p_value_sato:.4f}", "supportive")
    secondary = response_analysis(adsl, GROUPING, PLAN)[1]
    assert HOMOGENEITY not in {name for name, *_ in secondary["tests"]}


def test_no_control_responder_yet_says_why_instead_of_an_odds_ratio() -> None:
    # An early DSMB cut-off: nobody in Arm B has responded in either stratum.
    adsl = _adsl(
        _subjects(EXPERIMENTAL, "s1", 2, 4) + _subjects(CONTROL, "s1", 0, 4)
        + _subjects(EXPERIMENTAL, "s2", 1, 3) + _subjects(CONTROL, "s2", 0, 3)
    )  # fmt: skip
    rows = _rows(adsl)
    assert rows[LOGISTIC] == (
        "not estimable: no responder in Arm B in stratum s1 and stratum s2 "
        "(quasi-complete separation)", "–", "supportive",
    )  # fmt: skip
    assert rows[HOMOGENEITY][0].startswith("not estimable: the common odds ratio is infinite")
    # The MH difference stays estimable: weights 4·4/8 and 3·3/6, differences 1/2 and 1/3.
    assert rows[DIFFERENCE][0].startswith(f"{100 * (2 * 0.5 + 1.5 / 3) / 3.5:.1f} (")

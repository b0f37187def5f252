"""Words for the analysis-plan codes of a protocol file (``analysis.test``, ``stratified_test``,
``sensitivity``), written once so the report, the pages and the docs name an analysis the same way
and never print the code (``newcombe_difference``) to a reader."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from trialdesk.domain.protocol.plan import AnalysisPlan, SensitivityAnalysis

__all__ = [
    "SENSITIVITY_NAMES",
    "STRATIFIED_TEST_NAMES",
    "TEST_NAMES",
    "population_name",
    "primary_analysis_name",
]

#: Unstratified tests and estimates of two proportions the plan may name as ``analysis.test``.
TEST_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "newcombe_difference": "difference in proportions, Newcombe hybrid score 95 % CI",
        "mn_difference": "difference in proportions, Miettinen–Nurminen 95 % CI",
        "chi2": "Pearson chi-square test",
        "chi2_yates": "chi-square test with Yates' continuity correction",
        "fisher": "Fisher's exact test, conditional odds ratio with exact 95 % CI",
    }
)
#: Stratified tests the plan may name as ``analysis.stratified_test``.
STRATIFIED_TEST_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "cmh": "stratified Cochran–Mantel–Haenszel test",
        "logistic": "logistic regression adjusted for the randomization stratum",
    }
)
SENSITIVITY_NAMES: Mapping[SensitivityAnalysis, str] = MappingProxyType(
    {
        SensitivityAnalysis.PER_PROTOCOL: "Per-protocol analysis",
        SensitivityAnalysis.WORST_CASE: "Worst case for the experimental arm",
        SensitivityAnalysis.BEST_CASE: "Best case for the experimental arm",
        SensitivityAnalysis.TIPPING_POINT: "Tipping-point analysis",
    }
)


def population_name(plan: AnalysisPlan, code: str) -> str:
    """The label the plan gives a population code ("Full analysis set"); the code itself when
    the plan does not define it."""
    return next((p.label for p in plan.populations if p.code == code), code)


def primary_analysis_name(plan: AnalysisPlan, endpoint: str) -> str:
    """The primary analysis in the plan's words: "Complete response at week 4 — full analysis
    set — difference in proportions, Newcombe hybrid score 95 % CI, stratified
    Cochran–Mantel–Haenszel test". Unknown codes are refused by the report before this is
    called, so a missing word here is a programming error."""
    population = population_name(plan, plan.primary_population)
    return (
        f"{endpoint} — {population[:1].lower()}{population[1:]} — "
        f"{TEST_NAMES[plan.test]}, {STRATIFIED_TEST_NAMES[plan.stratified_test]}"
    )

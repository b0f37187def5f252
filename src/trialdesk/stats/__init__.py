"""Estimators, hypothesis tests, analysis datasets and reports.

Every estimator follows one life cycle: settings in ``__init__``, ``fit(...)`` returns the
estimator, fitted attributes end in ``_``; hypothesis tests are functions returning result
objects. All results offer ``summary`` (a DataFrame), ``to_dict()`` and ``print_summary()``.
"""

from trialdesk.stats.breslow_day import BreslowDayResult, breslow_day
from trialdesk.stats.cox import CoxPH
from trialdesk.stats.cumulative_incidence import CumulativeIncidence
from trialdesk.stats.datasets import AnalysisDatasets, TrialRecords, build_datasets
from trialdesk.stats.exact_odds import (
    ConditionalOddsRatio,
    conditional_odds_ratio,
    fisher_exact_p_value,
)
from trialdesk.stats.finegray import FineGray
from trialdesk.stats.gray_test import GrayTestResult, gray_test
from trialdesk.stats.kaplan_meier import KaplanMeier, survival_quantile
from trialdesk.stats.landmark import LandmarkSurvival, landmark_survival
from trialdesk.stats.logistic import StratifiedLogisticRegression
from trialdesk.stats.logrank import LogRankResult, logrank_test
from trialdesk.stats.proportions import ProportionsComparison, compare_proportions
from trialdesk.stats.risk_difference import (
    miettinen_nurminen_ci,
    newcombe_hybrid_score_ci,
    wilson_ci,
)
from trialdesk.stats.rmst import RMSTResult, rmst
from trialdesk.stats.stratified import MantelHaenszelResult, mantel_haenszel, stratified_tables
from trialdesk.stats.stratified_risk_difference import (
    StratifiedRiskDifference,
    stratified_risk_difference,
)

__all__ = [
    "AnalysisDatasets",
    "BreslowDayResult",
    "ConditionalOddsRatio",
    "CoxPH",
    "CumulativeIncidence",
    "FineGray",
    "GrayTestResult",
    "KaplanMeier",
    "LandmarkSurvival",
    "LogRankResult",
    "MantelHaenszelResult",
    "ProportionsComparison",
    "RMSTResult",
    "StratifiedLogisticRegression",
    "StratifiedRiskDifference",
    "TrialRecords",
    "breslow_day",
    "build_datasets",
    "compare_proportions",
    "conditional_odds_ratio",
    "fisher_exact_p_value",
    "gray_test",
    "landmark_survival",
    "logrank_test",
    "mantel_haenszel",
    "miettinen_nurminen_ci",
    "newcombe_hybrid_score_ci",
    "rmst",
    "stratified_risk_difference",
    "stratified_tables",
    "survival_quantile",
    "wilson_ci",
]

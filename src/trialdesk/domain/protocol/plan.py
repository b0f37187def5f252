"""Endpoints, the statistical analysis plan, response assessment and adverse-event reporting."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from trialdesk.domain.gvhd.types import GradingSystem, LiverStaging, ResponseRuleSet
from trialdesk.domain.refractory_definitions import EBMT_NIH_CIBMTR_2018, RefractoryDefinition

__all__ = [
    "AnalysisPlan",
    "AnalysisPopulation",
    "AssessmentRules",
    "Endpoint",
    "EndpointKind",
    "SafetyReporting",
    "SensitivityAnalysis",
]


class EndpointKind(enum.StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """An outcome measure and when it is measured (study day and/or visit, or a free time frame)."""

    code: str
    kind: EndpointKind
    label: str
    time_frame: str
    day: int | None = None
    visit: str | None = None


@dataclass(frozen=True, slots=True)
class AnalysisPopulation:
    code: str
    label: str
    definition: str


class SensitivityAnalysis(enum.StrEnum):
    """Sensitivity analyses of the primary endpoint a plan may declare (words in
    :mod:`trialdesk.domain.protocol.analysis_words`)."""

    PER_PROTOCOL = "per_protocol"
    WORST_CASE = "worst_case"
    BEST_CASE = "best_case"
    TIPPING_POINT = "tipping_point"


@dataclass(frozen=True, slots=True)
class AnalysisPlan:
    """The primary analysis: endpoint, test, stratified test, alpha and sidedness, population,
    and the sensitivity analyses of the primary endpoint, in the order the plan lists them."""

    primary_endpoint: str
    test: str
    stratified_test: str
    alpha: float
    sides: int
    primary_population: str
    populations: tuple[AnalysisPopulation, ...]
    sensitivity: tuple[SensitivityAnalysis, ...] = ()


@dataclass(frozen=True, slots=True)
class AssessmentRules:
    """Which grading system stages GVHD and which rule set derives response."""

    grading_system: GradingSystem
    response_rules: ResponseRuleSet
    #: The course visit whose assessment (in course 1) is the baseline for response.
    baseline_visit: str = "D1"
    #: The bilirubin cut-offs that stage the liver: MAGIC's in mg/dL or a µmol/L table.
    liver_staging: LiverStaging = LiverStaging.MG_DL
    #: The steroid-refractory definition the screening aid applies by default.
    steroid_refractory: RefractoryDefinition = EBMT_NIH_CIBMTR_2018


@dataclass(frozen=True, slots=True)
class SafetyReporting:
    """Adverse-event terminology and the expedited reporting clocks (from awareness)."""

    terminology: str
    sae_to_sponsor_hours: int
    susar_fatal_days: int
    susar_other_days: int
    susar_follow_up_days: int
    #: CTCAE terms or MedDRA SOCs whose AE rows show Fisher's exact test (only where pre-specified).
    compare_arms: tuple[str, ...] = ()
    #: (product code, CTCAE terms specific to it), e.g. infusion reactions to cells.
    product_specific_terms: tuple[tuple[str, tuple[str, ...]], ...] = ()

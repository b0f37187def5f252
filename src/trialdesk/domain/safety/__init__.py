"""Adverse-event safety rules: CTCAE grades, ICH E2A seriousness, causality, SUSARs, clocks.

Severity (CTCAE grade) and seriousness (ICH E2A) are separate: a grade-3 event is not serious
unless a seriousness criterion applies, and a grade-4 event is not automatically
"life-threatening" in the regulatory sense.
"""

from trialdesk.domain.safety.adverse_event import AdverseEvent, AeOutcome
from trialdesk.domain.safety.clocks import (
    ClockKind,
    ClockStatus,
    ReportingClock,
    ReportingRules,
    reporting_clocks,
)
from trialdesk.domain.safety.ctcae import CtcaeGrade, ctcae_grade
from trialdesk.domain.safety.seriousness import (
    Causality,
    ProductAssessment,
    SeriousnessCriterion,
    is_serious,
    susar_products,
)

__all__ = [
    "AdverseEvent",
    "AeOutcome",
    "Causality",
    "ClockKind",
    "ClockStatus",
    "CtcaeGrade",
    "ProductAssessment",
    "ReportingClock",
    "ReportingRules",
    "SeriousnessCriterion",
    "ctcae_grade",
    "is_serious",
    "reporting_clocks",
    "susar_products",
]

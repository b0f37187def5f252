"""The protocol model: one trial described completely as frozen data.

Protocol files are read and checked by ``trialdesk.adapters.protocol_file``; everything else reads
only these objects.
"""

from trialdesk.domain.protocol.criteria import (
    Attestation,
    Attester,
    Comparison,
    Criterion,
    CriterionKind,
    FieldType,
    Rule,
    ScreeningField,
)
from trialdesk.domain.protocol.edit_checks import CheckTarget, EditCheck, RuleKind, Severity
from trialdesk.domain.protocol.model import Protocol
from trialdesk.domain.protocol.plan import (
    AnalysisPlan,
    AnalysisPopulation,
    AssessmentRules,
    Endpoint,
    EndpointKind,
    SafetyReporting,
    SensitivityAnalysis,
)
from trialdesk.domain.protocol.schedule import Visit, VisitPhase
from trialdesk.domain.protocol.study import (
    Amendment,
    Assumption,
    Design,
    Identification,
    Population,
    ProtocolVersion,
    Sex,
)
from trialdesk.domain.protocol.treatment import (
    Arm,
    ArmType,
    CourseRules,
    DoseBasis,
    Intervention,
    StopRule,
    WeightLimits,
    format_amount,
)

__all__ = [
    "Amendment",
    "AnalysisPlan",
    "AnalysisPopulation",
    "Arm",
    "ArmType",
    "AssessmentRules",
    "Assumption",
    "Attestation",
    "Attester",
    "CheckTarget",
    "Comparison",
    "CourseRules",
    "Criterion",
    "CriterionKind",
    "Design",
    "DoseBasis",
    "EditCheck",
    "Endpoint",
    "EndpointKind",
    "FieldType",
    "Identification",
    "Intervention",
    "Population",
    "Protocol",
    "ProtocolVersion",
    "Rule",
    "RuleKind",
    "SafetyReporting",
    "ScreeningField",
    "SensitivityAnalysis",
    "Severity",
    "Sex",
    "StopRule",
    "Visit",
    "VisitPhase",
    "WeightLimits",
    "format_amount",
]

"""Acute GVHD: organ staging, overall grade, response and response endpoints.

Every rule is written once on numpy arrays (any shape; the simulator passes millions of rows) and
the one-patient functions call the same code with 0-d arrays. See ``docs/gvhd-rules.md``.
"""

from trialdesk.domain.gvhd.additional_therapy import AdditionalTherapy, check_additional_therapy
from trialdesk.domain.gvhd.attribution import (
    AlternativeCause,
    Biopsy,
    OrganAttribution,
    apply_attribution,
    attribution_notes,
    parse_attribution,
)
from trialdesk.domain.gvhd.endpoints import (
    NOT_EVALUABLE,
    EndpointWindow,
    TimedResponse,
    TimepointResult,
    durable_response,
    durable_response_arrays,
    overall_response_rate,
    response_at,
    response_at_arrays,
    select_in_window,
)
from trialdesk.domain.gvhd.grading import GRADE_LABELS, grade, grade_arrays, grade_label
from trialdesk.domain.gvhd.measurements import (
    UMOL_L_PER_MG_DL,
    BilirubinUnit,
    MeasurementArrays,
    OrganMeasurements,
    bilirubin_mg_dl,
    bilirubin_umol_l,
)
from trialdesk.domain.gvhd.response import (
    RESPONSE_BY_CODE,
    RESPONSE_CODE,
    ResponseAssessment,
    assess_response,
    classify_response,
    is_overall_response,
)
from trialdesk.domain.gvhd.staging import (
    DRIVER_BY_CODE,
    StageDriver,
    StagingArrays,
    StagingResult,
    stage,
    stage_arrays,
)
from trialdesk.domain.gvhd.types import (
    GradingSystem,
    LiverStaging,
    Organ,
    OrganStages,
    Response,
    ResponseRuleSet,
)

__all__ = [
    "DRIVER_BY_CODE",
    "GRADE_LABELS",
    "NOT_EVALUABLE",
    "RESPONSE_BY_CODE",
    "RESPONSE_CODE",
    "UMOL_L_PER_MG_DL",
    "AdditionalTherapy",
    "AlternativeCause",
    "BilirubinUnit",
    "Biopsy",
    "EndpointWindow",
    "GradingSystem",
    "LiverStaging",
    "MeasurementArrays",
    "Organ",
    "OrganAttribution",
    "OrganMeasurements",
    "OrganStages",
    "Response",
    "ResponseAssessment",
    "ResponseRuleSet",
    "StageDriver",
    "StagingArrays",
    "StagingResult",
    "TimedResponse",
    "TimepointResult",
    "apply_attribution",
    "assess_response",
    "attribution_notes",
    "bilirubin_mg_dl",
    "bilirubin_umol_l",
    "check_additional_therapy",
    "classify_response",
    "durable_response",
    "durable_response_arrays",
    "grade",
    "grade_arrays",
    "grade_label",
    "is_overall_response",
    "overall_response_rate",
    "parse_attribution",
    "response_at",
    "response_at_arrays",
    "select_in_window",
    "stage",
    "stage_arrays",
]

"""Acute GVHD: organ staging, overall grade, response and response endpoints.

Every rule is written once on numpy arrays (any shape; the simulator passes millions of rows) and
the one-patient functions call the same code with 0-d arrays. See ``docs/gvhd-rules.md``.

The names below load on first use: the command line reads the option enums in
:mod:`.types` for its help without importing numpy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Public name -> the submodule that defines it.
_SOURCES = {
    "AdditionalTherapy": "additional_therapy",
    "AlternativeCause": "attribution",
    "BilirubinUnit": "measurements",
    "Biopsy": "attribution",
    "DRIVER_BY_CODE": "staging",
    "EndpointWindow": "endpoints",
    "GRADE_LABELS": "grading",
    "GradingSystem": "types",
    "LiverStaging": "types",
    "MeasurementArrays": "measurements",
    "NOT_EVALUABLE": "endpoints",
    "Organ": "types",
    "OrganAttribution": "attribution",
    "OrganMeasurements": "measurements",
    "OrganStages": "types",
    "RESPONSE_BY_CODE": "response",
    "RESPONSE_CODE": "response",
    "Response": "types",
    "ResponseAssessment": "response",
    "ResponseRuleSet": "types",
    "StageDriver": "staging",
    "StagingArrays": "staging",
    "StagingResult": "staging",
    "TimedResponse": "endpoints",
    "TimepointResult": "endpoints",
    "UMOL_L_PER_MG_DL": "measurements",
    "apply_attribution": "attribution",
    "assess_response": "response",
    "attribution_notes": "attribution",
    "bilirubin_mg_dl": "measurements",
    "bilirubin_umol_l": "measurements",
    "check_additional_therapy": "additional_therapy",
    "classify_response": "response",
    "durable_response": "endpoints",
    "durable_response_arrays": "endpoints",
    "grade": "grading",
    "grade_arrays": "grading",
    "grade_label": "grading",
    "is_overall_response": "response",
    "overall_response_rate": "endpoints",
    "parse_attribution": "attribution",
    "response_at": "endpoints",
    "response_at_arrays": "endpoints",
    "select_in_window": "endpoints",
    "stage": "staging",
    "stage_arrays": "staging",
}

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


if not TYPE_CHECKING:  # type checkers see the imports above instead

    def __getattr__(name: str) -> Any:
        source = _SOURCES.get(name)
        if source is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{__name__}.{source}"), name)
        globals()[name] = value  # later look-ups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(__all__))

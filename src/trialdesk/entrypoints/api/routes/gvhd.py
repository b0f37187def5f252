"""The live GVHD calculator: stage and grade from measurements, response and next step."""

from __future__ import annotations

from fastapi import APIRouter

from trialdesk.domain.decisions import decide_next_step
from trialdesk.domain.errors import FieldError, InputError
from trialdesk.domain.gvhd import (
    Organ,
    OrganMeasurements,
    OrganStages,
    Response,
    assess_response,
    grade,
    grade_label,
    stage,
)
from trialdesk.domain.protocol import Protocol
from trialdesk.entrypoints.api.deps import ApiUser, ProtocolDep
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.entrypoints.api.schemas.gvhd import (
    GvhdResponseInput,
    GvhdResponseRead,
    GvhdStageInput,
    GvhdStageRead,
    NextStepRead,
    OrganStagesInput,
    OrganStagesRead,
)

__all__ = ["router"]

router = APIRouter(prefix="/gvhd", tags=["gvhd"], responses=ERROR_RESPONSES)


@router.post("/stage", response_model=GvhdStageRead)
def stage_gvhd(body: GvhdStageInput, protocol: ProtocolDep, _user: ApiUser) -> GvhdStageRead:
    """Organ stages, the measurement behind each, and the overall grade."""
    system = body.system or protocol.assessment.grading_system
    measurements = OrganMeasurements(**body.model_dump(exclude={"system"}))
    result = stage(measurements, system, protocol.assessment.liver_staging)
    overall = grade(result.stages, system)
    drivers = {organ.value: (d.value if d else None) for organ, d in result.drivers.items()}
    return GvhdStageRead(
        system=system,
        stages=OrganStagesRead(**_stages_dict(result.stages)),
        grade=overall,
        grade_label=grade_label(overall),
        drivers=drivers,
        bilirubin_mg_dl=float(measurements.to_arrays().bilirubin_mg_dl),
    )


def _stages_dict(stages: OrganStages) -> dict[str, int]:
    return {organ.value: int(v) for organ, v in zip(Organ, stages.as_tuple(), strict=True)}


def _stages(body: OrganStagesInput, field: str) -> OrganStages:
    try:
        return OrganStages(**body.model_dump())
    except InputError as error:
        raise InputError(
            FieldError(f"{field}.{e.field}", e.message) for e in error.errors
        ) from None


def _next_step(body: GvhdResponseInput, protocol: Protocol, response: Response) -> NextStepRead:
    assert body.visit is not None
    history = [(e.visit, e.response) for e in body.earlier] + [(body.visit, response)]
    try:
        decision = decide_next_step(protocol, history, body.course)
    except InputError as error:
        # The domain numbers the history; the caller sent earlier[...] and visit.
        last = f"history[{len(history) - 1}]"
        raise InputError(
            FieldError(
                e.field.replace(f"{last}.visit", "visit").replace("history", "earlier"),
                e.message,
            )
            for e in error.errors
        ) from None
    return NextStepRead(
        step=decision.step,
        reason=decision.reason,
        course=decision.course,
        visit=decision.visit,
        stop_rule=decision.stop_rule,
        treatment_failure=decision.treatment_failure,
    )


@router.post("/response", response_model=GvhdResponseRead)
def assess_gvhd_response(
    body: GvhdResponseInput, protocol: ProtocolDep, _user: ApiUser
) -> GvhdResponseRead:
    """Response to baseline (CR, PR, MR, NR, PD) and, given a visit, the protocol's next step."""
    baseline, current = _stages(body.baseline, "baseline"), _stages(body.current, "current")
    rules = body.rules or protocol.assessment.response_rules
    result = assess_response(baseline, current, rules, died=body.died)
    system = protocol.assessment.grading_system
    return GvhdResponseRead(
        response=result.response,
        rules=result.rules,
        overall_response=result.overall_response,
        organ_changes={organ.value: int(c) for organ, c in result.organ_changes.items()},
        baseline_grade=grade(baseline, system),
        current_grade=grade(current, system),
        next_step=_next_step(body, protocol, result.response) if body.visit else None,
    )

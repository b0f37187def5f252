"""Bodies of the live GVHD calculator: measurements in; stages, grade, response, next step out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, ClassVar

from pydantic import BaseModel, Field

from trialdesk.domain.decisions import NextStep
from trialdesk.domain.gvhd import BilirubinUnit, GradingSystem, Response, ResponseRuleSet
from trialdesk.entrypoints.api.schemas.derived import RawInput
from trialdesk.entrypoints.api.schemas.text import Code

__all__ = [
    "GvhdMeasurementsInput",
    "GvhdResponseInput",
    "GvhdResponseRead",
    "GvhdStageInput",
    "GvhdStageRead",
    "NextStepRead",
    "OrganStagesInput",
    "OrganStagesRead",
    "VisitResponseInput",
]


#: A percentage of body surface area.
Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]


class GvhdMeasurementsInput(RawInput):
    """Raw measurements of one assessment; stages and grade are always derived from them."""

    derived_fields: ClassVar[Mapping[str, str]] = {
        "grade": "the organ stages",
        "overall_grade": "the organ stages",
        "stages": "the measurements",
        "skin_stage": "the measurements",
        "liver_stage": "the measurements",
        "upper_gi_stage": "the measurements",
        "lower_gi_stage": "the measurements",
    }

    skin_bsa_pct: Percent = Field(description="Active erythematous rash, % body surface area")
    bilirubin: float = Field(
        ge=0, le=2000, allow_inf_nan=False, description="Total bilirubin in bilirubin_unit"
    )
    bilirubin_unit: BilirubinUnit = BilirubinUnit.MG_DL
    bullae: bool = False
    desquamation_bsa_pct: Percent = Field(0.0, description="Desquamation, % body surface area")
    upper_gi_persistent: bool = False
    stool_ml_per_day: float | None = Field(
        default=None, ge=0, le=20_000, allow_inf_nan=False, description="Stool volume, mL/day"
    )
    stool_episodes_per_day: float | None = Field(
        default=None, ge=0, le=100, allow_inf_nan=False, description="Stool episodes per day"
    )
    severe_abdominal_pain: bool = False
    bloody_stool: bool = False


class GvhdStageInput(GvhdMeasurementsInput):
    """Raw measurements of one assessment (MAGIC criteria by default)."""

    system: GradingSystem | None = Field(
        default=None, description="Staging system; default: the protocol's"
    )


class OrganStagesRead(BaseModel):
    skin: int
    liver: int
    upper_gi: int
    lower_gi: int


class GvhdStageRead(BaseModel):
    system: GradingSystem
    stages: OrganStagesRead
    grade: int
    grade_label: str
    #: The measurement that decided each organ's stage (``null`` for stage 0).
    drivers: dict[str, str | None]
    bilirubin_mg_dl: float


class OrganStagesInput(BaseModel):
    skin: int = Field(ge=0, le=4)
    liver: int = Field(ge=0, le=4)
    upper_gi: int = Field(ge=0, le=1)
    lower_gi: int = Field(ge=0, le=4)


class VisitResponseInput(BaseModel):
    """An earlier assessment of the same course: its visit code and response."""

    visit: Code
    response: Response


class GvhdResponseInput(BaseModel):
    """Current stages against baseline; with ``visit``, also the protocol's next step."""

    baseline: OrganStagesInput
    current: OrganStagesInput
    rules: ResponseRuleSet | None = Field(
        default=None, description="Response rule set; default: the protocol's"
    )
    died: bool = False
    visit: str | None = Field(
        default=None, min_length=1, max_length=32, description="Course visit, e.g. D8 or D29"
    )
    course: int = Field(default=1, ge=1, le=10)
    earlier: list[VisitResponseInput] = Field(default_factory=list, max_length=20)


class NextStepRead(BaseModel):
    step: NextStep
    reason: str
    course: int
    visit: str | None
    stop_rule: str | None
    treatment_failure: bool


class GvhdResponseRead(BaseModel):
    response: Response
    rules: ResponseRuleSet
    overall_response: bool
    organ_changes: dict[str, int]
    baseline_grade: int
    current_grade: int
    next_step: NextStepRead | None

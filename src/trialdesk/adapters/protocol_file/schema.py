"""The protocol file's schema (pydantic v2): shape and single-field limits, nothing else.

Unknown keys are refused everywhere (``extra="forbid"``), so a misspelt key is an error rather
than a silently ignored setting. Checks that need more than one field live in ``checks.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from trialdesk.adapters.protocol_file.forms import FormModel
from trialdesk.domain.source_verification import SDV_TABLES

__all__ = ["ProtocolDocument"]

Code = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")]
Text = Annotated[str, Field(min_length=1)]
NonNegativeInt = Annotated[int, Field(ge=0)]
PositiveInt = Annotated[int, Field(gt=0)]
ResponseCode = Literal["CR", "PR", "MR", "NR", "PD"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AmendmentModel(_Strict):
    version: Text
    effective_date: dt.date
    note: Text


class IdentificationModel(_Strict):
    nct_id: Annotated[str, Field(pattern=r"^NCT\d{8}$")]
    sponsor_protocol_id: Text
    title: Text
    official_title: Text
    sponsor: Text
    phase: Text
    status: Text
    conditions: Annotated[list[Text], Field(min_length=1)]
    study_type: Text
    funder_type: Text


class DesignModel(_Strict):
    allocation: Text
    model: Text
    masking: Text
    primary_purpose: Text
    multicenter: bool


class PopulationModel(_Strict):
    target_enrollment: PositiveInt
    min_age_years: NonNegativeInt
    max_age_years: PositiveInt
    sex: Literal["all", "female", "male"]
    healthy_volunteers: bool


class InterventionModel(_Strict):
    code: Code
    name: Text
    dose: Annotated[float, Field(gt=0)]
    dose_basis: Literal["fixed", "per_kg"]
    unit: Text
    route: Text
    days: Annotated[list[PositiveInt], Field(min_length=1)]
    window_days: NonNegativeInt
    min_gap_days: NonNegativeInt = 0


class ArmModel(_Strict):
    code: Code
    label: Text
    type: Literal[
        "experimental", "active_comparator", "placebo_comparator", "no_intervention", "other"
    ]
    description: Text
    interventions: list[InterventionModel]


class StopRuleModel(_Strict):
    code: Code
    responses: Annotated[list[ResponseCode], Field(min_length=1)]
    visits: Annotated[list[Code], Field(min_length=1)]
    reason: Text


class CourseModel(_Strict):
    length_days: PositiveInt
    max_courses: PositiveInt
    decision_visit: Code
    repeat_on: list[ResponseCode]
    stop_rules: list[StopRuleModel]


class DosingModel(_Strict):
    weight_kg_min: Annotated[float, Field(gt=0)]
    weight_kg_max: Annotated[float, Field(gt=0)]


class ScreeningFieldModel(_Strict):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    label: Text
    type: Literal["number", "integer", "boolean"]
    unit: str = ""
    min: float | None = None
    max: float | None = None


class RuleModel(_Strict):
    field: Text
    op: Literal[">=", ">", "<=", "<", "==", "!=", "between"]
    value: bool | float | None = None
    low: float | None = None
    high: float | None = None


class AttestationModel(_Strict):
    field: Text
    statement: Text


class CriterionModel(_Strict):
    id: Code
    kind: Literal["inclusion", "exclusion"]
    text: Text
    rule: RuleModel | None = None
    attestation: AttestationModel | None = None
    #: Who may answer it: any data-entry role, or only an investigator at the subject's site.
    attested_by: Literal["data_entry", "investigator"] = "data_entry"


class LevelModel(_Strict):
    code: Text
    label: Text
    values: list[Text] = []


class FactorModel(_Strict):
    code: Code
    label: Text
    source_field: Text
    levels: list[LevelModel] = []


class WeightedFactorModel(_Strict):
    factor: Code
    weight: Annotated[float, Field(gt=0)]


class MinimizationModel(_Strict):
    factors: Annotated[list[WeightedFactorModel], Field(min_length=1)]
    imbalance: Literal["range", "variance", "sd"]
    p_preferred: Annotated[float, Field(ge=0.5, le=1)]


class RandomizationModel(_Strict):
    method: Literal["stratified_blocks", "minimization"]
    ratio: Annotated[dict[str, PositiveInt], Field(min_length=2)]
    block_sizes: Annotated[list[PositiveInt], Field(min_length=1)]
    factors: list[FactorModel] = []
    strata: list[Code] = []
    minimization: MinimizationModel | None = None


class VisitModel(_Strict):
    code: Code
    label: Text
    phase: Literal["screening", "course", "follow_up"]
    day: int
    window_before: NonNegativeInt = 0
    window_after: NonNegativeInt = 0
    assessments: list[Code] = []


class EndpointModel(_Strict):
    code: Code
    kind: Literal["primary", "secondary"]
    label: Text
    time_frame: Text
    day: int | None = None
    visit: Code | None = None


#: ``[first day, last day]`` since the steroid start (order checked in checks.py).
DayWindow = tuple[NonNegativeInt, NonNegativeInt]


class SteroidRefractoryModel(_Strict):
    """A protocol's own steroid-refractory thresholds, starting from a published set.

    A bare name (``steroid_refractory: msb_gvhd001``) is that published set unchanged.
    """

    name: Code
    based_on: Literal["ebmt_nih_cibmtr_2018", "thomas_textbook", "msb_gvhd001"] = (
        "ebmt_nih_cibmtr_2018"
    )
    #: Prednisone-equivalent mg/kg/day (under drug_convention) for criteria (a) and (b).
    min_dose_mg_per_kg_day: Annotated[float, Field(gt=0, le=20)] | None = None
    dependence_dose_mg_per_kg_day: Annotated[float, Field(gt=0, le=20)] | None = None
    progression_window: DayWindow | None = None
    no_improvement_window: DayWindow | None = None
    #: Days after which an incomplete response is criterion (c); null: no criterion (c).
    incomplete_after_days: NonNegativeInt | None = None
    min_successful_days: NonNegativeInt | None = None
    drug_convention: Literal["potency", "mg_for_mg"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_name(cls, value: Any) -> Any:
        # One shape for both spellings, so a wrong value gets one message at its own path.
        return {"name": value, "based_on": value} if isinstance(value, str) else value


class AssessmentModel(_Strict):
    grading_system: Literal["magic", "glucksberg"]
    response_rules: Literal["csh", "international"]
    #: The course visit of the baseline assessment; default: the first course staging visit.
    baseline_visit: str | None = None
    #: Bilirubin cut-offs of liver staging: MAGIC mg/dL (default) or the µmol/L table.
    liver_staging: Literal["mg_dl", "umol_l_table"] = "mg_dl"
    #: The steroid-refractory definition: a published set's name or the protocol's own block.
    steroid_refractory: SteroidRefractoryModel = SteroidRefractoryModel(
        name="ebmt_nih_cibmtr_2018", based_on="ebmt_nih_cibmtr_2018"
    )


class PopulationSetModel(_Strict):
    code: Code
    label: Text
    definition: Text


class AnalysisModel(_Strict):
    primary_endpoint: Code
    test: Text
    stratified_test: Text
    alpha: Annotated[float, Field(gt=0, lt=1)]
    sides: Literal[1, 2]
    primary_population: Code
    populations: Annotated[list[PopulationSetModel], Field(min_length=1)]
    #: Sensitivity analyses of the primary endpoint, in the order the report prints them.
    sensitivity: list[Literal["per_protocol", "worst_case", "best_case", "tipping_point"]] = []

    @field_validator("sensitivity")
    @classmethod
    def _sensitivity_once(cls, value: list[str]) -> list[str]:
        repeated = sorted({s for s in value if value.count(s) > 1})
        if repeated:
            raise ValueError(f"listed more than once: {', '.join(repeated)}")
        return value


class SafetyModel(_Strict):
    terminology: Text
    sae_to_sponsor_hours: PositiveInt
    susar_fatal_days: PositiveInt
    susar_other_days: PositiveInt
    susar_follow_up_days: PositiveInt
    # CTCAE terms or SOCs whose AE rows get Fisher's exact test (pre-specified; none by default).
    compare_arms: Annotated[list[Text], Field(max_length=100)] = []
    # Product code → CTCAE terms specific to that product (reactions to the cells): the closed
    # DSMB report leaves them out of its by-arm tables when the product is not in every arm.
    product_specific_terms: dict[Code, list[Text]] = {}


class SdvSampleModel(_Strict):
    """The share of subjects, per site, whose every record is verified against source."""

    fraction: Annotated[float, Field(ge=0, le=1)]
    unit: Literal["subject"] = "subject"
    per: Literal["site"] = "site"


class SdvModel(_Strict):
    """Source data verification plan: record kinds verified for all subjects, and a sample."""

    full: list[str] = []
    sample: SdvSampleModel | None = None

    @field_validator("full")
    @classmethod
    def _known_kinds(cls, kinds: list[str]) -> list[str]:
        # The kinds are the domain's (one list for the plan, the worklist and sign-off).
        unknown = [kind for kind in kinds if kind not in SDV_TABLES]
        if unknown:
            allowed = ", ".join(sorted(SDV_TABLES))
            raise ValueError(f"unknown record kind {', '.join(unknown)}; use one of {allowed}")
        return kinds


class AssumptionModel(_Strict):
    path: Text
    choice: Text
    reason: Text


class CheckTargetModel(_Strict):
    collection: Code
    field: Text
    keys: list[Text] = []


class EditCheckModel(_Strict):
    """One edit check; which parameters a rule needs is checked in ``checks.py``."""

    code: Code
    severity: Literal["hard", "soft"]
    rule: Literal[
        "dose_ratio",
        "dose_deviation",
        "min_gap",
        "not_after_today",
        "not_before_randomization",
        "not_after_death",
        "plausible_range",
        "visit_window",
        "not_before_consent",
        "duplicate_within",
    ]
    applies_to: Annotated[list[CheckTargetModel], Field(min_length=1)]
    message: Text
    factor: Annotated[float, Field(gt=1)] | None = None
    tolerance: Annotated[float, Field(gt=0, lt=1)] | None = None
    unit_field: Text | None = None
    unit: Text | None = None
    min: float | None = None
    max: float | None = None
    seconds: PositiveInt | None = None


class ProtocolDocument(_Strict):
    """A whole protocol file."""

    format: Literal[1]
    version: Text
    effective_date: dt.date
    amendments: list[AmendmentModel] = []
    #: IANA zone in which sites show times unless a site sets its own (times are stored in UTC).
    time_zone: Annotated[str, Field(min_length=1, max_length=64)] = "UTC"
    identification: IdentificationModel
    design: DesignModel
    population: PopulationModel
    arms: Annotated[list[ArmModel], Field(min_length=1)]
    course: CourseModel
    dosing: DosingModel
    screening_fields: list[ScreeningFieldModel]
    criteria: Annotated[list[CriterionModel], Field(min_length=1)]
    randomization: RandomizationModel
    visits: Annotated[list[VisitModel], Field(min_length=1)]
    endpoints: Annotated[list[EndpointModel], Field(min_length=1)]
    assessment: AssessmentModel
    analysis: AnalysisModel
    safety: SafetyModel
    edit_checks: list[EditCheckModel]
    #: Forms the protocol declares beyond the built-in ones (see ``forms.py``).
    forms: list[FormModel] = []
    #: Parameters the forms' derivations read (drug-level ranges, release viability…).
    form_settings: dict[str, Any] = {}
    #: Source data verification plan (``full`` kinds and a per-site ``sample`` of subjects).
    sdv: SdvModel = SdvModel()
    assumptions: list[AssumptionModel]

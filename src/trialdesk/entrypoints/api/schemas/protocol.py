"""The protocol as the API shows it (``GET /api/v1/protocol``)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

__all__ = ["ProtocolRead"]


class _FromDomain(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class IdentificationRead(_FromDomain):
    nct_id: str
    sponsor_protocol_id: str
    title: str
    official_title: str
    sponsor: str
    phase: str
    status: str
    conditions: list[str]
    study_type: str
    funder_type: str


class DesignRead(_FromDomain):
    allocation: str
    model: str
    masking: str
    primary_purpose: str
    multicenter: bool


class PopulationRead(_FromDomain):
    target_enrollment: int
    min_age_years: int
    max_age_years: int
    sex: str
    healthy_volunteers: bool


class InterventionRead(_FromDomain):
    code: str
    name: str
    dose: float
    dose_basis: str
    unit: str
    route: str
    days: list[int]
    window_days: int


class ArmRead(_FromDomain):
    code: str
    label: str
    type: str
    description: str
    interventions: list[InterventionRead]


class CriterionRead(_FromDomain):
    id: str
    kind: str
    text: str


class StopRuleRead(_FromDomain):
    code: str
    responses: list[str]
    visits: list[str]
    reason: str


class CourseRead(_FromDomain):
    length_days: int
    max_courses: int
    decision_visit: str
    repeat_on: list[str]
    stop_rules: list[StopRuleRead]


class VisitRead(_FromDomain):
    code: str
    phase: str
    day: int
    window_before: int
    window_after: int
    assessments: list[str]


class EndpointRead(_FromDomain):
    code: str
    kind: str
    label: str
    time_frame: str


class AssumptionRead(_FromDomain):
    path: str
    choice: str
    reason: str


class VersionRead(_FromDomain):
    version: str
    effective_date: dt.date


class ProtocolRead(_FromDomain):
    """The registry record and the executable rules of the trial."""

    version: VersionRead
    identification: IdentificationRead
    design: DesignRead
    population: PopulationRead
    arms: list[ArmRead]
    course: CourseRead
    criteria: list[CriterionRead]
    visits: list[VisitRead]
    endpoints: list[EndpointRead]
    assumptions: list[AssumptionRead]
    #: IANA zone sites show times in unless they set their own.
    time_zone: str

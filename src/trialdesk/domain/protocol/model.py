"""The protocol aggregate: one trial described completely as frozen data."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from trialdesk.domain.errors import InputError
from trialdesk.domain.forms.spec import FormSpec
from trialdesk.domain.protocol.criteria import Criterion, ScreeningField
from trialdesk.domain.protocol.edit_checks import EditCheck
from trialdesk.domain.protocol.plan import (
    AnalysisPlan,
    AssessmentRules,
    Endpoint,
    EndpointKind,
    SafetyReporting,
)
from trialdesk.domain.protocol.schedule import Visit, VisitPhase
from trialdesk.domain.protocol.study import (
    Assumption,
    Design,
    Identification,
    Population,
    ProtocolVersion,
)
from trialdesk.domain.protocol.treatment import Arm, CourseRules, WeightLimits
from trialdesk.domain.randomization.spec import RandomizationSpec
from trialdesk.domain.source_verification import SdvPlan

__all__ = ["Protocol"]


def _no_settings() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Protocol:
    """Everything the software needs to run one trial; built by the protocol-file reader."""

    version: ProtocolVersion
    identification: Identification
    design: Design
    population: Population
    arms: tuple[Arm, ...]
    course: CourseRules
    weight_limits: WeightLimits
    screening_fields: tuple[ScreeningField, ...]
    criteria: tuple[Criterion, ...]
    randomization: RandomizationSpec
    visits: tuple[Visit, ...]
    endpoints: tuple[Endpoint, ...]
    assessment: AssessmentRules
    analysis: AnalysisPlan
    safety: SafetyReporting
    assumptions: tuple[Assumption, ...]
    #: Checks run on every saved record (see :mod:`trialdesk.domain.edit_checks`).
    edit_checks: tuple[EditCheck, ...] = ()
    #: IANA zone sites show times in unless they set their own (everything is stored in UTC).
    time_zone: str = "UTC"
    #: Forms the protocol declares (steroids, infections, chronic GVHD…), in protocol order.
    forms: tuple[FormSpec, ...] = ()
    #: Parameters of the forms' derivations (``form_settings`` in the protocol file).
    form_settings: Mapping[str, Any] = dataclasses.field(
        default_factory=lambda: MappingProxyType({})
    )
    #: Which records a monitor verifies against source (``sdv`` in the protocol file).
    sdv: SdvPlan = dataclasses.field(default_factory=SdvPlan)

    @property
    def ratio_label(self) -> str:
        """Allocation ratio in protocol order, e.g. ``1:1``."""
        return ":".join(str(weight) for _, weight in self.randomization.ratio)

    @property
    def primary_endpoint(self) -> Endpoint:
        return next(e for e in self.endpoints if e.kind is EndpointKind.PRIMARY)

    @property
    def primary_visits(self) -> tuple[str, ...]:
        """Visits whose GVHD assessments decide the primary endpoint: baseline and its visit."""
        visits = [self.assessment.baseline_visit]
        endpoint_visit = self.primary_endpoint.visit
        if endpoint_visit is not None and endpoint_visit not in visits:
            visits.append(endpoint_visit)
        return tuple(visits)

    def arm(self, code: str) -> Arm:
        """The arm with this code; an unknown code is an input error on the field ``arm``."""
        for arm in self.arms:
            if arm.code == code:
                return arm
        known = ", ".join(a.code for a in self.arms)
        raise InputError.single("arm", f"unknown arm {code!r}; this protocol has {known}")

    def screening_field(self, name: str) -> ScreeningField:
        """The screening field with this name; unknown names are an input error."""
        for field in self.screening_fields:
            if field.name == name:
                return field
        raise InputError.single(name, "is not a screening field of this protocol")

    def form(self, code: str) -> FormSpec:
        """The declared form with this code; an unknown code is an input error on ``form``."""
        for form in self.forms:
            if form.code == code:
                return form
        known = ", ".join(f.code for f in self.forms) or "none"
        raise InputError.single("form", f"unknown form {code!r}; this protocol declares {known}")

    def visits_in(self, phase: VisitPhase) -> tuple[Visit, ...]:
        """Visits of one phase, in protocol order."""
        return tuple(v for v in self.visits if v.phase is phase)

"""Arms, interventions, dose rules and the rules for repeating or stopping a course."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from trialdesk.domain.gvhd.types import Response

__all__ = [
    "Arm",
    "ArmType",
    "CourseRules",
    "DoseBasis",
    "Intervention",
    "StopRule",
    "WeightLimits",
    "format_amount",
]


def format_amount(amount: float) -> str:
    """A dose amount for people: ``20``, ``0.5``, or ``6.5×10^7`` for cell counts."""
    if abs(amount) < 1e5:
        return f"{amount:g}"
    mantissa, exponent = f"{amount:.4e}".split("e")
    return f"{float(mantissa):g}×10^{int(exponent)}"


class DoseBasis(enum.StrEnum):
    """Whether ``Intervention.dose`` is the whole dose or a dose per kg of body weight."""

    FIXED = "fixed"
    PER_KG = "per_kg"


class ArmType(enum.StrEnum):
    EXPERIMENTAL = "experimental"
    ACTIVE_COMPARATOR = "active_comparator"
    PLACEBO_COMPARATOR = "placebo_comparator"
    NO_INTERVENTION = "no_intervention"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Intervention:
    """One study product given within an arm's course.

    ``days`` are course days (1 = first day of the course); every administration has a window of
    ``± window_days``, except that consecutive administrations must be at least ``min_gap_days``
    apart.
    """

    code: str
    name: str
    dose: float
    dose_basis: DoseBasis
    unit: str
    route: str
    days: tuple[int, ...]
    window_days: int
    min_gap_days: int

    @property
    def dose_label(self) -> str:
        """Dose as prescribed, e.g. ``1×10^6 cells/kg`` or ``20 mg``."""
        per = "/kg" if self.dose_basis is DoseBasis.PER_KG else ""
        return f"{format_amount(self.dose)} {self.unit}{per}"


@dataclass(frozen=True, slots=True)
class Arm:
    """A treatment arm and the interventions of one course in it."""

    code: str
    label: str
    type: ArmType
    description: str
    interventions: tuple[Intervention, ...]


@dataclass(frozen=True, slots=True)
class StopRule:
    """End study treatment (switch to other therapy) when a response falls in ``responses``.

    The rule applies to assessments at the course visits listed in ``visits``; ``code`` and
    ``reason`` are reported with the decision.
    """

    code: str
    responses: tuple[Response, ...]
    visits: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class CourseRules:
    """Course length, how often it may be given, and when it is repeated or stopped.

    At ``decision_visit`` a response in ``repeat_on`` starts another course while fewer than
    ``max_courses`` have been given; any response not caught by a stop rule completes study
    treatment.
    """

    length_days: int
    max_courses: int
    decision_visit: str
    repeat_on: tuple[Response, ...]
    stop_rules: tuple[StopRule, ...]


@dataclass(frozen=True, slots=True)
class WeightLimits:
    """Plausible body weight for dosing; a weight outside this range is refused as a typo."""

    min_kg: float
    max_kg: float

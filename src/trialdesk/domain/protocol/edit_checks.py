"""Edit checks as the protocol declares them: which rule, on which fields, how severe.

The rules themselves are evaluated by :mod:`trialdesk.domain.edit_checks`; this module is only
the frozen declaration the protocol file is converted into, and the catalogue of the record
fields a declaration may name (so a misspelt field is refused when the file is read, not
silently never checked).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "DATE_FIELDS",
    "NUMBER_FIELDS",
    "CheckTarget",
    "EditCheck",
    "RuleKind",
    "Severity",
]


class Severity(enum.StrEnum):
    """A hard finding refuses the record; a soft one needs a confirmation with a reason."""

    HARD = "hard"
    SOFT = "soft"


class RuleKind(enum.StrEnum):
    """The closed set of rules an edit check may use."""

    #: The dose given is more than ``factor``× or less than 1/``factor`` of the computed dose.
    DOSE_RATIO = "dose_ratio"
    #: The dose given differs from the computed dose by more than ``tolerance`` (a fraction).
    DOSE_DEVIATION = "dose_deviation"
    #: Another dose of the same product is fewer than the intervention's ``min_gap_days`` away.
    MIN_GAP = "min_gap"
    #: A date after today.
    NOT_AFTER_TODAY = "not_after_today"
    #: A date before randomization (screening-phase visits excepted).
    NOT_BEFORE_RANDOMIZATION = "not_before_randomization"
    #: A date after the subject's recorded death.
    NOT_AFTER_DEATH = "not_after_death"
    #: A number outside ``[min, max]`` when the record's ``unit_field`` holds ``unit``.
    PLAUSIBLE_RANGE = "plausible_range"
    #: A visit date outside every planned window of that visit.
    VISIT_WINDOW = "visit_window"
    #: A date before informed consent.
    NOT_BEFORE_CONSENT = "not_before_consent"
    #: The same key fields as a record of the same kind saved less than ``seconds`` ago.
    DUPLICATE_WITHIN = "duplicate_within"


#: The date fields of each kind of clinical record.
DATE_FIELDS: Mapping[str, tuple[str, ...]] = {
    "screening_records": ("screened_on",),
    "consents": ("consented_on",),
    "visits": ("visit_date",),
    "dose_administrations": ("administered_on",),
    "gvhd_assessments": ("assessed_on",),
    "adverse_events": ("onset_on",),
    "therapies": ("started_on", "stopped_on"),
    "outcomes": ("occurred_on",),
}

#: The numeric fields a plausible range may be declared on (dotted paths into the record).
NUMBER_FIELDS: Mapping[str, tuple[str, ...]] = {
    "dose_administrations": ("weight_kg", "dose_value"),
    "gvhd_assessments": (
        "measurements.skin_bsa_pct",
        "measurements.desquamation_bsa_pct",
        "measurements.bilirubin",
        "measurements.stool_ml_per_day",
        "measurements.stool_episodes_per_day",
    ),
    "adverse_events": ("ctcae_grade",),
}


@dataclass(frozen=True, slots=True)
class CheckTarget:
    """One field of one kind of record a check applies to.

    ``keys`` (duplicate checks only) are the fields that make two records the same one.
    """

    collection: str
    field: str
    keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EditCheck:
    """One declared check; ``code`` is the stable id users see and send back to confirm."""

    code: str
    severity: Severity
    rule: RuleKind
    applies_to: tuple[CheckTarget, ...]
    message: str
    factor: float | None = None
    tolerance: float | None = None
    unit_field: str | None = None
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    seconds: int | None = None

    def targets(self, collection: str) -> tuple[CheckTarget, ...]:
        """The targets of this check in one kind of record."""
        return tuple(t for t in self.applies_to if t.collection == collection)

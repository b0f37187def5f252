"""Definitions of steroid-refractory acute GVHD: thresholds, named sets and dose conventions.

A definition is data (:class:`RefractoryDefinition`); the rules that read it are in
:mod:`trialdesk.domain.steroid_refractory`. The protocol file names one of the published sets
or writes its own thresholds (``assessment.steroid_refractory``), so a trial whose first-line
steroid is methylprednisolone 1 mg/kg/day (Chinese practice) is judged on its own terms instead
of coming out "insufficient data" against a 2 mg/kg/day threshold.

Published sets:

* ``ebmt_nih_cibmtr_2018`` — Schoemans HM et al., Bone Marrow Transplant 2018;53:1401-15:
  progression within 3–5 days or no improvement within 5–7 days of prednisone ≥ 2 mg/kg/day
  (or equivalent), or incomplete response after more than 28 days on steroids.
* ``thomas_textbook`` — Thomas' textbook, as quoted by the Chinese consensus: progression on
  day 3, no improvement on day 7, no complete response by day 14.
* ``msb_gvhd001`` — the MSB-GVHD001 trial (NCT02336230): progression within 3 days or no
  improvement within 7 days.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from trialdesk.domain.corticosteroids import (
    PREDNISONE_EQUIVALENCE,
    Corticosteroid,
    prednisone_equivalent,
)
from trialdesk.domain.errors import FieldError, InputError

__all__ = [
    "DEFINITIONS",
    "EBMT_NIH_CIBMTR_2018",
    "MSB_GVHD001",
    "THOMAS_TEXTBOOK",
    "DrugConvention",
    "RefractoryDefinition",
    "refractory_definition",
]


class DrugConvention(enum.StrEnum):
    """How a dose of the steroid actually given is read against a prednisone threshold."""

    #: Standard glucocorticoid potency (methylprednisolone 4 mg = prednisone 5 mg, so × 1.25).
    POTENCY = "potency"
    #: Many GVHD protocols write "prednisone 2 mg/kg or methylprednisolone 2 mg/kg" as one dose:
    #: prednisone, prednisolone and methylprednisolone count mg for mg; the others by potency.
    MG_FOR_MG = "mg_for_mg"


_MG_FOR_MG_TABLE: Mapping[Corticosteroid, float] = MappingProxyType(
    {**PREDNISONE_EQUIVALENCE, Corticosteroid.METHYLPREDNISOLONE: 1.0}
)
_TABLES = {
    DrugConvention.POTENCY: PREDNISONE_EQUIVALENCE,
    DrugConvention.MG_FOR_MG: _MG_FOR_MG_TABLE,
}


@dataclass(frozen=True, slots=True)
class RefractoryDefinition:
    """Thresholds of a steroid-refractoriness definition, in days since the steroid start.

    Doses are prednisone-equivalent mg/kg/day under ``drug_convention``.
    """

    name: str
    min_dose_mg_per_kg_day: float = 2.0
    progression_window: tuple[int, int] = (3, 5)
    no_improvement_window: tuple[int, int] = (5, 7)
    #: (c) fires on an assessment without complete response *after* this many days; None: no (c).
    incomplete_after_days: int | None = 28
    dependence_dose_mg_per_kg_day: float = 2.0
    min_successful_days: int = 7
    drug_convention: DrugConvention = DrugConvention.POTENCY

    def __post_init__(self) -> None:
        errors = [
            FieldError(name, "must be 0 ≤ first day ≤ last day")
            for name, (first, last) in (
                ("progression_window", self.progression_window),
                ("no_improvement_window", self.no_improvement_window),
            )
            if not 0 <= first <= last
        ]
        if self.incomplete_after_days is not None and self.incomplete_after_days < 0:
            errors.append(FieldError("incomplete_after_days", "must be ≥ 0"))
        for name in ("min_dose_mg_per_kg_day", "dependence_dose_mg_per_kg_day"):
            if getattr(self, name) <= 0:
                errors.append(FieldError(name, "must be > 0"))
        if self.min_successful_days < 0:
            errors.append(FieldError("min_successful_days", "must be ≥ 0"))
        if not isinstance(self.drug_convention, DrugConvention):
            errors.append(FieldError("drug_convention", "must be potency or mg_for_mg"))
        if errors:
            raise InputError(errors)

    def prednisone_equivalent(
        self, drug: Corticosteroid, mg_per_kg_day: float, *, field_name: str = "dose_mg_per_kg_day"
    ) -> float:
        """The prednisone-equivalent dose of ``drug`` under this definition's convention."""
        return prednisone_equivalent(
            drug, mg_per_kg_day, _TABLES[self.drug_convention], field_name=field_name
        )


EBMT_NIH_CIBMTR_2018 = RefractoryDefinition(name="ebmt_nih_cibmtr_2018")
#: Thomas' textbook as quoted by the Chinese consensus: PD at day 3, NR at day 7, no CR by day 14.
THOMAS_TEXTBOOK = RefractoryDefinition(
    name="thomas_textbook",
    progression_window=(3, 3),
    no_improvement_window=(7, 7),
    incomplete_after_days=13,
)
#: MSB-GVHD001 (NCT02336230): progression within 3 days or no improvement within 7 days.
MSB_GVHD001 = RefractoryDefinition(
    name="msb_gvhd001",
    progression_window=(1, 3),
    no_improvement_window=(7, 7),
    incomplete_after_days=None,
)

#: The published definition sets by the name a protocol file or the command line uses.
DEFINITIONS: Mapping[str, RefractoryDefinition] = MappingProxyType(
    {d.name: d for d in (EBMT_NIH_CIBMTR_2018, THOMAS_TEXTBOOK, MSB_GVHD001)}
)


def refractory_definition(name: str, *, field: str = "definition") -> RefractoryDefinition:
    """The published definition set called ``name``; :class:`InputError` naming the known ones."""
    try:
        return DEFINITIONS[name.strip().lower()]
    except KeyError:
        known = ", ".join(DEFINITIONS)
        raise InputError.single(
            field, f"unknown definition {name!r}; use one of: {known}"
        ) from None

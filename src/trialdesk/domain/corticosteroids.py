"""Glucocorticoid dose equivalence: any systemic steroid dose as prednisone mg/kg/day.

The steroid-refractoriness thresholds (``prednisone ≥ 2 mg/kg/day or equivalent``) are stated
in prednisone; sites record what they gave (usually methylprednisolone in China).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

from trialdesk.domain.errors import InputError

__all__ = ["PREDNISONE_EQUIVALENCE", "Corticosteroid", "prednisone_equivalent"]


class Corticosteroid(enum.StrEnum):
    PREDNISONE = "prednisone"
    PREDNISOLONE = "prednisolone"
    METHYLPREDNISOLONE = "methylprednisolone"
    DEXAMETHASONE = "dexamethasone"
    HYDROCORTISONE = "hydrocortisone"


#: mg of prednisone with the glucocorticoid potency of 1 mg of each drug. Background knowledge
#: (standard equivalence tables, e.g. Liu D et al., Allergy Asthma Clin Immunol 2013;9:30):
#: prednisone 5 mg = prednisolone 5 mg = methylprednisolone 4 mg = dexamethasone 0.75 mg =
#: hydrocortisone 20 mg. GVHD protocols often treat methylprednisolone 2 mg/kg as "prednisone
#: 2 mg/kg"; pass your own table to :func:`prednisone_equivalent` to follow that convention.
PREDNISONE_EQUIVALENCE: Mapping[Corticosteroid, float] = MappingProxyType(
    {
        Corticosteroid.PREDNISONE: 1.0,
        Corticosteroid.PREDNISOLONE: 1.0,
        Corticosteroid.METHYLPREDNISOLONE: 1.25,
        Corticosteroid.DEXAMETHASONE: 5.0 / 0.75,
        Corticosteroid.HYDROCORTISONE: 0.25,
    }
)


def prednisone_equivalent(
    drug: Corticosteroid,
    mg_per_kg_day: float,
    table: Mapping[Corticosteroid, float] = PREDNISONE_EQUIVALENCE,
    *,
    field_name: str = "dose_mg_per_kg_day",
) -> float:
    """Return the prednisone-equivalent dose in mg/kg/day of ``mg_per_kg_day`` of ``drug``."""
    if mg_per_kg_day < 0:
        raise InputError.single(field_name, f"must be ≥ 0 mg/kg/day, got {mg_per_kg_day}")
    if drug not in table:
        raise InputError.single("drug", f"no prednisone equivalence known for {drug!s}")
    return mg_per_kg_day * table[drug]

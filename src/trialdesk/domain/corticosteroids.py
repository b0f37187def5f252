"""Glucocorticoid dose equivalence: any systemic steroid dose as prednisone mg/kg/day.

The steroid-refractoriness thresholds (``prednisone ≥ 2 mg/kg/day or equivalent``) are stated
in prednisone; sites record what they gave (usually methylprednisolone in China). The protocol's
corticosteroid form records one row per period at a constant daily dose; its derivation
(:func:`corticosteroid_period`) states each period in prednisone equivalents.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from trialdesk.domain.errors import InputError
from trialdesk.domain.forms.derivations import FormContext
from trialdesk.domain.forms.periods import period_days, study_day

__all__ = [
    "PREDNISONE_EQUIVALENCE",
    "Corticosteroid",
    "corticosteroid_period",
    "prednisone_equivalent",
    "prednisone_equivalent_mg_per_day",
]


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


def prednisone_equivalent_mg_per_day(
    drug: Corticosteroid | str,
    mg_per_day: float,
    table: Mapping[Corticosteroid, float] = PREDNISONE_EQUIVALENCE,
) -> float:
    """The prednisone-equivalent daily dose (mg/day) of ``mg_per_day`` of ``drug``.

    Methylprednisolone 50 mg/day is prednisone 62.5 mg/day (4 mg ≙ 5 mg, see
    :data:`PREDNISONE_EQUIVALENCE`).
    """
    if mg_per_day < 0:
        raise InputError.single("dose_mg_per_day", f"must be ≥ 0 mg/day, got {mg_per_day:g}")
    try:
        steroid = Corticosteroid(drug)
    except ValueError:
        raise InputError.single("drug", f"no prednisone equivalence known for {drug!s}") from None
    return prednisone_equivalent(steroid, mg_per_day, table, field_name="dose_mg_per_day")


def corticosteroid_period(values: Mapping[str, Any], ctx: FormContext) -> dict[str, Any]:
    """What one corticosteroid period (drug, mg/day, from, to) means in prednisone.

    ``prednisone_mg_per_day`` by the equivalence table; ``prednisone_mg_per_kg_day`` with the
    subject's latest weight (``None`` while no weight is recorded); ``duration_days`` counting
    both ends (``None`` while ongoing); ``start_study_day`` (``None`` before study day 1).
    """
    daily = prednisone_equivalent_mg_per_day(values["drug"], float(values["dose_mg_per_day"]))
    weight = ctx.weight_kg
    return {
        "prednisone_mg_per_day": round(daily, 3),
        "prednisone_mg_per_kg_day": round(daily / weight, 3) if weight else None,
        "duration_days": period_days(values["started_on"], values.get("stopped_on")),
        "start_study_day": study_day(values["started_on"], ctx.day_one),
    }

"""UC-MSC product traceability: the cell dose given per kg and the release checks.

The dose actually given is the viable cells in the released bag divided by the weight used for
the dose (×10⁶ cells/kg). It is compared with the protocol dose (the arm's per-kg cell dose,
passed in ``settings`` as :data:`PROTOCOL_DOSE_SETTING`), and the viability at release with the
protocol's minimum (``form_settings.msc_release_viability_min_pct``): a product below it should
not have been released (ISCT minimal criteria practice; the product specification rules).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trialdesk.domain.forms.derivations import FormContext

__all__ = [
    "DEFAULT_DOSE_TOLERANCE_PCT",
    "DOSE_TOLERANCE_SETTING",
    "PROTOCOL_DOSE_SETTING",
    "VIABILITY_SETTING",
    "msc_infusion",
]

VIABILITY_SETTING = "msc_release_viability_min_pct"
#: Protocol cell dose per kg, in ×10⁶ cells/kg (the service takes it from the arm's intervention).
PROTOCOL_DOSE_SETTING = "msc_dose_1e6_per_kg"
#: Allowed deviation from the protocol dose, in %; a form setting may override it.
DOSE_TOLERANCE_SETTING = "msc_dose_tolerance_pct"
#: Same band as the protocol's soft dose edit check (±10 % of the computed dose).
DEFAULT_DOSE_TOLERANCE_PCT = 10.0


def _number(settings: Mapping[str, Any], key: str) -> float | None:
    value = settings.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def msc_infusion(values: Mapping[str, Any], ctx: FormContext) -> dict[str, Any]:
    """Cells per kg, viability vs the release minimum, dose deviation vs the protocol dose.

    The weight is the one recorded on the form (the weight the dose was prepared for), or the
    subject's latest weight when the form has none. Each flag is ``None`` when what it compares
    with is not known. The deviation is (given / protocol − 1) × 100 %.
    """
    weight = values.get("weight_kg") or ctx.weight_kg
    cells = float(values["cells_released_1e6"])
    per_kg = round(cells / float(weight), 4) if weight else None
    minimum = _number(ctx.settings, VIABILITY_SETTING)
    viability = values.get("viability_pct")
    below = None if minimum is None or viability is None else float(viability) < minimum
    protocol_dose = _number(ctx.settings, PROTOCOL_DOSE_SETTING)
    tolerance = _number(ctx.settings, DOSE_TOLERANCE_SETTING) or DEFAULT_DOSE_TOLERANCE_PCT
    deviation = outside = None
    if per_kg is not None and protocol_dose:
        deviation = round((per_kg / protocol_dose - 1.0) * 100.0, 2)
        outside = abs(deviation) > tolerance
    return {
        "cells_1e6_per_kg": per_kg,
        "viability_min_pct": minimum,
        "viability_below_minimum": below,
        "protocol_dose_1e6_per_kg": protocol_dose,
        "dose_deviation_pct": deviation,
        "dose_outside_tolerance": outside,
    }

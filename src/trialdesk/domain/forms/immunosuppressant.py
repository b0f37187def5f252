"""Other immunosuppressant periods: duration and where a trough level falls against its target.

Calcineurin- and mTOR-inhibitor doses are steered by trough levels; the target ranges are the
protocol's (``form_settings.drug_level_ranges_ng_ml``: drug → [low, high] ng/mL), since they vary
between centres and with time after transplant. A level equal to either limit is in range.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from trialdesk.domain.forms.derivations import FormContext
from trialdesk.domain.forms.periods import period_days, study_day

__all__ = ["LEVEL_RANGES_SETTING", "LevelStatus", "immunosuppressant_period", "level_status"]

#: The ``form_settings`` key holding drug → (low, high) target trough levels in ng/mL.
LEVEL_RANGES_SETTING = "drug_level_ranges_ng_ml"


class LevelStatus(enum.StrEnum):
    BELOW = "below"
    IN_RANGE = "in_range"
    ABOVE = "above"


def level_status(level: float, low: float, high: float) -> LevelStatus:
    """Below, within (limits included) or above the target range ``[low, high]``."""
    if level < low:
        return LevelStatus.BELOW
    if level > high:
        return LevelStatus.ABOVE
    return LevelStatus.IN_RANGE


def _target(drug: str, settings: Mapping[str, Any]) -> tuple[float, float] | None:
    ranges = settings.get(LEVEL_RANGES_SETTING) or {}
    target = ranges.get(drug) if isinstance(ranges, Mapping) else None
    if target is None or len(target) != 2:
        return None
    return float(target[0]), float(target[1])


def immunosuppressant_period(values: Mapping[str, Any], ctx: FormContext) -> dict[str, Any]:
    """Duration (both ends counted; ``None`` while ongoing), start study day, level vs target.

    ``level_status`` and the target limits are ``None`` when no level was measured or the
    protocol sets no target for the drug (mycophenolate, ruxolitinib, "other").
    """
    target = _target(str(values["drug"]), ctx.settings)
    level = values.get("level_ng_ml")
    status = None
    if level is not None and target is not None:
        status = level_status(float(level), *target).value
    return {
        "duration_days": period_days(values["started_on"], values.get("stopped_on")),
        "start_study_day": study_day(values["started_on"], ctx.day_one),
        "level_status": status,
        "target_low_ng_ml": None if target is None else target[0],
        "target_high_ng_ml": None if target is None else target[1],
    }

"""Baseline risk of acute GVHD: the refined Minnesota risk score and the MAGIC algorithm
probability, with the transplant facts analysed beside them.

**Minnesota risk** (MacMillan ML, Robin M, Harris AC, et al. A refined risk score for acute
graft-versus-host disease that predicts response to initial therapy, survival, and
transplant-related mortality. Biol Blood Marrow Transplant 2015;21:761-767), from the organ
stages at onset. *Standard risk* is exactly one of these involvement patterns (an organ is
involved at stage ≥ 1; every other organ stage 0):

- one organ: skin stage 1–3; or upper GI stage 1; or lower GI stage 1–2;
- skin 1–3 + upper GI 1; skin 1–3 + lower GI 1; skin 1–3 + lower GI 1 + upper GI 1;
  skin 1–3 + liver 1–4; lower GI 1 + upper GI 1.

Every other pattern with acute GVHD is *high risk* (e.g. skin stage 4, lower GI stage 3–4, any
liver involvement without skin, skin with liver and a GI tract, lower GI 2 with upper GI).
No organ involved: not applicable. (The same list is the eligibility definition of
Minnesota standard risk in BMT CTN 1501, NCT02806947.)

**MAGIC algorithm probability** (MAP; Hartwell MJ, Özbek U, Holler E, et al. An early-biomarker
algorithm predicts lethal graft-versus-host disease and survival. JCI Insight 2017;2:e89798):
the predicted probability ``p`` of 6-month non-relapse mortality from serum ST2 and REG3α,

    log(−log(1 − p)) = −11.263 + 1.844·ln(ST2) + 0.577·ln(REG3α),   concentrations in ng/mL.

Groups: *high* when MAP ≥ 0.290, *low* below it — the threshold used for steroid-treated and
steroid-resistant GVHD (Major-Monfried H et al., Blood 2018;131:2846-2855; Srinagesh HK et al.,
Blood Adv 2019;3:4034-4042). The MAP is computed only when both biomarkers are entered.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from trialdesk.domain.errors import FieldError, InputError
from trialdesk.domain.forms.derivations import FormContext
from trialdesk.domain.gvhd._checks import as_stage_array
from trialdesk.domain.gvhd.types import OrganStages

__all__ = [
    "MAGIC_HIGH_THRESHOLD",
    "BaselineRisk",
    "MagicGroup",
    "MinnesotaRisk",
    "assess_baseline_risk",
    "baseline_risk",
    "magic_algorithm_probability",
    "magic_group",
    "minnesota_risk",
    "minnesota_risk_arrays",
]

#: MAP at or above which the biomarker risk is high (Major-Monfried 2018; Srinagesh 2019).
MAGIC_HIGH_THRESHOLD = 0.290
# Hartwell et al. 2017: intercept and coefficients of ln(ST2) and ln(REG3α), both in ng/mL.
_INTERCEPT, _ST2, _REG3A = -11.263, 1.844, 0.577


class MinnesotaRisk(enum.StrEnum):
    STANDARD = "standard"
    HIGH = "high"


class MagicGroup(enum.StrEnum):
    LOW = "low"
    HIGH = "high"


#: Code of :func:`minnesota_risk_arrays`: no organ involved (not applicable).
NOT_APPLICABLE = -1
_STANDARD, _HIGH = 0, 1


def minnesota_risk_arrays(stages: ArrayLike) -> NDArray[np.int8]:
    """Minnesota risk of every row of stages (last axis: skin, liver, upper GI, lower GI):
    0 standard, 1 high, -1 no organ involved."""
    s = as_stage_array(stages, "stages")
    skin, liver, upper, lower = (s[..., i] for i in range(4))
    skin_ok = (skin >= 1) & (skin <= 3)
    no_skin, no_liver, no_upper, no_lower = skin == 0, liver == 0, upper == 0, lower == 0
    standard = (
        (skin_ok & no_liver & no_upper & no_lower)
        | (no_skin & no_liver & (upper == 1) & no_lower)
        | (no_skin & no_liver & no_upper & (lower >= 1) & (lower <= 2))
        | (skin_ok & no_liver & (lower <= 1) & ~(no_upper & no_lower))  # + upper and/or lower 1
        | (skin_ok & (liver >= 1) & no_upper & no_lower)
        | (no_skin & no_liver & (upper == 1) & (lower == 1))
    )
    involved = (s > 0).any(axis=-1)
    codes = np.where(standard, _STANDARD, _HIGH)
    return np.where(involved, codes, NOT_APPLICABLE).astype(np.int8)


def minnesota_risk(stages: OrganStages) -> MinnesotaRisk | None:
    """Refined Minnesota risk from the onset stages; ``None`` when no organ is involved."""
    code = int(minnesota_risk_arrays(np.array(stages.as_tuple())))
    if code == NOT_APPLICABLE:
        return None
    return MinnesotaRisk.STANDARD if code == _STANDARD else MinnesotaRisk.HIGH


def _positive(value: float, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError.single(field, f"must be a number in ng/mL, got {value!r}")
    if value <= 0:
        raise InputError.single(
            field, f"must be above 0 ng/mL for the MAGIC algorithm (it takes logs), got {value}"
        )
    return float(value)


def magic_algorithm_probability(st2_ng_ml: float, reg3a_ng_ml: float) -> float:
    """MAP from ST2 and REG3α (ng/mL): ``1 − exp(−exp(η))`` with η of Hartwell et al. 2017."""
    st2 = _positive(st2_ng_ml, "st2_ng_ml")
    reg3a = _positive(reg3a_ng_ml, "reg3a_ng_ml")
    eta = _INTERCEPT + _ST2 * math.log(st2) + _REG3A * math.log(reg3a)
    return -math.expm1(-math.exp(eta))


def magic_group(probability: float) -> MagicGroup:
    """High when the MAP is at or above 0.290, low below it."""
    return MagicGroup.HIGH if probability >= MAGIC_HIGH_THRESHOLD else MagicGroup.LOW


@dataclass(frozen=True, slots=True)
class BaselineRisk:
    """The risk factors of one subject at randomization."""

    minnesota: MinnesotaRisk | None
    magic_probability: float | None
    magic_group: MagicGroup | None
    days_transplant_to_onset: int | None
    days_transplant_to_randomization: int | None
    days_onset_to_randomization: int | None


def _days(start: dt.date | None, end: dt.date | None) -> int | None:
    return None if start is None or end is None else (end - start).days


def _stages_at_onset(values: Mapping[str, Any]) -> OrganStages:
    names = ("skin", "liver", "upper_gi", "lower_gi")
    try:
        return OrganStages(*(values.get(f"onset_{n}_stage", 0) for n in names))
    except InputError as error:  # name the form's fields
        raise InputError(
            FieldError(f"onset_{e.field}_stage", e.message) for e in error.errors
        ) from None


def assess_baseline_risk(values: Mapping[str, Any], randomized_on: dt.date | None) -> BaselineRisk:
    """Minnesota risk, MAP (when both biomarkers are given) and the transplant intervals."""
    stages = _stages_at_onset(values)
    st2, reg3a = values.get("st2_ng_ml"), values.get("reg3a_ng_ml")
    probability = None if st2 is None or reg3a is None else magic_algorithm_probability(st2, reg3a)
    transplant, onset = values.get("transplant_on"), values.get("agvhd_onset_on")
    if transplant is not None and onset is not None and onset < transplant:
        raise InputError.single("agvhd_onset_on", "must not be before the transplant (day 0)")
    return BaselineRisk(
        minnesota=minnesota_risk(stages),
        magic_probability=probability,
        magic_group=None if probability is None else magic_group(probability),
        days_transplant_to_onset=_days(transplant, onset),
        days_transplant_to_randomization=_days(transplant, randomized_on),
        days_onset_to_randomization=_days(onset, randomized_on),
    )


def baseline_risk(values: Mapping[str, Any], ctx: FormContext) -> dict[str, Any]:
    """Derivation of the ``baseline_risk`` form (the randomization date comes from the context;
    before randomization the intervals to it are ``None``)."""
    risk = assess_baseline_risk(values, ctx.randomized_on)
    return {
        "minnesota_risk": None if risk.minnesota is None else risk.minnesota.value,
        "magic_probability": risk.magic_probability,
        "magic_group": None if risk.magic_group is None else risk.magic_group.value,
        "days_transplant_to_onset": risk.days_transplant_to_onset,
        "days_transplant_to_randomization": risk.days_transplant_to_randomization,
        "days_onset_to_randomization": risk.days_onset_to_randomization,
    }

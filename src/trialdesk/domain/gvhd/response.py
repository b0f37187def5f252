"""Response of acute GVHD against the baseline organ stages (clinical.md §2.1).

Baseline is the stage of each organ at the start of the therapy being assessed (here day 1 of
second-line therapy). An organ *improves* when its stage falls by ≥ 1 and *worsens* when it rises
by ≥ 1; an organ uninvolved at baseline that becomes involved has worsened. Rules, checked in
this order:

- **CR** (both rule sets): every organ at stage 0 now, and at least one organ was involved at
  baseline. (Without baseline involvement there is nothing to respond: stages 0 → 0 are NR.)
- ``csh`` (Chinese consensus): any worsening → **PD**, whether or not others improved; every
  organ involved at baseline improved → **PR**; otherwise → **NR**. There is no MR.
- ``international`` (REACH2-style): ≥ 1 improved and none worsened → **PR**; ≥ 1 improved and
  ≥ 1 worsened → **MR**; worsened only → **PD**; no change → **NR**.
- Death before the assessment → **NR** under both rule sets (CSH says so explicitly; under the
  international usage death is a treatment failure, and NR is the category that counts as one
  without claiming progression).

Overall response (ORR) is CR + PR. Identical baseline and current stages are always NR.

Array codes index :data:`RESPONSE_BY_CODE`: 0 = CR, 1 = PR, 2 = MR, 3 = NR, 4 = PD.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from trialdesk.domain.errors import InputError
from trialdesk.domain.gvhd._checks import as_stage_array
from trialdesk.domain.gvhd.types import Organ, OrganStages, Response, ResponseRuleSet

__all__ = [
    "RESPONSE_BY_CODE",
    "RESPONSE_CODE",
    "ResponseAssessment",
    "assess_response",
    "classify_response",
    "is_overall_response",
]

#: Response of each array code.
RESPONSE_BY_CODE: tuple[Response, ...] = (
    Response.CR,
    Response.PR,
    Response.MR,
    Response.NR,
    Response.PD,
)
#: Array code of each response.
RESPONSE_CODE: dict[Response, np.int8] = {r: np.int8(i) for i, r in enumerate(RESPONSE_BY_CODE)}


@dataclass(frozen=True, slots=True)
class ResponseAssessment:
    """Response of one patient, with the rule set and the stage change of each organ."""

    response: Response
    rules: ResponseRuleSet
    baseline: OrganStages
    current: OrganStages
    #: Current minus baseline stage per organ (negative = improved).
    organ_changes: dict[Organ, int]
    died: bool = False

    @property
    def overall_response(self) -> bool:
        """True for CR or PR (counts towards the overall response rate)."""
        return self.response in (Response.CR, Response.PR)


def classify_response(
    baseline: ArrayLike,
    current: ArrayLike,
    rules: ResponseRuleSet,
    died: ArrayLike | None = None,
) -> NDArray[np.int8]:
    """Response code of every row of current stages against its baseline stages.

    Parameters
    ----------
    baseline, current : int arrays, shape ``(..., 4)``
        Organ stages (skin, liver, upper GI, lower GI); the shapes must match.
    rules : ResponseRuleSet
        ``CSH`` or ``INTERNATIONAL``.
    died : bool array, shape ``(...)``, optional
        Patient died before the assessment (→ NR).

    Returns
    -------
    int8 array, shape ``(...)``
        Codes into :data:`RESPONSE_BY_CODE`.
    """
    base = as_stage_array(baseline, "baseline")
    now = as_stage_array(current, "current")
    if base.shape != now.shape:
        raise InputError.single(
            "current", f"has shape {now.shape}, expected {base.shape} like baseline"
        )
    improved = now < base
    worsened = now > base
    any_improved = improved.any(axis=-1)
    any_worsened = worsened.any(axis=-1)
    involved = base > 0
    complete = involved.any(axis=-1) & ~(now > 0).any(axis=-1)

    if _rule_set(rules) is ResponseRuleSet.CSH:
        # "every initially involved organ improves"; uninvolved organs cannot improve.
        all_involved_improved = (improved | ~involved).all(axis=-1) & involved.any(axis=-1)
        codes = np.where(
            any_worsened,
            RESPONSE_CODE[Response.PD],
            np.where(all_involved_improved, RESPONSE_CODE[Response.PR], RESPONSE_CODE[Response.NR]),
        )
    else:
        codes = np.where(
            any_improved,
            np.where(any_worsened, RESPONSE_CODE[Response.MR], RESPONSE_CODE[Response.PR]),
            np.where(any_worsened, RESPONSE_CODE[Response.PD], RESPONSE_CODE[Response.NR]),
        )
    codes = np.where(complete, RESPONSE_CODE[Response.CR], codes)
    if died is not None:
        dead = np.asarray(died)
        if dead.dtype != np.bool_ or dead.shape != codes.shape:
            raise InputError.single(
                "died", f"must be true/false per row of shape {codes.shape}, got {dead.shape}"
            )
        codes = np.where(dead, RESPONSE_CODE[Response.NR], codes)
    return codes.astype(np.int8, copy=False)


def _rule_set(rules: ResponseRuleSet | str) -> ResponseRuleSet:
    try:
        return ResponseRuleSet(rules)
    except ValueError:
        choices = ", ".join(r.value for r in ResponseRuleSet)
        raise InputError.single("rules", f"unknown rule set {rules!r}; use {choices}") from None


def is_overall_response(codes: ArrayLike) -> NDArray[np.bool_]:
    """True where the response code is CR or PR; not-evaluable codes (< 0) are False."""
    values = np.asarray(codes)
    return (values >= RESPONSE_CODE[Response.CR]) & (values <= RESPONSE_CODE[Response.PR])


def assess_response(
    baseline: OrganStages,
    current: OrganStages,
    rules: ResponseRuleSet,
    *,
    died: bool = False,
) -> ResponseAssessment:
    """Response of one patient (same rules as :func:`classify_response`)."""
    code = classify_response(
        np.array(baseline.as_tuple(), dtype=np.int8),
        np.array(current.as_tuple(), dtype=np.int8),
        rules,
        np.asarray(died),
    )
    return ResponseAssessment(
        response=RESPONSE_BY_CODE[int(code)],
        rules=_rule_set(rules),
        baseline=baseline,
        current=current,
        organ_changes={
            organ: now - then
            for organ, now, then in zip(Organ, current.as_tuple(), baseline.as_tuple(), strict=True)
        },
        died=died,
    )

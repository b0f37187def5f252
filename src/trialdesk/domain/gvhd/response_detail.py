"""Response detail beyond the time-point endpoints: organ response, best response, time to
response, loss of response.

- **Organ response** (stage change of one organ against its baseline stage, the organ-level
  reading of the response rules in :mod:`trialdesk.domain.gvhd.response`, MAGIC staging: Harris
  AC et al., Biol Blood Marrow Transplant 2016;22:4-10): an organ involved at baseline is
  *resolved* at stage 0, *improved* when its stage fell by ≥ 1 (not to 0), *unchanged*, or
  *worse* when it rose; an organ uninvolved at baseline is *not involved* while at stage 0 and
  *worse* (new involvement) otherwise.
- **Best overall response** up to a study day: the best category among the assessments up to
  that day, in the order CR > PR > MR > NR > PD (MR, some organs better and some worse, ranks
  above no change). Under the composite strategy (:mod:`trialdesk.domain.intercurrent_events`)
  only assessments **before** the first intercurrent event count: an assessment on or after
  the event day is a failure whatever it shows.
- **Time to response**: study day of the first CR or PR, again before the first intercurrent
  event (which otherwise ends the chance of a response that counts: a competing event).
- **Loss of response (flare)**: after the first response, the first of: an assessment that is
  no longer CR or PR (NR, MR or PD against baseline), additional systemic therapy, or a
  steroid re-escalation. Death is not a flare (it is an outcome of its own).
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from trialdesk.domain.errors import InputError
from trialdesk.domain.gvhd._checks import reject_where
from trialdesk.domain.gvhd.endpoints import TimedResponse
from trialdesk.domain.gvhd.response import RESPONSE_BY_CODE, RESPONSE_CODE
from trialdesk.domain.gvhd.types import Response
from trialdesk.domain.intercurrent_events import IntercurrentEvent, IntercurrentEventKind

__all__ = [
    "FLARE_EVENTS",
    "ORGAN_RESPONSE_BY_CODE",
    "LossOfResponse",
    "OrganResponse",
    "best_response",
    "first_response",
    "loss_of_response",
    "organ_response",
    "organ_response_arrays",
]


class OrganResponse(enum.StrEnum):
    """Change of one organ's stage against its baseline stage."""

    RESOLVED = "resolved"
    IMPROVED = "improved"
    UNCHANGED = "unchanged"
    WORSE = "worse"
    NOT_INVOLVED = "not_involved"

    @property
    def label(self) -> str:
        """What a reader sees."""
        return self.value.replace("_", " ")


#: Organ response of each array code.
ORGAN_RESPONSE_BY_CODE: tuple[OrganResponse, ...] = tuple(OrganResponse)
_RESOLVED, _IMPROVED, _UNCHANGED, _WORSE, _NOT_INVOLVED = range(5)
#: Intercurrent events that end a response (death is an outcome of its own, not a flare).
FLARE_EVENTS: tuple[IntercurrentEventKind, ...] = (
    IntercurrentEventKind.ADDITIONAL_THERAPY,
    IntercurrentEventKind.STEROID_RE_ESCALATION,
)


def _stages(values: ArrayLike, field: str) -> NDArray[np.int8]:
    raw = np.asarray(values)
    if raw.dtype.kind not in "iu":
        raise InputError.single(field, f"stages must be whole numbers, got dtype {raw.dtype}")
    reject_where((raw < 0) | (raw > 4), field, "must be a stage 0-4", raw)
    return raw.astype(np.int8, copy=False)


def organ_response_arrays(baseline: ArrayLike, current: ArrayLike) -> NDArray[np.int8]:
    """Code into :data:`ORGAN_RESPONSE_BY_CODE` of each organ stage against its baseline
    (arrays of stages 0-4 of one shape, e.g. ``(n, 4)`` in the order skin, liver, upper GI,
    lower GI)."""
    base, now = _stages(baseline, "baseline"), _stages(current, "current")
    if base.shape != now.shape:
        raise InputError.single(
            "current", f"has shape {now.shape}, expected {base.shape} like baseline"
        )
    involved = base > 0
    codes = np.select(
        [involved & (now == 0), involved & (now < base), now > base, involved],
        [_RESOLVED, _IMPROVED, _WORSE, _UNCHANGED],
        default=_NOT_INVOLVED,
    )
    return codes.astype(np.int8)


def organ_response(baseline: int, current: int) -> OrganResponse:
    """One organ's response (same rule as :func:`organ_response_arrays`)."""
    for name, value in (("baseline", baseline), ("current", current)):
        try:
            stage = operator.index(value)
        except TypeError:
            stage = -1
        if isinstance(value, bool) or not 0 <= stage <= 4:
            raise InputError.single(name, f"must be a stage 0-4, got {value!r}")
    return ORGAN_RESPONSE_BY_CODE[int(organ_response_arrays([baseline], [current])[0])]


def _before(
    assessments: Sequence[TimedResponse], events: Iterable[IntercurrentEvent]
) -> list[TimedResponse]:
    """Assessments before the first intercurrent event, in study-day order."""
    first = min((e.study_day for e in events), default=None)
    return sorted(
        (a for a in assessments if first is None or a.study_day < first),
        key=lambda a: a.study_day,
    )


def best_response(
    assessments: Sequence[TimedResponse],
    through_day: int,
    events: Iterable[IntercurrentEvent] = (),
) -> Response | None:
    """Best category (CR > PR > MR > NR > PD) of the assessments up to ``through_day`` and
    before the first intercurrent event; ``None`` when none counts."""
    counted = [a for a in _before(assessments, events) if a.study_day <= through_day]
    if not counted:
        return None
    return RESPONSE_BY_CODE[min(int(RESPONSE_CODE[a.response]) for a in counted)]


def first_response(
    assessments: Sequence[TimedResponse], events: Iterable[IntercurrentEvent] = ()
) -> TimedResponse | None:
    """The first CR or PR before the first intercurrent event, ``None`` when there is none."""
    return next(
        (a for a in _before(assessments, events) if a.response in (Response.CR, Response.PR)),
        None,
    )


@dataclass(frozen=True, slots=True)
class LossOfResponse:
    """The first sign, after a response, that it was lost."""

    study_day: int
    reason: str

    @classmethod
    def from_assessment(cls, assessment: TimedResponse) -> LossOfResponse:
        """Lost at an assessment that is no longer CR or PR: ``PD on day 57``."""
        return cls(
            assessment.study_day, f"{assessment.response.value} on day {assessment.study_day}"
        )

    @classmethod
    def from_event(cls, event: IntercurrentEvent) -> LossOfResponse:
        """Lost by additional therapy or re-escalation: ``additional systemic therapy day 40``."""
        return cls(event.study_day, event.description)


def loss_of_response(
    assessments: Sequence[TimedResponse], events: Sequence[IntercurrentEvent] = ()
) -> LossOfResponse | None:
    """Loss of response after the first response (``None``: no response, or kept)."""
    responded = first_response(assessments, events)
    if responded is None:
        return None
    candidates = [
        LossOfResponse.from_assessment(a)
        for a in assessments
        if a.study_day > responded.study_day and a.response not in (Response.CR, Response.PR)
    ]
    candidates += [
        LossOfResponse.from_event(e)
        for e in events
        if e.kind in FLARE_EVENTS and e.study_day > responded.study_day
    ]
    return min(candidates, key=lambda c: c.study_day, default=None)

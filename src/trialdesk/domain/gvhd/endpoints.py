"""Response endpoints at a time point: the day-28 primary endpoint and durable day-56 response.

The protocol supplies each time point as an :class:`EndpointWindow` (target study day and the days
allowed before and after it). The assessment that counts is chosen by these rules:

- only assessments whose study day lies in ``[target - days_before, target + days_after]``;
- among them the one closest to the target day; on a tie (one day early, one day late) the
  **later** one, because it reflects the longer treatment exposure; two assessments on the same
  day → the one recorded last, taken as the correction of the earlier;
- none in the window → **not evaluable** (code ``NOT_EVALUABLE`` = -1, ``None`` for one patient).
  Intention-to-treat analysis counts a not-evaluable patient as a non-responder, so
  ``complete_response`` and ``overall_response`` are False for them and
  :func:`overall_response_rate` keeps them in the denominator.

Durable response (REACH2 usage): a responder (CR or PR) at the first time point who is still a
responder (CR or PR against baseline) at the later one, e.g. day 28 and day 56.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from trialdesk.domain.errors import InputError
from trialdesk.domain.gvhd._checks import as_float_array
from trialdesk.domain.gvhd.response import RESPONSE_CODE, is_overall_response
from trialdesk.domain.gvhd.types import Response

__all__ = [
    "NOT_EVALUABLE",
    "EndpointWindow",
    "TimedResponse",
    "TimepointResult",
    "durable_response",
    "durable_response_arrays",
    "overall_response_rate",
    "response_at",
    "response_at_arrays",
    "select_in_window",
]

#: Array code of a time point with no assessment in its window.
NOT_EVALUABLE = np.int8(-1)


@dataclass(frozen=True, slots=True)
class EndpointWindow:
    """A time point: target study day, with the days allowed before and after it."""

    target_day: float
    days_before: float = 0
    days_after: float = 0

    def __post_init__(self) -> None:
        if not math.isfinite(self.target_day):
            raise InputError.single("target_day", f"must be a finite day, got {self.target_day!r}")
        for name in ("days_before", "days_after"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise InputError.single(name, f"must be ≥ 0 days, got {value!r}")

    @property
    def first_day(self) -> float:
        """Earliest study day inside the window."""
        return self.target_day - self.days_before

    @property
    def last_day(self) -> float:
        """Latest study day inside the window."""
        return self.target_day + self.days_after


@dataclass(frozen=True, slots=True)
class TimedResponse:
    """A response category assessed on a study day."""

    study_day: int
    response: Response


@dataclass(frozen=True, slots=True)
class TimepointResult:
    """The response that counts at one time point, or ``None`` when not evaluable."""

    window: EndpointWindow
    assessment: TimedResponse | None

    @property
    def evaluable(self) -> bool:
        """An assessment fell in the window."""
        return self.assessment is not None

    @property
    def response(self) -> Response | None:
        """The counted response category, ``None`` when not evaluable."""
        return None if self.assessment is None else self.assessment.response

    @property
    def complete_response(self) -> bool:
        """CR at this time point; False when not evaluable (ITT non-responder)."""
        return self.response is Response.CR

    @property
    def overall_response(self) -> bool:
        """CR or PR at this time point; False when not evaluable (ITT non-responder)."""
        return self.response in (Response.CR, Response.PR)


def select_in_window(study_days: ArrayLike, window: EndpointWindow) -> NDArray[np.intp]:
    """Index of the assessment that counts for ``window`` in each row, -1 when none.

    Parameters
    ----------
    study_days : float array, shape ``(..., k)``
        Study day of each of a patient's ``k`` assessments; NaN for an empty slot.
    window : EndpointWindow
        The time point.

    Returns
    -------
    intp array, shape ``(...)``
        Index along the last axis, or -1 when no assessment is in the window.
    """
    days = as_float_array(study_days, "study_days")
    if days.ndim == 0:
        raise InputError.single("study_days", "needs a last axis of assessments")
    if days.shape[-1] == 0:
        return np.full(days.shape[:-1], -1, dtype=np.intp)
    inside = (days >= window.first_day) & (days <= window.last_day)
    distance = np.where(inside, np.abs(days - window.target_day), np.inf)
    closest = inside & (distance == distance.min(axis=-1, keepdims=True))
    # Among the closest, the latest day wins; among equal days, the last recorded.
    candidate_days = np.where(closest, days, -np.inf)[..., ::-1]
    last = days.shape[-1] - 1 - np.argmax(candidate_days, axis=-1)
    return np.where(inside.any(axis=-1), last, -1).astype(np.intp)


def response_at_arrays(
    study_days: ArrayLike, response_codes: ArrayLike, window: EndpointWindow
) -> NDArray[np.int8]:
    """Response code that counts for ``window`` in each row, ``NOT_EVALUABLE`` when none.

    ``response_codes`` has the shape of ``study_days`` and holds codes from
    :func:`~trialdesk.domain.gvhd.response.classify_response`.
    """
    codes = np.asarray(response_codes)
    days_shape = np.shape(study_days)
    if codes.shape != days_shape:
        raise InputError.single(
            "response_codes", f"has shape {codes.shape}, expected {days_shape} like study_days"
        )
    index = select_in_window(study_days, window)
    picked = np.take_along_axis(codes, np.maximum(index, 0)[..., np.newaxis], axis=-1)[..., 0]
    return np.where(index >= 0, picked, NOT_EVALUABLE).astype(np.int8)


def durable_response_arrays(first_codes: ArrayLike, later_codes: ArrayLike) -> NDArray[np.bool_]:
    """Responder (CR/PR) at the first time point and still a responder at the later one."""
    return is_overall_response(first_codes) & is_overall_response(later_codes)


def overall_response_rate(codes: ArrayLike) -> float:
    """Share of patients with CR or PR; not-evaluable patients count as non-responders (ITT)."""
    values = np.asarray(codes)
    if values.size == 0:
        raise InputError.single("codes", "needs at least one patient")
    return float(is_overall_response(values).mean())


def response_at(assessments: Sequence[TimedResponse], window: EndpointWindow) -> TimepointResult:
    """The response that counts for one patient at ``window`` (same rule as the array form)."""
    if not assessments:
        return TimepointResult(window=window, assessment=None)
    index = int(select_in_window(np.array([a.study_day for a in assessments], float), window))
    return TimepointResult(window=window, assessment=assessments[index] if index >= 0 else None)


def durable_response(
    assessments: Sequence[TimedResponse], first: EndpointWindow, later: EndpointWindow
) -> bool:
    """One patient: responder at ``first`` (e.g. day 28) and still at ``later`` (day 56)."""
    codes = [
        RESPONSE_CODE[r.response] if r.response is not None else NOT_EVALUABLE
        for r in (response_at(assessments, first), response_at(assessments, later))
    ]
    return bool(durable_response_arrays(codes[0], codes[1]))

"""Intercurrent events and the composite strategy for the response endpoints (ICH E9(R1)).

ICH E9(R1) (Addendum on estimands and sensitivity analysis, 2019) calls *intercurrent* the events
after the start of treatment that change the interpretation, or the existence, of the
measurements of the endpoint. For the response endpoints of a steroid-refractory acute GVHD
trial (CR and overall response at week 4, durable response at day 56) these are:

- **additional systemic therapy for GVHD** (a rescue therapy, or an assessment recording
  "additional systemic GVHD therapy since the last assessment" — dated on that assessment, the
  latest day it can have started);
- **steroid re-escalation** (the dose rose above the day-1 dose, see
  :func:`trialdesk.domain.steroid_exposure.re_escalation`);
- **death**;
- **withdrawal or loss to follow-up** before the assessment.

**Composite strategy**: the occurrence of the event is part of the variable — a subject with an
intercurrent event on or before the assessment that counts at a time point (or, with no
assessment counting, on or before the last day of the window) is a **treatment failure** at
that time point, whatever the response observed afterwards: a patient with PD on day 15,
switched to other therapy on day 16 and in CR on day 29 is a failure for CR at week 4. This is
how steroid-refractory aGVHD trials count response (e.g. REACH2: Zeiser R et al., N Engl J Med
2020;382:1800-10, where a patient given additional systemic therapy for aGVHD was a
non-responder at day 28).
An event after the counted assessment does not change that time point.

Events on the same day are ordered death, additional therapy, re-escalation, withdrawal/loss,
so the listing names the most consequential one.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike, NDArray

from trialdesk.domain.errors import InputError
from trialdesk.domain.gvhd.endpoints import (
    EndpointWindow,
    TimedResponse,
    TimepointResult,
    response_at,
)

__all__ = [
    "EVENT_PRECEDENCE",
    "CompositeResult",
    "IntercurrentEvent",
    "IntercurrentEventKind",
    "composite_durable_response",
    "composite_failure_arrays",
    "composite_response_at",
    "first_event",
]


class IntercurrentEventKind(enum.StrEnum):
    """Kinds of intercurrent event, in the order that breaks a same-day tie."""

    DEATH = "death"
    ADDITIONAL_THERAPY = "additional_therapy"
    STEROID_RE_ESCALATION = "steroid_re_escalation"
    WITHDRAWAL = "withdrawal"

    @property
    def label(self) -> str:
        """What a reader sees."""
        return _LABELS[self]


_LABELS = {
    IntercurrentEventKind.DEATH: "death",
    IntercurrentEventKind.ADDITIONAL_THERAPY: "additional systemic therapy",
    IntercurrentEventKind.STEROID_RE_ESCALATION: "steroid re-escalation",
    IntercurrentEventKind.WITHDRAWAL: "withdrawal or loss to follow-up",
}
#: Rank of each kind when events fall on the same day (lower first).
EVENT_PRECEDENCE: Mapping[IntercurrentEventKind, int] = MappingProxyType(
    {kind: rank for rank, kind in enumerate(IntercurrentEventKind)}
)


@dataclass(frozen=True, slots=True)
class IntercurrentEvent:
    """One intercurrent event on a study day; ``detail`` names it (e.g. the therapy)."""

    kind: IntercurrentEventKind
    study_day: int
    detail: str | None = None

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", IntercurrentEventKind(self.kind))
        except ValueError:
            known = ", ".join(k.value for k in IntercurrentEventKind)
            raise InputError.single("kind", f"unknown event {self.kind!r}; use {known}") from None
        if isinstance(self.study_day, bool) or not isinstance(self.study_day, int):
            raise InputError.single("study_day", f"must be a whole day, got {self.study_day!r}")

    @property
    def description(self) -> str:
        """For a listing: ``additional systemic therapy day 16``."""
        return f"{self.kind.label} day {self.study_day}"


def first_event(events: Iterable[IntercurrentEvent | None]) -> IntercurrentEvent | None:
    """The earliest event (same day: by kind precedence), ``None`` when there is none."""
    present = [e for e in events if e is not None]
    if not present:
        return None
    return min(present, key=lambda e: (e.study_day, EVENT_PRECEDENCE[e.kind]))


@dataclass(frozen=True, slots=True)
class CompositeResult:
    """A time point under the composite strategy: what was observed and whether an
    intercurrent event made it a failure (``event`` is that event, for the listing)."""

    observed: TimepointResult
    event: IntercurrentEvent | None

    @property
    def failure_by_event(self) -> bool:
        """An intercurrent event occurred on or before the assessment that would count."""
        return self.event is not None

    @property
    def complete_response(self) -> bool:
        """CR observed and no intercurrent event before it."""
        return self.observed.complete_response and not self.failure_by_event

    @property
    def overall_response(self) -> bool:
        """CR or PR observed and no intercurrent event before it."""
        return self.observed.overall_response and not self.failure_by_event

    @property
    def reason(self) -> str:
        """Why this is not a response, for a listing; empty for a responder."""
        if self.event is not None:
            return self.event.description
        if not self.observed.evaluable:
            return "no assessment in the window"
        return "" if self.overall_response else f"observed {self.observed.response}"


def _cut_off_day(observed: TimepointResult) -> float:
    """Last day an event makes the time point a failure: the counted assessment, or the
    window's last day when none counts."""
    if observed.assessment is not None:
        return float(observed.assessment.study_day)
    return observed.window.last_day


def composite_response_at(
    assessments: Sequence[TimedResponse],
    window: EndpointWindow,
    events: Iterable[IntercurrentEvent],
) -> CompositeResult:
    """One patient's time point: the observed response (window rule of
    :func:`~trialdesk.domain.gvhd.endpoints.response_at`) and the first event, if any, on or
    before the counted assessment (or the window's last day when none counts)."""
    observed = response_at(assessments, window)
    limit = _cut_off_day(observed)
    event = first_event(e for e in events if e.study_day <= limit)
    return CompositeResult(observed=observed, event=event)


def composite_durable_response(
    assessments: Sequence[TimedResponse],
    first: EndpointWindow,
    later: EndpointWindow,
    events: Sequence[IntercurrentEvent],
) -> CompositeResult:
    """Durable response: a composite responder at ``first`` (week 4) who is still one at
    ``later`` (day 56). The result's ``event`` is the event that broke it, if any."""
    at_first = composite_response_at(assessments, first, events)
    at_later = composite_response_at(assessments, later, events)
    if not at_first.overall_response:
        return CompositeResult(observed=at_first.observed, event=at_first.event)
    return at_later


def composite_failure_arrays(
    assessment_days: ArrayLike, event_days: ArrayLike, window: EndpointWindow
) -> NDArray[np.bool_]:
    """True where an intercurrent event (study day, NaN for none) is on or before the counted
    assessment (study day, NaN when none counts — then the window's last day applies)."""
    counted = np.asarray(assessment_days, dtype=float)
    events = np.asarray(event_days, dtype=float)
    if counted.shape != events.shape:
        raise InputError.single("event_days", f"has shape {events.shape}, expected {counted.shape}")
    limit = np.where(np.isnan(counted), window.last_day, counted)
    with np.errstate(invalid="ignore"):
        failed: NDArray[np.bool_] = ~np.isnan(events) & (events <= limit)
    return failed

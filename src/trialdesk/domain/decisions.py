"""Protocol decisions: the next step of study treatment from the response history of a course.

The rules are the protocol's (``CourseRules``): a stop rule ends study treatment — switch to
other therapy, a treatment failure — when its responses occur at its visits (NCT04738981: PD at
the week-1 to week-3 assessments, or NR/MR/PD at week 4); at the course's decision visit a
response in ``repeat_on`` (PR) starts another course while fewer than ``max_courses`` have been
given; any other response there (CR, or PR after the last course) completes the course and
with it study treatment.
Before the decision visit and without a stop, the course simply continues.

The rule is written once, on numpy arrays (:func:`next_steps`), so the simulator can decide for a
million virtual assessments at once; :func:`decide_next_step` applies it to one patient's
history, where the first assessment that decides anything wins.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from trialdesk.domain.errors import FieldError, InputError
from trialdesk.domain.gvhd.types import Response
from trialdesk.domain.protocol import CourseRules, Protocol, VisitPhase

__all__ = ["STEP_CODES", "NextStep", "ProtocolDecision", "decide_next_step", "next_steps"]


class NextStep(enum.StrEnum):
    CONTINUE = "continue"
    REPEAT_COURSE = "repeat_course"
    SWITCH_THERAPY = "switch_therapy"
    COURSE_COMPLETE = "course_complete"


#: Integer codes used by :func:`next_steps`: ``STEP_CODES[code]`` is the step.
STEP_CODES: tuple[NextStep, ...] = tuple(NextStep)
_CONTINUE, _REPEAT, _SWITCH, _COMPLETE = range(4)
_RESPONSE_CODES = np.array([r.value for r in Response])


@dataclass(frozen=True, slots=True)
class ProtocolDecision:
    """The next step, why, and which assessment and stop rule (if any) decided it."""

    step: NextStep
    reason: str
    course: int
    visit: str | None = None
    response: Response | None = None
    stop_rule: str | None = None

    @property
    def treatment_failure(self) -> bool:
        """Switching therapy ends study treatment as a treatment failure."""
        return self.step is NextStep.SWITCH_THERAPY


def next_steps(
    rules: CourseRules,
    visits: npt.ArrayLike,
    responses: npt.ArrayLike,
    courses: npt.ArrayLike,
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int16]]:
    """Decide for each assessment independently (vectorised).

    Parameters
    ----------
    rules
        The protocol's course rules.
    visits, responses, courses
        Arrays of one shape (or broadcastable): course-visit code, response code (``"CR"`` …
        ``"PD"``) and course number of each assessment.

    Returns
    -------
    steps, stop_rules
        ``steps`` holds indices into ``STEP_CODES``; ``stop_rules`` the index of the stop rule
        that fired, or -1.
    """
    visit_arr, response_arr, course_arr = np.broadcast_arrays(
        np.asarray(visits, dtype=str), np.asarray(responses, dtype=str), np.asarray(courses)
    )
    unknown = ~np.isin(response_arr, _RESPONSE_CODES)
    if unknown.any():
        bad = str(response_arr[unknown].flat[0])
        raise InputError.single("response", f"unknown response {bad!r}; use CR, PR, MR, NR, PD")
    steps = np.full(visit_arr.shape, _CONTINUE, dtype=np.int8)
    fired = np.full(visit_arr.shape, -1, dtype=np.int16)
    for index, rule in enumerate(rules.stop_rules):
        hit = (
            (steps == _CONTINUE)
            & np.isin(visit_arr, list(rule.visits))
            & np.isin(response_arr, [r.value for r in rule.responses])
        )
        steps[hit] = _SWITCH
        fired[hit] = index
    at_decision = (steps == _CONTINUE) & (visit_arr == rules.decision_visit)
    repeat = (
        at_decision
        & np.isin(response_arr, [r.value for r in rules.repeat_on])
        & (course_arr < rules.max_courses)
    )
    steps[repeat] = _REPEAT
    steps[at_decision & ~repeat] = _COMPLETE
    return steps, fired


def decide_next_step(
    protocol: Protocol, history: Sequence[tuple[str, Response]], course: int = 1
) -> ProtocolDecision:
    """Next step after the assessments ``(visit code, response)`` of course ``course``, in order."""
    rules = protocol.course
    if not 1 <= course <= rules.max_courses:
        raise InputError.single("course", f"must be between 1 and {rules.max_courses}")
    course_visits = {v.code for v in protocol.visits_in(VisitPhase.COURSE)}
    errors = [
        FieldError(f"history[{i}].visit", f"{visit!r} is not a course visit of this protocol")
        for i, (visit, _) in enumerate(history)
        if visit not in course_visits
    ]
    if errors:
        raise InputError(errors)
    if not history:
        return ProtocolDecision(NextStep.CONTINUE, "no assessment yet; continue the course", course)
    steps, fired = next_steps(
        rules, [v for v, _ in history], [Response(r).value for _, r in history], course
    )
    decisive = np.flatnonzero(steps != _CONTINUE)
    index = int(decisive[0]) if decisive.size else len(history) - 1
    visit, response = history[index][0], Response(history[index][1])
    step = STEP_CODES[int(steps[index])]
    stop = rules.stop_rules[int(fired[index])] if fired[index] >= 0 else None
    return ProtocolDecision(
        step=step,
        reason=_reason(rules, step, stop.reason if stop else "", visit, response, course),
        course=course,
        visit=visit,
        response=response,
        stop_rule=stop.code if stop else None,
    )


def _reason(
    rules: CourseRules, step: NextStep, stop: str, visit: str, response: Response, course: int
) -> str:
    seen = f"{response.value} at {visit} of course {course}"
    if step is NextStep.SWITCH_THERAPY:
        return f"{seen}: {stop}"
    if step is NextStep.REPEAT_COURSE:
        return (
            f"{seen}: repeat the {rules.length_days}-day course "
            f"(course {course + 1} of at most {rules.max_courses})"
        )
    if step is NextStep.COURSE_COMPLETE:
        if response in rules.repeat_on:
            return (
                f"{seen}: the maximum of {rules.max_courses} courses has been given; "
                "study treatment complete"
            )
        return f"{seen}: study treatment complete"
    return f"{seen}: no decision rule applies; continue the course"

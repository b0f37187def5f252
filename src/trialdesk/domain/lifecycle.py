"""The subject lifecycle: which status a subject can move to from which.

::

    screening ──► eligible ──► randomized ──► on_treatment ──► course_2
        │            │             │               │              │
        ▼            ▼             └───────────────┴──────┬───────┘
    screen_failed ◄──┘                                    ▼
                                               off_study_treatment ──► follow_up ──► completed

    withdrawn          from every state between screening and follow_up
    died               from randomized onwards (a death before randomization is a screen failure)
    lost_to_follow_up  from randomized onwards

Decisions where the protocol is silent:

* Consent can be withdrawn at any time before the end, including during screening.
* A patient who dies before randomization was never enrolled: they are a screen failure, so
  ``died`` counts only randomized subjects (the CONSORT flow and the survival analysis rely on
  it).
* A randomized subject who never receives a dose goes to ``off_study_treatment`` and is followed
  up (intention to treat).
* Every ending (screen_failed, completed, died, withdrawn, lost_to_follow_up) is final.
  Rescreening a screen failure opens a new screening record; a subject "found again" after
  being lost is a data correction with a reason in the audit trail, not a transition.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

from trialdesk.domain.errors import InputError, StateError

__all__ = [
    "TERMINAL_STATES",
    "TRANSITIONS",
    "TREATMENT_ENDED_STATES",
    "SubjectState",
    "allowed_targets",
    "can_transition",
    "is_terminal",
    "may_be_randomized",
    "may_receive_study_treatment",
    "require_study_treatment",
    "transition",
]


class SubjectState(enum.StrEnum):
    SCREENING = "screening"
    ELIGIBLE = "eligible"
    SCREEN_FAILED = "screen_failed"
    RANDOMIZED = "randomized"
    ON_TREATMENT = "on_treatment"
    COURSE_2 = "course_2"
    OFF_STUDY_TREATMENT = "off_study_treatment"
    FOLLOW_UP = "follow_up"
    COMPLETED = "completed"
    DIED = "died"
    WITHDRAWN = "withdrawn"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up"


_S = SubjectState
_AFTER_RANDOMIZATION = frozenset({_S.WITHDRAWN, _S.DIED, _S.LOST_TO_FOLLOW_UP})

#: Every allowed move: state → the states it may go to next. Read by the UI and the tests.
TRANSITIONS: Mapping[SubjectState, frozenset[SubjectState]] = MappingProxyType(
    {
        _S.SCREENING: frozenset({_S.ELIGIBLE, _S.SCREEN_FAILED, _S.WITHDRAWN}),
        _S.ELIGIBLE: frozenset({_S.RANDOMIZED, _S.SCREEN_FAILED, _S.WITHDRAWN}),
        _S.SCREEN_FAILED: frozenset(),
        _S.RANDOMIZED: frozenset({_S.ON_TREATMENT, _S.OFF_STUDY_TREATMENT}) | _AFTER_RANDOMIZATION,
        _S.ON_TREATMENT: frozenset({_S.COURSE_2, _S.OFF_STUDY_TREATMENT}) | _AFTER_RANDOMIZATION,
        _S.COURSE_2: frozenset({_S.OFF_STUDY_TREATMENT}) | _AFTER_RANDOMIZATION,
        _S.OFF_STUDY_TREATMENT: frozenset({_S.FOLLOW_UP}) | _AFTER_RANDOMIZATION,
        _S.FOLLOW_UP: frozenset({_S.COMPLETED}) | _AFTER_RANDOMIZATION,
        _S.COMPLETED: frozenset(),
        _S.DIED: frozenset(),
        _S.WITHDRAWN: frozenset(),
        _S.LOST_TO_FOLLOW_UP: frozenset(),
    }
)

#: States with no way out.
TERMINAL_STATES: frozenset[SubjectState] = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)

#: States in which no more study treatment is given: off study treatment, in follow-up, or the
#: study has ended for the subject. Safety data (AEs, outcomes) are still recorded in follow-up.
TREATMENT_ENDED_STATES: frozenset[SubjectState] = TERMINAL_STATES | {
    _S.OFF_STUDY_TREATMENT,
    _S.FOLLOW_UP,
}


def _state(value: SubjectState | str, field_name: str) -> SubjectState:
    try:
        return SubjectState(value)
    except ValueError:
        known = ", ".join(SubjectState)
        raise InputError.single(
            field_name, f"unknown subject status {value!r} (known: {known})"
        ) from None


def allowed_targets(current: SubjectState | str) -> frozenset[SubjectState]:
    """The states a subject in ``current`` may move to (empty for a final state)."""
    return TRANSITIONS[_state(current, "current")]


def is_terminal(state: SubjectState | str) -> bool:
    return _state(state, "state") in TERMINAL_STATES


def can_transition(current: SubjectState | str, target: SubjectState | str) -> bool:
    return _state(target, "target") in allowed_targets(current)


def transition(current: SubjectState | str, target: SubjectState | str) -> SubjectState:
    """Return ``target`` as the new state, or raise :class:`StateError` naming both states.

    An unknown status name is an :class:`InputError` naming ``current`` or ``target``.
    """
    source, destination = _state(current, "current"), _state(target, "target")
    if destination in TRANSITIONS[source]:
        return destination
    if source in TERMINAL_STATES:
        detail = f"{source} is final"
    else:
        detail = "allowed: " + ", ".join(sorted(TRANSITIONS[source]))
    raise StateError(f"cannot go from {source} to {destination} ({detail})")


def may_be_randomized(state: SubjectState | str) -> bool:
    """Whether a subject in ``state`` may still be randomized (now, or once found eligible)."""
    return _state(state, "state") in {SubjectState.SCREENING, SubjectState.ELIGIBLE}


def may_receive_study_treatment(state: SubjectState | str) -> bool:
    """Whether a subject in ``state`` may still be given a dose of study treatment."""
    return _state(state, "state") not in TREATMENT_ENDED_STATES


def require_study_treatment(state: SubjectState | str) -> None:
    """Raise :class:`StateError` naming ``state`` unless study treatment may be given in it."""
    if not may_receive_study_treatment(state):
        raise StateError(
            f"no dose of study treatment may be recorded for a subject in state "
            f"{_state(state, 'state')}: study treatment has ended"
        )

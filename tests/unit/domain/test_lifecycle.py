"""The subject lifecycle: every allowed and every refused transition."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialdesk.domain.errors import InputError, StateError
from trialdesk.domain.lifecycle import (
    TERMINAL_STATES,
    TRANSITIONS,
    SubjectState,
    allowed_targets,
    can_transition,
    is_terminal,
    may_be_randomized,
    transition,
)

S = SubjectState

# The lifecycle written out by hand, independently of the module's table.
ALLOWED = {
    ("screening", "eligible"),
    ("screening", "screen_failed"),
    ("screening", "withdrawn"),
    ("eligible", "randomized"),
    ("eligible", "screen_failed"),
    ("eligible", "withdrawn"),
    ("randomized", "on_treatment"),
    ("randomized", "off_study_treatment"),
    ("on_treatment", "course_2"),
    ("on_treatment", "off_study_treatment"),
    ("course_2", "off_study_treatment"),
    ("off_study_treatment", "follow_up"),
    ("follow_up", "completed"),
} | {
    (source, ending)
    for source in ("randomized", "on_treatment", "course_2", "off_study_treatment", "follow_up")
    for ending in ("withdrawn", "died", "lost_to_follow_up")
}
ALL_PAIRS = list(itertools.product([s.value for s in S], repeat=2))


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_an_allowed_transition_returns_the_new_state(current, target) -> None:
    assert transition(current, target) is S(target)
    assert can_transition(S(current), S(target))


@pytest.mark.parametrize(("current", "target"), [pair for pair in ALL_PAIRS if pair not in ALLOWED])
def test_a_refused_transition_names_both_states(current, target) -> None:
    with pytest.raises(StateError, match=f"^cannot go from {current} to {target} "):
        transition(current, target)
    assert not can_transition(current, target)


def test_the_published_table_is_exactly_the_lifecycle() -> None:
    table = {(s.value, t.value) for s, targets in TRANSITIONS.items() for t in targets}
    assert table == ALLOWED
    assert set(TRANSITIONS) == set(S)


def test_the_final_states_are_the_endings() -> None:
    assert {s.value for s in TERMINAL_STATES} == {
        "screen_failed", "completed", "died", "withdrawn", "lost_to_follow_up",
    }  # fmt: skip


def test_a_refusal_lists_what_is_allowed_instead() -> None:
    with pytest.raises(StateError, match=r"allowed: eligible, screen_failed, withdrawn\)$"):
        transition(S.SCREENING, S.RANDOMIZED)


def test_a_refusal_from_a_final_state_says_it_is_final() -> None:
    with pytest.raises(StateError, match=r"^cannot go from screen_failed to randomized "):
        transition("screen_failed", "randomized")
    with pytest.raises(StateError, match=r"\(died is final\)"):
        transition(S.DIED, S.FOLLOW_UP)


def test_a_screening_patient_can_withdraw_consent_but_cannot_die_in_the_trial() -> None:
    assert transition(S.SCREENING, S.WITHDRAWN) is S.WITHDRAWN
    with pytest.raises(StateError):
        transition(S.SCREENING, S.DIED)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: transition("enrolled", "randomized"), "current"),
        (lambda: transition("screening", "enroled"), "target"),
        (lambda: allowed_targets("nonsense"), "current"),
        (lambda: is_terminal("over"), "state"),
    ],
)
def test_an_unknown_status_name_is_an_input_error_naming_the_field(call, field) -> None:
    with pytest.raises(InputError, match=f"^{field}: unknown subject status"):
        call()


@given(st.sampled_from(sorted(TERMINAL_STATES)), st.sampled_from(list(S)))
def test_a_final_state_has_no_way_out(final, target) -> None:
    assert is_terminal(final)
    assert allowed_targets(final) == frozenset()
    with pytest.raises(StateError):
        transition(final, target)


@given(st.lists(st.integers(0, 10), max_size=20))
def test_every_walk_from_screening_ends_or_can_still_reach_an_ending(choices) -> None:
    state = S.SCREENING
    visited = [state]
    for choice in choices:
        targets = sorted(allowed_targets(state))
        if not targets:
            break
        state = transition(state, targets[choice % len(targets)])
        assert state not in visited  # the lifecycle never goes back
        visited.append(state)
    reachable, frontier = {state}, [state]
    while frontier:
        for nxt in allowed_targets(frontier.pop()):
            if nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    assert reachable & TERMINAL_STATES


@pytest.mark.parametrize("state", list(SubjectState))
def test_only_screening_and_eligible_subjects_may_still_be_randomized(
    state: SubjectState,
) -> None:
    assert may_be_randomized(state) is (state in {SubjectState.SCREENING, SubjectState.ELIGIBLE})

"""Protocol decisions: continue, repeat the course after PR, switch therapy, course complete."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from trialdesk.bootstrap import load_protocol
from trialdesk.domain.decisions import STEP_CODES, NextStep, decide_next_step, next_steps
from trialdesk.domain.errors import InputError
from trialdesk.domain.gvhd.types import Response

PROTOCOL = load_protocol()
CR, PR, MR, NR, PD = Response.CR, Response.PR, Response.MR, Response.NR, Response.PD


@pytest.mark.parametrize(
    ("history", "course", "step", "stop_rule"),
    [
        ([], 1, NextStep.CONTINUE, None),
        ([("D8", NR)], 1, NextStep.CONTINUE, None),
        ([("D8", PR), ("D15", NR)], 1, NextStep.CONTINUE, None),
        ([("D8", PD)], 1, NextStep.SWITCH_THERAPY, "progression_within_3_weeks"),
        ([("D8", NR), ("D22", PD)], 1, NextStep.SWITCH_THERAPY, "progression_within_3_weeks"),
        ([("D29", NR)], 1, NextStep.SWITCH_THERAPY, "no_response_week_4"),
        ([("D29", MR)], 1, NextStep.SWITCH_THERAPY, "no_response_week_4"),
        ([("D29", PD)], 1, NextStep.SWITCH_THERAPY, "no_response_week_4"),
        ([("D8", PR), ("D29", PR)], 1, NextStep.REPEAT_COURSE, None),
        ([("D29", CR)], 1, NextStep.COURSE_COMPLETE, None),
        ([("D29", PR)], 2, NextStep.COURSE_COMPLETE, None),
        ([("D29", CR)], 2, NextStep.COURSE_COMPLETE, None),
        ([("D15", PD)], 2, NextStep.SWITCH_THERAPY, "progression_within_3_weeks"),
    ],
)
def test_next_step_follows_the_protocol(
    history: list[tuple[str, Response]], course: int, step: NextStep, stop_rule: str | None
) -> None:
    decision = decide_next_step(PROTOCOL, history, course)
    assert (decision.step, decision.stop_rule) == (step, stop_rule)
    assert decision.treatment_failure is (step is NextStep.SWITCH_THERAPY)


def test_first_deciding_assessment_wins() -> None:
    decision = decide_next_step(PROTOCOL, [("D8", PD), ("D29", CR)])
    assert (decision.step, decision.visit, decision.response) == (
        NextStep.SWITCH_THERAPY,
        "D8",
        PD,
    )


def test_reasons_explain_the_decision() -> None:
    assert decide_next_step(PROTOCOL, [("D15", PD)]).reason == (
        "PD at D15 of course 1: aGVHD progressed within 3 weeks of treatment; "
        "switch to other therapy"
    )
    assert decide_next_step(PROTOCOL, [("D29", PR)]).reason == (
        "PR at D29 of course 1: repeat the 28-day course (course 2 of at most 2)"
    )
    assert decide_next_step(PROTOCOL, [("D29", PR)], course=2).reason == (
        "PR at D29 of course 2: the maximum of 2 courses has been given; study treatment complete"
    )
    assert decide_next_step(PROTOCOL, [("D29", CR)]).reason == (
        "CR at D29 of course 1: study treatment complete"
    )
    assert decide_next_step(PROTOCOL, [("D8", NR)]).reason == (
        "NR at D8 of course 1: no decision rule applies; continue the course"
    )
    assert decide_next_step(PROTOCOL, []).reason == "no assessment yet; continue the course"


def test_response_codes_as_plain_strings_are_accepted() -> None:
    history = [("D29", "PR")]
    assert decide_next_step(PROTOCOL, history).step is NextStep.REPEAT_COURSE  # type: ignore[arg-type]


def test_assessment_at_a_visit_outside_the_course_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        decide_next_step(PROTOCOL, [("D8", NR), ("W8", CR)])
    assert (
        str(caught.value.errors[0])
        == "history[1].visit: 'W8' is not a course visit of this protocol"
    )


@pytest.mark.parametrize("course", [0, 3])
def test_course_outside_the_protocol_is_refused(course: int) -> None:
    with pytest.raises(InputError, match="course: must be between 1 and 2"):
        decide_next_step(PROTOCOL, [("D29", PR)], course)


def test_vectorised_rule_agrees_with_the_one_patient_rule_for_every_case() -> None:
    visits = [v.code for v in PROTOCOL.visits if v.phase.value == "course"]
    cases = list(itertools.product(visits, list(Response), [1, 2]))
    steps, _ = next_steps(
        PROTOCOL.course,
        np.array([v for v, _, _ in cases]),
        np.array([r.value for _, r, _ in cases]),
        np.array([c for _, _, c in cases]),
    )
    for (visit, response, course), code in zip(cases, steps, strict=True):
        assert STEP_CODES[code] is decide_next_step(PROTOCOL, [(visit, response)], course).step


def test_vectorised_rule_reports_which_stop_rule_fired() -> None:
    steps, fired = next_steps(
        PROTOCOL.course, ["D8", "D29", "D29", "D4"], ["PD", "NR", "PR", "PD"], 1
    )
    assert [STEP_CODES[s] for s in steps] == [
        NextStep.SWITCH_THERAPY,
        NextStep.SWITCH_THERAPY,
        NextStep.REPEAT_COURSE,
        NextStep.CONTINUE,
    ]
    assert fired.tolist() == [0, 1, -1, -1]


def test_vectorised_rule_refuses_unknown_response_codes() -> None:
    with pytest.raises(InputError, match="response: unknown response 'XX'"):
        next_steps(PROTOCOL.course, ["D8", "D15"], ["PR", "XX"], 1)

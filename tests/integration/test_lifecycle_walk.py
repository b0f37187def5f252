"""One subject walked through the lifecycle: the state, the plan and the overdue list follow events.

randomize → first dose (on_treatment) → assessments at chosen visits → partial response at week
4 (repeat course) → first course-2 dose (course_2) → progression and rescue therapy → end of study
treatment → death. At each step the subject page's timeline and the dashboard's "Overdue visits
and doses" must agree, with the tests' clock moved to the day of the step.
"""

from __future__ import annotations

import datetime as dt

import pytest

from db_fixtures import SettableClock
from eligibility_signoff_world import screen_and_sign
from trial_world import BASELINE_MEASUREMENTS, TODAY, TrialWorld, build_world
from trialdesk.bootstrap import Store
from trialdesk.domain.access import Role
from trialdesk.domain.audit import AuditAction
from trialdesk.domain.calendar import PlanState, WindowStatus
from trialdesk.domain.errors import InputError
from trialdesk.domain.lifecycle import SubjectState
from trialdesk.services.clinical import clinical
from trialdesk.services.randomization.randomization import randomize_subject
from trialdesk.services.randomization.randomization_lists import ListKind, generate_list
from trialdesk.services.review.dashboard import trial_dashboard
from trialdesk.services.subjects import subjects
from trialdesk.services.subjects.subject_view import SubjectPage, TimelineItem, load_subject_page

DAY1 = TODAY
#: Consent, screening and randomization two weeks before day 1, so assessments dated before the
#: first dose can still be after randomization (earlier ones are refused by an edit check).
RANDOMIZED_ON = DAY1 - dt.timedelta(days=14)
#: Skin and gut cleared, liver stage 2 → 1: a partial response, so the course is repeated.
PARTIAL: dict[str, object] = {"skin_bsa_pct": 0.0, "bilirubin": 2.5, "stool_ml_per_day": 400.0}
#: Liver worse than at baseline: progression.
WORSE: dict[str, object] = {**BASELINE_MEASUREMENTS, "bilirubin": 8.0}


@pytest.fixture
def world(store: Store, clock: SettableClock) -> TrialWorld:
    """The subject consented and screened eligible on RANDOMIZED_ON, the clock left on that day."""
    clock.current = dt.datetime.combine(RANDOMIZED_ON, dt.time(9), tzinfo=dt.UTC)
    built = build_world(store)
    generate_list(
        store.new_randomization_uow(), as_user=built.user(Role.STATISTICIAN),
        spec=built.protocol.randomization, kind=ListKind.PRODUCTION, seed=20260302,
        length_per_stratum=8, trial_code="NCT04738981",
    )  # fmt: skip
    subjects.record_consent(
        store.new_uow(), as_user=built.coordinator, subject_id=built.subject_id,
        consented_on=RANDOMIZED_ON, form_version="2.1", obtained_by="Dr Li",
    )  # fmt: skip
    screen_and_sign(
        store.new_uow, subject_id=built.subject_id, coordinator=built.coordinator,
        investigator=built.investigator, screened_on=RANDOMIZED_ON, protocol=built.protocol,
    )  # fmt: skip
    return built


def _on(study_day: int) -> dt.date:
    return DAY1 + dt.timedelta(days=study_day - 1)


def _to_day(clock: SettableClock, study_day: int) -> None:
    clock.current = dt.datetime.combine(_on(study_day), dt.time(9), tzinfo=dt.UTC)


def _page(world: TrialWorld) -> SubjectPage:
    return load_subject_page(
        world.store.new_read_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        protocol=world.protocol,
    )  # fmt: skip


def _state(world: TrialWorld) -> SubjectState:
    return _page(world).subject.state


def _overdue(world: TrialWorld) -> list[str]:
    """The dashboard's overdue items of the subject, checked against the page's timeline."""
    page = _page(world)
    on_page = sorted((i.kind, i.latest) for i in page.timeline if i.window is WindowStatus.OVERDUE)
    dashboard = trial_dashboard(
        world.store.new_read_uow(), as_user=world.coordinator, protocol=world.protocol
    )
    mine = [o for o in dashboard.overdue if o.subject_id == world.subject_id]
    assert sorted((o.kind, o.latest) for o in mine) == on_page
    return sorted(o.what for o in mine)


def _item(world: TrialWorld, kind: str, code: str, course: int | None) -> TimelineItem:
    return next(
        i for i in _page(world).timeline if (i.kind, i.code, i.course) == (kind, code, course)
    )


def _doses(world: TrialWorld, arm: str, course_day: int, course: int = 1) -> None:
    study_day = (course - 1) * world.protocol.course.length_days + course_day
    for intervention in world.protocol.arm(arm).interventions:
        if course_day in intervention.days:
            clinical.record_dose(
                world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
                product=intervention.code, administered_on=_on(study_day), weight_kg=65.0,
                dose_value=intervention.dose * (65.0 if intervention.unit == "cells" else 1),
                dose_unit=intervention.unit, protocol=world.protocol,
            )  # fmt: skip


def _visit(world: TrialWorld, code: str, study_day: int) -> None:
    clinical.record_visit(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        visit_code=code, visit_date=_on(study_day),
    )  # fmt: skip


def _assess(
    world: TrialWorld, study_day: int, measurements: dict[str, object], visit: str | None
) -> clinical.SavedAssessment:
    return clinical.save_gvhd_assessment(
        world.store.new_uow(), as_user=world.investigator, subject_id=world.subject_id,
        assessed_on=_on(study_day), measurements=measurements, protocol=world.protocol,
        read_after=world.store.new_read_uow(), visit_code=visit,
        additional_therapy=False,
    )  # fmt: skip


def _state_reasons(world: TrialWorld) -> list[tuple[str | None, str | None]]:
    with world.store.new_uow() as uow:
        entries = uow.audit.entries(subject_id=world.subject_id)
        return [
            (e.new_value, e.reason)
            for e in entries
            if e.action is AuditAction.UPDATE and e.entity == "subjects" and e.field == "state"
        ]


def test_a_subject_walked_through_the_lifecycle(world: TrialWorld, clock: SettableClock) -> None:
    arm = _randomize(world)
    assert _state(world) is SubjectState.RANDOMIZED
    assert _page(world).timeline == ()
    assert _overdue(world) == []

    # Day 1: the first study dose starts treatment, in the dose's transaction.
    _to_day(clock, 1)
    _doses(world, arm, 1)
    assert _state(world) is SubjectState.ON_TREATMENT
    assert ('"on_treatment"', "first study dose") in _state_reasons(world)
    baseline = _assess(world, 1, BASELINE_MEASUREMENTS, "D1")
    assert (baseline.visit, baseline.course, baseline.response) == ("D1", 1, None)

    # Day 4 and week 1, on time; an assessment dated before day 1 (after randomization, before
    # the first dose) is entered later.
    _to_day(clock, 4)
    _visit(world, "D4", 4)
    _doses(world, arm, 4)
    _to_day(clock, 8)
    _doses(world, arm, 8)
    week1 = _assess(world, 8, PARTIAL, "D8")
    assert (week1.visit, week1.response) == ("D8", "PR")
    before = _assess(world, -3, WORSE, None)
    assert (before.visit, before.response) == (None, None)
    page = _page(world)
    assert page.baseline_id == baseline.id
    assert [(a.visit, a.response) for a in page.assessments if a.id == week1.id] == [("D8", "PR")]
    assert _overdue(world) == []

    # Week 2's doses on time, its assessment two days late: overdue on both lists until saved.
    _to_day(clock, 15)
    _doses(world, arm, 15)
    _to_day(clock, 17)
    assert _overdue(world) == ["D15 (Week 2)"]
    _assess(world, 17, PARTIAL, "D15")
    assert _overdue(world) == []
    assert _item(world, "visit", "D15", 1).window is WindowStatus.LATE

    # Week 3, then the week-4 partial response: the protocol plans course 2.
    _to_day(clock, 22)
    _doses(world, arm, 22)
    _assess(world, 22, PARTIAL, "D22")
    _to_day(clock, 29)
    week4 = _assess(world, 29, PARTIAL, "D29")
    assert week4.next_step is not None
    assert week4.next_step.step.value == "repeat_course"
    assert (_page(world).courses, _state(world)) == (2, SubjectState.ON_TREATMENT)

    # The first dose of course 2 moves the subject to course_2.
    _doses(world, arm, 1, course=2)
    assert _state(world) is SubjectState.COURSE_2
    assert ('"course_2"', "first dose of course 2") in _state_reasons(world)

    # Course 2, week 1: progression, so the protocol says switch therapy ...
    _to_day(clock, 32)
    _visit(world, "D4", 32)
    _doses(world, arm, 4, course=2)
    _to_day(clock, 36)
    progression = _assess(world, 36, WORSE, "D8")
    assert (progression.visit, progression.course, progression.response) == ("D8", 2, "PD")
    page = _page(world)
    assert page.next_step is not None
    assert page.next_step.step.value == "switch_therapy"
    assert page.treatment_ended is None

    # ... and once the rescue therapy is recorded the header says what happened, the remaining
    # study doses and course visits are cancelled with that reason, the follow-up stays planned.
    clinical.record_therapy(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        kind="rescue", name="ruxolitinib", started_on=_on(36),
    )  # fmt: skip
    switched = f"rescue therapy ruxolitinib started {_on(36).isoformat()}"
    page = _page(world)
    assert page.treatment_ended == switched
    later = [i for i in page.timeline if i.kind == "dose" and i.course == 2 and i.day >= 36]
    assert later
    assert {(i.state, i.window, i.reason) for i in later} == {
        (PlanState.CANCELLED, WindowStatus.CANCELLED, switched)
    }
    assert _item(world, "visit", "D15", 2).state is PlanState.CANCELLED
    assert _item(world, "visit", "W8", None).state is PlanState.PLANNED
    assert _overdue(world) == []

    # End of study treatment: off study treatment, still no overdue study dose.
    _to_day(clock, 37)
    clinical.record_outcome(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        kind="end_of_study_treatment", occurred_on=_on(37),
    )  # fmt: skip
    assert _state(world) is SubjectState.OFF_STUDY_TREATMENT
    assert _page(world).treatment_ended == switched

    # The week-8 follow-up visit is missed: overdue on the page and on the dashboard.
    _to_day(clock, 66)
    assert _overdue(world) == ["W8 (Week 8)"]

    # Death closes every open plan: nothing planned, due or overdue after it.
    clinical.record_outcome(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        kind="death", occurred_on=_on(66), cause="infection",
    )  # fmt: skip
    assert _state(world) is SubjectState.DIED
    assert _overdue(world) == []
    open_items = [
        i for i in _page(world).timeline if i.state in {PlanState.PLANNED, PlanState.MISSED}
    ]
    assert all(i.window is WindowStatus.CLOSED for i in open_items)
    assert _item(world, "visit", "W12", None).reason == f"died on {_on(66).isoformat()}"
    assert _item(world, "visit", "W8", None).state is PlanState.MISSED


def _randomize(world: TrialWorld) -> str:
    return randomize_subject(
        world.store.new_randomization_uow(), as_user=world.coordinator,
        subject_id=world.subject_id, stratification={"baseline_grade": 3, "gi_involvement": "yes"},
    ).arm  # fmt: skip


def _responses(world: TrialWorld) -> dict[dt.date, tuple[str | None, str | None]]:
    with world.store.new_uow() as uow:
        rows = uow.records.find("gvhd_assessments", subject_id=world.subject_id)
    return {r["assessed_on"]: (r["response"], r["response_rule_set"]) for r in rows}


def test_the_first_dose_makes_the_day_1_assessment_the_baseline_and_re_derives(
    world: TrialWorld, clock: SettableClock
) -> None:
    # Before any dose the earliest assessment stands in as the baseline ...
    arm = _randomize(world)
    _to_day(clock, 1)
    _assess(world, -9, BASELINE_MEASUREMENTS, None)
    _assess(world, 1, PARTIAL, None)
    assert _responses(world) == {_on(-9): (None, None), _on(1): ("PR", "csh")}

    # ... until the first dose fixes study day 1: the day-1 assessment is the baseline, the
    # earlier one is before it, so neither has a response; audited with the dose as the reason.
    _doses(world, arm, 1)
    assert _responses(world) == {_on(-9): (None, None), _on(1): (None, None)}
    with world.store.new_uow() as uow:
        reasons = {
            e.reason
            for e in uow.audit.entries(subject_id=world.subject_id)
            if e.entity == "gvhd_assessments" and e.action is AuditAction.UPDATE
        }
    assert reasons == {f"first study dose: study day 1 is {_on(1).isoformat()}"}


def test_an_assessment_chosen_as_day_1_becomes_the_baseline_and_the_others_follow(
    world: TrialWorld, clock: SettableClock
) -> None:
    arm = _randomize(world)
    _to_day(clock, 1)
    _doses(world, arm, 1)
    _to_day(clock, 8)
    week1 = _assess(world, 8, PARTIAL, None)
    assert (week1.visit, week1.response) == ("D8", None)  # no day-1 assessment yet
    day1 = _assess(world, 1, BASELINE_MEASUREMENTS, "D1")
    assert (day1.visit, day1.response) == ("D1", None)
    assert _responses(world)[_on(8)] == ("PR", "csh")


def test_a_chosen_visit_that_already_has_an_assessment_is_refused_and_nothing_is_saved(
    world: TrialWorld, clock: SettableClock
) -> None:
    arm = _randomize(world)
    _to_day(clock, 1)
    _doses(world, arm, 1)
    _to_day(clock, 8)
    _assess(world, 8, PARTIAL, "D8")
    before = world.count("gvhd_assessments")
    # Dated the day before (still inside week 1's window), so the refusal is the taken visit,
    # not the "same assessment saved less than a minute ago" warning.
    with pytest.raises(InputError) as taken:
        _assess(world, 7, PARTIAL, "D8")
    assert taken.value.errors[0].field == "visit_code"
    assert "already has the assessment of" in taken.value.errors[0].message
    with pytest.raises(InputError) as unknown:
        _assess(world, 7, PARTIAL, "D4")  # a dosing visit without GVHD staging
    assert unknown.value.errors[0].field == "visit_code"
    assert world.count("gvhd_assessments") == before


def test_a_screen_failed_subject_offers_no_randomization(world: TrialWorld) -> None:
    assert _page(world).may_randomize
    subjects.change_state(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        target="screen_failed", reason="declined",
    )  # fmt: skip
    page = _page(world)
    assert not page.may_randomize
    assert not page.subject.may_be_randomized

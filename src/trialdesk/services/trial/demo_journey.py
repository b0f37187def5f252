"""One virtual patient's way through the real use cases, as a script over simulated time.

A journey is a generator: it yields the moment of its next act and, when resumed with the simulated
clock set to that moment, calls the services a site, a monitor or an investigator would call. The
driver (:mod:`trialdesk.services.trial.demo_trial`) interleaves all journeys in calendar order, so
the audit trail grows in time order as it would in a real trial.

Nothing clinical is decided here: stages, grade and response are derived by the services when an
assessment is saved, and the next protocol step (repeat the course, switch therapy, complete) is
read from the subject page, as the coordinator would read it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field

from trialdesk.domain.decisions import NextStep
from trialdesk.domain.eligibility import investigator_fields
from trialdesk.domain.lifecycle import SubjectState
from trialdesk.domain.protocol import DoseBasis, Protocol, VisitPhase
from trialdesk.domain.safety.terminology import ctcae_terminology, fatal_adverse_event_term
from trialdesk.domain.visit_matching import STAGING_ASSESSMENT
from trialdesk.services.clinical import clinical
from trialdesk.services.ports import UnitOfWork
from trialdesk.services.randomization import randomization
from trialdesk.services.randomization.randomization_ports import RandomizationUnitOfWork
from trialdesk.services.review import review
from trialdesk.services.subjects import eligibility_signoff, subjects
from trialdesk.services.subjects.subject_view import load_subject_page
from trialdesk.services.trial.demo_form_journey import PatientForms
from trialdesk.simulation.demo_cohort import DEMO_WEEKS, PlannedAdverseEvent, VirtualPatient

__all__ = [
    "AE_TERMS",
    "DEATH_CAUSES",
    "SCREEN_FAILURES",
    "DemoContext",
    "SiteStaff",
    "patient_journey",
]

#: A journey yields the moment of its next act and is resumed at that moment.
Journey = Generator[dt.datetime, None, None]

#: Screening answers of an eligible patient of the built-in protocol (age is the patient's own).
_ELIGIBLE: dict[str, object] = {
    "anc_10e9_per_l": 1.6,
    "creatinine_x_uln": 0.9,
    "active_infection": False,
    "pregnant_nursing_or_planning": False,
    "confirmed_sr_agvhd": True,
    "consent_signed": True,
    "treatment_tolerable": True,
    "primary_disease_controlled": True,
    "no_multiorgan_dysfunction": True,
    "suitable_for_study": True,
}
#: One answer that makes a patient ineligible, per screen-failure reason.
SCREEN_FAILURES: tuple[dict[str, object], ...] = (
    {"anc_10e9_per_l": 0.3},
    {"creatinine_x_uln": 2.4},
    {"active_infection": True},
    {"primary_disease_controlled": False},
    {"age_years": 73},
)
#: A death from an adverse event names its CTCAE term ("Sepsis") and has a grade-5 AE of it.
DEATH_CAUSES = ("progressive acute GVHD", "Sepsis", "relapse of the primary disease")
#: CTCAE v5.0 terms (MedDRA code) with whether each is expected for the study products
#: (reference safety information).
AE_TERMS: tuple[tuple[int, bool], ...] = (
    (10058666, True),  # Cytomegalovirus infection reactivation
    (10016288, True),  # Febrile neutropenia
    (10035528, True),  # Platelet count decreased
    (10051792, True),  # Infusion related reaction (to the cells: UC-MSC arm only)
    (10061229, True),  # Lung infection
    (10040047, False),  # Sepsis
    (10020772, True),  # Hypertension
    (10012727, True),  # Diarrhea
)
_RESCUE = "ruxolitinib"


@dataclass(frozen=True, slots=True)
class SiteStaff:
    """A site's code and the ids of its coordinator and investigator (with their password)."""

    code: str
    coordinator: int
    investigator: int
    investigator_name: str
    investigator_password: str


@dataclass(frozen=True, slots=True)
class DemoContext:
    """What every journey shares: the store, the protocol, the staff and the calendar."""

    new_uow: Callable[[], UnitOfWork]
    new_read_uow: Callable[[], UnitOfWork]
    new_randomization_uow: Callable[[], RandomizationUnitOfWork]
    protocol: Protocol
    sites: tuple[SiteStaff, ...]
    monitor: int
    #: Midnight (UTC) of the day of the trial's first screening.
    start: dt.datetime
    spawn: Callable[[Journey], None]
    #: Seed of the patients' own streams for the protocol forms' values.
    forms_seed: int = 0

    def at(self, day: int, minute: int) -> dt.datetime:
        """The moment ``minute`` minutes after 08:00 on trial day ``day``."""
        return self.start + dt.timedelta(days=day, hours=8, minutes=minute)

    def date(self, day: int) -> dt.date:
        return (self.start + dt.timedelta(days=day)).date()


def patient_journey(ctx: DemoContext, patient: VirtualPatient) -> Journey:
    """Screening, consent, randomization, treatment, assessments and follow-up of one patient."""
    site = ctx.sites[patient.site_index]
    minute = patient.clinic_minute
    yield ctx.at(patient.screening_day, minute)
    user = site.coordinator
    subject_id = subjects.register_subject(
        ctx.new_uow(), as_user=user, site_code=site.code,
        screening_number=f"{site.code}-{patient.number:03d}",
    ).id  # fmt: skip
    today = ctx.date(patient.screening_day)
    subjects.record_consent(
        ctx.new_uow(), as_user=user, subject_id=subject_id, consented_on=today,
        form_version="1.0", obtained_by=site.investigator_name, protocol=ctx.protocol,
    )  # fmt: skip
    answers = {**_ELIGIBLE, "age_years": patient.age_years}
    if patient.screen_failure is not None:
        answers.update(SCREEN_FAILURES[patient.screen_failure])
    # The coordinator records the objective answers; the investigator attests the judgement
    # criteria reserved to them and signs the eligibility, as randomization requires.
    judgement = investigator_fields(ctx.protocol)
    subjects.record_screening(
        ctx.new_uow(), as_user=user, subject_id=subject_id, screened_on=today,
        answers={k: v for k, v in answers.items() if k not in judgement}, protocol=ctx.protocol,
    )  # fmt: skip
    verdict = eligibility_signoff.attest_criteria(
        ctx.new_uow(), as_user=site.investigator, subject_id=subject_id,
        answers={k: bool(v) for k, v in answers.items() if k in judgement}, protocol=ctx.protocol,
    )  # fmt: skip
    if not verdict.eligible:
        return
    eligibility_signoff.sign_eligibility(
        ctx.new_uow(), as_user=site.investigator, subject_id=subject_id,
        password=site.investigator_password,
    )  # fmt: skip
    day1 = patient.screening_day + 1  # trial day of study day 1 (randomization and first dose)
    yield ctx.at(day1, minute)
    arm = randomization.randomize_subject(
        ctx.new_randomization_uow(), as_user=user, subject_id=subject_id,
        stratification={"baseline_grade": str(patient.baseline_grade)},
    ).arm  # fmt: skip
    trip = _Trip(ctx, patient, site, subject_id, arm, day1)
    trip.forms.baseline()
    ctx.spawn(trip.forms.log_forms())
    for event in patient.adverse_events:
        ctx.spawn(trip.adverse_event(event))
    yield from trip.treatment()


@dataclass
class _Trip:
    """The randomized part of a journey; ``day1`` is the trial day of study day 1."""

    ctx: DemoContext
    patient: VirtualPatient
    site: SiteStaff
    subject_id: int
    arm: str
    day1: int
    ended: bool = False
    late_events_done: int = 0
    #: Study day additional systemic GVHD therapy (the protocol's switch) started, if it did.
    rescue_day: int | None = None
    forms: PatientForms = field(init=False)

    def __post_init__(self) -> None:
        self.forms = PatientForms(
            new_uow=self.ctx.new_uow, protocol=self.ctx.protocol, patient=self.patient,
            coordinator=self.site.coordinator, subject_id=self.subject_id, arm=self.arm,
            when=self.when, on=self.on, ended=lambda: self.ended, spawn=self.ctx.spawn,
            rng=PatientForms.stream(self.ctx.forms_seed, self.patient),
        )  # fmt: skip

    def when(self, study_day: int, extra_minutes: int = 0) -> dt.datetime:
        return self.ctx.at(self.day1 + study_day - 1, self.patient.clinic_minute + extra_minutes)

    def on(self, study_day: int) -> dt.date:
        return self.ctx.date(self.day1 + study_day - 1)

    def treatment(self) -> Journey:
        protocol = self.ctx.protocol
        rules = protocol.course
        products = protocol.arm(self.arm).interventions
        course_visits = {v.day: v for v in protocol.visits_in(VisitPhase.COURSE)}
        self._change_state(SubjectState.ON_TREATMENT, "first dose of study treatment")
        last_day = 1
        for course in range(1, rules.max_courses + 1):
            offset = (course - 1) * rules.length_days
            days = sorted({d for p in products for d in p.days} | set(course_visits))
            step = NextStep.CONTINUE
            for day in days:
                study_day = offset + day
                yield from self._life_events_before(study_day)
                if self.ended:
                    return
                yield self.when(study_day)
                visit = course_visits.get(day)
                # Day 1 of a later course is the previous course's decision visit, already done.
                if visit is not None and not (course > 1 and day == 1):
                    self._visit(visit.code, study_day)
                    if STAGING_ASSESSMENT in visit.assessments:
                        step = self._assess(study_day, decision=day == 1 + rules.length_days)
                if step is not NextStep.CONTINUE and step is not NextStep.REPEAT_COURSE:
                    last_day = study_day
                    break
                for product in products:
                    if day in product.days:
                        self._dose(product.code, study_day)
                if visit is not None and course == 1:
                    self.forms.at_visit(visit.code, study_day)
                last_day = study_day
            if step is NextStep.REPEAT_COURSE:
                self._change_state(SubjectState.COURSE_2, "partial response: repeat the course")
                continue
            break
        if step is NextStep.SWITCH_THERAPY:
            clinical.record_therapy(
                self.ctx.new_uow(), as_user=self.site.coordinator, subject_id=self.subject_id,
                kind="rescue", name=_RESCUE, started_on=self.on(last_day),
                indication="switch of therapy per protocol", protocol=self.ctx.protocol,
            )  # fmt: skip
            self.rescue_day = last_day
        self._outcome("end_of_study_treatment", last_day, details=step.value)
        self._change_state(SubjectState.FOLLOW_UP, "follow-up after study treatment")
        yield from self._follow_up(last_day)

    def _follow_up(self, after_day: int) -> Journey:
        assessed = {7 * w + 1 for w in range(DEMO_WEEKS + 1) if 7 * w + 1 <= after_day}
        for visit in self.ctx.protocol.visits_in(VisitPhase.FOLLOW_UP):
            if visit.day <= after_day:
                continue
            yield from self._life_events_before(visit.day)
            if self.ended:
                return
            yield self.when(visit.day)
            self._visit(visit.code, visit.day)
            self.forms.at_visit(visit.code, visit.day)
            week = (visit.day - 1) // 7
            staged = STAGING_ASSESSMENT in visit.assessments and week <= DEMO_WEEKS
            if staged and visit.day not in assessed:
                self._assess(visit.day, decision=False)
        self._change_state(SubjectState.COMPLETED, "week-52 follow-up complete")

    def _life_events_before(self, study_day: int) -> Journey:
        """Chronic GVHD, relapse, withdrawal and death that happen before ``study_day``."""
        p = self.patient
        weeks = (
            ("chronic_gvhd", p.chronic_gvhd_week),
            ("relapse", p.relapse_week),
            ("withdrawal", p.dropout_week),
            ("death", p.death_week),
        )
        events = sorted(
            (p.event_day(week), order, kind)
            for order, (kind, week) in enumerate(weeks)
            if week <= 52
        )
        for day, _, kind in events[self.late_events_done :]:
            if day >= study_day or self.ended:
                return
            self.late_events_done += 1
            yield self.when(day, 5)
            if kind == "death":
                cause = DEATH_CAUSES[p.death_cause]
                self._fatal_adverse_event(day, cause)
                self._outcome("death", day, cause=cause)
                self.ended = True
            elif kind == "withdrawal":
                self._outcome("withdrawal", day, details="withdrew consent")
                self.ended = True
            else:
                self._outcome(kind, day)

    def _visit(self, code: str, study_day: int) -> None:
        clinical.record_visit(
            self.ctx.new_uow(), as_user=self.site.coordinator, subject_id=self.subject_id,
            visit_code=code, visit_date=self.on(study_day), protocol=self.ctx.protocol,
        )  # fmt: skip

    def _assess(self, study_day: int, *, decision: bool) -> NextStep:
        week = (study_day - 1) // 7
        rescued = self.rescue_day is not None and self.rescue_day < study_day
        assessment_id = clinical.record_gvhd_assessment(
            self.ctx.new_uow(), as_user=self.site.coordinator, subject_id=self.subject_id,
            assessed_on=self.on(study_day), measurements=self.patient.measurements[self.arm][week],
            additional_therapy=rescued, additional_therapy_names=_RESCUE if rescued else None,
            protocol=self.ctx.protocol,
        )  # fmt: skip
        if week in self.patient.queried_weeks:
            self.ctx.spawn(self._query(assessment_id, study_day, closes=week % 3 != 2))
        if decision and study_day == 1 + self.ctx.protocol.course.length_days:
            self.ctx.spawn(self._signature(assessment_id, study_day))
        page = load_subject_page(
            self.ctx.new_read_uow(), as_user=self.site.coordinator, subject_id=self.subject_id,
            protocol=self.ctx.protocol,
        )  # fmt: skip
        return NextStep.CONTINUE if page.next_step is None else page.next_step.step

    def _dose(self, product: str, study_day: int) -> None:
        intervention = clinical.find_intervention(self.ctx.protocol, product)
        weight = self.patient.weight_kg
        amount = intervention.dose * (weight if intervention.dose_basis is DoseBasis.PER_KG else 1)
        clinical.record_dose(
            self.ctx.new_uow(), as_user=self.site.coordinator, subject_id=self.subject_id,
            product=product, administered_on=self.on(study_day), weight_kg=weight,
            dose_value=float(f"{amount:.3g}"), dose_unit=intervention.unit,
            protocol=self.ctx.protocol,
        )  # fmt: skip

    def _outcome(
        self, kind: str, study_day: int, *, cause: str | None = None, details: str | None = None
    ) -> None:
        clinical.record_outcome(
            self.ctx.new_uow(), as_user=self.site.coordinator, subject_id=self.subject_id,
            kind=kind, occurred_on=self.on(study_day), cause=cause, details=details,
            protocol=self.ctx.protocol,
        )  # fmt: skip

    def _change_state(self, target: SubjectState, reason: str) -> None:
        subjects.change_state(
            self.ctx.new_uow(), as_user=self.site.coordinator, subject_id=self.subject_id,
            target=target.value, reason=reason,
        )  # fmt: skip

    def adverse_event(self, event: PlannedAdverseEvent) -> Journey:
        onset = self.when(event.study_day) - dt.timedelta(hours=2)
        aware = onset + dt.timedelta(hours=event.aware_after_hours)
        yield aware + dt.timedelta(minutes=30)
        code, expected = AE_TERMS[self._term_index(event.term_index)]
        products: Mapping[str, tuple[str, bool]] = {
            p.code: ("possible" if event.related else "unlikely", expected)
            for p in self.ctx.protocol.arm(self.arm).interventions
        }
        criteria = {"life_threatening" if event.grade == 4 else "hospitalization"}
        clinical.report_adverse_event(
            self.ctx.new_uow(), as_user=self.site.coordinator, subject_id=self.subject_id,
            meddra_code=code, ctcae_grade=event.grade, onset_on=onset.date(), aware_at=aware,
            outcome="recovered" if event.grade < 3 else "recovering",
            seriousness=frozenset(criteria if event.serious else ()), products=products,
            protocol=self.ctx.protocol,
        )  # fmt: skip

    def _term_index(self, drawn: int) -> int:
        """The drawn term, or the next one when it is specific to a product this arm lacks."""
        given = {p.code for p in self.ctx.protocol.arm(self.arm).interventions}
        specific = {
            term.casefold()
            for product, terms in self.ctx.protocol.safety.product_specific_terms
            if product not in given for term in terms
        }  # fmt: skip
        for step in range(len(AE_TERMS)):
            index = (drawn + step) % len(AE_TERMS)
            found = ctcae_terminology().find(AE_TERMS[index][0])
            if found is None or found.term.casefold() not in specific:
                return index
        return drawn

    def _fatal_adverse_event(self, study_day: int, cause: str) -> None:
        """A death from an AE: its grade-5 event (fatal, ended on the death day) first."""
        term = fatal_adverse_event_term(cause)
        if term is None:
            return
        died = self.when(study_day, 5)
        clinical.report_adverse_event(
            self.ctx.new_uow(), as_user=self.site.coordinator, subject_id=self.subject_id,
            meddra_code=term.meddra_code, ctcae_grade=5, onset_on=self.on(max(study_day - 2, 1)),
            aware_at=died - dt.timedelta(minutes=1), outcome="fatal",
            seriousness=frozenset({"death"}),
            products={
                p.code: ("unlikely", False) for p in self.ctx.protocol.arm(self.arm).interventions
            },
            protocol=self.ctx.protocol,
        )  # fmt: skip

    def _query(self, assessment_id: int, study_day: int, *, closes: bool) -> Journey:
        yield self.when(study_day + 3, 120)
        query_id = review.raise_query(
            self.ctx.new_uow(), as_user=self.ctx.monitor, entity="gvhd_assessments",
            record_id=assessment_id, field="measurements.skin_bsa_pct",
            message="Please confirm the rash extent (% BSA) against the source document.",
        )  # fmt: skip
        yield self.when(study_day + 5, 60)
        review.reply_to_query(
            self.ctx.new_uow(), as_user=self.site.coordinator, query_id=query_id,
            message="Confirmed against the ward's body chart; the value is correct.",
        )  # fmt: skip
        if closes:
            yield self.when(study_day + 7, 150)
            review.close_query(
                self.ctx.new_uow(), as_user=self.ctx.monitor, query_id=query_id,
                message="Verified against the source; closed.",
            )  # fmt: skip

    def _signature(self, assessment_id: int, study_day: int) -> Journey:
        yield self.when(study_day + 1, 240)
        review.sign_record(
            self.ctx.new_uow(), as_user=self.site.investigator, entity="gvhd_assessments",
            record_id=assessment_id, password=self.site.investigator_password,
            meaning="reviewed and approved the day-28 response assessment",
        )  # fmt: skip

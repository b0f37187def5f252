"""A whole small trial recorded through the real services, for analysis and report tests.

Subjects are screened, consented and randomized (central randomization from a generated list),
then dosed, assessed weekly, and given adverse events, SAEs, deaths and other outcomes drawn
from a seeded generator, so every run records the same trial.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from db_fixtures import SettableClock
from eligibility_signoff_world import JUDGEMENT_FIELDS, screen_and_sign
from trial_world import ELIGIBLE_ANSWERS, SITE_A, SITE_B, TrialWorld, build_world
from trialdesk.bootstrap import Store
from trialdesk.domain.access import Role
from trialdesk.domain.calendar import dose_for_weight
from trialdesk.services.clinical import clinical
from trialdesk.services.clinical.clinical import derive_gvhd
from trialdesk.services.randomization.randomization import randomize_subject
from trialdesk.services.randomization.randomization_lists import generate_list
from trialdesk.services.review import review
from trialdesk.services.subjects import subjects

FIRST_ENROLMENT = dt.date(2026, 1, 5)
#: Data entry happens after this date, so every recorded date lies in the past.
DATA_ENTRY_AT = dt.datetime(2028, 1, 3, 9, 0, tzinfo=dt.UTC)
ASSESSMENT_DAYS = (8, 15, 22, 29, 57)
AE_TERMS = ("Pneumonia", "Cytomegalovirus infection", "Neutropenia", "Fever", "Sepsis")


@dataclass
class AnalysisWorld:
    world: TrialWorld
    #: screening number → what was planned for the subject (for the tests' expectations)
    planned: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def store(self) -> Store:
        return self.world.store


def _baseline(rng: np.random.Generator, world: TrialWorld) -> dict[str, Any]:
    while True:
        measurements = {
            "skin_bsa_pct": float(rng.choice([0, 20, 40, 60])),
            "bilirubin": float(rng.choice([0.8, 2.5, 4.0, 8.0])),
            "bilirubin_unit": "mg/dL",
            "stool_ml_per_day": float(rng.choice([0, 600, 1200, 1800])),
        }
        if derive_gvhd(measurements, None, world.protocol)["grade"] >= 2:
            return measurements


def _scaled(measurements: dict[str, Any], factor: float) -> dict[str, Any]:
    return {
        **measurements,
        "skin_bsa_pct": measurements["skin_bsa_pct"] * factor,
        "bilirubin": max(0.5, measurements["bilirubin"] * factor),
        "stool_ml_per_day": measurements["stool_ml_per_day"] * factor,
    }


def build_analysis_world(
    store: Store, clock: SettableClock, *, n_subjects: int = 36, seed: int = 20260105
) -> AnalysisWorld:
    """Enrol ``n_subjects`` across two sites and record their whole follow-up."""
    rng = np.random.default_rng(seed)
    world = build_world(store)
    result = AnalysisWorld(world=world)
    clock.current = dt.datetime(2026, 1, 2, 9, 0, tzinfo=dt.UTC)
    generate_list(
        store.new_randomization_uow(), as_user=world.user(Role.STATISTICIAN),
        spec=world.protocol.randomization, seed=seed, length_per_stratum=24,
        trial_code="NCT04738981",
    )  # fmt: skip
    enrolled: list[tuple[int, str, dt.date, dict[str, Any]]] = []
    # Enrolment spread over about 36 weeks whatever the size, so follow-up fits before entry.
    spacing = max(1, 252 // n_subjects)
    for n in range(n_subjects):
        site = SITE_A if n % 3 else SITE_B
        coordinator = world.user(Role.SITE_COORDINATOR, site)
        day = FIRST_ENROLMENT + dt.timedelta(days=spacing * n)
        clock.current = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)
        number = f"SCR-{n + 100:03d}"
        subject = subjects.register_subject(
            store.new_uow(), as_user=coordinator, site_code=site, screening_number=number
        )
        subjects.record_consent(
            store.new_uow(), as_user=coordinator, subject_id=subject.id, consented_on=day,
            form_version="2.1", obtained_by="Dr Li",
        )  # fmt: skip
        fails = n % 9 == 4
        answers = {**ELIGIBLE_ANSWERS, "age_years": 75 if fails else int(rng.integers(18, 70))}
        result.planned[number] = {"site": site, "screen_failed": fails, "randomized": not fails}
        if fails:
            subjects.record_screening(
                store.new_uow(), as_user=coordinator, subject_id=subject.id, screened_on=day,
                answers={k: v for k, v in answers.items() if k not in JUDGEMENT_FIELDS},
                protocol=world.protocol,
            )  # fmt: skip
            continue
        screen_and_sign(
            store.new_uow, subject_id=subject.id, coordinator=coordinator,
            investigator=world.user(Role.INVESTIGATOR, site), screened_on=day,
            protocol=world.protocol, answers=answers,
        )  # fmt: skip
        baseline = _baseline(rng, world)
        derived = derive_gvhd(baseline, None, world.protocol)
        allocation = randomize_subject(
            store.new_randomization_uow(), as_user=coordinator, subject_id=subject.id,
            stratification={"baseline_grade": derived["grade"],
                            "gi_involvement": "yes" if derived["lower_gi_stage"] else "no"},
        )  # fmt: skip
        result.planned[number]["arm"] = allocation.arm
        enrolled.append((subject.id, site, day, baseline))
    clock.current = DATA_ENTRY_AT
    for subject_id, site, day, baseline in enrolled:
        _follow_up(result, rng, subject_id, site, day, baseline)
    return result


def _follow_up(
    result: AnalysisWorld,
    rng: np.random.Generator,
    subject_id: int,
    site: str,
    day: dt.date,
    baseline: dict[str, Any],
) -> None:
    world, store = result.world, result.store
    coordinator = world.user(Role.SITE_COORDINATOR, site)
    with store.new_uow() as uow:
        arm = uow.records.find("allocations", subject_id=subject_id)[0]["arm"]
    (arm_spec,) = [a for a in world.protocol.arms if a.code == arm]

    def on(study_day: int) -> dt.date:
        return day + dt.timedelta(days=study_day - 1)

    untreated = rng.random() < 0.06
    for intervention in () if untreated else arm_spec.interventions:
        planned = dose_for_weight(intervention, 62.0, world.protocol.weight_limits)
        for dose_day in intervention.days:
            if rng.random() < 0.05:
                continue  # a missed administration
            clinical.record_dose(
                store.new_uow(), as_user=coordinator, subject_id=subject_id,
                product=intervention.code, administered_on=on(dose_day), weight_kg=62.0,
                dose_value=planned.amount, dose_unit=intervention.unit, protocol=world.protocol,
            )  # fmt: skip
    clinical.record_gvhd_assessment(
        store.new_uow(), as_user=coordinator, subject_id=subject_id, assessed_on=on(1),
        measurements=baseline, protocol=world.protocol,
        additional_therapy=False,
    )  # fmt: skip
    p_cr = 0.55 if arm == "msc_cd25" else 0.3
    complete = rng.random() < p_cr
    for visit_day in ASSESSMENT_DAYS:
        if rng.random() < 0.08:
            continue  # a missed visit
        factor = 0.0 if complete and visit_day >= 22 else float(rng.choice([0.4, 0.7, 1.0, 1.3]))
        clinical.record_gvhd_assessment(
            store.new_uow(), as_user=coordinator, subject_id=subject_id,
            assessed_on=on(visit_day + int(rng.integers(-1, 2))),
            measurements=_scaled(baseline, factor), protocol=world.protocol,
            additional_therapy=False,
        )  # fmt: skip
    for _ in range(int(rng.integers(0, 4))):
        grade = int(rng.integers(1, 5))
        onset = on(int(rng.integers(2, 90)))
        clinical.report_adverse_event(
            store.new_uow(), as_user=coordinator, subject_id=subject_id,
            term=str(rng.choice(AE_TERMS)), ctcae_grade=grade, onset_on=onset,
            aware_at=dt.datetime.combine(onset, dt.time(12), tzinfo=dt.UTC), outcome="recovered",
            seriousness=frozenset({"hospitalization"}) if grade >= 3 else frozenset(),
            products={"anti_cd25": (str(rng.choice(["unrelated", "possible"])), True)},
        )  # fmt: skip
    if not complete and rng.random() < 0.5:
        clinical.record_therapy(
            store.new_uow(), as_user=coordinator, subject_id=subject_id, kind="rescue",
            name="Ruxolitinib", started_on=on(31), indication="aGVHD not responding",
        )  # fmt: skip
    if rng.random() < 0.2:
        clinical.record_outcome(
            store.new_uow(), as_user=coordinator, subject_id=subject_id, kind="chronic_gvhd",
            occurred_on=on(int(rng.integers(100, 200))),
        )  # fmt: skip
    if rng.random() < 0.12:
        clinical.record_outcome(
            store.new_uow(), as_user=coordinator, subject_id=subject_id, kind="relapse",
            occurred_on=on(int(rng.integers(60, 250))),
        )  # fmt: skip
    if rng.random() < 0.2:
        died = on(int(rng.integers(60, 300)))
        clinical.report_adverse_event(
            store.new_uow(), as_user=coordinator, subject_id=subject_id, term="Sepsis",
            ctcae_grade=5, onset_on=died,
            aware_at=dt.datetime.combine(died, dt.time(12), tzinfo=dt.UTC), outcome="fatal",
            seriousness=frozenset({"death"}),
            products={"anti_cd25": ("unlikely", True)},
        )  # fmt: skip
        clinical.record_outcome(
            store.new_uow(), as_user=coordinator, subject_id=subject_id, kind="death",
            occurred_on=died, cause="Sepsis",
        )  # fmt: skip
    if rng.random() < 0.25:
        with store.new_uow() as uow:
            first = uow.records.find("gvhd_assessments", subject_id=subject_id)[0]["id"]
        review.raise_query(
            store.new_uow(), as_user=world.user(Role.MONITOR, site), entity="gvhd_assessments",
            record_id=first, field=None, message="Please confirm the stool volume.",
        )  # fmt: skip

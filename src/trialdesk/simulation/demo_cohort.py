"""The virtual patients of a demo trial, one by one, with everything that will happen to them.

The demo trial (``trialdesk demo``) drives these patients through the real service layer; this
module only draws them, from the same scenario and the same building blocks as the operating-
characteristics simulator: baseline stages (:func:`~trialdesk.simulation.patients.baseline_stages`),
week-by-week organ-stage change per arm (:func:`~trialdesk.simulation.trial.evolve_stages`), raw
measurements inside each stage's range (:func:`~trialdesk.simulation.patients.raw_measurements`),
body weight and event weeks. The arm is not known before randomization, so every patient carries
a trajectory for each arm and the driver follows the one the randomization list gives.

Nothing here stages or grades GVHD for the record: the services derive stages, grade and
response from the raw measurements when they are saved.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from trialdesk.domain.errors import InputError
from trialdesk.domain.gvhd import MeasurementArrays, grade_arrays
from trialdesk.simulation.patients import baseline_stages, raw_measurements
from trialdesk.simulation.scenario import Scenario
from trialdesk.simulation.trial import body_weights, event_weeks, evolve_stages

__all__ = ["DEMO_WEEKS", "PlannedAdverseEvent", "VirtualPatient", "draw_cohort"]

#: Weekly GVHD staging from study day 1 (week 0) to day 57 (week 8): two 4-week courses.
DEMO_WEEKS = 8
_SCREEN_FAILURE_SHARE = 0.15
_AES_PER_PATIENT = 1.2
#: CTCAE grades 1–5 are not equally common; grade 5 is recorded as a death instead.
_AE_GRADE_P = (0.35, 0.35, 0.22, 0.08)
_SERIOUS_IF_SEVERE = 0.6
_QUERY_SHARE = 0.12
_DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True, slots=True)
class PlannedAdverseEvent:
    """An adverse event on a study day; ``related`` is the investigator's causality call."""

    study_day: int
    term_index: int
    grade: int
    serious: bool
    related: bool
    #: Hours between onset (morning of the study day) and the site becoming aware.
    aware_after_hours: int


@dataclass(frozen=True, slots=True)
class VirtualPatient:
    """One screened patient and what will happen to them, whichever arm they are given.

    Weeks count from study day 1 (the first dose): an event in week ``w`` happens on a day of
    days ``7(w-1)+2`` … ``7w``, before that week's assessment on day ``7w+1``.
    """

    number: int
    site_index: int
    #: Days from the first screening of the trial.
    screening_day: int
    #: Index into the caller's list of screen-failure reasons, or ``None`` when eligible.
    screen_failure: int | None
    age_years: int
    weight_kg: float
    baseline_grade: int
    #: Arm code → raw measurements of weeks 0 … DEMO_WEEKS, as a clinician records them.
    measurements: Mapping[str, tuple[Mapping[str, object], ...]]
    death_week: int
    dropout_week: int
    chronic_gvhd_week: int
    relapse_week: int
    #: Index into the caller's list of causes of death.
    death_cause: int
    #: Day within an event's week (1–6) on which deaths, dropouts and late events happen.
    day_in_week: int
    adverse_events: tuple[PlannedAdverseEvent, ...]
    #: Staging weeks whose assessment the monitor queries.
    queried_weeks: frozenset[int]
    #: Minutes after 08:00 at which this patient's clinic visits start.
    clinic_minute: int

    def event_day(self, week: int) -> int:
        """Study day of an event that happens in ``week``."""
        return 7 * (week - 1) + 1 + self.day_in_week


def _record(values: MeasurementArrays, index: tuple[int, ...]) -> dict[str, object]:
    """One assessment's raw measurements, rounded as recorded (each stage's range survives)."""
    stool = float(values.stool_ml_per_day[index])
    return {
        "skin_bsa_pct": round(float(values.skin_bsa_pct[index])),
        "bullae": bool(values.bullae[index]),
        "desquamation_bsa_pct": round(float(values.desquamation_bsa_pct[index])),
        "bilirubin": round(float(values.bilirubin_mg_dl[index]), 1),
        "bilirubin_unit": "mg/dL",
        "upper_gi_persistent": bool(values.upper_gi_persistent[index]),
        "stool_ml_per_day": None if math.isnan(stool) else round(stool),
        "severe_abdominal_pain": bool(values.severe_abdominal_pain[index]),
        "bloody_stool": bool(values.bloody_stool[index]),
    }


def _screening(
    randomized: int, failure_reasons: int, rng: np.random.Generator
) -> NDArray[np.int64]:
    """Reason index of every screened patient in order, -1 for eligible, until enough pass."""
    reasons: list[int] = []
    passed = 0
    while passed < randomized:
        fails = failure_reasons > 0 and rng.random() < _SCREEN_FAILURE_SHARE
        reasons.append(int(rng.integers(failure_reasons)) if fails else -1)
        passed += not fails
    return np.asarray(reasons, dtype=np.int64)


def _adverse_events(
    rng: np.random.Generator, last_day: int, terms: int
) -> tuple[PlannedAdverseEvent, ...]:
    count = int(rng.poisson(_AES_PER_PATIENT))
    events = []
    for _ in range(count):
        grade = int(rng.choice(len(_AE_GRADE_P), p=_AE_GRADE_P)) + 1
        events.append(
            PlannedAdverseEvent(
                study_day=int(rng.integers(1, last_day + 1)),
                term_index=int(rng.integers(terms)),
                grade=grade,
                serious=grade >= 3 and bool(rng.random() < _SERIOUS_IF_SEVERE),
                related=bool(rng.random() < 0.4),
                aware_after_hours=int(rng.integers(1, 30)),
            )
        )
    return tuple(sorted(events, key=lambda e: e.study_day))


def draw_cohort(
    scenario: Scenario,
    arms: Sequence[str],
    *,
    randomized: int,
    failure_reasons: int,
    death_causes: int,
    ae_terms: int,
    rng: np.random.Generator,
) -> list[VirtualPatient]:
    """Screened patients in order of screening until ``randomized`` of them are eligible.

    Parameters
    ----------
    scenario : Scenario
        Baseline, body weight, site mix, accrual rate, per-arm dynamics and hazards.
    arms : sequence of str
        Arm codes; each must have dynamics in the scenario.
    randomized : int
        Eligible patients wanted (≥ 1); about 15 % more are screened and fail.
    failure_reasons, death_causes, ae_terms : int
        Sizes of the caller's lists that the patients' indices point into.
    rng : numpy.random.Generator
        The only source of randomness: the same generator state gives the same cohort.

    Returns
    -------
    list of VirtualPatient
    """
    if randomized < 1:
        raise InputError.single("subjects", "must be ≥ 1")
    dynamics = dict(scenario.arms)
    missing = [code for code in arms if code not in dynamics]
    if missing:
        raise InputError.single("arms", f"the scenario has no dynamics for arm {missing[0]!r}")
    reasons = _screening(randomized, failure_reasons, rng)
    n = reasons.size
    gaps = rng.exponential(_DAYS_PER_MONTH / scenario.accrual.patients_per_month, size=n)
    screening_day = np.floor(np.cumsum(gaps) - gaps[0]).astype(np.int64)
    site_p = np.array([w for _, w in scenario.accrual.site_weights])
    site = rng.choice(site_p.size, size=n, p=site_p / site_p.sum())
    weight = body_weights(scenario, (n,), rng)
    age = rng.integers(18, 71, size=n)
    baseline = baseline_stages(scenario.baseline, (n,), rng)
    grades = grade_arrays(baseline)

    # stages[arm, week, patient, organ]: both arms start from the same baseline.
    stages = np.empty((len(arms), DEMO_WEEKS + 1, n, 4), dtype=np.int8)
    stages[:, 0] = baseline
    improve, worsen, flare = (
        np.array([getattr(dynamics[code], name) for code in arms])[:, np.newaxis, np.newaxis]
        for name in ("improve", "worsen", "flare")
    )
    for week in range(1, DEMO_WEEKS + 1):
        stages[:, week] = evolve_stages(stages[:, week - 1], improve, worsen, flare, rng)
    raw = raw_measurements(stages, rng)

    hazards = scenario.hazards
    death, dropout, chronic, relapse = (
        event_weeks(h, (n,), rng)
        for h in (hazards.death, hazards.dropout, hazards.chronic_gvhd, hazards.relapse)
    )
    patients = []
    for i in range(n):
        last_day = min(7 * DEMO_WEEKS + 1, 7 * int(min(death[i], dropout[i])) - 6)
        patients.append(
            VirtualPatient(
                number=i + 1,
                site_index=int(site[i]),
                screening_day=int(screening_day[i]),
                screen_failure=None if reasons[i] < 0 else int(reasons[i]),
                age_years=int(age[i]),
                weight_kg=round(float(weight[i]), 1),
                baseline_grade=int(grades[i]),
                measurements={
                    code: tuple(_record(raw, (a, w, i)) for w in range(DEMO_WEEKS + 1))
                    for a, code in enumerate(arms)
                },
                death_week=int(death[i]),
                dropout_week=int(dropout[i]),
                chronic_gvhd_week=int(chronic[i]),
                relapse_week=int(relapse[i]),
                death_cause=int(rng.integers(max(death_causes, 1))),
                day_in_week=int(rng.integers(1, 7)),
                adverse_events=_adverse_events(rng, max(last_day, 1), max(ae_terms, 1)),
                queried_weeks=frozenset(
                    int(w) for w in np.flatnonzero(rng.random(DEMO_WEEKS + 1) < _QUERY_SHARE)
                ),
                clinic_minute=int(rng.integers(0, 8 * 60)),
            )
        )
    return patients

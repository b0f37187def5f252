"""Replicate trials of the protocol, week by week, vectorised over replicates × patients.

One call of :func:`simulate_trials` runs ``replicates`` whole trials of ``scenario.subjects``
patients:

1. baseline organ stages and covariates (:mod:`trialdesk.simulation.patients`), stratified
   permuted-block allocation with the protocol's ratio, block sizes and strata;
2. at every course visit with GVHD staging (day 8, 15, 22, 29 of a course), one week of organ-
   stage change per the arm's dynamics, raw measurements, and then the domain's staging, response
   (against the randomization baseline, under the protocol's rule set, deaths → NR) and protocol
   decision (:func:`~trialdesk.domain.decisions.next_steps`: switch, repeat, complete);
3. doses of every intervention of the patient's arm on its course days while the patient is
   alive, in the study and on study treatment — an assessment decides before the dose of the
   same day; per-kg doses are multiplied by the patient's body weight;
4. the primary analysis of the protocol: CR at the course-1 decision visit in the full analysis
   set, patients who died, dropped out or switched before it counting as failures, compared by
   the two-sided Newcombe interval at the protocol's α.

Death and dropout weeks are geometric with the scenario's weekly hazards; chronic GVHD and
relapse by week 52 likewise, each before death.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from trialdesk.domain.decisions import STEP_CODES, NextStep, next_steps
from trialdesk.domain.errors import InputError
from trialdesk.domain.gvhd import (
    RESPONSE_BY_CODE,
    RESPONSE_CODE,
    Response,
    classify_response,
    grade_arrays,
    stage_arrays,
)
from trialdesk.domain.protocol import ArmType, DoseBasis, Protocol, VisitPhase
from trialdesk.domain.visit_matching import STAGING_ASSESSMENT
from trialdesk.simulation.patients import (
    allocate_blocks,
    baseline_stages,
    raw_measurements,
    stratum_cells,
)
from trialdesk.simulation.scenario import Scenario
from trialdesk.stats.risk_difference_arrays import newcombe_rejects

__all__ = [
    "TrialOutcomes",
    "body_weights",
    "event_weeks",
    "evolve_stages",
    "simulate_trials",
]

_WEEKS_PER_YEAR = 52
_STAGE_MAX = np.array([4, 4, 1, 4], dtype=np.int8)
_RESPONSE_TEXT = np.array([r.value for r in RESPONSE_BY_CODE])
_SWITCH = STEP_CODES.index(NextStep.SWITCH_THERAPY)
_REPEAT = STEP_CODES.index(NextStep.REPEAT_COURSE)


@dataclass(frozen=True, slots=True)
class TrialOutcomes:
    """Per-replicate results; arm axis ordered (experimental, control).

    All count arrays have shape ``(replicates, 2)``; ``difference`` and ``rejected`` have shape
    ``(replicates,)``.
    """

    arms: tuple[str, str]
    randomized: NDArray[np.int64]
    complete_responses: NDArray[np.int64]
    overall_responses: NDArray[np.int64]
    switched: NDArray[np.int64]
    repeated_course: NDArray[np.int64]
    #: Intervention code → doses given, shape ``(replicates, 2)``.
    doses: tuple[tuple[str, NDArray[np.int64]], ...]
    #: Intervention code → total amount given (dose × body weight for per-kg doses).
    amounts: tuple[tuple[str, NDArray[np.float64]], ...]
    deaths_by_week_52: NDArray[np.int64]
    chronic_gvhd_by_week_52: NDArray[np.int64]
    relapse_by_week_52: NDArray[np.int64]
    difference: NDArray[np.float64]
    rejected: NDArray[np.bool_]


def _arm_order(protocol: Protocol) -> tuple[list[str], int, int]:
    codes = [code for code, _ in protocol.randomization.ratio]
    types = {arm.code: arm.type for arm in protocol.arms}
    experimental = [i for i, c in enumerate(codes) if types[c] is ArmType.EXPERIMENTAL]
    if len(codes) != 2 or len(experimental) != 1:
        raise InputError.single("arms", "the simulator needs one experimental and one control arm")
    return codes, experimental[0], 1 - experimental[0]


def body_weights(
    scenario: Scenario, shape: tuple[int, ...], rng: np.random.Generator
) -> NDArray[np.float64]:
    """Normal body weights truncated to the scenario's range (out-of-range draws are redrawn)."""
    spec = scenario.body_weight
    weight = rng.normal(spec.mean_kg, spec.sd_kg, size=shape)
    for _ in range(1000):
        outside = (weight < spec.minimum_kg) | (weight > spec.maximum_kg)
        if not outside.any():
            break
        weight[outside] = rng.normal(spec.mean_kg, spec.sd_kg, size=int(outside.sum()))
    return np.clip(weight, spec.minimum_kg, spec.maximum_kg)


def event_weeks(
    hazard: float, shape: tuple[int, ...], rng: np.random.Generator
) -> NDArray[np.int64]:
    """Week (1, 2, …) in which an event with this weekly hazard happens; huge when hazard is 0."""
    if hazard <= 0.0:
        return np.full(shape, np.iinfo(np.int64).max // 2, dtype=np.int64)
    return np.asarray(rng.geometric(hazard, size=shape), dtype=np.int64)


def evolve_stages(
    stages: NDArray[np.int8],
    improve: NDArray[np.float64],
    worsen: NDArray[np.float64],
    flare: NDArray[np.float64],
    rng: np.random.Generator,
) -> NDArray[np.int8]:
    """One week of organ-stage change; the probabilities have shape ``(R, N, 1)``."""
    u = rng.random(stages.shape)
    involved = stages > 0
    down = involved & (u < improve)
    up = np.where(involved, (u >= improve) & (u < improve + worsen), u < flare)
    changed = stages.astype(np.int16) - down + up
    return np.minimum(changed, _STAGE_MAX).astype(np.int8)


def simulate_trials(
    protocol: Protocol, scenario: Scenario, replicates: int, rng: np.random.Generator
) -> TrialOutcomes:
    """Simulate ``replicates`` trials of ``scenario.subjects`` patients.

    Parameters
    ----------
    protocol : Protocol
        Supplies arms, randomization, course visits and rules, response rules and α.
    scenario : Scenario
        Virtual patients and their arm-specific dynamics.
    replicates : int
        Number of trials (≥ 1).
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    TrialOutcomes
    """
    if replicates < 1:
        raise InputError.single("replicates", "must be ≥ 1")
    codes, experimental, control = _arm_order(protocol)
    missing = [c for c in codes if c not in dict(scenario.arms)]
    if missing:
        raise InputError.single("arms", f"the scenario has no dynamics for arm {missing[0]!r}")
    shape = (replicates, scenario.subjects)
    rules = protocol.course
    response_rules = protocol.assessment.response_rules

    baseline = stage_arrays(
        raw_measurements(baseline_stages(scenario.baseline, shape, rng), rng)
    ).stages
    sites = [code for code, _ in scenario.accrual.site_weights]
    site_p = np.array([w for _, w in scenario.accrual.site_weights])
    raw = {
        "site": np.asarray(sites)[rng.choice(len(sites), size=shape, p=site_p / site_p.sum())],
        "baseline_grade": grade_arrays(baseline).astype(str),
        "gi_involvement": np.where(baseline[..., 3] > 0, "yes", "no"),
    }
    cell, cells = stratum_cells(protocol.randomization, raw, sites)
    arm = allocate_blocks(protocol.randomization, cell, cells, rng)

    dynamics = [scenario.dynamics(c) for c in codes]
    improve, worsen, flare = (
        np.array([getattr(d, name) for d in dynamics])[arm][..., np.newaxis]
        for name in ("improve", "worsen", "flare")
    )
    hazards = scenario.hazards
    death_week = event_weeks(hazards.death, shape, rng)
    dropout_week = event_weeks(hazards.dropout, shape, rng)

    staging_days = sorted(
        v.day
        for v in protocol.visits_in(VisitPhase.COURSE)
        if STAGING_ASSESSMENT in v.assessments and v.day > 1
    )
    visit_code = {v.day: v.code for v in protocol.visits_in(VisitPhase.COURSE)}
    decision_day = next(
        v.day for v in protocol.visits_in(VisitPhase.COURSE) if v.code == rules.decision_visit
    )
    weight = body_weights(scenario, shape, rng)
    # (study day, assessment before dose, course, intervention code or "" for an assessment)
    events: list[tuple[int, int, int, str]] = []
    given: dict[str, tuple[NDArray[np.bool_], NDArray[np.float64] | float]] = {}
    for course in range(1, rules.max_courses + 1):
        offset = (course - 1) * rules.length_days
        events += [(offset + d, 0, course, "") for d in staging_days]
        for index, code in enumerate(codes):
            for product in protocol.arm(code).interventions:
                receives = given.get(product.code, (np.zeros(shape, dtype=bool), 1.0))[0]
                scale = (
                    product.dose * weight
                    if product.dose_basis is DoseBasis.PER_KG
                    else product.dose
                )
                given[product.code] = (receives | (arm == index), scale)
                events += [(offset + d, 1, course, product.code) for d in product.days]
    events = sorted(set(events))
    doses = {code: np.zeros(shape, dtype=np.int64) for code in given}

    stages = baseline
    on_treatment = np.ones(shape, dtype=bool)
    in_course = np.ones(shape, dtype=np.int64)
    switched = np.zeros(shape, dtype=bool)
    repeated = np.zeros(shape, dtype=bool)
    complete = overall = np.zeros(shape, dtype=bool)
    weeks_done = 0
    for day, _, course, dosed in events:
        week = (day - 1) // 7
        if dosed:
            present = (dropout_week > week) & (death_week > week)
            doses[dosed] += on_treatment & (in_course == course) & present & given[dosed][0]
            continue
        while weeks_done < week:
            stages = evolve_stages(stages, improve, worsen, flare, rng)
            weeks_done += 1
        observed = stage_arrays(raw_measurements(stages, rng)).stages
        dead = death_week <= week
        codes_now = classify_response(baseline, observed, response_rules, died=dead)
        course_day = day - (course - 1) * rules.length_days
        steps, _ = next_steps(rules, visit_code[course_day], _RESPONSE_TEXT[codes_now], course)
        assessed = on_treatment & (in_course == course) & (dropout_week > week)
        if course == 1 and course_day == decision_day:
            complete = assessed & (codes_now == RESPONSE_CODE[Response.CR])
            overall = complete | (assessed & (codes_now == RESPONSE_CODE[Response.PR]))
        switch = assessed & (steps == _SWITCH)
        repeat = assessed & (steps == _REPEAT)
        finished = assessed & (steps != STEP_CODES.index(NextStep.CONTINUE))
        # A death is classified NR (and so "switches" at week 4); count only living switches.
        switched |= switch & ~dead
        repeated |= repeat
        on_treatment &= ~(finished & ~repeat) & (dropout_week > week) & ~dead
        in_course = np.where(repeat, course + 1, in_course)

    year_death = death_week <= _WEEKS_PER_YEAR
    chronic = event_weeks(hazards.chronic_gvhd, shape, rng)
    relapse = event_weeks(hazards.relapse, shape, rng)
    order = [experimental, control]
    one_hot = arm[..., np.newaxis] == np.array(order)

    def per_arm(values: NDArray[np.generic]) -> NDArray[np.int64]:
        return np.asarray((values[..., np.newaxis] * one_hot).sum(axis=1), dtype=np.int64)

    randomized = one_hot.sum(axis=1).astype(np.int64)
    responders = per_arm(complete)
    rejected = newcombe_rejects(
        responders[:, 0],
        randomized[:, 0],
        responders[:, 1],
        randomized[:, 1],
        alpha=protocol.analysis.alpha,
    )
    rates = responders / randomized
    return TrialOutcomes(
        arms=(codes[experimental], codes[control]),
        randomized=randomized,
        complete_responses=responders,
        overall_responses=per_arm(overall),
        switched=per_arm(switched),
        repeated_course=per_arm(repeated),
        doses=tuple((code, per_arm(count)) for code, count in doses.items()),
        amounts=tuple(
            (code, np.asarray((count * given[code][1])[..., np.newaxis] * one_hot).sum(axis=1))
            for code, count in doses.items()
        ),
        deaths_by_week_52=per_arm(year_death),
        chronic_gvhd_by_week_52=per_arm((chronic <= _WEEKS_PER_YEAR) & (chronic < death_week)),
        relapse_by_week_52=per_arm((relapse <= _WEEKS_PER_YEAR) & (relapse < death_week)),
        difference=rates[:, 0] - rates[:, 1],
        rejected=rejected,
    )

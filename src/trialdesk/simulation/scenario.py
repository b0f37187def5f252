"""Virtual-patient scenarios: who enrols and how their GVHD evolves, week by week, per arm.

A scenario is read from a YAML file by :mod:`trialdesk.adapters.scenario_file`; the simulator
reads only these frozen objects. Probabilities are per patient per week unless named otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ORGANS",
    "Accrual",
    "ArmDynamics",
    "Baseline",
    "BodyWeight",
    "LongTermHazards",
    "Scenario",
]

#: Organ order of every stage array (the domain's order).
ORGANS: tuple[str, ...] = ("skin", "liver", "upper_gi", "lower_gi")


@dataclass(frozen=True, slots=True)
class BodyWeight:
    """Normal body weight in kg, truncated to ``[minimum, maximum]``."""

    mean_kg: float
    sd_kg: float
    minimum_kg: float
    maximum_kg: float


@dataclass(frozen=True, slots=True)
class Baseline:
    """Organ stages at randomization.

    ``organ_stage_probabilities[organ]`` lists the probability of stage 0, 1, … of that organ;
    organs are drawn independently and patients whose MAGIC grade is below ``minimum_grade``
    (not eligible: the trial enrols grade II–IV) are drawn again.
    """

    organ_stage_probabilities: tuple[tuple[float, ...], ...]
    minimum_grade: int


@dataclass(frozen=True, slots=True)
class Accrual:
    """Sites with their share of enrolment, and the trial's accrual rate."""

    site_weights: tuple[tuple[str, float], ...]
    patients_per_month: float


@dataclass(frozen=True, slots=True)
class ArmDynamics:
    """Week-by-week change of each involved organ's stage under one arm's treatment.

    Each week every organ with stage ≥ 1 improves by one stage with ``improve``, worsens by one
    with ``worsen`` (never above its maximum), and otherwise stays; an organ at stage 0 flares to
    stage 1 with ``flare``.
    """

    improve: float
    worsen: float
    flare: float


@dataclass(frozen=True, slots=True)
class LongTermHazards:
    """Weekly hazards over the first year: death, dropout, chronic GVHD and relapse."""

    death: float
    dropout: float
    chronic_gvhd: float
    relapse: float


@dataclass(frozen=True, slots=True)
class Scenario:
    """Everything the simulator needs besides the protocol."""

    name: str
    description: str
    subjects: int
    baseline: Baseline
    body_weight: BodyWeight
    accrual: Accrual
    #: Arm code (as in the protocol) → its organ dynamics.
    arms: tuple[tuple[str, ArmDynamics], ...]
    hazards: LongTermHazards

    def dynamics(self, arm: str) -> ArmDynamics:
        """The dynamics of arm ``arm``."""
        return dict(self.arms)[arm]

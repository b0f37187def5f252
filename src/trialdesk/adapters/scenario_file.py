"""Read a simulation scenario: YAML → pydantic schema → frozen :mod:`trialdesk.simulation.scenario`.

Every problem is raised as one :class:`~trialdesk.domain.errors.InputError` whose field errors
name the path in the file, e.g. ``arms.cd25.improve: Input should be less than or equal to 1``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from trialdesk.domain.errors import FieldError, InputError
from trialdesk.simulation.scenario import (
    ORGANS,
    Accrual,
    ArmDynamics,
    Baseline,
    BodyWeight,
    LongTermHazards,
    Scenario,
)

__all__ = ["builtin_scenario_path", "parse_scenario", "read_scenario_file"]

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Weekly = Annotated[float, Field(ge=0.0, lt=1.0)]
Positive = Annotated[float, Field(gt=0.0)]
_SCENARIOS = {"default": "nct04738981.scenario.yaml", "null": "nct04738981.null.scenario.yaml"}
_MAX_STAGE = {"skin": 4, "liver": 4, "upper_gi": 1, "lower_gi": 4}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _StageProbabilities(_Strict):
    skin: list[Probability]
    liver: list[Probability]
    upper_gi: list[Probability]
    lower_gi: list[Probability]

    @model_validator(mode="after")
    def _stages_sum_to_one(self) -> _StageProbabilities:
        for organ in ORGANS:
            values = getattr(self, organ)
            if len(values) != _MAX_STAGE[organ] + 1:
                raise ValueError(f"{organ}: needs one probability per stage 0–{_MAX_STAGE[organ]}")
            if abs(sum(values) - 1.0) > 1e-6:
                raise ValueError(f"{organ}: probabilities must sum to 1, not {sum(values):g}")
        return self


class _Baseline(_Strict):
    minimum_grade: Annotated[int, Field(ge=0, le=4)] = 2
    organ_stage_probabilities: _StageProbabilities


class _BodyWeight(_Strict):
    mean_kg: Positive
    sd_kg: Annotated[float, Field(ge=0.0)]
    minimum_kg: Positive
    maximum_kg: Positive

    @model_validator(mode="after")
    def _ordered(self) -> _BodyWeight:
        if not self.minimum_kg <= self.mean_kg <= self.maximum_kg:
            raise ValueError("mean_kg must lie between minimum_kg and maximum_kg")
        return self


class _Accrual(_Strict):
    patients_per_month: Positive
    sites: Annotated[dict[str, Positive], Field(min_length=1)]


class _Arm(_Strict):
    improve: Probability
    worsen: Probability
    flare: Probability

    @model_validator(mode="after")
    def _one_change_per_week(self) -> _Arm:
        if self.improve + self.worsen > 1.0:
            raise ValueError("improve + worsen must not exceed 1")
        return self


class _Hazards(_Strict):
    death: Weekly
    dropout: Weekly
    chronic_gvhd: Weekly
    relapse: Weekly


class _ScenarioDocument(_Strict):
    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    subjects: Annotated[int, Field(ge=2, le=100_000)]
    baseline: _Baseline
    body_weight: _BodyWeight
    accrual: _Accrual
    arms: Annotated[dict[str, _Arm], Field(min_length=2)]
    hazards: _Hazards
    calibration: str = ""


def builtin_scenario_path(name: str = "default") -> Path:
    """Path of a scenario shipped beside the built-in protocol: ``default`` or ``null``."""
    if name not in _SCENARIOS:
        raise InputError.single(
            "scenario", f"unknown built-in scenario {name!r}; use default or null"
        )
    return Path(str(resources.files("trialdesk") / "protocols" / _SCENARIOS[name]))


def read_scenario_file(path: Path) -> Scenario:
    """Read and check one scenario file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError.single(str(path), "no such scenario file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError.single(str(path), f"cannot read: {error}") from None
    return parse_scenario(text)


def _location(loc: tuple[int | str, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".") or "file"


def parse_scenario(text: str) -> Scenario:
    """Check the text of a scenario file and build the scenario."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InputError.single("file", f"invalid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise InputError.single("file", "must be a mapping of scenario sections")
    try:
        document = _ScenarioDocument.model_validate(raw)
    except ValidationError as error:
        raise InputError(
            FieldError(_location(d["loc"]), d["msg"].removeprefix("Value error, "))
            for d in error.errors()
        ) from None
    stages = document.baseline.organ_stage_probabilities
    return Scenario(
        name=document.name,
        description=document.description,
        subjects=document.subjects,
        baseline=Baseline(
            organ_stage_probabilities=tuple(tuple(getattr(stages, o)) for o in ORGANS),
            minimum_grade=document.baseline.minimum_grade,
        ),
        body_weight=BodyWeight(**document.body_weight.model_dump()),
        accrual=Accrual(
            site_weights=tuple(document.accrual.sites.items()),
            patients_per_month=document.accrual.patients_per_month,
        ),
        arms=tuple((code, ArmDynamics(**arm.model_dump())) for code, arm in document.arms.items()),
        hazards=LongTermHazards(**document.hazards.model_dump()),
    )

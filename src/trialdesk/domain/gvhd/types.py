"""Value types shared by GVHD staging, grading and response."""

from __future__ import annotations

import enum
import operator
from dataclasses import dataclass, fields

from trialdesk.domain.errors import FieldError, InputError

__all__ = [
    "GradingSystem",
    "LiverStaging",
    "Organ",
    "OrganStages",
    "Response",
    "ResponseRuleSet",
]


class Organ(enum.StrEnum):
    """The four organs staged in acute GVHD, in the order used everywhere (S, L, U, G)."""

    SKIN = "skin"
    LIVER = "liver"
    UPPER_GI = "upper_gi"
    LOWER_GI = "lower_gi"


class GradingSystem(enum.StrEnum):
    """Which published system produced a stage or grade; stored with every assessment."""

    MAGIC = "magic"
    GLUCKSBERG = "glucksberg"


class LiverStaging(enum.StrEnum):
    """Which bilirubin cut-offs stage the liver; chosen in the protocol file.

    ``MG_DL``: the MAGIC cut-offs in mg/dL (2 / 3.1 / 6.1 / 15; Harris AC et al., Biol Blood
    Marrow Transplant 2016;22:4-10); values in µmol/L are divided by 17.1 first.
    ``UMOL_L_TABLE``: the cut-offs as Chinese laboratories' tables write them in µmol/L
    (34–50 → 1, 51–102 → 2, 103–255 → 3, > 255 → 4), applied to µmol/L values as entered;
    values in mg/dL are multiplied by 17.1 first.
    """

    MG_DL = "mg_dl"
    UMOL_L_TABLE = "umol_l_table"


class ResponseRuleSet(enum.StrEnum):
    """How response categories are derived from organ stages; chosen in the protocol file."""

    #: Chinese consensus (CSH): every involved organ improves for PR; any worsening is PD.
    CSH = "csh"
    #: International trial usage: ≥ 1 organ improves and none worsens for PR; mixed response.
    INTERNATIONAL = "international"


class Response(enum.StrEnum):
    """Response category against the baseline organ stages."""

    CR = "CR"
    PR = "PR"
    MR = "MR"
    NR = "NR"
    PD = "PD"


@dataclass(frozen=True, slots=True)
class OrganStages:
    """Stage 0–4 of each organ (upper GI is 0–1).

    Construction checks every stage and raises :class:`InputError` naming each organ whose stage
    is not a whole number in its range, so an ``OrganStages`` in hand is always a possible one.
    """

    skin: int
    liver: int
    upper_gi: int
    lower_gi: int

    def __post_init__(self) -> None:
        problems = []
        for field in fields(self):
            value = getattr(self, field.name)
            highest = 1 if field.name == Organ.UPPER_GI else 4
            try:
                # operator.index accepts int and numpy integers but refuses floats and strings.
                stage = operator.index(value)
            except TypeError:
                stage = None
            if stage is None or isinstance(value, bool):
                problems.append(FieldError(field.name, f"must be a whole number, got {value!r}"))
            elif not 0 <= stage <= highest:
                problems.append(
                    FieldError(field.name, f"must be between 0 and {highest}, got {stage}")
                )
            else:
                object.__setattr__(self, field.name, stage)
        if problems:
            raise InputError(problems)

    @classmethod
    def from_sequence(cls, stages: tuple[int, ...] | list[int]) -> OrganStages:
        """Build from stages in the canonical order skin, liver, upper GI, lower GI."""
        if len(stages) != len(Organ):
            raise InputError.single(
                "stages",
                f"needs {len(Organ)} stages (skin, liver, upper GI, lower GI), got {len(stages)}",
            )
        return cls(*stages)

    def as_tuple(self) -> tuple[int, int, int, int]:
        """Stages in the canonical order skin, liver, upper GI, lower GI."""
        return (self.skin, self.liver, self.upper_gi, self.lower_gi)

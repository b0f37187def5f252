"""Value types shared by GVHD staging, grading and response."""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["GradingSystem", "Organ", "OrganStages", "Response", "ResponseRuleSet"]


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
    """Stage 0–4 of each organ (upper GI is 0–1)."""

    skin: int
    liver: int
    upper_gi: int
    lower_gi: int

    def as_tuple(self) -> tuple[int, int, int, int]:
        """Stages in the canonical order skin, liver, upper GI, lower GI."""
        return (self.skin, self.liver, self.upper_gi, self.lower_gi)

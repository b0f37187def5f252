"""Randomization settings as the protocol declares them.

The protocol file's ``randomization`` section is converted into these frozen objects; the
allocation algorithms and the service layer read only these.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "ImbalanceMeasure",
    "MinimizationFactor",
    "MinimizationSpec",
    "RandomizationMethod",
    "RandomizationSpec",
    "StratificationFactor",
    "StratumLevel",
]


class RandomizationMethod(enum.StrEnum):
    STRATIFIED_BLOCKS = "stratified_blocks"
    MINIMIZATION = "minimization"


class ImbalanceMeasure(enum.StrEnum):
    """Pocock–Simon imbalance of one factor level across arms."""

    RANGE = "range"
    VARIANCE = "variance"
    SD = "sd"


@dataclass(frozen=True, slots=True)
class StratumLevel:
    """One level of a factor, e.g. ``III-IV`` covering the raw values ``3`` and ``4``.

    ``values`` empty means the level is the raw value itself (used for ``site``, whose levels are
    the trial's site codes and are not known when the protocol is written).
    """

    code: str
    label: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StratificationFactor:
    """A stratification factor read from a named subject field (``site``, ``baseline_grade``…)."""

    code: str
    label: str
    source_field: str
    levels: tuple[StratumLevel, ...] = ()


@dataclass(frozen=True, slots=True)
class MinimizationFactor:
    factor: StratificationFactor
    weight: float


@dataclass(frozen=True, slots=True)
class MinimizationSpec:
    """Pocock–Simon minimization with a biased coin towards the preferred arm."""

    factors: tuple[MinimizationFactor, ...]
    imbalance: ImbalanceMeasure
    p_preferred: float


@dataclass(frozen=True, slots=True)
class RandomizationSpec:
    """Everything the protocol says about randomization.

    ``ratio`` maps arm code to its integer weight, in protocol order (1:1 → ``(("msc_cd25", 1),
    ("cd25", 1))``); every block size is a multiple of the ratio's sum.
    """

    method: RandomizationMethod
    ratio: tuple[tuple[str, int], ...]
    block_sizes: tuple[int, ...]
    strata: tuple[StratificationFactor, ...]
    minimization: MinimizationSpec | None

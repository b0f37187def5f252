"""Checks that a :class:`RandomizationSpec` describes a usable randomization.

Every problem is collected, so that a statistician fixing a protocol file sees all of them at once;
each names its field as a dotted path below ``randomization``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from trialdesk.domain.errors import FieldError, InputError
from trialdesk.domain.randomization.spec import (
    MinimizationSpec,
    RandomizationMethod,
    RandomizationSpec,
    StratificationFactor,
)

__all__ = ["MAX_SEED", "validate_list_seed", "validate_spec"]

#: Secret list seeds are at most 128 bits: the SeedSequence pool size, which keeps the derivation
#: of a stratum's generator from (seed, list id, stratum) unambiguous.
MAX_SEED = 2**128 - 1


def validate_spec(spec: RandomizationSpec, *, field: str = "randomization") -> None:
    """Raise :class:`InputError` listing every problem of ``spec``; return quietly if none."""
    problems = [
        *_ratio_problems(spec.ratio, f"{field}.ratio"),
        *_factor_problems(spec.strata, f"{field}.strata"),
    ]
    ratio_sum = sum(weight for _, weight in spec.ratio)
    if spec.method is RandomizationMethod.STRATIFIED_BLOCKS and not spec.block_sizes:
        problems.append(FieldError(f"{field}.block_sizes", "needs at least one block size"))
    for i, size in enumerate(spec.block_sizes):
        where = f"{field}.block_sizes[{i}]"
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            problems.append(FieldError(where, f"must be a positive integer, not {size!r}"))
        elif ratio_sum > 0 and size % ratio_sum:
            problems.append(
                FieldError(where, f"{size} is not a multiple of the ratio's sum {ratio_sum}")
            )
    if len(set(spec.block_sizes)) != len(spec.block_sizes):
        problems.append(FieldError(f"{field}.block_sizes", "lists a block size twice"))
    if spec.minimization is not None:
        problems += _minimization_problems(spec.minimization, f"{field}.minimization")
    elif spec.method is RandomizationMethod.MINIMIZATION:
        problems.append(FieldError(f"{field}.minimization", "is required for minimization"))
    if problems:
        raise InputError(problems)


def validate_list_seed(seed: object, *, field: str = "seed") -> int:
    """Return ``seed`` if it is an integer in [0, 2¹²⁸); raise :class:`InputError` otherwise."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise InputError.single(field, "must be an integer between 0 and 2^128 - 1")
    return seed


def _ratio_problems(ratio: Sequence[tuple[str, int]], field: str) -> list[FieldError]:
    problems: list[FieldError] = []
    if len(ratio) < 2:
        problems.append(FieldError(field, "needs at least two arms"))
    arms = [arm for arm, _ in ratio]
    if len(set(arms)) != len(arms):
        problems.append(FieldError(field, "names an arm twice"))
    for i, (arm, weight) in enumerate(ratio):
        if not arm:
            problems.append(FieldError(f"{field}[{i}]", "arm code is empty"))
        if isinstance(weight, bool) or not isinstance(weight, int) or weight < 1:
            problems.append(
                FieldError(f"{field}[{i}]", f"weight of {arm!r} must be an integer ≥ 1")
            )
    return problems


def _factor_problems(factors: Sequence[StratificationFactor], field: str) -> list[FieldError]:
    problems: list[FieldError] = []
    codes = [factor.code for factor in factors]
    if len(set(codes)) != len(codes):
        problems.append(FieldError(field, "names a factor twice"))
    for i, factor in enumerate(factors):
        where = f"{field}[{i}]"
        if not factor.code:
            problems.append(FieldError(f"{where}.code", "is empty"))
        if not factor.source_field:
            problems.append(FieldError(f"{where}.source_field", "is empty"))
        level_codes = [level.code for level in factor.levels]
        if len(set(level_codes)) != len(level_codes):
            problems.append(FieldError(f"{where}.levels", "names a level twice"))
        seen: set[str] = set()
        for level in factor.levels:
            for value in level.values:
                if value in seen:
                    problems.append(
                        FieldError(f"{where}.levels", f"value {value!r} is in two levels")
                    )
                seen.add(value)
    return problems


def _minimization_problems(spec: MinimizationSpec, field: str) -> list[FieldError]:
    problems = _factor_problems([f.factor for f in spec.factors], f"{field}.factors")
    if not spec.factors:
        problems.append(FieldError(f"{field}.factors", "needs at least one factor"))
    for i, factor in enumerate(spec.factors):
        if not (math.isfinite(factor.weight) and factor.weight > 0):
            problems.append(
                FieldError(f"{field}.factors[{i}].weight", f"must be > 0, not {factor.weight}")
            )
    if not (0.5 < spec.p_preferred <= 1):
        problems.append(
            FieldError(f"{field}.p_preferred", f"must be in (0.5, 1], not {spec.p_preferred}")
        )
    return problems

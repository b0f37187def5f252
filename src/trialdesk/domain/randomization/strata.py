"""Stratum keys: which list (or which minimization margins) a subject belongs to.

A subject's raw values (``site="S01"``, ``baseline_grade=3``) are mapped to the level codes the
protocol declares (grade ``3`` → ``III-IV``). Randomizing is refused, with the full list of what
is missing or not recognised, unless every factor can be mapped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from trialdesk.domain.errors import FieldError, InputError
from trialdesk.domain.randomization.spec import StratificationFactor

__all__ = ["StratumKey", "level_code", "normalise_raw_value", "stratum_key", "subject_levels"]


@dataclass(frozen=True, slots=True, order=True)
class StratumKey:
    """The level of each stratification factor, in protocol order.

    ``code`` (``site=S01/baseline_grade=III-IV``) is the stable text form stored with list entries
    and allocations; it is also what seeds the stratum's list generator.
    """

    levels: tuple[tuple[str, str], ...]

    @property
    def code(self) -> str:
        return "/".join(f"{factor}={level}" for factor, level in self.levels) or "all"

    def __str__(self) -> str:
        return self.code


def normalise_raw_value(value: object) -> str | None:
    """The text form of a raw field value; ``None`` when the value is absent or blank.

    Booleans become ``yes``/``no`` so that a form's checkbox and a protocol level written as
    ``yes`` agree.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value).strip()
    return text or None


def level_code(factor: StratificationFactor, raw: str) -> str | None:
    """The level code of ``raw`` for ``factor``, or ``None`` when no level covers it.

    A factor declared without levels (``site``) takes the raw value itself as its level.
    """
    if not factor.levels:
        return raw
    for level in factor.levels:
        if raw == level.code or raw in level.values:
            return level.code
    return None


def subject_levels(
    factors: Sequence[StratificationFactor], values: Mapping[str, object], *, field_prefix: str = ""
) -> dict[str, str]:
    """Map a subject's raw values to ``{factor code: level code}``.

    Raises
    ------
    InputError
        One field error per factor whose source field is missing or whose value matches no level;
        the message lists the accepted levels.
    """
    levels: dict[str, str] = {}
    problems: list[FieldError] = []
    for factor in factors:
        field = f"{field_prefix}{factor.source_field}"
        raw = normalise_raw_value(values.get(factor.source_field))
        if raw is None:
            problems.append(FieldError(field, f"is missing (needed for stratum {factor.code!r})"))
            continue
        code = level_code(factor, raw)
        if code is None:
            accepted = ", ".join(
                f"{lv.code} ({'/'.join(lv.values)})" if lv.values else lv.code
                for lv in factor.levels
            )
            problems.append(
                FieldError(field, f"{raw!r} is not a level of {factor.code}: {accepted}")
            )
            continue
        levels[factor.code] = code
    if problems:
        raise InputError(problems)
    return levels


def stratum_key(
    factors: Sequence[StratificationFactor], values: Mapping[str, object], *, field_prefix: str = ""
) -> StratumKey:
    """The stratum of a subject; see :func:`subject_levels` for the errors raised."""
    levels = subject_levels(factors, values, field_prefix=field_prefix)
    return StratumKey(tuple((factor.code, levels[factor.code]) for factor in factors))

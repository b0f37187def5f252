"""Eligibility: evaluate a screening record against the protocol's criteria.

Each criterion gets one status with a reason that quotes the recorded value and the threshold:

- ``met`` / ``not_met`` for a computable rule. For an **exclusion** criterion the rule describes
  the excluding condition, so the criterion is ``met`` (the patient passes it) when that
  condition is absent and ``not_met`` when it is present.
- ``attested`` / ``not_attested`` for a judgement item the investigator confirms.
- ``missing`` when the record has no value for the criterion's field (for a criterion reserved
  to the investigator, the reason says it awaits the investigator's attestation).

A patient is eligible only when every criterion is ``met`` or ``attested``. Values of the wrong
type or outside the field's plausible range are refused with an :class:`InputError` naming every
offending field, as are names that are not screening fields of the protocol (a misspelt name
would otherwise pass silently as ``missing``).
"""

from __future__ import annotations

import enum
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from trialdesk.domain.errors import FieldError, InputError
from trialdesk.domain.protocol import (
    Comparison,
    Criterion,
    CriterionKind,
    FieldType,
    Protocol,
    Rule,
    ScreeningField,
)

__all__ = [
    "CriterionResult",
    "CriterionStatus",
    "EligibilityResult",
    "evaluate_eligibility",
    "investigator_fields",
]

ScreeningValue = bool | int | float


class CriterionStatus(enum.StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    MISSING = "missing"
    ATTESTED = "attested"
    NOT_ATTESTED = "not_attested"


_PASSING = frozenset({CriterionStatus.MET, CriterionStatus.ATTESTED})
_FAILING = frozenset({CriterionStatus.NOT_MET, CriterionStatus.NOT_ATTESTED})

_COMPARE: dict[Comparison, Callable[[Any, Any], bool]] = {
    Comparison.GE: operator.ge,
    Comparison.GT: operator.gt,
    Comparison.LE: operator.le,
    Comparison.LT: operator.lt,
    Comparison.EQ: operator.eq,
    Comparison.NE: operator.ne,
}


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """Outcome of one criterion; ``passed`` is True for ``met`` and ``attested``."""

    criterion_id: str
    kind: CriterionKind
    text: str
    field: str
    value: ScreeningValue | None
    status: CriterionStatus
    reason: str

    @property
    def passed(self) -> bool:
        return self.status in _PASSING


@dataclass(frozen=True, slots=True)
class EligibilityResult:
    """Per-criterion results in protocol order; eligible only when every criterion passed."""

    eligible: bool
    results: tuple[CriterionResult, ...]

    @property
    def failed(self) -> tuple[CriterionResult, ...]:
        """Criteria that keep the patient out: not met, not attested or missing."""
        return tuple(r for r in self.results if not r.passed)

    @property
    def excluded(self) -> bool:
        """Whether a recorded answer keeps the patient out (a missing one may still come)."""
        return any(r.status in _FAILING for r in self.results)


def excludes(statuses: Iterable[str]) -> bool:
    """Whether stored criterion results (their ``status`` values) keep the patient out.

    Only a recorded answer that fails excludes; a missing one leaves the screening pending.
    """
    return any(CriterionStatus(s) in _FAILING for s in statuses)


def investigator_fields(protocol: Protocol) -> dict[str, str]:
    """Screening fields only an investigator may answer → the criterion that reserves each."""
    return {c.field: c.id for c in protocol.criteria if c.investigator_only}


def evaluate_eligibility(protocol: Protocol, record: Mapping[str, object]) -> EligibilityResult:
    """Evaluate a screening record (screening field name → value; None means not recorded)."""
    values = _checked_values(protocol, record)
    results = tuple(_evaluate(protocol, c, values.get(c.field)) for c in protocol.criteria)
    return EligibilityResult(eligible=all(r.passed for r in results), results=results)


def _checked_values(protocol: Protocol, record: Mapping[str, object]) -> dict[str, ScreeningValue]:
    errors: list[FieldError] = []
    values: dict[str, ScreeningValue] = {}
    known = {f.name: f for f in protocol.screening_fields}
    for name, value in record.items():
        field = known.get(name)
        if field is None:
            errors.append(FieldError(name, "is not a screening field of this protocol"))
        elif value is not None:
            problem = _problem(field, value)
            if problem:
                errors.append(FieldError(name, problem))
            else:
                values[name] = value  # type: ignore[assignment]  # _problem checked the type
    if errors:
        raise InputError(errors)
    return values


def _problem(field: ScreeningField, value: object) -> str | None:
    """Why ``value`` cannot be a value of ``field``, or None when it can."""
    if field.type is FieldType.BOOLEAN:
        return None if isinstance(value, bool) else f"must be true or false, not {value!r}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"must be a number, not {value!r}"
    if not math.isfinite(value):
        return "must be a finite number"
    if field.type is FieldType.INTEGER and not float(value).is_integer():
        return f"must be a whole number, not {value!r}"
    if field.minimum is not None and value < field.minimum:
        return f"{_show(value, field)} is below the plausible minimum {_show(field.minimum, field)}"
    if field.maximum is not None and value > field.maximum:
        return f"{_show(value, field)} is above the plausible maximum {_show(field.maximum, field)}"
    return None


def _evaluate(
    protocol: Protocol, criterion: Criterion, value: ScreeningValue | None
) -> CriterionResult:
    field = protocol.screening_field(criterion.field)

    def result(status: CriterionStatus, reason: str) -> CriterionResult:
        return CriterionResult(
            criterion.id, criterion.kind, criterion.text, field.name, value, status, reason
        )

    if value is None:
        if criterion.investigator_only:
            return result(CriterionStatus.MISSING, "awaiting the investigator's attestation")
        return result(CriterionStatus.MISSING, f"no value recorded for {field.name}")
    if criterion.attestation is not None:
        statement = criterion.attestation.statement
        if value:
            return result(CriterionStatus.ATTESTED, f"investigator attests: {statement}")
        return result(CriterionStatus.NOT_ATTESTED, f"investigator does not attest: {statement}")
    rule = criterion.rule
    assert rule is not None  # a criterion has a rule or an attestation
    holds = _holds(rule, value)
    shown = f"{field.name} = {_show(value, field)}"
    if criterion.kind is CriterionKind.INCLUSION:
        if holds:
            return result(CriterionStatus.MET, f"{shown} satisfies {_threshold(rule, field)}")
        return result(
            CriterionStatus.NOT_MET, f"{shown} does not satisfy {_threshold(rule, field)}"
        )
    if holds:
        return result(
            CriterionStatus.NOT_MET, f"excluded: {shown} (excluded when {_threshold(rule, field)})"
        )
    return result(
        CriterionStatus.MET,
        f"excluding condition absent: {shown} (excluded when {_threshold(rule, field)})",
    )


def _holds(rule: Rule, value: ScreeningValue) -> bool:
    if rule.op is Comparison.BETWEEN:
        # the protocol reader guarantees both bounds for 'between'
        assert rule.low is not None
        assert rule.high is not None
        return rule.low <= value <= rule.high
    return _COMPARE[rule.op](value, rule.value)


def _threshold(rule: Rule, field: ScreeningField) -> str:
    if rule.op is Comparison.BETWEEN:
        return f"{_show(rule.low, field)} to {_show(rule.high, field)} inclusive"
    return f"{rule.op.value} {_show(rule.value, field)}"


def _show(value: float | bool | None, field: ScreeningField) -> str:
    """A value as a reader expects it: ``true``, ``0.5 10^9/L``, ``70 years``."""
    if isinstance(value, bool):
        return str(value).lower()
    return f"{value:g} {field.unit}".rstrip()

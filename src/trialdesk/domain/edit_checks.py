"""Edit checks: the protocol's declared checks evaluated against one would-be record.

Pure: everything stored that a rule needs (dates of randomization, consent and death, the
computed dose, the subject's other doses, visit windows, recent records of the same kind) comes
in a :class:`CheckContext` gathered by the service. Each rule answers with findings; what a
finding means (refuse, or ask for a confirmation) is the check's declared severity.

Boundaries are inclusive on the accepting side: exactly ``factor``× the computed dose, exactly
``tolerance`` off it, exactly ``min_gap_days`` apart, exactly ``max`` and dates equal to the
reference date all pass. A relative epsilon keeps a value typed as exactly 10× (or 1.1×) the
computed dose on the accepting side despite floating-point division.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from trialdesk.domain.display import number
from trialdesk.domain.protocol.edit_checks import (
    DATE_FIELDS,
    CheckTarget,
    EditCheck,
    RuleKind,
    Severity,
)

__all__ = [
    "DEFAULT_CHECKS",
    "CheckContext",
    "Finding",
    "evaluate_checks",
    "is_after_today",
    "normalise_unit",
    "value_at",
]

_EPSILON = 1e-9

#: What is checked when a record is saved without a protocol at hand: no date after today.
DEFAULT_CHECKS: tuple[EditCheck, ...] = (
    EditCheck(
        code="date_in_future",
        severity=Severity.HARD,
        rule=RuleKind.NOT_AFTER_TODAY,
        applies_to=tuple(
            CheckTarget(collection, name)
            for collection, names in DATE_FIELDS.items()
            for name in names
        ),
        message="Date is after today",
    ),
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One check that fired on one field; ``message`` is the check's with the values found."""

    code: str
    severity: Severity
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What the rules need besides the record itself, as of the save.

    ``today`` is the date in the site's terms (UTC for now). ``same_kind`` are the subject's
    other records of the same kind, each with its ``created_at``; ``other_doses`` the dates of
    the subject's other doses of the same product; ``visit_windows`` the planned
    ``(earliest, latest)`` windows per visit code (a visit may recur in a repeated course).
    """

    today: dt.date
    now: dt.datetime
    randomized_on: dt.date | None = None
    consented_on: dt.date | None = None
    died_on: dt.date | None = None
    planned_dose: float | None = None
    min_gap_days: int = 0
    other_doses: tuple[dt.date, ...] = ()
    visit_windows: Mapping[str, tuple[tuple[dt.date, dt.date], ...]] = field(default_factory=dict)
    screening_visits: frozenset[str] = frozenset()
    same_kind: tuple[Mapping[str, Any], ...] = ()


def is_after_today(day: dt.date, today: dt.date) -> bool:
    """A clinical date after today: data describe what has happened."""
    return day > today


def normalise_unit(text: str) -> str:
    """A unit as people write it (``µmol/L``, ``umol/l``) reduced for comparison."""
    return text.strip().lower().replace("µ", "u").replace("μ", "u")


def value_at(record: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (``measurements.bilirubin``); ``None`` when absent."""
    node: Any = record
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def evaluate_checks(
    checks: Sequence[EditCheck],
    collection: str,
    record: Mapping[str, Any],
    context: CheckContext,
) -> tuple[Finding, ...]:
    """Every finding of the checks that apply to this kind of record, in declaration order."""
    findings: list[Finding] = []
    for check in checks:
        for target in check.targets(collection):
            value = value_at(record, target.field)
            if value is None:
                continue
            detail = _RULES[check.rule](check, target, value, record, context)
            if detail is not None:
                findings.append(
                    Finding(check.code, check.severity, target.field, f"{check.message} ({detail})")
                )
    return tuple(findings)


_Rule = Callable[[EditCheck, CheckTarget, Any, Mapping[str, Any], CheckContext], str | None]


def _dose_ratio(
    check: EditCheck, _t: CheckTarget, value: Any, _r: Mapping[str, Any], ctx: CheckContext
) -> str | None:
    planned, factor = ctx.planned_dose, check.factor
    if planned is None or planned <= 0 or factor is None:
        return None
    ratio = float(value) / planned
    if ratio > factor * (1 + _EPSILON) or ratio < (1 / factor) * (1 - _EPSILON):
        # "10 × 10⁶ times smaller" reads better than "1e-07×" for an exponent typo.
        times = (
            f"{number(ratio)} times" if ratio >= 1 else f"{number(1 / ratio)} times smaller than"
        )
        return f"{number(float(value))} is {times} the computed dose {number(planned)}"
    return None


def _dose_deviation(
    check: EditCheck, _t: CheckTarget, value: Any, _r: Mapping[str, Any], ctx: CheckContext
) -> str | None:
    planned, tolerance = ctx.planned_dose, check.tolerance
    if planned is None or planned <= 0 or tolerance is None:
        return None
    deviation = float(value) / planned - 1
    if abs(deviation) > tolerance + _EPSILON:
        return (
            f"{number(float(value))} is {deviation:+.1%} from the computed dose {number(planned)}"
        )
    return None


def _min_gap(
    _c: EditCheck, _t: CheckTarget, value: Any, _r: Mapping[str, Any], ctx: CheckContext
) -> str | None:
    if ctx.min_gap_days <= 0:
        return None
    close = sorted(d for d in ctx.other_doses if abs((value - d).days) < ctx.min_gap_days)
    if close:
        return f"another dose on {close[0].isoformat()}; at least {ctx.min_gap_days} days apart"
    return None


def _not_after_today(
    _c: EditCheck, _t: CheckTarget, value: Any, _r: Mapping[str, Any], ctx: CheckContext
) -> str | None:
    if is_after_today(value, ctx.today):
        return f"{value.isoformat()} is in the future"
    return None


def _not_before_randomization(
    _c: EditCheck, _t: CheckTarget, value: Any, record: Mapping[str, Any], ctx: CheckContext
) -> str | None:
    if record.get("visit_code") in ctx.screening_visits:
        return None  # a screening visit precedes randomization by definition
    if ctx.randomized_on is not None and value < ctx.randomized_on:
        return f"{value.isoformat()} is before randomization on {ctx.randomized_on.isoformat()}"
    return None


def _not_after_death(
    _c: EditCheck, _t: CheckTarget, value: Any, _r: Mapping[str, Any], ctx: CheckContext
) -> str | None:
    if ctx.died_on is not None and value > ctx.died_on:
        return f"{value.isoformat()} is after death on {ctx.died_on.isoformat()}"
    return None


def _plausible_range(
    check: EditCheck, _t: CheckTarget, value: Any, record: Mapping[str, Any], _x: CheckContext
) -> str | None:
    unit = ""
    if check.unit_field is not None and check.unit is not None:
        unit = str(value_at(record, check.unit_field) or "")
        if normalise_unit(unit) != normalise_unit(check.unit):
            return None
    number = float(value)
    low = -float("inf") if check.min is None else check.min
    high = float("inf") if check.max is None else check.max
    if low <= number <= high:
        return None
    bounds = f"{_bound(check.min)}–{_bound(check.max)}"
    shown = f"{number:g} {unit}".strip()
    return f"{shown} is outside the plausible range {bounds} {unit}".rstrip()


def _bound(limit: float | None) -> str:
    return "…" if limit is None else f"{limit:g}"


def _visit_window(
    _c: EditCheck, _t: CheckTarget, value: Any, record: Mapping[str, Any], ctx: CheckContext
) -> str | None:
    windows = ctx.visit_windows.get(str(record.get("visit_code")), ())
    if not windows or any(earliest <= value <= latest for earliest, latest in windows):
        return None
    earliest, latest = min(
        windows, key=lambda w: min(abs((value - w[0]).days), abs((value - w[1]).days))
    )
    code = record["visit_code"]
    return f"{value.isoformat()} is outside the {code} window {earliest} – {latest}"


def _not_before_consent(
    _c: EditCheck, _t: CheckTarget, value: Any, _r: Mapping[str, Any], ctx: CheckContext
) -> str | None:
    if ctx.consented_on is not None and value < ctx.consented_on:
        return f"{value.isoformat()} is before consent on {ctx.consented_on.isoformat()}"
    return None


def _duplicate_within(
    check: EditCheck, target: CheckTarget, _v: Any, record: Mapping[str, Any], ctx: CheckContext
) -> str | None:
    if check.seconds is None:
        return None
    since = ctx.now - dt.timedelta(seconds=check.seconds)
    for other in ctx.same_kind:
        saved = other.get("created_at")
        if saved is None or saved <= since:
            continue
        if all(value_at(other, key) == value_at(record, key) for key in target.keys):
            seconds = int((ctx.now - saved).total_seconds())
            return f"the same {', '.join(target.keys)} was saved {seconds} s ago"
    return None


_RULES: Mapping[RuleKind, _Rule] = {
    RuleKind.DOSE_RATIO: _dose_ratio,
    RuleKind.DOSE_DEVIATION: _dose_deviation,
    RuleKind.MIN_GAP: _min_gap,
    RuleKind.NOT_AFTER_TODAY: _not_after_today,
    RuleKind.NOT_BEFORE_RANDOMIZATION: _not_before_randomization,
    RuleKind.NOT_AFTER_DEATH: _not_after_death,
    RuleKind.PLAUSIBLE_RANGE: _plausible_range,
    RuleKind.VISIT_WINDOW: _visit_window,
    RuleKind.NOT_BEFORE_CONSENT: _not_before_consent,
    RuleKind.DUPLICATE_WITHIN: _duplicate_within,
}

"""Submitted values of a protocol form → typed values, or every problem at once.

A form arrives as strings from a web page or as JSON from the API (or as the stored JSON of a
record being corrected); each field is read by its declared type, checked against its range,
choices and ``required``/``required_if`` conditions, and the whole form is refused with one
:class:`InputError` carrying a :class:`FieldError` per offending field, each message naming the
field by its label so the person entering data knows what to fix. Fields the form does not
declare are refused: a value no one asked for is a value no one checks.

Two date orders hold on every form that has the pair: a period's ``stopped_on`` is not before its
``started_on``, an episode's ``resolved_on`` not before its ``onset_on``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from trialdesk.domain.errors import FieldError, InputError
from trialdesk.domain.forms.spec import FormField, FormFieldType, FormSpec

__all__ = [
    "ORDERED_DATES",
    "PRESENT",
    "TEXT_MAX_LENGTH",
    "json_values",
    "required_if_applies",
    "validate_form_values",
]

#: ``required_if`` value meaning "whenever the other field has a value".
PRESENT = "present"

#: Longest free text accepted in a form field (a lot number, an organism, a treatment).
TEXT_MAX_LENGTH = 500

#: (later, earlier): date fields that must not be out of order when a form has both.
ORDERED_DATES: tuple[tuple[str, str], ...] = (
    ("stopped_on", "started_on"),
    ("resolved_on", "onset_on"),
)

#: No database stores a NUL, and no form field needs a control character or a line break.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TRUE = frozenset({"true", "yes", "y", "1", "on"})
_FALSE = frozenset({"false", "no", "n", "0", "off"})


class _BadValueError(Exception):
    """One field's value cannot be read; the message is for the person entering it."""


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple)):
        return len(value) == 0
    return False


def _range_text(spec: FormField) -> str:
    unit = f" {spec.unit}" if spec.unit else ""
    low, high = spec.minimum, spec.maximum
    if low is not None and high is not None:
        return f"between {low:g} and {high:g}{unit}"
    if low is not None:
        return f"at least {low:g}{unit}"
    return f"at most {high:g}{unit}"


def _number(spec: FormField, value: Any) -> float | int:
    if isinstance(value, bool):
        raise _BadValueError(f"{spec.label} must be a number, not yes/no")
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            raise _BadValueError(f"{spec.label} must be a number, got {value.strip()!r}") from None
    if not isinstance(value, (int, float)):
        raise _BadValueError(f"{spec.label} must be a number")
    try:
        finite = math.isfinite(float(value))
    except OverflowError:  # an integer too large for any float
        finite = False
    if not finite:
        raise _BadValueError(f"{spec.label} must be a finite number")
    if spec.type is FormFieldType.INTEGER:
        if float(value) != int(value):
            raise _BadValueError(f"{spec.label} must be a whole number, got {value:g}")
        number: float | int = int(value)
    else:
        number = float(value)
    too_low = spec.minimum is not None and number < spec.minimum
    too_high = spec.maximum is not None and number > spec.maximum
    if too_low or too_high:
        unit = f" {spec.unit}" if spec.unit else ""
        raise _BadValueError(f"{spec.label} must be {_range_text(spec)}, got {number:g}{unit}")
    return number


def _boolean(spec: FormField, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise _BadValueError(f"{spec.label} must be yes or no")


def _date(spec: FormField, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise _BadValueError(f"{spec.label} must be a date without a time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _BadValueError(f"{spec.label} must be a date (YYYY-MM-DD), got {value!r}")


def _text(spec: FormField, value: Any) -> str:
    if not isinstance(value, str):
        raise _BadValueError(f"{spec.label} must be text")
    text = value.strip()
    if _CONTROL.search(text):
        raise _BadValueError(f"{spec.label} must be one line of text without control characters")
    if len(text) > TEXT_MAX_LENGTH:
        raise _BadValueError(f"{spec.label} must be at most {TEXT_MAX_LENGTH} characters")
    return text


def _choice_text(spec: FormField) -> str:
    return ", ".join(f"{label} ({code})" for code, label in spec.choices)


def _choice(spec: FormField, value: Any) -> str:
    codes = {code for code, _ in spec.choices}
    if not isinstance(value, str) or value.strip() not in codes:
        raise _BadValueError(f"{spec.label}: {value!r} is not one of {_choice_text(spec)}")
    return value.strip()


def _choices(spec: FormField, value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise _BadValueError(f"{spec.label} must be a list of choices")
    chosen = [_choice(spec, item) for item in items]
    return [code for code, _ in spec.choices if code in chosen]


_READERS = {
    FormFieldType.NUMBER: _number,
    FormFieldType.INTEGER: _number,
    FormFieldType.BOOLEAN: _boolean,
    FormFieldType.DATE: _date,
    FormFieldType.TEXT: _text,
    FormFieldType.CHOICE: _choice,
    FormFieldType.CHOICES: _choices,
}


def required_if_applies(condition: object, other: Any) -> bool:
    """Whether ``other`` (the typed value of the field named by ``required_if``) triggers it.

    ``condition`` is :data:`PRESENT` (any value), a tuple of choice codes (any of them), or one
    value (equal to it; for a ``choices`` field, among the chosen).
    """
    if other is None:
        return False
    if condition == PRESENT:
        return True
    wanted = condition if isinstance(condition, tuple) else (condition,)
    if isinstance(other, list):
        return any(item in wanted for item in other)
    return any(other == item and type(other) is type(item) for item in wanted)


def _condition_text(spec: FormSpec, name: str, condition: object) -> str:
    other = spec.field(name)
    label = other.label if other is not None else name
    if condition == PRESENT:
        return f"{label} is given"
    if isinstance(condition, bool):
        return f"{label} is {'yes' if condition else 'no'}"
    labels = dict(other.choices) if other is not None else {}
    wanted = condition if isinstance(condition, tuple) else (condition,)
    return f"{label} is " + " or ".join(labels.get(str(w), str(w)) for w in wanted)


def _read_fields(
    spec: FormSpec, raw: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, FieldError]]:
    typed: dict[str, Any] = {}
    errors: dict[str, FieldError] = {}
    for field in spec.fields:
        value = raw.get(field.name)
        if _missing(value):
            continue
        try:
            typed[field.name] = _READERS[field.type](field, value)
        except _BadValueError as bad:
            errors[field.name] = FieldError(field.name, str(bad))
    return typed, errors


def _required(spec: FormSpec, typed: Mapping[str, Any], errors: dict[str, FieldError]) -> None:
    for field in spec.fields:
        if field.name in typed or field.name in errors:
            continue
        if field.required:
            errors[field.name] = FieldError(field.name, f"{field.label} is required")
        elif field.required_if is not None:
            other, condition = field.required_if
            if other not in errors and required_if_applies(condition, typed.get(other)):
                when = _condition_text(spec, other, condition)
                errors[field.name] = FieldError(
                    field.name, f"{field.label} is required when {when}"
                )


def _date_order(spec: FormSpec, typed: Mapping[str, Any], errors: dict[str, FieldError]) -> None:
    for later, earlier in ORDERED_DATES:
        end, start = typed.get(later), typed.get(earlier)
        if later in errors or not isinstance(end, dt.date) or not isinstance(start, dt.date):
            continue
        if end < start:
            end_field, start_field = spec.field(later), spec.field(earlier)
            assert end_field is not None
            assert start_field is not None
            errors[later] = FieldError(
                later,
                f"{end_field.label} ({end.isoformat()}) must not be before "
                f"{start_field.label} ({start.isoformat()})",
            )


def validate_form_values(spec: FormSpec, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The typed values of one record of ``spec`` (fields left blank are absent).

    Dates become :class:`datetime.date`, numbers ``float`` (``int`` for integer fields), yes/no
    ``bool``, a choice its code and ``choices`` a list of codes in declaration order. Raises one
    :class:`InputError` listing every unknown, unreadable, out-of-range, missing or out-of-order
    field, in the form's field order (unknown fields last).
    """
    if not isinstance(raw, Mapping):
        raise InputError.single("values", "must be an object of named field values")
    typed, errors = _read_fields(spec, raw)
    _required(spec, typed, errors)
    _date_order(spec, typed, errors)
    declared = {f.name for f in spec.fields}
    unknown = [
        FieldError(str(name), f"{spec.label} has no field {name!r}")
        for name in raw
        if name not in declared
    ]
    ordered = [errors[f.name] for f in spec.fields if f.name in errors]
    if ordered or unknown:
        raise InputError([*ordered, *unknown])
    return typed


def json_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Typed form values as stored (JSON): dates as ISO strings, lists copied."""
    stored: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, dt.date):
            stored[name] = value.isoformat()
        elif isinstance(value, Sequence) and not isinstance(value, str):
            stored[name] = list(value)
        else:
            stored[name] = value
    return stored

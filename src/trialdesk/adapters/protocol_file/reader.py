"""Read a protocol file: YAML → schema → cross-field checks → frozen domain protocol.

Every problem is reported as a :class:`ProtocolError` whose field errors name the offending
path in the file, e.g. ``arms[1].interventions[0].dose: must be > 0``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from trialdesk.adapters.protocol_file.checks import check_document
from trialdesk.adapters.protocol_file.convert import to_protocol
from trialdesk.adapters.protocol_file.schema import ProtocolDocument
from trialdesk.domain.errors import FieldError, InputError, ProtocolError
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.randomization.validation import validate_spec

__all__ = ["builtin_protocol_path", "parse_protocol", "read_protocol_file"]


def builtin_protocol_path() -> Path:
    """Path of the built-in NCT04738981 protocol shipped inside the package."""
    return Path(str(resources.files("trialdesk") / "protocols" / "nct04738981.yaml"))


def read_protocol_file(path: Path) -> Protocol:
    """Read and check one protocol file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProtocolError(FieldError(str(path), "no such protocol file")) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ProtocolError(FieldError(str(path), f"cannot read: {error}")) from None
    return parse_protocol(text)


def parse_protocol(text: str) -> Protocol:
    """Check the text of a protocol file and build the domain protocol."""
    try:
        raw = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        raise ProtocolError(FieldError(where, f"invalid YAML: {error.problem}")) from None
    except yaml.YAMLError as error:
        raise ProtocolError(FieldError("file", f"invalid YAML: {error}")) from None
    if not isinstance(raw, dict):
        raise ProtocolError(FieldError("file", "must be a mapping of protocol sections"))
    try:
        document = ProtocolDocument.model_validate(raw)
    except ValidationError as error:
        raise ProtocolError(_field_errors(error, raw)) from None
    problems = check_document(document, raw)
    if problems:
        raise ProtocolError(problems)
    protocol = to_protocol(document)
    try:
        validate_spec(protocol.randomization)
    except InputError as error:
        raise ProtocolError(error.errors) from None
    return protocol


def _field_errors(error: ValidationError, raw: dict[str, Any]) -> list[FieldError]:
    seen: dict[tuple[str, str], None] = {}
    for detail in error.errors():
        seen[(_path(detail["loc"], raw), _message(detail))] = None
    return [FieldError(path, message) for path, message in seen]


def _path(loc: tuple[int | str, ...], raw: Any) -> str:
    """``('arms', 1, 'interventions', 0, 'dose')`` → ``arms[1].interventions[0].dose``.

    pydantic adds the names of union members to ``loc`` (``value.float``); those name no key of
    the file, so they are left out by walking the raw document alongside.
    """
    path = ""
    node = raw
    for part in loc:
        if isinstance(part, int) and isinstance(node, list):
            path += f"[{part}]"
            node = node[part] if part < len(node) else None
        elif isinstance(node, dict):
            path += f".{part}" if path else str(part)
            node = node.get(part)
        # anything else is a union tag below a scalar value
    return path


_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "unknown key",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "string_too_short": "must not be empty",
    "date_parsing": "must be a date (YYYY-MM-DD)",
    "date_type": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
    "list_type": "must be a list",
    "model_type": "must be a mapping of keys",
    "dict_type": "must be a mapping of keys",
}


def _message(detail: ErrorDetails) -> str:
    kind = detail["type"]
    ctx = detail.get("ctx", {})
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    bounds = {
        "greater_than": (">", "gt"),
        "greater_than_equal": (">=", "ge"),
        "less_than": ("<", "lt"),
        "less_than_equal": ("<=", "le"),
    }
    if kind in bounds:
        symbol, key = bounds[kind]
        bound = ctx[key]
        return (
            f"must be {symbol} {bound:g}"
            if isinstance(bound, float)
            else f"must be {symbol} {bound}"
        )
    if kind == "too_short":
        return f"must have at least {ctx['min_length']} item(s)"
    if kind == "literal_error":
        return f"must be one of {ctx['expected']}"
    if kind == "string_pattern_mismatch":
        return f"must match the pattern {ctx['pattern']}"
    return str(detail["msg"])

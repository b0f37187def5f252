"""The declaration of a protocol form: its fields, where it is expected and what it derives."""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["FormField", "FormFieldType", "FormRepeat", "FormSpec"]


class FormFieldType(enum.StrEnum):
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DATE = "date"
    TEXT = "text"
    CHOICE = "choice"
    #: Several values from ``choices`` (stored as a list).
    CHOICES = "choices"


class FormRepeat(enum.StrEnum):
    #: One record per subject (e.g. baseline risk factors).
    ONCE = "once"
    #: One record per visit listed in ``visits``.
    PER_VISIT = "per_visit"
    #: Any number of records (log forms: steroid periods, infections).
    LOG = "log"


@dataclass(frozen=True, slots=True)
class FormField:
    """One field: its value type, unit, plausible range (numbers), choices (codes → labels).

    ``required_if`` names a boolean or choice field and the value that makes this one required
    (``{"field": "treated", "value": true}`` → ``("treated", True)``).
    """

    name: str
    label: str
    type: FormFieldType
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    required_if: tuple[str, object] | None = None
    help: str = ""


@dataclass(frozen=True, slots=True)
class FormSpec:
    """A form of the protocol.

    ``date_field`` is the field that places a record in time (data cut-off, study day);
    ``visits`` the visit codes the form is expected at (empty: not tied to visits);
    ``arms`` the arms it applies to (empty: every arm); ``derive`` the derivation's name.
    """

    code: str
    label: str
    repeat: FormRepeat
    date_field: str
    fields: tuple[FormField, ...]
    visits: tuple[str, ...] = ()
    arms: tuple[str, ...] = ()
    derive: str | None = None
    description: str = ""

    def field(self, name: str) -> FormField | None:
        """The field with this name, ``None`` when the form has none."""
        return next((f for f in self.fields if f.name == name), None)

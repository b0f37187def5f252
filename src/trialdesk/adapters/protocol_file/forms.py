"""The protocol file's ``forms`` and ``form_settings`` sections: schema, checks, conversion.

A form is declared by the protocol (fields with units, ranges and choices; the visits it is
expected at; the arms it applies to; the derivation it names), so another GVHD trial turns a form
on or off in its protocol file without code. Format: docs/protocol-format.md, "Forms".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from trialdesk.domain.errors import FieldError
from trialdesk.domain.forms.catalogue import DERIVATIONS
from trialdesk.domain.forms.spec import FormField, FormFieldType, FormRepeat, FormSpec

__all__ = ["PRESENT", "FormModel", "check_forms", "settings_mapping", "to_form_specs"]

_Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
_Text = Annotated[str, Field(min_length=1)]
#: ``required_if`` value meaning "whenever the other field has any value".
PRESENT = "present"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RequiredIfModel(_Strict):
    field: _Name
    value: bool | str | list[str]


class FormFieldModel(_Strict):
    name: _Name
    label: _Text
    type: Literal["number", "integer", "boolean", "date", "text", "choice", "choices"]
    unit: str = ""
    min: float | None = None
    max: float | None = None
    required: bool = False
    choices: dict[_Name, _Text] = {}
    required_if: RequiredIfModel | None = None
    help: str = ""


class FormModel(_Strict):
    code: _Name
    label: _Text
    repeat: Literal["once", "per_visit", "log"]
    date_field: _Name
    fields: Annotated[list[FormFieldModel], Field(min_length=1)]
    visits: list[_Name | Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]+$")]] = []
    arms: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]+$")]] = []
    derive: _Name | None = None
    description: str = ""


def check_forms(
    forms: Sequence[FormModel], visit_codes: set[str], arm_codes: set[str]
) -> list[FieldError]:
    """Cross-field problems of the ``forms`` section (empty when sound)."""
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, form in enumerate(forms):
        path = f"forms[{i}]"
        if form.code in seen:
            errors.append(FieldError(f"{path}.code", f"{form.code!r} is declared twice"))
        seen.add(form.code)
        errors += _check_form(path, form, visit_codes, arm_codes)
    return errors


def _check_form(
    path: str, form: FormModel, visit_codes: set[str], arm_codes: set[str]
) -> list[FieldError]:
    errors: list[FieldError] = []
    by_name: dict[str, FormFieldModel] = {}
    for j, field in enumerate(form.fields):
        where = f"{path}.fields[{j}]"
        if field.name in by_name:
            errors.append(FieldError(f"{where}.name", f"{field.name!r} is declared twice"))
        by_name[field.name] = field
        errors += _check_field(where, field)
    date_field = by_name.get(form.date_field)
    if date_field is None or date_field.type != "date" or not date_field.required:
        errors.append(
            FieldError(f"{path}.date_field", f"{form.date_field!r} must name a required date field")
        )
    for j, field in enumerate(form.fields):
        condition = field.required_if
        if condition is not None and condition.field not in by_name:
            errors.append(
                FieldError(
                    f"{path}.fields[{j}].required_if.field", f"{condition.field!r} is not a field"
                )
            )
    for k, visit in enumerate(form.visits):
        if visit not in visit_codes:
            errors.append(FieldError(f"{path}.visits[{k}]", f"{visit!r} is not a visit"))
    if form.repeat == "per_visit" and not form.visits:
        errors.append(FieldError(f"{path}.visits", "a per_visit form needs its visits"))
    for k, arm in enumerate(form.arms):
        if arm not in arm_codes:
            errors.append(FieldError(f"{path}.arms[{k}]", f"{arm!r} is not an arm"))
    if form.derive is not None and form.derive not in DERIVATIONS:
        known = ", ".join(sorted(DERIVATIONS)) or "none"
        errors.append(
            FieldError(f"{path}.derive", f"{form.derive!r} is not a derivation (known: {known})")
        )
    return errors


def _check_field(where: str, field: FormFieldModel) -> list[FieldError]:
    errors: list[FieldError] = []
    if field.type in ("choice", "choices") and not field.choices:
        errors.append(FieldError(f"{where}.choices", "a choice field needs its choices"))
    if field.type not in ("choice", "choices") and field.choices:
        errors.append(FieldError(f"{where}.choices", "only choice fields have choices"))
    if (field.min is not None or field.max is not None) and field.type not in (
        "number",
        "integer",
    ):
        errors.append(FieldError(f"{where}.min", "only number fields have a range"))
    if field.min is not None and field.max is not None and field.min > field.max:
        errors.append(FieldError(f"{where}.max", f"{field.max} is below min {field.min}"))
    return errors


def to_form_specs(forms: Sequence[FormModel]) -> tuple[FormSpec, ...]:
    """The frozen domain declarations of the checked ``forms`` section."""
    return tuple(
        FormSpec(
            code=f.code,
            label=f.label,
            repeat=FormRepeat(f.repeat),
            date_field=f.date_field,
            fields=tuple(_field(x) for x in f.fields),
            visits=tuple(f.visits),
            arms=tuple(f.arms),
            derive=f.derive,
            description=f.description,
        )
        for f in forms
    )


def _field(field: FormFieldModel) -> FormField:
    condition = field.required_if
    when: object = None
    if condition is not None:
        when = tuple(condition.value) if isinstance(condition.value, list) else condition.value
    return FormField(
        name=field.name,
        label=field.label,
        type=FormFieldType(field.type),
        unit=field.unit,
        minimum=field.min,
        maximum=field.max,
        required=field.required,
        choices=tuple(field.choices.items()),
        required_if=None if condition is None else (condition.field, when),
        help=field.help,
    )


def settings_mapping(settings: Mapping[str, Any]) -> Mapping[str, Any]:
    """``form_settings`` as a read-only mapping (nested lists become tuples)."""
    from types import MappingProxyType

    def freeze(value: Any) -> Any:
        if isinstance(value, Mapping):
            return MappingProxyType({k: freeze(v) for k, v in value.items()})
        if isinstance(value, list):
            return tuple(freeze(v) for v in value)
        return value

    return MappingProxyType({k: freeze(v) for k, v in settings.items()})

"""Protocol forms: their declarations, a subject's records, and saving a new record.

``GET /protocol/forms`` lists what the protocol declares (like ``GET /protocol``, no login
needed); ``GET /subjects/{id}/forms`` a subject's records by form, with the visits each
per-visit form is due at; ``POST /subjects/{id}/forms/{form_code}`` saves one record through
:func:`trialdesk.services.subjects.forms.record_form` (same site and role checks as every record).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import APIRouter, Path, status

from trialdesk.domain.errors import FieldError, InputError, NotFoundError
from trialdesk.domain.forms.spec import FormField, FormSpec
from trialdesk.entrypoints.api.deps import ApiUser, ContextDep, ProtocolDep
from trialdesk.entrypoints.api.routes.subjects import SubjectId
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.entrypoints.api.schemas.forms import (
    ChoiceRead,
    FormFieldRead,
    FormRead,
    FormRecordCreate,
    FormRecordRead,
    FormSectionRead,
    RequiredIfRead,
    SubjectFormsRead,
    VisitDueRead,
)
from trialdesk.services.subjects import forms

__all__ = ["form_read", "router"]

router = APIRouter(tags=["forms"], responses=ERROR_RESPONSES)
FormCodePath = Path(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
#: Errors the service reports under these names are about the body, not a form field.
_TOP_LEVEL = frozenset({"visit_code", "form", "values"})


def _required_if(spec: FormField) -> RequiredIfRead | None:
    if spec.required_if is None:
        return None
    name, value = spec.required_if
    if isinstance(value, tuple):
        return RequiredIfRead(field=name, value=[str(v) for v in value])
    if isinstance(value, (bool, str)):
        return RequiredIfRead(field=name, value=value)
    return RequiredIfRead(field=name, value=str(value))


def form_read(spec: FormSpec) -> FormRead:
    """A declaration as the API shows it."""
    return FormRead(
        code=spec.code, label=spec.label, repeat=spec.repeat.value, date_field=spec.date_field,
        visits=list(spec.visits), arms=list(spec.arms), derive=spec.derive,
        description=spec.description,
        fields=[
            FormFieldRead(
                name=f.name, label=f.label, type=f.type.value, unit=f.unit, minimum=f.minimum,
                maximum=f.maximum, required=f.required,
                choices=[ChoiceRead(code=c, label=label) for c, label in f.choices],
                required_if=_required_if(f),
                help=f.help,
            )
            for f in spec.fields
        ],
    )  # fmt: skip


@contextmanager
def _values_fields() -> Iterator[None]:
    """Name a refused form field by its place in the body (``values.dose_mg_per_day``)."""
    try:
        yield
    except InputError as error:
        raise InputError(
            FieldError(e.field if e.field in _TOP_LEVEL else f"values.{e.field}", e.message)
            for e in error.errors
        ) from None


def _subject_forms(context: ContextDep, principal: ApiUser, subject_id: int) -> SubjectFormsRead:
    loaded = forms.load_subject_forms(
        context.store.new_read_uow(), as_user=principal.user_id, subject_id=subject_id,
        protocol=context.protocol,
    )  # fmt: skip
    return SubjectFormsRead(
        subject_id=subject_id,
        forms=[
            FormSectionRead(
                form=s.spec.code, label=s.spec.label, may_add=s.may_add,
                records=[
                    FormRecordRead(
                        id=r.id, form=s.spec.code, visit_code=r.visit_code,
                        record_date=r.record_date, values=dict(r.values), derived=dict(r.derived),
                    )
                    for r in s.records
                ],
                visits=[
                    VisitDueRead(
                        visit_code=v.visit_code, label=v.label, record_id=v.record_id,
                        state=v.state.value, planned_on=v.planned_on,
                    )
                    for v in s.visits
                ],
            )
            for s in loaded.sections
        ],
    )  # fmt: skip


@router.get("/protocol/forms", response_model=list[FormRead])
def list_protocol_forms(protocol: ProtocolDep) -> list[FormRead]:
    """The forms the protocol declares: fields with units, ranges and choices; visits; arms."""
    return [form_read(spec) for spec in protocol.forms]


@router.get("/subjects/{subject_id}/forms", response_model=SubjectFormsRead)
def list_subject_forms(
    context: ContextDep, principal: ApiUser, subject_id: int = SubjectId
) -> SubjectFormsRead:
    """The subject's records of each form that applies to them, and the visits still due."""
    return _subject_forms(context, principal, subject_id)


@router.post(
    "/subjects/{subject_id}/forms/{form_code}",
    response_model=FormRecordRead,
    status_code=status.HTTP_201_CREATED,
)
def record_form(
    body: FormRecordCreate,
    context: ContextDep,
    principal: ApiUser,
    subject_id: int = SubjectId,
    form_code: str = FormCodePath,
) -> FormRecordRead:
    """Save one record of a protocol form; the answer carries what the protocol derived."""
    with _values_fields():
        record_id = forms.record_form(
            context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
            form_code=form_code, values=body.values, protocol=context.protocol,
            visit_code=body.visit_code,
        )  # fmt: skip
    saved = _subject_forms(context, principal, subject_id)
    for section in saved.forms:
        for record in section.records:
            if record.id == record_id:
                return record
    raise NotFoundError(f"form record {record_id} not found")

"""Pages of the protocol-declared forms: entering a record, opening, correcting or deleting one.

Each page is drawn from the form's declaration (number inputs with their unit, dates, a select
for a choice, checkboxes for several choices, yes/no radios with neither ticked, help text), so
a form a protocol adds needs no page of its own. A refused entry shows the form again with every
message next to its field and the values as typed (422); nothing is saved. The subject page lists
each form's records (``forms`` in its context, from :func:`subject_forms`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from trialdesk.domain.errors import FieldError, InputError, NotFoundError, StateError
from trialdesk.domain.forms.spec import FormFieldType, FormSpec
from trialdesk.domain.forms.summary import derived_lines, field_text
from trialdesk.domain.record_fields import field_paths
from trialdesk.entrypoints.api.deps import CheckedForm, ContextDep, Principal, WebUser
from trialdesk.entrypoints.web.rendering import render
from trialdesk.entrypoints.web.views.form_values import errors_by_field, kept_values
from trialdesk.entrypoints.web.views.record_history import record_history
from trialdesk.entrypoints.web.views.site_day import site_today
from trialdesk.services.clinical import corrections
from trialdesk.services.review import query_list
from trialdesk.services.subjects import forms, subject_view
from trialdesk.services.subjects.record_reads import read_subject_record

__all__ = ["router", "subject_forms"]

router = APIRouter(prefix="/subjects")
#: Posted with a form but not one of its fields.
_NOT_FIELDS = frozenset({"csrf_token", "visit_code", "reason", "confirm"})


def subject_forms(context: ContextDep, principal: Principal, subject_id: int) -> dict[str, Any]:
    """The subject page's protocol-form sections, each record's values and findings in words."""
    loaded = forms.load_subject_forms(
        context.store.new_read_uow(), as_user=principal.user_id, subject_id=subject_id,
        protocol=context.protocol,
    )  # fmt: skip
    return {
        "steroids": loaded.steroids,
        "form_sections": [
            {"section": s,
             "rows": [{"record": r,
                       "cells": [field_text(f, r.values.get(f.name)) for f in s.spec.fields],
                       "derived": derived_lines(s.spec.derive, r.derived)}
                      for r in s.records]}
            for s in loaded.sections
        ]
    }  # fmt: skip


def _raw_values(spec: FormSpec, form: FormData) -> dict[str, Any]:
    """The submitted fields as the validation reads them (several ticked boxes as a list)."""
    raw: dict[str, Any] = {}
    for name in form:
        if name in _NOT_FIELDS:
            continue
        field = spec.field(name)
        if field is not None and field.type is FormFieldType.CHOICES:
            raw[name] = [v for v in form.getlist(name) if isinstance(v, str)]
        else:
            value = form.get(name)
            raw[name] = value if isinstance(value, str) else ""
    return raw


def _text_values(spec: FormSpec, stored: dict[str, Any]) -> dict[str, Any]:
    """Stored values as the inputs show them: yes/no for booleans, numbers without ``.0``."""
    shown: dict[str, Any] = {}
    for name, value in stored.items():
        field = spec.field(name)
        if isinstance(value, bool):
            shown[name] = "yes" if value else "no"
        elif isinstance(value, float) and field is not None and value.is_integer():
            shown[name] = str(int(value))
        else:
            shown[name] = value if isinstance(value, list) else str(value)
    return shown


def _asked(value: str) -> int | None:
    """The query a "Correct the value" link preselects (``?query=<id>``)."""
    return int(value) if value.isdigit() else None


def _form_page(
    request: Request,
    context: ContextDep,
    principal: Principal,
    subject_id: int,
    spec: FormSpec,
    *,
    record_id: int | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """The entry page, or with ``record_id`` the record's page (values, findings, correction)."""
    page = subject_view.load_subject_page(
        context.store.new_read_uow(), as_user=principal.user_id, subject_id=subject_id,
        protocol=context.protocol,
    )  # fmt: skip
    shown: dict[str, Any] = {"found": None, "record": None, "cells": [], "derived": []}
    if record_id is not None:
        found = read_subject_record(
            context.store.new_read_uow(), as_user=principal.user_id, subject_id=subject_id,
            entity=forms.TABLE, record_id=record_id,
        )  # fmt: skip
        record = found.record
        shown = {
            "found": found, "record": record,
            "cells": [(f, field_text(f, record["values"].get(f.name))) for f in spec.fields],
            "derived": derived_lines(spec.derive, record["derived"]),
            "values": _text_values(spec, record["values"]),
            "visit_code": record["visit_code"] or "",
            "queries": query_list.queries_on_record(
                context.store.new_read_uow(), as_user=principal.user_id, table=forms.TABLE,
                record_id=record_id, protocol=context.protocol,
            ),
            "queryable": set(field_paths(forms.TABLE, record)),
            **record_history(context, principal, subject_id, forms.TABLE, record_id),
        }  # fmt: skip
    context_values = {
        "page": page, "spec": spec, "protocol": context.protocol, "values": {}, "errors": {},
        "today": site_today(context, subject_id, page.now), "deletion": {}, "visit_code": "",
        "queries": {}, "queryable": set(), "raise_errors": {},
        "answering": _asked(request.query_params.get("query", "")), **shown, **extra,
    }  # fmt: skip
    return render(
        request, "subjects/protocol_form.html", context_values, principal=principal,
        status_code=status_code,
    )  # fmt: skip


@router.get("/{subject_id}/forms/{form_code}/new")
def new_form_record(
    request: Request,
    context: ContextDep,
    principal: WebUser,
    subject_id: int,
    form_code: str,
    visit: str = "",
) -> Response:
    spec = _spec(context, form_code)
    return _form_page(request, context, principal, subject_id, spec, visit_code=visit)


def _spec(context: ContextDep, form_code: str) -> FormSpec:
    try:
        return context.protocol.form(form_code)
    except InputError:
        raise NotFoundError(f"the protocol declares no form {form_code!r}") from None


def _refused(error: InputError | StateError) -> dict[str, str]:
    if isinstance(error, StateError):
        return {"form": error.message}
    return errors_by_field(error, "values.")


@router.post("/{subject_id}/forms/{record_id:int}")
def correct_form_record(
    request: Request,
    context: ContextDep,
    principal: WebUser,
    form: CheckedForm,
    subject_id: int,
    record_id: int,
) -> Response:
    found = _found(context, principal, subject_id, record_id)
    spec = _spec(context, found["form"])
    raw = _raw_values(spec, form)
    # Every declared field is sent back: a field cleared on the page is removed from the record.
    changes: dict[str, Any] = {"values": {f.name: raw.get(f.name) or None for f in spec.fields}}
    visit = form.get("visit_code")
    if spec.visits and isinstance(visit, str):
        changes["visit_code"] = visit.strip() or None
    reason = form.get("reason")
    answering = form.get("query_id")
    query_id = _asked(answering) if isinstance(answering, str) else None
    try:
        if not isinstance(reason, str) or not reason.strip():
            raise InputError(FieldError("reason", "say why the record is corrected"))
        if isinstance(answering, str) and answering and query_id is None:
            raise InputError(FieldError("query_id", "choose a query from the list"))
        corrections.correct_record(
            context.store.new_uow(), as_user=principal.user_id, entity=forms.TABLE,
            record_id=record_id, changes=changes, reason=reason, protocol=context.protocol,
            subject_id=subject_id, query_id=query_id,
        )  # fmt: skip
    except (InputError, StateError) as error:
        return _form_page(
            request, context, principal, subject_id, spec, record_id=record_id,
            values=kept_values(form), errors=_refused(error),
            visit_code=visit if isinstance(visit, str) else "", answering=query_id,
            status_code=422 if isinstance(error, InputError) else 409,
        )  # fmt: skip
    return RedirectResponse(f"/subjects/{subject_id}/forms#form-{spec.code}", status_code=303)


@router.post("/{subject_id}/forms/{record_id:int}/delete")
def delete_form_record(
    request: Request,
    context: ContextDep,
    principal: WebUser,
    form: CheckedForm,
    subject_id: int,
    record_id: int,
) -> Response:
    found = _found(context, principal, subject_id, record_id)
    spec = _spec(context, found["form"])
    reason, confirm = form.get("reason"), form.get("confirm")
    problems = []
    if not isinstance(reason, str) or not reason.strip():
        problems.append(FieldError("delete_reason", "say why the record is deleted"))
    if confirm != "yes":
        problems.append(FieldError("confirm", "tick the box to confirm the deletion"))
    try:
        if problems:
            raise InputError(problems)
        corrections.delete_record(
            context.store.new_uow(), as_user=principal.user_id, entity=forms.TABLE,
            record_id=record_id, reason=str(reason), protocol=context.protocol,
            subject_id=subject_id,
        )  # fmt: skip
    except (InputError, StateError) as error:
        messages = (
            {e.field: e.message for e in error.errors}
            if isinstance(error, InputError) else {"delete_reason": error.message}
        )  # fmt: skip
        return _form_page(
            request, context, principal, subject_id, spec, record_id=record_id,
            deletion=messages,
            status_code=422 if isinstance(error, InputError) else 409,
        )  # fmt: skip
    return RedirectResponse(f"/subjects/{subject_id}/forms#form-{spec.code}", status_code=303)


@router.post("/{subject_id}/forms/{form_code}")
def record_form(
    request: Request,
    context: ContextDep,
    principal: WebUser,
    form: CheckedForm,
    subject_id: int,
    form_code: str,
) -> Response:
    spec = _spec(context, form_code)
    visit = form.get("visit_code")
    visit_code = visit.strip() if isinstance(visit, str) and visit.strip() else None
    try:
        forms.record_form(
            context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
            form_code=spec.code, values=_raw_values(spec, form), protocol=context.protocol,
            visit_code=visit_code,
        )  # fmt: skip
    except (InputError, StateError) as error:
        return _form_page(
            request, context, principal, subject_id, spec, values=kept_values(form),
            errors=_refused(error), visit_code=visit_code or "",
            status_code=422 if isinstance(error, InputError) else 409,
        )  # fmt: skip
    return RedirectResponse(f"/subjects/{subject_id}/forms#form-{spec.code}", status_code=303)


def _found(
    context: ContextDep, principal: Principal, subject_id: int, record_id: int
) -> dict[str, Any]:
    return dict(
        read_subject_record(
            context.store.new_read_uow(), as_user=principal.user_id, subject_id=subject_id,
            entity=forms.TABLE, record_id=record_id,
        ).record
    )  # fmt: skip


@router.get("/{subject_id}/forms/{record_id:int}")
# The generic record page's form path (/subjects/{id}/{collection}/{record_id}/record) too.
@router.get("/{subject_id}/forms/{record_id:int}/record")
def form_record_page(
    request: Request, context: ContextDep, principal: WebUser, subject_id: int, record_id: int
) -> Response:
    """One record: its values and findings, and (for data entry) its correction and deletion."""
    found = _found(context, principal, subject_id, record_id)
    spec = _spec(context, found["form"])
    return _form_page(request, context, principal, subject_id, spec, record_id=record_id)

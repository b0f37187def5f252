"""The record page: one saved record of a subject, its correction form and its deletion form.

``/subjects/{id}/{collection}/{record_id}`` shows the record with its labels and derived values;
site staff correct it (every field pre-filled, a reason required) or delete it (a reason and a
confirmation required) through :mod:`trialdesk.services.clinical.corrections`. A refused form comes
back with everything typed and the message next to its field; a saved one goes back to the section
of the page that lists the record.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from trialdesk.domain.errors import FieldError, InputError, NotFoundError, StateError
from trialdesk.domain.record_fields import field_label, field_paths
from trialdesk.entrypoints.api.deps import CheckedForm, ContextDep, Principal, WebUser
from trialdesk.entrypoints.web.rendering import render
from trialdesk.entrypoints.web.views.form_values import FormValues
from trialdesk.entrypoints.web.views.record_forms import (
    changed_values,
    form_fields,
    shown_values,
    typed_values,
)
from trialdesk.entrypoints.web.views.record_history import record_history
from trialdesk.entrypoints.web.views.site_day import site_today
from trialdesk.services.accounts import site_zones
from trialdesk.services.clinical import corrections
from trialdesk.services.review import query_list, query_workflow, review_status
from trialdesk.services.review.lock_lookup import LockedError
from trialdesk.services.subjects import subject_view
from trialdesk.services.subjects.record_reads import read_subject_record

__all__ = ["record_page_response", "router", "table_of"]

router = APIRouter(prefix="/subjects")

#: Where each kind of record is listed: the page (its entry page) and its section.
_LISTED_AT = {
    "screening_records": ("/screening", "screening"),
    "consents": ("/screening", "consent"),
    "visits": ("/visits/new", "visits"),
    "dose_administrations": ("/doses/new", "dose"),
    "gvhd_assessments": ("/assessments/new", "assessment"),
    "adverse_events": ("/adverse-events/new", "adverse-event"),
    "therapies": ("/therapies/new", "therapy"),
    "outcomes": ("/outcomes/new", "outcome"),
}
_TITLES = {
    "screening_records": "Screening record",
    "consents": "Informed consent",
    "visits": "Visit",
    "dose_administrations": "Dose",
    "gvhd_assessments": "GVHD assessment",
    "adverse_events": "Adverse event",
    "therapies": "Therapy",
    "outcomes": "Outcome",
}


def table_of(collection: str) -> str:
    table = corrections.COLLECTIONS.get(collection)
    if table is None:
        raise NotFoundError(f"no page or operation at /subjects/…/{collection}")
    return table


def _zone(context: ContextDep, subject_id: int) -> zoneinfo.ZoneInfo:
    """The subject's site zone: times on the form are typed and shown in it."""
    return site_zones.subject_time_zone(
        context.store.new_read_uow(), subject_id=subject_id, default=context.protocol.time_zone
    )


def _derived(page: subject_view.SubjectPage, table: str, record_id: int) -> dict[str, Any]:
    """What the subject view derives for the record (its visit, clocks…), for the template."""
    if table == "gvhd_assessments":
        return {"assessment": next((a for a in page.assessments if a.id == record_id), None)}
    if table == "adverse_events":
        return {"event": next((e for e in page.adverse_events if e.id == record_id), None)}
    return {}


def record_page_response(
    request: Request,
    context: ContextDep,
    principal: Principal,
    subject_id: int,
    collection: str,
    record_id: int,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    table = table_of(collection)
    found = read_subject_record(
        context.store.new_read_uow(), as_user=principal.user_id, subject_id=subject_id,
        entity=table, record_id=record_id,
    )  # fmt: skip
    page = subject_view.load_subject_page(
        context.store.new_read_uow(), as_user=principal.user_id, subject_id=subject_id,
        protocol=context.protocol,
    )  # fmt: skip
    fields = form_fields(context.protocol, table)
    recorded = shown_values(fields, found.record, _zone(context, subject_id))
    queries = query_list.queries_on_record(
        context.store.new_read_uow(), as_user=principal.user_id, table=table,
        record_id=record_id, protocol=context.protocol,
    )  # fmt: skip
    asked = request.query_params.get("query", "")
    review = review_status.form_review(
        context.store.new_read_uow(), as_user=principal.user_id, table=table, record_id=record_id
    )
    labels = {
        path: field_label(
            table, path, protocol=context.protocol, form_code=found.record.get("form_code")
        )
        for path in (*review.paths, *(m.field for m in review.marks if m.field))
    }
    return render(
        request, "subjects/record.html",
        {"page": page, "found": found, "record": found.record, "table": table,
         "title": _TITLES[table], "fields": fields, "recorded": recorded,
         # A refused form shows what was typed (an unticked box is absent from it).
         "values": extra.pop("values", None) or recorded, "errors": {}, "form": "",
         "action": f"/subjects/{subject_id}/{collection}/{record_id}",
         "today": site_today(context, subject_id, page.now),
         "back": _back(subject_id, table), **_derived(page, table, record_id),
         "queries": queries, "queryable": set(field_paths(table, found.record)),
         "query_paths": {f.name: f"{f.within}.{f.name}" if f.within else f.name for f in fields},
         "answering": int(asked) if asked.isdigit() else extra.pop("answering", None),
         "raise_errors": extra.pop("raise_errors", {}),
         **record_history(context, principal, subject_id, table, record_id),
         "review": review, "field_labels": labels, "collection": collection, **extra},
        principal=principal, status_code=status_code,
    )  # fmt: skip


def _shown(context: ContextDep, subject_id: int, error: StateError) -> str:
    """A refusal as the page shows it: a lock's time in the site's zone, not in UTC."""
    if not isinstance(error, LockedError):
        return error.message
    local = error.lock.locked_at.astimezone(_zone(context, subject_id))
    return error.lock.message(f"{local:%Y-%m-%d %H:%M} {local.tzname()} (site time)")


def _back(subject_id: int, table: str) -> str:
    path, section = _LISTED_AT[table]
    return f"/subjects/{subject_id}{path}#{section}"


def _errors(error: InputError) -> dict[str, str]:
    """Messages by form field: answers and measurements are fields of their own on the form."""
    found: dict[str, str] = {}
    for problem in error.errors:
        name = problem.field.removeprefix("measurements.").removeprefix("answers.")
        found.setdefault(name, problem.message)
    return found


def _typed_form(form: CheckedForm) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


@router.get("/{subject_id}/{collection}/{record_id}")
# An adverse event's own page (follow-up, report dates) answers its plain path; its correction
# form is here, under /record, like every record's.
@router.get("/{subject_id}/{collection}/{record_id}/record")
def record_page(
    request: Request,
    context: ContextDep,
    principal: WebUser,
    subject_id: int,
    collection: str,
    record_id: int,
) -> Response:
    return record_page_response(request, context, principal, subject_id, collection, record_id)


@router.post("/{subject_id}/{collection}/{record_id}")
def correct_record(
    request: Request,
    context: ContextDep,
    principal: WebUser,
    form: CheckedForm,
    subject_id: int,
    collection: str,
    record_id: int,
) -> Response:
    table = table_of(collection)
    fields = form_fields(context.protocol, table)
    values = FormValues(form)
    typed = typed_values(values, fields, _zone(context, subject_id))
    reason = values.text("reason")
    if not reason:
        values.problems.append(FieldError("reason", "a reason for change is required"))
    answering = values.text("query_id")
    if answering and not answering.isdigit():
        values.problems.append(FieldError("query_id", "choose a query from the list"))
    query_id = int(answering) if answering.isdigit() else None
    try:
        values.check()
        current = read_subject_record(
            context.store.new_read_uow(), as_user=principal.user_id, subject_id=subject_id,
            entity=table, record_id=record_id,
        ).record  # fmt: skip
        diff = corrections.correct_record(
            context.store.new_uow(), as_user=principal.user_id, entity=table,
            record_id=record_id, changes=changed_values(fields, current, typed), reason=reason,
            protocol=context.protocol, subject_id=subject_id, query_id=query_id,
        )  # fmt: skip
    except InputError as error:
        return record_page_response(
            request, context, principal, subject_id, collection, record_id, status_code=422,
            form="correct", errors=_errors(error), values=_typed_form(form), answering=query_id,
        )  # fmt: skip
    except StateError as error:  # locked meanwhile, or an outcome's move cannot be undone
        return record_page_response(
            request, context, principal, subject_id, collection, record_id, status_code=409,
            form="correct", errors={"changes": _shown(context, subject_id, error)},
            values=_typed_form(form),
        )  # fmt: skip
    if diff.sdv_reset:  # the correction undid source verification: say so before moving on
        return record_page_response(
            request, context, principal, subject_id, collection, record_id,
            sdv_reset=diff.sdv_reset,
        )  # fmt: skip
    return RedirectResponse(_back(subject_id, table), status_code=303)


@router.post("/{subject_id}/{collection}/{record_id}/delete")
def delete_record(
    request: Request,
    context: ContextDep,
    principal: WebUser,
    form: CheckedForm,
    subject_id: int,
    collection: str,
    record_id: int,
) -> Response:
    table = table_of(collection)
    values = FormValues(form)
    reason = values.text("reason")
    if not reason:
        values.problems.append(FieldError("reason", "say why the record is deleted"))
    if values.text("confirm") != "yes":
        values.problems.append(FieldError("confirm", "tick the box to confirm the deletion"))
    typed = {"delete_reason": reason, "confirm": values.text("confirm")}
    try:
        values.check()
        corrections.delete_record(
            context.store.new_uow(), as_user=principal.user_id, entity=table,
            record_id=record_id, reason=reason, protocol=context.protocol, subject_id=subject_id,
        )  # fmt: skip
    except (InputError, StateError) as error:
        problems = (
            _errors(error)
            if isinstance(error, InputError)
            else {"reason": _shown(context, subject_id, error)}
        )
        return record_page_response(
            request, context, principal, subject_id, collection, record_id,
            status_code=422 if isinstance(error, InputError) else 409, form="delete",
            errors=problems, deletion=typed,
        )  # fmt: skip
    return RedirectResponse(_back(subject_id, table), status_code=303)


@router.post("/{subject_id}/{collection}/{record_id}/queries")
def raise_query_on_record(
    request: Request,
    context: ContextDep,
    principal: WebUser,
    form: CheckedForm,
    subject_id: int,
    collection: str,
    record_id: int,
) -> Response:
    """A reviewer raises a query from a field's bubble (an empty field: the whole record)."""
    table = table_of(collection)
    values = FormValues(form)
    path = values.text("field") or None
    read_subject_record(  # another subject's record, or one out of reach, is "not found"
        context.store.new_read_uow(), as_user=principal.user_id, subject_id=subject_id,
        entity=table, record_id=record_id,
    )  # fmt: skip
    try:
        query_workflow.raise_query(
            context.store.new_uow(), as_user=principal.user_id, entity=table,
            record_id=record_id, field=path, message=values.text("message"),
            protocol=context.protocol,
        )  # fmt: skip
    except InputError as error:
        if table not in _TITLES:  # a protocol form's record: its page shows the refusal alone
            raise
        return record_page_response(
            request, context, principal, subject_id, collection, record_id, status_code=422,
            # A path the record does not hold has no bubble: its refusal shows at the record's.
            raise_errors={
                "" if any(e.field == "field" for e in error.errors) else path or "": "; ".join(
                    e.message for e in error.errors
                )
            },
        )  # fmt: skip
    anchor = f"field-{path}" if path else "field-form"
    return RedirectResponse(
        f"/subjects/{subject_id}/{collection}/{record_id}#{anchor}", status_code=303
    )

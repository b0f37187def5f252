"""Correcting and deleting a subject's saved records, always with a reason.

``PATCH /subjects/{id}/{collection}/{record_id}`` corrects the fields sent in ``changes``;
``DELETE`` on the same path deletes the record (logically). Both go through
:mod:`trialdesk.services.clinical.corrections`, which re-derives what depends on the record and
audits everything in one transaction; a refusal changes nothing. The answer to a correction is the
record read back through the subject view, so it carries the derived values as the pages show them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ValidationError

from trialdesk.domain.errors import FieldError, InputError
from trialdesk.entrypoints.api.deps import ApiUser, ContextDep
from trialdesk.entrypoints.api.errors import field_path
from trialdesk.entrypoints.api.routes.subjects import SubjectId
from trialdesk.entrypoints.api.schemas.clinical import ClockRead
from trialdesk.entrypoints.api.schemas.corrections import (
    CHANGE_MODELS,
    Collection,
    CorrectionCreate,
    CorrectionRead,
    DeletionCreate,
    DeletionRead,
    FieldChangeRead,
)
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.entrypoints.api.subject_reads import current_subject, next_step_read
from trialdesk.services.clinical import corrections
from trialdesk.services.subjects import subject_view
from trialdesk.services.subjects.record_reads import read_subject_record

__all__ = ["record_read", "router", "typed_changes"]

router = APIRouter(prefix="/subjects", tags=["corrections"], responses=ERROR_RESPONSES)

#: A record id in the path (bounded so no database sees an out-of-range integer).
RecordId = Path(ge=1, le=2**31 - 1)
_NOT_SHOWN = frozenset({"deleted_at", "deleted_by", "deleted_reason"})


@contextmanager
def _under_changes() -> Iterator[None]:
    """Name the service's field errors by their path in the body (``changes.onset_on``)."""
    try:
        yield
    except InputError as error:
        raise InputError(
            FieldError(
                e.field if e.field in ("reason", "query_id") or e.field.startswith("changes") else
                f"changes.{e.field}",
                e.message,
            )
            for e in error.errors
        ) from None  # fmt: skip


def typed_changes(collection: Collection, changes: Mapping[str, Any]) -> dict[str, Any]:
    """``changes`` checked against the collection's fields and types (named ``changes.…``)."""
    table = corrections.COLLECTIONS[collection.value]
    unknown = sorted(set(changes) - corrections.EDITABLE_FIELDS[table])
    if unknown:
        raise InputError(
            FieldError(
                f"changes.{name}",
                f"cannot be changed in {collection.value} (derived, bookkeeping or unknown)",
            )
            for name in unknown
        )
    try:
        typed = CHANGE_MODELS[collection].model_validate(dict(changes))
    except ValidationError as error:
        raise InputError(
            FieldError(field_path(("changes", *e["loc"])), e["msg"]) for e in error.errors()
        ) from None
    values = typed.model_dump(exclude_unset=True)
    for name, value in values.items():
        if isinstance(value, enum.Enum):
            values[name] = value.value
    nested = getattr(typed, "measurements", None)
    if "measurements" in values and isinstance(nested, BaseModel):  # stored as JSON
        values["measurements"] = nested.model_dump(mode="json", exclude_unset=True)
    return values


def record_read(
    collection: Collection, record: Mapping[str, Any], page: subject_view.SubjectPage
) -> dict[str, Any]:
    """The stored record with what the subject view derives for it (visit, clocks…)."""
    shown = {k: v for k, v in record.items() if k not in _NOT_SHOWN}
    if collection is Collection.ASSESSMENTS:
        view = next((a for a in page.assessments if a.id == record["id"]), None)
        if view is not None:
            shown.update(visit=view.visit, course=view.course, stages=view.stages)
    elif collection is Collection.ADVERSE_EVENTS:
        event = next((e for e in page.adverse_events if e.id == record["id"]), None)
        if event is not None:
            shown["clocks"] = [
                ClockRead(kind=c.kind, due_at=c.due_at, status=c.status).model_dump(mode="json")
                for c in event.clocks
            ]
    return shown


@router.patch("/{subject_id}/{collection}/{record_id}", response_model=CorrectionRead)
def correct_record(
    body: CorrectionCreate,
    collection: Collection,
    context: ContextDep,
    principal: ApiUser,
    subject_id: int = SubjectId,
    record_id: int = RecordId,
) -> CorrectionRead:
    """Correct a saved record with a reason; what depends on it is re-derived and audited.

    Refused with 409 while the record or the subject is locked; another site's record, a
    deleted one or one of another subject is "not found".
    """
    table = corrections.COLLECTIONS[collection.value]
    with _under_changes():
        diff = corrections.correct_record(
            context.store.new_uow(), as_user=principal.user_id, entity=table,
            record_id=record_id, changes=typed_changes(collection, body.changes),
            reason=body.reason, protocol=context.protocol, subject_id=subject_id,
            query_id=body.query_id,
        )  # fmt: skip
    saved = read_subject_record(
        context.store.new_read_uow(), as_user=principal.user_id, subject_id=subject_id,
        entity=table, record_id=record_id,
    )  # fmt: skip
    page = subject_view.load_subject_page(
        context.store.new_read_uow(), as_user=principal.user_id, subject_id=subject_id,
        protocol=context.protocol,
    )  # fmt: skip
    return CorrectionRead(
        collection=collection, id=record_id, record=record_read(collection, saved.record, page),
        changed=[FieldChangeRead(field=k, old=old, new=new) for k, (old, new) in diff.items()],
        sdv_reset=list(diff.sdv_reset),
        subject=current_subject(
            context.store.new_read_uow, as_user=principal.user_id, subject_id=subject_id
        ),
        next_step=next_step_read(page.next_step),
    )  # fmt: skip


@router.delete("/{subject_id}/{collection}/{record_id}", response_model=DeletionRead)
def delete_record(
    body: DeletionCreate,
    collection: Collection,
    context: ContextDep,
    principal: ApiUser,
    subject_id: int = SubjectId,
    record_id: int = RecordId,
) -> DeletionRead:
    """Delete a record entered in error, with a reason: it leaves every list, not the trail."""
    corrections.delete_record(
        context.store.new_uow(), as_user=principal.user_id,
        entity=corrections.COLLECTIONS[collection.value], record_id=record_id,
        reason=body.reason, protocol=context.protocol, subject_id=subject_id,
        query_id=body.query_id,
    )  # fmt: skip
    return DeletionRead(
        collection=collection, id=record_id, deleted_reason=body.reason.strip(),
        subject=current_subject(
            context.store.new_read_uow, as_user=principal.user_id, subject_id=subject_id
        ),
    )  # fmt: skip

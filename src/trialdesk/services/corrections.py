"""Corrections and deletions of saved clinical records: always with a reason, always audited.

Derived values are recomputed from the corrected raw values through the same domain functions
used at first save; a correction to a signed record invalidates the signature. A GVHD response is
derived against the subject's baseline (first) assessment, so correcting or deleting an assessment
re-derives every assessment of that subject whose derived values change, audited in the same
transaction with the correction's reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from trialdesk.domain.access import Action
from trialdesk.domain.calendar import dose_for_weight
from trialdesk.domain.errors import FieldError, InputError, NotFoundError
from trialdesk.domain.protocol import Protocol
from trialdesk.services.access import Actor, load_actor, require_subject
from trialdesk.services.clinical import derive_gvhd, find_intervention, stages_of
from trialdesk.services.edit_checks import check_correction
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.recording import delete_audited, require_reason, update_audited
from trialdesk.services.subjects import not_in_future

__all__ = ["EDITABLE_FIELDS", "correct_record", "delete_record", "load_subject_record"]

#: What may be corrected in each kind of record; everything else is derived or bookkeeping.
EDITABLE_FIELDS: Mapping[str, frozenset[str]] = {
    "consents": frozenset({"consented_on", "form_version", "obtained_by"}),
    "visits": frozenset({"visit_code", "visit_date"}),
    "dose_administrations": frozenset({"administered_on", "weight_kg", "dose_value"}),
    "gvhd_assessments": frozenset({"assessed_on", "measurements"}),
    "adverse_events": frozenset({"term", "onset_on"}),
    "therapies": frozenset({"name", "started_on", "stopped_on", "indication"}),
    "outcomes": frozenset({"occurred_on", "cause", "details"}),
}


def load_subject_record(
    uow: UnitOfWork,
    actor: Actor,
    entity: str,
    record_id: int,
    action: Action,
    *,
    for_update: bool = False,
) -> Record:
    """A record of a subject the actor may act on; otherwise "not found", whatever the cause.

    ``for_update=True`` reads the owning subject for update (see :func:`require_subject`) and
    then reads the record again: a change of the same record that held the subject's row lock
    has committed by then, and what follows (audit "old" values, re-derivations) must start from
    its result, not from the copy read before the wait.
    """
    if entity not in EDITABLE_FIELDS:
        raise InputError.single("entity", f"unknown record type {entity!r}")
    record = uow.records.get(entity, record_id)
    try:
        if record is None:
            raise NotFoundError("missing")
        require_subject(uow, actor, record["subject_id"], action, for_update=for_update)
        if for_update:
            record = uow.records.get(entity, record_id)
            if record is None:  # deleted while this request waited for the subject's row
                raise NotFoundError("missing")
    except NotFoundError:
        raise NotFoundError(f"{entity} {record_id} not found") from None
    return record


def _rederive(
    uow: UnitOfWork, entity: str, record: Record, merged: dict[str, Any], protocol: Protocol
) -> None:
    if entity == "gvhd_assessments":
        others = [
            r
            for r in uow.records.find("gvhd_assessments", subject_id=record["subject_id"])
            if r["id"] != record["id"]
        ]
        first = min([*others, merged], key=lambda r: (r["assessed_on"], r["id"]))
        baseline = None if first is merged else stages_of(first)
        merged.update(derive_gvhd(merged["measurements"], baseline, protocol))
    elif entity == "dose_administrations":
        intervention = find_intervention(protocol, record["product"])
        if merged["dose_value"] <= 0:
            raise InputError.single("dose_value", f"must be > 0, not {merged['dose_value']:g}")
        planned = dose_for_weight(intervention, merged["weight_kg"], protocol.weight_limits)
        merged["planned_dose_value"] = planned.amount


def _rederive_assessments(
    uow: UnitOfWork, actor: Actor, subject_id: int, reason: str, protocol: Protocol
) -> None:
    """Bring every assessment of the subject in line with its current baseline."""
    assessments = sorted(
        uow.records.find("gvhd_assessments", subject_id=subject_id),
        key=lambda r: (r["assessed_on"], r["id"]),
    )
    if not assessments:
        return
    baseline = stages_of(assessments[0])
    for position, assessment in enumerate(assessments):
        derived = derive_gvhd(
            assessment["measurements"], None if position == 0 else baseline, protocol
        )
        update_audited(
            uow, actor, "gvhd_assessments", assessment, derived,
            reason=reason, subject_id=subject_id,
        )  # fmt: skip


def correct_record(
    uow: UnitOfWork,
    *,
    as_user: int,
    entity: str,
    record_id: int,
    changes: Mapping[str, Any],
    reason: str | None,
    protocol: Protocol,
) -> dict[str, tuple[Any, Any]]:
    """Correct fields of a saved record; returns each changed field's (old, new) value."""
    why = require_reason(reason)
    with uow:
        actor = load_actor(uow, as_user)
        record = load_subject_record(
            uow, actor, entity, record_id, Action.ENTER_DATA, for_update=True
        )
        not_editable = sorted(set(changes) - EDITABLE_FIELDS[entity])
        if not_editable:
            raise InputError(
                FieldError(name, f"cannot be changed in {entity}") for name in not_editable
            )
        for name, value in changes.items():
            if isinstance(value, dt.date):
                not_in_future(uow, name, value)
        merged = {**record, **changes}
        _rederive(uow, entity, record, merged, protocol)
        check_correction(uow, actor, protocol, entity, record_id, merged, reason=why)
        diff = update_audited(
            uow, actor, entity, record, {k: merged[k] for k in merged if k != "id"},
            reason=why, subject_id=record["subject_id"],
        )  # fmt: skip
        if entity == "gvhd_assessments" and diff:
            _rederive_assessments(uow, actor, record["subject_id"], why, protocol)
        uow.commit()
    return diff


def delete_record(
    uow: UnitOfWork,
    *,
    as_user: int,
    entity: str,
    record_id: int,
    reason: str | None,
    protocol: Protocol | None = None,
) -> None:
    """Delete a record entered in error; the audit trail keeps its full content.

    Deleting a GVHD assessment needs the protocol: the subject's remaining assessments are
    re-derived, since the deleted one may have been the baseline.
    """
    why = require_reason(reason)
    if entity == "gvhd_assessments" and protocol is None:
        raise InputError.single(
            "protocol", "deleting a GVHD assessment re-derives the others' responses; give it"
        )
    with uow:
        actor = load_actor(uow, as_user)
        record = load_subject_record(
            uow, actor, entity, record_id, Action.ENTER_DATA, for_update=True
        )
        delete_audited(uow, actor, entity, record, reason=why, subject_id=record["subject_id"])
        if protocol is not None and entity == "gvhd_assessments":
            _rederive_assessments(uow, actor, record["subject_id"], why, protocol)
        uow.commit()

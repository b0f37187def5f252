"""Protocol-declared forms: saving a record, re-deriving a corrected one, reading a subject's.

A form record is saved like every clinical record: by a role that enters data at the subject's
site, in one audited transaction. Before anything is written the form must apply to the subject
(its arm, and a visit the form is expected at), a ``once`` form must not have a record yet nor a
``per_visit`` form one at that visit, the values must pass :func:`validate_form_values` and no
date may lie after today on the site's calendar. What the protocol derives from the record
(prednisone equivalents, drug-level status, cells per kg…) comes from the derivation the form
names, with the subject's context: the latest weight recorded with a dose, study day 1 (the first
dose), the randomization date on the site's calendar, the arm and the protocol's
``form_settings``. A correction of a form record (``corrections.correct_record`` on
``form_records``) goes through :func:`corrected_form_record`, so it is checked and derived the
same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from trialdesk.domain.access import Action
from trialdesk.domain.errors import FieldError, InputError, StateError
from trialdesk.domain.forms.catalogue import DERIVATIONS
from trialdesk.domain.forms.derivations import FormContext
from trialdesk.domain.forms.msc_product import PROTOCOL_DOSE_SETTING
from trialdesk.domain.forms.spec import FormFieldType, FormRepeat, FormSpec
from trialdesk.domain.forms.validation import json_values, validate_form_values
from trialdesk.domain.lifecycle import SubjectState
from trialdesk.domain.protocol import DoseBasis, Protocol, VisitPhase
from trialdesk.domain.steroid_exposure import SteroidExposure
from trialdesk.services.accounts.access import load_actor, require_subject
from trialdesk.services.accounts.site_zones import zone_of_subject
from trialdesk.services.clinical.recording import insert_audited, is_locked
from trialdesk.services.clinical.steroid_summary import steroid_summary
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.subjects.form_schedule import (
    VisitState,
    VisitWindow,
    form_visit_windows,
    visit_state,
)
from trialdesk.services.subjects.subjects import not_in_future

__all__ = [
    "TABLE",
    "FormRecordView",
    "FormSection",
    "SubjectForms",
    "VisitDue",
    "VisitState",
    "corrected_form_record",
    "load_subject_forms",
    "record_form",
]

#: Where form records are stored.
TABLE = "form_records"
#: Cells are declared per cell; the MSC form records them in millions.
_MILLION = 1e6


@dataclass(frozen=True, slots=True)
class _Subject:
    """What placing and deriving a record needs to know about its subject."""

    row: Record
    arm: str | None
    context: FormContext


def _settings(protocol: Protocol, arm: str | None) -> dict[str, Any]:
    """The protocol's ``form_settings`` plus the arm's UC-MSC dose per kg (×10⁶ cells/kg).

    The cell dose comes from the arm's per-kg intervention dosed in cells (or, before
    randomization, the first arm that has one), unless the settings name it themselves.
    """
    settings = dict(protocol.form_settings)
    arms = [a for a in protocol.arms if a.code == arm] or list(protocol.arms)
    doses = [
        i.dose / _MILLION
        for a in arms
        for i in a.interventions
        if i.dose_basis is DoseBasis.PER_KG and i.unit == "cells"
    ]
    if doses and PROTOCOL_DOSE_SETTING not in settings:
        settings[PROTOCOL_DOSE_SETTING] = doses[0]
    return settings


def _subject(uow: UnitOfWork, protocol: Protocol, row: Record) -> _Subject:
    subject_id = int(row["id"])
    allocations = uow.records.find("allocations", subject_id=subject_id)
    allocation = allocations[0] if allocations else None
    doses = sorted(
        uow.records.find("dose_administrations", subject_id=subject_id),
        key=lambda r: (r["administered_on"], r["id"]),
    )
    weight = next((d["weight_kg"] for d in reversed(doses) if d["weight_kg"]), None)
    randomized_on = None
    if allocation is not None:
        zone = zone_of_subject(uow, subject_id, protocol.time_zone)
        randomized_on = allocation["allocated_at"].astimezone(zone).date()
    arm = allocation["arm"] if allocation is not None else None
    context = FormContext(
        weight_kg=weight,
        day_one=doses[0]["administered_on"] if doses else None,
        randomized_on=randomized_on,
        arm=arm,
        settings=_settings(protocol, arm),
    )
    return _Subject(row, arm, context)


def _needs_randomization(protocol: Protocol, spec: FormSpec, visit_code: str | None) -> bool:
    """Arm-specific forms and forms at treatment or follow-up visits are for randomized subjects."""
    if spec.arms:
        return True
    phases = {v.code: v.phase for v in protocol.visits}
    return visit_code is not None and phases.get(visit_code) is not VisitPhase.SCREENING


def _check_applies(
    protocol: Protocol, spec: FormSpec, subject: _Subject, visit: str | None
) -> None:
    if subject.row["state"] == SubjectState.SCREEN_FAILED:
        raise StateError(f"{spec.label}: no study data is entered for a screen failure")
    if _needs_randomization(protocol, spec, visit) and subject.arm is None:
        raise StateError(f"{spec.label} is entered once the subject is randomized")
    if spec.arms and subject.arm not in spec.arms:
        arms = ", ".join(protocol.arm(code).label for code in spec.arms)
        raise StateError(f"{spec.label} applies only to subjects in: {arms}")


def _check_visit(protocol: Protocol, spec: FormSpec, visit_code: str | None) -> str | None:
    """The record's visit: required for a per-visit form, one the form (or protocol) lists."""
    code = visit_code.strip() if visit_code else None
    if code is None:
        if spec.repeat is FormRepeat.PER_VISIT:
            raise InputError.single(
                "visit_code", f"{spec.label} is recorded per visit; choose one of {_visits(spec)}"
            )
        return None
    allowed = spec.visits or tuple(v.code for v in protocol.visits)
    if code not in allowed:
        listed = _visits(spec) if spec.visits else ", ".join(allowed)
        raise InputError.single(
            "visit_code", f"{spec.label} is not recorded at visit {code!r}; use one of {listed}"
        )
    return code


def _visits(spec: FormSpec) -> str:
    return ", ".join(spec.visits)


def _check_repeat(
    uow: UnitOfWork, spec: FormSpec, subject_id: int, visit: str | None, record_id: int | None
) -> None:
    """Refuse a second record of a ``once`` form, or of a ``per_visit`` form at one visit."""
    if spec.repeat is FormRepeat.LOG:
        return
    others = [
        r
        for r in uow.records.find(TABLE, subject_id=subject_id, form=spec.code)
        if r["id"] != record_id
    ]
    if spec.repeat is FormRepeat.ONCE and others:
        raise StateError(
            f"{spec.label} is recorded once per subject and already has a record; "
            "correct that record instead"
        )
    if spec.repeat is FormRepeat.PER_VISIT and any(r["visit_code"] == visit for r in others):
        raise StateError(f"{spec.label} already has a record at visit {visit}; correct it instead")


def _not_in_future(
    uow: UnitOfWork, protocol: Protocol, spec: FormSpec, subject_id: int, values: Mapping[str, Any]
) -> None:
    """Every date of the record on or before today on the site's calendar (all named at once)."""
    zone = zone_of_subject(uow, subject_id, protocol.time_zone)
    problems: list[FieldError] = []
    for form_field in spec.fields:
        if form_field.type is FormFieldType.DATE and form_field.name in values:
            try:
                not_in_future(uow, form_field.name, values[form_field.name], zone)
            except InputError as error:
                problems.extend(error.errors)
    if problems:
        raise InputError(problems)


def _checked_row(
    uow: UnitOfWork,
    protocol: Protocol,
    spec: FormSpec,
    subject: _Subject,
    raw: Mapping[str, Any],
    visit_code: str | None,
    record_id: int | None = None,
) -> dict[str, Any]:
    """The stored columns of a record: placed, validated, dated in the past, derived."""
    visit = _check_visit(protocol, spec, visit_code)
    _check_applies(protocol, spec, subject, visit)
    values = validate_form_values(spec, raw)
    _not_in_future(uow, protocol, spec, int(subject.row["id"]), values)
    _check_repeat(uow, spec, int(subject.row["id"]), visit, record_id)
    derivation = DERIVATIONS.get(spec.derive) if spec.derive else None
    derived = derivation(values, subject.context) if derivation is not None else {}
    return {
        "form": spec.code,
        "visit_code": visit,
        "record_date": values[spec.date_field],
        "values": json_values(values),
        "derived": dict(derived),
    }


def record_form(
    uow: UnitOfWork,
    *,
    as_user: int | None,
    subject_id: int,
    form_code: str,
    values: Mapping[str, Any],
    protocol: Protocol,
    visit_code: str | None = None,
) -> int:
    """Save one record of the protocol form ``form_code``; returns its id.

    Refused, with nothing written: an unknown form or bad values (:class:`InputError`, one
    entry per field), a subject the user may not see ("not found") or may not enter data for,
    a form that does not apply to the subject or is already recorded (:class:`StateError`).
    """
    spec = protocol.form(form_code)
    with uow:
        actor = load_actor(uow, as_user)
        row = require_subject(uow, actor, subject_id, Action.ENTER_DATA, for_update=True)
        subject = _subject(uow, protocol, row)
        stored = _checked_row(uow, protocol, spec, subject, values, visit_code)
        record_id = insert_audited(
            uow, actor, TABLE, {"subject_id": subject_id, **stored}, subject_id=subject_id
        )
        uow.commit()
    return record_id


def corrected_form_record(uow: UnitOfWork, record: Record, protocol: Protocol) -> None:
    """Re-check and re-derive a corrected form record in place (the correction's rule).

    ``record`` holds the corrected ``values`` (raw or stored JSON) and ``visit_code``; its
    ``record_date`` and ``derived`` are recomputed as at first save.
    """
    spec = protocol.form(record["form"])
    row = uow.records.get("subjects", int(record["subject_id"]))
    assert row is not None
    subject = _subject(uow, protocol, row)
    values = record["values"]
    if not isinstance(values, Mapping):
        raise InputError.single("values", "must be an object of named field values")
    record.update(
        _checked_row(uow, protocol, spec, subject, values, record.get("visit_code"), record["id"])
    )


@dataclass(frozen=True, slots=True)
class FormRecordView:
    id: int
    visit_code: str | None
    record_date: dt.date
    values: Mapping[str, Any]
    derived: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class VisitDue:
    """A visit a per-visit form is expected at, and the record made there (``None``: not yet)."""

    visit_code: str
    label: str
    record_id: int | None
    #: Done, due (window open), upcoming, or not planned (no calendar before the first dose).
    state: VisitState = VisitState.NOT_PLANNED
    planned_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class FormSection:
    spec: FormSpec
    records: tuple[FormRecordView, ...]
    #: Per-visit forms: each expected visit, done or not.
    visits: tuple[VisitDue, ...] = ()
    #: The user may add a record now (data entry at the site, not locked, not complete).
    may_add: bool = False


@dataclass(frozen=True, slots=True)
class SubjectForms:
    subject_id: int
    arm: str | None
    sections: tuple[FormSection, ...] = field(default_factory=tuple)
    #: Corticosteroid exposure to today, from the corticosteroid log (``None`` without one).
    steroids: SteroidExposure | None = None


def _applies(spec: FormSpec, arm: str | None) -> bool:
    return not spec.arms or arm in spec.arms


def _for_randomized(protocol: Protocol, spec: FormSpec) -> bool:
    """Whether every record of the form waits for randomization (see _needs_randomization)."""
    if spec.repeat is not FormRepeat.PER_VISIT:
        return bool(spec.arms)
    return all(_needs_randomization(protocol, spec, code) for code in spec.visits)


def _section(
    protocol: Protocol,
    spec: FormSpec,
    rows: Sequence[Record],
    may_enter: bool,
    windows: tuple[Mapping[str, VisitWindow], dt.date],
) -> FormSection:
    records = tuple(
        FormRecordView(r["id"], r["visit_code"], r["record_date"], r["values"], r["derived"])
        for r in sorted(rows, key=lambda r: (r["record_date"], r["id"]))
    )
    labels = {v.code: v.label for v in protocol.visits}
    done = {r.visit_code: r.id for r in records}
    planned, today = windows
    visits = tuple(
        VisitDue(
            code, labels.get(code, code), done.get(code),
            visit_state(code in done, planned.get(code), today),
            planned[code].planned_on if code in planned else None,
        )
        for code in spec.visits
    )  # fmt: skip
    complete = (spec.repeat is FormRepeat.ONCE and bool(records)) or (
        spec.repeat is FormRepeat.PER_VISIT and all(v.record_id for v in visits)
    )
    return FormSection(spec, records, visits if spec.repeat is FormRepeat.PER_VISIT else (),
                       may_enter and not complete)  # fmt: skip


def load_subject_forms(
    uow: UnitOfWork, *, as_user: int | None, subject_id: int, protocol: Protocol
) -> SubjectForms:
    """The subject's form records by form, for each form that applies to the subject's arm.

    A form for another arm is left out unless it has records (kept visible, e.g. after an
    allocation was corrected). ``may_add`` follows the user's data-entry right at the site and
    the subject's lock.
    """
    with uow:
        actor = load_actor(uow, as_user)
        row = require_subject(uow, actor, subject_id, Action.VIEW_SUBJECT)
        allocations = uow.records.find("allocations", subject_id=subject_id)
        arm = allocations[0]["arm"] if allocations else None
        rows = uow.records.find(TABLE, subject_id=subject_id)
        may_enter = (
            actor.may(Action.ENTER_DATA, row["site_id"])
            and not is_locked(uow, "subjects", subject_id, None)
            and row["state"] != SubjectState.SCREEN_FAILED
        )
        windows = form_visit_windows(uow, protocol, subject_id)
        sections = []
        for spec in protocol.forms:
            own = [r for r in rows if r["form"] == spec.code]
            if own or _applies(spec, arm):
                allowed = may_enter and _applies(spec, arm)
                allowed = allowed and (arm is not None or not _for_randomized(protocol, spec))
                sections.append(_section(protocol, spec, own, allowed, windows))
        context = _subject(uow, protocol, row).context
        steroids = steroid_summary(uow, protocol, subject_id, rows, context)
        return SubjectForms(subject_id, arm, tuple(sections), steroids)

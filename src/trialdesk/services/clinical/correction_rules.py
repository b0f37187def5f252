"""What a correction may change in each kind of record, and the record it leads to.

A corrected record is checked by the same rules as a new one (dates not in the future, a death
needs its cause, the weight within the protocol's limits…) and its derived values come from the
same functions as at first save: eligibility from the screening answers, the planned dose from
the weight, stages and grade from the measurements, seriousness and deadlines of an adverse
event. Responses depend on other assessments too and are derived by :mod:`gvhd_baseline`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Any

from trialdesk.domain.calendar import dose_for_weight
from trialdesk.domain.errors import FieldError, InputError
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.safety.terminology import code_adverse_event_term, ctcae_terminology
from trialdesk.services.accounts.site_zones import zone_of_subject
from trialdesk.services.clinical.clinical import (
    MEASUREMENT_FIELDS,
    check_outcome,
    check_therapy,
    derive_stages,
    find_intervention,
)
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.safety.adverse_event_records import (
    adverse_event_values,
    clock_starts,
    event_from_row,
)
from trialdesk.services.subjects.forms import corrected_form_record
from trialdesk.services.subjects.subjects import not_in_future, screening_values

__all__ = ["EDITABLE_FIELDS", "corrected_record"]

#: What may be corrected in each kind of record; everything else is derived or bookkeeping.
EDITABLE_FIELDS: Mapping[str, frozenset[str]] = {
    "screening_records": frozenset({"screened_on", "answers"}),
    "consents": frozenset({"consented_on", "form_version", "obtained_by"}),
    "visits": frozenset({"visit_code", "visit_date"}),
    "dose_administrations": frozenset({"administered_on", "weight_kg", "dose_value"}),
    "gvhd_assessments": frozenset({"assessed_on", "measurements", "visit_code"}),
    # The term is re-coded from what is sent (a CTCAE code, or "Other, specify" text and SOC).
    "adverse_events": frozenset(
        {"term", "meddra_code", "other_term", "soc", "onset_on", "ctcae_grade", "aware_at"}
    ),
    "therapies": frozenset({"kind", "name", "started_on", "stopped_on", "indication"}),
    "outcomes": frozenset({"kind", "occurred_on", "cause", "details"}),
    # Protocol forms: field values (entry by entry) and the visit; date and derived follow.
    "form_records": frozenset({"values", "visit_code"}),
}

#: Editable fields that may be emptied (set to ``None``); every other one must keep a value.
_MAY_BE_EMPTY = frozenset({"stopped_on", "indication", "cause", "details", "visit_code"})

_Rule = Callable[[UnitOfWork, Record, Protocol], None]


def _check_changes(table: str, changes: Mapping[str, Any]) -> None:
    if not changes:
        raise InputError.single("changes", "name at least one field to correct")
    problems = [
        FieldError(name, f"cannot be changed in {table} (derived, bookkeeping or unknown)")
        for name in sorted(set(changes) - EDITABLE_FIELDS[table])
    ]
    problems += [
        FieldError(name, "must not be empty")
        for name, value in sorted(changes.items())
        if value is None and name not in _MAY_BE_EMPTY and name in EDITABLE_FIELDS[table]
    ]
    if problems:
        raise InputError(problems)


def _merged_mapping(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """A corrected answer set or measurement set: the given entries replace the recorded ones."""
    return {**old, **new}


def _under(prefix: str, names: frozenset[str], error: InputError) -> InputError:
    """The domain names a measurement or answer bare; a correction names it under its field."""
    return InputError(
        FieldError(f"{prefix}.{e.field}" if e.field in names else e.field, e.message)
        for e in error.errors
    )


def _zone(uow: UnitOfWork, record: Record, protocol: Protocol) -> dt.tzinfo:
    """The subject's site zone: "today" is the site's calendar day, not UTC's."""
    return zone_of_subject(uow, int(record["subject_id"]), protocol.time_zone)


def _text(record: Record, name: str) -> None:
    value = record[name]
    if not isinstance(value, str) or not value.strip():
        raise InputError.single(name, "must not be empty")
    record[name] = value.strip()


def _screening(uow: UnitOfWork, record: Record, protocol: Protocol) -> None:
    not_in_future(uow, "screened_on", record["screened_on"], _zone(uow, record, protocol))
    answers = record["answers"]
    try:
        record.update(screening_values(protocol, answers, earlier=record["criteria_results"]))
    except InputError as error:
        raise _under("answers", frozenset(answers), error) from None


def _consent(uow: UnitOfWork, record: Record, protocol: Protocol) -> None:
    not_in_future(uow, "consented_on", record["consented_on"], _zone(uow, record, protocol))
    _text(record, "form_version")
    _text(record, "obtained_by")


def _visit(uow: UnitOfWork, record: Record, protocol: Protocol) -> None:
    not_in_future(uow, "visit_date", record["visit_date"], _zone(uow, record, protocol))
    _text(record, "visit_code")


def _dose(uow: UnitOfWork, record: Record, protocol: Protocol) -> None:
    not_in_future(uow, "administered_on", record["administered_on"], _zone(uow, record, protocol))
    amount = record["dose_value"]
    if not math.isfinite(amount) or amount <= 0:
        raise InputError.single("dose_value", f"must be > 0, not {amount:g}")
    if record["weight_kg"] is None:
        raise InputError.single("weight_kg", "is required to derive the protocol dose")
    intervention = find_intervention(protocol, record["product"])
    planned = dose_for_weight(intervention, record["weight_kg"], protocol.weight_limits)
    record["planned_dose_value"] = planned.amount


def _assessment(uow: UnitOfWork, record: Record, protocol: Protocol) -> None:
    not_in_future(uow, "assessed_on", record["assessed_on"], _zone(uow, record, protocol))
    code = record.get("visit_code")
    if code is not None and code not in {v.code for v in protocol.visits}:
        known = ", ".join(v.code for v in protocol.visits)
        raise InputError.single("visit_code", f"unknown visit {code!r}; use one of: {known}")
    try:
        record.update(derive_stages(record["measurements"], protocol, record.get("attribution")))
    except InputError as error:
        raise _under("measurements", MEASUREMENT_FIELDS, error) from None


def _adverse_event(uow: UnitOfWork, record: Record, protocol: Protocol) -> None:
    not_in_future(uow, "onset_on", record["onset_on"], _zone(uow, record, protocol))
    aware_at: dt.datetime = record["aware_at"]
    if aware_at.tzinfo is None:
        raise InputError.single("aware_at", "needs a UTC offset, e.g. +08:00")
    if aware_at > uow.clock.now():
        raise InputError.single("aware_at", f"{aware_at.isoformat()} is in the future")


_TERM_FIELDS = ("term", "meddra_code", "other_term", "soc")


def _recoded_term(record: Record, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The term columns after a correction of any of them, coded by the rule of a first save.

    Text (``term`` or ``other_term``) or a SOC sent alone keeps the rest of a recorded "Other,
    specify" choice: new text stays under the recorded SOC, a new SOC keeps the recorded text.
    """
    if not any(name in changes for name in _TERM_FIELDS):
        return {}
    recorded = ctcae_terminology().find(record.get("meddra_code") or 0)
    was_other = recorded is not None and recorded.is_other_specify
    if "meddra_code" in changes:
        coded = code_adverse_event_term(
            meddra_code=changes["meddra_code"], other_term=changes.get("other_term"),
            soc=changes.get("soc"),
        )  # fmt: skip
    elif "other_term" in changes or "soc" in changes or was_other:
        text = changes.get("other_term", changes.get("term", record["term"]))
        coded = code_adverse_event_term(
            other_term=text if was_other or "other_term" in changes else None,
            soc=changes.get("soc", record.get("soc") if was_other else None),
        )  # fmt: skip
    else:
        coded = code_adverse_event_term(term=changes["term"])
    return {"term": coded.term, "meddra_code": coded.meddra_code, "soc": coded.soc}


def _adverse_event_derived(corrected: Record, original: Record) -> dict[str, Any]:
    """Seriousness, SUSAR status and clocks of a corrected event, by the rule of a first save.

    A clock that ran from the first awareness follows a corrected awareness time; a clock the
    event gained at a follow-up keeps the start of that follow-up.
    """
    started = {k: at for k, at in clock_starts(original).items() if at != original["aware_at"]}
    return adverse_event_values(
        event_from_row(corrected), learnt_at=corrected["aware_at"], started=started
    )


def _therapy(uow: UnitOfWork, record: Record, protocol: Protocol) -> None:
    check_therapy(record["kind"], record["name"], record["started_on"], record["stopped_on"])
    record["name"] = record["name"].strip()
    not_in_future(uow, "started_on", record["started_on"], _zone(uow, record, protocol))
    if record["stopped_on"] is not None:
        not_in_future(uow, "stopped_on", record["stopped_on"], _zone(uow, record, protocol))


def _outcome(uow: UnitOfWork, record: Record, protocol: Protocol) -> None:
    check_outcome(record["kind"], record["cause"])
    not_in_future(uow, "occurred_on", record["occurred_on"], _zone(uow, record, protocol))


def _form_record(uow: UnitOfWork, record: Record, protocol: Protocol) -> None:
    try:
        corrected_form_record(uow, record, protocol)
    except InputError as error:
        names = frozenset(record["values"]) | {f.name for f in protocol.form(record["form"]).fields}
        raise _under("values", names, error) from None


_RULES: Mapping[str, _Rule] = {
    "screening_records": _screening,
    "consents": _consent,
    "visits": _visit,
    "dose_administrations": _dose,
    "gvhd_assessments": _assessment,
    "adverse_events": _adverse_event,
    "therapies": _therapy,
    "outcomes": _outcome,
    "form_records": _form_record,
}


def corrected_record(
    uow: UnitOfWork, table: str, record: Record, changes: Mapping[str, Any], protocol: Protocol
) -> Record:
    """The record with the changes applied and its own derived values recomputed.

    Answers, measurements and form values are corrected entry by entry: the entries given
    replace the recorded ones (an answer or form value set to ``None`` is removed), the others
    stay as recorded.
    """
    _check_changes(table, changes)
    corrected = {**record, **changes}
    if table == "adverse_events":
        corrected.pop("other_term", None)  # not a column: it becomes the term
        corrected.update(_recoded_term(record, changes))
    for name in ("answers", "measurements", "values"):
        if name in changes:
            if not isinstance(changes[name], Mapping):
                raise InputError.single(name, "must be an object of named values")
            corrected[name] = _merged_mapping(record[name], changes[name])
    if table == "screening_records":
        corrected["answers"] = {k: v for k, v in corrected["answers"].items() if v is not None}
    if table == "form_records":
        corrected["values"] = {k: v for k, v in corrected["values"].items() if v is not None}
    _RULES[table](uow, corrected, protocol)
    if table == "adverse_events":
        corrected.update(_adverse_event_derived(corrected, record))
    return corrected

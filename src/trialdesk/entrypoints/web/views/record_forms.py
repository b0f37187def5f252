"""The correction form of each kind of record: its fields, their current values, what changed.

The form shows every correctable field pre-filled with the recorded value; on submit only the
fields whose value really differs are sent to the correction service, so an untouched field
never appears in the audit trail. Screening answers and GVHD measurements are corrected entry by
entry, like through the API.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from trialdesk.domain import labels
from trialdesk.domain.display import unit_label
from trialdesk.domain.errors import FieldError
from trialdesk.domain.gvhd import BilirubinUnit, OrganMeasurements
from trialdesk.domain.protocol import Protocol, VisitPhase
from trialdesk.domain.record_fields import field_label
from trialdesk.domain.safety.terminology import ctcae_terminology
from trialdesk.entrypoints.web.views.form_values import FormValues
from trialdesk.services.clinical.clinical import OutcomeKind, TherapyKind

__all__ = ["FormField", "changed_values", "form_fields", "shown_values", "typed_values"]

_MEASUREMENT_DEFAULTS = {
    f.name: f.default
    for f in dataclasses.fields(OrganMeasurements)
    if f.default is not dataclasses.MISSING
}


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    label: str
    #: date, text, number, select, moment (date and time in the site's zone), flag, yes_no,
    #: integer, ctcae_term (text searched in the CTCAE list)
    kind: str
    options: tuple[tuple[str, str], ...] = ()
    optional: bool = False
    #: Where the value lives in the record: top level, or inside ``answers``/``measurements``.
    within: str | None = None


_F = FormField


def _measurement(
    name: str, kind: str, choices: tuple[tuple[str, str], ...] = (), *, optional: bool = False
) -> FormField:
    """An organ measurement, labelled as the queries, SDV and the audit trail label it."""
    label = field_label("gvhd_assessments", f"measurements.{name}")
    return FormField(name, label, kind, choices, optional=optional, within="measurements")


def _choices(kind: str, values: list[str]) -> tuple[tuple[str, str], ...]:
    """Options that post the stored code and show its label."""
    return tuple((v, labels.label(kind, v)) for v in values)


def form_fields(protocol: Protocol, table: str) -> list[FormField]:
    """The correctable fields of one kind of record, in the order the form shows them."""
    if table == "screening_records":
        answers = [
            _F(f.name, f.label + (f" ({f.unit})" if f.unit else ""),
              {"boolean": "yes_no", "integer": "integer"}.get(f.type.value, "number"),
              optional=True, within="answers")
            for f in protocol.screening_fields
        ]  # fmt: skip
        return [_F("screened_on", "Screened on", "date"), *answers]
    if table == "consents":
        return [
            _F("consented_on", "Consented on", "date"), _F("form_version", "Form version", "text"),
            _F("obtained_by", "Obtained by", "text"),
        ]  # fmt: skip
    if table == "visits":
        visits = tuple(
            (v.code, labels.protocol_label(protocol, "visit", v.code)) for v in protocol.visits
        )
        return [_F("visit_code", "Visit", "select", visits), _F("visit_date", "Date", "date")]
    if table == "dose_administrations":
        return [
            _F("administered_on", "Given on", "date"), _F("weight_kg", "Weight (kg)", "number"),
            _F("dose_value", "Dose given", "number"),
        ]  # fmt: skip
    if table == "gvhd_assessments":
        course = tuple(
            (v.code, labels.protocol_label(protocol, "visit", v.code))
            for v in protocol.visits_in(VisitPhase.COURSE)
        )
        return [
            _F("assessed_on", "Assessed on", "date"),
            _F("visit_code", "Visit", "select", course, optional=True),
            _measurement("skin_bsa_pct", "number"),
            _measurement("bullae", "flag"),
            _measurement("desquamation_bsa_pct", "number"),
            _measurement("bilirubin", "number"),
            _measurement("bilirubin_unit", "select",
                         tuple((u.value, unit_label(u.value)) for u in BilirubinUnit)),
            _measurement("upper_gi_persistent", "flag"),
            _measurement("stool_ml_per_day", "number", optional=True),
            _measurement("stool_episodes_per_day", "number", optional=True),
            _measurement("severe_abdominal_pain", "flag"),
            _measurement("bloody_stool", "flag"),
        ]  # fmt: skip
    if table == "adverse_events":
        grades = tuple((str(g), str(g)) for g in range(1, 6))
        socs = tuple((soc, soc) for soc in ctcae_terminology().socs)
        return [
            # Search as you type fills the code and SOC; see :mod:`...domain.safety.terminology`.
            _F("term", "Term (CTCAE v5.0, or the event for 'Other, specify')", "ctcae_term"),
            _F("meddra_code", "MedDRA code", "integer", optional=True),
            _F("soc", "System organ class", "select", socs, optional=True),
            _F("ctcae_grade", "CTCAE grade", "select", grades),
            _F("onset_on", "Onset", "date"),
            _F("aware_at", "Site aware at", "moment"),
        ]  # fmt: skip
    if table == "therapies":
        return [
            _F("kind", "Kind", "select", _choices("therapy", [k.value for k in TherapyKind])),
            _F("name", "Name", "text"), _F("started_on", "Started", "date"),
            _F("stopped_on", "Stopped", "date", optional=True),
            _F("indication", "Indication", "text", optional=True),
        ]  # fmt: skip
    return [
        _F("kind", "Outcome", "select", _choices("outcome", [k.value for k in OutcomeKind])),
        _F("occurred_on", "Date", "date"), _F("cause", "Cause", "text", optional=True),
        _F("details", "Details", "text", optional=True),
    ]  # fmt: skip


def _recorded(record: Mapping[str, Any], field: FormField) -> Any:
    if field.within == "measurements":
        return {**_MEASUREMENT_DEFAULTS, **record["measurements"]}.get(field.name)
    if field.within == "answers":
        return record["answers"].get(field.name)
    return record.get(field.name)


def _shown(value: Any, zone: zoneinfo.ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        # A ``datetime-local`` input's value: the wall-clock time at the subject's site.
        aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)  # a float prints the shortest text that reads back as the same number


def shown_values(
    fields: list[FormField], record: Mapping[str, Any], zone: zoneinfo.ZoneInfo
) -> dict[str, str]:
    """The recorded values as the form's inputs show them (times in the site's ``zone``)."""
    return {f.name: _shown(_recorded(record, f), zone) for f in fields}


def _typed(values: FormValues, field: FormField, zone: zoneinfo.ZoneInfo) -> Any:
    name = field.name
    if field.kind == "flag":
        return values.flag(name)
    if field.kind == "yes_no":
        raw = values.text(name)
        return {"yes": True, "no": False}.get(raw)
    if field.kind in {"number", "integer"} or name == "ctcae_grade":
        number = values.number(name) if field.optional else values.required_number(name)
        if number is not None and field.kind != "number":
            if not number.is_integer():
                values.problems.append(FieldError(name, "must be a whole number"))
            return int(number) if number == number and number.is_integer() else number
        return number
    if field.kind == "date":
        return values.optional_date(name) if field.optional else values.date(name)
    if field.kind == "moment":
        return values.local_moment(name, zone)
    return values.optional_text(name) if field.optional else values.required(name)


def typed_values(
    values: FormValues, fields: list[FormField], zone: zoneinfo.ZoneInfo
) -> dict[str, Any]:
    """The submitted value of every field, typed; problems are collected in ``values``.

    A date and time is read in the subject's site ``zone`` unless it carries an offset.
    """
    return {f.name: _typed(values, f, zone) for f in fields}


def changed_values(
    fields: list[FormField], record: Mapping[str, Any], typed: Mapping[str, Any]
) -> dict[str, Any]:
    """The ``changes`` for the correction service: only what differs from the record."""
    changes: dict[str, Any] = {}
    for field in fields:
        value = typed[field.name]
        if value == _recorded(record, field):
            continue
        if field.within is None:
            changes[field.name] = value
        else:
            changes.setdefault(field.within, {})[field.name] = value
    return changes

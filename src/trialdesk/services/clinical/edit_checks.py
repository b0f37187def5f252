"""Edit checks at save time: gather what the rules need, refuse, ask to confirm, raise queries.

Runs inside the saving transaction of every create use case (and of a correction): a hard
finding is an :class:`InputError` on its field; soft findings not all confirmed (each code in
``confirm`` and a non-blank reason) are a :class:`ConfirmationRequiredError` carrying the warnings,
so nothing is saved; confirmed ones let the save proceed, and
:meth:`CheckedRecord.raise_queries` then opens one query per warning on the saved record's
field (``origin = "edit_check:<code>"``), audited in the same transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from trialdesk.domain.access import Action
from trialdesk.domain.calendar import dose_for_weight
from trialdesk.domain.edit_checks import DEFAULT_CHECKS, CheckContext, Finding, evaluate_checks
from trialdesk.domain.errors import (
    ConfirmationRequiredError,
    EditWarning,
    FieldError,
    InputError,
)
from trialdesk.domain.gvhd import BilirubinUnit
from trialdesk.domain.protocol import Intervention, Protocol, RuleKind, Severity, VisitPhase
from trialdesk.domain.protocol.edit_checks import DATE_FIELDS, NUMBER_FIELDS
from trialdesk.services.accounts.access import Actor, load_actor, require_subject
from trialdesk.services.accounts.site_zones import zone_of_subject
from trialdesk.services.ports import UnitOfWork
from trialdesk.services.review.query_opening import open_query
from trialdesk.services.subjects.course_progress import load_course_progress

__all__ = ["CheckedRecord", "check_correction", "check_record", "preview_checks", "today_of"]

#: The origin of a query raised by a confirmed warning: ``edit_check:<code>``.
ORIGIN_PREFIX = "edit_check:"


def today_of(uow: UnitOfWork, zone: dt.tzinfo = dt.UTC) -> dt.date:
    """Today in the site's terms: the date on the site's clocks (``zone``), not UTC's.

    At a site in Beijing, a record dated today between 00:00 and 08:00 local time is dated
    tomorrow by UTC's calendar: judged on the UTC date it would be refused as in the future.
    """
    return uow.clock.now().astimezone(zone).date()


@dataclass(frozen=True, slots=True)
class CheckedRecord:
    """A record that passed its checks, with the soft warnings the user confirmed."""

    collection: str
    subject_id: int
    confirmed: tuple[Finding, ...]
    reason: str

    def raise_queries(self, uow: UnitOfWork, actor: Actor, record_id: int) -> list[int]:
        """One query per confirmed warning on the saved record, in the caller's transaction."""
        return [
            open_query(
                uow,
                actor,
                subject_id=self.subject_id,
                entity=self.collection,
                record_id=record_id,
                field=finding.field,
                body=f"{finding.message}. Confirmed at entry: {self.reason}",
                origin=f"{ORIGIN_PREFIX}{finding.code}",
            )
            for finding in self.confirmed
        ]


def check_record(
    uow: UnitOfWork,
    protocol: Protocol | None,
    collection: str,
    record: Mapping[str, Any],
    *,
    subject_id: int,
    record_id: int | None = None,
    confirm: Collection[str] = (),
    reason: str | None = None,
) -> CheckedRecord:
    """Run the protocol's checks on a would-be record, in the caller's open unit of work.

    ``record_id`` names the record being corrected, which is then not its own duplicate nor its
    own "other dose". A code in ``confirm`` that is not among the findings is ignored; a reason
    without codes confirms nothing. Without a protocol only :data:`DEFAULT_CHECKS` run.
    """
    findings = _findings(uow, protocol, collection, record, subject_id, record_id)
    return _gate(collection, subject_id, findings, confirm, reason)


def _gate(
    collection: str,
    subject_id: int,
    findings: tuple[Finding, ...],
    confirm: Collection[str],
    reason: str | None,
) -> CheckedRecord:
    """Refuse on hard findings, ask for unconfirmed soft ones, else pass the confirmed on."""
    hard = [f for f in findings if f.severity is Severity.HARD]
    if hard:
        raise InputError(FieldError(f.field, f.message) for f in hard)
    soft = [f for f in findings if f.severity is Severity.SOFT]
    why = (reason or "").strip()
    if soft and (not why or any(f.code not in confirm for f in soft)):
        raise ConfirmationRequiredError(EditWarning(f.code, f.field, f.message) for f in soft)
    return CheckedRecord(collection, subject_id, tuple(soft), why)


def check_correction(
    uow: UnitOfWork,
    actor: Actor,
    protocol: Protocol,
    entity: str,
    record_id: int,
    corrected: Mapping[str, Any],
    *,
    reason: str,
) -> list[int]:
    """Checks on a corrected record, in the correction's transaction; returns the queries raised.

    Hard findings refuse the correction. A correction already states its reason for change, so
    that reason confirms the soft warnings, each of which raises a query on the record.
    """
    subject_id = int(corrected["subject_id"])
    findings = _findings(uow, protocol, entity, corrected, subject_id, record_id)
    soft = {f.code for f in findings if f.severity is Severity.SOFT}
    checked = _gate(entity, subject_id, findings, soft, reason)
    return checked.raise_queries(uow, actor, record_id)


def preview_checks(
    uow: UnitOfWork,
    *,
    as_user: int,
    subject_id: int,
    collection: str,
    values: Mapping[str, Any],
    protocol: Protocol,
) -> tuple[Finding, ...]:
    """The findings a record with these values would get now; nothing is saved.

    Dates may be ISO text (as a form holds them); a value that does not parse is left out, so a
    half-typed form shows what can be checked so far.
    """
    if collection not in DATE_FIELDS:
        known = ", ".join(DATE_FIELDS)
        raise InputError.single("collection", f"unknown record type {collection!r}; use {known}")
    record = _typed(collection, values)
    measurements = record.get("measurements")
    if collection == "gvhd_assessments" and isinstance(measurements, dict):
        # The unit a saved assessment would get when none is given.
        record["measurements"] = {"bilirubin_unit": BilirubinUnit.MG_DL.value, **measurements}
    with uow:
        actor = load_actor(uow, as_user)
        require_subject(uow, actor, subject_id, Action.ENTER_DATA)
        if collection == "dose_administrations":
            record["planned_dose_value"] = _planned_dose(protocol, record)
        return _findings(uow, protocol, collection, record, subject_id, None)


def _typed(collection: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Dates parsed; a date or number that is not one (yet) left out, like an empty field."""
    record = dict(values)
    for name in DATE_FIELDS[collection]:
        raw = record.pop(name, None)
        if isinstance(raw, str):
            with contextlib.suppress(ValueError):
                record[name] = dt.date.fromisoformat(raw)
        elif isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
            record[name] = raw
    for path in (*NUMBER_FIELDS.get(collection, ()), "dose_value", "weight_kg"):
        *parents, leaf = path.split(".")
        node: Any = record
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and leaf in node and not _finite_number(node[leaf]):
            if parents:  # a nested mapping is the caller's: copy before leaving a value out
                record[parents[0]] = node = dict(node)
            node.pop(leaf)
    return record


def _finite_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _planned_dose(protocol: Protocol, record: Mapping[str, Any]) -> float | None:
    intervention = _intervention(protocol, str(record.get("product")))
    weight = record.get("weight_kg")
    if intervention is None or not isinstance(weight, int | float):
        return None
    try:
        return dose_for_weight(intervention, float(weight), protocol.weight_limits).amount
    except InputError:
        return None


def _intervention(protocol: Protocol, product: str) -> Intervention | None:
    """The product's intervention, if any (an unknown product is refused by the use case)."""
    return next(
        (iv for arm in protocol.arms for iv in arm.interventions if iv.code == product), None
    )


def _findings(
    uow: UnitOfWork,
    protocol: Protocol | None,
    collection: str,
    record: Mapping[str, Any],
    subject_id: int,
    record_id: int | None,
) -> tuple[Finding, ...]:
    declared = DEFAULT_CHECKS if protocol is None else protocol.edit_checks
    checks = [c for c in declared if c.targets(collection)]
    if not checks:
        return ()
    rules = {c.rule for c in checks}
    if protocol is None:  # the default checks need only today
        context = CheckContext(today=today_of(uow), now=uow.clock.now())
    else:
        context = _context(uow, protocol, collection, record, subject_id, record_id, rules)
    return evaluate_checks(checks, collection, record, context)


def _context(
    uow: UnitOfWork,
    protocol: Protocol,
    collection: str,
    record: Mapping[str, Any],
    subject_id: int,
    record_id: int | None,
    rules: set[RuleKind],
) -> CheckContext:
    """Read only what the applicable rules need."""

    def others(table: str) -> list[dict[str, Any]]:
        rows = uow.records.find(table, subject_id=subject_id)
        return [r for r in rows if not (table == collection and r["id"] == record_id)]

    allocated = [
        a for a in uow.records.find("allocations", subject_id=subject_id) if not a["is_error"]
    ]
    consents = [c["consented_on"] for c in others("consents")]
    deaths = [o["occurred_on"] for o in others("outcomes") if o["kind"] == "death"]
    zone = zone_of_subject(uow, subject_id, protocol.time_zone)
    context: dict[str, Any] = {
        "today": today_of(uow, zone),
        "now": uow.clock.now(),
        # The day of randomization on the site's calendar, like the dates compared with it.
        "randomized_on": allocated[0]["allocated_at"].astimezone(zone).date()
        if allocated
        else None,
        "consented_on": min(consents) if consents else None,
        "died_on": min(deaths) if deaths else None,
        "screening_visits": frozenset(v.code for v in protocol.visits_in(VisitPhase.SCREENING)),
    }
    if collection == "dose_administrations":
        product = record.get("product")
        intervention = _intervention(protocol, str(product))
        context["planned_dose"] = record.get("planned_dose_value")
        context["min_gap_days"] = intervention.min_gap_days if intervention else 0
        if RuleKind.MIN_GAP in rules:
            context["other_doses"] = tuple(
                d["administered_on"] for d in others(collection) if d["product"] == product
            )
    if RuleKind.VISIT_WINDOW in rules:
        context["visit_windows"] = _visit_windows(uow, protocol, subject_id)
    if RuleKind.DUPLICATE_WITHIN in rules:
        context["same_kind"] = tuple(others(collection))
    return CheckContext(**context)


def _visit_windows(
    uow: UnitOfWork, protocol: Protocol, subject_id: int
) -> dict[str, tuple[tuple[dt.date, dt.date], ...]]:
    """Planned windows per visit code, once the calendar is known (arm, first dose, weight)."""
    assessments = sorted(
        uow.records.find("gvhd_assessments", subject_id=subject_id),
        key=lambda r: (r["assessed_on"], r["id"]),
    )
    calendar = load_course_progress(uow, protocol, subject_id, assessments).calendar
    windows: dict[str, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for visit in calendar.visits if calendar else ():
        windows[visit.visit].append((visit.earliest, visit.latest))
    return {code: tuple(spans) for code, spans in windows.items()}

"""The audit trail as people read it: one row per field change, labelled and formatted.

The stored trail keeps exact JSON (a whole record on insert and delete, one column on update);
that stays the record for machines. A monitor reading a subject's history wants one line per
changed field — "Skin rash (% body surface area): 20 → 35, by whom, when, why" — so an update
of a structured column (``measurements``, ``answers``, ``values``) is split into one row per
changed entry, an insert into one row per entered field, and signatures, locks, source
verification and queries read as events. Field paths are the dotted paths of
:mod:`trialdesk.domain.record_fields`, so the rows meet queries and verification on one name.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from trialdesk.domain.audit import AuditAction, AuditEntry
from trialdesk.domain.display import local_moment
from trialdesk.domain.labels import LABELS, label, protocol_label
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.record_fields import STRUCTURED_COLUMNS, field_label, field_paths

__all__ = [
    "EMPTY",
    "ChangeRow",
    "action_label",
    "format_value",
    "read_trail",
]

#: What a person reads for "no value".
EMPTY = "–"

#: Columns whose codes have a label table in :mod:`trialdesk.domain.labels`.
_CODE_KINDS: Mapping[tuple[str, str], str] = {
    ("subjects", "state"): "state",
    ("adverse_events", "outcome"): "ae_outcome",
    ("adverse_events", "seriousness_criteria"): "seriousness",
    ("therapies", "kind"): "therapy",
    ("outcomes", "kind"): "outcome",
    ("queries", "status"): "query_status",
}

#: Columns holding a protocol code (visit or product), labelled from the protocol.
_PROTOCOL_KINDS: Mapping[str, str] = {"visit_code": "visit", "product": "product"}

_ACTION_LABELS: Mapping[AuditAction, str] = {
    AuditAction.INSERT: "Entered",
    AuditAction.UPDATE: "Changed",
    AuditAction.DELETE: "Deleted",
    AuditAction.LOGIN: "Signed in",
    AuditAction.LOGIN_FAILED: "Sign-in failed",
    AuditAction.LOGOUT: "Signed out",
    AuditAction.ACCOUNT_CREATED: "Account created",
    AuditAction.ACCOUNT_CHANGED: "Account changed",
    AuditAction.ROLE_GRANTED: "Role granted",
    AuditAction.ROLE_REVOKED: "Role revoked",
    AuditAction.SIGN: "Signed",
    AuditAction.SIGNATURE_INVALIDATED: "Signature invalidated",
    AuditAction.LOCK: "Locked",
    AuditAction.UNLOCK: "Unlocked",
    AuditAction.SDV_VERIFIED: "Source verified",
    AuditAction.SDV_UNVERIFIED: "Source verification withdrawn",
    AuditAction.SDV_RESET: "Source verification reset",
    AuditAction.EXPORT: "Exported",
}

#: Inserts into these tables are events about another record, not data entered.
_EVENT_INSERTS: Mapping[str, str] = {
    "sdv_marks": "Source verified",
    "queries": "Query raised",
    "query_messages": "Query message",
}


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One readable line of the trail; ``entry`` is the stored entry it was read from."""

    entry: AuditEntry
    #: What happened, as a person says it ("Changed", "Signed", "Source verified").
    action: str
    #: The form the change belongs to ("GVHD assessment", a protocol form's name).
    form: str
    #: The visit the record belongs to (protocol label), or "" when it has none.
    visit: str
    #: The dotted field path (``measurements.skin_bsa_pct``), or ``None`` for an event.
    field: str | None
    field_label: str
    old: str
    new: str
    reason: str

    @property
    def table(self) -> str:
        return self.entry.entity

    @property
    def record_id(self) -> str | None:
        return self.entry.entity_id


def action_label(action: AuditAction) -> str:
    """The words for an audit action."""
    return _ACTION_LABELS[action]


def _format_text(text: str, zone: zoneinfo.ZoneInfo | None) -> str:
    # ISO date-times (aware-at, signed-at) read in the site's zone, named ("2026-01-05 22:03 CST
    # (Asia/Shanghai)"), or as "2026-01-05 14:03 UTC" without one; dates stay ISO, which is
    # unambiguous across sites.
    if len(text) > 10 and text[4:5] == "-" and text[10:11] == "T":
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            return text
        if moment.tzinfo is not None and zone is not None:
            return local_moment(moment, zone)
        if moment.tzinfo is not None:
            return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        return moment.strftime("%Y-%m-%d %H:%M")
    return text


def format_value(
    value: Any,
    *,
    table: str = "",
    column: str = "",
    protocol: Protocol | None = None,
    zone: zoneinfo.ZoneInfo | None = None,
) -> str:
    """``value`` as a person reads it: yes/no, "–" for nothing, codes by their label."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(
            format_value(v, table=table, column=column, protocol=protocol, zone=zone) for v in value
        )
    if isinstance(value, Mapping):
        return "; ".join(
            f"{key}: {format_value(v, protocol=protocol, zone=zone)}"
            for key, v in sorted(value.items())
        )
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if not isinstance(value, str):
        return str(value)
    kind = _CODE_KINDS.get((table, column))
    if kind is not None and kind in LABELS:
        return label(kind, value)
    protocol_kind = _PROTOCOL_KINDS.get(column)
    if protocol_kind is not None and protocol is not None:
        return protocol_label(protocol, protocol_kind, value)
    return _format_text(value, zone)


def _parse(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:  # a value written before values were JSON: show it as stored
        return text


@dataclass(slots=True)
class _RecordContext:
    """What the trail has said so far about one record: its form and visit."""

    form_code: str | None = None
    visit_code: str | None = None


@dataclass(slots=True)
class _Reader:
    protocol: Protocol | None
    zone: zoneinfo.ZoneInfo | None = None
    records: dict[tuple[str, str | None], _RecordContext] = field(default_factory=dict)

    def context(self, entry: AuditEntry) -> _RecordContext:
        return self.records.setdefault((entry.entity, entry.entity_id), _RecordContext())

    def form_label(self, table: str, context: _RecordContext) -> str:
        if table == "form_records" and context.form_code and self.protocol is not None:
            for form in self.protocol.forms:
                if form.code == context.form_code:
                    return form.label
            return context.form_code
        return label("entity", table)

    def visit_label(self, context: _RecordContext) -> str:
        if not context.visit_code:
            return ""
        if self.protocol is None:
            return context.visit_code
        return protocol_label(self.protocol, "visit", context.visit_code)

    def value(self, table: str, path: str, value: Any) -> str:
        return format_value(
            value,
            table=table,
            column=path.rpartition(".")[2],
            protocol=self.protocol,
            zone=self.zone,
        )

    def label(self, table: str, path: str, context: _RecordContext) -> str:
        return field_label(table, path, protocol=self.protocol, form_code=context.form_code)

    def row(
        self, entry: AuditEntry, action: str, *, path: str | None = None, old: str = EMPTY,
        new: str = EMPTY,
    ) -> ChangeRow:  # fmt: skip
        context = self.context(entry)
        return ChangeRow(
            entry=entry, action=action, form=self.form_label(entry.entity, context),
            visit=self.visit_label(context), field=path,
            field_label=self.label(entry.entity, path, context) if path else "",
            old=old, new=new, reason=entry.reason or "",
        )  # fmt: skip

    def read(self, entry: AuditEntry) -> list[ChangeRow]:
        if entry.action is AuditAction.INSERT:
            return self._insert(entry)
        if entry.action is AuditAction.UPDATE:
            return self._update(entry)
        if entry.action is AuditAction.SIGN:
            signed = _parse(entry.new_value)
            meaning = signed.get("meaning") if isinstance(signed, Mapping) else None
            text = f"Signed: {meaning}" if meaning else "Signed"
            return [self.row(entry, text, new=str(meaning) if meaning else EMPTY)]
        return [self.row(entry, action_label(entry.action))]

    def _insert(self, entry: AuditEntry) -> list[ChangeRow]:
        table = entry.entity
        record = _parse(entry.new_value)
        if not isinstance(record, Mapping):
            return [self.row(entry, "Entered")]
        context = self.context(entry)
        context.form_code = record.get("form") if table == "form_records" else None
        context.visit_code = record.get("visit_code")
        event = _EVENT_INSERTS.get(table)
        if event is not None:
            return [self._event(entry, event, record)]
        structured = STRUCTURED_COLUMNS.get(table)
        rows = []
        for path in field_paths(table, record):
            column, _, entry_name = path.partition(".")
            value = record[column]
            if entry_name and column == structured and isinstance(value, Mapping):
                value = value.get(entry_name)
            rows.append(self.row(entry, "Entered", path=path, new=self.value(table, path, value)))
        return rows or [self.row(entry, "Entered")]

    def _event(self, entry: AuditEntry, event: str, record: Mapping[str, Any]) -> ChangeRow:
        # The event is about a field of another record: name that record's field.
        target = str(record.get("entity") or "")
        path = record.get("field")
        context = self.context(entry)
        target_context = self.records.get((target, str(record.get("entity_id"))), context)
        field_text = (
            field_label(target, path, protocol=self.protocol, form_code=target_context.form_code)
            if target and path
            else ""
        )
        subject = label("entity", target) if target else ""
        text = record.get("body") or ""
        return ChangeRow(
            entry=entry, action=event, form=subject or self.form_label(entry.entity, context),
            visit=self.visit_label(target_context), field=path, field_label=field_text,
            old=EMPTY, new=str(text) if text else EMPTY, reason=entry.reason or "",
        )  # fmt: skip

    def _update(self, entry: AuditEntry) -> list[ChangeRow]:
        table, column = entry.entity, entry.field or ""
        old, new = _parse(entry.old_value), _parse(entry.new_value)
        context = self.context(entry)
        if column == "visit_code":
            context.visit_code = new if isinstance(new, str) else None
        if STRUCTURED_COLUMNS.get(table) == column and (
            isinstance(old, Mapping) or isinstance(new, Mapping)
        ):
            before = old if isinstance(old, Mapping) else {}
            after = new if isinstance(new, Mapping) else {}
            rows = []
            for name in sorted({*before, *after}):
                if before.get(name) == after.get(name):
                    continue
                path = f"{column}.{name}"
                rows.append(
                    self.row(
                        entry,
                        "Changed",
                        path=path,
                        old=self.value(table, path, before.get(name)),
                        new=self.value(table, path, after.get(name)),
                    )
                )
            return rows
        return [
            self.row(
                entry,
                "Changed",
                path=column or None,
                old=self.value(table, column, old),
                new=self.value(table, column, new),
            )
        ]


def read_trail(
    entries: Iterable[AuditEntry],
    *,
    protocol: Protocol | None = None,
    zone: zoneinfo.ZoneInfo | None = None,
) -> list[ChangeRow]:
    """The readable rows of ``entries`` (given in sequence order), oldest first.

    Entries are read in order because an update names only its column: the record's form and
    visit come from its earlier insert (and later visit changes).
    """
    reader = _Reader(protocol, zone)
    rows: list[ChangeRow] = []
    for entry in entries:
        rows.extend(reader.read(entry))
    return rows

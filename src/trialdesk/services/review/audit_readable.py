"""One subject's audit trail as people read it: filtered, paginated, in the site's local time.

The rows come from :func:`trialdesk.domain.audit_reading.read_trail`; this use case checks that
the user may see the subject (another site's subject is "not found"), names the users by their
full names, shows times in the subject's site zone and applies the reader's filters. The file
exports (CSV, PDF) are built by the entrypoints from :func:`readable_audit` and recorded with
:func:`record_audit_export`, which needs the export permission.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from trialdesk.domain.access import Action
from trialdesk.domain.audit import AuditAction
from trialdesk.domain.audit_reading import ChangeRow, read_trail
from trialdesk.domain.display import local_moment
from trialdesk.domain.errors import InputError
from trialdesk.domain.labels import LABELS
from trialdesk.domain.protocol import Protocol
from trialdesk.services.accounts.access import load_actor, require_subject
from trialdesk.services.accounts.site_zones import zone_of_subject
from trialdesk.services.clinical.recording import audit_event
from trialdesk.services.ports import UnitOfWork

__all__ = ["AuditFilters", "ReadableAudit", "ReadableRow", "readable_audit", "record_audit_export"]

#: The most rows one page may ask for (an export asks for every row with ``page_size=None``).
MAX_PAGE_SIZE = 500


@dataclass(frozen=True, slots=True)
class ReadableRow:
    """One row as shown: the domain's row with its time, its user's name and its site time."""

    change: ChangeRow
    occurred_at: dt.datetime
    #: The time in the site's zone, its zone named (``2026-12-05 08:00:00 CET (Europe/Paris)``).
    local_time: str
    user: str


@dataclass(frozen=True, slots=True)
class AuditFilters:
    """The reader's filters, all optional."""

    table: str | None = None
    record_id: int | None = None
    field: str | None = None
    user: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def as_kwargs(self) -> dict[str, Any]:
        """The filters as keyword arguments of :func:`readable_audit`."""
        return {
            "table": self.table, "record_id": self.record_id, "field": self.field,
            "user": self.user, "date_from": self.date_from, "date_to": self.date_to,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReadableAudit:
    """A page of rows, newest first, with what the filter form may offer."""

    subject_id: int
    subject_code: str
    site_code: str
    zone: str
    rows: tuple[ReadableRow, ...]
    total: int
    page: int
    page_size: int
    #: ``(path, label)`` of the fields present in the subject's trail.
    fields: tuple[tuple[str, str], ...]
    #: ``(username, full name)`` of the users present in the subject's trail.
    users: tuple[tuple[str, str], ...]
    #: ``(table, label)`` of the forms present in the subject's trail.
    forms: tuple[tuple[str, str], ...]
    filters: AuditFilters


def _check_paging(page: int, page_size: int | None) -> None:
    if page < 1:
        raise InputError.single("page", "the page number starts at 1")
    if page_size is not None and not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InputError.single("page_size", f"rows per page: from 1 to {MAX_PAGE_SIZE}")


def _check_filters(
    filters: AuditFilters, rows: Sequence[ChangeRow], usernames: set[str], tables: set[str]
) -> None:
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InputError.single("date_to", "the end date is before the start date")
    if filters.table is not None and filters.table not in {*LABELS["entity"], *tables}:
        raise InputError.single("table", f"no form {filters.table!r} in the audit trail")
    if filters.field is not None and not any(r.field == filters.field for r in rows):
        raise InputError.single("field", f"no changes of the field {filters.field!r}")
    if filters.user is not None and filters.user not in usernames:
        raise InputError.single("user", f"no changes by the user {filters.user!r}")


def _keep(row: ReadableRow, filters: AuditFilters, zone_date: dt.date) -> bool:
    change = row.change
    return (
        (filters.table is None or change.table == filters.table)
        and (filters.record_id is None or change.record_id == str(filters.record_id))
        and (filters.field is None or change.field == filters.field)
        and (filters.user is None or change.entry.username == filters.user)
        and (filters.date_from is None or zone_date >= filters.date_from)
        and (filters.date_to is None or zone_date <= filters.date_to)
    )


def readable_audit(
    uow: UnitOfWork,
    as_user: int | None,
    subject_id: int,
    protocol: Protocol,
    *,
    table: str | None = None,
    record_id: int | None = None,
    field: str | None = None,
    user: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    page: int = 1,
    page_size: int | None = 50,
) -> ReadableAudit:
    """The subject's readable trail, newest first; ``page_size=None`` gives every row.

    Exports are no more than what the page shows: the subject's data changes and events. Who
    may view the subject may read it here; another site's subject is "not found".
    """
    wanted = AuditFilters(table, record_id, field, user, date_from, date_to)
    _check_paging(page, page_size)
    with uow:
        actor = load_actor(uow, as_user)
        subject = require_subject(uow, actor, subject_id, Action.VIEW_SUBJECT)
        site = uow.records.get("sites", subject["site_id"])
        zone = zone_of_subject(uow, subject_id, protocol.time_zone)
        entries = [
            e
            for e in uow.audit.entries(subject_id=subject_id)
            if e.action is not AuditAction.EXPORT
        ]
        names = {u["username"]: u["full_name"] for u in uow.records.find("users")}
    changes = read_trail(entries, protocol=protocol, zone=zone)
    usernames = {c.entry.username for c in changes}
    tables = {c.table for c in changes}
    _check_filters(wanted, changes, usernames, tables)
    kept: list[ReadableRow] = []
    for change in reversed(changes):
        moment = dt.datetime.fromisoformat(change.entry.occurred_at)
        row = ReadableRow(
            change, moment, local_moment(moment, zone, seconds=True),
            names.get(change.entry.username, change.entry.username),
        )  # fmt: skip
        if _keep(row, wanted, moment.astimezone(zone).date()):
            kept.append(row)
    size = page_size or max(len(kept), 1)
    start = (page - 1) * size
    fields = sorted({(c.field, c.field_label) for c in changes if c.field}, key=lambda f: f[1])
    return ReadableAudit(
        subject_id=subject_id, subject_code=str(subject.get("subject_code") or
                                                subject.get("screening_number") or subject_id),
        site_code=site["code"] if site is not None else "", zone=zone.key,
        rows=tuple(kept[start : start + size]), total=len(kept), page=page, page_size=size,
        fields=tuple(fields),
        users=tuple(sorted((u, names.get(u, u)) for u in usernames)),
        # Only the forms people enter; events (queries, verification) are found by their field.
        forms=tuple(sorted((t, LABELS["entity"][t]) for t in tables if t in LABELS["entity"])),
        filters=wanted,
    )  # fmt: skip


def record_audit_export(
    uow: UnitOfWork, as_user: int | None, subject_id: int, *, file_format: str, rows: int,
    filters: AuditFilters,
) -> None:  # fmt: skip
    """Check the export permission and write the export's own audit entry (a separate step,
    so the file is only handed out once its export is on the trail)."""
    with uow:
        actor = load_actor(uow, as_user)
        require_subject(uow, actor, subject_id, Action.EXPORT_AUDIT)
        audit_event(
            uow, actor, AuditAction.EXPORT, "audit_trail", subject_id=subject_id,
            new={"format": file_format, "rows": rows, "readable": True,
                 "filters": {k: v for k, v in filters.as_kwargs().items() if v is not None}},
        )  # fmt: skip
        uow.commit()

"""The casebook: one subject's forms as a grid of visits × forms, and the top strip above it.

Every table of the subject is read once (:data:`SUBJECT_TABLES`), the review facts once
(:mod:`trialdesk.services.subjects.casebook_cells`), and the grid is assembled in memory: there is
no read per cell. The plan (cancelled items, dates due and overdue, the next protocol step) comes
from :func:`trialdesk.services.subjects.subject_plan.subject_timeline`, the same reading the subject
page and the dashboard use; which cell is expected, and which status wins, from
:mod:`trialdesk.domain.casebook`. :func:`build_casebook` takes rows already read, so the worklists
build many subjects' grids from one read of each table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from trialdesk.domain.access import Action
from trialdesk.domain.calendar import PlanState, WindowStatus
from trialdesk.domain.casebook import (
    LEGEND,
    CasebookColumn,
    CasebookLayout,
    CasebookRow,
    CellStatus,
    RowKind,
    StatusText,
    casebook_layout,
    cell_status,
    is_applicable,
)
from trialdesk.domain.decisions import ProtocolDecision
from trialdesk.domain.display import time_zone
from trialdesk.domain.forms.spec import FormField
from trialdesk.domain.labels import label
from trialdesk.domain.lifecycle import may_be_randomized, may_receive_study_treatment
from trialdesk.domain.protocol import Protocol
from trialdesk.services.accounts.access import load_actor, require_subject
from trialdesk.services.clinical.corrections import COLLECTIONS
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.review.audit_head_memo import AuditHeadMemo
from trialdesk.services.subjects.casebook_cells import ReviewFacts, load_review_facts
from trialdesk.services.subjects.casebook_placing import place_plan, place_records, row_code
from trialdesk.services.subjects.subject_plan import SubjectRecords, TimelineItem, subject_timeline
from trialdesk.services.subjects.subject_view import AllocationView
from trialdesk.services.subjects.subjects import SubjectRead, read_subject_row

__all__ = [
    "SUBJECT_TABLES",
    "Casebook",
    "Cell",
    "GridRow",
    "LogEntry",
    "LogRow",
    "build_casebook",
    "load_casebook",
]

#: The subject's record tables and the column each is kept in order by.
SUBJECT_TABLES: Mapping[str, str] = {
    "screening_records": "screened_on",
    "consents": "consented_on",
    "allocations": "allocated_at",
    "visits": "visit_date",
    "dose_administrations": "administered_on",
    "gvhd_assessments": "assessed_on",
    "adverse_events": "onset_on",
    "therapies": "started_on",
    "outcomes": "occurred_on",
    "form_records": "record_date",
}
_PAGE_OF = {table: collection for collection, table in COLLECTIONS.items()}


@dataclass(frozen=True, slots=True)
class Cell:
    status: CellStatus
    text: StatusText
    #: The record page (a record exists) or the entry page (it is due and the user enters data).
    href: str | None
    #: "GVHD assessment, Week 1: Complete" — the icon's text alternative.
    title: str
    record_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class GridRow:
    row: CasebookRow
    cells: tuple[Cell, ...]


@dataclass(frozen=True, slots=True)
class LogEntry:
    record_id: int
    text: str
    on: dt.date
    cell: Cell


@dataclass(frozen=True, slots=True)
class LogRow:
    row: CasebookRow
    entries: tuple[LogEntry, ...]
    #: The entry page for a new record (``None``: the user may not enter data).
    new_href: str | None


@dataclass(frozen=True, slots=True)
class Casebook:
    subject: SubjectRead
    allocation: AllocationView | None
    columns: tuple[CasebookColumn, ...]
    rows: tuple[GridRow, ...]
    logs: tuple[LogRow, ...]
    next_step: ProtocolDecision | None
    treatment_ended: str | None
    #: Planned doses and visits whose window is open today or has closed, oldest first.
    due: tuple[TimelineItem, ...]
    casebook_signed: bool
    #: The whole plan (the treatment calendar below the grid), study day 1, weight, courses.
    timeline: tuple[TimelineItem, ...]
    day1: dt.date | None
    weight_kg: float | None
    courses: int
    may_enter_data: bool
    may_record_dose: bool
    may_randomize: bool
    may_sign: bool
    #: When the casebook was read (a remembered one keeps the time it was first built).
    now: dt.datetime

    @property
    def legend(self) -> tuple[tuple[CellStatus, StatusText], ...]:
        return tuple(LEGEND.items())

    @property
    def overdue(self) -> tuple[TimelineItem, ...]:
        return tuple(i for i in self.due if i.window is WindowStatus.OVERDUE)

    def cells_with(self, *statuses: CellStatus) -> list[tuple[GridRow, CasebookColumn, Cell]]:
        """Grid cells in one of ``statuses`` (worklists: forms to complete, SDV backlog)."""
        return [
            (row, column, cell)
            for row in self.rows
            for column, cell in zip(self.columns, row.cells, strict=True)
            if cell.status in statuses
        ]


#: The layout depends on the protocol and the number of courses only: built once per pair.
_LAYOUTS: dict[tuple[int, int], tuple[Protocol, CasebookLayout]] = {}


def _layout(protocol: Protocol, courses: int) -> CasebookLayout:
    key = (id(protocol), courses)
    cached = _LAYOUTS.get(key)
    if cached is None or cached[0] is not protocol:
        cached = (protocol, casebook_layout(protocol, courses))
        _LAYOUTS[key] = cached
    return cached[1]


def _missing_required(fields: Sequence[FormField], values: Mapping[str, object]) -> bool:
    return any(f.required and values.get(f.name) in (None, "", []) for f in fields)


@dataclass(frozen=True, slots=True)
class _Context:
    protocol: Protocol
    subject: Record
    facts: ReviewFacts
    arm: str | None
    may_enter: bool
    may_dose: bool
    may_randomize: bool

    @property
    def base(self) -> str:
        return f"/subjects/{self.subject['id']}"


def _record_href(ctx: _Context, table: str, record_id: int) -> str:
    if table == "allocations":
        return f"{ctx.base}/randomize"
    if table == "form_records":
        return f"{ctx.base}/forms/{record_id}"
    return f"{ctx.base}/{_PAGE_OF[table]}/{record_id}"


def _entry_href(ctx: _Context, row: CasebookRow, column: CasebookColumn) -> str | None:
    """Where the form is entered, for a user who may enter it now."""
    if row.kind is RowKind.RANDOMIZATION:
        return f"{ctx.base}/randomize" if ctx.may_randomize else None
    if not ctx.may_enter:
        return None
    visit = f"?visit={column.visit}"
    return {
        RowKind.SCREENING: f"{ctx.base}/screening",
        RowKind.CONSENT: f"{ctx.base}/screening#consent",
        RowKind.VISIT: f"{ctx.base}/visits/new{visit}",
        RowKind.DOSE: f"{ctx.base}/doses/new" if ctx.may_dose else None,
        RowKind.ASSESSMENT: f"{ctx.base}/assessments/new{visit}",
        RowKind.FORM: f"{ctx.base}/forms/{row.form_code}/new{visit}",
    }.get(row.kind)


def _incomplete(ctx: _Context, row: CasebookRow, records: Sequence[Record],
                planned: Sequence[TimelineItem]) -> bool:  # fmt: skip
    if row.kind is RowKind.DOSE:
        return len(records) < sum(1 for i in planned if i.state is not PlanState.CANCELLED)
    if row.kind is RowKind.SCREENING:
        return ctx.subject["state"] == "screening" and not records[-1]["eligible"]
    if row.kind in (RowKind.FORM, RowKind.LOG_FORM) and row.form_code:
        spec = ctx.protocol.form(row.form_code)
        return any(_missing_required(spec.fields, r["values"]) for r in records)
    return False


def _cell(ctx: _Context, row: CasebookRow, column: CasebookColumn, records: Sequence[Record],
          planned: Sequence[TimelineItem]) -> Cell:  # fmt: skip
    applicable = is_applicable(row, column, ctx.arm)
    cancelled = bool(planned) and all(i.state is PlanState.CANCELLED for i in planned)
    ids = tuple(r["id"] for r in records)
    facts = ctx.facts.cell(
        row.table, ids, applicable=applicable, cancelled=cancelled,
        incomplete=bool(records) and _incomplete(ctx, row, records, planned),
    )  # fmt: skip
    status = cell_status(facts)
    text = LEGEND[status]
    if ids:
        href: str | None = _record_href(ctx, row.table, ids[0])
    elif status in (CellStatus.NOT_STARTED, CellStatus.INCOMPLETE):
        href = _entry_href(ctx, row, column)
    else:
        href = None
    count = f" ({len(ids)} records)" if len(ids) > 1 else ""
    title = f"{row.label}, {column.label}{_course(column)}: {text.label}{count}"
    return Cell(status, text, href, title, ids)


def _course(column: CasebookColumn) -> str:
    return f", course {column.course}" if column.course and column.course > 1 else ""


def _log_text(row: CasebookRow, record: Record) -> tuple[str, dt.date]:
    if row.kind is RowKind.ADVERSE_EVENT:
        return f"{record['term']} (grade {record['ctcae_grade']})", record["onset_on"]
    if row.kind is RowKind.THERAPY:
        return f"{label('therapy', record['kind'])}: {record['name']}", record["started_on"]
    if row.kind is RowKind.OUTCOME:
        return label("outcome", record["kind"]), record["occurred_on"]
    return row.label, record["record_date"]


_LOG_NEW = {
    RowKind.ADVERSE_EVENT: "adverse-events/new",
    RowKind.THERAPY: "therapies/new",
    RowKind.OUTCOME: "outcomes/new",
}


def _log_row(ctx: _Context, row: CasebookRow, records: Sequence[Record]) -> LogRow:
    entries = []
    for record in records:
        text, on = _log_text(row, record)
        facts = ctx.facts.cell(
            row.table, (record["id"],), incomplete=_incomplete(ctx, row, (record,), ())
        )
        status = cell_status(facts)
        href = (
            f"{ctx.base}/adverse-events/{record['id']}"
            if row.kind is RowKind.ADVERSE_EVENT
            else _record_href(ctx, row.table, record["id"])
        )
        cell = Cell(status, LEGEND[status], href, f"{row.label}, {text}: {LEGEND[status].label}",
                    (record["id"],))  # fmt: skip
        entries.append(LogEntry(record["id"], text, on, cell))
    new = _LOG_NEW.get(row.kind, f"forms/{row.form_code}/new")
    return LogRow(row, tuple(entries), f"{ctx.base}/{new}" if ctx.may_enter else None)


def _sorted(tables: Mapping[str, Sequence[Record]]) -> dict[str, list[Record]]:
    return {
        table: sorted(tables.get(table, ()), key=lambda r: (r[column], r["id"]))
        for table, column in SUBJECT_TABLES.items()
    }


def build_casebook(
    protocol: Protocol,
    subject: SubjectRead,
    subject_row: Record,
    tables: Mapping[str, Sequence[Record]],
    facts: ReviewFacts,
    *,
    today: dt.date,
    now: dt.datetime,
    permissions: tuple[bool, bool, bool] = (False, False, False),
) -> Casebook:
    """The casebook from the subject's rows, already read; ``permissions`` = (enter data,
    randomize, sign) at the subject's site."""
    rows = _sorted(tables)
    allocation = rows["allocations"][0] if rows["allocations"] else None
    arm = allocation["arm"] if allocation else None
    plan = subject_timeline(
        protocol, arm, SubjectRecords(rows["dose_administrations"], rows["visits"],
        rows["gvhd_assessments"], rows["screening_records"], rows["therapies"], rows["outcomes"]),
        today,
    )  # fmt: skip
    calendar = plan.progress.calendar
    may_enter = permissions[0] and not facts.all_locked
    ctx = _Context(
        protocol, subject_row, facts, arm, may_enter,
        may_enter and may_receive_study_treatment(subject_row["state"]),
        permissions[1] and allocation is None and may_be_randomized(subject_row["state"]),
    )  # fmt: skip
    layout = _layout(protocol, plan.progress.courses)
    records = place_records(protocol, rows, plan.progress, calendar)
    planned = place_plan(plan.items, calendar)
    grid = tuple(
        GridRow(row, tuple(
            _cell(ctx, row, c, records.get((row_code(row), c.key), ()),
                  planned.get((row_code(row), c.key), ()))
            for c in layout.columns
        ))
        for row in layout.rows
    )  # fmt: skip
    by_table = {RowKind.ADVERSE_EVENT: "adverse_events", RowKind.THERAPY: "therapies",
                RowKind.OUTCOME: "outcomes"}  # fmt: skip
    logs = tuple(
        _log_row(ctx, row, rows[by_table[row.kind]] if row.kind in by_table
                 else [r for r in rows["form_records"] if r["form"] == row.form_code])
        for row in layout.log_rows
    )  # fmt: skip
    due = tuple(
        sorted((i for i in plan.items if i.window in (WindowStatus.DUE, WindowStatus.OVERDUE)),
               key=lambda i: (i.earliest, i.day))
    )  # fmt: skip
    return Casebook(
        subject=subject,
        allocation=AllocationView(arm, protocol.arm(arm).label, allocation["allocated_at"])
        if allocation and arm
        else None,
        columns=layout.columns,
        rows=grid,
        logs=logs,
        next_step=plan.progress.decision,
        treatment_ended=plan.treatment_ended,
        due=due,
        casebook_signed=facts.casebook_signed,
        timeline=plan.items,
        day1=plan.progress.day1,
        weight_kg=plan.progress.weight_kg,
        courses=plan.progress.courses,
        may_enter_data=may_enter,
        may_record_dose=ctx.may_dose,
        may_randomize=ctx.may_randomize,
        may_sign=permissions[2],
        now=now,
    )


def load_casebook(
    uow: UnitOfWork,
    *,
    as_user: int,
    subject_id: int,
    protocol: Protocol,
    memo: AuditHeadMemo[Casebook] | None = None,
) -> Casebook:
    """The subject's casebook, if the user may see the subject (another site: not found).

    What is due is counted on the site's calendar day. With ``memo`` a casebook built at the
    same audit head, for the same reader, on the same site day is reused (the access check is
    made every time).
    """
    with uow:
        actor = load_actor(uow, as_user)
        row = require_subject(uow, actor, subject_id, Action.VIEW_SUBJECT)
        head = uow.audit.head()[0]  # before the data: see audit_head_memo
        site, now = row["site_id"], uow.clock.now()
        # One read of the site: its code for the header, its zone for "today".
        site_row = uow.records.get("sites", site)
        assert site_row is not None
        today = now.astimezone(time_zone(site_row["time_zone"] or protocol.time_zone)).date()

        def build() -> Casebook:
            tables = {t: uow.records.find(t, subject_id=subject_id) for t in SUBJECT_TABLES}
            permissions = (
                actor.may(Action.ENTER_DATA, site), actor.may(Action.RANDOMIZE, site),
                actor.may(Action.SIGN, site),
            )  # fmt: skip
            return build_casebook(
                protocol, read_subject_row(uow, row, {site: site_row["code"]}), row, tables,
                load_review_facts(uow, row), today=today, now=now, permissions=permissions,
            )  # fmt: skip

        if memo is None:
            return build()
        return memo.get_or_build((subject_id, as_user, head, today, id(protocol)), build)

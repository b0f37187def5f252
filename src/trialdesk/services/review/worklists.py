"""Worklists by role: what each user has to do next, for the subjects of their sites.

The lists are read from the same casebook the subject's page shows
(:func:`trialdesk.services.subjects.casebook.build_casebook`), so "incomplete", "open query" or "not
verified" mean the same thing in both places. Each table is read once for all subjects and
grouped by subject; no read per subject. A role held at one site lists that site's subjects; a
study-wide role (no site) lists every site's.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from trialdesk.domain.access import Action, Role
from trialdesk.domain.casebook import CellStatus
from trialdesk.domain.labels import label
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.safety.clocks import ClockStatus
from trialdesk.services.accounts.access import Actor, load_actor
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.safety.adverse_event_records import clock_readings
from trialdesk.services.subjects.casebook import SUBJECT_TABLES, Casebook, build_casebook
from trialdesk.services.subjects.casebook_cells import OPEN_QUERY_STATUSES, review_facts
from trialdesk.services.subjects.subjects import read_subject_row

__all__ = ["WorkItem", "WorkSection", "load_worklists"]

_ENDED = frozenset({"completed", "died", "withdrawn"})
_BANDS = ((7, "0-7 days"), (14, "8-14 days"), (30, "15-30 days"), (10**6, "over 30 days"))


@dataclass(frozen=True, slots=True)
class WorkItem:
    text: str
    href: str
    site: str
    #: Shown in red: the window has closed, the clock has run out.
    overdue: bool = False


@dataclass(frozen=True, slots=True)
class WorkSection:
    role: str
    title: str
    items: tuple[WorkItem, ...]


@dataclass(frozen=True, slots=True)
class _Subject:
    row: Record
    site: str
    book: Casebook

    @property
    def name(self) -> str:
        return str(self.row["subject_code"] or self.row["screening_number"])

    @property
    def href(self) -> str:
        return f"/subjects/{self.row['id']}"


def _course(course: int | None) -> str:
    return f", course {course}" if course and course > 1 else ""


def _sites_for(actor: Actor, role: Role, sites: Sequence[Record]) -> set[int]:
    return {s["id"] for s in sites if role in actor.roles_at(s["id"])}


def _coordinator(subjects: Sequence[_Subject], queries: Sequence[Record],
                 events: Sequence[Record], now: dt.datetime) -> list[WorkSection]:  # fmt: skip
    due = [
        WorkItem(f"{s.name}: {i.label}{_course(i.course)} — "
                 f"{label('window', i.window)} ({i.earliest} – {i.latest})",
                 s.href + "#top-strip", s.site, i.window.value == "overdue")
        for s in subjects for i in s.book.due
    ]  # fmt: skip
    forms = [
        WorkItem(f"{s.name}: {row.row.label}, {column.visit}", cell.href or s.href, s.site)
        for s in subjects
        for row, column, cell in s.book.cells_with(CellStatus.INCOMPLETE)
    ]
    by_id = {s.row["id"]: s for s in subjects}
    open_queries = [
        WorkItem(f"{by_id[q['subject_id']].name}: query {q['id']} on "
                 f"{label('entity', q['entity'])}", f"/queries/{q['id']}",
                 by_id[q["subject_id"]].site)
        for q in queries if q["status"] in OPEN_QUERY_STATUSES and q["subject_id"] in by_id
    ]  # fmt: skip
    clocks = [
        WorkItem(f"{by_id[e['subject_id']].name}: {e['term']} — {r.summary}",
                 f"{by_id[e['subject_id']].href}/adverse-events/{e['id']}",
                 by_id[e["subject_id"]].site, r.status is ClockStatus.OVERDUE)
        for e in events if e["subject_id"] in by_id and e["serious"]
        for r in clock_readings(e, now)
        if r.status in (ClockStatus.OPEN, ClockStatus.DUE_SOON, ClockStatus.OVERDUE)
    ]  # fmt: skip
    return [
        WorkSection("site_coordinator", "Due and overdue visits and doses", tuple(due)),
        WorkSection("site_coordinator", "Forms to complete", tuple(forms)),
        WorkSection("site_coordinator", "Open queries", tuple(open_queries)),
        WorkSection("site_coordinator", "Running SAE reporting clocks", tuple(clocks)),
    ]


def _per_site(counts: Counter[str], what: str) -> tuple[WorkItem, ...]:
    return tuple(
        WorkItem(f"{site}: {n} {what}", f"/subjects?site={site}", site)
        for site, n in sorted(counts.items())
    )


def _monitor(subjects: Sequence[_Subject], queries: Sequence[Record]) -> list[WorkSection]:
    backlog: Counter[str] = Counter()
    for s in subjects:
        if s.book.allocation is not None:
            waiting = (CellStatus.COMPLETE, CellStatus.INCOMPLETE, CellStatus.OPEN_QUERY)
            backlog[s.site] += len(s.book.cells_with(*waiting))
    by_id = {s.row["id"]: s for s in subjects}
    answered = tuple(
        WorkItem(f"{by_id[q['subject_id']].name}: query {q['id']} answered",
                 f"/queries/{q['id']}", by_id[q["subject_id"]].site)
        for q in queries if q["status"] == "answered" and q["subject_id"] in by_id
    )  # fmt: skip
    return [
        WorkSection("monitor", "Source verification backlog", _per_site(backlog, "forms")),
        WorkSection("monitor", "Queries answered, awaiting your review", answered),
    ]


def _band(days: int) -> str:
    return next(name for limit, name in _BANDS if days <= limit)


def _data_manager(subjects: Sequence[_Subject], queries: Sequence[Record],
                  now: dt.datetime) -> list[WorkSection]:  # fmt: skip
    missing: Counter[str] = Counter()
    ready = []
    by_id = {s.row["id"]: s for s in subjects}
    open_by_subject = Counter(
        q["subject_id"] for q in queries if q["status"] in OPEN_QUERY_STATUSES
    )
    for s in subjects:
        overdue = {(i.code, i.course) for i in s.book.due if i.window.value == "overdue"}
        missing[s.site] += sum(
            1 for _, column, _ in s.book.cells_with(CellStatus.NOT_STARTED)
            if (column.visit, column.course) in overdue
        )  # fmt: skip
        locked = any(c.status is CellStatus.LOCKED for r in s.book.rows for c in r.cells)
        if s.row["state"] in _ENDED and not open_by_subject[s.row["id"]] and not locked:
            ready.append(WorkItem(f"{s.name}: ready to lock", s.href, s.site))
    ageing: Counter[str] = Counter()
    for q in queries:
        if q["status"] in OPEN_QUERY_STATUSES and q["subject_id"] in by_id:
            since = q.get("status_changed_at") or q["created_at"]
            band = _band((now - since).days)
            ageing[f"{by_id[q['subject_id']].site}: {band}"] += 1
    ages = tuple(
        WorkItem(f"{key}: {n} open", "/queries?status=open", key.split(":")[0])
        for key, n in sorted(ageing.items())
    )
    return [
        WorkSection("data_manager", "Missing forms", _per_site(missing, "forms missing")),
        WorkSection("data_manager", "Open queries by age", ages),
        WorkSection("data_manager", "Ready to lock", tuple(ready)),
    ]


def _investigator(subjects: Sequence[_Subject]) -> list[WorkSection]:
    due = tuple(
        WorkItem(f"{s.name}: casebook signature due", f"{s.href}/signatures/new", s.site)
        for s in subjects if s.book.allocation is not None and not s.book.casebook_signed
    )  # fmt: skip
    return [WorkSection("investigator", "Casebook signatures due", due)]


def load_worklists(uow: UnitOfWork, *, as_user: int, protocol: Protocol) -> tuple[WorkSection, ...]:
    """The user's worklists, one group of sections per role they hold."""
    with uow:
        actor = load_actor(uow, as_user)
        sites = uow.records.find("sites")
        codes = {s["id"]: s["code"] for s in sites}
        visible = {s["id"] for s in sites if actor.may(Action.VIEW_SUBJECT, s["id"])}
        rows = [r for r in uow.records.find("subjects") if r["site_id"] in visible]
        grouped: dict[str, dict[int, list[Record]]] = {}
        for table in (*SUBJECT_TABLES, "queries", "sdv_marks", "signatures"):
            grouped[table] = defaultdict(list)
            for record in uow.records.find(table):
                grouped[table][record["subject_id"]].append(record)
        locks = uow.records.find("locks")
        now = uow.clock.now()
        subjects = []
        for row in rows:
            sid = row["id"]
            facts = review_facts(
                row, grouped["queries"][sid], grouped["sdv_marks"][sid],
                grouped["signatures"][sid],
                [lock for lock in locks if lock["subject_id"] in (sid, None)],
            )  # fmt: skip
            book = build_casebook(
                protocol, read_subject_row(uow, row, codes), row,
                {t: grouped[t][sid] for t in SUBJECT_TABLES}, facts,
                today=now.date(), now=now,
                permissions=(actor.may(Action.ENTER_DATA, row["site_id"]), False, False),
            )  # fmt: skip
            subjects.append(_Subject(row, codes[row["site_id"]], book))
        queries = [q for qs in grouped["queries"].values() for q in qs]
        events = [e for es in grouped["adverse_events"].values() for e in es]
        sections: list[WorkSection] = []
        for role, build in (
            (Role.SITE_COORDINATOR, lambda mine: _coordinator(mine, queries, events, now)),
            (Role.MONITOR, lambda mine: _monitor(mine, queries)),
            (Role.DATA_MANAGER, lambda mine: _data_manager(mine, queries, now)),
            (Role.INVESTIGATOR, _investigator),
        ):
            held = _sites_for(actor, role, sites)
            if held:
                sections += build([s for s in subjects if s.row["site_id"] in held])
        return tuple(sections)

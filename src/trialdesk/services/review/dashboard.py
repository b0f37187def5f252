"""The trial dashboard: enrollment, screen failures, open SAEs, overdue items and open queries.

A read-side view that honours role and site like every use case. Counts cover the sites the user
may see subjects at, or the whole study for study-wide roles (sponsor, statistician, DSMB, a
study-wide monitor); lists that name a subject (SAEs, overdue visits and doses, queries) cover only
sites where the user may see subjects. Of the randomization it shows arm counts of allocated
subjects and nothing else: no list, stratum or position.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from trialdesk.domain.access import Action
from trialdesk.domain.errors import TrialdeskError
from trialdesk.domain.lifecycle import SubjectState
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.queries import OPEN_QUERY_STATES, QueryStatus
from trialdesk.domain.safety.adverse_event import AeOutcome
from trialdesk.services.accounts.access import Actor, load_actor
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.safety.adverse_event_records import clock_readings, current_outcome
from trialdesk.services.subjects.subject_plan import SubjectRecords, subject_timeline

__all__ = [
    "DashboardRead",
    "EnrollmentPoint",
    "OverdueItem",
    "ReportingClockRead",
    "ScreenFailureReason",
    "SeriousEventRead",
    "SiteEnrollment",
    "trial_dashboard",
]

#: The records a subject's plan is read from, in :class:`SubjectRecords` order, by date column.
_PLAN_TABLES = (
    ("dose_administrations", "administered_on"),
    ("visits", "visit_date"),
    ("gvhd_assessments", "assessed_on"),
    ("screening_records", "screened_on"),
    ("therapies", "started_on"),
    ("outcomes", "occurred_on"),
)
#: SAE outcomes after which the event is no longer followed.
_CLOSED_OUTCOMES = {AeOutcome.RECOVERED, AeOutcome.RECOVERED_WITH_SEQUELAE, AeOutcome.FATAL}
#: A missing answer (e.g. awaiting the investigator) is pending, not a reason for screen failure.
_FAILED_CRITERION = {"not_met", "not_attested"}


@dataclass(frozen=True, slots=True)
class EnrollmentPoint:
    """Subjects randomized up to and including ``day``."""

    day: dt.date
    cumulative: int


@dataclass(frozen=True, slots=True)
class SiteEnrollment:
    site_code: str
    screened: int
    screen_failed: int
    randomized: int
    by_arm: dict[str, int]


@dataclass(frozen=True, slots=True)
class ScreenFailureReason:
    criterion: str
    text: str
    subjects: int


@dataclass(frozen=True, slots=True)
class ReportingClockRead:
    kind: str
    due_at: dt.datetime
    overdue: bool


@dataclass(frozen=True, slots=True)
class SeriousEventRead:
    subject_id: int
    subject: str
    site_code: str
    term: str
    ctcae_grade: int
    aware_at: dt.datetime
    clocks: tuple[ReportingClockRead, ...]


@dataclass(frozen=True, slots=True)
class OverdueItem:
    """A planned visit or dose still owed whose window closed without a record.

    Read from :func:`trialdesk.services.subjects.subject_plan.subject_timeline`, like the subject
    page: an item cancelled by a switch of therapy, the end of study treatment or death is not owed.
    """

    subject_id: int
    subject: str
    site_code: str
    kind: str
    what: str
    latest: dt.date
    days_overdue: int


@dataclass(frozen=True, slots=True)
class DashboardRead:
    today: dt.date
    target_enrollment: int
    arms: tuple[str, ...]
    sites: tuple[SiteEnrollment, ...]
    enrollment: tuple[EnrollmentPoint, ...]
    screen_failures: tuple[ScreenFailureReason, ...]
    open_serious_events: tuple[SeriousEventRead, ...]
    overdue: tuple[OverdueItem, ...]
    open_queries_by_site: dict[str, int]
    answered_queries_by_site: dict[str, int]

    @property
    def randomized(self) -> int:
        return sum(site.randomized for site in self.sites)

    @property
    def by_arm(self) -> dict[str, int]:
        return {arm: sum(site.by_arm[arm] for site in self.sites) for arm in self.arms}


def _visible_sites(actor: Actor, sites: list[Record]) -> tuple[set[int], set[int]]:
    """(sites counted, sites whose subjects may be listed)."""
    listed = {s["id"] for s in sites if actor.may(Action.VIEW_SUBJECT, s["id"])}
    study_wide = actor.is_system or any(site is None for _, site in actor.grants)
    counted = {s["id"] for s in sites} if study_wide else listed
    return counted, listed


def _label(subject: Record) -> str:
    return str(subject["subject_code"] or subject["screening_number"])


def _screen_failures(
    protocol: Protocol, failed: list[Record], screenings: dict[int, Record]
) -> tuple[ScreenFailureReason, ...]:
    reasons: Counter[str] = Counter()
    for subject in failed:
        record = screenings.get(subject["id"])
        if record is not None:
            reasons.update(
                {
                    r["criterion"]
                    for r in record["criteria_results"]
                    if r["status"] in _FAILED_CRITERION
                }
            )
    text = {c.id: c.text for c in protocol.criteria}
    return tuple(
        ScreenFailureReason(criterion, text.get(criterion, criterion), n)
        for criterion, n in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    )


def _serious_event(event: Record, subject: Record, site: str, now: dt.datetime) -> SeriousEventRead:
    # Only clocks still running: a clock whose report was sent is met or late, not pending.
    clocks = tuple(
        ReportingClockRead(r.clock.kind.value, r.clock.due_at, now > r.clock.due_at)
        for r in clock_readings(event, now)
        if r.is_running
    )
    return SeriousEventRead(
        subject["id"], _label(subject), site, event["term"], event["ctcae_grade"],
        event["aware_at"], clocks,
    )  # fmt: skip


def _overdue_for(
    protocol: Protocol, subject: Record, site: str, arm: str, records: SubjectRecords,
    today: dt.date,
) -> list[OverdueItem]:  # fmt: skip
    try:
        plan = subject_timeline(protocol, arm, records, today)
    except TrialdeskError:
        return []  # a record the calendar cannot plan from is a matter for review, not here
    return [
        OverdueItem(
            subject["id"], _label(subject), site, item.kind,
            f"{item.label} day {item.day}" if item.kind == "dose"
            else f"{item.code} ({item.label})",
            item.latest, (today - item.latest).days,
        )
        for item in plan.overdue
    ]  # fmt: skip


def _group(rows: list[Record]) -> dict[int, list[Record]]:
    grouped: dict[int, list[Record]] = defaultdict(list)
    for row in rows:
        grouped[row["subject_id"]].append(row)
    return grouped


def _site_enrollment(
    counted: set[int], code: dict[int, str], subjects: list[Record],
    allocations: dict[int, Record], arms: tuple[str, ...],
) -> tuple[SiteEnrollment, ...]:  # fmt: skip
    per_site: dict[int, Counter[str]] = {site: Counter() for site in counted}
    for subject in subjects:
        tally = per_site[subject["site_id"]]
        tally["screened"] += 1
        if subject["state"] == SubjectState.SCREEN_FAILED:
            tally["screen_failed"] += 1
        allocation = allocations.get(subject["id"])
        if allocation is not None:
            tally["randomized"] += 1
            tally["arm:" + allocation["arm"]] += 1
    return tuple(
        SiteEnrollment(
            code[site], tally["screened"], tally["screen_failed"], tally["randomized"],
            {arm: tally["arm:" + arm] for arm in arms},
        )
        for site, tally in sorted(per_site.items(), key=lambda item: code[item[0]])
    )  # fmt: skip


def _enrollment_curve(allocations: dict[int, Record]) -> tuple[EnrollmentPoint, ...]:
    per_day = Counter(a["allocated_at"].astimezone(dt.UTC).date() for a in allocations.values())
    running, curve = 0, []
    for day in sorted(per_day):
        running += per_day[day]
        curve.append(EnrollmentPoint(day, running))
    return tuple(curve)


def _queries_by_site(
    uow: UnitOfWork, listed: dict[int, Record], code: dict[int, str]
) -> dict[QueryStatus, dict[str, int]]:
    """Open (open and re-opened: the site owes an answer) and answered queries per site."""
    counts: dict[QueryStatus, Counter[str]] = {
        QueryStatus.OPEN: Counter(),
        QueryStatus.ANSWERED: Counter(),
    }
    for query in uow.records.find("queries"):
        subject = listed.get(query["subject_id"])
        status = QueryStatus(query["status"])
        tally = QueryStatus.OPEN if status in OPEN_QUERY_STATES else status
        if subject is not None and tally in counts:
            counts[tally][code[subject["site_id"]]] += 1
    return {status: dict(sorted(tally.items())) for status, tally in counts.items()}


def _all_overdue(
    uow: UnitOfWork, protocol: Protocol, listed: dict[int, Record], code: dict[int, str],
    allocations: dict[int, Record], today: dt.date,
) -> tuple[OverdueItem, ...]:  # fmt: skip
    """Every listed subject's overdue items, read from the same timeline as the subject page."""
    tables = {
        table: _group(sorted(uow.records.find(table), key=lambda r: (r[column], r["id"])))
        for table, column in _PLAN_TABLES
    }
    found: list[OverdueItem] = []
    for subject_id, subject in listed.items():
        if subject_id in allocations:
            records = SubjectRecords(
                *(tables[table].get(subject_id, []) for table, _ in _PLAN_TABLES)
            )
            found += _overdue_for(
                protocol, subject, code[subject["site_id"]], allocations[subject_id]["arm"],
                records, today,
            )  # fmt: skip
    return tuple(sorted(found, key=lambda o: (-o.days_overdue, o.subject)))


def _open_serious_events(
    uow: UnitOfWork, listed: dict[int, Record], code: dict[int, str], now: dt.datetime
) -> tuple[SeriousEventRead, ...]:
    found = [
        _serious_event(
            event, listed[event["subject_id"]], code[listed[event["subject_id"]]["site_id"]], now
        )
        for event in uow.records.find("adverse_events", serious=True)
        if event["subject_id"] in listed and current_outcome(event) not in _CLOSED_OUTCOMES
    ]
    # The most pressing deadline first.
    return tuple(sorted(found, key=lambda e: min((c.due_at for c in e.clocks), default=e.aware_at)))


def trial_dashboard(uow: UnitOfWork, *, as_user: int, protocol: Protocol) -> DashboardRead:
    """The dashboard as ``as_user`` may see it, at the store clock's now (UTC)."""
    arms = tuple(arm.code for arm in protocol.arms)
    with uow:
        actor = load_actor(uow, as_user)
        now = uow.clock.now().astimezone(dt.UTC)
        sites = uow.records.find("sites")
        counted, listed_sites = _visible_sites(actor, sites)
        code = {s["id"]: s["code"] for s in sites}
        subjects = [s for s in uow.records.find("subjects") if s["site_id"] in counted]
        by_id = {s["id"]: s for s in subjects}
        listed = {i: s for i, s in by_id.items() if s["site_id"] in listed_sites}
        allocations = {
            a["subject_id"]: a for a in uow.records.find("allocations") if a["subject_id"] in by_id
        }
        screenings: dict[int, Record] = {}
        for record in uow.records.find("screening_records"):
            if record["subject_id"] in by_id:
                screenings[record["subject_id"]] = record  # id order: the latest one wins
        failed = [s for s in subjects if s["state"] == SubjectState.SCREEN_FAILED]
        queries = _queries_by_site(uow, listed, code)
        return DashboardRead(
            today=now.date(),
            target_enrollment=protocol.population.target_enrollment,
            arms=arms,
            sites=_site_enrollment(counted, code, subjects, allocations, arms),
            enrollment=_enrollment_curve(allocations),
            screen_failures=_screen_failures(protocol, failed, screenings),
            open_serious_events=_open_serious_events(uow, listed, code, now),
            overdue=_all_overdue(uow, protocol, listed, code, allocations, now.date()),
            open_queries_by_site=queries[QueryStatus.OPEN],
            answered_queries_by_site=queries[QueryStatus.ANSWERED],
        )

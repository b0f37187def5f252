"""The casebook: a subject's forms as a grid of visits × forms, and what each cell's icon says.

Rows are the forms in protocol order (screening, consent, randomization, the visit record, each
visit's doses and GVHD assessment, the protocol's once and per-visit forms), then the log forms
(adverse events, therapies, outcomes, the protocol's log forms), which have no visit and are
listed with their records. Columns are the protocol's visits; the course visits are repeated
for each course given, so a second course adds its own columns. Which cells are expected at all
is a protocol rule (a form not planned at that visit or for the subject's arm is "not
applicable"), decided here once; the precedence of a cell's status is too, so the page, the
worklists and the API cannot disagree.

The layout depends only on the protocol, the arm and the number of courses, so callers may
keep it (:func:`casebook_layout`) and fill in the facts of each subject.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from trialdesk.domain.forms.spec import FormRepeat
from trialdesk.domain.protocol import Protocol, VisitPhase

__all__ = [
    "LEGEND",
    "CasebookColumn",
    "CasebookLayout",
    "CasebookRow",
    "CellFacts",
    "CellStatus",
    "RowKind",
    "StatusText",
    "casebook_layout",
    "cell_status",
    "is_applicable",
]


class CellStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    INCOMPLETE = "incomplete"
    COMPLETE = "complete"
    OPEN_QUERY = "open_query"
    VERIFIED = "verified"
    SIGNED = "signed"
    LOCKED = "locked"
    NOT_APPLICABLE = "not_applicable"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class StatusText:
    """What a status looks like: its icon, its short label and the legend's sentence."""

    icon: str
    label: str
    legend: str


#: Every status in legend order, with an icon that is never the only carrier of meaning: the
#: page gives each icon its label as a text alternative and prints the legend.
LEGEND: dict[CellStatus, StatusText] = {
    CellStatus.NOT_STARTED: StatusText("○", "Not started", "Expected here; nothing entered yet."),
    CellStatus.INCOMPLETE: StatusText(
        "◐", "Incomplete", "Entered, but a required value or a planned part is missing."
    ),
    CellStatus.COMPLETE: StatusText("●", "Complete", "Entered in full."),
    CellStatus.OPEN_QUERY: StatusText(
        "?", "Open query", "A query on this form is open or reopened."
    ),
    CellStatus.VERIFIED: StatusText(
        "✓", "Source-verified", "The monitor verified the form against the source documents."
    ),
    CellStatus.SIGNED: StatusText("✍", "Signed", "Signed by the investigator; still valid."),
    CellStatus.LOCKED: StatusText(
        "🔒", "Locked", "Locked (form, subject, site or study): no further changes."
    ),
    CellStatus.NOT_APPLICABLE: StatusText(
        "–", "Not applicable", "Not expected at this visit or for this arm."
    ),
    CellStatus.CANCELLED: StatusText(
        "✕", "Cancelled", "No longer expected: an event closed this part of the plan."
    ),
}


@dataclass(frozen=True, slots=True)
class CellFacts:
    """What is known about one cell, read from the records and the review tables."""

    applicable: bool = True
    #: The planned item was cancelled (rescue therapy, end of study treatment, death, ...).
    cancelled: bool = False
    records: int = 0
    #: A record lacks a required value, or fewer records than planned are there.
    incomplete: bool = False
    open_queries: int = 0
    #: Every record carries a live whole-form source-verification mark.
    verified: bool = False
    #: Every record is signed (or the casebook is), and the signature still holds.
    signed: bool = False
    #: A live lock covers the cell (its record, the subject, the site or the study).
    locked: bool = False


def cell_status(facts: CellFacts) -> CellStatus:
    """The one status a cell shows.

    An empty cell is "not applicable" or "cancelled" when nothing is owed, "locked" when a lock
    covers it, else "not started". A cell with records shows the strongest of: locked > signed >
    open query > verified > complete > incomplete. A record entered where none was expected
    keeps its status: the data are there and must be reviewed like any other.
    """
    if not facts.records:
        if not facts.applicable:
            return CellStatus.NOT_APPLICABLE
        if facts.cancelled:
            return CellStatus.CANCELLED
        return CellStatus.LOCKED if facts.locked else CellStatus.NOT_STARTED
    if facts.locked:
        return CellStatus.LOCKED
    if facts.signed:
        return CellStatus.SIGNED
    if facts.open_queries:
        return CellStatus.OPEN_QUERY
    if facts.verified:
        return CellStatus.VERIFIED
    return CellStatus.INCOMPLETE if facts.incomplete else CellStatus.COMPLETE


class RowKind(enum.StrEnum):
    SCREENING = "screening"
    CONSENT = "consent"
    RANDOMIZATION = "randomization"
    VISIT = "visit"
    DOSE = "dose"
    ASSESSMENT = "assessment"
    #: A protocol form recorded once or per visit (``form_code`` says which).
    FORM = "form"
    ADVERSE_EVENT = "adverse_event"
    THERAPY = "therapy"
    OUTCOME = "outcome"
    #: A protocol log form.
    LOG_FORM = "log_form"


_TABLES = {
    RowKind.SCREENING: "screening_records",
    RowKind.CONSENT: "consents",
    RowKind.RANDOMIZATION: "allocations",
    RowKind.VISIT: "visits",
    RowKind.DOSE: "dose_administrations",
    RowKind.ASSESSMENT: "gvhd_assessments",
    RowKind.FORM: "form_records",
    RowKind.ADVERSE_EVENT: "adverse_events",
    RowKind.THERAPY: "therapies",
    RowKind.OUTCOME: "outcomes",
    RowKind.LOG_FORM: "form_records",
}
_TITLES = {
    RowKind.SCREENING: "Screening",
    RowKind.CONSENT: "Informed consent",
    RowKind.RANDOMIZATION: "Randomization",
    RowKind.VISIT: "Visit",
    RowKind.DOSE: "Study treatment doses",
    RowKind.ASSESSMENT: "GVHD assessment",
    RowKind.ADVERSE_EVENT: "Adverse events",
    RowKind.THERAPY: "Other therapies",
    RowKind.OUTCOME: "Outcomes",
}
#: Rows entered once at screening.
_AT_SCREENING = (RowKind.SCREENING, RowKind.CONSENT, RowKind.RANDOMIZATION)


@dataclass(frozen=True, slots=True)
class CasebookRow:
    kind: RowKind
    label: str
    form_code: str | None = None
    #: Visit codes a protocol form is owed at (empty: every visit, or none for a log).
    visits: tuple[str, ...] = ()
    #: Arms a protocol form is owed for (empty: every arm).
    arms: tuple[str, ...] = ()

    @property
    def table(self) -> str:
        return _TABLES[self.kind]

    @property
    def is_log(self) -> bool:
        return self.kind in {
            RowKind.ADVERSE_EVENT, RowKind.THERAPY, RowKind.OUTCOME, RowKind.LOG_FORM
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class CasebookColumn:
    visit: str
    label: str
    phase: VisitPhase
    #: The course a course visit belongs to (``None`` for screening and follow-up).
    course: int | None
    assessments: tuple[str, ...]

    @property
    def key(self) -> str:
        """Unique per column: ``D8`` or ``D8.2`` for the second course's week 1."""
        return self.visit if self.course in (None, 1) else f"{self.visit}.{self.course}"


@dataclass(frozen=True, slots=True)
class CasebookLayout:
    rows: tuple[CasebookRow, ...]
    log_rows: tuple[CasebookRow, ...]
    columns: tuple[CasebookColumn, ...]


def _columns(protocol: Protocol, courses: int) -> list[CasebookColumn]:
    columns: list[CasebookColumn] = []
    for phase in (VisitPhase.SCREENING, VisitPhase.COURSE, VisitPhase.FOLLOW_UP):
        visits = protocol.visits_in(phase)
        repeats = range(1, max(courses, 1) + 1) if phase is VisitPhase.COURSE else (None,)
        for course in repeats:
            columns += [
                CasebookColumn(v.code, v.label, phase, course, tuple(v.assessments)) for v in visits
            ]
    return columns


def casebook_layout(protocol: Protocol, courses: int = 1) -> CasebookLayout:
    """The grid's rows, log rows and columns for a subject given ``courses`` courses."""
    rows = [CasebookRow(kind, _TITLES[kind]) for kind in _AT_SCREENING]
    rows += [CasebookRow(k, _TITLES[k]) for k in (RowKind.VISIT, RowKind.DOSE, RowKind.ASSESSMENT)]
    logs = [CasebookRow(k, _TITLES[k]) for k in (RowKind.ADVERSE_EVENT, RowKind.THERAPY)]
    logs.append(CasebookRow(RowKind.OUTCOME, _TITLES[RowKind.OUTCOME]))
    for spec in protocol.forms:
        if spec.repeat is FormRepeat.LOG:
            logs.append(CasebookRow(RowKind.LOG_FORM, spec.label, spec.code))
        else:
            first = protocol.visits[0].code if protocol.visits else ""
            visits = spec.visits if spec.repeat is FormRepeat.PER_VISIT else spec.visits[:1]
            rows.append(
                CasebookRow(RowKind.FORM, spec.label, spec.code, visits or (first,), spec.arms)
            )
    return CasebookLayout(tuple(rows), tuple(logs), tuple(_columns(protocol, courses)))


def is_applicable(row: CasebookRow, column: CasebookColumn, arm: str | None) -> bool:
    """Whether the protocol expects ``row`` at ``column`` for a subject on ``arm``.

    Screening, consent and randomization belong to the screening visit; the visit record to
    every visit; doses to visits with dosing, GVHD assessments to visits with GVHD staging; a
    protocol form to its visits (the first course only: a visit given again in a repeated course
    owes its form once) and, when it names arms, only to a subject allocated to one of them.
    """
    if row.kind in _AT_SCREENING:
        return column.phase is VisitPhase.SCREENING
    if row.kind is RowKind.VISIT:
        return True
    if row.kind is RowKind.DOSE:
        return "dosing" in column.assessments
    if row.kind is RowKind.ASSESSMENT:
        return "gvhd_staging" in column.assessments
    if row.kind is RowKind.FORM:
        if column.visit not in row.visits or column.course not in (None, 1):
            return False
        return not row.arms or arm in row.arms
    return False

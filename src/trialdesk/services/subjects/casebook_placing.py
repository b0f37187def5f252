"""Where each record and planned item of a subject sits in the casebook grid.

A record goes to the cell of its row and visit column: by visit code (the n-th record of a
course visit belongs to course n), by the visit an assessment was matched to, or by the planned
dose a given dose pairs with (:func:`trialdesk.domain.plan_status.pair_doses`). Protocol forms
are keyed by their form code; the other rows by their kind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from trialdesk.domain.calendar import Calendar
from trialdesk.domain.casebook import CasebookRow, RowKind
from trialdesk.domain.plan_status import pair_doses
from trialdesk.domain.protocol import Protocol, VisitPhase
from trialdesk.services.ports import Record
from trialdesk.services.subjects.course_progress import CourseProgress
from trialdesk.services.subjects.subject_plan import TimelineItem

__all__ = ["place_plan", "place_records", "row_code"]


def _key(visit: str, course: int | None) -> str:
    return visit if course in (None, 1) else f"{visit}.{course}"


_Slot = tuple[str, str]  # (row code, column key); row code = form code or row kind


def row_code(row: CasebookRow) -> str:
    return row.form_code or row.kind.value


def _dose_columns(calendar: Calendar | None) -> dict[tuple[int, int], str]:
    """(course, study day) of each planned course visit → its column key."""
    if calendar is None:
        return {}
    return {(v.course, v.day): _key(v.visit, v.course) for v in calendar.visits if v.course}


def place_records(
    protocol: Protocol, tables: Mapping[str, Sequence[Record]], progress: CourseProgress,
    calendar: Calendar | None,
) -> dict[_Slot, list[Record]]:  # fmt: skip
    """Each grid record in its cell: by visit code, matched visit or paired planned dose."""
    placed: dict[_Slot, list[Record]] = {}
    first = protocol.visits[0].code if protocol.visits else ""
    course_visits = {v.code for v in protocol.visits_in(VisitPhase.COURSE)}
    for kind, table in ((RowKind.SCREENING, "screening_records"), (RowKind.CONSENT, "consents"),
                        (RowKind.RANDOMIZATION, "allocations")):  # fmt: skip
        placed[(kind.value, first)] = list(tables[table])
    seen: dict[str, int] = {}
    for row in tables["visits"]:
        code = row["visit_code"]
        seen[code] = seen.get(code, 0) + 1
        course = seen[code] if code in course_visits else None
        placed.setdefault((RowKind.VISIT.value, _key(code, course)), []).append(row)
    matched = progress.matched
    for row in tables["gvhd_assessments"]:
        visit = matched.get(row["id"])
        key = _key(visit.visit, visit.course) if visit is not None else row["visit_code"]
        if key:
            placed.setdefault((RowKind.ASSESSMENT.value, key), []).append(row)
    doses = tables["dose_administrations"]
    columns = _dose_columns(calendar)
    paired = pair_doses(
        calendar.administrations if calendar else (),
        [(d["product"], d["administered_on"]) for d in doses],
    )
    for dose, planned in zip(doses, paired, strict=True):
        key = columns.get((planned.course, planned.day), first) if planned else first
        placed.setdefault((RowKind.DOSE.value, key), []).append(dose)
    for row in tables["form_records"]:
        placed.setdefault((row["form"], row["visit_code"] or first), []).append(row)
    return placed


def place_plan(
    items: Sequence[TimelineItem], calendar: Calendar | None
) -> dict[_Slot, list[TimelineItem]]:
    """The planned doses and visits of each cell (cancelled or not)."""
    columns = _dose_columns(calendar)
    placed: dict[_Slot, list[TimelineItem]] = {}
    for item in items:
        if item.kind == "visit":
            slots = [(RowKind.VISIT.value, _key(item.code, item.course))]
            if "gvhd_staging" in item.detail.replace(" ", "_"):
                slots.append((RowKind.ASSESSMENT.value, _key(item.code, item.course)))
        else:
            slots = [(RowKind.DOSE.value, columns.get((item.course or 1, item.day), ""))]
        for slot in slots:
            placed.setdefault(slot, []).append(item)
    return placed

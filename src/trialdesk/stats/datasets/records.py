"""The plain records the analysis datasets are derived from, as read from the data store.

The statistics layer never reads the database itself: a service reads the store through its own
port and hands over a :class:`TrialRecords`, one list of row mappings per kind of record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

__all__ = ["TrialRecords", "apply_cutoff"]

Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class TrialRecords:
    """Every record an analysis needs, one sequence of row mappings per table.

    Column names are those of the store's tables (``subjects.site_id``,
    ``allocations.allocated_at``, ``gvhd_assessments.assessed_on`` …).
    """

    sites: Sequence[Row] = ()
    subjects: Sequence[Row] = ()
    screenings: Sequence[Row] = ()
    consents: Sequence[Row] = ()
    allocations: Sequence[Row] = ()
    doses: Sequence[Row] = ()
    assessments: Sequence[Row] = ()
    adverse_events: Sequence[Row] = ()
    therapies: Sequence[Row] = ()
    outcomes: Sequence[Row] = ()
    visits: Sequence[Row] = ()
    #: Protocol-declared forms (``form_records``: form, visit_code, record_date, values, derived).
    forms: Sequence[Row] = ()
    queries: Sequence[Row] = ()

    @property
    def counts(self) -> dict[str, int]:
        """Number of records of each kind."""
        return {f.name: len(getattr(self, f.name)) for f in fields(self)}


#: The date that places each kind of record in time, for the data cut-off.
_DATED: dict[str, str] = {
    "screenings": "screened_on",
    "consents": "consented_on",
    "allocations": "allocated_at",
    "doses": "administered_on",
    "assessments": "assessed_on",
    "adverse_events": "onset_on",
    "therapies": "started_on",
    "outcomes": "occurred_on",
    "visits": "visit_date",
    "forms": "record_date",
    "queries": "created_at",
}


def _as_date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def apply_cutoff(records: TrialRecords, cutoff: dt.date | None) -> TrialRecords:
    """Only what had happened by the cut-off date (inclusive); ``None`` keeps everything.

    Subjects and sites are kept: a subject registered after the cut-off has no screening,
    allocation or data by then, so it drops out of every count that matters.
    """
    if cutoff is None:
        return records
    kept = {
        name: [row for row in getattr(records, name) if _as_date(row[column]) <= cutoff]
        for name, column in _DATED.items()
    }
    return replace(records, **kept)

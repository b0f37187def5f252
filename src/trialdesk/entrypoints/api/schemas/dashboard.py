"""The trial dashboard's figures, as the API shows them."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

__all__ = ["DashboardRead"]


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class EnrollmentPointRead(_Read):
    day: dt.date
    cumulative: int


class SiteEnrollmentRead(_Read):
    site_code: str
    screened: int
    screen_failed: int
    randomized: int
    by_arm: dict[str, int]


class ScreenFailureReasonRead(_Read):
    criterion: str
    text: str
    subjects: int


class ReportingClockRead(_Read):
    kind: str
    due_at: dt.datetime
    overdue: bool


class SeriousEventRead(_Read):
    subject_id: int
    subject: str
    site_code: str
    term: str
    ctcae_grade: int
    aware_at: dt.datetime
    clocks: list[ReportingClockRead]


class OverdueItemRead(_Read):
    subject_id: int
    subject: str
    site_code: str
    kind: str
    what: str
    latest: dt.date
    days_overdue: int


class DashboardRead(_Read):
    today: dt.date
    target_enrollment: int
    randomized: int
    arms: list[str]
    by_arm: dict[str, int]
    sites: list[SiteEnrollmentRead]
    enrollment: list[EnrollmentPointRead]
    screen_failures: list[ScreenFailureReasonRead]
    open_serious_events: list[SeriousEventRead]
    overdue: list[OverdueItemRead]
    open_queries_by_site: dict[str, int]
    answered_queries_by_site: dict[str, int]

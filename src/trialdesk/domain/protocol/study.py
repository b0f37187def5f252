"""Who runs the trial, what kind of trial it is, whom it enrols, and which version this is."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

__all__ = [
    "Amendment",
    "Assumption",
    "Design",
    "Identification",
    "Population",
    "ProtocolVersion",
    "Sex",
]


@dataclass(frozen=True, slots=True)
class Identification:
    """Registry identification of the trial, as the registry record states it."""

    nct_id: str
    sponsor_protocol_id: str
    title: str
    official_title: str
    sponsor: str
    phase: str
    status: str
    conditions: tuple[str, ...]
    study_type: str
    funder_type: str


@dataclass(frozen=True, slots=True)
class Design:
    """Trial design as registered (allocation, model, masking, purpose)."""

    allocation: str
    model: str
    masking: str
    primary_purpose: str
    multicenter: bool


class Sex(enum.StrEnum):
    ALL = "all"
    FEMALE = "female"
    MALE = "male"


@dataclass(frozen=True, slots=True)
class Population:
    """Whom the trial enrols and how many."""

    target_enrollment: int
    min_age_years: int
    max_age_years: int
    sex: Sex
    healthy_volunteers: bool


@dataclass(frozen=True, slots=True)
class Amendment:
    """One recorded amendment of the protocol file."""

    version: str
    effective_date: dt.date
    note: str


@dataclass(frozen=True, slots=True)
class ProtocolVersion:
    """Version of the protocol file, so that data can say which version it was collected under."""

    version: str
    effective_date: dt.date
    amendments: tuple[Amendment, ...] = ()


@dataclass(frozen=True, slots=True)
class Assumption:
    """A value the registry does not state, with the path of the setting it concerns and why."""

    path: str
    choice: str
    reason: str

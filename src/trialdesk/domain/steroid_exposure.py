"""Corticosteroid exposure on study: daily prednisone-equivalent dose, cumulative dose, taper
milestones at day 28 and day 56, and re-escalation.

The corticosteroid form records one row per period at a constant daily dose (drug, mg/day,
route, from, to — blank while ongoing). The rules here:

- **Daily dose** on a date: for each drug, the period of that drug covering the date (``from``
  and ``to`` both inclusive) that started last — a dose change is recorded as a new row that
  may start on the day the previous one stopped, and that day is counted once, at the new dose;
  the doses of different drugs on the same day are added. Each dose is converted to prednisone
  mg/day with the potency table of :mod:`trialdesk.domain.corticosteroids` (standard
  equivalences, Liu D et al., Allergy Asthma Clin Immunol 2013;9:30).
- **Study day** *d* falls on ``day_one + (d - 1)`` days (study day 1 = the first dose of study
  treatment, as in :mod:`trialdesk.domain.calendar`). Doses before study day 1 are not exposure
  on study.
- **Cumulative dose** to study day *d*: the sum of the daily doses of study days 1 … *d*, in mg
  and, when the weight is known, in mg/kg (the weight at the first dose).
- **Taper milestone** at study day 28 and 56: the daily dose that day against the day-1 dose —
  *off steroids* (0 mg), *≤ 50 % of the day-1 dose*, *reduced, > 50 %* (below the day-1 dose),
  *not reduced* (at or above it); with no steroid on day 1, any dose later is *started after
  day 1*. The 50 % cut-off (inclusive) is a reporting milestone of ours: the registry states no
  taper target, so the report shows the distribution rather than judge it.
- **Re-escalation** (protocol ``form_settings.steroid_re_escalation: above_day1_dose``): the
  first period starting after study day 1 on whose start date the daily dose is above the
  dose in effect on study day 1. An increase is treated as a treatment failure (an intercurrent
  event, see :mod:`trialdesk.domain.intercurrent_events`).

A milestone or a cumulative dose for a day after ``as_of`` (the date up to which the records
are known: today on the subject page, the data cut-off or last contact in the analysis) is
``None``: the day has not been reached.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from trialdesk.domain.corticosteroids import (
    PREDNISONE_EQUIVALENCE,
    Corticosteroid,
    prednisone_equivalent,
)
from trialdesk.domain.errors import FieldError, InputError

__all__ = [
    "MILESTONE_DAYS",
    "RE_ESCALATION_RULES",
    "ReEscalation",
    "SteroidExposure",
    "SteroidMilestone",
    "SteroidPeriod",
    "TaperStatus",
    "cumulative_dose_mg",
    "daily_dose_mg",
    "periods_from_records",
    "re_escalation",
    "steroid_exposure",
    "taper_status",
]

#: Study days of the taper milestones.
MILESTONE_DAYS: tuple[int, int] = (28, 56)
#: Values ``form_settings.steroid_re_escalation`` may take.
RE_ESCALATION_RULES: tuple[str, ...] = ("above_day1_dose",)
#: Share of the day-1 dose at or below which the taper counts as halved.
_HALF = 0.5
#: Doses closer than this (mg/day) are the same dose (floating-point sums of conversions).
_TOLERANCE_MG = 1e-9


class TaperStatus(enum.StrEnum):
    """Where the steroid taper stands on a milestone day, against the day-1 dose."""

    OFF = "off"
    HALF_OR_LESS = "half_or_less"
    REDUCED = "reduced"
    NOT_REDUCED = "not_reduced"
    STARTED_AFTER_DAY1 = "started_after_day1"

    @property
    def label(self) -> str:
        """What a reader sees."""
        return _TAPER_LABELS[self]


_TAPER_LABELS = {
    TaperStatus.OFF: "off steroids",
    TaperStatus.HALF_OR_LESS: "≤ 50 % of day-1 dose",
    TaperStatus.REDUCED: "reduced, > 50 % of day-1 dose",
    TaperStatus.NOT_REDUCED: "not reduced",
    TaperStatus.STARTED_AFTER_DAY1: "started after day 1",
}


@dataclass(frozen=True, slots=True)
class SteroidPeriod:
    """One recorded period at a constant daily dose; ``stopped_on`` ``None`` while ongoing."""

    drug: Corticosteroid
    dose_mg_per_day: float
    started_on: dt.date
    stopped_on: dt.date | None = None
    route: str | None = None

    def __post_init__(self) -> None:
        problems = []
        try:
            object.__setattr__(self, "drug", Corticosteroid(self.drug))
        except ValueError:
            known = ", ".join(c.value for c in Corticosteroid)
            problems.append(
                FieldError("drug", f"unknown corticosteroid {self.drug!r}; use {known}")
            )
        dose = self.dose_mg_per_day
        if isinstance(dose, bool) or not isinstance(dose, int | float) or not math.isfinite(dose):
            problems.append(FieldError("dose_mg_per_day", f"must be a number, got {dose!r}"))
        elif dose < 0:
            problems.append(FieldError("dose_mg_per_day", f"must be ≥ 0 mg/day, got {dose}"))
        if not isinstance(self.started_on, dt.date):
            problems.append(FieldError("started_on", f"must be a date, got {self.started_on!r}"))
        elif self.stopped_on is not None and (
            not isinstance(self.stopped_on, dt.date) or self.stopped_on < self.started_on
        ):
            problems.append(
                FieldError("stopped_on", f"must be a date on or after {self.started_on}")
            )
        if problems:
            raise InputError(problems)

    def covers(self, day: dt.date) -> bool:
        """The period was running on ``day`` (both ends inclusive)."""
        return self.started_on <= day and (self.stopped_on is None or day <= self.stopped_on)


@dataclass(frozen=True, slots=True)
class SteroidMilestone:
    """The taper on one milestone study day, with the cumulative dose to that day."""

    study_day: int
    date: dt.date
    dose_mg: float
    #: Dose that day over the day-1 dose; ``None`` when no steroid was given on day 1.
    share_of_day1: float | None
    status: TaperStatus
    cumulative_mg: float
    cumulative_mg_per_kg: float | None


@dataclass(frozen=True, slots=True)
class ReEscalation:
    """The first increase above the day-1 dose after study day 1."""

    date: dt.date
    study_day: int
    dose_mg: float
    day1_dose_mg: float

    @property
    def description(self) -> str:
        """For a listing: ``steroid re-escalation day 12 (80 mg > 50 mg prednisone)``."""
        return (
            f"steroid re-escalation day {self.study_day} ({self.dose_mg:g} mg > "
            f"{self.day1_dose_mg:g} mg prednisone-equivalent)"
        )


@dataclass(frozen=True, slots=True)
class SteroidExposure:
    """A subject's corticosteroid exposure on study, as known on ``as_of`` (mg are prednisone
    equivalents per day; cumulative doses from study day 1)."""

    day_one: dt.date
    as_of: dt.date
    day1_dose_mg: float
    current_dose_mg: float
    cumulative_mg: float
    cumulative_mg_per_kg: float | None
    day28: SteroidMilestone | None
    day56: SteroidMilestone | None
    re_escalation: ReEscalation | None


def _date(value: Any, name: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError.single(name, f"must be a date, got {value!r}") from None


def periods_from_records(rows: Iterable[Mapping[str, Any]]) -> list[SteroidPeriod]:
    """Periods from the corticosteroid form's values (``drug``, ``dose_mg_per_day``,
    ``started_on``, ``stopped_on``, ``route``; dates as dates or ISO text), in start order.

    A bad row raises :class:`InputError` with the field prefixed by the row number
    (``rows[2].dose_mg_per_day``).
    """
    periods = []
    for index, row in enumerate(rows):
        try:
            started = _date(row.get("started_on"), "started_on")
            if started is None:
                raise InputError.single("started_on", "is required")
            periods.append(
                SteroidPeriod(
                    drug=row.get("drug"),  # type: ignore[arg-type]  # checked by the period
                    dose_mg_per_day=row.get("dose_mg_per_day"),  # type: ignore[arg-type]
                    started_on=started,
                    stopped_on=_date(row.get("stopped_on"), "stopped_on"),
                    route=row.get("route"),
                )
            )
        except InputError as error:
            raise InputError(
                FieldError(f"rows[{index}].{e.field}", e.message) for e in error.errors
            ) from None
    return sorted(periods, key=lambda p: p.started_on)


def daily_dose_mg(
    periods: Sequence[SteroidPeriod],
    day: dt.date,
    table: Mapping[Corticosteroid, float] = PREDNISONE_EQUIVALENCE,
) -> float:
    """Prednisone-equivalent mg given on ``day``: per drug the latest-started covering period,
    summed over drugs."""
    latest: dict[Corticosteroid, SteroidPeriod] = {}
    for period in periods:
        if period.covers(day):
            held = latest.get(period.drug)
            if held is None or period.started_on >= held.started_on:
                latest[period.drug] = period
    # The equivalence is a ratio of potencies, so the per-kg conversion applies to mg/day too.
    return sum(
        (
            prednisone_equivalent(p.drug, p.dose_mg_per_day, table, field_name="dose_mg_per_day")
            for p in latest.values()
        ),
        0.0,
    )


def _study_date(day_one: dt.date, study_day: int) -> dt.date:
    return day_one + dt.timedelta(days=study_day - 1)


def cumulative_dose_mg(
    periods: Sequence[SteroidPeriod],
    day_one: dt.date,
    through: dt.date,
    table: Mapping[Corticosteroid, float] = PREDNISONE_EQUIVALENCE,
) -> float:
    """Sum of the daily doses from study day 1 to ``through`` (inclusive); 0 before day 1."""
    total = 0.0
    day = day_one
    while day <= through:
        total += daily_dose_mg(periods, day, table)
        day += dt.timedelta(days=1)
    return total


def taper_status(dose_mg: float, day1_dose_mg: float) -> TaperStatus:
    """The taper on a day with ``dose_mg`` against ``day1_dose_mg`` (≤ 50 % inclusive)."""
    for name, value in (("dose_mg", dose_mg), ("day1_dose_mg", day1_dose_mg)):
        if not (math.isfinite(value) and value >= 0):
            raise InputError.single(name, f"must be ≥ 0 mg/day, got {value!r}")
    if dose_mg <= _TOLERANCE_MG:
        return TaperStatus.OFF
    if day1_dose_mg <= _TOLERANCE_MG:
        return TaperStatus.STARTED_AFTER_DAY1
    if dose_mg <= _HALF * day1_dose_mg + _TOLERANCE_MG:
        return TaperStatus.HALF_OR_LESS
    if dose_mg < day1_dose_mg - _TOLERANCE_MG:
        return TaperStatus.REDUCED
    return TaperStatus.NOT_REDUCED


def re_escalation(
    periods: Sequence[SteroidPeriod],
    day_one: dt.date,
    rule: str = "above_day1_dose",
    table: Mapping[Corticosteroid, float] = PREDNISONE_EQUIVALENCE,
) -> ReEscalation | None:
    """The first re-escalation after study day 1 under ``rule`` (the protocol's
    ``form_settings.steroid_re_escalation``), ``None`` when the dose never rose above day 1's."""
    if rule not in RE_ESCALATION_RULES:
        raise InputError.single(
            "form_settings.steroid_re_escalation",
            f"unknown rule {rule!r}; use {', '.join(RE_ESCALATION_RULES)}",
        )
    day1 = daily_dose_mg(periods, day_one, table)
    for start in sorted({p.started_on for p in periods if p.started_on > day_one}):
        dose = daily_dose_mg(periods, start, table)
        if dose > day1 + _TOLERANCE_MG:
            return ReEscalation(start, (start - day_one).days + 1, dose, day1)
    return None


def _per_kg(mg: float, weight_kg: float | None) -> float | None:
    return None if weight_kg is None else mg / weight_kg


def _milestone(
    periods: Sequence[SteroidPeriod],
    day_one: dt.date,
    study_day: int,
    day1_dose: float,
    weight_kg: float | None,
    table: Mapping[Corticosteroid, float],
) -> SteroidMilestone:
    date = _study_date(day_one, study_day)
    dose = daily_dose_mg(periods, date, table)
    cumulative = cumulative_dose_mg(periods, day_one, date, table)
    return SteroidMilestone(
        study_day=study_day,
        date=date,
        dose_mg=dose,
        share_of_day1=dose / day1_dose if day1_dose > _TOLERANCE_MG else None,
        status=taper_status(dose, day1_dose),
        cumulative_mg=cumulative,
        cumulative_mg_per_kg=_per_kg(cumulative, weight_kg),
    )


def steroid_exposure(
    periods: Sequence[SteroidPeriod],
    day_one: dt.date,
    weight_kg: float | None,
    *,
    as_of: dt.date,
    re_escalation_rule: str = "above_day1_dose",
    table: Mapping[Corticosteroid, float] = PREDNISONE_EQUIVALENCE,
) -> SteroidExposure:
    """A subject's exposure from study day 1 (``day_one``) to ``as_of``.

    ``weight_kg`` (weight at the first dose) gives the mg/kg figures; ``None`` leaves them
    ``None``. Milestones after ``as_of`` are ``None`` (not reached).
    """
    if weight_kg is not None and not (math.isfinite(weight_kg) and weight_kg > 0):
        raise InputError.single("weight_kg", f"must be > 0 kg, got {weight_kg!r}")
    day1 = daily_dose_mg(periods, day_one, table)
    cumulative = cumulative_dose_mg(periods, day_one, as_of, table)
    day28, day56 = (
        _milestone(periods, day_one, d, day1, weight_kg, table)
        if _study_date(day_one, d) <= as_of
        else None
        for d in MILESTONE_DAYS
    )
    escalation = re_escalation(periods, day_one, re_escalation_rule, table)
    return SteroidExposure(
        day_one=day_one,
        as_of=as_of,
        day1_dose_mg=day1,
        current_dose_mg=daily_dose_mg(periods, as_of, table),
        cumulative_mg=cumulative,
        cumulative_mg_per_kg=_per_kg(cumulative, weight_kg),
        day28=day28,
        day56=day56,
        re_escalation=escalation if escalation is None or escalation.date <= as_of else None,
    )

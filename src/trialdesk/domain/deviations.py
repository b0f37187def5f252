"""Protocol deviations of one subject, from the dosing record, the screening and the edit checks.

One function, :func:`subject_deviations`, is the rule; the analysis datasets and the reports call
it. It reuses the rules the data entry already applies, so a deviation in the report is exactly
what the entry screens flagged or would have flagged:

* **dose outside the protocol's dose for the weight**: the dose given against
  :func:`~trialdesk.domain.calendar.dose_for_weight` at the weight it was given for, beyond the
  tolerance of the protocol's ``dose_deviation`` edit check (±10 % for NCT04738981; 10 % when the
  protocol declares none). A UC-MSC dose of 7.2 × 10⁶ cells/kg against 1 × 10⁶ is +620 %.
* **dose outside its window / missed**: the planned course-1 administrations
  (:func:`~trialdesk.domain.calendar.plan_course`) paired with the doses given
  (:func:`~trialdesk.domain.plan_status.pair_doses`); a dose given before or after its window is
  early or late; a planned dose never given whose window closed before study treatment ended
  (switch to rescue therapy, death, withdrawal, the data cut-off) is missed. A dose whose window
  was still open when treatment ended is cancelled, not missed (the same rule as the subject's
  timeline, :func:`~trialdesk.domain.plan_status.plan_item_status`).
* **eligibility violation**: randomized although the latest screening found the subject not
  eligible, with the failed criteria.
* **confirmed soft edit check**: a warning the site confirmed at entry ("I have checked this
  value"), other than the dose deviation, which the dosing rule above already reports.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

from trialdesk.domain.calendar import (
    PlannedAdministration,
    PlanState,
    WindowStatus,
    dose_for_weight,
    plan_course,
)
from trialdesk.domain.errors import InputError
from trialdesk.domain.plan_status import PlanEvent, pair_doses, plan_item_status
from trialdesk.domain.protocol import DoseBasis, Protocol, RuleKind

__all__ = [
    "DEFAULT_DOSE_TOLERANCE",
    "ConfirmedWarning",
    "Deviation",
    "DeviationKind",
    "GivenDose",
    "dose_tolerance",
    "subject_deviations",
]

#: Allowed relative deviation of a dose when the protocol declares no ``dose_deviation`` check.
DEFAULT_DOSE_TOLERANCE = 0.10


class DeviationKind(enum.StrEnum):
    DOSE_OUT_OF_TOLERANCE = "dose_out_of_tolerance"
    DOSE_OUT_OF_WINDOW = "dose_out_of_window"
    DOSE_MISSED = "dose_missed"
    ELIGIBILITY = "eligibility"
    CONFIRMED_WARNING = "confirmed_warning"

    @property
    def label(self) -> str:
        """The kind in words, as the report's table shows it."""
        return _LABELS[self]


_LABELS = {
    DeviationKind.DOSE_OUT_OF_TOLERANCE: "Dose outside the protocol dose for the weight",
    DeviationKind.DOSE_OUT_OF_WINDOW: "Dose given outside its window",
    DeviationKind.DOSE_MISSED: "Planned dose missed",
    DeviationKind.ELIGIBILITY: "Randomized although not eligible",
    DeviationKind.CONFIRMED_WARNING: "Edit-check warning confirmed at entry",
}


@dataclass(frozen=True, slots=True)
class GivenDose:
    """One administration as recorded: total amount given and the weight it was given for."""

    product: str
    given_on: dt.date
    amount: float | None
    weight_kg: float | None


@dataclass(frozen=True, slots=True)
class ConfirmedWarning:
    """A soft edit check the site confirmed when saving a record (``code`` of the check)."""

    code: str
    on: dt.date
    field: str


@dataclass(frozen=True, slots=True)
class Deviation:
    """One deviation: its kind, the date it happened and what happened, in words."""

    kind: DeviationKind
    on: dt.date | None
    detail: str
    #: The study product concerned (its name), empty when none; kept apart from ``detail`` so a
    #: masked report can say "study product" instead.
    product: str = ""

    def text(self, *, masked: bool = False) -> str:
        """The deviation in words, led by the product's name (or "Study product" if masked)."""
        if not self.product:
            return self.detail
        return f"{'Study product' if masked else self.product}: {self.detail}"


def dose_tolerance(protocol: Protocol) -> float:
    """The relative tolerance of the protocol's dose-deviation edit check on ``dose_value``."""
    for check in protocol.edit_checks:
        applies = check.rule is RuleKind.DOSE_DEVIATION and check.targets("dose_administrations")
        if applies and check.tolerance is not None:
            return check.tolerance
    return DEFAULT_DOSE_TOLERANCE


def _dose_text(value: float) -> str:
    return f"{value:.3g}"


def _dose_deviations(protocol: Protocol, doses: Sequence[GivenDose]) -> list[Deviation]:
    tolerance = dose_tolerance(protocol)
    interventions = {iv.code: iv for arm in protocol.arms for iv in arm.interventions}
    found = []
    for dose in doses:
        intervention = interventions.get(dose.product)
        if intervention is None or dose.amount is None or dose.weight_kg is None:
            continue
        try:
            planned = dose_for_weight(intervention, dose.weight_kg, protocol.weight_limits)
        except InputError:
            continue  # an implausible weight is refused at entry; nothing to compare with
        ratio = dose.amount / planned.amount - 1.0
        if abs(ratio) <= tolerance + 1e-9:
            continue
        per_kg = intervention.dose_basis is DoseBasis.PER_KG
        given = dose.amount / dose.weight_kg if per_kg else dose.amount
        unit = f"{intervention.unit}/kg" if per_kg else intervention.unit
        found.append(
            Deviation(
                DeviationKind.DOSE_OUT_OF_TOLERANCE,
                dose.given_on,
                f"{_dose_text(given)} {unit} given, protocol dose "
                f"{_dose_text(intervention.dose)} {unit} ({ratio:+.0%}; tolerance "
                f"±{tolerance:.0%})",
                intervention.name,
            )
        )
    return found


def _pair(
    planned: Sequence[PlannedAdministration], doses: Sequence[GivenDose]
) -> list[PlannedAdministration | None]:
    """The planned administration each dose stands for: first a dose inside the window of a
    planned administration of its product takes it (so a skipped day-15 dose followed by the
    day-22 dose on time reads "day-15 missed", not "day-15 late, day-22 missed"); the doses left
    are paired in order with the administrations left
    (:func:`~trialdesk.domain.plan_status.pair_doses`)."""
    paired: list[PlannedAdministration | None] = [None] * len(doses)
    taken: set[int] = set()
    for index, dose in enumerate(doses):
        inside = [p for p in planned if p.intervention == dose.product and id(p) not in taken
                  and p.earliest <= dose.given_on <= p.latest]  # fmt: skip
        if inside:
            chosen = min(inside, key=lambda p: abs((dose.given_on - p.date).days))
            paired[index] = chosen
            taken.add(id(chosen))
    left = [p for p in planned if id(p) not in taken]
    rest = [i for i in range(len(doses)) if paired[i] is None]
    for index, plan in zip(rest, pair_doses(left, [(doses[i].product, doses[i].given_on)
                                                   for i in rest]), strict=True):  # fmt: skip
        paired[index] = plan
    return paired


def _schedule_deviations(
    protocol: Protocol,
    arm_code: str,
    day1: dt.date,
    weight_kg: float,
    doses: Sequence[GivenDose],
    treatment_ended: PlanEvent | None,
    today: dt.date,
) -> list[Deviation]:
    try:
        planned = plan_course(protocol, arm_code, weight_kg, day1, 1).administrations
    except InputError:
        return []
    # Only the doses of course 1 are paired: a repeated course has its own plan.
    course_end = day1 + dt.timedelta(days=protocol.course.length_days)
    course_doses = sorted((d for d in doses if d.given_on < course_end),
                          key=lambda d: d.given_on)  # fmt: skip
    paired = _pair(planned, course_doses)
    names = {a.intervention: a.name for a in planned}
    found = []
    for dose, plan in zip(course_doses, paired, strict=True):
        if plan is None or plan.earliest <= dose.given_on <= plan.latest:
            continue
        early = dose.given_on < plan.earliest
        found.append(
            Deviation(
                DeviationKind.DOSE_OUT_OF_WINDOW,
                dose.given_on,
                f"day-{plan.day} dose given on study day {(dose.given_on - day1).days + 1} "
                f"({'early' if early else 'late'}; window {plan.earliest.isoformat()} – "
                f"{plan.latest.isoformat()})",
                plan.name,
            )
        )
    done = {id(plan) for plan in paired if plan is not None}
    events = () if treatment_ended is None else (treatment_ended,)
    for plan in planned:
        if id(plan) in done:
            continue
        status = plan_item_status(earliest=plan.earliest, latest=plan.latest, done_on=None,
                                  today=today, treatment=True, events=events)  # fmt: skip
        if status.state is PlanState.MISSED and status.window is not WindowStatus.DUE:
            found.append(
                Deviation(
                    DeviationKind.DOSE_MISSED,
                    plan.latest,
                    f"day-{plan.day} dose not given (window {plan.earliest.isoformat()} – "
                    f"{plan.latest.isoformat()})",
                    names[plan.intervention],
                )
            )
    return found


def subject_deviations(
    protocol: Protocol,
    *,
    arm_code: str,
    day1: dt.date | None,
    doses: Sequence[GivenDose],
    treatment_ended: PlanEvent | None,
    today: dt.date,
    eligible: bool | None = None,
    failed_criteria: str = "",
    randomized_on: dt.date | None = None,
    confirmed_warnings: Sequence[ConfirmedWarning] = (),
) -> list[Deviation]:
    """Every deviation of one randomized subject, in date order (undated last).

    ``day1`` is study day 1 (first dose; ``None`` for a subject never dosed, who has no dosing
    deviations here: "not treated" is the per-protocol set's matter). ``treatment_ended`` is the
    first event that ended study treatment or the subject's participation, ``today`` the data
    cut-off or the last date the data describe: a window still open then is not missed yet.
    """
    found: list[Deviation] = []
    if eligible is False:
        why = f": {failed_criteria}" if failed_criteria else ""
        found.append(Deviation(DeviationKind.ELIGIBILITY, randomized_on,
                               f"randomized although the screening found the subject not "
                               f"eligible{why}"))  # fmt: skip
    found += _dose_deviations(protocol, doses)
    weights = [d.weight_kg for d in doses if d.weight_kg is not None and math.isfinite(d.weight_kg)]
    if day1 is not None and doses and weights:
        found += _schedule_deviations(protocol, arm_code, day1, weights[0], doses,
                                      treatment_ended, today)  # fmt: skip
    messages = {check.code: check.message for check in protocol.edit_checks}
    for warning in confirmed_warnings:
        check = next((c for c in protocol.edit_checks if c.code == warning.code), None)
        if check is not None and check.rule is RuleKind.DOSE_DEVIATION:
            continue  # the dosing rule reports it, with the dose in words
        text = messages.get(warning.code, warning.code.replace("_", " "))
        found.append(Deviation(DeviationKind.CONFIRMED_WARNING, warning.on,
                               f"{text} ({warning.field}; confirmed at entry)"))  # fmt: skip
    return sorted(found, key=lambda d: (d.on is None, d.on or dt.date.min))

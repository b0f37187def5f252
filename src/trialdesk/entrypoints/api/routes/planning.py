"""Live checks while a form is typed: eligibility per criterion, the dose for a weight, a calendar.

Nothing is saved; the domain computes, so the browser never holds a copy of a clinical rule.
"""

from __future__ import annotations

from fastapi import APIRouter

from trialdesk.domain.calendar import dose_for_weight, plan_calendar
from trialdesk.domain.display import quantity
from trialdesk.domain.protocol import DoseBasis
from trialdesk.entrypoints.api.deps import ApiUser, ProtocolDep
from trialdesk.entrypoints.api.schemas.clinical import PlannedDoseInput, PlannedDoseRead
from trialdesk.entrypoints.api.schemas.errors import ERROR_RESPONSES
from trialdesk.entrypoints.api.schemas.subjects import (
    CalendarItemRead,
    CalendarPreview,
    CalendarRead,
    EligibilityCheck,
    EligibilityRead,
)
from trialdesk.entrypoints.api.subject_reads import eligibility_read
from trialdesk.services.clinical.clinical import find_intervention

__all__ = ["calendar_read", "router"]

router = APIRouter(tags=["planning"], responses=ERROR_RESPONSES)


@router.post("/eligibility/check", response_model=EligibilityRead)
def check_eligibility(
    body: EligibilityCheck, protocol: ProtocolDep, _user: ApiUser
) -> EligibilityRead:
    """Each criterion met, not met, missing or attested, with the reason (nothing is saved)."""
    answers = {k: v for k, v in body.answers.items() if v is not None}
    return eligibility_read(protocol, answers)


@router.post("/dosing/planned", response_model=PlannedDoseRead)
def planned_dose(body: PlannedDoseInput, protocol: ProtocolDep, _user: ApiUser) -> PlannedDoseRead:
    """The protocol's dose of a product for a body weight."""
    intervention = find_intervention(protocol, body.product)
    dose = dose_for_weight(intervention, body.weight_kg, protocol.weight_limits)
    basis = (
        f"{quantity(intervention.dose, intervention.unit)}/kg"
        if intervention.dose_basis is DoseBasis.PER_KG
        else "fixed dose"
    )
    return PlannedDoseRead(
        product=body.product, weight_kg=body.weight_kg, dose_value=dose.amount,
        dose_unit=dose.unit, basis=basis,
    )  # fmt: skip


def calendar_read(body: CalendarPreview, protocol: ProtocolDep) -> CalendarRead:
    """The domain calendar for an arm, a weight and study day 1, as one list in date order."""
    plan = plan_calendar(protocol, body.arm, body.weight_kg, body.day1, body.courses)
    items = [
        CalendarItemRead(
            kind="dose",
            code=a.intervention,
            label=a.name,
            course=a.course,
            day=a.day,
            planned_on=a.date,
            earliest=a.earliest,
            latest=a.latest,
            detail=f"{quantity(a.dose, a.unit)} {a.route}",
        )
        for a in plan.administrations
    ] + [
        CalendarItemRead(
            kind="visit",
            code=v.visit,
            label=v.label,
            course=v.course,
            day=v.day,
            planned_on=v.date,
            earliest=v.earliest,
            latest=v.latest,
            detail=", ".join(x.replace("_", " ") for x in v.assessments),
        )
        for v in plan.visits
    ]
    items.sort(key=lambda i: (i.day, i.kind != "visit", i.code))
    return CalendarRead(arm=plan.arm, weight_kg=plan.weight_kg, day1=plan.day1, items=items)


@router.post("/calendar/preview", response_model=CalendarRead)
def preview_calendar(body: CalendarPreview, protocol: ProtocolDep, _user: ApiUser) -> CalendarRead:
    """Planned doses and visits for an arm, a weight and study day 1."""
    return calendar_read(body, protocol)

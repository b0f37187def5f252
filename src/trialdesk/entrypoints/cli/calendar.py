"""``trialdesk calendar``: planned doses and visits with their windows for one patient."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import typer

from trialdesk.domain.errors import FieldError, InputError
from trialdesk.entrypoints.cli.output import JsonOption, console, emit
from trialdesk.entrypoints.cli.protocol import ProtocolFileOption

if TYPE_CHECKING:
    from trialdesk.domain.calendar import Calendar

__all__ = ["calendar"]

# Domain field names → the options a user typed, so that errors name what they can fix.
_OPTIONS = {"arm": "--arm", "weight_kg": "--weight-kg", "courses": "--courses"}


def calendar(
    arm: Annotated[str, typer.Option("--arm", help="Arm code, e.g. msc_cd25 or cd25.")],
    weight_kg: Annotated[float, typer.Option("--weight-kg", help="Body weight in kg.")],
    day1: Annotated[
        str, typer.Option("--day1", help="Date of study day 1 (first dose), YYYY-MM-DD.")
    ],
    courses: Annotated[
        int, typer.Option("--courses", help="Courses to plan (2 after a partial response).")
    ] = 1,
    protocol_file: ProtocolFileOption = None,
    json: JsonOption = False,
) -> None:
    """Planned doses and assessments with their windows, from study day 1."""
    try:
        start = dt.date.fromisoformat(day1)
    except ValueError:
        raise InputError.single("--day1", f"must be a date YYYY-MM-DD, not {day1!r}") from None
    from trialdesk.bootstrap import load_protocol
    from trialdesk.domain.calendar import plan_calendar

    protocol = load_protocol(protocol_file)
    try:
        plan = plan_calendar(protocol, arm, weight_kg, start, courses)
    except InputError as error:
        raise InputError(
            FieldError(_OPTIONS.get(e.field, e.field), e.message) for e in error.errors
        ) from None
    document = {
        "protocol": protocol.identification.nct_id,
        "protocol_version": protocol.version.version,
        "arm": plan.arm,
        "weight_kg": plan.weight_kg,
        "day1": plan.day1,
        "courses": plan.courses,
        "doses": plan.administrations,
        "assessments": plan.visits,
    }
    emit(document, as_json=json, render=lambda _: _render(plan))


def _render(plan: Calendar) -> None:
    from rich.table import Table

    from trialdesk.domain.protocol import format_amount

    console.print(
        f"Arm [bold]{plan.arm}[/], {plan.weight_kg:g} kg, day 1 = {plan.day1.isoformat()}, "
        f"course(s) {', '.join(str(c) for c in plan.courses)}"
    )
    doses = Table(title="Planned doses", title_justify="left")
    for column in ("course", "day", "date", "window", "intervention", "dose", "route"):
        doses.add_column(column, no_wrap=column in ("date", "window", "dose"))
    for a in plan.administrations:
        doses.add_row(
            str(a.course),
            str(a.day),
            a.date.isoformat(),
            _window(a.earliest, a.latest),
            a.intervention,
            f"{format_amount(a.dose)} {a.unit}",
            a.route,
        )
    console.print(doses)
    visits = Table(title="Planned assessments", title_justify="left")
    for column in ("visit", "course", "day", "date", "window", "assessments"):
        visits.add_column(column, overflow="fold", no_wrap=column in ("date", "window"))
    for v in plan.visits:
        visits.add_row(
            v.visit,
            "" if v.course is None else str(v.course),
            str(v.day),
            v.date.isoformat(),
            _window(v.earliest, v.latest),
            ", ".join(v.assessments),
        )
    console.print(visits)


def _window(earliest: dt.date, latest: dt.date) -> str:
    if earliest == latest:
        return earliest.isoformat()
    return f"{earliest.isoformat()} … {latest.isoformat()}"

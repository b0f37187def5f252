"""``trialdesk protocol``: show and validate protocol files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from trialdesk.domain.errors import ProtocolError
from trialdesk.entrypoints.cli.output import JsonOption, console, emit, fail, new_app

if TYPE_CHECKING:
    from rich.table import Table

    from trialdesk.domain.protocol import Protocol

__all__ = ["ProtocolFileOption", "app"]

app = new_app("protocol", "Show or validate a protocol file (default: the built-in NCT04738981).")

#: The ``--protocol`` option of commands that read a protocol (default: the built-in one).
ProtocolFileOption = Annotated[
    Path | None,
    typer.Option(
        "--protocol",
        help="Protocol file (YAML); default: the built-in NCT04738981 protocol.",
        dir_okay=False,
    ),
]


@app.command("show")
def show(
    file: Annotated[
        Path | None, typer.Argument(help="Protocol file; default: the built-in protocol.")
    ] = None,
    json: JsonOption = False,
) -> None:
    """Summarise a protocol: identification, design, arms and doses, eligibility, visits."""
    from trialdesk.bootstrap import load_protocol

    emit(load_protocol(file), as_json=json, render=_render)


@app.command("validate")
def validate(
    file: Annotated[Path, typer.Argument(help="Protocol file to check.")],
    json: JsonOption = False,
) -> None:
    """Check a protocol file; exit 0 when valid, else list every problem with its path."""
    from trialdesk.bootstrap import load_protocol

    try:
        protocol = load_protocol(file)
    except ProtocolError as error:
        if json:
            fail(error, as_json=True)
        typer.echo(f"invalid: {file} ({len(error.errors)} problem(s))", err=True)
        for problem in error.errors:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(code=error.exit_code) from None
    summary = {
        "valid": True,
        "file": str(file),
        "nct_id": protocol.identification.nct_id,
        "version": protocol.version.version,
        "effective_date": protocol.version.effective_date,
    }
    emit(summary, as_json=json, render=lambda s: console.print(f"valid: {s['file']}"))


def _table(title: str, *columns: str) -> Table:
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def _render(protocol: Protocol) -> None:
    ident, design, pop = protocol.identification, protocol.design, protocol.population
    console.print(f"[bold]{ident.nct_id}[/] ({ident.sponsor_protocol_id}): {ident.title}")
    console.print(
        f"Protocol version {protocol.version.version}, effective "
        f"{protocol.version.effective_date.isoformat()} · sponsor {ident.sponsor} · "
        f"{ident.phase} · {ident.status}"
    )
    console.print(
        f"Design: {design.allocation} {protocol.ratio_label}, {design.model}, "
        f"masking {design.masking}; {pop.target_enrollment} patients, "
        f"{pop.min_age_years}–{pop.max_age_years} years, sex {pop.sex.value}; "
        f"response rules {protocol.assessment.response_rules.value}, "
        f"grading {protocol.assessment.grading_system.value}"
    )
    console.print(f"Primary endpoint: {protocol.primary_endpoint.label}")
    arms = _table("Arms and doses", "arm", "type", "intervention", "dose", "route", "course days")
    for arm in protocol.arms:
        for iv in arm.interventions:
            days = ", ".join(str(d) for d in iv.days)
            arms.add_row(
                arm.code,
                arm.type.value,
                iv.code,
                iv.dose_label,
                iv.route,
                f"{days} (±{iv.window_days})",
            )
    console.print(arms)
    course = protocol.course
    console.print(
        f"Course: {course.length_days} days, at most {course.max_courses}; repeat on "
        f"{', '.join(r.value for r in course.repeat_on)} at {course.decision_visit}; "
        + "; ".join(f"{r.code}: {r.reason}" for r in course.stop_rules)
    )
    criteria = _table("Eligibility", "id", "kind", "check", "text")
    for c in protocol.criteria:
        check = c.rule.text if c.rule else f"investigator attests ({c.field})"
        criteria.add_row(c.id, c.kind.value, check, c.text)
    console.print(criteria)
    visits = _table("Visits", "visit", "phase", "day", "window", "assessments")
    for v in protocol.visits:
        window = f"-{v.window_before}/+{v.window_after}"
        visits.add_row(v.code, v.phase.value, str(v.day), window, ", ".join(v.assessments))
    console.print(visits)
    assumptions = _table("Assumptions (not stated in the registry)", "path", "choice", "reason")
    for a in protocol.assumptions:
        assumptions.add_row(a.path, a.choice, a.reason)
    console.print(assumptions)

"""``trialdesk gvhd``: organ staging, overall grade, response and steroid-refractoriness."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from trialdesk.domain.errors import FieldError, InputError
from trialdesk.domain.gvhd.types import (
    GradingSystem,
    LiverStaging,
    Organ,
    OrganStages,
    ResponseRuleSet,
)
from trialdesk.entrypoints.cli import gvhd_chronic
from trialdesk.entrypoints.cli.gvhd_steroids import steroid_refractory_command
from trialdesk.entrypoints.cli.output import JsonOption, console, emit, new_app

__all__ = ["app"]

app = new_app("gvhd", "Stage, grade and assess the response of acute GVHD.")
app.command("steroid-refractory")(steroid_refractory_command)

# Domain field names → the options a user typed, so that errors name what they can fix.
_STAGE_OPTIONS = {
    "skin_bsa_pct": "--skin-bsa",
    "desquamation_bsa_pct": "--desquamation-bsa",
    "bilirubin": "--bilirubin",
    "bilirubin_unit": "--bilirubin-unit",
    "stool_ml_per_day": "--stool-ml",
    "stool_episodes_per_day": "--stool-episodes",
}


def _renamed(error: InputError, options: dict[str, str]) -> InputError:
    return InputError(FieldError(options.get(e.field, e.field), e.message) for e in error.errors)


@app.command("stage")
def stage_command(
    skin_bsa: Annotated[
        float, typer.Option("--skin-bsa", help="Active erythematous rash, % body surface area.")
    ],
    bilirubin: Annotated[float, typer.Option("--bilirubin", help="Total bilirubin.")],
    bullae: Annotated[bool, typer.Option("--bullae", help="Bullae present.")] = False,
    desquamation_bsa: Annotated[
        float, typer.Option("--desquamation-bsa", help="Desquamation, % body surface area.")
    ] = 0.0,
    bilirubin_unit: Annotated[
        str, typer.Option("--bilirubin-unit", help="mg/dL (default) or umol/L.")
    ] = "mg/dL",
    upper_gi: Annotated[
        bool, typer.Option("--upper-gi", help="Persistent nausea, vomiting or anorexia.")
    ] = False,
    stool_ml: Annotated[
        float | None, typer.Option("--stool-ml", help="Stool volume, mL/day (3-day average).")
    ] = None,
    stool_episodes: Annotated[
        float | None, typer.Option("--stool-episodes", help="Stool episodes per day.")
    ] = None,
    severe_pain: Annotated[
        bool, typer.Option("--severe-pain", help="Severe abdominal pain (needs opioids).")
    ] = False,
    bloody_stool: Annotated[
        bool, typer.Option("--bloody-stool", help="Grossly bloody stool.")
    ] = False,
    system: Annotated[
        GradingSystem, typer.Option("--system", help="Staging and grading system.")
    ] = GradingSystem.MAGIC,
    liver_staging: Annotated[
        LiverStaging,
        typer.Option(
            "--liver-staging",
            help="Bilirubin cut-offs: mg_dl (MAGIC, 2/3.1/6.1/15 mg/dL) or umol_l_table "
            "(34/51/103/>255 umol/L).",
        ),
    ] = LiverStaging.MG_DL,
    json: JsonOption = False,
) -> None:
    """Organ stages, the measurement behind each, and the overall grade 0–IV."""
    from trialdesk.domain.gvhd import BilirubinUnit, OrganMeasurements, grade, grade_label, stage

    try:
        measurements = OrganMeasurements(
            skin_bsa_pct=skin_bsa,
            bilirubin=bilirubin,
            bilirubin_unit=BilirubinUnit.parse(bilirubin_unit),
            bullae=bullae,
            desquamation_bsa_pct=desquamation_bsa,
            upper_gi_persistent=upper_gi,
            stool_ml_per_day=stool_ml,
            stool_episodes_per_day=stool_episodes,
            severe_abdominal_pain=severe_pain,
            bloody_stool=bloody_stool,
        )
    except InputError as error:
        raise _renamed(error, _STAGE_OPTIONS) from None
    result = stage(measurements, system, liver_staging)
    overall = grade(result.stages, system)
    emit(
        {
            "system": result.system,
            "liver_staging": liver_staging,
            "stages": dict(zip(Organ, result.stages.as_tuple(), strict=True)),
            "grade": overall,
            "grade_label": grade_label(overall),
            "drivers": result.drivers,
            "bilirubin_mg_dl": float(measurements.to_arrays().bilirubin_mg_dl),
        },
        as_json=json,
        render=_render_stage,
    )


def _render_stage(data: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title=f"aGVHD staging ({data['system']})")
    table.add_column("Organ")
    table.add_column("Stage", justify="right")
    table.add_column("Driven by")
    for organ in Organ:
        driver = data["drivers"][organ]
        table.add_row(organ.value, str(data["stages"][organ]), driver or "-")
    console.print(table)
    console.print(f"Overall grade: [bold]{data['grade_label']}[/] ({data['system']})")


def _parse_stages(text: str, option: str) -> OrganStages:
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != len(Organ):
        raise InputError.single(
            option,
            f"needs {len(Organ)} comma-separated stages (skin,liver,upper_gi,lower_gi), "
            f"got {len(parts)}",
        )
    try:
        values = [int(part) for part in parts]
    except ValueError:
        raise InputError.single(option, f"stages must be whole numbers, got {text!r}") from None
    try:
        return OrganStages(*values)
    except InputError as error:
        raise InputError(
            FieldError(option, f"{e.field} stage {e.message}") for e in error.errors
        ) from None


@app.command("response")
def response_command(
    baseline: Annotated[
        str, typer.Option("--baseline", help="Baseline stages S,L,U,G, e.g. 2,1,0,3.")
    ],
    current: Annotated[str, typer.Option("--current", help="Current stages S,L,U,G.")],
    rules: Annotated[
        ResponseRuleSet, typer.Option("--rules", help="Response rule set.")
    ] = ResponseRuleSet.CSH,
    died: Annotated[bool, typer.Option("--died", help="The patient has died.")] = False,
    json: JsonOption = False,
) -> None:
    """Response category (CR, PR, MR, NR, PD) of current stages against baseline."""
    from trialdesk.domain.gvhd import assess_response

    before = _parse_stages(baseline, "--baseline")
    now = _parse_stages(current, "--current")
    result = assess_response(before, now, rules, died=died)
    emit(
        {
            "response": result.response,
            "rules": result.rules,
            "overall_response": result.overall_response,
            "died": result.died,
            "baseline": dict(zip(Organ, before.as_tuple(), strict=True)),
            "current": dict(zip(Organ, now.as_tuple(), strict=True)),
            "organ_changes": result.organ_changes,
        },
        as_json=json,
        render=_render_response,
    )


def _render_response(data: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title=f"aGVHD response ({data['rules']} rules)")
    for column in ("Organ", "Baseline", "Current", "Change"):
        table.add_column(column, justify="left" if column == "Organ" else "right")
    for organ in Organ:
        change = data["organ_changes"][organ]
        table.add_row(
            organ.value, str(data["baseline"][organ]), str(data["current"][organ]), f"{change:+d}"
        )
    console.print(table)
    console.print(f"Response: [bold]{data['response']}[/]")


gvhd_chronic.register(app)

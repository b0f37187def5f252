"""``trialdesk gvhd steroid-refractory``: the steroid-refractoriness screening aid.

The rules are :func:`trialdesk.domain.steroid_refractory.classify_steroid_response`; the
definition (dose threshold, day windows, drug convention) is the protocol's
``assessment.steroid_refractory`` unless ``--definition`` names a published set.
"""

from __future__ import annotations

import datetime as dt
import json as jsonlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from trialdesk.domain.corticosteroids import Corticosteroid
from trialdesk.domain.errors import FieldError, InputError
from trialdesk.entrypoints.cli.output import JsonOption, console, emit
from trialdesk.entrypoints.cli.protocol import ProtocolFileOption

if TYPE_CHECKING:
    from trialdesk.domain.steroid_refractory import (
        GradeAssessment,
        RefractoryDefinition,
        StatusAssessment,
    )

__all__ = ["steroid_refractory_command"]

_OPTION = "--assessments"
_LABELS = {
    "refractory": "Steroid-refractory",
    "dependent": "Steroid-dependent",
    "intolerant": "Steroid-intolerant",
    "not_established": "Not established",
    "insufficient_data": "Insufficient data",
}
_CRITERIA = {
    "a": "(a) progression soon after starting",
    "b": "(b) no improvement",
    "c": "(c) incomplete response after the long window",
    "dependent_taper_failed": "could not be tapered",
    "dependent_recurrence": "recurrence during the taper",
    "intolerant": "unacceptable toxicity",
}


def steroid_refractory_command(
    start: Annotated[
        str, typer.Option("--start", help="Date steroids were started (day 0), YYYY-MM-DD.")
    ],
    drug: Annotated[Corticosteroid, typer.Option("--drug", help="The steroid given.")],
    dose_mg_per_kg: Annotated[
        float, typer.Option("--dose-mg-per-kg", help="Starting dose of that drug, mg/kg/day.")
    ],
    assessments: Annotated[
        str,
        typer.Option(
            _OPTION,
            help="Dated MAGIC grades 'YYYY-MM-DD:GRADE,...' (the grade on or before --start is "
            "the baseline) or statuses 'YYYY-MM-DD:improved,...'; or a JSON file of "
            '[{"on": "YYYY-MM-DD", "grade": 2}, ...] or [{"on": ..., "status": ...}, ...].',
        ),
    ],
    definition: Annotated[
        str | None,
        typer.Option(
            "--definition",
            help="ebmt_nih_cibmtr_2018, thomas_textbook or msb_gvhd001; default: the "
            "protocol's assessment.steroid_refractory.",
        ),
    ] = None,
    protocol_file: ProtocolFileOption = None,
    json: JsonOption = False,
) -> None:
    """Screen a first-line steroid course for refractoriness: criterion met and reasoning."""
    from trialdesk.bootstrap import load_protocol
    from trialdesk.domain.steroid_refractory import (
        SteroidCourse,
        classify_steroid_response,
        refractory_definition,
    )

    started = _date(start, "--start")
    rules = (
        load_protocol(protocol_file).assessment.steroid_refractory
        if definition is None
        else refractory_definition(definition, field="--definition")
    )
    dose = rules.prednisone_equivalent(drug, dose_mg_per_kg, field_name="--dose-mg-per-kg")
    history = _history(assessments)
    try:
        result = classify_steroid_response(SteroidCourse(started, dose), history, rules)
    except InputError as error:
        raise InputError(_option_error(e) for e in error.errors) from None
    emit(
        {
            "result": result.result,
            "result_label": _LABELS[result.result.value],
            "criterion": result.criterion,
            "criteria": result.criteria,
            "reasons": result.reasons,
            "definition": _definition(rules),
            "start": started,
            "drug": drug,
            "dose_mg_per_kg_day": dose_mg_per_kg,
            "prednisone_equivalent_mg_per_kg_day": round(dose, 4),
            "screening_aid": result.screening_aid,
        },
        as_json=json,
        render=_render,
    )


def _date(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError.single(field, f"must be a date YYYY-MM-DD, not {text!r}") from None


def _history(text: str) -> list[StatusAssessment | GradeAssessment]:
    """The assessments from 'DATE:GRADE,...' or from a JSON file of the same."""
    path = Path(text)
    if text.strip().lower().endswith(".json") or path.is_file():
        return _from_json(path)
    items = [part.strip() for part in text.split(",") if part.strip()]
    if not items:
        raise InputError.single(_OPTION, "give at least one 'YYYY-MM-DD:GRADE'")
    history = []
    for i, item in enumerate(items):
        on, sep, value = item.partition(":")
        if not sep:
            raise InputError.single(
                f"{_OPTION}[{i}]",
                f"must be 'YYYY-MM-DD:GRADE' or 'YYYY-MM-DD:status', not {item!r}",
            )
        history.append(_assessment(i, on, value.strip()))
    return history


def _from_json(path: Path) -> list[StatusAssessment | GradeAssessment]:
    try:
        document = jsonlib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError.single(_OPTION, f"cannot read {path.name}: {error.strerror}") from None
    except ValueError as error:
        raise InputError.single(_OPTION, f"{path.name} is not valid JSON: {error}") from None
    if not isinstance(document, list) or not document:
        raise InputError.single(_OPTION, f"{path.name} must hold a non-empty list of assessments")
    history = []
    for i, item in enumerate(document):
        if (
            not isinstance(item, dict)
            or "on" not in item
            or ("grade" in item) == ("status" in item)
        ):
            raise InputError.single(
                f"{_OPTION}[{i}]", 'must be {"on": "YYYY-MM-DD", "grade": 0-4} or with "status"'
            )
        value = item.get("grade", item.get("status"))
        history.append(_assessment(i, str(item["on"]), str(value)))
    return history


def _assessment(i: int, on: str, value: str) -> StatusAssessment | GradeAssessment:
    from trialdesk.domain.steroid_refractory import (
        DiseaseStatus,
        GradeAssessment,
        StatusAssessment,
    )

    when = _date(on, f"{_OPTION}[{i}]")
    if value.lstrip("-").isdigit():
        return GradeAssessment(when, int(value))
    try:
        return StatusAssessment(when, DiseaseStatus(value.lower()))
    except ValueError:
        known = ", ".join(s.value for s in DiseaseStatus)
        raise InputError.single(
            f"{_OPTION}[{i}]", f"{value!r} is neither a grade 0-4 nor a status ({known})"
        ) from None


def _option_error(error: FieldError) -> FieldError:
    """The domain's field names as the options the user typed."""
    field = error.field
    if field.startswith("course.initial_mg_per_kg_day"):
        return FieldError("--dose-mg-per-kg", error.message)
    if field.startswith("assessments"):
        return FieldError(
            _OPTION + field.removeprefix("assessments").removesuffix(".on"), error.message
        )
    return error


def _definition(rules: RefractoryDefinition) -> dict[str, Any]:
    return {
        "name": rules.name,
        "min_dose_mg_per_kg_day": rules.min_dose_mg_per_kg_day,
        "progression_window": rules.progression_window,
        "no_improvement_window": rules.no_improvement_window,
        "incomplete_after_days": rules.incomplete_after_days,
        "dependence_dose_mg_per_kg_day": rules.dependence_dose_mg_per_kg_day,
        "drug_convention": rules.drug_convention,
    }


def _render(data: dict[str, Any]) -> None:
    from rich.table import Table

    rules = data["definition"]
    table = Table(title=f"Steroid response ({rules['name']})", show_header=False)
    table.add_column("")
    table.add_column("")
    table.add_row("Result", f"[bold]{data['result_label']}[/]")
    criterion = data["criterion"]
    table.add_row("Criterion met", _CRITERIA[criterion.value] if criterion else "none")
    table.add_row(
        "Starting dose",
        f"{data['drug']} {data['dose_mg_per_kg_day']:g} mg/kg/day = prednisone "
        f"{data['prednisone_equivalent_mg_per_kg_day']:g} mg/kg/day ({rules['drug_convention']})",
    )
    table.add_row("Dose threshold", f"prednisone ≥ {rules['min_dose_mg_per_kg_day']:g} mg/kg/day")
    console.print(table)
    for reason in data["reasons"]:
        console.print(f"- {reason}")
    console.print("Screening aid only: the investigator confirms the diagnosis.")

"""``trialdesk gvhd chronic`` and ``trialdesk gvhd risk``: NIH 2014 chronic GVHD severity and the
baseline risk of acute GVHD (Minnesota risk, MAGIC algorithm probability).

Registered on the ``gvhd`` command group by :func:`register`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from trialdesk.domain.errors import FieldError, InputError
from trialdesk.domain.gvhd.types import Organ, OrganStages
from trialdesk.entrypoints.cli.output import JsonOption, console, emit

if TYPE_CHECKING:
    from trialdesk.domain.gvhd.chronic import ChronicOrgan

__all__ = ["chronic_command", "register", "risk_command"]

_SCORE_HELP = "NIH 2014 organ score 0-3."


def _option(organ: ChronicOrgan) -> str:
    return f"--{organ.value.replace('_', '-')}"


def _renamed(error: InputError, options: dict[str, str]) -> InputError:
    return InputError(FieldError(options.get(e.field, e.field), e.message) for e in error.errors)


def _parse_organs(text: str | None) -> tuple[ChronicOrgan, ...]:
    from trialdesk.domain.gvhd.chronic import ChronicOrgan

    if not text:
        return ()
    organs = []
    for part in (p.strip() for p in text.split(",")):
        try:
            organs.append(ChronicOrgan(part.replace("-", "_")))
        except ValueError:
            known = ", ".join(o.value for o in ChronicOrgan)
            raise InputError.single(
                "--other-cause", f"unknown organ {part!r}; use any of {known}"
            ) from None
    return tuple(organs)


def chronic_command(
    diagnostic_sign: Annotated[
        bool,
        typer.Option(
            "--diagnostic-sign/--no-diagnostic-sign",
            help="At least one diagnostic sign of chronic GVHD.",
        ),
    ],
    distinctive_confirmed: Annotated[
        bool,
        typer.Option(
            "--distinctive-confirmed",
            help="A distinctive sign confirmed by biopsy, laboratory or other test.",
        ),
    ] = False,
    skin: Annotated[int, typer.Option("--skin", help=_SCORE_HELP)] = 0,
    mouth: Annotated[int, typer.Option("--mouth", help=_SCORE_HELP)] = 0,
    eyes: Annotated[int, typer.Option("--eyes", help=_SCORE_HELP)] = 0,
    gi: Annotated[int, typer.Option("--gi", help=_SCORE_HELP)] = 0,
    liver: Annotated[int, typer.Option("--liver", help=_SCORE_HELP)] = 0,
    lungs: Annotated[
        int, typer.Option("--lungs", help="Lung score 0-3 (the FEV1 score when measured).")
    ] = 0,
    joints_fascia: Annotated[int, typer.Option("--joints-fascia", help=_SCORE_HELP)] = 0,
    genital: Annotated[int, typer.Option("--genital", help=_SCORE_HELP)] = 0,
    other_cause: Annotated[
        str | None,
        typer.Option(
            "--other-cause",
            help="Organs whose whole abnormality a non-GVHD cause explains, e.g. lungs,liver.",
        ),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Diagnosis and global severity of chronic GVHD (NIH 2014 consensus), and why."""
    from trialdesk.domain.gvhd.chronic import (
        ChronicOrgan,
        ChronicOrganScores,
        assess_chronic_gvhd,
    )

    raw = {"skin": skin, "mouth": mouth, "eyes": eyes, "gi": gi, "liver": liver,
           "lungs": lungs, "joints_fascia": joints_fascia, "genital": genital}  # fmt: skip
    try:
        scores = ChronicOrganScores(**raw)
    except InputError as error:
        raise _renamed(error, {o.value: _option(o) for o in ChronicOrgan}) from None
    result = assess_chronic_gvhd(
        scores,
        diagnostic_sign=diagnostic_sign,
        distinctive_sign_confirmed=distinctive_confirmed,
        explained_by_other_cause=_parse_organs(other_cause),
    )
    emit(
        {
            "diagnosed": result.diagnosed,
            "organs_involved": result.organs_involved,
            "global_severity": result.global_severity,
            "reason": result.reason,
            "scores": {o.value: scores.score(o) for o in ChronicOrgan},
            "counted": list(result.counted),
            "not_counted_other_cause": list(result.explained),
        },
        as_json=json,
        render=_render_chronic,
    )


def _render_chronic(data: dict[str, Any]) -> None:
    from rich.table import Table

    from trialdesk.domain.gvhd.chronic import ORGAN_LABELS, ChronicOrgan

    table = Table(title="Chronic GVHD, NIH 2014 organ scores")
    table.add_column("Organ")
    table.add_column("Score", justify="right")
    table.add_column("Counted")
    for organ in ChronicOrgan:
        score = data["scores"][organ.value]
        counted = (
            "yes" if organ in data["counted"]
            else "no (non-GVHD cause)" if organ in data["not_counted_other_cause"]
            else "-"
        )  # fmt: skip
        table.add_row(ORGAN_LABELS[organ], str(score), counted)
    console.print(table)
    verdict = "chronic GVHD" if data["diagnosed"] else "not chronic GVHD"
    console.print(
        f"Global severity: [bold]{data['global_severity']}[/] ({verdict}, "
        f"{data['organs_involved']} organ(s) counted)"
    )
    console.print(f"Why: {data['reason']}", highlight=False)


_STAGE_OPTIONS = {"skin": "--skin", "liver": "--liver", "upper_gi": "--upper-gi",
                  "lower_gi": "--lower-gi"}  # fmt: skip


def risk_command(
    skin: Annotated[int, typer.Option("--skin", help="Skin stage at onset (0-4).")],
    liver: Annotated[int, typer.Option("--liver", help="Liver stage at onset (0-4).")],
    upper_gi: Annotated[int, typer.Option("--upper-gi", help="Upper GI stage at onset (0-1).")],
    lower_gi: Annotated[int, typer.Option("--lower-gi", help="Lower GI stage at onset (0-4).")],
    st2: Annotated[float | None, typer.Option("--st2", help="Serum ST2, ng/mL.")] = None,
    reg3a: Annotated[float | None, typer.Option("--reg3a", help="Serum REG3α, ng/mL.")] = None,
    json: JsonOption = False,
) -> None:
    """Minnesota risk from the onset stages; with ST2 and REG3α, the MAGIC probability and group."""
    from trialdesk.domain.gvhd.risk import (
        MAGIC_HIGH_THRESHOLD,
        magic_algorithm_probability,
        magic_group,
        minnesota_risk,
    )

    try:
        stages = OrganStages(skin, liver, upper_gi, lower_gi)
    except InputError as error:
        raise _renamed(error, _STAGE_OPTIONS) from None
    if (st2 is None) != (reg3a is None):
        missing = "--reg3a" if reg3a is None else "--st2"
        raise InputError.single(missing, "the MAGIC algorithm needs both ST2 and REG3α")
    probability = None
    if st2 is not None and reg3a is not None:
        try:
            probability = magic_algorithm_probability(st2, reg3a)
        except InputError as error:
            raise _renamed(error, {"st2_ng_ml": "--st2", "reg3a_ng_ml": "--reg3a"}) from None
    risk = minnesota_risk(stages)
    emit(
        {
            "stages": dict(zip(Organ, stages.as_tuple(), strict=True)),
            "minnesota_risk": risk,
            "magic_probability": probability,
            "magic_group": None if probability is None else magic_group(probability),
            "magic_threshold": MAGIC_HIGH_THRESHOLD,
        },
        as_json=json,
        render=_render_risk,
    )


def _render_risk(data: dict[str, Any]) -> None:
    from trialdesk.domain.labels import label

    stages = ", ".join(f"{label('organ', o)} {stage}" for o, stage in data["stages"].items())
    console.print(f"Onset stages: {stages}", highlight=False)
    if data["minnesota_risk"] is None:
        console.print("Minnesota risk: not applicable (no organ involved)")
    else:
        console.print(f"Minnesota risk: [bold]{data['minnesota_risk']}[/] (MacMillan 2015)")
    if data["magic_probability"] is None:
        console.print("MAGIC algorithm probability: not computed (enter both ST2 and REG3α)")
    else:
        console.print(
            f"MAGIC algorithm probability: [bold]{data['magic_probability']:.3f}[/] → "
            f"{data['magic_group']} (high from {data['magic_threshold']:.3f})",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    """Add ``chronic`` and ``risk`` to the ``gvhd`` command group."""
    app.command("chronic")(chronic_command)
    app.command("risk")(risk_command)

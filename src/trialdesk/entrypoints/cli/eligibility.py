"""``trialdesk eligibility``: evaluate a screening record (JSON file) against the criteria."""

from __future__ import annotations

import json as jsonlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from trialdesk.domain.errors import InputError
from trialdesk.entrypoints.cli.output import JsonOption, console, emit
from trialdesk.entrypoints.cli.protocol import ProtocolFileOption

if TYPE_CHECKING:
    from trialdesk.domain.eligibility import EligibilityResult

__all__ = ["eligibility"]


def eligibility(
    record_file: Annotated[
        Path, typer.Argument(help="Screening record: a JSON object of field name → value.")
    ],
    protocol_file: ProtocolFileOption = None,
    json: JsonOption = False,
) -> None:
    """Per-criterion eligibility (met / not met / missing / attested) of a screening record."""
    from trialdesk.bootstrap import load_protocol
    from trialdesk.domain.eligibility import evaluate_eligibility

    protocol = load_protocol(protocol_file)
    result = evaluate_eligibility(protocol, _read_record(record_file))
    document = {
        "protocol": protocol.identification.nct_id,
        "protocol_version": protocol.version.version,
        "eligible": result.eligible,
        "criteria": [
            {
                "id": r.criterion_id,
                "kind": r.kind,
                "status": r.status,
                "passed": r.passed,
                "field": r.field,
                "value": r.value,
                "reason": r.reason,
                "text": r.text,
            }
            for r in result.results
        ],
    }
    emit(document, as_json=json, render=lambda _: _render(result))


def _read_record(path: Path) -> dict[str, object]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError.single(str(path), "no such screening record file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError.single(str(path), f"cannot read: {error}") from None
    try:
        record = jsonlib.loads(text)
    except jsonlib.JSONDecodeError as error:
        raise InputError.single(
            str(path), f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    if not isinstance(record, dict):
        raise InputError.single(str(path), "must be a JSON object of field name → value")
    return record


def _render(result: EligibilityResult) -> None:
    from rich.table import Table

    verdict = "[bold green]eligible[/]" if result.eligible else "[bold red]not eligible[/]"
    console.print(f"Patient is {verdict}")
    table = Table(title="Criteria", title_justify="left")
    for column in ("id", "kind", "status", "reason"):
        table.add_column(column, overflow="fold")
    for r in result.results:
        colour = "green" if r.passed else "red"
        table.add_row(r.criterion_id, r.kind.value, f"[{colour}]{r.status.value}[/]", r.reason)
    console.print(table)

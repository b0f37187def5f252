"""A saved form record for people: each value by its field's type, each derived value in words.

The pages, and any report that lists form records, show a record the same way: a choice by its
label, yes/no, a number with its unit (``62.5 mg/day``), and what the protocol derived as short
sentences (``Prednisone equivalent 62.5 mg/day (1 mg/kg/day)``, ``Level below target
(5–15 ng/mL)``, ``Viability below release minimum 70 %``), each marked when it is a finding to
act on. A derivation without its own wording here is shown by its names and values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from trialdesk.domain.display import count_of, number, quantity
from trialdesk.domain.forms.spec import FormField, FormFieldType

__all__ = ["DerivedLine", "derived_lines", "field_text"]


@dataclass(frozen=True, slots=True)
class DerivedLine:
    text: str
    #: A finding to act on (out of range, below minimum, outside the protocol dose).
    flagged: bool = False


def field_text(spec: FormField, value: Any) -> str:
    """One stored value as read: labels for choices, yes/no, quantities with their unit."""
    if value is None or value == "" or value == []:
        return "–"
    labels = dict(spec.choices)
    if spec.type is FormFieldType.CHOICE:
        return labels.get(str(value), str(value))
    if spec.type is FormFieldType.CHOICES:
        return ", ".join(labels.get(str(v), str(v)) for v in value)
    if spec.type is FormFieldType.BOOLEAN:
        return "yes" if value is True else "no"
    if spec.type in (FormFieldType.NUMBER, FormFieldType.INTEGER):
        return quantity(float(value), spec.unit)
    return str(value)


def _days(value: Any, open_text: str) -> str:
    return open_text if value is None else count_of(int(value), "day")


def _steroid(d: Mapping[str, Any]) -> list[DerivedLine]:
    per_kg = d.get("prednisone_mg_per_kg_day")
    weight = f"{number(per_kg)} mg/kg/day" if per_kg is not None else "no weight recorded yet"
    lines = [
        DerivedLine(f"Prednisone equivalent {quantity(d['prednisone_mg_per_day'], 'mg/day')} "
                    f"({weight})"),
        DerivedLine(f"Duration {_days(d.get('duration_days'), 'ongoing')}"),
    ]  # fmt: skip
    if d.get("start_study_day") is not None:
        lines.append(DerivedLine(f"From study day {d['start_study_day']}"))
    return lines


_LEVEL_WORDS = {"below": "below", "in_range": "within", "above": "above"}


def _immunosuppressant(d: Mapping[str, Any]) -> list[DerivedLine]:
    lines = [DerivedLine(f"Duration {_days(d.get('duration_days'), 'ongoing')}")]
    status = d.get("level_status")
    if status is not None:
        target = f"{number(d['target_low_ng_ml'])}–{number(d['target_high_ng_ml'])} ng/mL"
        lines.append(
            DerivedLine(f"Level {_LEVEL_WORDS.get(status, status)} target ({target})",
                        flagged=status != "in_range")
        )  # fmt: skip
    return lines


def _infection(d: Mapping[str, Any]) -> list[DerivedLine]:
    lines = []
    if d.get("onset_study_day") is not None:
        lines.append(DerivedLine(f"Onset on study day {d['onset_study_day']}"))
    elif d.get("on_study") is False:
        lines.append(DerivedLine("Onset before study day 1"))
    lines.append(DerivedLine(f"Duration {_days(d.get('duration_days'), 'ongoing')}"))
    if d.get("cs_cmv_infection"):
        lines.append(DerivedLine("Clinically significant CMV infection", flagged=True))
    elif d.get("clinically_significant"):
        lines.append(DerivedLine("Clinically significant", flagged=True))
    else:
        lines.append(DerivedLine("Not clinically significant"))
    return lines


def _msc(d: Mapping[str, Any]) -> list[DerivedLine]:
    lines = []
    per_kg = d.get("cells_1e6_per_kg")
    if per_kg is not None:
        dose = quantity(per_kg * 1e6, "cells/kg")
        protocol = d.get("protocol_dose_1e6_per_kg")
        if protocol is not None and d.get("dose_deviation_pct") is not None:
            dose += (f" (protocol {quantity(protocol * 1e6, 'cells/kg')}, "
                     f"{d['dose_deviation_pct']:+g} %)")  # fmt: skip
        lines.append(
            DerivedLine(f"Cell dose {dose}", flagged=bool(d.get("dose_outside_tolerance")))
        )
    minimum = d.get("viability_min_pct")
    if d.get("viability_below_minimum") is not None and minimum is not None:
        below = bool(d["viability_below_minimum"])
        words = "below" if below else "at or above"
        lines.append(
            DerivedLine(f"Viability {words} release minimum {number(minimum)} %", flagged=below)
        )
    return lines


_WORDING: Mapping[str, Callable[[Mapping[str, Any]], list[DerivedLine]]] = {
    "corticosteroid_period": _steroid,
    "immunosuppressant_period": _immunosuppressant,
    "infection": _infection,
    "msc_infusion": _msc,
}


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return number(value)
    return "–" if value is None else str(value)


def derived_lines(derive: str | None, derived: Mapping[str, Any]) -> list[DerivedLine]:
    """What a record's derivation found, in words (in the derivation's own wording if known)."""
    if not derived:
        return []
    wording = _WORDING.get(derive or "")
    if wording is not None:
        try:
            return wording(derived)
        except (KeyError, TypeError, ValueError):  # a record derived by an older rule
            pass
    return [
        DerivedLine(f"{name.replace('_', ' ').capitalize()}: {_plain(value)}")
        for name, value in derived.items()
    ]

"""Attribution and diagnostic confidence of each organ's staging.

Acute GVHD staging counts only manifestations *of GVHD*: MAGIC stages an organ's involvement
"after excluding other causes" — a raised bilirubin from drug cholestasis or sinusoidal
obstruction syndrome, diarrhoea from CMV enteritis or *C. difficile* (Harris AC et al., Biol
Blood Marrow Transplant 2016;22:4-10). The investigator records per organ whether a biopsy was
done and what it showed, the alternative causes considered, and whether the involvement is
attributed to another cause. An organ so attributed is staged 0 as GVHD, and the record keeps
the stage that was measured and why it was not counted, so the audit trail shows both.

The block is optional: no block, or no entry for an organ, means nothing is attributed.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from trialdesk.domain.errors import FieldError, InputError
from trialdesk.domain.gvhd.types import Organ, OrganStages

__all__ = [
    "CAUSE_LABELS",
    "AlternativeCause",
    "Biopsy",
    "OrganAttribution",
    "apply_attribution",
    "attribution_notes",
    "parse_attribution",
]


class Biopsy(enum.StrEnum):
    """Whether the organ was biopsied and what the histology showed."""

    NOT_DONE = "not_done"
    CONSISTENT_WITH_GVHD = "consistent_with_gvhd"
    NOT_GVHD = "not_gvhd"
    PENDING = "pending"


class AlternativeCause(enum.StrEnum):
    """Causes other than GVHD considered for an organ's involvement."""

    CMV_ENTERITIS = "cmv_enteritis"
    C_DIFFICILE = "c_difficile"
    SOS_VOD = "sos_vod"
    DRUG_CHOLESTASIS = "drug_cholestasis"
    INFECTION = "infection"
    OTHER = "other"


#: How a cause reads in a sentence ("attributed to drug cholestasis").
CAUSE_LABELS: Mapping[AlternativeCause, str] = {
    AlternativeCause.CMV_ENTERITIS: "CMV enteritis",
    AlternativeCause.C_DIFFICILE: "C. difficile infection",
    AlternativeCause.SOS_VOD: "SOS/VOD",
    AlternativeCause.DRUG_CHOLESTASIS: "drug cholestasis",
    AlternativeCause.INFECTION: "infection",
    AlternativeCause.OTHER: "another cause",
}

_ORGAN_NAMES = {
    Organ.SKIN: "Skin",
    Organ.LIVER: "Liver",
    Organ.UPPER_GI: "Upper GI",
    Organ.LOWER_GI: "Lower GI",
}
_KEYS = frozenset({"biopsy", "causes", "attributed_to_other_cause"})


@dataclass(frozen=True, slots=True)
class OrganAttribution:
    """Biopsy, alternative causes considered and the attribution of one organ's involvement."""

    biopsy: Biopsy = Biopsy.NOT_DONE
    causes: tuple[AlternativeCause, ...] = ()
    attributed_to_other_cause: bool = False

    @property
    def reason(self) -> str | None:
        """Why the organ is not staged as GVHD ("attributed to drug cholestasis"), if it is not."""
        if not self.attributed_to_other_cause:
            return None
        labels = [CAUSE_LABELS[c] for c in self.causes]
        named = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"
        return f"attributed to {named}"


def parse_attribution(raw: Mapping[str, Any] | None) -> dict[Organ, OrganAttribution]:
    """Check an attribution block as entered (``{"liver": {"biopsy": ..., "causes": [...],
    "attributed_to_other_cause": true}}``); every problem is reported, named by its path.

    Attributing an organ to another cause needs at least one cause considered: the record must
    say which.
    """
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise InputError.single("attribution", "must be a mapping of organ → attribution")
    errors: list[FieldError] = []
    parsed: dict[Organ, OrganAttribution] = {}
    for key, entry in raw.items():
        where = f"attribution.{key}"
        try:
            organ = Organ(key)
        except ValueError:
            known = ", ".join(o.value for o in Organ)
            errors.append(FieldError(where, f"unknown organ; use {known}"))
            continue
        if not isinstance(entry, Mapping):
            errors.append(FieldError(where, "must be a mapping of biopsy, causes, attributed"))
            continue
        found = _organ(where, entry, errors)
        if found is not None:
            parsed[organ] = found
    if errors:
        raise InputError(errors)
    return {organ: parsed[organ] for organ in Organ if organ in parsed}


def _organ(
    where: str, entry: Mapping[str, Any], errors: list[FieldError]
) -> OrganAttribution | None:
    before = len(errors)
    errors.extend(FieldError(f"{where}.{k}", "unknown key") for k in sorted(set(entry) - _KEYS))
    try:
        biopsy = Biopsy(entry.get("biopsy", Biopsy.NOT_DONE))
    except ValueError:
        known = ", ".join(b.value for b in Biopsy)
        errors.append(FieldError(f"{where}.biopsy", f"must be one of {known}"))
        biopsy = Biopsy.NOT_DONE
    raw_causes = entry.get("causes", [])
    causes: list[AlternativeCause] = []
    if not isinstance(raw_causes, list | tuple):
        errors.append(FieldError(f"{where}.causes", "must be a list of causes"))
        raw_causes = []
    for i, cause in enumerate(raw_causes):
        try:
            value = AlternativeCause(cause)
        except ValueError:
            known = ", ".join(c.value for c in AlternativeCause)
            errors.append(FieldError(f"{where}.causes[{i}]", f"must be one of {known}"))
            continue
        if value in causes:
            errors.append(FieldError(f"{where}.causes[{i}]", f"{value} is listed twice"))
        causes.append(value)
    attributed = entry.get("attributed_to_other_cause", False)
    if not isinstance(attributed, bool):
        errors.append(FieldError(f"{where}.attributed_to_other_cause", "must be true or false"))
        attributed = False
    if attributed and not causes and len(errors) == before:
        errors.append(
            FieldError(
                f"{where}.causes",
                "name the alternative cause the involvement is attributed to",
            )
        )
    if len(errors) > before:
        return None
    return OrganAttribution(biopsy, tuple(causes), attributed)


def apply_attribution(
    measured: OrganStages, attribution: Mapping[Organ, OrganAttribution]
) -> tuple[OrganStages, dict[str, dict[str, Any]]]:
    """The stages counted as GVHD, and the record of each organ with an attribution entry.

    An organ attributed to another cause is staged 0; its record keeps the measured stage and
    the reason, e.g. ``{"liver": {"stage_measured": 2, "staged": 0, "reason": "attributed to
    drug cholestasis", ...}}``. Organs without an entry are staged as measured and not listed.
    """
    stages = dict(zip(Organ, measured.as_tuple(), strict=True))
    record: dict[str, dict[str, Any]] = {}
    for organ, entry in attribution.items():
        staged = 0 if entry.attributed_to_other_cause else stages[organ]
        record[organ.value] = {
            "biopsy": entry.biopsy.value,
            "causes": [c.value for c in entry.causes],
            "attributed_to_other_cause": entry.attributed_to_other_cause,
            "stage_measured": stages[organ],
            "staged": staged,
            "reason": entry.reason,
        }
        stages[organ] = staged
    return OrganStages(**{o.value: s for o, s in stages.items()}), record


def attribution_notes(record: Mapping[str, Any] | None) -> list[str]:
    """One line per organ not staged as GVHD.

    E.g. ``"Liver: not staged — attributed to drug cholestasis"``.
    """
    if not record:
        return []
    notes = []
    for organ in Organ:
        entry = record.get(organ.value)
        if entry and entry.get("reason"):
            notes.append(f"{_ORGAN_NAMES[organ]}: not staged — {entry['reason']}")
    return notes

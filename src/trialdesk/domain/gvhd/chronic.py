"""Chronic GVHD by the NIH 2014 consensus: diagnosis, organ scores and global severity.

Source: Jagasia MH, Greinix HT, Arora M, et al. National Institutes of Health Consensus
Development Project on Criteria for Clinical Trials in Chronic Graft-versus-Host Disease:
I. The 2014 Diagnosis and Staging Working Group Report. Biol Blood Marrow Transplant
2015;21:389-401.

- **Diagnosis** needs at least one *diagnostic* manifestation (e.g. poikiloderma, lichen
  planus-like features, bronchiolitis obliterans diagnosed by biopsy, fascial sclerosis), or at
  least one *distinctive* manifestation confirmed by a pertinent biopsy, laboratory or other test
  (or radiology) in the same or another organ, with other possible diagnoses excluded.
- **Organ scores** 0–3 for eight organs: skin, mouth, eyes, GI tract, liver, lungs,
  joints/fascia and genital tract (for the skin, the higher of the BSA and the skin-feature
  score; for the lungs, the FEV1-based lung function score when spirometry is available).
- **Global severity**
  - *mild*: 1 or 2 organs involved, none scoring more than 1, and a lung score of 0;
  - *moderate*: 3 or more organs with a score of 1, or any organ (not lung) scoring 2, or a
    lung score of 1;
  - *severe*: any organ scoring 3, or a lung score of 2 or 3.
- An organ whose whole abnormality is unequivocally explained by a documented non-GVHD cause is
  left out of the global severity; an abnormality of several causes (GVHD among them) is
  counted at its full score (no downgrading).

The protocol form records one flag, ``other_cause_explains`` ("abnormality entirely explained
by a non-GVHD cause"), for the whole assessment rather than per organ. It is read as: every
scored abnormality of this assessment is explained by another cause, so no organ is counted and
the assessment is not chronic GVHD. The domain function itself takes the explained organs one by
one, so a form (or the command line) that records the attribution per organ is scored exactly
as the consensus says.
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from trialdesk.domain.errors import FieldError, InputError
from trialdesk.domain.forms.derivations import FormContext

__all__ = [
    "ORGAN_LABELS",
    "ChronicGvhdAssessment",
    "ChronicOrgan",
    "ChronicOrganScores",
    "GlobalSeverity",
    "assess_chronic_gvhd",
    "is_moderate_or_severe",
    "nih_chronic_gvhd",
]

HIGHEST_SCORE = 3


class ChronicOrgan(enum.StrEnum):
    """The eight organs scored by the NIH 2014 consensus, in its order."""

    SKIN = "skin"
    MOUTH = "mouth"
    EYES = "eyes"
    GI = "gi"
    LIVER = "liver"
    LUNGS = "lungs"
    JOINTS_FASCIA = "joints_fascia"
    GENITAL = "genital"


ORGAN_LABELS: Mapping[ChronicOrgan, str] = {
    ChronicOrgan.SKIN: "skin",
    ChronicOrgan.MOUTH: "mouth",
    ChronicOrgan.EYES: "eyes",
    ChronicOrgan.GI: "GI tract",
    ChronicOrgan.LIVER: "liver",
    ChronicOrgan.LUNGS: "lungs",
    ChronicOrgan.JOINTS_FASCIA: "joints and fascia",
    ChronicOrgan.GENITAL: "genital tract",
}


class GlobalSeverity(enum.StrEnum):
    """NIH 2014 global severity; ``none`` when the assessment is not chronic GVHD."""

    NONE = "none"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


def is_moderate_or_severe(severity: str) -> bool:
    """Moderate or severe chronic GVHD: the event of the moderate–severe cGVHD endpoint."""
    return severity in (GlobalSeverity.MODERATE, GlobalSeverity.SEVERE)


@dataclass(frozen=True, slots=True)
class ChronicOrganScores:
    """Score 0–3 of each organ; construction names every score that is not a whole 0–3."""

    skin: int = 0
    mouth: int = 0
    eyes: int = 0
    gi: int = 0
    liver: int = 0
    lungs: int = 0
    joints_fascia: int = 0
    genital: int = 0

    def __post_init__(self) -> None:
        problems = []
        for field in fields(self):
            value = getattr(self, field.name)
            try:
                score = None if isinstance(value, bool) else operator.index(value)
            except TypeError:
                score = None
            if score is None:
                problems.append(FieldError(field.name, f"must be a whole number, got {value!r}"))
            elif not 0 <= score <= HIGHEST_SCORE:
                problems.append(
                    FieldError(field.name, f"must be between 0 and {HIGHEST_SCORE}, got {score}")
                )
            else:
                object.__setattr__(self, field.name, score)
        if problems:
            raise InputError(problems)

    def score(self, organ: ChronicOrgan) -> int:
        value: int = getattr(self, organ.value)
        return value


@dataclass(frozen=True, slots=True)
class ChronicGvhdAssessment:
    """The consensus reading of one assessment, with the reason in words."""

    diagnosed: bool
    global_severity: GlobalSeverity
    #: Organs scoring ≥ 1 that count towards the global severity, in consensus order.
    counted: tuple[ChronicOrgan, ...]
    #: Organs scoring ≥ 1 left out because a non-GVHD cause explains them entirely.
    explained: tuple[ChronicOrgan, ...]
    reason: str

    @property
    def organs_involved(self) -> int:
        """Organs involved by chronic GVHD: those counted, when it is diagnosed; else 0."""
        return len(self.counted) if self.diagnosed else 0


def _listed(organs: Iterable[ChronicOrgan], scores: ChronicOrganScores) -> str:
    return ", ".join(f"{ORGAN_LABELS[o]} {scores.score(o)}" for o in organs)


def _severity(
    counted: tuple[ChronicOrgan, ...], scores: ChronicOrganScores
) -> tuple[GlobalSeverity, str]:
    lungs = scores.score(ChronicOrgan.LUNGS) if ChronicOrgan.LUNGS in counted else 0
    highest = max(scores.score(o) for o in counted)
    if highest == HIGHEST_SCORE:
        return GlobalSeverity.SEVERE, "an organ scores 3"
    if lungs >= 2:
        return GlobalSeverity.SEVERE, f"lung score {lungs}"
    if highest == 2:
        return GlobalSeverity.MODERATE, "an organ other than the lungs scores 2"
    if lungs == 1:
        return GlobalSeverity.MODERATE, "lung score 1"
    if len(counted) >= 3:
        return GlobalSeverity.MODERATE, f"{len(counted)} organs involved (≥ 3), each scoring 1"
    return GlobalSeverity.MILD, f"{len(counted)} organ(s) involved, each scoring 1, lungs 0"


def assess_chronic_gvhd(
    scores: ChronicOrganScores,
    *,
    diagnostic_sign: bool,
    distinctive_sign_confirmed: bool,
    explained_by_other_cause: Iterable[ChronicOrgan] = (),
) -> ChronicGvhdAssessment:
    """Diagnosis and global severity of chronic GVHD (NIH 2014, Jagasia et al. 2015).

    ``explained_by_other_cause`` lists organs whose whole abnormality a documented non-GVHD cause
    explains; they are not counted. Chronic GVHD is diagnosed when a diagnostic sign, or a
    distinctive sign confirmed by biopsy or test, is present and at least one organ is counted;
    a sign with no organ left to score is not scored as chronic GVHD (the reason says why).
    """
    explained_set = frozenset(ChronicOrgan(o) for o in explained_by_other_cause)
    scored = tuple(o for o in ChronicOrgan if scores.score(o) >= 1)
    counted = tuple(o for o in scored if o not in explained_set)
    explained = tuple(o for o in scored if o in explained_set)
    has_sign = diagnostic_sign or distinctive_sign_confirmed
    note = f"; not counted (non-GVHD cause): {_listed(explained, scores)}" if explained else ""
    if not has_sign:
        reason = "no diagnostic sign and no distinctive sign confirmed by biopsy or test"
        if counted:
            reason += f" (scored: {_listed(counted, scores)})"
        return ChronicGvhdAssessment(False, GlobalSeverity.NONE, counted, explained,
                                     f"not chronic GVHD: {reason}{note}")  # fmt: skip
    if not counted:
        reason = (
            "every scored abnormality is explained by a non-GVHD cause"
            if explained
            else "a sign is recorded but no organ scores 1 or more"
        )
        return ChronicGvhdAssessment(False, GlobalSeverity.NONE, counted, explained,
                                     f"not chronic GVHD: {reason}{note}")  # fmt: skip
    sign = "diagnostic sign" if diagnostic_sign else "distinctive sign confirmed by biopsy or test"
    severity, why = _severity(counted, scores)
    reason = f"{sign}; {severity.value}: {why} ({_listed(counted, scores)}){note}"
    return ChronicGvhdAssessment(True, severity, counted, explained, reason)


def nih_chronic_gvhd(values: Mapping[str, Any], ctx: FormContext) -> dict[str, Any]:
    """Derivation of the ``chronic_gvhd`` form: diagnosis, organs counted, global severity.

    The form's single ``other_cause_explains`` flag leaves every scored organ out (see the
    module docstring); a missing flag is read as "no".
    """
    del ctx  # the consensus needs nothing beyond the record
    try:
        scores = ChronicOrganScores(
            **{organ.value: values.get(f"{organ.value}_score", 0) for organ in ChronicOrgan}
        )
    except InputError as error:  # name the form's fields, not the domain's
        raise InputError(FieldError(f"{e.field}_score", e.message) for e in error.errors) from None
    explained = tuple(ChronicOrgan) if values.get("other_cause_explains") is True else ()
    result = assess_chronic_gvhd(
        scores,
        diagnostic_sign=values.get("diagnostic_sign") is True,
        distinctive_sign_confirmed=values.get("distinctive_sign_confirmed") is True,
        explained_by_other_cause=explained,
    )
    return {
        "diagnosed": result.diagnosed,
        "organs_involved": result.organs_involved,
        "global_severity": result.global_severity.value,
        "reason": result.reason,
    }

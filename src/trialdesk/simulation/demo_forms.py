"""What the demo's virtual patients record on the protocol's own forms.

The demo trial fills every form the built-in protocol declares — baseline transplant and risk
factors, corticosteroid and other immunosuppressant periods, infections, chronic GVHD at the
follow-up visits and the UC-MSC product at each infusion — so the final report has infections,
steroid exposure and chronic GVHD to show by arm. The values are drawn, plausibly, from a stream
of randomness of their own, so adding forms does not change the patients the rest of the demo
draws. Nothing is derived here: prednisone equivalents, NIH severity and risk scores are derived
by the services when the forms are saved.

Dates are study days (day 1 = first dose); the journey turns them into calendar dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from trialdesk.simulation.demo_cohort import VirtualPatient

__all__ = [
    "PlannedForm",
    "baseline_risk_plan",
    "chronic_gvhd_values",
    "draw_log_forms",
    "msc_product_values",
]

#: Infection category → share of patients with at least one episode by day 365, per arm code
#: (higher in the control arm for viral DNAemia, as reported for MSC-treated patients).
_INFECTION_RISK: Mapping[str, Mapping[str, float]] = {
    "cmv_dnaemia": {"msc_cd25": 0.40, "cd25": 0.48},
    "ebv_dnaemia": {"msc_cd25": 0.18, "cd25": 0.24},
    "hhv6_dnaemia": {"msc_cd25": 0.08, "cd25": 0.08},
    "cmv_disease": {"msc_cd25": 0.04, "cd25": 0.07},
    "ebv_ptld": {"msc_cd25": 0.02, "cd25": 0.03},
    "invasive_fungal": {"msc_cd25": 0.12, "cd25": 0.14},
    "bacteraemia": {"msc_cd25": 0.20, "cd25": 0.22},
}
_VIRAL = {"cmv_dnaemia": "CMV", "ebv_dnaemia": "EBV", "hhv6_dnaemia": "HHV-6"}
_TREATMENT = {
    "cmv_dnaemia": "ganciclovir",
    "ebv_dnaemia": "rituximab",
    "hhv6_dnaemia": "foscarnet",
    "cmv_disease": "ganciclovir",
    "ebv_ptld": "rituximab and reduction of immunosuppression",
    "invasive_fungal": "voriconazole",
    "bacteraemia": "meropenem",
}
_ORGANISM = {
    "invasive_fungal": "Aspergillus fumigatus (lung)",
    "bacteraemia": "Klebsiella pneumoniae",
    "cmv_disease": "CMV enteritis",
    "ebv_ptld": "EBV-positive B-cell lymphoproliferation",
}
_DONORS = ("matched_related", "matched_unrelated", "mismatched_unrelated", "haploidentical",
           "cord_blood")  # fmt: skip
#: Haploidentical donors dominate transplants in China (the Beijing protocol).
_DONOR_P = (0.25, 0.12, 0.05, 0.55, 0.03)
_CONDITIONING = ("myeloablative", "reduced_intensity", "non_myeloablative")
_CONDITIONING_P = (0.75, 0.2, 0.05)
_RE_ESCALATION = {"msc_cd25": 0.10, "cd25": 0.18}
_LAST_DAY = 365


@dataclass(frozen=True, slots=True)
class PlannedForm:
    """A form to record on ``study_day``; ``dates`` maps date fields to study days."""

    study_day: int
    form: str
    values: Mapping[str, object]
    dates: Mapping[str, int] = field(default_factory=dict)
    visit_code: str | None = None


def baseline_risk_plan(patient: VirtualPatient, rng: np.random.Generator) -> PlannedForm:
    """Transplant, onset stages and (for most patients) the MAGIC biomarkers, at screening."""
    onset_day = -int(rng.integers(8, 25))  # aGVHD onset, days before study day 1
    transplant_day = onset_day - int(rng.integers(18, 90))
    grade = patient.baseline_grade
    skin = int(rng.integers(1, 4))
    lower_gi = int(rng.integers(0, 3)) if grade <= 2 else int(rng.integers(1, 4))
    values: dict[str, object] = {
        "donor_type": _DONORS[int(rng.choice(len(_DONORS), p=_DONOR_P))],
        "conditioning_intensity": _CONDITIONING[
            int(rng.choice(len(_CONDITIONING), p=_CONDITIONING_P))
        ],
        "onset_skin_stage": skin,
        "onset_liver_stage": int(rng.random() < 0.15),
        "onset_upper_gi_stage": int(rng.random() < 0.3),
        "onset_lower_gi_stage": lower_gi,
    }
    dates = {"recorded_on": 0, "transplant_on": transplant_day, "agvhd_onset_on": onset_day}
    if rng.random() < 0.7:  # biomarkers sent at onset for most patients
        values["st2_ng_ml"] = round(float(rng.lognormal(np.log(45.0), 0.7)), 1)
        values["reg3a_ng_ml"] = round(float(rng.lognormal(np.log(55.0), 0.8)), 1)
        dates["biomarkers_sampled_on"] = onset_day
    return PlannedForm(0, "baseline_risk", values, dates, visit_code="SCR")


def _steroids(
    patient: VirtualPatient, arm: str, last_day: int, rng: np.random.Generator
) -> list[PlannedForm]:
    """Methylprednisolone 1 mg/kg/day from before study day 1, tapered as prednisone."""
    weight = patient.weight_kg
    start = -int(rng.integers(5, 15))
    taper = [  # (first study day, last study day, drug, route, mg/kg/day)
        (start, 7, "methylprednisolone", "iv", 1.0),
        (8, 21, "prednisone", "oral", 0.5),
        (22, 42, "prednisone", "oral", 0.25),
        (43, 70, "prednisone", "oral", 0.1),
    ]
    if rng.random() < _RE_ESCALATION.get(arm, 0.1):
        first = int(rng.integers(12, 40))
        taper = [row for row in taper if row[0] < first]
        first_row = taper[-1]
        taper[-1] = (first_row[0], first - 1, *first_row[2:])
        taper.append((first, first + 13, "methylprednisolone", "iv", 2.0))
        taper.append((first + 14, first + 40, "prednisone", "oral", 0.5))
    forms = []
    for begin, end, drug, route, per_kg in taper:
        if begin > last_day:
            break
        dates = {"started_on": begin}
        if end <= last_day:
            dates["stopped_on"] = end
        values = {"drug": drug, "route": route, "dose_mg_per_day": round(weight * per_kg)}
        forms.append(PlannedForm(max(begin, 1), "corticosteroids", values, dates))
    return forms


def _immunosuppressant(rng: np.random.Generator) -> PlannedForm:
    cyclosporine = rng.random() < 0.7
    level = float(rng.normal(210, 50)) if cyclosporine else float(rng.normal(9, 3))
    values: dict[str, object] = {
        "drug": "cyclosporine" if cyclosporine else "tacrolimus",
        "dose_mg_per_day": 150 if cyclosporine else 2,
        "level_ng_ml": max(round(level, 1), 0.5),
    }
    transplant = -int(rng.integers(40, 100))
    return PlannedForm(1, "immunosuppressants", values, {"started_on": transplant, "level_on": 1})


def _infections(arm: str, last_day: int, rng: np.random.Generator) -> list[PlannedForm]:
    forms = []
    for category, risk in _INFECTION_RISK.items():
        if rng.random() >= risk.get(arm, 0.1):
            continue
        onset = int(min(rng.exponential(45.0), _LAST_DAY - 1)) + 1
        if onset > last_day:
            continue
        values: dict[str, object] = {"category": category}
        if category in _VIRAL:
            values["viral_load_copies_ml"] = float(round(10 ** rng.uniform(2.5, 5.5), -1))
            treated = float(values["viral_load_copies_ml"]) >= 1000  # type: ignore[arg-type]
        else:
            values["organism"] = _ORGANISM[category]
            treated = True
        values["treated"] = treated
        if treated:
            values["treatment"] = _TREATMENT[category]
        dates = {"onset_on": onset}
        resolved = onset + int(rng.integers(10, 40))
        if resolved <= last_day:
            dates["resolved_on"] = resolved
        forms.append(PlannedForm(onset + 1, "infections", values, dates))
    return forms


def draw_log_forms(
    patient: VirtualPatient, arm: str, last_day: int, rng: np.random.Generator
) -> list[PlannedForm]:
    """Steroid periods, the other immunosuppressant and infections up to ``last_day``."""
    forms = _steroids(patient, arm, last_day, rng)
    forms.append(_immunosuppressant(rng))
    forms += _infections(arm, last_day, rng)
    return sorted(forms, key=lambda f: f.study_day)


def chronic_gvhd_values(
    patient: VirtualPatient, study_day: int, rng: np.random.Generator
) -> dict[str, object]:
    """NIH organ scores at a follow-up visit: all 0 before the patient's chronic GVHD onset."""
    scores = dict.fromkeys(("skin_score", "mouth_score", "eyes_score", "gi_score", "liver_score",
                            "lungs_score", "joints_fascia_score", "genital_score"), 0)  # fmt: skip
    week = patient.chronic_gvhd_week
    diagnosed = week <= 52 and patient.event_day(week) < study_day
    if diagnosed:
        scores["skin_score"] = int(rng.integers(1, 3))
        scores["mouth_score"] = int(rng.integers(0, 2))
        scores["eyes_score"] = int(rng.integers(0, 2))
        scores["liver_score"] = int(rng.random() < 0.3)
        scores["lungs_score"] = int(rng.random() < 0.08)
        scores["joints_fascia_score"] = int(rng.random() < 0.15) * int(rng.integers(1, 3))
    return {
        **scores,
        "diagnostic_sign": diagnosed,
        "distinctive_sign_confirmed": diagnosed and bool(rng.random() < 0.5),
        "other_cause_explains": False,
    }


def msc_product_values(patient: VirtualPatient, infusion: int) -> dict[str, object]:
    """The released bag of one infusion: lot, viable cells for the weight, viability."""
    digest = (patient.number * 7919 + infusion * 104729) % 1000
    reaction = digest % 37 == 0
    values: dict[str, object] = {
        "lot_number": f"UCMSC-{2021 + digest % 2}-{digest:03d}",
        "cells_released_1e6": round(patient.weight_kg * (1.0 + (digest % 7) / 100), 1),
        "viability_pct": 86.0 + digest % 11,
        "weight_kg": patient.weight_kg,
        "infusion_reaction": reaction,
    }
    if reaction:
        values["reaction_description"] = "Fever and chills during the infusion; antipyretics"
    return values

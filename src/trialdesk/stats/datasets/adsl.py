"""ADSL: one row per registered subject, with populations, baseline, exposure and dates.

Populations (documented in ``docs/analysis-and-reports.md``):

- ITT / full analysis set (``ITTFL``): every randomized subject, in the randomized arm, including
  allocations later flagged as made in error (they stay in the ITT set);
- safety (``SAFFL``): at least one dose of any study product, analysed as treated (``TRTACD``);
- per protocol (``PPROTFL``, with the exclusion reasons in ``PPEXREAS``): see
  :mod:`trialdesk.stats.datasets.per_protocol`; ``CRSADQFL`` here is its dose criterion (at
  least 80 % of the first course's planned administrations of every product of the arm).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from trialdesk.domain.protocol import Protocol
from trialdesk.stats.datasets._frames import (
    as_frame,
    first_per_subject,
    study_day,
    to_dates,
    yes_no,
)
from trialdesk.stats.datasets.records import TrialRecords

__all__ = [
    "ORIGIN",
    "PP_DOSE_SHARE",
    "build_adsl_base",
    "exposure_columns",
]

#: ADSL column holding study day 1 of each subject: every study day of the datasets counts
#: from it (first dose of study treatment; randomization date for a subject never dosed).
ORIGIN = "DAY1DT"

#: Share of the first course's planned administrations the per-protocol set requires.
PP_DOSE_SHARE = 0.8
#: Criteria a recorded answer failed; a missing answer (awaiting the investigator) is pending.
_FAILED = frozenset({"not_met", "not_attested"})
_OUTCOME_DATES = {
    "death": "DTHDT",
    "relapse": "RELDT",
    "chronic_gvhd": "CGVHDDT",
    "withdrawal": "WDDT",
    "lost_to_follow_up": "LTFUDT",
}


def exposure_columns(protocol: Protocol) -> dict[str, str]:
    """ADSL column counting each product's administrations (``EXNDOS1``…), in protocol order."""
    codes = list(dict.fromkeys(i.code for arm in protocol.arms for i in arm.interventions))
    return {code: f"EXNDOS{n}" for n, code in enumerate(codes, start=1)}


def _as_treated(received: set[str], protocol: Protocol) -> str | None:
    """The smallest arm whose products include everything the subject received."""
    if not received:
        return None
    fitting = [a for a in protocol.arms if received <= {i.code for i in a.interventions}]
    return min(fitting, key=lambda a: len(a.interventions)).code if fitting else None


def _screening(records: TrialRecords) -> pd.DataFrame:
    frame = as_frame(records.screenings, ["id", "subject_id", "screened_on", "answers",
                                          "criteria_results", "eligible"])  # fmt: skip
    latest = frame.sort_values(["subject_id", "screened_on", "id"], kind="stable")
    latest = latest.drop_duplicates("subject_id", keep="last").set_index("subject_id")
    reasons = [
        "; ".join(str(c["criterion"]) for c in (results or []) if c.get("status") in _FAILED)
        for results in latest["criteria_results"]
    ]
    return pd.DataFrame(
        {
            "SCRNDT": to_dates(latest["screened_on"]),
            "ELIGFL": yes_no(latest["eligible"].eq(True)),
            "SFREAS": reasons,
            "AGE": [(a or {}).get("age_years") for a in latest["answers"]],
        },
        index=latest.index,
    )


def build_adsl_base(records: TrialRecords, protocol: Protocol) -> pd.DataFrame:
    """Subject identity, screening, randomization, baseline, exposure and outcome dates."""
    subjects = as_frame(records.subjects, ["id", "screening_number", "subject_code", "site_id",
                                           "state", "sex"]).set_index("id")  # fmt: skip
    sites = {row["id"]: row["code"] for row in records.sites}
    adsl = pd.DataFrame(index=pd.Index(subjects.index.astype(np.int64), name="SUBJID"))
    adsl["STUDYID"] = protocol.identification.nct_id
    adsl["USUBJID"] = subjects["subject_code"].fillna(subjects["screening_number"])
    adsl["SCRNUM"] = subjects["screening_number"]
    adsl["SITEID"] = subjects["site_id"].map(sites)
    adsl["SEX"] = subjects["sex"]
    adsl["STATE"] = subjects["state"]
    screening = _screening(records)
    adsl = adsl.join(screening)
    adsl["SCRFL"] = yes_no(adsl["SCRNDT"].notna())
    adsl["AGE"] = pd.to_numeric(adsl["AGE"], errors="coerce")

    allocations = first_per_subject(
        as_frame(records.allocations, ["id", "subject_id", "arm", "allocated_at", "is_error",
                                       "stratum"]), "allocated_at")  # fmt: skip
    adsl["RANDDT"] = to_dates(allocations["allocated_at"]).reindex(adsl.index)
    adsl["ARMCD"] = allocations["arm"].reindex(adsl.index)
    labels = {arm.code: arm.label for arm in protocol.arms}
    adsl["ARM"] = adsl["ARMCD"].map(labels)
    adsl["STRATUM"] = allocations["stratum"].reindex(adsl.index)
    adsl["RANDERFL"] = yes_no(allocations["is_error"].reindex(adsl.index).eq(True))
    adsl["ITTFL"] = yes_no(adsl["RANDDT"].notna())

    _add_baseline(adsl, records)
    _add_exposure(adsl, records, protocol)
    _add_outcome_dates(adsl, records)
    return adsl


def _add_baseline(adsl: pd.DataFrame, records: TrialRecords) -> None:
    assessments = as_frame(records.assessments, ["id", "subject_id", "assessed_on", "skin_stage",
                                                 "liver_stage", "upper_gi_stage",
                                                 "lower_gi_stage", "grade"])  # fmt: skip
    baseline = first_per_subject(assessments, "assessed_on").reindex(adsl.index)
    adsl["BLDT"] = to_dates(baseline["assessed_on"])
    adsl["BGRADE"] = pd.to_numeric(baseline["grade"])
    adsl["BGRADEGR"] = np.where(adsl["BGRADE"].isna(), "",
                                np.where(adsl["BGRADE"] >= 3, "III-IV", "II"))  # fmt: skip
    for column, source in (("BSKIN", "skin_stage"), ("BLIVER", "liver_stage"),
                           ("BUGI", "upper_gi_stage"), ("BLGI", "lower_gi_stage")):  # fmt: skip
        adsl[column] = pd.to_numeric(baseline[source])
        adsl[f"{column[1:]}INV"] = np.where(adsl[column].isna(), "", yes_no(adsl[column] > 0))


def _add_exposure(adsl: pd.DataFrame, records: TrialRecords, protocol: Protocol) -> None:
    doses = as_frame(records.doses, ["id", "subject_id", "product", "administered_on",
                                     "weight_kg"])  # fmt: skip
    doses["date"] = to_dates(doses["administered_on"])
    columns = exposure_columns(protocol)
    counts = doses.groupby(["subject_id", "product"]).size().unstack(fill_value=0)
    for product, column in columns.items():
        per_subject = counts[product] if product in counts.columns else pd.Series(dtype=float)
        adsl[column] = per_subject.reindex(adsl.index).fillna(0).astype(np.int64)
    by_subject = doses.groupby("subject_id")["date"]
    adsl["TRTSDT"] = by_subject.min().reindex(adsl.index)
    adsl["TRTEDT"] = by_subject.max().reindex(adsl.index)
    adsl["WEIGHTBL"] = pd.to_numeric(
        first_per_subject(doses, "date")["weight_kg"].reindex(adsl.index)
    )
    # Encode each subject's set of products received as a bit mask: few distinct masks exist.
    products = list(counts.columns)
    mask = pd.Series(0, index=counts.index, dtype=np.int64)
    for bit, product in enumerate(products):
        mask += (counts[product] > 0).astype(np.int64) * (1 << bit)
    arm_of_mask = {
        m: _as_treated({p for bit, p in enumerate(products) if m >> bit & 1}, protocol)
        for m in mask.unique().tolist()
    }
    adsl["TRTACD"] = mask.map(arm_of_mask).reindex(adsl.index)
    adsl["SAFFL"] = yes_no(adsl["TRTSDT"].notna())
    _add_origin(adsl)
    # First-course administrations: study days 1-28 counted from study day 1 (the first dose).
    doses = doses.join(adsl[ORIGIN], on="subject_id")
    in_course = doses[study_day(doses["date"], doses[ORIGIN]).between(1, 28)]
    course_counts = in_course.groupby(["subject_id", "product"]).size().unstack(fill_value=0)
    adequate = adsl["ITTFL"] == "Y"
    for arm in protocol.arms:
        in_arm = adsl["ARMCD"] == arm.code
        for intervention in arm.interventions:
            given = (
                course_counts[intervention.code].reindex(adsl.index).fillna(0)
                if intervention.code in course_counts.columns
                else pd.Series(0, index=adsl.index)
            )
            adequate &= ~in_arm | (given >= PP_DOSE_SHARE * len(intervention.days))
    adsl["CRSADQFL"] = yes_no(adequate)


def _add_origin(adsl: pd.DataFrame) -> None:
    """``DAY1DT``: study day 1, the first dose of study treatment, as in the protocol and the
    visit calendar; a subject never dosed falls back to the randomization date. ``RANDDY`` is
    the study day of randomization (0 = the day before the first dose, as in the calendar)."""
    adsl[ORIGIN] = adsl["TRTSDT"].where(adsl["TRTSDT"].notna(), adsl["RANDDT"])
    adsl["RANDDY"] = study_day(adsl["RANDDT"], adsl[ORIGIN])


def _add_outcome_dates(adsl: pd.DataFrame, records: TrialRecords) -> None:
    outcomes = as_frame(records.outcomes, ["id", "subject_id", "kind", "occurred_on", "cause"])
    outcomes["date"] = to_dates(outcomes["occurred_on"])
    for kind, column in _OUTCOME_DATES.items():
        of_kind = outcomes[outcomes["kind"] == kind]
        adsl[column] = of_kind.groupby("subject_id")["date"].min().reindex(adsl.index)
    deaths = first_per_subject(outcomes[outcomes["kind"] == "death"], "date")
    adsl["DTHCAUS"] = deaths["cause"].reindex(adsl.index)
    adsl["DTHFL"] = yes_no(adsl["DTHDT"].notna())
    therapies = as_frame(records.therapies, ["id", "subject_id", "kind", "started_on"])
    rescue = therapies[therapies["kind"] == "rescue"]
    adsl["RESCDT"] = to_dates(rescue.groupby("subject_id")["started_on"].min()).reindex(adsl.index)
    dated: list[pd.Series[Any]] = []
    for rows, column in (
        (records.assessments, "assessed_on"), (records.doses, "administered_on"),
        (records.visits, "visit_date"), (records.adverse_events, "onset_on"),
        (records.outcomes, "occurred_on"), (records.therapies, "started_on"),
        (records.forms, "record_date"),
    ):  # fmt: skip
        frame = as_frame(rows, ["subject_id", column])
        dated.append(to_dates(frame[column]).groupby(frame["subject_id"]).max())
    dated.append(adsl["RANDDT"])
    latest = pd.concat(dated, axis=1).max(axis=1).reindex(adsl.index)
    adsl["LSTALVDT"] = latest.where(adsl["DTHDT"].isna(), adsl["DTHDT"])

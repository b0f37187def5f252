"""Small hand-built TrialRecords with protocol form rows (baseline risk, chronic GVHD,
infections), for the form dataset and report section tests.

Every subject is randomized on day ``RANDOMIZED``; the first dose (study day 1) is three days
later, so a study day counted from randomization would be off by three.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from trialdesk.adapters.protocol_file.reader import builtin_protocol_path
from trialdesk.bootstrap import load_protocol
from trialdesk.domain.protocol import Protocol
from trialdesk.stats.datasets.records import TrialRecords

RANDOMIZED = dt.date(2026, 3, 2)
DAY_ONE = dt.date(2026, 3, 5)
TRANSPLANT = dt.date(2026, 1, 1)
EXPERIMENTAL, CONTROL = "msc_cd25", "cd25"


def protocol() -> Protocol:
    return load_protocol(builtin_protocol_path())


def day(study_day: int) -> dt.date:
    """The date of a study day (day 1 = first dose)."""
    return DAY_ONE + dt.timedelta(days=study_day - 1)


class RecordsBuilder:
    """Subjects, allocations, first doses, deaths and form rows, built row by row."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {
            "sites": [{"id": 1, "code": "S01"}], "subjects": [], "allocations": [],
            "doses": [], "outcomes": [], "forms": [], "assessments": [], "visits": [],
            "therapies": [], "adverse_events": [],
        }  # fmt: skip
        self._ids = iter(range(1, 10_000))

    def subject(self, arm: str, *, dosed: bool = True) -> int:
        subject_id = len(self.rows["subjects"]) + 1
        self.rows["subjects"].append(
            {"id": subject_id, "screening_number": f"SCR-{subject_id:03d}",
             "subject_code": f"S01-{subject_id:03d}", "site_id": 1, "state": "on_study",
             "sex": "F"}
        )  # fmt: skip
        self.rows["allocations"].append(
            {"id": subject_id, "subject_id": subject_id, "arm": arm, "stratum": "S01|II",
             "allocated_at": dt.datetime.combine(RANDOMIZED, dt.time(9), tzinfo=dt.UTC),
             "is_error": False}
        )  # fmt: skip
        # Every kind of record the core datasets read, so none of them is built from nothing.
        self.rows["assessments"].append(
            {"id": next(self._ids), "subject_id": subject_id, "assessed_on": RANDOMIZED,
             "skin_stage": 1, "liver_stage": 0, "upper_gi_stage": 0, "lower_gi_stage": 2,
             "grade": 2, "response": None, "grading_system": "magic",
             "response_rule_set": "csh"}
        )  # fmt: skip
        self.rows["visits"].append(
            {"id": next(self._ids), "subject_id": subject_id, "visit_code": "SCR",
             "visit_date": RANDOMIZED}
        )  # fmt: skip
        self.rows["therapies"].append(
            {"id": next(self._ids), "subject_id": subject_id, "kind": "other",
             "name": "valganciclovir", "started_on": RANDOMIZED}
        )  # fmt: skip
        self.rows["adverse_events"].append(
            {"id": next(self._ids), "subject_id": subject_id, "term": "Fever", "ctcae_grade": 1,
             "onset_on": DAY_ONE, "serious": False, "seriousness_criteria": [],
             "related_to": {}, "derived": {}}
        )  # fmt: skip
        products = ("uc_msc", "anti_cd25") if arm == EXPERIMENTAL else ("anti_cd25",)
        for product in products if dosed else ():
            self.rows["doses"].append(
                {"id": next(self._ids), "subject_id": subject_id, "product": product,
                 "administered_on": DAY_ONE, "weight_kg": 60.0}
            )  # fmt: skip
        return subject_id

    def died(self, subject_id: int, study_day: int) -> None:
        self.rows["outcomes"].append(
            {"id": next(self._ids), "subject_id": subject_id, "kind": "death",
             "occurred_on": day(study_day), "cause": "infection"}
        )  # fmt: skip

    def form(self, subject_id: int, form: str, when: dt.date, values: dict[str, Any],
             visit: str | None = None) -> None:  # fmt: skip
        self.rows["forms"].append(
            {"id": next(self._ids), "subject_id": subject_id, "form": form, "visit_code": visit,
             "record_date": when, "values": values, "derived": {}}
        )  # fmt: skip

    def baseline_risk(self, subject_id: int, stages: tuple[int, int, int, int],
                      **extra: Any) -> None:  # fmt: skip
        skin, liver, upper, lower = stages
        values = {
            "recorded_on": RANDOMIZED.isoformat(), "donor_type": "haploidentical",
            "transplant_on": TRANSPLANT.isoformat(), "conditioning_intensity": "myeloablative",
            "agvhd_onset_on": "2026-02-10", "onset_skin_stage": skin, "onset_liver_stage": liver,
            "onset_upper_gi_stage": upper, "onset_lower_gi_stage": lower, **extra,
        }  # fmt: skip
        self.form(subject_id, "baseline_risk", RANDOMIZED, values, "SCR")

    def chronic(self, subject_id: int, study_day: int, visit: str, *, sign: bool = True,
                **scores: int) -> None:  # fmt: skip
        values: dict[str, Any] = {
            f"{organ}_score": 0
            for organ in ("skin", "mouth", "eyes", "gi", "liver", "lungs", "joints_fascia",
                          "genital")
        }  # fmt: skip
        values.update({f"{organ}_score": score for organ, score in scores.items()})
        values.update(assessed_on=day(study_day).isoformat(), diagnostic_sign=sign,
                      distinctive_sign_confirmed=False)  # fmt: skip
        self.form(subject_id, "chronic_gvhd", day(study_day), values, visit)

    def infection(self, subject_id: int, study_day: int, category: str, *,
                  load: float | None = None, treated: bool = True) -> None:  # fmt: skip
        values: dict[str, Any] = {"category": category, "onset_on": day(study_day).isoformat(),
                                  "treated": treated}  # fmt: skip
        if load is not None:
            values["viral_load_copies_ml"] = load
        self.form(subject_id, "infections", day(study_day), values)

    def records(self) -> TrialRecords:
        return TrialRecords(**self.rows)

"""Small hand-built TrialRecords for the endpoint derivation tests (no database)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from trialdesk.stats.datasets import TrialRecords

FIRST_DOSE = dt.date(2026, 3, 2)
BASELINE_STAGES = (2, 0, 0, 2)  # skin 2, lower GI 2: grade III


def on(study_day: int, day_one: dt.date = FIRST_DOSE) -> dt.date:
    """Date of a study day counted from ``day_one``."""
    return day_one + dt.timedelta(days=study_day - 1)


@dataclass
class RecordsBuilder:
    """Subjects added one by one; ``build()`` gives the TrialRecords."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    next_id: int = 1

    def _add(self, table: str, **values: Any) -> None:
        values.setdefault("id", self.next_id)
        self.next_id += 1
        self.rows.setdefault(table, []).append(values)

    def subject(
        self,
        subject_id: int,
        *,
        arm: str = "msc_cd25",
        randomized_days_before: int = 0,
        dosed: bool = True,
        dose_days: tuple[int, ...] = (1, 4, 8, 15, 22),
        responses: tuple[tuple[int, str, tuple[int, int, int, int]], ...] = (),
        weight_kg: float = 60.0,
        eligible: bool = True,
    ) -> dt.date:
        """A randomized subject; returns study day 1's date (the first dose, if dosed)."""
        randomized = FIRST_DOSE - dt.timedelta(days=randomized_days_before)
        self._add("subjects", id=subject_id, screening_number=f"SCR-{subject_id}",
                  subject_code=f"S-{subject_id:03d}", site_id=1, state="randomized",
                  sex="F")  # fmt: skip
        self._add("screenings", subject_id=subject_id, screened_on=randomized, eligible=eligible,
                  answers={"age_years": 40}, criteria_results=[])  # fmt: skip
        allocated_at = dt.datetime.combine(randomized, dt.time(10), tzinfo=dt.UTC)
        self._add("allocations", subject_id=subject_id, arm=arm, is_error=False, stratum="s1",
                  allocated_at=allocated_at)  # fmt: skip
        products = ("uc_msc", "anti_cd25") if arm == "msc_cd25" else ("anti_cd25",)
        if dosed:
            for product in products:
                for day in dose_days:
                    if product == "uc_msc" and day == 4:
                        continue
                    self._add("doses", subject_id=subject_id, product=product,
                              administered_on=on(day), weight_kg=weight_kg)  # fmt: skip
        day_one = FIRST_DOSE if dosed else randomized
        self.assessment(subject_id, 1, BASELINE_STAGES, None, day_one=day_one)
        for day, response, stages in responses:
            self.assessment(subject_id, day, stages, response, day_one=day_one)
        return day_one

    def assessment(
        self,
        subject_id: int,
        study_day: int,
        stages: tuple[int, int, int, int],
        response: str | None,
        *,
        day_one: dt.date = FIRST_DOSE,
        additional_therapy: bool | None = None,
    ) -> None:
        grade = 3 if max(stages) >= 2 else (2 if max(stages) else 0)
        self._add("assessments", subject_id=subject_id, assessed_on=on(study_day, day_one),
                  skin_stage=stages[0], liver_stage=stages[1], upper_gi_stage=stages[2],
                  lower_gi_stage=stages[3], grade=grade, response=response,
                  grading_system="magic", response_rule_set="csh",
                  additional_therapy=additional_therapy,
                  additional_therapy_names="ruxolitinib" if additional_therapy else None,
                  )  # fmt: skip

    def rescue(self, subject_id: int, study_day: int, name: str = "Ruxolitinib") -> None:
        self._add("therapies", subject_id=subject_id, kind="rescue", name=name,
                  started_on=on(study_day))  # fmt: skip

    def outcome(self, subject_id: int, kind: str, study_day: int) -> None:
        self._add("outcomes", subject_id=subject_id, kind=kind, occurred_on=on(study_day),
                  cause=None)  # fmt: skip

    def steroid(
        self, subject_id: int, drug: str, mg: float, start_day: int, stop_day: int | None
    ) -> None:
        values = {"drug": drug, "dose_mg_per_day": mg, "route": "oral",
                  "started_on": on(start_day).isoformat(),
                  "stopped_on": None if stop_day is None else on(stop_day).isoformat()}  # fmt: skip
        self._add("forms", subject_id=subject_id, form="corticosteroids", visit_code=None,
                  record_date=on(start_day), values=values, derived={})  # fmt: skip

    def visit(self, subject_id: int, study_day: int) -> None:
        self._add("visits", subject_id=subject_id, visit_date=on(study_day))

    def build(self) -> TrialRecords:
        return TrialRecords(
            sites=[{"id": 1, "code": "PKU"}],
            **self.rows,
        )

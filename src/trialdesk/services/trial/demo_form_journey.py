"""The protocol's own forms in a virtual patient's journey: what a coordinator records on them.

Baseline risk factors are entered at randomization, the UC-MSC product sheet at each course-1
infusion, the chronic GVHD score at each follow-up visit, and the log forms (steroid periods, the
other immunosuppressant, infections) on the day after each starts — each through
:func:`trialdesk.services.subjects.forms.record_form`, so every value is validated, derived and
audited as a site's would be. The values come from :mod:`trialdesk.simulation.demo_forms`, drawn
from a stream of randomness of the patient's own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass

import numpy as np

from trialdesk.domain.protocol import Protocol
from trialdesk.services.clinical import corrections
from trialdesk.services.ports import UnitOfWork
from trialdesk.services.subjects import forms
from trialdesk.simulation.demo_cohort import VirtualPatient
from trialdesk.simulation.demo_forms import (
    PlannedForm,
    baseline_risk_plan,
    chronic_gvhd_values,
    draw_log_forms,
    msc_product_values,
)

__all__ = ["FORMS_STREAM", "PatientForms"]

Journey = Generator[dt.datetime, None, None]

#: Second word of the demo's seed sequence for the forms' stream (the first draws the cohort).
FORMS_STREAM = 1
#: The last day of follow-up of the protocol's calendar (week 52).
_LAST_DAY = 365


def _last_study_day(patient: VirtualPatient) -> int:
    """The patient's last day on study: death, withdrawal or the end of week-52 follow-up."""
    days = [patient.event_day(w) for w in (patient.death_week, patient.dropout_week) if w <= 52]
    return min([*days, _LAST_DAY])


@dataclass
class PatientForms:
    """One randomized patient's form entries; ``when``/``on`` turn study days into moments/dates.

    ``ended`` says whether the patient's journey has ended (death or withdrawal): a log entry
    planned after that is not made.
    """

    new_uow: Callable[[], UnitOfWork]
    protocol: Protocol
    patient: VirtualPatient
    coordinator: int
    subject_id: int
    arm: str
    when: Callable[[int, int], dt.datetime]
    on: Callable[[int], dt.date]
    ended: Callable[[], bool]
    spawn: Callable[[Journey], None]
    rng: np.random.Generator

    @classmethod
    def stream(cls, seed: int, patient: VirtualPatient) -> np.random.Generator:
        """The patient's own stream: adding forms does not change what the cohort draws."""
        return np.random.default_rng([seed, FORMS_STREAM, patient.number])

    def _record(self, planned: PlannedForm, *, up_to: int | None = None) -> int | None:
        """Save a planned record with its dates up to study day ``up_to`` (all when ``None``)."""
        if self.protocol.form(planned.form) is None:
            return None
        values = dict(planned.values)
        for name, study_day in planned.dates.items():
            if up_to is None or study_day <= up_to:
                values[name] = self.on(study_day)
        return forms.record_form(
            self.new_uow(), as_user=self.coordinator, subject_id=self.subject_id,
            form_code=planned.form, values=values, protocol=self.protocol,
            visit_code=planned.visit_code,
        )  # fmt: skip

    def baseline(self) -> None:
        """Transplant, onset stages and biomarkers, entered with the randomization."""
        self._record(baseline_risk_plan(self.patient, self.rng))

    def log_forms(self) -> Journey:
        """Steroid periods, the other immunosuppressant and infections, each the day after it
        starts; an end date still ahead is added by a correction the day after it comes."""
        for planned in draw_log_forms(self.patient, self.arm, _last_study_day(self.patient),
                                      self.rng):  # fmt: skip
            yield self.when(planned.study_day, 45)
            if self.ended():
                return
            record_id = self._record(planned, up_to=planned.study_day)
            later = {k: d for k, d in planned.dates.items() if d > planned.study_day}
            if record_id is not None and later:
                self.spawn(self._complete(record_id, later))

    def _complete(self, record_id: int, dates: Mapping[str, int]) -> Journey:
        """Enter the end date of a period or an infection once it has come."""
        yield self.when(max(dates.values()) + 1, 50)
        if self.ended():
            return
        corrections.correct_record(
            self.new_uow(), as_user=self.coordinator, entity=forms.TABLE, record_id=record_id,
            changes={"values": {k: self.on(d).isoformat() for k, d in dates.items()}},
            reason="end date entered when it came", protocol=self.protocol,
        )  # fmt: skip

    def at_visit(self, visit_code: str, study_day: int) -> None:
        """The per-visit forms expected at this visit for the patient's arm."""
        for code in ("msc_product", "chronic_gvhd"):
            spec = self.protocol.form(code)
            if spec is None or visit_code not in spec.visits:
                continue
            if spec.arms and self.arm not in spec.arms:
                continue
            if code == "msc_product":
                values = msc_product_values(self.patient, spec.visits.index(visit_code) + 1)
                dates = {"infused_on": study_day}
            else:
                values = chronic_gvhd_values(self.patient, study_day, self.rng)
                dates = {"assessed_on": study_day}
            self._record(PlannedForm(study_day, code, values, dates, visit_code=visit_code))

"""The lifecycle follows the doses: moves made by the dose that causes them, in its transaction.

* The first study dose starts treatment: ``randomized`` → ``on_treatment``. It also fixes study
  day 1, and with it which assessment is the baseline visit's, so the subject's stored responses
  are brought in line with that baseline (audited, same transaction).
* The first dose that the plan places in course 2 — planned once the protocol's step at the
  course-1 decision visit was "repeat course" — moves ``on_treatment`` → ``course_2``.

Each move goes through the domain state machine and is audited with the dose as its reason. A
subject already moved by hand (an older workflow) is simply left where it is.
"""

from __future__ import annotations

from trialdesk.domain.lifecycle import SubjectState
from trialdesk.domain.plan_status import pair_doses
from trialdesk.domain.protocol import Protocol
from trialdesk.services.accounts.access import Actor
from trialdesk.services.clinical.gvhd_assessments import rederive_responses
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.subjects.course_progress import load_course_progress
from trialdesk.services.subjects.subjects import apply_transition

__all__ = ["follow_dose"]


def follow_dose(
    uow: UnitOfWork, actor: Actor, subject: Record, dose_id: int, protocol: Protocol
) -> None:
    """Apply the lifecycle moves caused by the just-inserted dose ``dose_id``."""
    subject_id = subject["id"]
    doses = sorted(
        uow.records.find("dose_administrations", subject_id=subject_id),
        key=lambda r: (r["administered_on"], r["id"]),
    )
    if doses[0]["id"] == dose_id:
        day1 = doses[0]["administered_on"].isoformat()
        rederive_responses(
            uow, actor, protocol, subject_id, f"first study dose: study day 1 is {day1}"
        )
    state = SubjectState(subject["state"])
    if state is SubjectState.RANDOMIZED:
        apply_transition(uow, actor, subject, SubjectState.ON_TREATMENT, "first study dose")
        return
    if state is not SubjectState.ON_TREATMENT:
        return
    assessments = sorted(
        uow.records.find("gvhd_assessments", subject_id=subject_id),
        key=lambda r: (r["assessed_on"], r["id"]),
    )
    calendar = load_course_progress(uow, protocol, subject_id, assessments).calendar
    if calendar is None:
        return
    paired = pair_doses(
        calendar.administrations, [(d["product"], d["administered_on"]) for d in doses]
    )
    planned = next(p for p, d in zip(paired, doses, strict=True) if d["id"] == dose_id)
    if planned is not None and planned.course >= 2:
        apply_transition(uow, actor, subject, SubjectState.COURSE_2, "first dose of course 2")
